package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store/internal/sqlcore"
)

// BenchmarkBeginLazy: a transaction of one insert, as a key's start is,
// committed by Begin (a wait for the disk) and by BeginLazy (none, and the
// connection's synchronous setting changed and put back).
func BenchmarkBeginLazy(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "promoc.db"))
	require.NoError(b, err)
	defer s.Close()
	lb := s.D.(sqlcore.LazyBeginner)
	n := 0
	insert := func(ex sqlcore.Execer) error {
		n++
		_, err := ex.Exec(ctx, `INSERT INTO requests (scope, idem_key, fingerprint, started_ns) VALUES ($1, $2, $3, $4)`, "s", fmt.Sprint(n), []byte{1}, int64(n))
		return err
	}
	for _, c := range []struct {
		name  string
		begin func(context.Context, func(sqlcore.Execer) error) error
	}{{"Begin", s.D.Begin}, {"BeginLazy", lb.BeginLazy}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if err := c.begin(ctx, insert); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
