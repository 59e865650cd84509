//go:build unix

package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store/postgres/pgtest"
)

func TestRunLeaseSQLite(t *testing.T) {
	proveRunLease(t, filepath.Join(t.TempDir(), "promoc.db"))
}

func TestRunLeasePostgres(t *testing.T) {
	proveRunLease(t, pgtest.Fresh(t, "promoc run's lease"))
}

// runProc is a promoc run started as a process of its own, reading its
// log from a pipe the test holds open.
type runProc struct {
	cmd            *exec.Cmd
	stdin          io.WriteCloser
	stdout, stderr *lockedBuffer
	done           chan error
}

func startRun(t *testing.T, exe, rules, db string) *runProc {
	t.Helper()
	p := &runProc{stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(exe, "run", rules, "--events", "-", "--db", db, "--batch", "1")
	p.cmd.Args[0] = "promoc"
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	var err error
	p.stdin, err = p.cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, p.cmd.Start())
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { p.cmd.Process.Kill() })
	return p
}

// runOnce runs promoc run as a process to its end, its log on stdin, and
// returns its exit code, stdout and stderr.
func runOnce(t *testing.T, exe, rules, db, log string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(exe, "run", rules, "--events", "-", "--db", db)
	cmd.Args[0] = "promoc"
	var stdout, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(log), &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return code, stdout.String(), stderr.String()
}

// waitLeaseHeld waits until a process holds the run lease of db.
func waitLeaseHeld(t *testing.T, db string, p *runProc) string {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.done:
			t.Fatalf("promoc run ended before it held the lease: %v\n%s", err, p.stderr.String())
		default:
		}
		st, err := openStore(ctx, db, false)
		if err == nil {
			l, ok, lerr := st.LeaseOf(ctx, runLeaseName)
			st.Close()
			require.NoError(t, lerr)
			if ok && l.Expires.After(time.Now()) {
				return l.Holder
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("promoc run did not take the run lease within a minute\n%s", p.stderr.String())
	return ""
}

// proveRunLease: two promoc run processes on one database at once. The
// second is refused with exit 1 naming the first, and writes nothing; the
// first finishes its log. Once it ended, a run goes on. A run killed with
// SIGKILL holds the lease no longer: the next run on the host takes it over
// at once, and its log is handled once.
func proveRunLease(t *testing.T, db string) {
	exe, rules := crashRuleSet(t)
	require.NoError(t, os.WriteFile(filepath.Join(rules, "rules.promo"), []byte(runRules), 0o644))
	ev := func(p string) string {
		return `{"id":"r-` + p + `","player":"` + p + `","kind":"player","time":"2026-11-07T10:00:00Z","currency":"EUR"}` + "\n" +
			`{"id":"d-` + p + `","player":"` + p + `","kind":"deposit","time":"2026-11-07T11:00:00Z","amount":"20"}` + "\n"
	}

	a := startRun(t, exe, rules, db)
	_, err := io.WriteString(a.stdin, ev("p1"))
	require.NoError(t, err)
	holder := waitLeaseHeld(t, db, a)
	assert.Contains(t, holder, ":", holder)

	// The second run is refused while the first runs, and stores nothing.
	code, stdout, stderr := runOnce(t, exe, rules, db, ev("p2"))
	assert.Equal(t, 1, code, stderr)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "another promoc run is running on this database ("+holder+", lease until ")
	assert.Contains(t, stderr, "wait for it to finish, then run again")

	// The first goes on and ends.
	_, err = io.WriteString(a.stdin, ev("p3"))
	require.NoError(t, err)
	require.NoError(t, a.stdin.Close())
	select {
	case err := <-a.done:
		require.NoError(t, err, a.stderr.String())
	case <-time.After(time.Minute):
		t.Fatalf("promoc run did not end\n%s", a.stderr.String())
	}
	out := a.stdout.String()
	assert.Equal(t, 2, strings.Count(out, `"status":"issued"`), out)
	assert.NotContains(t, out, `"player":"p2"`)

	// Released: the refused log runs now, once.
	code, stdout, stderr = runOnce(t, exe, rules, db, ev("p2"))
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, 1, strings.Count(stdout, `"status":"issued"`), stdout)
	assert.Contains(t, stdout, `"player":"p2"`)

	// A run killed while it holds the lease: the next takes it over.
	k := startRun(t, exe, rules, db)
	_, err = io.WriteString(k.stdin, ev("p4"))
	require.NoError(t, err)
	waitLeaseHeld(t, db, k)
	require.NoError(t, k.cmd.Process.Kill())
	<-k.done
	code, stdout, stderr = runOnce(t, exe, rules, db, ev("p4")+ev("p5"))
	require.Equal(t, 0, code, stderr)
	// p4's deposit was handled by the killed run or is handled now: once.
	assert.Contains(t, stdout, `"player":"p5"`)
	code, stdout, stderr = runOnce(t, exe, rules, db, ev("p1")+ev("p2")+ev("p3")+ev("p4")+ev("p5"))
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stdout, "every event was handled before")
	assert.Contains(t, stderr, "10 events (10 duplicates)")
}
