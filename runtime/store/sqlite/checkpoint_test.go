package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCheckpointerError: a checkpoint that fails is kept until one
// succeeds, and close reports it.
func TestCheckpointerError(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "promoc.db")
	s, err := Open(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	c := s.ckpt
	kick := func() { c.kick <- struct{}{} }
	assert.NoError(t, c.err(), "none ran")

	// The statement of a run fails: the connection's database is closed.
	require.NoError(t, c.db.Close())
	kick()
	require.Eventually(t, func() bool { return c.err() != nil }, 10*time.Second, time.Millisecond)
	assert.ErrorContains(t, c.err(), "checkpoint: sql: database is closed")

	// The next run succeeds (a connection again; the kick orders the
	// write of c.db before the run): the error is gone.
	c.db, err = sql.Open("sqlite", dsn(path))
	require.NoError(t, err)
	kick()
	require.Eventually(t, func() bool { return c.err() == nil }, 10*time.Second, time.Millisecond)

	// Failed again: close reports it.
	require.NoError(t, c.db.Close())
	kick()
	require.Eventually(t, func() bool { return c.err() != nil }, 10*time.Second, time.Millisecond)
	assert.ErrorContains(t, c.close(), "checkpoint: sql: database is closed", "close reports the failed run")
}
