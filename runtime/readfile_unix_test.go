//go:build unix

package runtime

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadFileFIFO refuses a named pipe at once: opening one to read would
// wait for a writer forever.
func TestReadFileFIFO(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "pipe.promo"), 0o644))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, err := ReadOSFile(filepath.Join(dir, "pipe.promo"))
		assert.ErrorIs(t, err, ErrNotRegular)
		assert.ErrorContains(t, err, "not a regular file (a named pipe)")
		_, err = ReadFile(os.DirFS(dir), "pipe.promo")
		assert.ErrorIs(t, err, ErrNotRegular)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("reading a named pipe blocked")
	}
}
