//go:build unix

package lsp

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOnlyRegularFilesAreRead puts a link to /dev/zero and a named pipe
// beside a rule file: the server reads neither (reading the first never
// ends, opening the second blocks), and checks the rule file.
func TestOnlyRegularFilesAreRead(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.promo"), []byte("const a = 1\nconst b = nope\n"), 0o644))
	require.NoError(t, os.Symlink("/dev/zero", filepath.Join(dir, "zero.promo")))
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "fifo.promo"), 0o644))
	require.NoError(t, os.Symlink("a.promo", filepath.Join(dir, "link.promo")))
	c := startClient(t, dir, Options{})
	c.initialize()
	c.open("a.promo")
	diags := c.diagnostics("a.promo")
	require.Len(t, diags, 1)
	assert.Equal(t, "undefined: nope", diags[0].Message)
	// A link to a regular file is read: its constants clash with a.promo's.
	c.open("link.promo")
	assert.NotEmpty(t, c.diagnostics("link.promo"))
	assert.Contains(t, c.log.String(), "not a regular file")
	c.shutdown()
}
