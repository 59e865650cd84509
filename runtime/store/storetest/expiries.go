package storetest

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store"
)

// RunExpiries runs the conformance cases of [store.Expiries], the approval
// queue by time that approval timeouts read, on a driver whose stores
// implement it.
func RunExpiries(t *testing.T, d Driver) {
	cases := []struct {
		name string
		fn   func(t *testing.T, d Driver)
	}{
		{"Expire", testExpire},
		{"ExpireRacesApprove", testExpireRace},
		{"Deadline", testDeadline},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, d) })
	}
}

func expiries(t testing.TB, s store.Store) store.Expiries {
	x := implements[store.Expiries](t, s)
	return x
}

func waitingAt(k store.Key, amount string, at time.Time) store.Outcome {
	o := give(k, store.Waiting, "vip", amount, "EUR")
	o.At = at
	return o
}

func testExpire(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	x := expiries(t, s)
	require.NoError(t, s.SetBudget(ctx, "vip", "EUR", dec("100"), t0))
	one(t, s, waitingAt(key("p1", "t"), "10", t0.Add(2*time.Hour)))
	one(t, s, waitingAt(key("p2", "t"), "20", t0))
	one(t, s, waitingAt(key("p3", "t"), "30", t0.Add(time.Hour)))
	other := store.Key{Rule: "first_deposit", Action: "other", Player: "p4", TriggerHash: "t"}
	one(t, s, waitingAt(other, "5", t0))
	one(t, s, give(key("p5", "t"), store.Issued, "vip", "1", "EUR")) // issued: never queued

	// By the time of first calculation, then player; per rule and action;
	// until is inclusive.
	q, err := x.Expiring(ctx, "first_deposit", "give", t0.Add(time.Hour), 10)
	require.NoError(t, err)
	assert.Equal(t, []store.Queued{{Key: key("p2", "t"), At: t0}, {Key: key("p3", "t"), At: t0.Add(time.Hour)}}, q)
	q, err = x.Expiring(ctx, "first_deposit", "give", t0.Add(time.Hour-1), 10)
	require.NoError(t, err)
	assert.Equal(t, []store.Queued{{Key: key("p2", "t"), At: t0}}, q)
	q, err = x.Expiring(ctx, "first_deposit", "give", t0.Add(24*time.Hour), 1)
	require.NoError(t, err)
	assert.Equal(t, []store.Queued{{Key: key("p2", "t"), At: t0}}, q, "limit")

	// A recalculation keeps the time of the first calculation.
	_, err = s.Recalculate(ctx, key("p1", "t"), dec("15"), []byte(`{"amount":"15"}`), t0.Add(5*time.Hour))
	require.NoError(t, err)
	q, err = x.Expiring(ctx, "first_deposit", "give", t0.Add(2*time.Hour), 10)
	require.NoError(t, err)
	require.Len(t, q, 3)
	assert.Equal(t, store.Queued{Key: key("p1", "t"), At: t0.Add(2 * time.Hour)}, q[2])
	assertDec(t, "70", budget(t, s, "vip", "EUR").Reserved, "reserved before the expiry")

	// Expire: reservations voided, rejected outcomes with reason
	// timed-out at each key's time, in one call; keys no longer waiting
	// are left out.
	_, err = s.Approve(ctx, key("p3", "t"), t0.Add(3*time.Hour))
	require.NoError(t, err)
	due := t0.Add(7 * 24 * time.Hour)
	got, err := x.Expire(ctx, []store.Queued{{Key: key("p2", "t"), At: due}, {Key: key("p3", "t"), At: due}, {Key: key("p1", "t"), At: due.Add(time.Hour)}})
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, key("p2", "t"), got[0].Key)
	assert.Equal(t, key("p1", "t"), got[1].Key)
	for _, o := range got {
		assert.Equal(t, store.Rejected, o.Status)
		assert.Equal(t, store.ReasonTimedOut, o.Reason)
		assert.NotZero(t, o.Seq)
	}
	assert.Equal(t, due, got[0].At)
	assert.Equal(t, due.Add(time.Hour), got[1].At)
	assertDec(t, "15", got[1].Amount, "the recalculated amount")
	b := budget(t, s, "vip", "EUR")
	assertDec(t, "5", b.Reserved, "reserved after the expiry: only the other action's")
	assertDec(t, "31", b.Posted, "posted: the approved and the issued")

	// Once: a second expiry changes nothing, and deciding an expired
	// result is refused as timed out.
	again, err := x.Expire(ctx, []store.Queued{{Key: key("p2", "t"), At: due}})
	require.NoError(t, err)
	assert.Empty(t, again)
	_, err = s.Approve(ctx, key("p2", "t"), due)
	assert.ErrorIs(t, err, store.ErrTimedOut)
	assert.ErrorIs(t, err, store.ErrNotWaiting)
	_, err = s.Reject(ctx, key("p2", "t"), "no", due)
	assert.ErrorIs(t, err, store.ErrTimedOut)
	_, err = s.Approve(ctx, key("p3", "t"), due)
	assert.ErrorIs(t, err, store.ErrNotWaiting)
	assert.NotErrorIs(t, err, store.ErrTimedOut, "approved, not timed out")
	q, err = x.Expiring(ctx, "first_deposit", "give", due, 10)
	require.NoError(t, err)
	assert.Empty(t, q)
	timedOut := 0
	for _, o := range allOutcomes(t, s) {
		if o.Reason == store.ReasonTimedOut {
			timedOut++
		}
	}
	assert.Equal(t, 2, timedOut, "one rejected outcome per expired result")
	waiting, err := s.Waiting(ctx, 0, 10)
	require.NoError(t, err)
	require.Len(t, waiting, 1)
	assert.Equal(t, other, waiting[0].Key)
}

// testExpireRace races an approval against the expiry of the same result,
// many times: exactly one wins, and the budget is posted or given back
// exactly once.
func testExpireRace(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	x := expiries(t, s)
	const n = 20
	require.NoError(t, s.SetBudget(ctx, "vip", "EUR", dec("1000"), t0))
	for i := range n {
		one(t, s, waitingAt(key("p", string(rune('a'+i))), "10", t0))
	}
	approved, expired := 0, 0
	for i := range n {
		k := key("p", string(rune('a'+i)))
		var wg sync.WaitGroup
		var aerr error
		var got []store.Outcome
		var xerr error
		wg.Add(2)
		go func() { defer wg.Done(); _, aerr = s.Approve(ctx, k, t0.Add(time.Hour)) }()
		go func() { defer wg.Done(); got, xerr = x.Expire(ctx, []store.Queued{{Key: k, At: t0.Add(time.Hour)}}) }()
		wg.Wait()
		require.NoError(t, xerr)
		if aerr == nil {
			approved++
			assert.Empty(t, got, "approved: nothing to expire")
		} else {
			require.ErrorIs(t, aerr, store.ErrTimedOut)
			require.Len(t, got, 1)
			expired++
		}
	}
	assert.Equal(t, n, approved+expired)
	b := budget(t, s, "vip", "EUR")
	assertDec(t, "0", b.Reserved, "reserved")
	assertDec(t, strconv.Itoa(10*approved), b.Posted, "posted")
}

// testDeadline: the store refuses to approve or reject a result at or
// after its deadline (Outcome.Expires), before any Expire: t+D-1ns is
// approvable, t+D is refused as timed out, and the refusal changes
// nothing. A recalculation keeps the deadline, or sets the one given.
func testDeadline(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	x := expiries(t, s)
	require.NoError(t, s.SetBudget(ctx, "vip", "EUR", dec("100"), t0))
	const week = 7 * 24 * time.Hour
	deadline := func(k store.Key, amount string) store.Outcome {
		o := waitingAt(k, amount, t0)
		o.Expires = t0.Add(week)
		return o
	}
	one(t, s, deadline(key("p1", "t"), "10"))
	one(t, s, deadline(key("p2", "t"), "20"))
	one(t, s, deadline(key("p3", "t"), "30"))
	one(t, s, waitingAt(key("p4", "t"), "5", t0)) // no deadline
	at, err := x.Calculated(ctx, key("p1", "t"))
	require.NoError(t, err)
	assert.Equal(t, t0, at)
	_, err = x.Calculated(ctx, key("nobody", "t"))
	assert.ErrorIs(t, err, store.ErrNotWaiting)

	// At the deadline: refused, whoever asks, and nothing changes.
	_, err = s.Approve(ctx, key("p1", "t"), t0.Add(week))
	assert.ErrorIs(t, err, store.ErrTimedOut)
	assert.ErrorIs(t, err, store.ErrNotWaiting)
	_, err = s.Reject(ctx, key("p2", "t"), "operator", t0.Add(week))
	assert.ErrorIs(t, err, store.ErrTimedOut)
	_, err = s.Approve(ctx, key("p3", "t"), t0.Add(2*week))
	assert.ErrorIs(t, err, store.ErrTimedOut, "after the deadline")
	assertDec(t, "65", budget(t, s, "vip", "EUR").Reserved, "every reservation kept")
	w, err := s.Waiting(ctx, 0, 10)
	require.NoError(t, err)
	assert.Len(t, w, 4, "still queued: Expire rejects them")
	for _, o := range allOutcomes(t, s) {
		assert.Equal(t, store.Waiting, o.Status, "nothing logged by a refusal")
	}

	// Overdue: the results whose deadline is at or before until, by
	// deadline then key, with the deadline as At; none without one.
	od, err := x.Overdue(ctx, t0.Add(week-1), 10)
	require.NoError(t, err)
	assert.Empty(t, od)
	od, err = x.Overdue(ctx, t0.Add(week), 10)
	require.NoError(t, err)
	assert.Equal(t, []store.Queued{{Key: key("p1", "t"), At: t0.Add(week)}, {Key: key("p2", "t"), At: t0.Add(week)},
		{Key: key("p3", "t"), At: t0.Add(week)}}, od)
	od, err = x.Overdue(ctx, t0.Add(100*week), 2)
	require.NoError(t, err)
	assert.Len(t, od, 2, "limit")

	// A nanosecond before: decided.
	o, err := s.Approve(ctx, key("p1", "t"), t0.Add(week-1))
	require.NoError(t, err)
	assert.Equal(t, store.Issued, o.Status)
	o, err = s.Reject(ctx, key("p2", "t"), "operator", t0.Add(week-1))
	require.NoError(t, err)
	assert.Equal(t, store.Rejected, o.Status)
	// No deadline: decided whenever.
	_, err = s.Approve(ctx, key("p4", "t"), t0.Add(100*week))
	require.NoError(t, err)

	// Recalculate keeps the deadline; RecalculateExpiring sets it.
	_, err = s.Recalculate(ctx, key("p3", "t"), dec("31"), nil, t0.Add(time.Hour))
	require.NoError(t, err)
	_, err = s.Approve(ctx, key("p3", "t"), t0.Add(week))
	assert.ErrorIs(t, err, store.ErrTimedOut, "kept through Recalculate")
	_, err = x.RecalculateExpiring(ctx, key("p3", "t"), dec("32"), nil, t0.Add(time.Hour), t0.Add(2*week))
	require.NoError(t, err)
	_, err = s.Approve(ctx, key("p3", "t"), t0.Add(2*week))
	assert.ErrorIs(t, err, store.ErrTimedOut, "the new deadline")
	at, err = x.Calculated(ctx, key("p3", "t"))
	require.NoError(t, err)
	assert.Equal(t, t0, at, "the first calculation's time, kept")
	_, err = x.RecalculateExpiring(ctx, key("p3", "t"), dec("33"), nil, t0.Add(time.Hour), time.Time{})
	require.NoError(t, err)
	o, err = s.Approve(ctx, key("p3", "t"), t0.Add(3*week))
	require.NoError(t, err, "no deadline any more")
	assertDec(t, "33", o.Amount, "the recalculated amount")
	od, err = x.Overdue(ctx, t0.Add(100*week), 10)
	require.NoError(t, err)
	assert.Empty(t, od, "decided results leave the queue")
	b := budget(t, s, "vip", "EUR")
	assertDec(t, "0", b.Reserved, "reserved")
	assertDec(t, "48", b.Posted, "posted: p1 10, p4 5, p3 33")
}
