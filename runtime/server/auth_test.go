package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
)

func TestAuthentication(t *testing.T) {
	h := newHarness(t)
	revoked := h.addKey(server.Admin)
	keys, err := h.st.Keys(context.Background())
	require.NoError(t, err)
	for _, k := range keys {
		if string(k.Hash) == string(server.HashKey(revoked)) {
			require.NoError(t, h.st.RevokeKey(context.Background(), k.ID, t0))
		}
	}
	admin := h.keys[server.Admin]
	changed := admin[:len(admin)-1] + "A"
	if changed == admin {
		changed = admin[:len(admin)-1] + "B"
	}
	tests := []struct {
		name   string
		header string
		msg    string
	}{
		{"no key", "", "missing API key"},
		{"not bearer", "Basic " + h.keys[server.Admin], "expected Bearer KEY"},
		{"bearer without key", "Bearer ", "expected Bearer KEY"},
		{"unknown key", "Bearer promoc_000000000000_nope", "unknown or revoked"},
		{"a key with a character changed", "Bearer " + changed, "unknown or revoked"},
		{"revoked key", "Bearer " + revoked, "unknown or revoked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(call{method: "GET", path: "/v1/outcomes", headers: []string{"Authorization", tt.header}})
			assert.Equal(t, 401, r.status)
			assert.Equal(t, server.CodeUnauthenticated, r.code())
			assert.Contains(t, r.json["message"], tt.msg)
		})
	}
	t.Run("scheme in lower case", func(t *testing.T) {
		r := h.do(call{method: "GET", path: "/v1/outcomes", headers: []string{"Authorization", "bearer " + h.keys[server.Viewer]}})
		assert.Equal(t, 200, r.status, "%s", r.raw)
	})
}

// TestRoles calls every endpoint with every role: a role not allowed gets
// 403 and changes nothing; an allowed one gets past the role check.
func TestRoles(t *testing.T) {
	h := newHarness(t)
	allowed := map[string][]server.Role{}
	for _, rt := range h.srv.Routes() {
		if rt.Roles != nil {
			allowed[rt.Method+" "+rt.Path] = append(rt.Roles, server.Admin)
		}
	}
	// What each role may do; the README's table says the same.
	want := map[string]string{
		"POST /v1/events":                             "operator admin",
		"GET /v1/outcomes":                            "viewer operator approver admin",
		"POST /v1/eval":                               "viewer operator approver admin",
		"GET /v1/approvals":                           "viewer operator approver admin",
		"POST /v1/approvals/approve":                  "approver admin",
		"POST /v1/approvals/reject":                   "approver admin",
		"POST /v1/approvals/recalculate":              "operator approver admin",
		"GET /v1/campaigns":                           "viewer operator approver admin",
		"GET /v1/campaigns/{name}":                    "viewer operator approver admin",
		"POST /v1/campaigns/{name}/suspend":           "operator admin",
		"POST /v1/campaigns/{name}/resume":            "operator admin",
		"PUT /v1/campaigns/{name}/budgets/{currency}": "operator admin",
		"PUT /v1/campaigns/{name}/budget":             "operator admin",
		"GET /v1/audit":                               "admin",
		"GET /v1/webhooks":                            "admin",
		"GET /v1/webhooks/{id}/deliveries":            "admin",
		"POST /v1/webhooks":                           "admin",
		"POST /v1/webhooks/{id}/pause":                "admin",
		"POST /v1/webhooks/{id}/resume":               "admin",
		"DELETE /v1/webhooks/{id}":                    "admin",
		"GET /metrics":                                "viewer operator approver admin",
		"GET /v1/players/{id}/state":                  "viewer operator approver admin",
		"GET /v1/bonuses":                             "viewer operator approver admin",
		"GET /v1/bonuses/{id}":                        "viewer operator approver admin",
		"POST /v1/bonuses/{id}/status":                "operator admin",
		"POST /v1/bonus-events":                       "operator admin",
		"GET /v1/bonus-events":                        "viewer operator approver admin",
		"GET /v1/bonus-anomalies":                     "viewer operator approver admin",
		"GET /v1/reports/bonuses":                     "viewer operator approver admin",
		"POST /v1/fasttrack/bonus/credit":             "operator admin",
		"POST /v1/conversions":                        "operator admin",
		"POST /v1/offers/confirm":                     "operator admin",
		"GET /v1/publishers":                          "viewer operator approver admin",
		"PUT /v1/publishers/{ref}":                    "operator admin",
		"GET /v1/reports/tracking":                    "viewer operator approver admin",
		"DELETE /v1/players/{id}":                     "admin",
		"GET /v1/rulesets":                            "viewer operator approver admin",
		"POST /v1/rulesets":                           "operator admin",
		"POST /v1/rulesets/rollback":                  "operator admin",
		"GET /v1/events/status/{ref}":                 "viewer operator admin",
	}
	got := map[string]string{}
	for route, roles := range allowed {
		var s []string
		for _, r := range roles {
			s = append(s, string(r))
		}
		got[route] = strings.Join(s, " ")
	}
	assert.Equal(t, want, got)

	// The roles not allowed first: they change nothing.
	for _, pass := range []string{"forbidden", "allowed"} {
		for _, rt := range h.srv.Routes() {
			if rt.Roles == nil {
				continue
			}
			path := strings.NewReplacer("{name}", "first_deposit_bonus", "{currency}", "EUR", "{id}", "p1", "{ref}", "alpha").Replace(rt.Path)
			for _, role := range server.Roles {
				ok := strings.Contains(want[rt.Method+" "+rt.Path], string(role))
				if ok != (pass == "allowed") {
					continue
				}
				t.Run(pass+"/"+rt.Method+" "+rt.Path+" as "+string(role), func(t *testing.T) {
					var body any
					if rt.Method != "GET" {
						body = "{}"
					}
					r := h.do(call{method: rt.Method, path: path, role: role, body: body, headers: []string{"Idempotency-Key", "roles-" + string(role) + rt.Path}})
					if ok {
						assert.NotContains(t, []int{401, 403}, r.status, "%s", r.raw)
					} else {
						assert.Equal(t, 403, r.status, "%s", r.raw)
						assert.Equal(t, server.CodeForbidden, r.code())
						assert.Contains(t, r.json["message"], "role "+string(role)+" may not do this")
					}
				})
			}
		}
		if pass == "forbidden" {
			c, err := h.st.Campaign(context.Background(), "first_deposit_bonus")
			require.NoError(t, err)
			assert.True(t, c.Since.IsZero(), "never suspended nor resumed")
			bs, err := h.st.Budgets(context.Background(), "first_deposit_bonus")
			require.NoError(t, err)
			require.Len(t, bs, 1)
			assert.Equal(t, "25", bs[0].Limit.String(), "the budget of the rules, unchanged")
		}
	}
	c, err := h.st.Campaign(context.Background(), "first_deposit_bonus")
	require.NoError(t, err)
	assert.False(t, c.Since.IsZero(), "suspended and resumed by the allowed calls")
}

func TestParseRole(t *testing.T) {
	for _, r := range server.Roles {
		got, err := server.ParseRole(string(r))
		require.NoError(t, err)
		assert.Equal(t, r, got)
	}
	_, err := server.ParseRole("root")
	assert.ErrorContains(t, err, `unknown role "root": expected viewer, operator, approver or admin`)
}

func TestNewKey(t *testing.T) {
	a, ka, err := server.NewKey(server.Viewer, "dashboards", t0)
	require.NoError(t, err)
	b, kb, err := server.NewKey(server.Viewer, "dashboards", t0)
	require.NoError(t, err)
	assert.NotEqual(t, a, b)
	assert.NotEqual(t, ka.ID, kb.ID)
	assert.True(t, strings.HasPrefix(a, "promoc_"+ka.ID+"_"), a)
	assert.Len(t, a, len("promoc_")+12+1+43, "id of 6 bytes in hex, secret of 32 bytes in base64url")
	assert.Equal(t, server.HashKey(a), ka.Hash)
	assert.NotContains(t, string(ka.Hash), a[len(a)-43:], "the store gets no part of the secret")
	_, _, err = server.NewKey("root", "", t0)
	assert.Error(t, err)
}

// revoke revokes the key of secret in the store, as promoc keys revoke
// does from another process.
func (h *harness) revoke(secret string) {
	h.t.Helper()
	keys, err := h.st.Keys(context.Background())
	require.NoError(h.t, err)
	for _, k := range keys {
		if string(k.Hash) == string(server.HashKey(secret)) {
			require.NoError(h.t, h.st.RevokeKey(context.Background(), k.ID, t0))
			return
		}
	}
	h.t.Fatalf("no key %q", secret)
}

// TestKeyCache: a key found valid is trusted for Config.KeyCache without
// reading the store, so that its revocation takes effect within that
// bound, and not later; an unknown key is never kept, so that a key added
// later works at once; a negative KeyCache reads the store every time.
func TestKeyCache(t *testing.T) {
	get := func(h *harness, key string) int {
		return h.do(call{method: "GET", path: "/v1/outcomes", key: key}).status
	}
	t.Run("revocation within the bound", func(t *testing.T) {
		h := newHarness(t, func(c *server.Config) { c.KeyCache = 10 * time.Second })
		key := h.addKey(server.Viewer)
		require.Equal(t, 200, get(h, key))
		h.revoke(key)
		h.clock.Set(t0.Add(9 * time.Second))
		assert.Equal(t, 200, get(h, key), "trusted from memory within the bound")
		h.clock.Set(t0.Add(10 * time.Second))
		assert.Equal(t, 401, get(h, key), "refused once the bound has passed")
		h.clock.Set(t0.Add(time.Hour))
		assert.Equal(t, 401, get(h, key), "a revoked key is not kept")
	})
	t.Run("an unknown key is not kept", func(t *testing.T) {
		h := newHarness(t)
		secret, k, err := server.NewKey(server.Viewer, "later", t0)
		require.NoError(t, err)
		require.Equal(t, 401, get(h, secret))
		require.NoError(t, h.st.AddKey(context.Background(), k))
		assert.Equal(t, 200, get(h, secret), "a key added after a refusal works at once")
	})
	t.Run("the role is the key's", func(t *testing.T) {
		h := newHarness(t)
		viewer := h.addKey(server.Viewer)
		require.Equal(t, 200, get(h, viewer))
		r := h.do(call{method: "POST", path: "/v1/events", key: viewer, body: "{}", headers: []string{"Idempotency-Key", "k1"}})
		assert.Equal(t, 403, r.status, "a cached key keeps its role: %s", r.raw)
	})
	t.Run("no cache", func(t *testing.T) {
		h := newHarness(t, func(c *server.Config) { c.KeyCache = -1 })
		key := h.addKey(server.Viewer)
		require.Equal(t, 200, get(h, key))
		h.revoke(key)
		assert.Equal(t, 401, get(h, key), "refused at the next request")
	})
}

// TestCheckKeyName: a key's name is one line of printable text: letters of
// any script, spaces, punctuation and U+FFFD itself are; a control
// character, a line or paragraph separator, a bidirectional control and a
// byte that is not UTF-8 are not, each named with its byte, and NewKey
// makes no key of such a name.
func TestCheckKeyName(t *testing.T) {
	for _, c := range []struct {
		name, err string
	}{
		{name: "ops team"},
		{name: ""},
		{name: "équipe Malta – CRM"},
		{name: "فريق"},
		{name: "a\uFFFDb"},
		{name: "a\tb", err: "a control character (U+0009) at byte 2"},
		{name: "a\x1b[31m", err: "a control character (U+001B) at byte 2"},
		{name: "ops\u0085", err: "a control character (U+0085) at byte 4"},
		{name: "a\u2028b", err: "a control character (U+2028) at byte 2"},
		{name: "a\u2029b", err: "a control character (U+2029) at byte 2"},
		{name: "ops \u202Emaet", err: "a bidirectional control character (U+202E) at byte 5"},
		{name: "\u2066x\u2069", err: "a bidirectional control character (U+2066) at byte 1"},
		{name: "a\u200Fb", err: "a bidirectional control character (U+200F) at byte 2"},
		{name: "ab\xff", err: "a byte that is not UTF-8 at byte 3"},
	} {
		err := server.CheckKeyName(c.name)
		_, _, kerr := server.NewKey(server.Viewer, c.name, time.Now())
		if c.err == "" {
			assert.NoError(t, err, "%q", c.name)
			assert.NoError(t, kerr, "%q", c.name)
			continue
		}
		if assert.Error(t, err, "%q", c.name) {
			assert.Equal(t, c.err+": a key's name is one line of printable text", err.Error(), "%q", c.name)
		}
		assert.Error(t, kerr, "%q: NewKey", c.name)
	}
}
