package sqlite

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store/internal/sqlcore"
)

// TestBeginLazy: a lazy transaction commits (or rolls back) as Begin's
// does, and the writer's connection is back at the synchronous setting
// of the options afterwards, so that the commits after it wait for the
// disk as before; within it, synchronous is NORMAL where it was FULL
// (not OFF: a checkpoint the commit runs must sync the database file
// before the WAL may start again, BeginLazy says why).
func TestBeginLazy(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		o      Options
		want   int // after
		inside int
	}{
		{"full", Options{}, 2, 1},
		{"relaxed", Options{Relaxed: true}, 1, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := openTemp(t, func(path string) (*Store, error) { return OpenWith(ctx, path, c.o) })
			lb, ok := s.D.(sqlcore.LazyBeginner)
			require.True(t, ok)
			inside := -1
			require.NoError(t, lb.BeginLazy(ctx, func(ex sqlcore.Execer) error {
				if err := ex.QueryRow(ctx, "PRAGMA synchronous").Scan(&inside); err != nil {
					return err
				}
				_, err := ex.Exec(ctx, `INSERT INTO requests (scope, idem_key, fingerprint, started_ns) VALUES ($1, $2, $3, $4)`, "s", "k", []byte{1}, int64(1))
				return err
			}))
			assert.Equal(t, c.inside, inside, "PRAGMA synchronous within (0 OFF, 1 NORMAL)")
			boom := errors.New("boom")
			err := lb.BeginLazy(ctx, func(ex sqlcore.Execer) error {
				if _, err := ex.Exec(ctx, `INSERT INTO requests (scope, idem_key, fingerprint, started_ns) VALUES ($1, $2, $3, $4)`, "s", "k2", []byte{1}, int64(1)); err != nil {
					return err
				}
				return boom
			})
			require.ErrorIs(t, err, boom)
			assert.Equal(t, c.want, synchronous(t, s), "PRAGMA synchronous after (2 FULL, 1 NORMAL)")
			var n int
			require.NoError(t, s.db.QueryRowContext(ctx, "SELECT count(*) FROM requests").Scan(&n))
			assert.Equal(t, 1, n, "the first committed, the second rolled back")
		})
	}
}
