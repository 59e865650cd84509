package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/store"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 12, 6, 10, 0, 0, 123456789, time.UTC)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func key(player, trigger string) store.Key {
	return store.Key{Rule: "first_deposit", Action: "give", Player: player, TriggerHash: trigger}
}

func give(k store.Key, status store.Status, campaign, amount, currency string) store.Outcome {
	return store.Outcome{Key: k, Campaign: campaign, Status: status, Amount: dec(amount), Currency: currency,
		Body: []byte(`{"amount":"` + amount + `"}`), At: t0}
}

// apply applies changes and fails the test on a transaction error.
func apply(t testing.TB, s store.Store, changes ...store.Change) []store.Applied {
	t.Helper()
	got, err := s.Apply(context.Background(), changes)
	require.NoError(t, err)
	require.Len(t, got, len(changes))
	return got
}

// one applies one outcome in one change and returns it as logged.
func one(t testing.TB, s store.Store, o store.Outcome) store.Outcome {
	t.Helper()
	a := apply(t, s, store.Change{Outcomes: []store.Outcome{o}})[0]
	require.NoError(t, a.Err)
	return a.Outcomes[0]
}

func budget(t testing.TB, s store.Store, campaign, currency string) store.Budget {
	t.Helper()
	require.NoError(t, s.Audit(context.Background()), "the accounts against their ledgers")
	bs, err := s.Budgets(context.Background(), campaign)
	require.NoError(t, err)
	for _, b := range bs {
		if b.Currency == currency {
			return b
		}
	}
	t.Fatalf("no budget of %s in %s", campaign, currency)
	return store.Budget{}
}

func assertDec(t testing.TB, want string, got decimal.Decimal, msg string) {
	t.Helper()
	assert.True(t, dec(want).Equal(got), "%s = %s, want %s", msg, got, want)
}

func allOutcomes(t testing.TB, s store.Store) []store.Outcome {
	t.Helper()
	var all []store.Outcome
	var after int64
	for {
		page, err := s.Outcomes(context.Background(), after, 1000)
		require.NoError(t, err)
		if len(page) == 0 {
			return all
		}
		all = append(all, page...)
		after = page[len(page)-1].Seq
	}
}

// Run runs the conformance cases on a driver, each on a new database.
func Run(t *testing.T, d Driver) {
	cases := []struct {
		name string
		fn   func(t *testing.T, d Driver)
	}{
		{"Budget", testBudget},
		{"BudgetSuspendsEveryCurrency", testSuspendEveryCurrency},
		{"BudgetRaiseResumes", testBudgetRaiseResumes},
		{"Amounts", testAmounts},
		{"Idempotency", testIdempotency},
		{"Events", testEvents},
		{"EventOutcomes", testEventOutcomes},
		{"Seen", testSeen},
		{"SeenSame", testSeenSame},
		{"History", testHistory},
		{"Prune", testPrune},
		{"States", testStates},
		{"FirstRead", testFirstRead},
		{"Timers", testTimers},
		{"ChangeAllOrNothing", testChangeAllOrNothing},
		{"Zones", testZones},
		{"RedeliveryRace", testRedeliveryRace},
		{"State", testState},
		{"StateConflictElsewhere", testStateConflictElsewhere},
		{"Approvals", testApprovals},
		{"ApprovalRace", testApprovalRace},
		{"Recalculate", testRecalculate},
		{"LogAndOutbox", testLogAndOutbox},
		{"Campaigns", testCampaigns},
		{"Players", testPlayers},
		{"Runs", testRuns},
		{"Reopen", testReopen},
		{"Keys", testKeys},
		{"Requests", testRequests},
		{"RequestBatches", testRequestBatches},
		{"RequestEnds", testRequestEnds},
		{"RequestUnstarted", testRequestUnstarted},
		{"AuditLog", testAuditLog},
		{"WithAudit", testWithAudit},
		{"Webhooks", testWebhooks},
		{"WebhookPrune", testWebhookPrune},
		{"WebhookAdmin", testWebhookAdmin},
		{"Offers", testOffers},
		{"VoucherImport", testVoucherImport},
		{"Assign", testAssign},
		{"Confirm", testConfirm},
		{"ConfirmRace", testConfirmRace},
		{"ConfirmCodeTaken", testConfirmCodeTaken},
		{"RuleSets", testRuleSets},
		{"Erasure", testErasure},
		{"EraseAudit", testEraseAudit},
		{"Inbox", testInbox},
		{"InboxLease", testInboxLease},
		{"AssignRace", func(t *testing.T, d Driver) { AssignRace(t, d, 16, 200, 320, 1) }},
		{"AssignRaceBatched", func(t *testing.T, d Driver) { AssignRace(t, d, 16, 200, 320, 5) }},
		{"AssignMixed", testAssignMixed},
		{"BonusGrant", testBonusGrant},
		{"BonusStatus", testBonusStatus},
		{"BonusStatusBeforeGrant", testBonusStatusBeforeGrant},
		{"BonusTotals", testBonusTotals},
		{"BonusRace", testBonusRace},
		{"Leases", testLeases},
		{"LeaseRace", testLeaseRace},
		{"Slices", testSlices},
		{"SliceEndGame", testSliceEndGame},
		{"SliceExpiry", testSliceExpiry},
		{"SliceRace", func(t *testing.T, d Driver) { SliceRace(t, d, 4, 16, 400, 1) }},
		{"SliceRaceBatched", func(t *testing.T, d Driver) { SliceRace(t, d, 4, 16, 800, 10) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, d) })
	}
}

func testBudget(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	require.NoError(t, s.SetBudget(ctx, "welcome", "EUR", dec("100.00"), t0))

	got := one(t, s, give(key("p1", "t1"), store.Issued, "welcome", "60.00", "EUR"))
	assert.Equal(t, store.Issued, got.Status)
	b := budget(t, s, "welcome", "EUR")
	assertDec(t, "60", b.Posted, "posted")
	assertDec(t, "0", b.Reserved, "reserved")
	assertDec(t, "40", b.Left(), "left")

	// 40.01 does not fit in 40: no partial amount, the campaign suspends.
	got = one(t, s, give(key("p2", "t1"), store.Issued, "welcome", "40.01", "EUR"))
	assert.Equal(t, store.Skipped, got.Status)
	assert.Equal(t, store.ReasonBudgetExhausted, got.Reason)
	assertDec(t, "40.01", got.Amount, "the skipped amount is the one asked")
	assertDec(t, "60", budget(t, s, "welcome", "EUR").Posted, "posted after the overrun")
	c, err := s.Campaign(ctx, "welcome")
	require.NoError(t, err)
	assert.Equal(t, store.Suspended, c.Status)
	assert.Equal(t, store.ReasonBudgetExhausted, c.Reason)

	// Suspended: even an amount that would fit is skipped.
	got = one(t, s, give(key("p3", "t1"), store.Issued, "welcome", "1.00", "EUR"))
	assert.Equal(t, store.ReasonCampaignSuspended, got.Reason)

	// Lowering below what is spent is refused; raising resumes.
	err = s.SetBudget(ctx, "welcome", "EUR", dec("59.99"), t0)
	assert.ErrorIs(t, err, store.ErrBudgetBelowSpent)
	require.NoError(t, s.SetBudget(ctx, "welcome", "EUR", dec("100.01"), t0))
	c, err = s.Campaign(ctx, "welcome")
	require.NoError(t, err)
	assert.Equal(t, store.Active, c.Status)
	got = one(t, s, give(key("p4", "t1"), store.Issued, "welcome", "40.01", "EUR"))
	assert.Equal(t, store.Issued, got.Status)
	b = budget(t, s, "welcome", "EUR")
	assertDec(t, "100.01", b.Posted, "posted, exactly the limit")
	assertDec(t, "0", b.Left(), "left")

	// A campaign without an account in the currency has no limit there;
	// a reward of no campaign reserves nothing.
	got = one(t, s, give(key("p5", "t1"), store.Issued, "welcome", "5", "USD"))
	assert.Equal(t, store.Issued, got.Status)
	got = one(t, s, give(key("p6", "t1"), store.Issued, "", "5", "EUR"))
	assert.Equal(t, store.Issued, got.Status)
}

func testSuspendEveryCurrency(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	require.NoError(t, s.SetBudget(ctx, "weekend", "EUR", dec("10"), t0))
	require.NoError(t, s.SetBudget(ctx, "weekend", "USD", dec("1000"), t0))
	// One change, two outcomes: the EUR overrun suspends the campaign in
	// the same transaction, so the USD reward after it is skipped too.
	a := apply(t, s, store.Change{Outcomes: []store.Outcome{
		give(key("p1", "t1"), store.Issued, "weekend", "10.01", "EUR"),
		give(store.Key{Rule: "first_deposit", Action: "give", Player: "p2", TriggerHash: "t1"}, store.Issued, "weekend", "1", "USD"),
	}})[0]
	require.NoError(t, a.Err)
	assert.Equal(t, store.ReasonBudgetExhausted, a.Outcomes[0].Reason)
	assert.Equal(t, store.ReasonCampaignSuspended, a.Outcomes[1].Reason)
	assertDec(t, "0", budget(t, s, "weekend", "USD").Posted, "USD posted")
	// The operator resumes: rewards that fit are issued again.
	require.NoError(t, s.Resume(ctx, "weekend", t0))
	got := one(t, s, give(key("p3", "t1"), store.Issued, "weekend", "10", "EUR"))
	assert.Equal(t, store.Issued, got.Status)
}

// testBudgetRaiseResumes: a campaign its budget suspended is active again
// only when the limit of an account it had is raised. Opening an account in
// another currency (an engine starting on a rule set that names one more)
// or setting a limit again, or lower, leaves it suspended: a reward in the
// new currency is still skipped campaign-suspended.
func testBudgetRaiseResumes(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	require.NoError(t, s.SetBudget(ctx, "weekend", "EUR", dec("10"), t0))
	require.NoError(t, s.SetBudget(ctx, "weekend", "USD", dec("20"), t0))
	got := one(t, s, give(key("p1", "t1"), store.Issued, "weekend", "10.01", "EUR"))
	require.Equal(t, store.ReasonBudgetExhausted, got.Reason)
	suspended := func(why string) {
		t.Helper()
		c, err := s.Campaign(ctx, "weekend")
		require.NoError(t, err)
		assert.Equal(t, store.Suspended, c.Status, why)
		assert.Equal(t, store.ReasonBudgetExhausted, c.Reason, why)
		assert.True(t, c.Since.Equal(t0), "%s: suspended since %v", why, c.Since)
	}
	suspended("suspended by the budget")
	require.NoError(t, s.SetBudget(ctx, "weekend", "JPY", dec("1000"), t0.Add(time.Minute)))
	suspended("a new account")
	require.NoError(t, s.SetBudget(ctx, "weekend", "EUR", dec("10"), t0.Add(2*time.Minute)))
	suspended("the same limit")
	require.NoError(t, s.SetBudget(ctx, "weekend", "USD", dec("15"), t0.Add(3*time.Minute)))
	suspended("a lower limit")
	got = one(t, s, give(key("p2", "t1"), store.Issued, "weekend", "500", "JPY"))
	assert.Equal(t, store.ReasonCampaignSuspended, got.Reason)
	assertDec(t, "0", budget(t, s, "weekend", "JPY").Posted, "JPY posted")

	require.NoError(t, s.SetBudget(ctx, "weekend", "EUR", dec("20"), t0.Add(4*time.Minute)))
	c, err := s.Campaign(ctx, "weekend")
	require.NoError(t, err)
	assert.Equal(t, store.Active, c.Status, "raised")
	got = one(t, s, give(key("p3", "t1"), store.Issued, "weekend", "10.01", "EUR"))
	assert.Equal(t, store.Issued, got.Status)

	// An operator's suspension, over the budget's too, is never lifted by
	// a raise: only Resume lifts it.
	got = one(t, s, give(key("p4", "t1"), store.Issued, "weekend", "10", "EUR"))
	require.Equal(t, store.ReasonBudgetExhausted, got.Reason)
	require.NoError(t, s.Suspend(ctx, "weekend", "fraud review", t0.Add(5*time.Minute)))
	require.NoError(t, s.SetBudget(ctx, "weekend", "EUR", dec("50"), t0.Add(6*time.Minute)))
	require.NoError(t, s.SetBudget(ctx, "weekend", "USD", dec("50"), t0.Add(6*time.Minute)))
	c, err = s.Campaign(ctx, "weekend")
	require.NoError(t, err)
	assert.Equal(t, store.Campaign{Name: "weekend", Status: store.Suspended, Reason: "fraud review", Since: t0.Add(5 * time.Minute)}, c)
}

func testAmounts(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	require.NoError(t, s.SetBudget(ctx, "c", "BTC", dec("0.00000003"), t0))
	for _, bad := range []string{"0.000000001", "-1", "10000000001"} {
		_, err := s.Apply(ctx, []store.Change{{Outcomes: []store.Outcome{give(key("p", bad), store.Issued, "c", bad, "BTC")}}})
		assert.ErrorIs(t, err, store.ErrAmount, "amount %s", bad)
		assert.ErrorIs(t, s.SetBudget(ctx, "c", "XXX", dec(bad), t0), store.ErrAmount, "limit %s", bad)
	}
	assert.Empty(t, allOutcomes(t, s), "a refused batch writes nothing")
	// The smallest unit, three times, fills the budget exactly.
	for i := range 3 {
		got := one(t, s, give(key("p", fmt.Sprint(i)), store.Issued, "c", "0.00000001", "BTC"))
		assert.Equal(t, store.Issued, got.Status)
	}
	got := one(t, s, give(key("p", "3"), store.Issued, "c", "0.00000001", "BTC"))
	assert.Equal(t, store.ReasonBudgetExhausted, got.Reason)
	assertDec(t, "0.00000003", budget(t, s, "c", "BTC").Posted, "posted")
	// Amounts in the log are kept exactly as given.
	require.NoError(t, s.Resume(ctx, "c", t0))
	got = one(t, s, give(key("q", "1"), store.Issued, "", "1234567.123456789123", "EUR"))
	all := allOutcomes(t, s)
	assert.Equal(t, "1234567.123456789123", all[len(all)-1].Amount.String())
	_ = got
}

func testIdempotency(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	require.NoError(t, s.SetBudget(ctx, "c", "EUR", dec("100"), t0))
	k := key("p1", "dep-1")
	first := one(t, s, give(k, store.Issued, "c", "30", "EUR"))
	require.False(t, first.Repeat)
	// The same key again, even with another amount: the first outcome, nothing charged.
	again := give(k, store.Issued, "c", "50", "EUR")
	again.At = t0.Add(time.Hour)
	got := one(t, s, again)
	assert.True(t, got.Repeat)
	assert.Equal(t, first.Seq, got.Seq)
	assertDec(t, "30", got.Amount, "repeat amount")
	assert.Equal(t, first.At, got.At)
	assertDec(t, "30", budget(t, s, "c", "EUR").Posted, "posted after the repeat")

	// Twice in one batch: the second is the first's outcome, with its Seq.
	k2 := key("p2", "dep-1")
	a := apply(t, s,
		store.Change{Outcomes: []store.Outcome{give(k2, store.Issued, "c", "10", "EUR")}},
		store.Change{Outcomes: []store.Outcome{give(k2, store.Issued, "c", "10", "EUR")}})
	assert.False(t, a[0].Outcomes[0].Repeat)
	assert.True(t, a[1].Outcomes[0].Repeat)
	assert.Equal(t, a[0].Outcomes[0].Seq, a[1].Outcomes[0].Seq)
	assertDec(t, "40", budget(t, s, "c", "EUR").Posted, "posted after the batch")
	// A skip is an outcome too: its key stays skipped.
	sk := store.Outcome{Key: key("p3", "dep-1"), Status: store.Skipped, Reason: "not-in-segment", At: t0}
	one(t, s, sk)
	got = one(t, s, give(key("p3", "dep-1"), store.Issued, "c", "10", "EUR"))
	assert.Equal(t, store.Skipped, got.Status)
	assert.Equal(t, "not-in-segment", got.Reason)
	assert.Len(t, allOutcomes(t, s), 3)
}

func testEvents(t *testing.T, d Driver) {
	s := d.fresh(t)
	ev := &store.Event{Player: "p1", ID: "e1", Hash: []byte{1, 2, 3}}
	a := apply(t, s, store.Change{Event: ev, Outcomes: []store.Outcome{give(key("p1", "e1"), store.Issued, "", "1", "EUR")}})[0]
	require.NoError(t, a.Err)
	assert.False(t, a.Duplicate)

	// Delivered again: a duplicate, nothing written.
	a = apply(t, s, store.Change{Event: ev, Outcomes: []store.Outcome{give(key("p1", "e1-other"), store.Issued, "", "1", "EUR")}})[0]
	assert.True(t, a.Duplicate)
	assert.Empty(t, a.Outcomes)
	// The same id with other content: an error; the batch's other changes are written.
	other := &store.Event{Player: "p1", ID: "e1", Hash: []byte{9}}
	as := apply(t, s,
		store.Change{Event: other, Outcomes: []store.Outcome{give(key("p1", "x"), store.Issued, "", "1", "EUR")}},
		store.Change{Event: &store.Event{Player: "p1", ID: "e2", Hash: []byte{2}}, Outcomes: []store.Outcome{give(key("p1", "e2"), store.Issued, "", "2", "EUR")}})
	assert.ErrorIs(t, as[0].Err, store.ErrEventConflict)
	require.NoError(t, as[1].Err)
	// The same id for another player is another event.
	a = apply(t, s, store.Change{Event: &store.Event{Player: "p2", ID: "e1", Hash: []byte{9}}})[0]
	require.NoError(t, a.Err)
	assert.False(t, a.Duplicate)
	all := allOutcomes(t, s)
	require.Len(t, all, 2)
	assert.Equal(t, "e1", all[0].Key.TriggerHash)
	assert.Equal(t, "e2", all[1].Key.TriggerHash)
}

func testState(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	st, err := s.State(ctx, "p1", "every_100")
	require.NoError(t, err)
	assert.Equal(t, int64(0), st.Version)
	assert.Empty(t, st.Data)

	a := apply(t, s, store.Change{States: []store.State{{Player: "p1", Rule: "every_100", Version: 0, Data: []byte("count=1")}}})[0]
	require.NoError(t, a.Err)
	assert.Equal(t, []int64{1}, a.Versions)
	st, err = s.State(ctx, "p1", "every_100")
	require.NoError(t, err)
	assert.Equal(t, int64(1), st.Version)
	assert.Equal(t, "count=1", string(st.Data))

	// A writer that read version 0 too loses: nothing of its change is
	// written, neither its event nor its outcome nor its other state.
	lost := store.Change{
		Event: &store.Event{Player: "p1", ID: "e7", Hash: []byte{7}},
		States: []store.State{
			{Player: "p1", Rule: "other", Version: 0, Data: []byte("x")},
			{Player: "p1", Rule: "every_100", Version: 0, Data: []byte("count=9")},
		},
		Outcomes: []store.Outcome{give(key("p1", "e7"), store.Issued, "", "1", "EUR")},
	}
	a = apply(t, s, lost)[0]
	assert.ErrorIs(t, a.Err, store.ErrStateConflict)
	st, err = s.State(ctx, "p1", "other")
	require.NoError(t, err)
	assert.Equal(t, int64(0), st.Version, "the change's other state was rolled back")
	assert.Empty(t, allOutcomes(t, s))
	// Retried with the version read again, it goes through, event and all.
	lost.States = []store.State{{Player: "p1", Rule: "other", Version: 0, Data: []byte("x")}, {Player: "p1", Rule: "every_100", Version: 1, Data: []byte("count=2")}}
	a = apply(t, s, lost)[0]
	require.NoError(t, a.Err)
	assert.False(t, a.Duplicate)
	assert.Equal(t, []int64{1, 2}, a.Versions)
	assert.Len(t, allOutcomes(t, s), 1)

	// In one batch: the second writer of version 1 loses, a third that
	// read what the first wrote wins, and one state written twice in one
	// change counts both writes. A duplicate event is a duplicate even
	// when its states are stale.
	st2 := func(v int64, data string) store.State {
		return store.State{Player: "p2", Rule: "r", Version: v, Data: []byte(data)}
	}
	as := apply(t, s,
		store.Change{Event: &store.Event{Player: "p2", ID: "a", Hash: []byte{1}}, States: []store.State{st2(0, "a")}},
		store.Change{Event: &store.Event{Player: "p2", ID: "b", Hash: []byte{1}}, States: []store.State{st2(0, "b")}},
		store.Change{Event: &store.Event{Player: "p2", ID: "c", Hash: []byte{1}}, States: []store.State{st2(1, "c1"), st2(2, "c2")}},
		store.Change{Event: &store.Event{Player: "p2", ID: "a", Hash: []byte{1}}, States: []store.State{st2(0, "a")}},
		store.Change{Event: &store.Event{Player: "p2", ID: "a", Hash: []byte{2}}, States: []store.State{st2(0, "a")}},
		store.Change{States: []store.State{st2(2, "stale")}},
	)
	require.NoError(t, as[0].Err)
	assert.ErrorIs(t, as[1].Err, store.ErrStateConflict)
	require.NoError(t, as[2].Err)
	assert.Equal(t, []int64{2, 3}, as[2].Versions)
	assert.True(t, as[3].Duplicate)
	assert.ErrorIs(t, as[4].Err, store.ErrEventConflict)
	assert.ErrorIs(t, as[5].Err, store.ErrStateConflict)
	st, err = s.State(ctx, "p2", "r")
	require.NoError(t, err)
	assert.Equal(t, store.State{Player: "p2", Rule: "r", Version: 3, Data: []byte("c2")}, st)
	seen, err := s.Seen(ctx, []store.Event{{Player: "p2", ID: "b", Hash: []byte{1}}})
	require.NoError(t, err)
	assert.Equal(t, []store.SeenStatus{store.NotSeen}, seen, "the losing change's event")

	// A batch whose first write of a state is stale (another writer wrote
	// it since the version was read) loses that change only, with or
	// without an event.
	as = apply(t, s,
		store.Change{Event: &store.Event{Player: "p2", ID: "d", Hash: []byte{1}}, States: []store.State{st2(2, "stale")}},
		store.Change{Event: &store.Event{Player: "p3", ID: "d", Hash: []byte{1}}, States: []store.State{{Player: "p3", Rule: "r", Data: []byte("p3")}}},
		store.Change{States: []store.State{st2(1, "stale")}},
	)
	assert.ErrorIs(t, as[0].Err, store.ErrStateConflict)
	require.NoError(t, as[1].Err)
	assert.ErrorIs(t, as[2].Err, store.ErrStateConflict)
	st, err = s.State(ctx, "p2", "r")
	require.NoError(t, err)
	assert.Equal(t, store.State{Player: "p2", Rule: "r", Version: 3, Data: []byte("c2")}, st)
	seen, err = s.Seen(ctx, []store.Event{{Player: "p2", ID: "d", Hash: []byte{1}}, {Player: "p3", ID: "d", Hash: []byte{1}}})
	require.NoError(t, err)
	assert.Equal(t, []store.SeenStatus{store.NotSeen, store.SeenSame}, seen)
}

func testApprovals(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	require.NoError(t, s.SetBudget(ctx, "vip", "EUR", dec("100"), t0))
	w1 := one(t, s, give(key("p1", "t"), store.Waiting, "vip", "40", "EUR"))
	w2 := one(t, s, give(key("p2", "t"), store.Waiting, "vip", "50", "EUR"))
	assert.Equal(t, store.Waiting, w1.Status)
	b := budget(t, s, "vip", "EUR")
	assertDec(t, "90", b.Reserved, "reserved")
	assertDec(t, "0", b.Posted, "posted")
	// What is reserved counts against the limit.
	w3 := one(t, s, give(key("p3", "t"), store.Waiting, "vip", "10.01", "EUR"))
	assert.Equal(t, store.ReasonBudgetExhausted, w3.Reason)
	require.NoError(t, s.Resume(ctx, "vip", t0))

	waiting, err := s.Waiting(ctx, 0, 10)
	require.NoError(t, err)
	require.Len(t, waiting, 2)
	assert.Equal(t, w1.Seq, waiting[0].Seq)
	assert.Equal(t, w2.Seq, waiting[1].Seq)

	at := t0.Add(time.Hour)
	got, err := s.Approve(ctx, key("p1", "t"), at)
	require.NoError(t, err)
	assert.Equal(t, store.Issued, got.Status)
	assert.Greater(t, got.Seq, w3.Seq)
	assert.Equal(t, at, got.At)
	assertDec(t, "40", got.Amount, "approved amount")
	assert.Equal(t, w1.Body, got.Body)
	b = budget(t, s, "vip", "EUR")
	assertDec(t, "40", b.Posted, "posted after approval")
	assertDec(t, "50", b.Reserved, "reserved after approval")
	_, err = s.Approve(ctx, key("p1", "t"), at)
	assert.ErrorIs(t, err, store.ErrNotWaiting)

	got, err = s.Reject(ctx, key("p2", "t"), "timed-out", at)
	require.NoError(t, err)
	assert.Equal(t, store.Rejected, got.Status)
	assert.Equal(t, "timed-out", got.Reason)
	b = budget(t, s, "vip", "EUR")
	assertDec(t, "40", b.Posted, "posted after rejection")
	assertDec(t, "0", b.Reserved, "reserved after rejection")
	_, err = s.Reject(ctx, key("p2", "t"), "no", at)
	assert.ErrorIs(t, err, store.ErrNotWaiting)
	waiting, err = s.Waiting(ctx, 0, 10)
	require.NoError(t, err)
	assert.Empty(t, waiting)
	// The key stays taken: a repeat returns the first (waiting) outcome.
	got = one(t, s, give(key("p2", "t"), store.Waiting, "vip", "50", "EUR"))
	assert.True(t, got.Repeat)
	assert.Equal(t, w2.Seq, got.Seq)

	// Waiting without a campaign: approved without any budget.
	one(t, s, give(key("p4", "t"), store.Waiting, "", "5", "EUR"))
	got, err = s.Approve(ctx, key("p4", "t"), at)
	require.NoError(t, err)
	assert.Equal(t, store.Issued, got.Status)
}

func testRecalculate(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	require.NoError(t, s.SetBudget(ctx, "vip", "EUR", dec("100"), t0))
	one(t, s, give(key("p1", "t"), store.Waiting, "vip", "40", "EUR"))
	one(t, s, give(key("p2", "t"), store.Waiting, "vip", "30", "EUR"))
	at := t0.Add(time.Hour)
	got, err := s.Recalculate(ctx, key("p1", "t"), dec("45.50"), []byte(`{"v":2}`), at)
	require.NoError(t, err)
	assert.Equal(t, store.Waiting, got.Status)
	assertDec(t, "45.50", got.Amount, "recalculated amount")
	assertDec(t, "75.50", budget(t, s, "vip", "EUR").Reserved, "reserved after the recalculation")
	waiting, err := s.Waiting(ctx, 0, 10)
	require.NoError(t, err)
	require.Len(t, waiting, 2, "a recalculated result is listed once")
	assertDec(t, "30", waiting[0].Amount, "the other result")
	assertDec(t, "45.50", waiting[1].Amount, "the recalculated result, listed as recalculated")
	// Approval issues the recalculated amount.
	got, err = s.Approve(ctx, key("p1", "t"), at)
	require.NoError(t, err)
	assertDec(t, "45.50", got.Amount, "approved amount")
	assert.Equal(t, `{"v":2}`, string(got.Body))
	b := budget(t, s, "vip", "EUR")
	assertDec(t, "45.50", b.Posted, "posted")
	assertDec(t, "30", b.Reserved, "reserved")
	// A recalculation that no longer fits: skipped, the campaign suspended, nothing reserved.
	got, err = s.Recalculate(ctx, key("p2", "t"), dec("54.51"), nil, at)
	require.NoError(t, err)
	assert.Equal(t, store.ReasonBudgetExhausted, got.Reason)
	assertDec(t, "0", budget(t, s, "vip", "EUR").Reserved, "reserved")
	c, err := s.Campaign(ctx, "vip")
	require.NoError(t, err)
	assert.Equal(t, store.Suspended, c.Status)
	_, err = s.Recalculate(ctx, key("p2", "t"), dec("1"), nil, at)
	assert.ErrorIs(t, err, store.ErrNotWaiting)
}

// testApprovalRace: operators approving and rejecting one result at once:
// exactly one decides it, and the budget moves once.
func testApprovalRace(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	require.NoError(t, s.SetBudget(ctx, "vip", "EUR", dec("100"), t0))
	one(t, s, give(key("p1", "t"), store.Waiting, "vip", "60", "EUR"))
	const deciders = 8
	errs := make(chan error, deciders)
	var wg sync.WaitGroup
	for i := range deciders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if i%2 == 0 {
				_, err = s.Approve(ctx, key("p1", "t"), t0)
			} else {
				_, err = s.Reject(ctx, key("p1", "t"), "no", t0)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	decided := 0
	for err := range errs {
		if err == nil {
			decided++
		} else {
			assert.ErrorIs(t, err, store.ErrNotWaiting)
		}
	}
	assert.Equal(t, 1, decided, "deciders that won")
	b := budget(t, s, "vip", "EUR")
	assertDec(t, "0", b.Reserved, "reserved")
	assert.True(t, b.Posted.Equal(dec("60")) || b.Posted.IsZero(), "posted %s", b.Posted)
	assert.Len(t, allOutcomes(t, s), 2, "the waiting outcome and one decision")
}

func testLogAndOutbox(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	var changes []store.Change
	for i := range 25 {
		changes = append(changes, store.Change{Outcomes: []store.Outcome{give(key(fmt.Sprint("p", i), "t"), store.Issued, "", "1", "EUR")}})
	}
	apply(t, s, changes...)
	all := allOutcomes(t, s)
	require.Len(t, all, 25)
	for i := 1; i < len(all); i++ {
		assert.Greater(t, all[i].Seq, all[i-1].Seq)
	}
	assert.Equal(t, t0, all[0].At)
	page, err := s.Outcomes(ctx, all[9].Seq, 5)
	require.NoError(t, err)
	require.Len(t, page, 5)
	assert.Equal(t, all[10].Seq, page[0].Seq)

	box, err := s.Outbox(ctx, 100)
	require.NoError(t, err)
	require.Len(t, box, 25)
	require.NoError(t, s.Delivered(ctx, []int64{box[0].Seq, box[1].Seq, 999999}, t0))
	require.NoError(t, s.Delivered(ctx, []int64{box[0].Seq}, t0))
	box2, err := s.Outbox(ctx, 100)
	require.NoError(t, err)
	require.Len(t, box2, 23)
	assert.Equal(t, box[2].Seq, box2[0].Seq)
	assert.Equal(t, box[2].Body, box2[0].Body)

	// Delivered out of order: one delivered past a pending one leaves the
	// pending one first; outcomes logged after everything was delivered
	// are pending, and only they.
	outbox := func() (seqs []int64) {
		box, err := s.Outbox(ctx, 100)
		require.NoError(t, err)
		for _, o := range box {
			seqs = append(seqs, o.Seq)
		}
		return seqs
	}
	require.NoError(t, s.Delivered(ctx, []int64{box[4].Seq}, t0))
	left := outbox()
	require.Len(t, left, 22)
	assert.Equal(t, []int64{box[2].Seq, box[3].Seq, box[5].Seq}, left[:3])
	require.NoError(t, s.Delivered(ctx, left, t0))
	assert.Empty(t, outbox())
	apply(t, s, store.Change{Outcomes: []store.Outcome{give(key("late", "t"), store.Issued, "", "1", "EUR")}})
	late := outbox()
	require.Len(t, late, 1)
	assert.Greater(t, late[0], box[24].Seq)
	require.NoError(t, s.Delivered(ctx, []int64{box[2].Seq}, t0), "delivered before: ignored")
	assert.Equal(t, late, outbox())
}

func testCampaigns(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	names, err := s.Campaigns(ctx)
	require.NoError(t, err)
	assert.Empty(t, names, "a new store knows no campaign")
	c, err := s.Campaign(ctx, "new")
	require.NoError(t, err)
	assert.Equal(t, store.Active, c.Status)
	// The engine's own reason is not an operator's: a raise would lift it.
	require.ErrorIs(t, s.Suspend(ctx, "new", store.ReasonBudgetExhausted, t0), store.ErrReservedReason)
	c, err = s.Campaign(ctx, "new")
	require.NoError(t, err)
	assert.Equal(t, store.Active, c.Status, "refused: nothing changed")
	require.NoError(t, s.Suspend(ctx, "new", "operator", t0))
	c, err = s.Campaign(ctx, "new")
	require.NoError(t, err)
	assert.Equal(t, store.Campaign{Name: "new", Status: store.Suspended, Reason: "operator", Since: t0}, c)
	got := one(t, s, give(key("p", "t"), store.Issued, "new", "1", "EUR"))
	assert.Equal(t, store.ReasonCampaignSuspended, got.Reason)
	// Raising a budget resumes only a campaign its budget suspended.
	require.NoError(t, s.SetBudget(ctx, "new", "EUR", dec("5"), t0))
	c, err = s.Campaign(ctx, "new")
	require.NoError(t, err)
	assert.Equal(t, store.Suspended, c.Status)
	require.NoError(t, s.Resume(ctx, "new", t0.Add(time.Minute)))
	c, err = s.Campaign(ctx, "new")
	require.NoError(t, err)
	assert.Equal(t, store.Active, c.Status)
	assert.Equal(t, t0.Add(time.Minute), c.Since)
	// Campaigns lists those with a status or a budget, once each, by name.
	require.NoError(t, s.SetBudget(ctx, "budgeted", "EUR", dec("1"), t0))
	require.NoError(t, s.SetBudget(ctx, "budgeted", "USD", dec("1"), t0))
	require.NoError(t, s.Resume(ctx, "a-resumed", t0))
	names, err = s.Campaigns(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"a-resumed", "budgeted", "new"}, names)
}

func testPlayers(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	require.NoError(t, s.PutPlayers(ctx, []store.Player{
		{ID: "b", Zone: "Europe/Malta", Props: []byte(`{"vip_level":1}`)},
		{ID: "a", Zone: "", Props: []byte(`{}`)},
		{ID: "c", Zone: "Asia/Tokyo", Props: []byte(`{"vip_level":3}`)},
	}))
	require.NoError(t, s.PutPlayers(ctx, []store.Player{{ID: "b", Zone: "Europe/Berlin", Props: []byte(`{"vip_level":2}`)}}))
	ps, err := s.Players(ctx, "", 2)
	require.NoError(t, err)
	require.Len(t, ps, 2)
	assert.Equal(t, "a", ps[0].ID)
	assert.Equal(t, store.Player{ID: "b", Zone: "Europe/Berlin", Props: []byte(`{"vip_level":2}`)}, ps[1])
	ps, err = s.Players(ctx, "b", 2)
	require.NoError(t, err)
	require.Len(t, ps, 1)
	assert.Equal(t, "c", ps[0].ID)
	p, ok, err := s.Player(ctx, "b")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, store.Player{ID: "b", Zone: "Europe/Berlin", Props: []byte(`{"vip_level":2}`)}, p)
	_, ok, err = s.Player(ctx, "bb")
	require.NoError(t, err)
	assert.False(t, ok)
}

func testRuns(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	run := store.Run{Campaign: "weekly", Zone: "Europe/Malta", LocalDate: "2026-12-07", TriggerHash: "h1", Started: t0}
	got, started, err := s.StartRun(ctx, run)
	require.NoError(t, err)
	assert.True(t, started)
	assert.Equal(t, run, got)
	// Started again (a restart, another process): the first run, with its hash.
	again := run
	again.TriggerHash, again.Started = "h2", t0.Add(time.Hour)
	got, started, err = s.StartRun(ctx, again)
	require.NoError(t, err)
	assert.False(t, started)
	assert.Equal(t, run, got)
	require.NoError(t, s.FinishRun(ctx, "weekly", "Europe/Malta", "2026-12-07", t0.Add(time.Minute)))
	_, _, err = s.StartRun(ctx, store.Run{Campaign: "weekly", Zone: "Asia/Tokyo", LocalDate: "2026-12-07", TriggerHash: "h3", Started: t0})
	require.NoError(t, err)
	_, _, err = s.StartRun(ctx, store.Run{Campaign: "weekly", Zone: "Europe/Malta", LocalDate: "2026-12-14", TriggerHash: "h4", Started: t0})
	require.NoError(t, err)
	runs, err := s.Runs(ctx, "weekly", 10)
	require.NoError(t, err)
	require.Len(t, runs, 3)
	assert.Equal(t, "2026-12-14", runs[0].LocalDate)
	assert.Equal(t, "Asia/Tokyo", runs[1].Zone)
	assert.Equal(t, t0.Add(time.Minute), runs[2].Finished)
	assert.True(t, runs[1].Finished.IsZero())
}

func testReopen(t *testing.T, d Driver) {
	ctx := context.Background()
	addr := d.New(t)
	s, err := d.Open(ctx, addr)
	require.NoError(t, err)
	require.NoError(t, s.SetBudget(ctx, "c", "EUR", dec("10"), t0))
	first := one(t, s, give(key("p", "t"), store.Issued, "c", "3.33", "EUR"))
	require.NoError(t, s.Close())

	s = d.open(t, addr)
	assertDec(t, "3.33", budget(t, s, "c", "EUR").Posted, "posted after reopening")
	got := one(t, s, give(key("p", "t"), store.Issued, "c", "3.33", "EUR"))
	assert.True(t, got.Repeat)
	assert.Equal(t, first.Seq, got.Seq)
	if _, err := s.Apply(ctx, nil); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("an empty batch: %v", err)
	}
}
