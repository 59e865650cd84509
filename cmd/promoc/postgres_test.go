package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestScriptsPostgres runs testdata/postgres/*.txtar against the server of
// PROMOC_TEST_POSTGRES (as runtime/store/postgres's tests do: skipped
// without it, failed in CI), each script in a schema of its own, dropped
// at the end, named to the script by $PROMOC_DB: a postgres:// URL.
// $EXAMPLES is the repository's examples/ directory.
func TestScriptsPostgres(t *testing.T) {
	base := os.Getenv("PROMOC_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("PostgreSQL scripts cannot run in CI without PROMOC_TEST_POSTGRES")
		}
		t.Skip("PostgreSQL scripts skipped: set PROMOC_TEST_POSTGRES")
	}
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(base)
	if err != nil {
		t.Fatal(err)
	}
	examples, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/postgres",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Cmds:                map[string]func(*testscript.TestScript, bool, []string){"status": cmdStatus, "outcome": storeCmds["outcome"], "players": storeCmds["players"]},
		Setup: func(env *testscript.Env) error {
			var b [6]byte
			rand.Read(b[:])
			schema := "promoc_cli_" + hex.EncodeToString(b[:])
			conn, err := pgx.ConnectConfig(ctx, cfg)
			if err != nil {
				return err
			}
			defer conn.Close(ctx)
			if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
				return err
			}
			env.Defer(func() {
				conn, err := pgx.ConnectConfig(ctx, cfg)
				if err != nil {
					t.Errorf("drop schema %s: %v", schema, err)
					return
				}
				defer conn.Close(ctx)
				if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
					t.Errorf("drop schema %s: %v", schema, err)
				}
			})
			env.Setenv("PROMOC_DB", pgURL(cfg, schema))
			env.Setenv("EXAMPLES", examples)
			return nil
		},
	})
}

// pgURL is the postgres:// URL of a connection's configuration, in schema.
func pgURL(cfg *pgx.ConnConfig, schema string) string {
	u := url.URL{Scheme: "postgres", Path: "/" + cfg.Database}
	if cfg.Password != "" {
		u.User = url.UserPassword(cfg.User, cfg.Password)
	} else {
		u.User = url.User(cfg.User)
	}
	q := url.Values{"host": {cfg.Host}, "port": {strconv.Itoa(int(cfg.Port))}, "search_path": {schema}, "sslmode": {"disable"}}
	u.RawQuery = q.Encode()
	return u.String()
}
