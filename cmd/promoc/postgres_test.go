package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/promoc/promoc/runtime/store/postgres/pgtest"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestScriptsPostgres runs testdata/postgres/*.txtar against the server of
// PROMOC_TEST_POSTGRES (as runtime/store/postgres's tests do: skipped
// without it, failed in CI), each script in a schema of its own at the
// newest version, given back at the end (pgtest.NewFresh), named to the
// script by $PROMOC_DB: a postgres:// URL.
// $EXAMPLES is the repository's examples/ directory.
func TestScriptsPostgres(t *testing.T) {
	base := pgtest.Server(t, "the script tests")
	ctx := context.Background()
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
			dsn, release, err := pgtest.NewFresh(ctx, base)
			if err != nil {
				return err
			}
			env.Defer(func() {
				if err := release(); err != nil {
					t.Errorf("giving the script's schema back: %v", err)
				}
			})
			env.Setenv("PROMOC_DB", dsn)
			env.Setenv("EXAMPLES", examples)
			return nil
		},
	})
}
