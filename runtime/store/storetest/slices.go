package storetest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/store"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The environment of a child that takes its rewards from budget slices:
// the holder's name and the lease, in milliseconds.
const (
	envSlices   = "PROMOC_STORETEST_SLICES"
	envSliceTTL = "PROMOC_STORETEST_SLICE_TTL_MS"
)

// sliceParts is the slices' size in the suite: a tenth of the limit.
const sliceParts = 10

// useSlices makes s take its rewards from slices held by holder.
func useSlices(t testing.TB, s store.Store, holder string, ttl time.Duration, now func() time.Time) store.Slices {
	t.Helper()
	sl := implements[store.Slices](t, s)
	require.NoError(t, sl.UseSlices(store.SliceOptions{Holder: holder, TTL: ttl, Parts: sliceParts, Now: now}))
	return sl
}

// slicesOf is the campaign's slices as holder -> "granted/used".
func slicesOf(t testing.TB, sl store.Slices, campaign string) map[string]string {
	t.Helper()
	got, err := sl.SlicesOf(context.Background(), campaign)
	require.NoError(t, err)
	m := map[string]string{}
	for _, s := range got {
		m[s.Holder] = s.Granted.String() + "/" + s.Used.String()
	}
	return m
}

// testSlices: rewards taken from a holder's slice, a new slice when one
// runs short, the campaign's status exact while slices are out, and the
// slices returned on close, on suspension and on a budget change.
func testSlices(t *testing.T, d Driver) {
	ctx := context.Background()
	addr := d.New(t)
	plain := d.open(t, addr)
	require.NoError(t, plain.SetBudget(ctx, "welcome", "EUR", dec("100"), t0))
	a := d.open(t, addr)
	sa := useSlices(t, a, "A", time.Minute, func() time.Time { return t0 })
	assert.ErrorIs(t, a.(store.Slices).UseSlices(store.SliceOptions{Holder: "A"}), store.ErrSliceOptions, "no lease, no parts")

	got := one(t, a, give(key("p1", "t1"), store.Issued, "welcome", "6", "EUR"))
	assert.Equal(t, store.Issued, got.Status)
	assert.Equal(t, map[string]string{"A": "10/6"}, slicesOf(t, sa, "welcome"), "a slice of a tenth of the limit")
	b := budget(t, plain, "welcome", "EUR")
	assertDec(t, "6", b.Posted, "posted, slices included")
	assertDec(t, "94", b.Left(), "left: the slice's unused part is not spent")
	require.NoError(t, plain.Audit(ctx))

	// 6 more do not fit the slice's 4: the slice grows by a tenth.
	got = one(t, a, give(key("p2", "t1"), store.Issued, "welcome", "6", "EUR"))
	assert.Equal(t, store.Issued, got.Status)
	assert.Equal(t, map[string]string{"A": "20/12"}, slicesOf(t, sa, "welcome"))
	// A batch larger than a slice gets what it needs at once.
	var changes []store.Change
	for i := range 5 {
		changes = append(changes, store.Change{Outcomes: []store.Outcome{give(key(fmt.Sprint("q", i), "t1"), store.Issued, "welcome", "5", "EUR")}})
	}
	for _, r := range apply(t, a, changes...) {
		assert.Equal(t, store.Issued, r.Outcomes[0].Status)
	}
	assert.Equal(t, map[string]string{"A": "37/37"}, slicesOf(t, sa, "welcome"), "what the batch needed beyond the slice")
	// A repeat takes nothing (the slice asked for before the batch, when
	// its keys are not read yet, stays unused).
	got = one(t, a, give(key("p1", "t1"), store.Issued, "welcome", "6", "EUR"))
	assert.True(t, got.Repeat)
	assert.Equal(t, map[string]string{"A": "47/37"}, slicesOf(t, sa, "welcome"))

	// A reward waiting for approval reserves on the account.
	got = one(t, a, give(key("w1", "t1"), store.Waiting, "welcome", "3", "EUR"))
	assert.Equal(t, store.Waiting, got.Status)
	b = budget(t, plain, "welcome", "EUR")
	assertDec(t, "37", b.Posted, "posted")
	assertDec(t, "3", b.Reserved, "reserved")
	assertDec(t, "60", b.Left(), "left")
	require.NoError(t, plain.Audit(ctx))

	// Returned on close: posted stays, the slice is gone.
	n, err := sa.ReturnSlices(ctx, "A")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Empty(t, slicesOf(t, sa, "welcome"))
	b = budget(t, plain, "welcome", "EUR")
	assertDec(t, "37", b.Posted, "posted after the return")
	require.NoError(t, plain.Audit(ctx))

	// Returned on a suspension, and on a budget change.
	one(t, a, give(key("p3", "t1"), store.Issued, "welcome", "1", "EUR"))
	assert.Equal(t, map[string]string{"A": "10/1"}, slicesOf(t, sa, "welcome"))
	require.NoError(t, plain.Suspend(ctx, "welcome", "paused", t0))
	assert.Empty(t, slicesOf(t, sa, "welcome"), "suspended: the slices came back")
	got = one(t, a, give(key("p4", "t1"), store.Issued, "welcome", "1", "EUR"))
	assert.Equal(t, store.ReasonCampaignSuspended, got.Reason)
	assert.Empty(t, slicesOf(t, sa, "welcome"), "a suspended campaign grants no slice")
	require.NoError(t, plain.Resume(ctx, "welcome", t0))
	one(t, a, give(key("p5", "t1"), store.Issued, "welcome", "1", "EUR"))
	assert.Equal(t, map[string]string{"A": "10/1"}, slicesOf(t, sa, "welcome"))
	// 39 posted and 3 reserved once the slice is back: 42 holds.
	require.NoError(t, plain.SetBudget(ctx, "welcome", "EUR", dec("42"), t0), "the slice's unused part is not spent")
	assert.Empty(t, slicesOf(t, sa, "welcome"), "a budget set returns the slices")
	b = budget(t, plain, "welcome", "EUR")
	assertDec(t, "39", b.Posted, "posted")
	assertDec(t, "0", b.Left(), "left")
	assert.ErrorIs(t, plain.SetBudget(ctx, "welcome", "EUR", dec("41.99"), t0), store.ErrBudgetBelowSpent)
	require.NoError(t, plain.Audit(ctx))
}

// testSliceEndGame: when less is left than a slice, no reward is refused
// while another holder's slice holds the money, none is paid in part, and
// the one that fits nowhere is refused and suspends the campaign, as
// without slices.
func testSliceEndGame(t *testing.T, d Driver) {
	ctx := context.Background()
	addr := d.New(t)
	plain := d.open(t, addr)
	require.NoError(t, plain.SetBudget(ctx, "end", "EUR", dec("25"), t0))
	a, b := d.open(t, addr), d.open(t, addr)
	sa := useSlices(t, a, "A", time.Minute, nil)
	useSlices(t, b, "B", time.Minute, nil)

	// Each takes a slice of 2.5 and grows it: A 10, B 10.
	for i := range 2 {
		assert.Equal(t, store.Issued, one(t, a, give(key(fmt.Sprint("a", i), "t"), store.Issued, "end", "5", "EUR")).Status)
		assert.Equal(t, store.Issued, one(t, b, give(key(fmt.Sprint("b", i), "t"), store.Issued, "end", "5", "EUR")).Status)
	}
	assert.Equal(t, map[string]string{"A": "10/10", "B": "10/10"}, slicesOf(t, sa, "end"))
	// 5 free: A takes 5; then B's 5 fits nowhere, nor does A's 0.01.
	assert.Equal(t, store.Issued, one(t, a, give(key("a2", "t"), store.Issued, "end", "5", "EUR")).Status)
	got := one(t, b, give(key("b2", "t"), store.Issued, "end", "5", "EUR"))
	assert.Equal(t, store.Skipped, got.Status)
	assert.Equal(t, store.ReasonBudgetExhausted, got.Reason)
	got = one(t, a, give(key("a3", "t"), store.Issued, "end", "0.01", "EUR"))
	assert.Equal(t, store.ReasonCampaignSuspended, got.Reason)
	assert.Empty(t, slicesOf(t, sa, "end"), "the budget ran out: every slice came back")
	bud := budget(t, plain, "end", "EUR")
	assertDec(t, "25", bud.Posted, "posted: the whole budget")
	assertDec(t, "0", bud.Left(), "left")
	require.NoError(t, plain.Audit(ctx))

	// The last euros of another budget: A's slice holds 0.5 unused; B's
	// 9.5 needs it and is paid; then nothing is left anywhere.
	require.NoError(t, plain.SetBudget(ctx, "last", "EUR", dec("10"), t0))
	assert.Equal(t, store.Issued, one(t, a, give(key("a", "last"), store.Issued, "last", "0.5", "EUR")).Status)
	assert.Equal(t, map[string]string{"A": "1/0.5"}, slicesOf(t, sa, "last"))
	assert.Equal(t, store.Issued, one(t, b, give(key("b", "last"), store.Issued, "last", "9.5", "EUR")).Status)
	assert.Equal(t, map[string]string{"B": "9.5/9.5"}, slicesOf(t, sa, "last"), "A's slice came back")
	got = one(t, a, give(key("a2", "last"), store.Issued, "last", "0.01", "EUR"))
	assert.Equal(t, store.ReasonBudgetExhausted, got.Reason, "nothing left anywhere")
	bud = budget(t, plain, "last", "EUR")
	assertDec(t, "10", bud.Posted, "posted: the whole budget")
	require.NoError(t, plain.Audit(ctx))

	// A campaign suspended as one currency's budget runs out returns its
	// slices in the others.
	require.NoError(t, plain.SetBudget(ctx, "two", "EUR", dec("10"), t0))
	require.NoError(t, plain.SetBudget(ctx, "two", "USD", dec("10"), t0))
	assert.Equal(t, store.Issued, one(t, a, give(key("a", "two"), store.Issued, "two", "1", "USD")).Status)
	assert.Equal(t, map[string]string{"A": "1/1"}, slicesOf(t, sa, "two"))
	got = one(t, b, give(key("b", "two"), store.Issued, "two", "11", "EUR"))
	assert.Equal(t, store.ReasonBudgetExhausted, got.Reason)
	assert.Empty(t, slicesOf(t, sa, "two"), "suspended: the USD slice came back")
	assertDec(t, "1", budget(t, plain, "two", "USD").Posted, "posted in USD")
	require.NoError(t, plain.Audit(ctx))

	// A store without slices reserves what a holder's slice holds.
	require.NoError(t, plain.SetBudget(ctx, "mixed", "EUR", dec("10"), t0))
	assert.Equal(t, store.Issued, one(t, a, give(key("a", "mixed"), store.Issued, "mixed", "0.5", "EUR")).Status)
	assert.Equal(t, map[string]string{"A": "1/0.5"}, slicesOf(t, sa, "mixed"))
	assert.Equal(t, store.Issued, one(t, plain, give(key("p", "mixed"), store.Issued, "mixed", "9.5", "EUR")).Status)
	assert.Empty(t, slicesOf(t, sa, "mixed"), "A's slice came back")
	assertDec(t, "10", budget(t, plain, "mixed", "EUR").Posted, "posted")
	require.NoError(t, plain.Audit(ctx))
}

// testSliceExpiry: a slice whose lease ended is returned by ExpireSlices
// and by another holder's grant; what it used stays posted.
func testSliceExpiry(t *testing.T, d Driver) {
	ctx := context.Background()
	addr := d.New(t)
	plain := d.open(t, addr)
	require.NoError(t, plain.SetBudget(ctx, "c", "EUR", dec("100"), t0))
	var mu sync.Mutex
	now := t0
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	set := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	a, b := d.open(t, addr), d.open(t, addr)
	sa := useSlices(t, a, "A", time.Minute, clock)
	useSlices(t, b, "B", time.Minute, clock)
	one(t, a, give(key("a", "t"), store.Issued, "c", "3", "EUR"))
	got, err := sa.SlicesOf(ctx, "c")
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, t0.Add(time.Minute), got[0].Expires, "a lease of a minute")

	n, err := sa.ExpireSlices(ctx, t0.Add(time.Minute-time.Nanosecond))
	require.NoError(t, err)
	assert.Zero(t, n, "not expired yet")
	n, err = sa.ExpireSlices(ctx, t0.Add(time.Minute))
	require.NoError(t, err)
	assert.Equal(t, 1, n, "expired at its end")
	assert.Empty(t, slicesOf(t, sa, "c"))
	assertDec(t, "3", budget(t, plain, "c", "EUR").Posted, "posted")

	// B's grant returns A's expired slice.
	one(t, a, give(key("a2", "t"), store.Issued, "c", "3", "EUR"))
	set(t0.Add(2 * time.Minute))
	one(t, b, give(key("b", "t"), store.Issued, "c", "3", "EUR"))
	assert.Equal(t, map[string]string{"B": "10/3"}, slicesOf(t, sa, "c"))
	assertDec(t, "9", budget(t, plain, "c", "EUR").Posted, "posted")
	require.NoError(t, plain.Audit(ctx))
}

// SliceRace is Race with budget slices: holders stores on one database,
// each with its own holder and goroutines/holders goroutines.
func SliceRace(t *testing.T, d Driver, holders, goroutines, n, batch int) {
	ctx := context.Background()
	addr := d.New(t)
	plain := d.open(t, addr)
	_, limit := raceBudget(n)
	require.NoError(t, plain.SetBudget(ctx, "race", "EUR", limit, t0))
	stores := make([]store.Store, holders)
	for h := range holders {
		stores[h] = d.open(t, addr)
		useSlices(t, stores[h], fmt.Sprint("holder", h), time.Minute, nil)
	}
	issued := raceGoroutines(t, goroutines, n, batch, func(g int) store.Store { return stores[g%holders] })
	t.Logf("%s: %d goroutines on %d holders of slices, batches of %d", d.Name, goroutines, holders, batch)
	checkRace(t, plain, n, issued)
	require.NoError(t, plain.Audit(ctx))
}

// SliceRaceProcesses is RaceProcesses with budget slices: each process
// holds its own.
func SliceRaceProcesses(t *testing.T, d Driver, procs, n, batch int) {
	RaceProcesses(t, d, procs, n, batch, envSlices+"=1")
}

// SliceKill: a process taking rewards from its slice is killed with
// SIGKILL; its slice comes back when its lease ends (another holder's
// grant returns it), what it used stays posted, and the rewards it did
// not give are given by another process: the posted total is exactly
// what fits.
func SliceKill(t *testing.T, d Driver, n int) {
	ctx := context.Background()
	addr := d.New(t)
	plain := d.open(t, addr)
	fit, limit := raceBudget(n)
	require.NoError(t, plain.SetBudget(ctx, "race", "EUR", limit, t0))
	const ttl = 2 * time.Second
	cmd := childCmd("race", addr, envFrom+"=0", fmt.Sprintf("%s=%d", envTo, n), envBatch+"=1", envName+"=w",
		envSlices+"=1", fmt.Sprintf("%s=%d", envSliceTTL, ttl.Milliseconds()), envProgress+"=1")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var errs strings.Builder
	cmd.Stderr = &errs
	require.NoError(t, cmd.Start())
	lines := bufio.NewScanner(out)
	progress := 0
	for progress < n/10 && lines.Scan() {
		if p, ok := strings.CutPrefix(lines.Text(), "progress "); ok {
			progress, _ = strconv.Atoi(p)
		}
	}
	require.NoError(t, cmd.Process.Kill()) // SIGKILL
	_ = cmd.Wait()
	require.GreaterOrEqual(t, progress, n/10, "the victim's progress; its errors:\n%s", errs.String())
	killed := time.Now()

	sl := plain.(store.Slices)
	held, err := sl.SlicesOf(ctx, "race")
	require.NoError(t, err)
	require.Len(t, held, 1, "the dead holder's slice is out")
	b := budget(t, plain, "race", "EUR")
	// Posted counts every reward the victim committed: those its slice
	// holds and any from a slice of its before (one whose lease ended
	// while the victim stalled between two calls, on a loaded machine,
	// folded into posted by its next grant), no more, no less.
	given := decimal.Zero
	for _, o := range allOutcomes(t, plain) {
		if o.Status == store.Issued {
			given = given.Add(o.Amount)
		}
	}
	assert.True(t, b.Posted.Equal(given), "posted %s: the victim's issued rewards, %s", b.Posted, given)
	assert.True(t, held[0].Used.IsPositive() && held[0].Used.LessThanOrEqual(given), "the slice's used %s is part of posted %s", held[0].Used, given)
	assert.True(t, b.Posted.GreaterThanOrEqual(dec(raceAmount).Mul(decimal.NewFromInt(int64(progress)))), "what the victim reported given is posted")
	require.NoError(t, plain.Audit(ctx))

	// Another holder gives every reward again once the lease has ended: a
	// reward the victim gave is a repeat.
	time.Sleep(time.Until(killed.Add(ttl + 100*time.Millisecond)))
	s := d.open(t, addr)
	useSlices(t, s, "survivor", time.Minute, nil)
	_, err = reserveRange(ctx, s, "w", 0, 1, 1)
	require.NoError(t, err)
	left := slicesOf(t, sl, "race")
	assert.NotContains(t, left, "w", "the dead holder's slice came back")
	_, err = reserveRange(ctx, s, "w", 0, n, 7)
	require.NoError(t, err)
	issued := 0
	for _, o := range allOutcomes(t, plain) {
		if o.Status == store.Issued {
			issued++
		}
	}
	checkRace(t, plain, n, issued)
	require.NoError(t, plain.Audit(ctx))
	assert.Equal(t, fit, issued)
	t.Logf("%s: the victim was killed after %d rewards; its slice %s/%s came back after its lease", d.Name, progress, held[0].Granted, held[0].Used)
}

// childSlices makes a child's store take its rewards from slices when the
// suite asked for them, the child's name as holder.
func childSlices(s store.Store) error {
	if os.Getenv(envSlices) == "" {
		return nil
	}
	ttl := time.Minute
	if ms, err := strconv.Atoi(os.Getenv(envSliceTTL)); err == nil && ms > 0 {
		ttl = time.Duration(ms) * time.Millisecond
	}
	sl, ok := s.(store.Slices)
	if !ok {
		return fmt.Errorf("%T has no budget slices", s)
	}
	return sl.UseSlices(store.SliceOptions{Holder: os.Getenv(envName), TTL: ttl, Parts: sliceParts})
}

// BenchReserveProcesses measures reservations per second on one hot
// budget from procs processes, each committing one reservation a
// transaction, with budget slices on or off: b.N reservations in all, the
// budget never running out. Without budget, the same outcomes reserve
// nothing (their campaign has no account): the rate of the rest of the
// transaction.
func BenchReserveProcesses(b *testing.B, d Driver, procs int, withBudget, slices bool) {
	ctx := context.Background()
	addr := d.New(b)
	s := d.open(b, addr)
	if withBudget {
		if err := s.SetBudget(ctx, "race", "EUR", dec("1000000000"), t0); err != nil {
			b.Fatal(err)
		}
	}
	var env []string
	if slices {
		env = append(env, envSlices+"=1")
	}
	n := b.N
	b.ResetTimer()
	start := time.Now()
	cmds := make([]*exec.Cmd, procs)
	outs := make([]*bytes.Buffer, procs)
	for p := range procs {
		cmds[p] = childCmd("race", addr, append([]string{
			fmt.Sprintf("%s=%d", envFrom, n*p/procs), fmt.Sprintf("%s=%d", envTo, n*(p+1)/procs),
			envBatch + "=1", fmt.Sprintf("%s=proc%d", envName, p)}, env...)...)
		outs[p] = new(bytes.Buffer)
		cmds[p].Stdout, cmds[p].Stderr = outs[p], outs[p]
		if err := cmds[p].Start(); err != nil {
			b.Fatal(err)
		}
	}
	for p, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			b.Fatalf("process %d: %v\n%s", p, err, outs[p])
		}
	}
	took := time.Since(start)
	b.StopTimer()
	if withBudget {
		bud := budget(b, s, "race", "EUR")
		if want := dec(raceAmount).Mul(decimal.NewFromInt(int64(n))); !bud.Posted.Equal(want) {
			b.Fatalf("posted %s, want %s", bud.Posted, want)
		}
	}
	if err := s.Audit(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(n)/took.Seconds(), "reservations/s")
}

// SliceFailures: the error paths of budget slices, reached by making the
// database refuse every UPDATE of a table (refuse, the driver's way; the
// refusal is dropped by the function it returns). A grant whose UPDATE of
// the account fails, a fast-path batch whose UPDATE of the slice fails,
// and a return whose UPDATE of the account fails each report the error
// and leave nothing of their transaction: no outcome, the slices and
// accounts as they were. Once the database takes the UPDATEs again, the
// same calls succeed.
func SliceFailures(t *testing.T, d Driver, refuse func(t testing.TB, addr, table string) (undo func())) {
	ctx := context.Background()
	addr := d.New(t)
	plain := d.open(t, addr)
	require.NoError(t, plain.SetBudget(ctx, "c", "EUR", dec("100"), t0))
	a := d.open(t, addr)
	sa := useSlices(t, a, "A", time.Minute, nil)
	reward := func(id string) []store.Change {
		return []store.Change{{Outcomes: []store.Outcome{give(key(id, "t"), store.Issued, "c", "3", "EUR")}}}
	}
	unchanged := func(what string, slices map[string]string, posted string) {
		t.Helper()
		assert.Equal(t, slices, slicesOf(t, sa, "c"), what+": the slices as they were")
		assertDec(t, posted, budget(t, plain, "c", "EUR").Posted, what+": posted as it was")
		require.NoError(t, plain.Audit(ctx))
	}

	// The grant's UPDATE of the account fails.
	undo := refuse(t, addr, "budget_accounts")
	_, err := a.Apply(ctx, reward("g"))
	require.ErrorContains(t, err, "refused", "the grant failed")
	unchanged("a grant failed", map[string]string{}, "0")
	assert.Empty(t, allOutcomes(t, plain), "no outcome")
	undo()
	assert.Equal(t, store.Issued, one(t, a, reward("g")[0].Outcomes[0]).Status)
	assert.Equal(t, map[string]string{"A": "10/3"}, slicesOf(t, sa, "c"))

	// The fast path's UPDATE of the slice fails.
	undo = refuse(t, addr, "budget_slices")
	_, err = a.Apply(ctx, reward("f"))
	require.ErrorContains(t, err, "refused", "the slice's write failed")
	unchanged("a slice's write failed", map[string]string{"A": "10/3"}, "3")
	assert.Len(t, allOutcomes(t, plain), 1, "no outcome")
	undo()
	assert.Equal(t, store.Issued, one(t, a, reward("f")[0].Outcomes[0]).Status)

	// The return's UPDATE of the account fails.
	undo = refuse(t, addr, "budget_accounts")
	n, err := sa.ReturnSlices(ctx, "A")
	require.ErrorContains(t, err, "refused", "the return failed")
	assert.Zero(t, n)
	unchanged("a return failed", map[string]string{"A": "10/6"}, "6")
	undo()
	n, err = sa.ReturnSlices(ctx, "A")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	unchanged("returned", map[string]string{}, "6")
}
