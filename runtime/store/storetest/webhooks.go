package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// webhooksOf is the driver's store as a store.Webhooks.
func webhooksOf(t *testing.T, s store.Store) store.Webhooks {
	t.Helper()
	w := implements[store.Webhooks](t, s)
	return w
}

// testWebhooks: a webhook's cursor starts where asked (or at the log's
// end), survives a re-registration, only moves forward, and moves in the
// transaction that records the tries; the delivery log reads as a feed.
func testWebhooks(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	w := webhooksOf(t, s)
	last, err := w.LastOutcome(ctx)
	require.NoError(t, err)
	assert.Zero(t, last)
	for i := range 3 {
		one(t, s, give(key("p", "t"+string(rune('a'+i))), store.Issued, "", "1", "EUR"))
	}
	last, err = w.LastOutcome(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(3), last)

	a, err := w.AddWebhook(ctx, store.Webhook{ID: "a", URL: "https://a.example/hook", Delivered: -1}, t0)
	require.NoError(t, err)
	assert.Equal(t, store.Webhook{ID: "a", URL: "https://a.example/hook", Delivered: 3, Created: t0}, a, "at the log's end")
	b, err := w.AddWebhook(ctx, store.Webhook{ID: "b", URL: "https://b.example/hook"}, t0)
	require.NoError(t, err)
	assert.Zero(t, b.Delivered, "from the start")
	_, err = w.AddWebhook(ctx, store.Webhook{ID: "", URL: "x"}, t0)
	assert.Error(t, err)

	at := t0.Add(time.Second)
	tries := []store.WebhookAttempt{
		{Delivery: "b-1", Outcome: 1, Attempt: 1, At: at, Status: 500, Error: "HTTP 500", Duration: 3 * time.Millisecond},
		{Delivery: "b-1", Outcome: 1, Attempt: 2, At: at.Add(time.Second), Status: 0, Error: "connection refused", Duration: time.Millisecond},
		{Delivery: "b-1", Outcome: 1, Attempt: 3, At: at.Add(2 * time.Second), Status: 204, Duration: 2 * time.Millisecond},
	}
	require.NoError(t, w.AdvanceWebhook(ctx, "b", 1, tries))
	require.NoError(t, w.AdvanceWebhook(ctx, "b", 0, nil), "a cursor never moves back")
	assert.ErrorIs(t, w.AdvanceWebhook(ctx, "nope", 1, tries), store.ErrNoWebhook)
	got, ok, err := w.Webhook(ctx, "b")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, int64(1), got.Delivered)
	_, ok, err = w.Webhook(ctx, "nope")
	require.NoError(t, err)
	assert.False(t, ok)

	// Registered again (the server restarted): the cursor is kept.
	b, err = w.AddWebhook(ctx, store.Webhook{ID: "b", URL: "https://b.example/hook2"}, t0.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, store.Webhook{ID: "b", URL: "https://b.example/hook2", Delivered: 1, Created: t0}, b)
	list, err := w.WebhookList(ctx)
	require.NoError(t, err)
	assert.Equal(t, []store.Webhook{a, b}, list)

	log, err := w.WebhookAttempts(ctx, "b", 0, 10)
	require.NoError(t, err)
	require.Len(t, log, 3)
	for i := range tries {
		tries[i].Seq, tries[i].Webhook = log[i].Seq, "b"
	}
	assert.Equal(t, tries, log)
	assert.Less(t, log[0].Seq, log[1].Seq)
	page, err := w.WebhookAttempts(ctx, "b", log[0].Seq, 1)
	require.NoError(t, err)
	assert.Equal(t, tries[1:2], page)
	none, err := w.WebhookAttempts(ctx, "a", 0, 10)
	require.NoError(t, err)
	assert.Empty(t, none)

	n, err := w.PruneWebhookAttempts(ctx, at.Add(time.Second))
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
	log, err = w.WebhookAttempts(ctx, "b", 0, 10)
	require.NoError(t, err)
	assert.Len(t, log, 2)
}
