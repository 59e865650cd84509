package sqlite

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSyncFilesShared: the stores of a process on one file share one
// descriptor of it (a second one closed would drop the locks SQLite holds
// through the first), closed with the last store; a file that does not
// exist is an error, with nothing opened.
func TestSyncFilesShared(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "promoc.db")
	require.NoError(t, os.WriteFile(path, nil, 0o644))
	a, err := openSyncFiles(path)
	require.NoError(t, err)
	b, err := openSyncFiles(filepath.Join(dir, ".", "promoc.db")) // another spelling, the same file
	require.NoError(t, err)
	assert.Same(t, a.db, b.db, "one descriptor")
	require.NoError(t, a.close())
	assert.NoError(t, b.syncDB(), "still open for the other store")
	require.NoError(t, b.close())
	assert.Error(t, b.db.Sync(), "closed with the last")
	dbFiles.Lock()
	_, kept := dbFiles.m[a.key]
	dbFiles.Unlock()
	assert.False(t, kept)

	_, err = openSyncFiles(filepath.Join(dir, "none.db"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}
