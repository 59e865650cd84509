package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
)

// TestWebhookAdmin: an admin adds a webhook with a secret of its own (never
// answered, logged or stored in clear), the server delivers to it signed
// with that secret, pauses and resumes it (what was logged meanwhile is
// delivered on resume, in order) and removes it; each change is audited;
// bad requests store nothing.
func TestWebhookAdmin(t *testing.T) {
	const secret = "a webhook's own secret, 0123456789abcdef"
	var flagRc *receiver
	rc := newReceiver(t, func() time.Time { return t0 })
	rc.secret = []byte(secret)
	h := newHarness(t, func(c *server.Config) {
		flagRc = newReceiver(t, func() time.Time { return t0 })
		webhookConfig(flagRc.srv.URL)(c)
	})
	_, stop := serve(t, h.srv)
	admin := func(method, path string, body any) response {
		return h.do(call{method: method, path: path, role: server.Admin, body: body})
	}
	audits := func() int {
		es, err := h.st.AuditLog(context.Background(), 0, 1000)
		require.NoError(t, err)
		return len(es)
	}

	bad := []struct {
		name   string
		role   server.Role
		body   string
		status int
		code   string
	}{
		{"not an http URL", server.Admin, `{"url": "ftp://x.example/", "secret": "` + secret + `"}`, 422, server.CodeInvalidWebhook},
		{"a relative URL", server.Admin, `{"url": "/hook", "secret": "` + secret + `"}`, 422, server.CodeInvalidWebhook},
		{"a short secret", server.Admin, `{"url": "https://x.example/", "secret": "short-secret"}`, 422, server.CodeInvalidWebhook},
		{"no secret", server.Admin, `{"url": "https://x.example/"}`, 422, server.CodeInvalidWebhook},
		{"an unknown field", server.Admin, `{"url": "https://x.example/", "secret": "` + secret + `", "x": 1}`, 400, server.CodeInvalidJSON},
		{"an operator", server.Operator, `{"url": "https://x.example/", "secret": "` + secret + `"}`, 403, server.CodeForbidden},
	}
	before := audits()
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(call{method: "POST", path: "/v1/webhooks", role: tc.role, body: tc.body})
			assert.Equal(t, tc.status, r.status, "%s", r.raw)
			assert.Equal(t, tc.code, r.code())
			assert.NotContains(t, string(r.raw), "short-secret", "an error never repeats the secret")
		})
	}
	assert.Equal(t, before, audits(), "nothing audited")
	r := admin("GET", "/v1/webhooks", nil)
	require.Len(t, r.json["webhooks"], 1, "only the flag's: nothing stored")

	// Added: 201, without its secret.
	r = admin("POST", "/v1/webhooks", map[string]any{"url": rc.srv.URL + "/hook", "secret": secret})
	require.Equal(t, 201, r.status, "%s", r.raw)
	assert.NotContains(t, string(r.raw), secret)
	_, has := r.json["secret"]
	assert.False(t, has)
	id := r.json["id"].(string)
	assert.Equal(t, "api", r.json["source"])
	assert.Equal(t, false, r.json["paused"])
	assert.Equal(t, true, r.json["active"])
	assert.Equal(t, before+1, audits())
	stored, ok, err := h.st.(store.WebhookAdmin).WebhookSettings(context.Background(), id)
	require.NoError(t, err)
	require.True(t, ok)
	assert.NotEmpty(t, stored.Sealed)
	assert.NotContains(t, string(stored.Sealed), secret, "stored sealed, not in clear")

	// Delivered to, signed with its own secret (the receiver verifies it).
	r = h.events([]any{reg("reg-p1", "p1", t0), ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card")})
	require.Equal(t, 200, r.status, "%s", r.raw)
	first := rc.waitFor(1)

	// Paused: nothing delivered; resumed: what was logged meanwhile, in order.
	r = admin("POST", "/v1/webhooks/"+id+"/pause", nil)
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, true, r.json["paused"])
	assert.Equal(t, false, r.json["active"])
	time.Sleep(50 * time.Millisecond) // the servers read the webhooks every Poll (10 ms here)
	r = h.events([]any{reg("reg-p2", "p2", t0), ev("d2", "p2", "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card")})
	require.Equal(t, 200, r.status, "%s", r.raw)
	flagRc.waitFor(2) // the other webhook goes on
	time.Sleep(50 * time.Millisecond)
	assert.Equal(t, first, rc.got(), "paused: nothing delivered")
	r = admin("POST", "/v1/webhooks/"+id+"/resume", nil)
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, false, r.json["paused"])
	all := rc.waitFor(2)
	assert.Equal(t, seqs(h.outcomes()), all, "every outcome, in order")

	// Listed, with its source; the flag's webhook cannot be removed.
	r = admin("GET", "/v1/webhooks", nil)
	require.Len(t, r.json["webhooks"], 2)
	assert.NotContains(t, string(r.raw), secret)
	flagID := server.WebhookID(flagRc.srv.URL)
	r = admin("DELETE", "/v1/webhooks/"+flagID, nil)
	assert.Equal(t, 409, r.status, "%s", r.raw)
	assert.Equal(t, server.CodeWebhookConfigured, r.code())

	// Removed, with its delivery log.
	r = admin("DELETE", "/v1/webhooks/"+id, nil)
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, 404, admin("GET", "/v1/webhooks/"+id+"/deliveries", nil).status)
	for _, path := range []string{"/v1/webhooks/" + id + "/pause", "/v1/webhooks/" + id + "/resume"} {
		assert.Equal(t, 404, admin("POST", path, nil).status)
	}
	assert.Equal(t, 404, admin("DELETE", "/v1/webhooks/"+id, nil).status)
	r = admin("GET", "/v1/webhooks", nil)
	require.Len(t, r.json["webhooks"], 1)

	// Each change audited, never with the secret.
	es, err := h.st.AuditLog(context.Background(), 0, 1000)
	require.NoError(t, err)
	var actions []string
	for _, e := range es {
		if strings.HasPrefix(e.Action, "webhook.") {
			actions = append(actions, e.Action)
			assert.Equal(t, id, e.Target)
			assert.NotContains(t, string(e.Before)+string(e.After), secret)
		}
	}
	assert.Equal(t, []string{"webhook.create", "webhook.pause", "webhook.resume", "webhook.remove"}, actions)
	require.NoError(t, stop())
	assert.NotContains(t, h.logs.String(), secret, "never logged")
	assert.NotContains(t, h.logs.String(), "recording deliveries", "a removed webhook's last tries are dropped quietly")
}

// TestWebhookAdminNoSecret: a server without a secret of its own cannot
// seal one: adding a webhook is 501, nothing stored.
func TestWebhookAdminNoSecret(t *testing.T) {
	h := newHarness(t)
	r := h.do(call{method: "POST", path: "/v1/webhooks", role: server.Admin,
		body: map[string]any{"url": "https://x.example/hook", "secret": "0123456789abcdef0123"}})
	assert.Equal(t, 501, r.status, "%s", r.raw)
	assert.Equal(t, server.CodeNoWebhookAdmin, r.code())
	r = h.do(call{method: "GET", path: "/v1/webhooks", role: server.Admin})
	assert.Empty(t, r.json["webhooks"])
}
