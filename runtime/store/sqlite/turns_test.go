package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store/internal/sqlcore"
)

// TestTurns: a transaction's Turn follows the previous one's (same
// connection, same data_version, Tx one more) only when that one
// committed and, since, the writer ran nothing but transactions of
// BeginKeeping and no other connection committed: a failed transaction,
// a failed keeping one and another store's commit each break the chain.
// A transaction whose function panics is rolled back and breaks it too.
// Turn refuses an Execer that is not of the writer's transaction.
func TestTurns(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "promoc.db")
	s, err := Open(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	d, ok := s.D.(sqlcore.Turns)
	require.True(t, ok)
	turn := func(begin func(context.Context, func(sqlcore.Execer) error) error, fail bool) sqlcore.Turn {
		t.Helper()
		var got sqlcore.Turn
		boom := errors.New("boom")
		err := begin(ctx, func(ex sqlcore.Execer) error {
			var err error
			if got, err = d.Turn(ctx, ex); err != nil || !fail {
				return err
			}
			return boom
		})
		if fail {
			require.ErrorIs(t, err, boom)
		} else {
			require.NoError(t, err)
		}
		return got
	}
	keeping := func(ctx context.Context, fn func(sqlcore.Execer) error) error { return d.BeginKeeping(ctx, false, fn) }
	follows := func(prev, next sqlcore.Turn) bool {
		return next.Conn == prev.Conn && next.Data == prev.Data && next.Tx == prev.Tx+1
	}

	t1 := turn(d.Begin, false)
	t2 := turn(d.Begin, false)
	assert.True(t, follows(t1, t2), "after a commit")
	turn(keeping, false)
	t3 := turn(d.Begin, false)
	assert.True(t, follows(t2, t3), "after a keeping transaction")

	failed := turn(d.Begin, true)
	require.True(t, follows(t3, failed))
	t4 := turn(d.Begin, false)
	assert.False(t, follows(failed, t4), "after a failed transaction")
	turn(keeping, true)
	t5 := turn(d.Begin, false)
	assert.False(t, follows(t4, t5), "after a failed keeping transaction")

	// A transaction whose function panics is rolled back: the writer goes
	// on, and the next Turn does not follow it.
	var panicked sqlcore.Turn
	require.PanicsWithValue(t, "boom", func() {
		d.Begin(ctx, func(ex sqlcore.Execer) error {
			panicked, _ = d.Turn(ctx, ex)
			if _, err := ex.Exec(ctx, `INSERT INTO requests (scope, idem_key, fingerprint, started_ns) VALUES ($1, $2, $3, $4)`, "s", "p", []byte{1}, int64(1)); err != nil {
				return err
			}
			panic("boom")
		})
	})
	t5 = turn(d.Begin, false)
	assert.False(t, follows(panicked, t5), "after a panic")
	var n int
	require.NoError(t, s.db.QueryRowContext(ctx, `SELECT count(*) FROM requests WHERE idem_key = 'p'`).Scan(&n))
	assert.Zero(t, n, "the panicking transaction's row")

	other, err := Open(ctx, path)
	require.NoError(t, err)
	defer other.Close()
	t6 := turn(d.Begin, false)
	require.True(t, follows(t5, t6))
	require.NoError(t, other.D.Begin(ctx, func(ex sqlcore.Execer) error {
		_, err := ex.Exec(ctx, `INSERT INTO requests (scope, idem_key, fingerprint, started_ns) VALUES ($1, $2, $3, $4)`, "s", "k", []byte{1}, int64(1))
		return err
	}))
	t7 := turn(d.Begin, false)
	assert.False(t, follows(t6, t7), "after another connection's commit")
	assert.NotEqual(t, t6.Data, t7.Data)

	require.NoError(t, d.Read(ctx, func(ex sqlcore.Execer) error {
		_, err := d.Turn(ctx, ex)
		assert.EqualError(t, err, "sqlite: Turn outside the writer's transaction", "a reader's Execer")
		return nil
	}))
}
