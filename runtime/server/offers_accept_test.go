package server_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
)

// offersAcceptRules give a shop discount whose code the point of sale makes
// after the assignment (the product document's "code generated after
// assignment": no vouchers, synchronization needed), and 5 EUR once the
// point of sale confirms it.
const offersAcceptRules = `kind login {}

kind offer_confirmed {
	offer: string
	assignment: string
	code: string
}

offer shop {
	reference "SHOP"
	needs synchronization
}

automation shop_welcome {
	trigger on first login

	give offer shop
}

reward thanks: amount {
	give 5 EUR
}

automation shop_confirmed {
	trigger on offer_confirmed where offer == "SHOP"

	give thanks
}
`

// TestAcceptOfferConfirmedOtherwise: the point of sale confirms an
// assignment with the code it made; the assignment keeps no voucher code,
// is synchronized from then on, and the rule on offer_confirmed pays once.
// A second confirmation with another code is 409 confirmed-otherwise, and
// its details say which code the assignment was confirmed with (it said
// "", the zero assignment of the error path), so that the point of sale
// can reconcile without another request.
func TestAcceptOfferConfirmedOtherwise(t *testing.T) {
	h := rulesHarnessOn(t, openStore(t), offersAcceptRules)
	r := h.events([]any{reg("r1", "p1", t0), ev("l1", "p1", "login", t0.Add(time.Minute))})
	require.Equal(t, 200, r.status, "%s", r.raw)
	outs := r.json["outcomes"].([]any)
	require.Len(t, outs, 1)
	given := outs[0].(map[string]any)
	assert.Equal(t, "issued", given["status"])
	assert.Equal(t, "SHOP", given["offer_reference"])
	assert.Nil(t, given["code"], "a generic offer takes no code: %v", given)
	ref := given["assignment"].(string)

	h.clock.Set(t0.Add(time.Hour))
	confirm := func(code string) response {
		return h.do(call{method: "POST", path: "/v1/offers/confirm", role: server.Operator,
			body: map[string]any{"assignment": ref, "code": code}})
	}
	r = confirm("POS-0001")
	require.Equal(t, 200, r.status, "%s", r.raw)
	a := r.json["assignment"].(map[string]any)
	assert.Equal(t, "p1", a["player"])
	assert.Nil(t, a["code"], "the assignment took no voucher code: %v", a)
	assert.Equal(t, "POS-0001", a["confirmation"])
	assert.Equal(t, true, a["synchronized"])
	assert.Equal(t, t0.Add(time.Hour).Format(time.RFC3339Nano), a["confirmed"])
	outs = r.json["outcomes"].([]any)
	require.Len(t, outs, 1)
	paid := outs[0].(map[string]any)
	assert.Equal(t, "shop_confirmed", paid["rule"])
	assert.Equal(t, "issued", paid["status"])
	assert.Equal(t, "5.00", paid["amount"])
	assert.Equal(t, "EUR", paid["currency"])

	r = confirm("POS-0002")
	require.Equal(t, 409, r.status, "%s", r.raw)
	assert.Equal(t, server.CodeConfirmedOtherwise, r.code())
	assert.Equal(t, map[string]any{"confirmation": "POS-0001"}, r.json["details"])

	// Retried with the first code: changes nothing, pays nothing again.
	r = confirm("POS-0001")
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Empty(t, r.json["outcomes"])
	paidOnce := 0
	for _, o := range h.outcomes() {
		if o.Key.Rule == "shop_confirmed" {
			paidOnce++
		}
	}
	assert.Equal(t, 1, paidOnce)
}

// TestAcceptOfferConfirmedAfterErasure: the player of an assignment is
// erased (GDPR); the assignment stays, under the pseudonym. The point of
// sale confirms it later: the confirmation is recorded, but no rule runs
// for the pseudonym (it used to be handled as an offer_confirmed event of
// a new player named by the pseudonym: a player record, events and state
// made again for an erased player, and a reward paid to nobody).
func TestAcceptOfferConfirmedAfterErasure(t *testing.T) {
	h := rulesHarnessOn(t, openStore(t), offersAcceptRules)
	r := h.events([]any{reg("r1", "p1", t0), ev("l1", "p1", "login", t0.Add(time.Minute))})
	require.Equal(t, 200, r.status, "%s", r.raw)
	ref := r.json["outcomes"].([]any)[0].(map[string]any)["assignment"].(string)

	r = h.do(call{method: "DELETE", path: "/v1/players/p1", role: server.Admin})
	require.Equal(t, 200, r.status, "%s", r.raw)
	pseudonym := r.json["pseudonym"].(string)
	before := len(h.outcomes())

	h.clock.Set(t0.Add(time.Hour))
	r = h.do(call{method: "POST", path: "/v1/offers/confirm", role: server.Operator,
		body: map[string]any{"assignment": ref, "code": "POS-0001"}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	a := r.json["assignment"].(map[string]any)
	assert.Equal(t, pseudonym, a["player"])
	assert.Equal(t, "POS-0001", a["confirmation"])
	assert.Equal(t, true, a["synchronized"])
	assert.Empty(t, r.json["outcomes"], "no rule runs for an erased player")
	assert.Len(t, h.outcomes(), before)
	r = h.do(call{method: "GET", path: "/v1/players/" + pseudonym + "/state", role: server.Viewer})
	assert.Equal(t, 404, r.status, "no player is made again under the pseudonym: %s", r.raw)
}

// TestAcceptOfferConfirmationCode: the point of sale's code is text a
// person reads and types, held to the rules of a voucher code (spec/
// semantics.md, Voucher import): a code with a control character (a line
// break, a tab) or only blanks is refused, 400 invalid-parameter naming the
// field code, and nothing is confirmed; such a code used to be stored as
// given. (A NUL is refused in any text of a request: TestAcceptNULRefused.)
func TestAcceptOfferConfirmationCode(t *testing.T) {
	testOfferConfirmationCode(t, rulesHarnessOn(t, openStore(t), offersAcceptRules))
}

// TestAcceptOfferConfirmationCodePostgres is TestAcceptOfferConfirmationCode
// on PostgreSQL.
func TestAcceptOfferConfirmationCodePostgres(t *testing.T) {
	testOfferConfirmationCode(t, rulesHarnessOn(t, openPostgres(t), offersAcceptRules))
}

func testOfferConfirmationCode(t *testing.T, h *harness) {
	r := h.events([]any{reg("r1", "p1", t0), ev("l1", "p1", "login", t0.Add(time.Minute))})
	require.Equal(t, 200, r.status, "%s", r.raw)
	ref := r.json["outcomes"].([]any)[0].(map[string]any)["assignment"].(string)
	confirm := func(code string) response {
		return h.do(call{method: "POST", path: "/v1/offers/confirm", role: server.Operator,
			body: map[string]any{"assignment": ref, "code": code}})
	}
	for _, bad := range []string{"POS\n0001", "POS\t0001", "POS\u00850001", "   ", "\u00a0"} {
		r := confirm(bad)
		assert.Equal(t, 400, r.status, "%q: %s", bad, r.raw)
		assert.Equal(t, server.CodeInvalidParameter, r.code(), "%q", bad)
		assert.Equal(t, map[string]any{"field": "code"}, r.json["details"], "%q", bad)
	}
	r = confirm("POS 0001 ü")
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, "POS 0001 ü", r.json["assignment"].(map[string]any)["confirmation"])
}

// TestAcceptOfferConfirmedLate: a confirmation whose event is older than
// the player's latest event by more than the lateness bound (the player's
// events ahead of the clock) is recorded and its event refused: a 422
// naming the event, which says that the confirmation is recorded, not a
// 500; confirming again changes nothing and is refused the same way.
func TestAcceptOfferConfirmedLate(t *testing.T) {
	h := rulesHarnessOn(t, openStore(t), offersAcceptRules)
	r := h.events([]any{reg("r1", "p1", t0), ev("l1", "p1", "login", t0.Add(time.Minute)),
		ev("l2", "p1", "login", t0.Add(72*time.Hour))})
	require.Equal(t, 200, r.status, "%s", r.raw)
	ref := r.json["outcomes"].([]any)[0].(map[string]any)["assignment"].(string)
	h.clock.Set(t0.Add(time.Hour))
	for range 2 {
		r = h.do(call{method: "POST", path: "/v1/offers/confirm", role: server.Operator,
			body: map[string]any{"assignment": ref, "code": "POS-0001"}})
		require.Equal(t, 422, r.status, "%s", r.raw)
		assert.Equal(t, server.CodeInvalidEvent, r.code())
		assert.Contains(t, r.json["message"], "the confirmation is recorded, but its event cannot be handled")
		assert.Contains(t, r.json["message"], "lateness bound")
		assert.Equal(t, ref, r.json["details"].(map[string]any)["assignment"])
	}
	for _, o := range h.outcomes() {
		assert.NotEqual(t, "shop_confirmed", o.Key.Rule, "nothing paid for a refused event")
	}
}
