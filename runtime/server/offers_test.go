package server_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/server"
)

func TestOfferConfirm(t *testing.T) {
	h := newHarness(t, func(c *server.Config) {
		prog, err := runtime.Compile(os.DirFS("testdata/offers"))
		require.NoError(t, err)
		c.Program = prog
	})
	ctx := context.Background()
	_, err := h.st.ImportVouchers(ctx, "SPA-2026", []string{"SPA-0001"}, t0)
	require.NoError(t, err, "the server's engine stored the rule set's offers")

	r := h.events([]any{
		map[string]any{"id": "r1", "player": "p1", "kind": "player", "time": t0.Format(time.RFC3339), "currency": "EUR"},
		ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "50.00"),
	})
	require.Equal(t, 200, r.status, "%s", r.raw)
	outs := r.json["outcomes"].([]any)
	require.Len(t, outs, 1)
	spa := outs[0].(map[string]any)
	assert.Equal(t, "issued", spa["status"])
	assert.Equal(t, "SPA-0001", spa["code"])
	ref := spa["assignment"].(string)

	h.clock.Set(t0.Add(time.Hour))
	confirm := func(body any) response {
		return h.do(call{method: "POST", path: "/v1/offers/confirm", role: server.Operator, body: body})
	}
	r = confirm(map[string]any{"assignment": ref, "code": "POS-881"})
	require.Equal(t, 200, r.status, "%s", r.raw)
	a := r.json["assignment"].(map[string]any)
	assert.Equal(t, ref, a["ref"])
	assert.Equal(t, "SPA-2026", a["offer"])
	assert.Equal(t, "p1", a["player"])
	assert.Equal(t, true, a["synchronized"])
	assert.Equal(t, "POS-881", a["confirmation"])
	outs = r.json["outcomes"].([]any)
	require.Len(t, outs, 1)
	paid := outs[0].(map[string]any)
	assert.Equal(t, "spa_confirmed", paid["rule"])
	assert.Equal(t, "10.00", paid["amount"])

	// Again: the same confirmation, nothing handled twice.
	r = confirm(map[string]any{"assignment": ref, "code": "POS-881"})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Empty(t, r.json["outcomes"])

	r = confirm(map[string]any{"assignment": ref, "code": "POS-882"})
	assert.Equal(t, 409, r.status)
	assert.Equal(t, server.CodeConfirmedOtherwise, r.code())
	r = confirm(map[string]any{"assignment": "nope", "code": "POS-1"})
	assert.Equal(t, 404, r.status)
	assert.Equal(t, server.CodeNotFound, r.code())
	// Another assignment of the offer confirmed with p1's code: 409, and
	// nothing confirmed.
	_, err = h.st.ImportVouchers(ctx, "SPA-2026", []string{"SPA-0002"}, t0)
	require.NoError(t, err)
	as, err := h.st.Assign(ctx, "SPA-2026", []string{"p2"}, t0)
	require.NoError(t, err)
	r = confirm(map[string]any{"assignment": as[0].Ref, "code": "POS-881"})
	assert.Equal(t, 409, r.status, "%s", r.raw)
	assert.Equal(t, server.CodeCodeTaken, r.code())
	r = confirm(map[string]any{"assignment": as[0].Ref, "code": "SPA-0001"})
	assert.Equal(t, server.CodeCodeTaken, r.code(), "the voucher code p1 was given")
	r = confirm(map[string]any{"assignment": ref})
	assert.Equal(t, 400, r.status)
	assert.Equal(t, server.CodeInvalidParameter, r.code())
	r = h.do(call{method: "POST", path: "/v1/offers/confirm", role: server.Viewer, body: map[string]any{"assignment": ref, "code": "POS-881"}})
	assert.Equal(t, 403, r.status)
}
