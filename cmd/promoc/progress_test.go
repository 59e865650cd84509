package main

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProgressOnlyAtATerminal(t *testing.T) {
	var w bytes.Buffer
	in := strings.NewReader("log")
	p := startProgress(&w, in, 1<<30)
	assert.Same(t, io.Reader(in), p.reader(), "not a terminal: the log is read as it is")
	p.stop()
	assert.Empty(t, w.String())
}

func TestProgressDraw(t *testing.T) {
	var w bytes.Buffer
	p := &progress{w: &w, in: strings.NewReader(strings.Repeat("x", 1000)), size: 4000, done: make(chan struct{})}
	n, err := io.Copy(io.Discard, p.reader())
	require.NoError(t, err)
	assert.Equal(t, int64(1000), n)
	p.draw()
	assert.Contains(t, w.String(), "\r[=======                       ]  25% ")
	assert.Contains(t, w.String(), " MiB/s")
}
