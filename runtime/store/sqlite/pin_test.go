package sqlite

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/promoc/promoc/runtime/store/internal/sqlcore"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPinKeepsTheWAL: the checkpointer's rounds copy without syncing the
// database file, so the WAL must not be started again (its first frames
// written over) until the copied pages are synced. A round that copied
// every frame leaves the WAL ready to be started again by the writer's
// next transaction; while the pin is held, the writer appends instead,
// and once the request settled (synced, pin let go) and the WAL is copied
// again, the writer starts it again. The control: the same round with
// the pin let go before the commit, and the writer starts the WAL again
// at once (what the pin prevents is what happens without it).
func TestPinKeepsTheWAL(t *testing.T) {
	old := ckptFrames
	ckptFrames = 1 << 30 // no request of the store's own: the test runs the rounds
	defer func() { ckptFrames = old }()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "promoc.db")
	s, err := Open(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	write := func() {
		require.NoError(t, s.D.Begin(ctx, func(ex sqlcore.Execer) error {
			_, err := ex.Exec(ctx, "INSERT INTO scratch (v) VALUES (randomblob(5000))")
			return err
		}))
	}
	require.NoError(t, s.D.Begin(ctx, func(ex sqlcore.Execer) error {
		_, err := ex.Exec(ctx, "CREATE TABLE scratch (k INTEGER PRIMARY KEY, v BLOB)")
		return err
	}))
	// starts is the WAL header's checkpoint sequence: one more each time
	// the WAL is started again.
	starts := func() uint32 {
		b, err := os.ReadFile(path + "-wal")
		require.NoError(t, err)
		require.GreaterOrEqual(t, len(b), 32)
		return binary.BigEndian.Uint32(b[12:16])
	}
	c := s.ckpt
	conn, err := c.db.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(ctx, "PRAGMA synchronous = OFF")
	require.NoError(t, err)
	p := &pinned{c: c}
	copyAll := func() {
		log, done, err := p.round(ctx, conn)
		require.NoError(t, err)
		require.Equal(t, log, done, "the round copied every frame (no commit meanwhile)")
		require.True(t, p.unsynced)
	}

	write()
	copyAll()
	before := starts()
	write()
	assert.Equal(t, before, starts(), "pinned and not synced: the writer appended to the WAL")

	require.NoError(t, p.settle())
	assert.False(t, p.unsynced)
	copyAll()
	require.NoError(t, p.settle())
	write()
	assert.Equal(t, before+1, starts(), "synced and let go: the writer started the WAL again")

	// The control: a round that copies everything, the pin let go with
	// nothing synced, and the next commit starts the WAL again.
	write()
	copyAll()
	p.release()
	before = starts()
	write()
	assert.Equal(t, before+1, starts(), "without the pin the writer starts the WAL again over unsynced pages")
	p.unsynced = false
}

// TestRoundLevels: whatever way leads to a checkpoint (a request's rounds,
// its RESTART with the lock found free, borrowed or waited for), a
// PASSIVE round runs at synchronous=OFF and a RESTART at FULL: SQLite then
// syncs before it counts the frames copied, so the WAL starts again only
// over pages on disk.
func TestRoundLevels(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "promoc.db"))
	require.NoError(t, err)
	defer s.Close()
	c := s.ckpt
	conn, err := c.db.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	level := func() (n int) {
		require.NoError(t, conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&n))
		return n
	}
	for _, tc := range []struct {
		mode string
		want int
	}{{"PASSIVE", 0}, {"RESTART", 2}, {"PASSIVE", 0}, {"RESTART", 2}} {
		_, _, _, err := c.round(ctx, conn, tc.mode)
		require.NoError(t, err)
		assert.Equal(t, tc.want, level(), tc.mode)
	}
}
