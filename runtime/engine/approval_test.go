package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
)

// A rule changes from manual to auto approval and gets a new formula
// (testdata/approval_v1, then approval_v2): new results are issued, the
// waiting ones stay in the queue; recalculating evaluates them with the
// new formula, as of their original trigger and window.
func TestApprovalRuleChange(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	v1 := engineFor(t, "approval_v1", st, engine.Options{})
	outs := handle(t, v1, eur("p", t0),
		deposit("d1", "p", t0, "100", "card"),
		deposit("d2", "p", t0.Add(2*day), "100", "card"))
	assert.Equal(t, []string{"deposit_match p waiting 50.00 EUR", "deposit_match p waiting 50.00 EUR"}, brief(outs))

	v2 := engineFor(t, "approval_v2", st, engine.Options{})
	outs = handle(t, v2, deposit("d3", "p", t0.Add(2*day+time.Hour), "100", "card"))
	assert.Equal(t, []string{"deposit_match p issued 80.00 EUR"}, brief(outs), "a new result under auto: issued, 40% of the day's 200")
	waiting, err := st.Waiting(ctx, 0, 10)
	require.NoError(t, err)
	assert.Len(t, waiting, 2, "switching to auto issues only new results")

	re, err := v2.Recalculate(ctx, t0.Add(3*day))
	require.NoError(t, err)
	// As of each one's trigger: d1's day holds d1, d2's day holds d2 (not d3,
	// which came after it).
	assert.Equal(t, []string{"deposit_match p waiting 40.00 EUR", "deposit_match p waiting 40.00 EUR"}, brief(re))
	for i, o := range re {
		assert.Equal(t, outs[0].RuleSetVersion, o.RuleSetVersion, "recalculated with the new rules")
		assert.Equal(t, []string{"d1", "d2"}[i], o.Trigger.Event, "the original trigger")
	}
	bs, err := st.Budgets(ctx, "deposit_match")
	require.NoError(t, err)
	require.Len(t, bs, 1)
	assert.Equal(t, "80", bs[0].Posted.String())
	assert.Equal(t, "80", bs[0].Reserved.String(), "the new amounts reserved in place of the old")
	require.NoError(t, st.Audit(ctx))
}
