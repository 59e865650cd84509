package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// audited is the driver's store as a store.Audited.
func audited(t *testing.T, s store.Store) store.Audited {
	t.Helper()
	a := implements[store.Audited](t, s)
	return a
}

func auditLog(t *testing.T, s store.Store) []store.AuditEntry {
	t.Helper()
	got, err := s.AuditLog(context.Background(), 0, 1000)
	require.NoError(t, err)
	return got
}

// testWithAudit: a change and its audit entry are written together, in one
// transaction whose reads see its writes; a failing change leaves no entry,
// and a failing entry leaves no change.
func testWithAudit(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	a := audited(t, s)
	require.NoError(t, s.SetBudget(ctx, "c", "EUR", dec("10"), t0))
	one(t, s, give(key("p", "t1"), store.Issued, "c", "4", "EUR"))

	// A change and its entry, the entry built from what the transaction
	// reads after the change.
	seq, err := a.WithAudit(ctx, func(tx store.Store) (store.AuditEntry, error) {
		if err := tx.Suspend(ctx, "c", "operator", t0); err != nil {
			return store.AuditEntry{}, err
		}
		c, err := tx.Campaign(ctx, "c")
		if err != nil {
			return store.AuditEntry{}, err
		}
		return store.AuditEntry{At: t0, Actor: "k1", Action: "campaign.suspend", Target: "c", After: []byte(`"` + string(c.Status) + `"`)}, nil
	})
	require.NoError(t, err)
	log := auditLog(t, s)
	require.Len(t, log, 1)
	assert.Equal(t, seq, log[0].Seq)
	assert.Equal(t, `"suspended"`, string(log[0].After), "the transaction read its own write")
	c, err := s.Campaign(ctx, "c")
	require.NoError(t, err)
	assert.Equal(t, store.Suspended, c.Status)

	// A failing change leaves no entry: the store's own refusal...
	_, err = a.WithAudit(ctx, func(tx store.Store) (store.AuditEntry, error) {
		if err := tx.Resume(ctx, "c", t0.Add(time.Minute)); err != nil {
			return store.AuditEntry{}, err
		}
		err := tx.SetBudget(ctx, "c", "EUR", dec("3"), t0.Add(time.Minute))
		return store.AuditEntry{Actor: "k1", Action: "campaign.budget"}, err
	})
	assert.ErrorIs(t, err, store.ErrBudgetBelowSpent, "fn's error as it is")
	// ... or fn's error after a change went through.
	boom := errors.New("boom")
	_, err = a.WithAudit(ctx, func(tx store.Store) (store.AuditEntry, error) {
		if err := tx.Resume(ctx, "c", t0.Add(time.Minute)); err != nil {
			return store.AuditEntry{}, err
		}
		return store.AuditEntry{}, boom
	})
	assert.ErrorIs(t, err, boom)
	c, err = s.Campaign(ctx, "c")
	require.NoError(t, err)
	assert.Equal(t, store.Suspended, c.Status, "the resumes were rolled back")
	assert.Len(t, auditLog(t, s), 1, "no entry for a failed change")

	// A failing entry (no actor) leaves no change.
	_, err = a.WithAudit(ctx, func(tx store.Store) (store.AuditEntry, error) {
		if err := tx.SetBudget(ctx, "c", "EUR", dec("20"), t0); err != nil {
			return store.AuditEntry{}, err
		}
		return store.AuditEntry{At: t0, Action: "campaign.budget", Target: "c/EUR"}, nil
	})
	require.Error(t, err)
	assertDec(t, "10", budget(t, s, "c", "EUR").Limit, "the limit after a failed entry")
	assert.Len(t, auditLog(t, s), 1)

	// A method that fails inside the transaction undoes its own writes
	// only (a savepoint: on PostgreSQL the error would otherwise abort the
	// transaction); the function may go on and commit the rest.
	k := store.APIKey{ID: "k1", Hash: []byte{1}, Role: "admin", Created: t0}
	require.NoError(t, s.AddKey(ctx, k))
	_, err = a.WithAudit(ctx, func(tx store.Store) (store.AuditEntry, error) {
		dup := k
		dup.Hash = []byte{2}
		if err := tx.AddKey(ctx, dup); err == nil {
			return store.AuditEntry{}, errors.New("a repeated key id was stored")
		}
		if err := tx.RevokeKey(ctx, "k1", t0.Add(time.Hour)); err != nil {
			return store.AuditEntry{}, err
		}
		// Apply in the transaction: its outcome and the entry together.
		res, err := tx.Apply(ctx, []store.Change{{Outcomes: []store.Outcome{give(key("p", "t2"), store.Issued, "d", "1", "EUR")}}})
		if err != nil {
			return store.AuditEntry{}, err
		}
		if res[0].Err != nil || res[0].Outcomes[0].Seq == 0 {
			return store.AuditEntry{}, errors.New("the outcome was not logged")
		}
		return store.AuditEntry{At: t0, Actor: "cli", Action: "key.revoke", Target: "k1"}, nil
	})
	require.NoError(t, err)
	ks, err := s.Keys(ctx)
	require.NoError(t, err)
	require.Len(t, ks, 1)
	assert.Equal(t, t0.Add(time.Hour), ks[0].Revoked)
	assert.Len(t, allOutcomes(t, s), 2)
	assert.Len(t, auditLog(t, s), 2)
	assert.Error(t, func() error {
		var closeErr error
		_, err := a.WithAudit(ctx, func(tx store.Store) (store.AuditEntry, error) {
			closeErr = tx.Close()
			return store.AuditEntry{}, closeErr
		})
		if err == nil {
			return errors.New("WithAudit committed after a refused Close")
		}
		return closeErr
	}(), "the transaction is not closed by its function")
}
