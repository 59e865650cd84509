package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store"
)

// testRequestBatches: WriteRequests gives each request what
// FinishRequest and StartRequest give it run alone after the requests
// before it (the finishes first), in one transaction.
func testRequestBatches(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	rb := implements[store.RequestBatches](t, s)
	r := store.Request{Scope: "k1 POST /v1/events", Key: "abc", Fingerprint: []byte{1}, Started: t0}
	again := r
	again.Fingerprint, again.Started = []byte{2}, t0.Add(time.Second)
	other := r
	other.Scope = "k2 POST /v1/events"
	stale := store.Request{Scope: "k3 POST /v1/events", Key: "old", Fingerprint: []byte{4}, Started: t0.Add(-time.Hour)}
	_, started, err := s.StartRequest(ctx, stale, t0.Add(-2*time.Hour))
	require.NoError(t, err)
	require.True(t, started)

	takeOver := stale
	takeOver.Fingerprint, takeOver.Started = []byte{5}, t0
	got, err := rb.WriteRequests(ctx, nil, []store.Request{r, again, other, takeOver}, t0.Add(-time.Minute))
	require.NoError(t, err)
	require.Len(t, got, 4)
	assert.Equal(t, store.StartedRequest{Request: r, Started: true}, got[0])
	assert.Equal(t, store.StartedRequest{Request: r, Started: false}, got[1], "the same key later in the batch finds the first running")
	assert.Equal(t, store.StartedRequest{Request: other, Started: true}, got[2], "another scope is another request")
	assert.Equal(t, store.StartedRequest{Request: takeOver, Started: true}, got[3], "a stale request is taken over")

	_, err = rb.WriteRequests(ctx, []store.FinishedRequest{
		{Scope: r.Scope, Key: r.Key, Status: 200, Response: []byte(`{"ok":true}`)},
		{Scope: r.Scope, Key: r.Key, Status: 500, Response: []byte(`x`)},
		{Scope: other.Scope, Key: other.Key, Status: 201, Response: []byte(`{}`)},
	}, nil, t0)
	require.NoError(t, err)
	got, err = rb.WriteRequests(ctx, nil, []store.Request{again, other}, t0.Add(time.Hour))
	require.NoError(t, err)
	assert.False(t, got[0].Started, "finished: never taken over")
	assert.Equal(t, 200, got[0].Request.Status, "the first response is kept")
	assert.Equal(t, []byte(`{"ok":true}`), got[0].Request.Response)
	assert.Equal(t, []byte{1}, got[0].Request.Fingerprint)
	assert.Equal(t, 201, got[1].Request.Status)

	// Each single call sees what the batches wrote.
	one, started, err := s.StartRequest(ctx, takeOver, t0)
	require.NoError(t, err)
	assert.False(t, started)
	assert.Equal(t, takeOver, one)

	got, err = rb.WriteRequests(ctx, nil, nil, t0)
	require.NoError(t, err)
	assert.Empty(t, got)

	// WriteRequests: the finishes, then the starts, in one transaction.
	fresh := store.Request{Scope: "k4 POST /v1/events", Key: "new", Fingerprint: []byte{6}, Started: t0}
	got, err = rb.WriteRequests(ctx, []store.FinishedRequest{{Scope: takeOver.Scope, Key: takeOver.Key, Status: 202, Response: []byte(`{"a":1}`)}},
		[]store.Request{takeOver, fresh, fresh}, t0.Add(-time.Minute))
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.False(t, got[0].Started, "finished before the starts of the same batch")
	assert.Equal(t, 202, got[0].Request.Status)
	assert.Equal(t, []byte(`{"a":1}`), got[0].Request.Response)
	assert.Equal(t, store.StartedRequest{Request: fresh, Started: true}, got[1])
	assert.Equal(t, store.StartedRequest{Request: fresh, Started: false}, got[2])
	got, err = rb.WriteRequests(ctx, []store.FinishedRequest{{Scope: fresh.Scope, Key: fresh.Key, Status: 200, Response: []byte(`{}`)}}, nil, t0)
	require.NoError(t, err)
	assert.Empty(t, got)
	one, started, err = s.StartRequest(ctx, fresh, t0.Add(time.Hour))
	require.NoError(t, err)
	assert.False(t, started)
	assert.Equal(t, 200, one.Status, "a batch of finishes alone is written")
}
