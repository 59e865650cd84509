package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/sqlite"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPartFailUndone: the batch path's many-row INSERTs are INSERT OR
// FAIL (no statement journal), which keeps the rows of a statement before
// the one that fails: the failure still leaves nothing of the batch, alone
// (the transaction is rolled back) and in WithAudit (its savepoint is),
// where the rest of the transaction goes on.
func TestPartFailUndone(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "promoc.db"))
	require.NoError(t, err)
	defer s.Close()
	at := time.Date(2026, 12, 6, 22, 0, 0, 0, time.UTC)
	batch := func(prefix string, bad int) []store.Change {
		var cs []store.Change
		for i := range 40 {
			p, id := fmt.Sprintf("%s%d", prefix, i), fmt.Sprintf("e%d", i)
			o := store.Outcome{Key: store.Key{Rule: "r", Action: "give", Player: p, TriggerHash: id}, Status: store.Issued,
				Amount: decimal.RequireFromString("1"), Currency: "EUR", Body: []byte(`{}`), At: at}
			if i == bad {
				o.Status = "bogus" // fails the outcomes' CHECK, in the middle of the log's INSERT of 32 rows
			}
			cs = append(cs, store.Change{
				Event:    &store.Event{Player: p, ID: id, Hash: []byte{1}, Kind: "deposit", At: at},
				States:   []store.State{{Player: p, Rule: "r", Data: []byte(`{}`)}},
				Outcomes: []store.Outcome{o},
			})
		}
		return cs
	}
	nothingOf := func(prefix string) {
		t.Helper()
		for i := range 40 {
			p := fmt.Sprintf("%s%d", prefix, i)
			seen, err := s.Seen(ctx, []store.Event{{Player: p, ID: fmt.Sprintf("e%d", i), Hash: []byte{1}}})
			require.NoError(t, err)
			assert.Equal(t, store.NotSeen, seen[0], "event of %s", p)
			st, err := s.State(ctx, p, "r")
			require.NoError(t, err)
			assert.Zero(t, st.Version, "state of %s", p)
		}
	}

	_, err = s.Apply(ctx, batch("a", 20))
	require.ErrorContains(t, err, "CHECK constraint failed")
	nothingOf("a")
	out, err := s.Outcomes(ctx, 0, 100)
	require.NoError(t, err)
	assert.Empty(t, out)

	_, err = s.WithAudit(ctx, func(tx store.Store) (store.AuditEntry, error) {
		_, err := tx.Apply(ctx, batch("b", 20))
		require.ErrorContains(t, err, "CHECK constraint failed")
		got, err := tx.Apply(ctx, batch("c", -1))
		require.NoError(t, err)
		for _, a := range got {
			require.NoError(t, a.Err)
		}
		return store.AuditEntry{Actor: "test", Action: "apply", Target: "c", At: at, Before: []byte("null"), After: []byte("null")}, nil
	})
	require.NoError(t, err)
	nothingOf("b")
	out, err = s.Outcomes(ctx, 0, 100)
	require.NoError(t, err)
	require.Len(t, out, 40, "the batch after the failed one, in the same transaction")
	for i, o := range out {
		assert.Equal(t, fmt.Sprintf("c%d", i), o.Key.Player)
		assert.Equal(t, int64(i+1), o.Seq)
	}
}
