package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const runRules = `kind deposit {
	amount: money
}

reward welcome: amount {
	give 10 EUR
}

automation first_deposit {
	trigger on first deposit

	give welcome
}
`

// readNotifier is a reader that tells each Read it is asked for.
type readNotifier struct {
	r     io.Reader
	reads chan<- struct{}
}

func (n readNotifier) Read(b []byte) (int, error) {
	n.reads <- struct{}{}
	return n.r.Read(b)
}

// TestRunInterrupt: on SIGINT, promoc run handles the events read so far,
// prints the summary and exits with 1; run again, it goes on.
func TestRunInterrupt(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rules.promo"), []byte(runRules), 0o644))
	db := filepath.Join(dir, "promoc.db")
	var lines []string
	for _, p := range []string{"p1", "p2", "p3", "p4"} {
		lines = append(lines, `{"id":"r-`+p+`","player":"`+p+`","kind":"player","time":"2026-11-07T10:00:00Z","currency":"EUR"}`,
			`{"id":"d-`+p+`","player":"`+p+`","kind":"deposit","time":"2026-11-07T11:00:00Z","amount":"20"}`)
	}
	sig := make(chan chan<- os.Signal, 1)
	old := notifyInterrupt
	notifyInterrupt = func(c chan<- os.Signal) func() { sig <- c; return func() {} }
	defer func() { notifyInterrupt = old }()

	pr, pw := io.Pipe()
	reads := make(chan struct{})
	var stdout, stderr bytes.Buffer
	code := make(chan int)
	go func() {
		code <- run([]string{"run", dir, "--events", "-", "--db", db}, readNotifier{pr, reads}, &stdout, &stderr)
	}()
	c := <-sig
	<-reads // the first read
	go func() { _, _ = io.WriteString(pw, strings.Join(lines[:4], "\n")+"\n") }()
	<-reads // lines 1 to 4 read and taken: the scanner wants more
	c <- os.Interrupt
	go func() {
		for range reads {
		}
	}()
	go func() { _, _ = io.WriteString(pw, strings.Join(lines[4:], "\n")+"\n"); pw.Close() }()
	require.Equal(t, 1, <-code, stderr.String())
	close(reads)
	assert.Equal(t, 2, strings.Count(stdout.String(), `"status":"issued"`), stdout.String())
	assert.Contains(t, stderr.String(), "4 events (0 duplicates)")
	assert.Contains(t, stderr.String(), "promoc: interrupted: the events up to line 4 are stored; run the same command again to go on\n")

	// Run again, the log goes on where it stopped.
	notifyInterrupt = old
	stdout.Reset()
	stderr.Reset()
	require.Equal(t, 0, run([]string{"run", dir, "--events", "-", "--db", db}, strings.NewReader(strings.Join(lines, "\n")+"\n"), &stdout, &stderr), stderr.String())
	assert.Equal(t, 2, strings.Count(stdout.String(), `"status":"issued"`), stdout.String())
	assert.Contains(t, stdout.String(), `"player":"p3"`)
	assert.Contains(t, stdout.String(), `"player":"p4"`)
	assert.Contains(t, stderr.String(), "8 events (4 duplicates)")
}
