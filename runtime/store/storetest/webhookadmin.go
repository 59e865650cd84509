package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store"
)

// testWebhookAdmin: a webhook created keeps its sealed secret and starts
// at the log's end; pause and resume keep the cursor; removal drops the
// webhook and its delivery log; each refuses an unknown or taken ID; the
// changes run in WithAudit's transaction, undone with it.
func testWebhookAdmin(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	wa := implements[store.WebhookAdmin](t, s)
	w := webhooksOf(t, s)
	for i := range 2 {
		one(t, s, give(key("p", "t"+string(rune('a'+i))), store.Issued, "", "1", "EUR"))
	}
	flag, err := w.AddWebhook(ctx, store.Webhook{ID: "flag", URL: "https://f.example/hook", Delivered: -1}, t0)
	require.NoError(t, err)
	sealed := []byte{0, 1, 2, 250}
	api, err := wa.CreateWebhook(ctx, store.Webhook{ID: "api", URL: "https://a.example/hook", Delivered: -1}, sealed, t0)
	require.NoError(t, err)
	assert.Equal(t, store.Webhook{ID: "api", URL: "https://a.example/hook", Delivered: 2, Created: t0}, api)

	_, err = wa.CreateWebhook(ctx, store.Webhook{ID: "api", URL: "https://other.example/", Delivered: -1}, sealed, t0)
	assert.ErrorIs(t, err, store.ErrWebhookExists)
	_, err = wa.CreateWebhook(ctx, store.Webhook{ID: "flag", URL: "https://other.example/", Delivered: -1}, sealed, t0)
	assert.ErrorIs(t, err, store.ErrWebhookExists, "a webhook of the configuration too")
	_, err = wa.CreateWebhook(ctx, store.Webhook{ID: "x", URL: "https://x.example/", Delivered: -1}, nil, t0)
	assert.Error(t, err, "no secret")

	got, ok, err := wa.WebhookSettings(ctx, "api")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, store.WebhookSettings{Webhook: api, Sealed: sealed}, got)
	got, ok, err = wa.WebhookSettings(ctx, "flag")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, store.WebhookSettings{Webhook: flag}, got, "no secret of its own")
	_, ok, err = wa.WebhookSettings(ctx, "nope")
	require.NoError(t, err)
	assert.False(t, ok)

	// Registered again by the configuration: the secret and pause stay.
	require.NoError(t, wa.PauseWebhook(ctx, "api", true))
	_, err = w.AddWebhook(ctx, store.Webhook{ID: "api", URL: "https://a.example/hook", Delivered: -1}, t0)
	require.NoError(t, err)
	require.NoError(t, w.AdvanceWebhook(ctx, "api", 1, []store.WebhookAttempt{{Delivery: "api-1", Outcome: 1, Attempt: 1, At: t0, Status: 204}}))
	list, err := wa.WebhookSettingsList(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "api", list[0].ID)
	assert.True(t, list[0].Paused)
	assert.Equal(t, sealed, list[0].Sealed)
	assert.Equal(t, int64(2), list[0].Delivered, "the cursor only moves forward")
	assert.False(t, list[1].Paused)

	tests := []struct {
		name string
		do   func() error
		err  error
	}{
		{"pause an unknown webhook", func() error { return wa.PauseWebhook(ctx, "nope", true) }, store.ErrNoWebhook},
		{"remove an unknown webhook", func() error { return wa.RemoveWebhook(ctx, "nope") }, store.ErrNoWebhook},
		{"resume", func() error { return wa.PauseWebhook(ctx, "api", false) }, nil},
		{"resume again", func() error { return wa.PauseWebhook(ctx, "api", false) }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if tc.err != nil {
				assert.ErrorIs(t, err, tc.err)
			} else {
				assert.NoError(t, err)
			}
		})
	}
	got, _, err = wa.WebhookSettings(ctx, "api")
	require.NoError(t, err)
	assert.False(t, got.Paused)

	// In WithAudit: a change undone with its transaction.
	aud, ok := s.(store.Audited)
	require.True(t, ok)
	_, err = aud.WithAudit(ctx, func(tx store.Store) (store.AuditEntry, error) {
		if err := tx.(store.WebhookAdmin).RemoveWebhook(ctx, "api"); err != nil {
			return store.AuditEntry{}, err
		}
		return store.AuditEntry{}, assert.AnError
	})
	require.ErrorIs(t, err, assert.AnError)
	_, ok, err = wa.WebhookSettings(ctx, "api")
	require.NoError(t, err)
	assert.True(t, ok, "the removal was rolled back")
	_, err = aud.WithAudit(ctx, func(tx store.Store) (store.AuditEntry, error) {
		if err := tx.(store.WebhookAdmin).RemoveWebhook(ctx, "api"); err != nil {
			return store.AuditEntry{}, err
		}
		return store.AuditEntry{At: t0.Add(time.Minute), Actor: "k", Action: "webhook.remove", Target: "api", Before: []byte(`{}`), After: []byte(`null`)}, nil
	})
	require.NoError(t, err)
	_, ok, err = wa.WebhookSettings(ctx, "api")
	require.NoError(t, err)
	assert.False(t, ok)
	tries, err := w.WebhookAttempts(ctx, "api", 0, 10)
	require.NoError(t, err)
	assert.Empty(t, tries, "its delivery log is gone with it")
}
