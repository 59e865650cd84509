package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// A rule changes from manual to auto approval and gets a new formula
// (testdata/approval_v1, then approval_v2): new results are issued, the
// waiting ones stay in the queue; recalculating evaluates them with the
// new formula, as of their original trigger and window.
func TestApprovalRuleChange(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	twoWaiting(t, st)

	v2 := engineFor(t, "approval_v2", st, engine.Options{})
	outs := handle(t, v2, deposit("d3", "p", t0.Add(2*day+time.Hour), "100", "card"))
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
		// The result keeps its first calculation; the outcome is dated at
		// the recalculation.
		assert.True(t, o.At.Equal(t0.Add(3*day)), "at %v", o.At)
		require.NotNil(t, o.Calculated)
		assert.True(t, o.Calculated.Equal([]time.Time{t0, t0.Add(2 * day)}[i]), "calculated %v", o.Calculated)
	}
	waiting, err = st.Waiting(ctx, 0, 10)
	require.NoError(t, err)
	require.Len(t, waiting, 2)
	for i, w := range waiting {
		o, err := engine.OutcomeOf(w)
		require.NoError(t, err)
		require.NotNil(t, o.Calculated, "as the queue reads it")
		assert.True(t, o.Calculated.Equal([]time.Time{t0, t0.Add(2 * day)}[i]), "calculated %v", o.Calculated)
	}
	// Recalculated again, it still keeps its first calculation.
	re, err = v2.Recalculate(ctx, t0.Add(4*day))
	require.NoError(t, err)
	require.Len(t, re, 2)
	require.NotNil(t, re[0].Calculated)
	assert.True(t, re[0].Calculated.Equal(t0), "calculated %v", re[0].Calculated)
	assert.True(t, re[0].At.Equal(t0.Add(4*day)))
	bs, err := st.Budgets(ctx, "deposit_match")
	require.NoError(t, err)
	require.Len(t, bs, 1)
	assert.Equal(t, "80", bs[0].Posted.String())
	assert.Equal(t, "80", bs[0].Reserved.String(), "the new amounts reserved in place of the old")
	require.NoError(t, st.Audit(ctx))
}

// TestRecalculatedRejectionRaw: a waiting result the new rules skip for
// its value (below their minimum) is rejected, and carries what the new
// formula gave (raw, with its currency), as a result skipped for its value
// when first decided does; one rejected for another reason carries none.
func TestRecalculatedRejectionRaw(t *testing.T) {
	ctx := context.Background()
	rules := func(give string) *runtime.Program {
		prog, err := program(`
kind deposit {
	amount: money
	method: string
}

reward day_match: amount {
	window last 1 day
	minimum 20 EUR

	give ` + give + `
}

automation deposit_match {
	trigger on deposit
	approval manual

	give day_match
}
`)
		require.NoError(t, err)
		return prog
	}
	st := openStore(t)
	v1, err := engine.New(ctx, rules("50% of sum(deposit.amount)"), st, engine.Options{})
	require.NoError(t, err)
	outs := handle(t, v1, eur("p", t0), deposit("d1", "p", t0, "100", "card"), eur("q", t0), deposit("d1", "q", t0, "100", "wallet"))
	assert.Equal(t, []string{"deposit_match p waiting 50.00 EUR", "deposit_match q waiting 50.00 EUR"}, brief(outs))

	v2, err := engine.New(ctx, rules(`10% of sum(deposit.amount where deposit.method == "card")`), st, engine.Options{})
	require.NoError(t, err)
	re, err := v2.Recalculate(ctx, t0.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, []string{"deposit_match p rejected/recalculated: below-minimum", "deposit_match q rejected/recalculated: no-matching-transactions"}, brief(re))
	require.Len(t, re, 2)
	require.NotNil(t, re[0].Raw)
	assert.Equal(t, "10.0", re[0].Raw.String(), "as the formula gave it, not rounded")
	assert.Equal(t, "EUR", re[0].Currency)
	assert.Nil(t, re[0].Amount)
	assert.Nil(t, re[1].Raw, "no value to be close to")
	assert.Empty(t, re[1].Currency)
	require.NotNil(t, re[0].Calculated)
	assert.True(t, re[0].Calculated.Equal(t0), "a rejected result keeps its first calculation too: %v", re[0].Calculated)
}

// decidedMeanwhile is a store on which another process approves the
// first waiting result right after the engine read the queue.
type decidedMeanwhile struct {
	store.Store
	t    *testing.T
	at   time.Time
	done bool
}

func (s *decidedMeanwhile) Waiting(ctx context.Context, after int64, limit int) ([]store.Outcome, error) {
	ws, err := s.Store.Waiting(ctx, after, limit)
	if err == nil && len(ws) > 0 && !s.done {
		s.done = true
		_, err := s.Store.Approve(ctx, ws[0].Key, s.at)
		require.NoError(s.t, err)
	}
	return ws, err
}

// TestRecalculateLeavesDecided: a result decided between the
// recalculation's read of the queue and its turn (approved on another
// server) stays as decided, issued at its amount; the recalculation goes
// on with the others, and the budget holds each once.
func TestRecalculateLeavesDecided(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	twoWaiting(t, st)

	ds := &decidedMeanwhile{Store: st, t: t, at: t0.Add(3*day - time.Hour)}
	v2 := engineFor(t, "approval_v2", ds, engine.Options{})
	re, err := v2.Recalculate(ctx, t0.Add(3*day))
	require.NoError(t, err)
	require.True(t, ds.done)
	require.Len(t, re, 1, "d1's result was approved meanwhile")
	assert.Equal(t, []string{"deposit_match p waiting 40.00 EUR"}, brief(re))
	assert.Equal(t, "d2", re[0].Trigger.Event)
	all, err := st.Outcomes(ctx, 0, 100)
	require.NoError(t, err)
	var issued []string
	for _, o := range all {
		if o.Status == store.Issued {
			issued = append(issued, o.Amount.String())
		}
	}
	assert.Equal(t, []string{"50"}, issued, "approved once, at its amount, not recalculated")
	bs, err := st.Budgets(ctx, "deposit_match")
	require.NoError(t, err)
	require.Len(t, bs, 1)
	assert.Equal(t, "50", bs[0].Posted.String())
	assert.Equal(t, "40", bs[0].Reserved.String(), "d2's new amount reserved in place of its old")
	require.NoError(t, st.Audit(ctx))
}

// twoWaiting puts p's two deposits' matches in the approval queue of st,
// under approval_v1 (manual), 50.00 EUR each.
func twoWaiting(t *testing.T, st store.Store) {
	t.Helper()
	v1 := engineFor(t, "approval_v1", st, engine.Options{})
	outs := handle(t, v1, eur("p", t0),
		deposit("d1", "p", t0, "100", "card"),
		deposit("d2", "p", t0.Add(2*day), "100", "card"))
	assert.Equal(t, []string{"deposit_match p waiting 50.00 EUR", "deposit_match p waiting 50.00 EUR"}, brief(outs))
}

// TestRecalculateKeepsZone: a waiting result whose reward reads a window in
// the player's zone is recalculated in the zone the player had at its
// trigger, not the zone a later player event moved the player to: the
// recalculation keeps the original window. In Malta the last full day
// before 2026-11-21 10:00 UTC is 2026-11-20 (from 2026-11-19 23:00 UTC),
// which holds both deposits; in Los Angeles it would start 2026-11-20
// 08:00 UTC and hold only the second.
func TestRecalculateKeepsZone(t *testing.T) {
	ctx := context.Background()
	rules := func(pct string) *runtime.Program { return dayMatch(t, "last full day in player zone", pct) }
	st := openStore(t)
	v1, err := engine.New(ctx, rules("10%"), st, engine.Options{})
	require.NoError(t, err)
	outs := handle(t, v1,
		zoned("p", "Europe/Malta", utc("2026-11-19T07:00:00Z"), nil),
		ev("d1", "p", "deposit", utc("2026-11-19T23:30:00Z"), "amount", "100"),
		ev("d2", "p", "deposit", utc("2026-11-20T12:00:00Z"), "amount", "50"),
		login("l1", "p", utc("2026-11-21T10:00:00Z")),
		playerEv("move", "p", utc("2026-11-21T11:00:00Z"), "", "America/Los_Angeles", nil))
	assert.Equal(t, []string{"login_match p waiting 15.00 EUR"}, brief(outs))
	require.Len(t, outs, 1)
	assert.Equal(t, "Europe/Malta", outs[0].Trigger.Zone, "the zone of the window is kept with the result")

	v2, err := engine.New(ctx, rules("20%"), st, engine.Options{})
	require.NoError(t, err)
	re, err := v2.Recalculate(ctx, utc("2026-11-21T12:00:00Z"))
	require.NoError(t, err)
	assert.Equal(t, []string{"login_match p waiting 30.00 EUR"}, brief(re), "Malta's 2026-11-20, as at the trigger, not Los Angeles's")
}

// TestRecalculateReadsOldHistory: a waiting result is recalculated on the
// transactions of its original window, also when the player's later
// events have moved the history the engine keeps past them, and after a
// Prune, which keeps the events the waiting results' windows read.
func TestRecalculateReadsOldHistory(t *testing.T) {
	ctx := context.Background()
	rules := func(pct string) *runtime.Program { return dayMatch(t, "last 1 day", pct) }
	for _, prune := range []bool{false, true} {
		t.Run(fmt.Sprintf("prune %v", prune), func(t *testing.T) {
			st := openStore(t)
			v1, err := engine.New(ctx, rules("10%"), st, engine.Options{})
			require.NoError(t, err)
			later := utc("2026-11-25T10:00:00Z")
			outs := handle(t, v1,
				eur("p", utc("2026-11-19T07:00:00Z")),
				ev("d1", "p", "deposit", utc("2026-11-19T10:00:00Z"), "amount", "100"),
				login("l1", "p", utc("2026-11-19T11:00:00Z")),
				ev("d2", "p", "deposit", later, "amount", "7"))
			assert.Equal(t, []string{"login_match p waiting 10.00 EUR"}, brief(outs))
			if prune {
				_, err := v1.Prune(ctx, later)
				require.NoError(t, err)
			}
			v2, err := engine.New(ctx, rules("20%"), st, engine.Options{})
			require.NoError(t, err)
			re, err := v2.Recalculate(ctx, later)
			require.NoError(t, err)
			assert.Equal(t, []string{"login_match p waiting 20.00 EUR"}, brief(re), "d1, in the window of l1")
		})
	}
}

// dayMatch is a rule set whose logins give, held for approval, pct of the
// deposits of the window: the recalculations' tests change pct.
func dayMatch(t *testing.T, window, pct string) *runtime.Program {
	t.Helper()
	prog, err := program(`
kind deposit {
	amount: money
}

kind login {}

reward day_match: amount {
	window ` + window + `

	give ` + pct + ` of sum(deposit.amount)
}

automation login_match {
	trigger on login
	approval manual

	give day_match
}
`)
	require.NoError(t, err)
	return prog
}
