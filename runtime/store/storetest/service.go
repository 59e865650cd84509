package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testKeys(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	a := store.APIKey{ID: "k1", Hash: []byte{1, 2, 3}, Role: "admin", Name: "first", Created: t0}
	b := store.APIKey{ID: "k0", Hash: []byte{4}, Role: "viewer", Created: t0.Add(time.Second)}
	require.NoError(t, s.AddKey(ctx, a))
	require.NoError(t, s.AddKey(ctx, b))
	assert.Error(t, s.AddKey(ctx, store.APIKey{ID: "k1", Hash: []byte{9}, Role: "admin", Created: t0}), "a repeated id")
	assert.Error(t, s.AddKey(ctx, store.APIKey{ID: "k2", Hash: []byte{1, 2, 3}, Role: "admin", Created: t0}), "a repeated hash")

	got, ok, err := s.KeyByHash(ctx, []byte{1, 2, 3})
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, a, got)
	_, ok, err = s.KeyByHash(ctx, []byte{1, 2})
	require.NoError(t, err)
	assert.False(t, ok, "a hash no key has")

	require.NoError(t, s.RevokeKey(ctx, "k1", t0.Add(time.Hour)))
	require.NoError(t, s.RevokeKey(ctx, "k1", t0.Add(2*time.Hour)), "revoked twice keeps the first time")
	assert.ErrorIs(t, s.RevokeKey(ctx, "nope", t0), store.ErrNoKey)
	ks, err := s.Keys(ctx)
	require.NoError(t, err)
	require.Len(t, ks, 2)
	assert.Equal(t, []string{"k0", "k1"}, []string{ks[0].ID, ks[1].ID})
	assert.True(t, ks[0].Revoked.IsZero())
	assert.Equal(t, t0.Add(time.Hour), ks[1].Revoked)
}

func testRequests(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	r := store.Request{Scope: "k1 POST /v1/events", Key: "abc", Fingerprint: []byte{1}, Started: t0}
	got, started, err := s.StartRequest(ctx, r, t0.Add(-time.Minute))
	require.NoError(t, err)
	assert.True(t, started)
	assert.Equal(t, r, got)

	// A second start while it runs gets the running one.
	r2 := r
	r2.Fingerprint, r2.Started = []byte{2}, t0.Add(time.Second)
	got, started, err = s.StartRequest(ctx, r2, t0.Add(-time.Minute))
	require.NoError(t, err)
	assert.False(t, started)
	assert.Equal(t, r, got)

	// Another scope is another request.
	other := r
	other.Scope = "k2 POST /v1/events"
	_, started, err = s.StartRequest(ctx, other, t0)
	require.NoError(t, err)
	assert.True(t, started)

	require.NoError(t, s.FinishRequest(ctx, r.Scope, r.Key, 200, []byte(`{"ok":true}`)))
	require.NoError(t, s.FinishRequest(ctx, r.Scope, r.Key, 500, []byte(`x`)), "a finished request keeps its response")
	got, started, err = s.StartRequest(ctx, r2, t0.Add(time.Hour))
	require.NoError(t, err)
	assert.False(t, started, "a finished request is never taken over")
	assert.Equal(t, 200, got.Status)
	assert.Equal(t, []byte(`{"ok":true}`), got.Response)
	assert.Equal(t, []byte{1}, got.Fingerprint)

	// A request still running from before staleBefore is taken over.
	got, started, err = s.StartRequest(ctx, store.Request{Scope: other.Scope, Key: "abc", Fingerprint: []byte{3}, Started: t0.Add(time.Hour)}, t0.Add(time.Minute))
	require.NoError(t, err)
	assert.True(t, started)
	assert.Equal(t, []byte{3}, got.Fingerprint)

	// A dropped request frees its key; a finished one is not dropped.
	require.NoError(t, s.DropRequest(ctx, other.Scope, "abc"))
	require.NoError(t, s.DropRequest(ctx, r.Scope, r.Key))
	_, started, err = s.StartRequest(ctx, other, t0)
	require.NoError(t, err)
	assert.True(t, started, "dropped: the key is free")
	_, started, err = s.StartRequest(ctx, r, t0)
	require.NoError(t, err)
	assert.False(t, started, "finished: not dropped")

	n, err := s.PruneRequests(ctx, t0.Add(time.Nanosecond))
	require.NoError(t, err)
	assert.Equal(t, int64(2), n)
	_, started, err = s.StartRequest(ctx, r, t0)
	require.NoError(t, err)
	assert.True(t, started, "pruned: the key is free")
}

func testAuditLog(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	got, err := s.AuditLog(ctx, 0, 10)
	require.NoError(t, err)
	assert.Empty(t, got)
	a := store.AuditEntry{At: t0, Actor: "k1", Action: "campaign.suspend", Target: "welcome", Before: []byte(`{"status":"active"}`), After: []byte(`{"status":"suspended"}`)}
	b := store.AuditEntry{At: t0.Add(time.Second), Actor: "cli", Action: "key.create", Target: "k2"}
	sa, err := s.AppendAudit(ctx, a)
	require.NoError(t, err)
	sb, err := s.AppendAudit(ctx, b)
	require.NoError(t, err)
	assert.Greater(t, sb, sa)
	got, err = s.AuditLog(ctx, 0, 10)
	require.NoError(t, err)
	a.Seq, b.Seq = sa, sb
	b.Before, b.After = []byte("null"), []byte("null")
	assert.Equal(t, []store.AuditEntry{a, b}, got)
	got, err = s.AuditLog(ctx, sa, 10)
	require.NoError(t, err)
	assert.Equal(t, []store.AuditEntry{b}, got)
	got, err = s.AuditLog(ctx, 0, 1)
	require.NoError(t, err)
	assert.Equal(t, []store.AuditEntry{a}, got)
}
