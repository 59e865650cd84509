package server_test

import (
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/server"
)

// TestTriggerSkipCounts: the outcomes of POST /v1/events carry the
// trigger's skip, qual_skip and enter_skip (events at the batch's, the
// qualification's or the entrance's time received before it, which the
// window leaves out) as the OpenAPI document describes them: h.do checks
// every response against it, and its trigger object admits no property it
// does not list.
func TestTriggerSkipCounts(t *testing.T) {
	prog, err := runtime.Compile(fstest.MapFS{"rules.promo": {Data: []byte(`kind deposit {
	amount: money
}

kind bet {
	amount: money
}

kind login {}

reward since_qualified: amount {
	window between qualification and last transaction

	give sum(bet.amount)
}

reward since_entered: amount {
	window since entrance

	give sum(deposit.amount)
}


automation every_three {
	trigger every 3 bet
	qualification deposit where amount >= 100 EUR

	give since_qualified
}

campaign entered {
	entrance on login
	trigger on deposit

	give since_entered
}
`)}})
	require.NoError(t, err)
	h := newHarness(t, func(c *server.Config) { c.Program = prog })
	at := t0.Add(time.Minute)
	r := h.events([]any{
		map[string]any{"id": "reg", "player": "p", "kind": "player", "time": t0.Format(time.RFC3339Nano), "currency": "EUR"},
		ev("q1", "p", "deposit", t0, "amount", "100"),
		ev("b1", "p", "bet", at, "amount", "1"),
		ev("b2", "p", "bet", at, "amount", "2"),
		ev("q2", "p", "deposit", at, "amount", "100"), // discards b1 and b2
		ev("l1", "p", "login", at),                    // enters after q2
		ev("b3", "p", "bet", at, "amount", "4"),
		ev("b4", "p", "bet", at, "amount", "8"),
		ev("b5", "p", "bet", at, "amount", "16"),
		ev("d3", "p", "deposit", at, "amount", "5"),
	})
	require.Equal(t, 200, r.status, "%s", r.raw)
	triggers := map[string]map[string]any{}
	for _, o := range r.json["outcomes"].([]any) {
		o := o.(map[string]any)
		triggers[o["rule"].(string)] = o["trigger"].(map[string]any)
	}
	require.Contains(t, triggers, "every_three", "%s", r.raw)
	require.Contains(t, triggers, "entered", "%s", r.raw)
	assert.Equal(t, float64(2), triggers["every_three"]["qual_skip"], "b1 and b2: %s", r.raw)
	assert.Equal(t, float64(4), triggers["every_three"]["skip"], "b1, b2, q2 and l1: %s", r.raw)
	assert.Equal(t, float64(3), triggers["entered"]["enter_skip"], "b1, b2 and q2, before l1 entered: %s", r.raw)
}
