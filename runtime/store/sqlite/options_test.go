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
			s, err := c.open(filepath.Join(t.TempDir(), "promoc.db"))
			require.NoError(t, err)
			defer s.Close()
			var got int
			require.NoError(t, s.db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&got))
			require.Equal(t, c.want, got, "PRAGMA synchronous (2 FULL, 1 NORMAL)")
			var mode string
			require.NoError(t, s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode))
			require.Equal(t, "wal", mode)
		})
	}
}
