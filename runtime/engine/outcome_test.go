package engine_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// The fields of outcomes on testdata/outcomes, and their round trip
// through the store's log (engine.OutcomeOf).

func TestOutcomeFields(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	e := engineFor(t, "outcomes", st, engine.Options{})
	d1 := t0.Add(time.Minute)
	outs := handle(t, e, eur("p", t0), deposit("d1", "p", d1, "100", "card"), deposit("d2", "p", d1.Add(time.Minute), "1", "bank"))
	require.Len(t, outs, 8)
	byRule := map[string]engine.Outcome{}
	for _, o := range outs[:4] {
		byRule[o.Rule] = o
	}
	version := e.Program().Version()
	hash := outs[0].TriggerHash
	require.NotEmpty(t, hash)
	for _, o := range outs[:4] {
		assert.Equal(t, "p", o.Player)
		assert.Equal(t, hash, o.TriggerHash, "one event, one trigger hash")
		assert.Equal(t, o.Rule+"/"+o.Action+"/p/"+hash, o.Key)
		assert.Equal(t, version, o.RuleSetVersion)
		assert.True(t, d1.Equal(o.At), o.Rule)
		want := engine.Trigger{Type: "event", Event: "d1", Time: d1}
		if o.Status == "waiting" {
			want.Zone = "UTC" // the player's zone, none: kept for a recalculation
		}
		assert.Equal(t, want, o.Trigger)
		assert.Positive(t, o.Seq)
	}
	assert.NotEqual(t, hash, outs[4].TriggerHash, "another event, another hash")

	a := byRule["amount_rule"]
	assert.Equal(t, "issued match_half amount 50.00 EUR", a.Status+" "+a.Action+" "+a.Kind+" "+a.Amount.String()+" "+a.Currency)
	assert.Nil(t, a.Points)
	assert.Equal(t, []engine.Message{
		{Name: "calc", Values: map[string]string{"amount": "50.00", "currency": "EUR", "reward": "match_half"}},
		{Name: "paid", Values: map[string]string{"amount": "50.00", "currency": "EUR"}},
	}, a.Messages)

	p := byRule["points_rule"]
	assert.Equal(t, "issued deposit_points points 2", p.Status+" "+p.Action+" "+p.Kind+" "+p.Points.String())
	assert.Nil(t, p.Amount)
	assert.Equal(t, []engine.Message{{Name: "points", Values: map[string]string{"points": "2", "reward": "deposit_points"}}}, p.Messages)

	s := byRule["template_rule"]
	assert.Equal(t, "issued spins template golden_spins", s.Status+" "+s.Action+" "+s.Kind+" "+s.Template)
	assert.Equal(t, []engine.Message{{Name: "spins", Values: map[string]string{"template": "golden_spins"}}}, s.Messages)

	w := byRule["split_rule"]
	assert.Equal(t, "waiting match_half all 50.00 EUR", w.Status+" "+w.Action+" "+w.Variant+" "+w.Amount.String()+" "+w.Currency)
	assert.Equal(t, []engine.Message{{Name: "held", Values: map[string]string{"variant": "all", "amount": "50.00"}}}, w.Messages)

	// The second deposit (by bank: the match is 50.00 again) would overrun
	// the budget of 60 (50 posted); the template budget of 1 is spent.
	assert.Equal(t, []string{
		"amount_rule p skipped/budget-exhausted 50.00 EUR",
		"points_rule p issued 4pts",
		"template_rule p skipped/budget-exhausted",
		"split_rule p waiting 50.00 EUR",
	}, brief(outs[4:]))
	assert.Equal(t, []engine.Message{{Name: "not_paid", Values: map[string]string{"reason": "budget-exhausted", "amount": "50.00"}}}, outs[4].Messages)
	assert.Equal(t, []engine.Message{{Name: "no_spins", Values: map[string]string{"reason": "budget-exhausted", "template": "golden_spins"}}}, outs[6].Messages)

	// The store's log gives back the same outcomes.
	logged, err := st.Outcomes(ctx, 0, 100)
	require.NoError(t, err)
	require.Len(t, logged, len(outs))
	for i, so := range logged {
		got, err := engine.OutcomeOf(so)
		require.NoError(t, err)
		assert.Equal(t, jsonOf(t, outs[i]), jsonOf(t, got), "outcome %d (%s)", i, outs[i].Rule)
	}
	// And an outcome survives JSON, as promoc run prints it.
	for _, o := range outs {
		var back engine.Outcome
		require.NoError(t, json.Unmarshal([]byte(jsonOf(t, o)), &back))
		assert.Equal(t, jsonOf(t, o), jsonOf(t, back))
	}
	// An approval is logged as an issued outcome of the same key.
	so, err := st.Approve(ctx, store.Key{Rule: w.Rule, Action: w.Action, Player: w.Player, TriggerHash: w.TriggerHash}, d1.Add(time.Hour))
	require.NoError(t, err)
	approved, err := engine.OutcomeOf(so)
	require.NoError(t, err)
	assert.Equal(t, "issued", approved.Status)
	assert.Equal(t, w.Key, approved.Key)
	assert.Equal(t, "50.00", approved.Amount.String())
}

func jsonOf(t *testing.T, o engine.Outcome) string {
	t.Helper()
	b, err := json.Marshal(o)
	require.NoError(t, err)
	return string(b)
}

// With Options.Trace, each evaluated outcome explains itself, and the
// trace survives the store's log.
func TestOutcomeTrace(t *testing.T) {
	st := openStore(t)
	e := engineFor(t, "outcomes", st, engine.Options{Trace: true})
	outs := handle(t, e, eur("p", t0), deposit("d1", "p", t0.Add(time.Minute), "100", "card"))
	require.Len(t, outs, 4)
	for _, o := range outs {
		require.NotNil(t, o.Trace, o.Rule)
	}
	logged, err := st.Outcomes(context.Background(), 0, 100)
	require.NoError(t, err)
	require.Len(t, logged, len(outs))
	for i, so := range logged {
		got, err := engine.OutcomeOf(so)
		require.NoError(t, err)
		assert.Equal(t, jsonOf(t, outs[i]), jsonOf(t, got), outs[i].Rule)
	}
}
