package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// The stores the approval timeouts run on: SQLite, and PostgreSQL when
// PROMOC_TEST_POSTGRES names a server (else that case skips, saying so).
var expiryBackends = []backend{sqliteBackend, postgresBackend}

func keyOf(o engine.Outcome) store.Key {
	return store.Key{Rule: o.Rule, Action: o.Action, Player: o.Player, TriggerHash: o.TriggerHash}
}

// A result calculated at t with approval manual within 7 days is
// approvable at t+7d-1ns and rejected with reason timed-out at t+7d, by
// the clock of Advance; its reservation goes back to the budget.
func TestApprovalTimeoutBoundary(t *testing.T) {
	const week = 7 * day
	cases := []struct {
		name    string
		advance time.Duration // after the calculation
		want    []string      // what Advance gives
		expired bool
	}{
		{"a day before", week - day, nil, false},
		{"1ns before", week - time.Nanosecond, nil, false},
		{"at the timeout", week, []string{"weekly_review p rejected/timed-out 10.00 EUR"}, true},
		{"long after", 5 * week, []string{"weekly_review p rejected/timed-out 10.00 EUR"}, true},
	}
	for _, b := range expiryBackends {
		for _, c := range cases {
			t.Run(b.name+"/"+c.name, func(t *testing.T) {
				ctx := context.Background()
				st := b.openAt(t, b.fresh(t))
				e := engineFor(t, "expiry", st, engine.Options{})
				outs := handle(t, e, eur("p", t0), deposit("d1", "p", t0, "100", "card"))
				require.Equal(t, []string{"weekly_review p waiting 10.00 EUR"}, brief(outs))
				now := t0.Add(c.advance)
				got, err := e.Advance(ctx, now)
				require.NoError(t, err)
				assert.Equal(t, c.want, brief(got))
				b := budgetOf(t, st, "weekly_review")
				_, aerr := st.Approve(ctx, keyOf(outs[0]), now)
				if !c.expired {
					require.NoError(t, aerr, "still approvable")
					assert.Equal(t, "10", b.Reserved.String())
					return
				}
				assert.Equal(t, t0.Add(week), got[0].At, "rejected at its timeout, whenever Advance ran")
				assert.Equal(t, outs[0].Key, got[0].Key)
				assert.Equal(t, "0", b.Reserved.String(), "the reservation voided")
				assert.Equal(t, "0", b.Posted.String())
				require.ErrorIs(t, aerr, store.ErrTimedOut, "approving after the timeout")
				assert.Contains(t, aerr.Error(), "timed out")
			})
		}
	}
}

func budgetOf(t testing.TB, st store.Store, campaign string) store.Budget {
	t.Helper()
	require.NoError(t, st.Audit(context.Background()))
	bs, err := st.Budgets(context.Background(), campaign)
	require.NoError(t, err)
	require.Len(t, bs, 1)
	return bs[0]
}

// A timeout fires once: a second Advance, and an engine started again on
// the same store (after a crash), find nothing left to expire. A reward's
// own timeout holds under a rule without an approval clause; a rule's
// approval manual without within overrides it (waits forever). NextDue
// names the next timeout, so that run and serve wake for it.
func TestApprovalTimeoutOnce(t *testing.T) {
	for _, b := range expiryBackends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			addr := b.fresh(t)
			st := b.openAt(t, addr)
			e := engineFor(t, "expiry", st, engine.Options{})
			outs := handle(t, e, eur("p", t0),
				deposit("d1", "p", t0, "100", "card"),
				deposit("d2", "p", t0.Add(time.Hour), "100", "wire"),
				deposit("d3", "p", t0.Add(2*time.Hour), "100", "cash"))
			require.Equal(t, []string{"weekly_review p waiting 10.00 EUR", "quick_review p waiting 5.00 EUR", "no_timeout p waiting 5.00 EUR"}, brief(outs))

			next, ok, err := e.NextDue(ctx, t0.Add(2*time.Hour))
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, t0.Add(3*time.Hour), next, "quick's 2 hours after its calculation")

			got, err := e.Advance(ctx, t0.Add(3*time.Hour))
			require.NoError(t, err)
			assert.Equal(t, []string{"quick_review p rejected/timed-out 5.00 EUR"}, brief(got))
			got, err = e.Advance(ctx, t0.Add(3*time.Hour))
			require.NoError(t, err)
			assert.Empty(t, got, "a second Advance")

			next, ok, err = e.NextDue(ctx, t0.Add(3*time.Hour))
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, t0.Add(7*day), next, "weekly_review's 7 days; no_timeout's result waits forever")

			got, err = e.Advance(ctx, t0.Add(30*day))
			require.NoError(t, err)
			assert.Equal(t, []string{"weekly_review p rejected/timed-out 10.00 EUR"}, brief(got))

			// Started again on the same database: nothing expires twice.
			st2 := b.openAt(t, addr)
			e2 := engineFor(t, "expiry", st2, engine.Options{})
			got, err = e2.Advance(ctx, t0.Add(60*day))
			require.NoError(t, err)
			assert.Empty(t, got, "after a restart")
			_, ok, err = e2.NextDue(ctx, t0.Add(60*day))
			require.NoError(t, err)
			assert.False(t, ok, "nothing left to time out")

			timedOut := 0
			all, err := st2.Outcomes(ctx, 0, 100)
			require.NoError(t, err)
			for _, o := range all {
				if o.Reason == engine.ReasonTimedOut {
					timedOut++
				}
			}
			assert.Equal(t, 2, timedOut, "one rejected outcome per expired result")
			waiting, err := st2.Waiting(ctx, 0, 10)
			require.NoError(t, err)
			require.Len(t, waiting, 1)
			assert.Equal(t, "no_timeout", waiting[0].Key.Rule)
		})
	}
}

// A recalculated result (the rules changed) keeps the time of its first
// calculation for its timeout.
func TestApprovalTimeoutRecalculated(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	v1 := engineFor(t, "expiry", st, engine.Options{})
	outs := handle(t, v1, eur("p", t0), deposit("d1", "p", t0, "100", "card"))
	require.Equal(t, []string{"weekly_review p waiting 10.00 EUR"}, brief(outs))

	v2 := engineFor(t, "expiry_v2", st, engine.Options{})
	re, err := v2.Recalculate(ctx, t0.Add(3*day))
	require.NoError(t, err)
	require.Equal(t, []string{"weekly_review p waiting 20.00 EUR"}, brief(re))

	next, ok, err := v2.NextDue(ctx, t0.Add(3*day))
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, t0.Add(7*day), next, "7 days after the first calculation, not the recalculation")
	got, err := v2.Advance(ctx, t0.Add(7*day-time.Nanosecond))
	require.NoError(t, err)
	assert.Empty(t, got)
	got, err = v2.Advance(ctx, t0.Add(7*day))
	require.NoError(t, err)
	assert.Equal(t, []string{"weekly_review p rejected/timed-out 20.00 EUR"}, brief(got))
	assert.Equal(t, "0", budgetOf(t, st, "weekly_review").Reserved.String())
}

// Operators approve results while Advance expires them: each result is
// approved or timed out, never both, and the budget posts or gives back
// each reservation once.
func TestApprovalTimeoutRacesApprove(t *testing.T) {
	for _, b := range expiryBackends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			st := b.openAt(t, b.fresh(t))
			e := engineFor(t, "expiry", st, engine.Options{})
			const n = 40
			var evs []engine.Event
			for i := range n {
				p := "p" + string(rune('A'+i))
				evs = append(evs, eur(p, t0), deposit("d-"+p, p, t0, "100", "card"))
			}
			outs := handle(t, e, evs...)
			require.Len(t, outs, n)
			now := t0.Add(7 * day)
			var wg sync.WaitGroup
			approved := make([]bool, n)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := n - 1; i >= 0; i-- {
					_, err := st.Approve(ctx, keyOf(outs[i]), now.Add(-time.Nanosecond))
					if err == nil {
						approved[i] = true
					} else if !errors.Is(err, store.ErrTimedOut) {
						t.Errorf("approve %d: %v", i, err)
					}
				}
			}()
			expired, err := e.Advance(ctx, now)
			wg.Wait()
			require.NoError(t, err)
			nApproved := 0
			for _, a := range approved {
				if a {
					nApproved++
				}
			}
			assert.Equal(t, n, nApproved+len(expired), "each result approved or timed out")
			for _, o := range expired {
				assert.Equal(t, engine.ReasonTimedOut, o.Reason)
			}
			bu := budgetOf(t, st, "weekly_review")
			assert.Equal(t, "0", bu.Reserved.String())
			assert.Equal(t, int64(10*nApproved), bu.Posted.IntPart())
			t.Logf("%d approved, %d timed out", nApproved, len(expired))
		})
	}
}

// A waiting result says when it times out (Expires: its first calculation
// + the timeout, nil without one), the store keeps that deadline and
// refuses to decide the result from then on without any Advance, and a
// recalculation sets the deadline by the new rules from the first
// calculation.
func TestApprovalDeadline(t *testing.T) {
	for _, b := range expiryBackends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			st := b.openAt(t, b.fresh(t))
			e := engineFor(t, "expiry", st, engine.Options{})
			outs := handle(t, e, eur("p", t0),
				deposit("d1", "p", t0, "100", "card"),
				deposit("d2", "p", t0.Add(time.Hour), "100", "wire"),
				deposit("d3", "p", t0.Add(2*time.Hour), "100", "cash"),
				deposit("d4", "p", t0.Add(3*time.Hour), "100", "wire"))
			require.Equal(t, []string{"weekly_review p waiting 10.00 EUR", "quick_review p waiting 5.00 EUR",
				"no_timeout p waiting 5.00 EUR", "quick_review p waiting 5.00 EUR"}, brief(outs))
			require.NotNil(t, outs[0].Expires)
			assert.Equal(t, t0.Add(7*day), *outs[0].Expires)
			require.NotNil(t, outs[1].Expires)
			assert.Equal(t, t0.Add(3*time.Hour), *outs[1].Expires)
			assert.Nil(t, outs[2].Expires, "no timeout")
			js, err := json.Marshal(outs[0])
			require.NoError(t, err)
			assert.Contains(t, string(js), `"expires":"`+t0.Add(7*day).Format(time.RFC3339Nano)+`"`)
			js, err = json.Marshal(outs[2])
			require.NoError(t, err)
			assert.NotContains(t, string(js), `"expires"`)

			// The queue read back keeps it.
			ws, err := st.Waiting(ctx, 0, 10)
			require.NoError(t, err)
			require.Len(t, ws, 4)
			w, err := engine.OutcomeOf(ws[1])
			require.NoError(t, err)
			require.NotNil(t, w.Expires)
			assert.Equal(t, t0.Add(3*time.Hour), *w.Expires)

			// The store refuses at the deadline, no Advance run.
			_, err = st.Approve(ctx, keyOf(outs[1]), t0.Add(3*time.Hour))
			require.ErrorIs(t, err, store.ErrTimedOut)
			_, err = st.Reject(ctx, keyOf(outs[1]), "operator", t0.Add(3*time.Hour))
			require.ErrorIs(t, err, store.ErrTimedOut)
			so, err := st.Approve(ctx, keyOf(outs[3]), t0.Add(5*time.Hour-time.Nanosecond))
			require.NoError(t, err, "1ns before its deadline")
			issued, err := engine.OutcomeOf(so)
			require.NoError(t, err)
			assert.Nil(t, issued.Expires, "decided: it no longer times out")

			// Recalculated by rules with other timeouts, from the first
			// calculation; the result past its deadline is left to Advance.
			v3 := engineFor(t, "expiry_v3", st, engine.Options{})
			re, err := v3.Recalculate(ctx, t0.Add(4*time.Hour))
			require.NoError(t, err)
			require.Equal(t, []string{"weekly_review p waiting 20.00 EUR", "no_timeout p waiting 5.00 EUR"}, brief(re))
			require.NotNil(t, re[0].Expires)
			assert.Equal(t, t0.Add(3*day), *re[0].Expires)
			assert.Nil(t, re[1].Expires)
			_, err = st.Approve(ctx, keyOf(outs[0]), t0.Add(3*day))
			require.ErrorIs(t, err, store.ErrTimedOut, "the new deadline")
			_, err = st.Approve(ctx, keyOf(outs[0]), t0.Add(3*day-time.Nanosecond))
			require.NoError(t, err)
			// v3's quick no longer times out, but the late result's deadline
			// was kept: the store refuses to decide it, so Advance rejects
			// it, dated at that deadline, rather than leave it forever.
			next, due, err := v3.NextDue(ctx, t0.Add(4*time.Hour))
			require.NoError(t, err)
			require.True(t, due)
			assert.Equal(t, t0.Add(3*time.Hour), next)
			got, err := v3.Advance(ctx, t0.Add(4*time.Hour))
			require.NoError(t, err)
			require.Equal(t, []string{"quick_review p rejected/timed-out 5.00 EUR"}, brief(got))
			assert.Equal(t, outs[1].Key, got[0].Key)
			assert.Equal(t, t0.Add(3*time.Hour), got[0].At)
			assert.Nil(t, got[0].Expires)
			got, err = v3.Advance(ctx, t0.Add(100*day))
			require.NoError(t, err)
			assert.Empty(t, got, "no_timeout's recalculated result has no deadline any more")
			ws, err = st.Waiting(ctx, 0, 10)
			require.NoError(t, err)
			require.Len(t, ws, 1)
			assert.Equal(t, "no_timeout", ws[0].Key.Rule)
		})
	}
}

// plainStore is a store that does not implement store.Expiries.
type plainStore struct{ store.Store }

// Rules with a timeout on a store that cannot say when its results were
// calculated are refused when the engine is made; rules without one run.
func TestApprovalTimeoutNeedsExpiries(t *testing.T) {
	st := plainStore{sqliteBackend.openAt(t, sqliteBackend.fresh(t))}
	_, err := engine.New(context.Background(), compile(t, "testdata/expiry"), st, engine.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "need a store that implements store.Expiries")
	e, err := engine.New(context.Background(), compile(t, "testdata/campaign"), st, engine.Options{})
	require.NoError(t, err)
	_, err = e.Advance(context.Background(), t0)
	require.NoError(t, err, "nothing to time out")
	_, _, err = e.NextDue(context.Background(), t0)
	require.NoError(t, err)
}
