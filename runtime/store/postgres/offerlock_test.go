package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/postgres"
)

// TestImportLetsGivesBy: an import locks its offer's row against
// confirmations and other imports of the offer only (FOR NO KEY UPDATE):
// a give of the offer meanwhile, whose assignment's foreign key takes a
// key share lock of that row, goes on rather than wait for the import's
// end (FOR UPDATE made it wait, and a tracking link's session too).
func TestImportLetsGivesBy(t *testing.T) {
	ctx := context.Background()
	s, err := postgres.Open(ctx, newFresh(t))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "spa", RequiresVouchers: true}))
	_, err = s.ImportVouchers(ctx, "spa", []string{"A"}, at)
	require.NoError(t, err)

	errGiven := errors.New("given during the import")
	_, err = s.WithAudit(ctx, func(tx store.Store) (store.AuditEntry, error) {
		if _, err := tx.ImportVouchers(ctx, "spa", []string{"B"}, at); err != nil {
			return store.AuditEntry{}, err
		}
		done := make(chan error, 1)
		go func() {
			_, _, err := s.GiveOffer(ctx, "spa", "p1", "k1", at)
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				return store.AuditEntry{}, err
			}
			return store.AuditEntry{}, errGiven // rolls the import back
		case <-time.After(3 * time.Second):
			return store.AuditEntry{}, errors.New("the give waited for the import's transaction")
		}
	})
	require.ErrorIs(t, err, errGiven)
	a, ok, err := s.GiveOffer(ctx, "spa", "p1", "k1", at)
	require.NoError(t, err)
	require.False(t, ok, "given once, during the import")
	require.Equal(t, "A", a.Code)
}
