package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOptionsDurability: the writer's connection has the synchronous
// setting the options ask for, FULL by default.
func TestOptionsDurability(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name string
		open func(path string) (*Store, error)
		want int
	}{
		{"Open", func(path string) (*Store, error) { return Open(ctx, path) }, 2},
		{"zero options", func(path string) (*Store, error) { return OpenWith(ctx, path, Options{}) }, 2},
		{"relaxed", func(path string) (*Store, error) { return OpenWith(ctx, path, Options{Relaxed: true}) }, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := openTemp(t, c.open)
			require.Equal(t, c.want, synchronous(t, s), "PRAGMA synchronous (2 FULL, 1 NORMAL)")
			var mode string
			require.NoError(t, s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode))
			require.Equal(t, "wal", mode)
		})
	}
}

// openTemp opens a store of open in a file of its own, closed when the
// test ends.
func openTemp(t *testing.T, open func(path string) (*Store, error)) *Store {
	t.Helper()
	s, err := open(filepath.Join(t.TempDir(), "promoc.db"))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// synchronous is the writer's connection's PRAGMA synchronous (0 OFF,
// 1 NORMAL, 2 FULL).
func synchronous(t *testing.T, s *Store) int {
	t.Helper()
	var got int
	require.NoError(t, s.db.QueryRowContext(context.Background(), "PRAGMA synchronous").Scan(&got))
	return got
}
