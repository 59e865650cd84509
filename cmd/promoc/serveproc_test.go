package main

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// inProcess is a promoc serve run in the test's process by runContext,
// read up to the line that says where it listens.
type inProcess struct {
	url    string
	lines  []string       // stdout up to and including the listening line
	sc     *bufio.Scanner // the rest of stdout, until drain
	out    io.Reader
	stderr *lockedBuffer
	code   chan int
	cancel context.CancelFunc
}

// serveInProcess starts promoc with args (serve and its flags) and waits
// until it says where it listens; the test fails when it never does.
// Stopping it is the test's: stop, or cancelling the context.
func serveInProcess(t *testing.T, ctx context.Context, args ...string) *inProcess {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	outR, outW := io.Pipe()
	p := &inProcess{out: outR, stderr: &lockedBuffer{}, code: make(chan int, 1), cancel: cancel}
	go func() {
		p.code <- runContext(ctx, args, strings.NewReader(""), outW, p.stderr)
		outW.Close()
	}()
	p.sc = bufio.NewScanner(outR)
	for p.url == "" && p.sc.Scan() {
		p.lines = append(p.lines, p.sc.Text())
		if a, ok := strings.CutPrefix(p.sc.Text(), "promoc serve: listening on "); ok {
			p.url = a
		}
	}
	require.NotEmpty(t, p.url, "stdout: %q; stderr: %s", p.lines, p.stderr.String())
	return p
}

// drain discards the rest of stdout, so that the server never blocks
// writing it.
func (p *inProcess) drain() { go io.Copy(io.Discard, p.out) }

// stop cancels the server and checks that it stops, with status 0, within
// wait.
func (p *inProcess) stop(t *testing.T, wait time.Duration) {
	t.Helper()
	p.cancel()
	select {
	case c := <-p.code:
		assert.Equal(t, 0, c, p.stderr.String())
	case <-time.After(wait):
		t.Fatal("serve did not stop")
	}
}
