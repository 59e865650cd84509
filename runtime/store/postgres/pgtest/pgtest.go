// Package pgtest gives tests a PostgreSQL database of their own on the
// server named by PROMOC_TEST_POSTGRES: an empty schema, created afresh
// and dropped when the test ends (Schema), or one at promoc's newest
// version with no data, from a pool of migrated schemas that this process
// made once and empties between tests (Fresh: what Schema and
// postgres.Open give, without the migrations' cost each time). Without
// that variable a test that asks for one is skipped, saying so, except in
// CI (CI=true), where it fails: CI starts a server (.ci/run) and must
// never skip these tests. A TestMain whose tests use Fresh calls Close
// after m.Run.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Env names the variable that holds the server's connection string.
const Env = "PROMOC_TEST_POSTGRES"

// Server is the server's connection string. It skips the test without one,
// or fails it in CI; what names the tests for the message ("the store's
// tests").
func Server(t testing.TB, what string) string {
	t.Helper()
	d := os.Getenv(Env)
	if d == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s on PostgreSQL cannot run in CI without %s", what, Env)
		}
		t.Skipf("%s on PostgreSQL skipped: set %s to run them", what, Env)
	}
	return d
}

// NewSchema creates a schema named prefix_ and a random suffix on server
// and returns a postgres:// URL that connects in it (its search_path), and
// the function that drops it.
func NewSchema(ctx context.Context, server, prefix string) (dsn string, drop func() error, err error) {
	cfg, err := pgx.ParseConfig(server)
	if err != nil {
		return "", nil, err
	}
	var b [6]byte
	rand.Read(b[:])
	schema := prefix + "_" + hex.EncodeToString(b[:])
	exec := func(sql string) error {
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE SCHEMA " + schema); err != nil {
		return "", nil, err
	}
	return inSchema(cfg, schema), func() error { return exec("DROP SCHEMA " + schema + " CASCADE") }, nil
}

// Schema is NewSchema for a test on the server of Env (Server's skip
// rules), dropped when the test ends.
func Schema(t testing.TB, what, prefix string) string {
	t.Helper()
	dsn, drop, err := NewSchema(context.Background(), Server(t, what), prefix)
	if err != nil {
		t.Fatalf("a schema of its own on PostgreSQL: %v", err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Errorf("dropping the test's schema: %v", err)
		}
	})
	return dsn
}

// inSchema is the postgres:// URL of a connection's configuration, with
// schema as its search path.
func inSchema(cfg *pgx.ConnConfig, schema string) string {
	u := url.URL{Scheme: "postgres", Path: "/" + cfg.Database}
	if cfg.Password != "" {
		u.User = url.UserPassword(cfg.User, cfg.Password)
	} else {
		u.User = url.User(cfg.User)
	}
	q := url.Values{"host": {cfg.Host}, "port": {strconv.Itoa(int(cfg.Port))}, "search_path": {schema}}
	if cfg.TLSConfig == nil {
		q.Set("sslmode", "disable")
	}
	u.RawQuery = q.Encode()
	return u.String()
}
