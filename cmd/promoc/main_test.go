package main

import (
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/promoc/promoc/runtime/store/postgres/pgtest"
	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "rewrite the expected output of the scripts in testdata/script")

func TestMain(m *testing.M) {
	testscript.Main(closing{m}, map[string]func(){
		"promoc": func() {
			setTestClock()
			os.Exit(Main())
		},
	})
}

// closing runs the tests, then drops the PostgreSQL schemas that
// pgtest.Fresh made.
type closing struct{ m *testing.M }

func (c closing) Run() int {
	code := c.m.Run()
	if err := pgtest.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "dropping the PostgreSQL schemas of pgtest.Fresh:", err)
	}
	return code
}

// TestScripts runs testdata/script/*.txtar. Besides the standard commands,
// scripts have
//
//	status CODE COMMAND [ARGS...]
//
// which runs a command, as exec does, and fails unless it exits with CODE:
// promoc's exit codes 1 and 2 mean different things;
//
//	truncate SIZE FILE
//
// which makes FILE SIZE bytes long (sparse, so that a file past a limit
// costs no disk); the commands of store_test.go, which put into a
// database what only the engine writes, and print what it holds; and, on
// Unix,
//
//	mkfifo FILE
//
// which makes a named pipe. $EXAMPLES is the repository's examples/
// directory.
func TestScripts(t *testing.T) {
	cmds := map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"status":   cmdStatus,
		"truncate": cmdTruncate,
	}
	maps.Copy(cmds, osCmds)
	maps.Copy(cmds, storeCmds)
	examples, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("EXAMPLES", examples)
			return nil
		},
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Cmds:                cmds,
	})
}

func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! status")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: status CODE COMMAND [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}

// osCmds are the script commands of one operating system.
var osCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){}

func cmdTruncate(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: truncate SIZE FILE")
	}
	size, err := strconv.ParseInt(args[0], 10, 64)
	ts.Check(err)
	f, err := os.Create(ts.MkAbs(args[1]))
	ts.Check(err)
	ts.Check(f.Truncate(size))
	ts.Check(f.Close())
}
