package server_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lockedBuffer is a writer that records each Write it gets, and may be
// slow or fail.
type lockedBuffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
	delay  time.Duration
	err    error
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	time.Sleep(b.delay)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.writes++
	b.buf.Write(p)
	return len(p), b.err
}

func (b *lockedBuffer) text() (string, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String(), b.writes
}

// TestLogWriter: the lines of 8 goroutines are written whole, each
// goroutine's in its order, in fewer writes than lines when the writer is
// slow; Close writes what is pending; a line after Close is written at
// once.
func TestLogWriter(t *testing.T) {
	out := &lockedBuffer{delay: time.Millisecond}
	l := server.NewLogWriter(out)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				n, err := fmt.Fprintf(l, "g%d line %d\n", g, i)
				assert.NoError(t, err)
				assert.Positive(t, n)
			}
		})
	}
	wg.Wait()
	require.NoError(t, l.Close())
	text, writes := out.text()
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	require.Len(t, lines, 1600)
	next := map[string]int{}
	for _, line := range lines {
		var g string
		var i int
		_, err := fmt.Sscanf(line, "%s line %d", &g, &i)
		require.NoError(t, err, line)
		assert.Equal(t, next[g], i, "%s: in its order", g)
		next[g] = i + 1
	}
	assert.Less(t, writes, 1600/2, "lines written together")

	fmt.Fprintf(l, "after close\n")
	text, _ = out.text()
	assert.True(t, strings.HasSuffix(text, "after close\n"))
	assert.NoError(t, l.Close(), "twice")
}

// TestLogWriterIdle: a line of an idle log is written without waiting for
// more, or for Close.
func TestLogWriterIdle(t *testing.T) {
	out := &lockedBuffer{}
	l := server.NewLogWriter(out)
	defer l.Close()
	fmt.Fprintf(l, "alone\n")
	assert.Eventually(t, func() bool { text, _ := out.text(); return text == "alone\n" }, 5*time.Second, time.Millisecond)
}

// TestLogWriterBehind: a writer that falls behind makes Write wait (the
// pending lines stay bounded) instead of holding every line in memory;
// its error is Close's.
func TestLogWriterBehind(t *testing.T) {
	out := &lockedBuffer{delay: 50 * time.Millisecond, err: errors.New("disk full")}
	l := server.NewLogWriter(out)
	line := bytes.Repeat([]byte("x"), 300<<10) // 300 KiB: four fill the pending bytes
	start := time.Now()
	for range 8 {
		_, err := l.Write(line)
		require.NoError(t, err)
	}
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond, "Write waited for the writer")
	assert.EqualError(t, l.Close(), "disk full")
	text, _ := out.text()
	assert.Len(t, text, 8*len(line), "every line written")
}
