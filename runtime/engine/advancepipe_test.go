package engine_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// The tests of Advance in the pipeline (advancepipe.go): a page of timers
// decided while the batches before it are written must give what Advance
// gave after they were written.

// pipeRules has one timer and nothing else due: every Advance with timers
// due is a page of the pipeline.
const pipeRules = `
kind login {
}

reward come_back: points {
	give 50
}

automation win_back {
	trigger inactive 7 days since login

	give come_back
}
`

// heldApply holds the Apply number at (from 1) until release is closed
// (entered is closed when it starts), then writes it: whole, or with the
// change of the event lose reported lost to another writer (the others
// written), or failed when fail is set.
type heldApply struct {
	store.Store
	at   int
	lose string
	fail bool
	// between, when set, runs once the held Apply has written all but the
	// change lost and before it answers (another writer meanwhile).
	between func()
	entered chan struct{}
	release chan struct{}

	mu    sync.Mutex
	calls int
}

func holdApply(st store.Store, at int, lose string, fail bool) *heldApply {
	return &heldApply{Store: st, at: at, lose: lose, fail: fail, entered: make(chan struct{}), release: make(chan struct{})}
}

func (h *heldApply) Apply(ctx context.Context, changes []store.Change) ([]store.Applied, error) {
	h.mu.Lock()
	h.calls++
	held := h.calls == h.at
	h.mu.Unlock()
	if !held {
		return h.Store.Apply(ctx, changes)
	}
	close(h.entered)
	<-h.release
	if h.fail {
		return nil, errInjected
	}
	k := slices.IndexFunc(changes, func(c store.Change) bool { return c.Event != nil && c.Event.ID == h.lose })
	if k < 0 {
		return h.Store.Apply(ctx, changes)
	}
	rest := slices.Delete(slices.Clone(changes), k, k+1)
	applied, err := h.Store.Apply(ctx, rest)
	if err != nil {
		return nil, err
	}
	if h.between != nil {
		h.between()
	}
	lost := store.Applied{Err: fmt.Errorf("injected: %w", store.ErrStateConflict)}
	return slices.Insert(applied, k, lost), nil
}

func (h *heldApply) applies() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls
}

func pipeEngine(t *testing.T, st store.Store, opts engine.Options) *engine.Engine {
	t.Helper()
	prog, err := program(pipeRules)
	require.NoError(t, err)
	e, err := engine.New(context.Background(), prog, st, opts)
	require.NoError(t, err)
	return e
}

// pipeCalls: p0 and p1 register and p0 logs in at t0 (written first);
// then, in flight while Advance runs at t0+8d, p0 logs in again at t0+8d
// (its timer, due at t0+7d in the store, set again to t0+15d) and p1 logs
// in for the first time at t0+1h (a timer due at t0+7d+1h, not in the
// store yet).
func pipeCalls() (first, inFlight []engine.Event) {
	first = []engine.Event{eur("p0", t0), login("l0", "p0", t0), eur("p1", t0)}
	inFlight = []engine.Event{login("l1", "p0", t0.Add(8*24*time.Hour)), login("l2", "p1", t0.Add(time.Hour))}
	return first, inFlight
}

// pipeReference runs pipeCalls one after the other, Advance after the
// calls are written, and gives the outcomes of Advance at t0+8d and at
// t0+16d and the log. lose, when not "", loses in the store's second
// Apply as in heldApply; skip leaves the call in flight out.
func pipeReference(t *testing.T, lose string, skip bool) (at8, at16, log []string) {
	t.Helper()
	ctx := context.Background()
	h := holdApply(openStore(t), 2, lose, false)
	close(h.release)
	e := pipeEngine(t, h, engine.Options{InFlight: 1})
	first, inFlight := pipeCalls()
	handle(t, e, first...)
	_, err := e.Advance(ctx, t0)
	require.NoError(t, err)
	if !skip {
		handle(t, e, inFlight...)
	}
	outs, err := e.Advance(ctx, t0.Add(8*24*time.Hour))
	require.NoError(t, err)
	at8 = brief(outs)
	outs, err = e.Advance(ctx, t0.Add(16*24*time.Hour))
	require.NoError(t, err)
	return at8, brief(outs), storedLog(t, h)
}

// pipeHeld handles the first call, submits the second and, while the
// store holds its Apply, submits Advance at t0+8d: it returns before the
// call is written, its page in flight behind it.
// servedStore is a fresh store on which the inactivity rule of the rule set
// is in service: it is put into service by its first Advance, with writes and
// leases of its own (inactiveservice.go), which the tests that count them
// leave out.
func servedStore(t *testing.T) store.Store {
	t.Helper()
	st := openStore(t)
	_, err := pipeEngine(t, st, engine.Options{}).Advance(context.Background(), t0.Add(-time.Hour))
	require.NoError(t, err)
	return st
}

func pipeHeld(t *testing.T, lose string, fail bool) (*heldApply, *engine.Engine, func() ([]engine.Outcome, error), func() ([]engine.Outcome, error)) {
	t.Helper()
	ctx := context.Background()
	h := holdApply(servedStore(t), 2, lose, fail)
	e := pipeEngine(t, h, engine.Options{})
	first, inFlight := pipeCalls()
	handle(t, e, first...)
	_, err := e.Advance(ctx, t0)
	require.NoError(t, err)
	require.Equal(t, 1, h.applies(), "nothing due at t0: Advance wrote nothing")
	waitCall, err := e.Submit(ctx, inFlight)
	require.NoError(t, err)
	<-h.entered
	waitAdv, err := e.SubmitAdvance(ctx, t0.Add(8*24*time.Hour))
	require.NoError(t, err)
	require.Equal(t, 2, engine.Unfinished(e), "the page is decided while the call is written")
	return h, e, waitCall, waitAdv
}

// TestAdvancePipelined: the page is decided on the timers the call in
// flight sets: p0's, set again, is not fired and not deleted (it fires at
// t0+16d); p1's, not in the store yet, fires. All as when Advance ran
// after the call was written.
func TestAdvancePipelined(t *testing.T) {
	ctx := context.Background()
	h, e, waitCall, waitAdv := pipeHeld(t, "", false)
	close(h.release)
	_, err := waitCall()
	require.NoError(t, err)
	outs, err := waitAdv()
	require.NoError(t, err)
	at8, at16, log := pipeReference(t, "", false)
	require.Equal(t, at8, brief(outs))
	require.Equal(t, []string{"win_back p1 issued 50pts"}, at8)
	outs, err = e.Advance(ctx, t0.Add(16*24*time.Hour))
	require.NoError(t, err)
	require.Equal(t, at16, brief(outs))
	require.Equal(t, []string{"win_back p0 issued 50pts"}, at16, "p0's timer set again in flight was kept")
	require.Equal(t, log, storedLog(t, h))
}

// TestAdvancePipelinedLostChange: p0's login in the call in flight loses
// to another writer: it is written again from the store, and the page,
// decided on it, is decided again, as Advance after the call would be.
func TestAdvancePipelinedLostChange(t *testing.T) {
	ctx := context.Background()
	h, e, waitCall, waitAdv := pipeHeld(t, "l1", false)
	close(h.release)
	_, err := waitCall()
	require.NoError(t, err)
	outs, err := waitAdv()
	require.NoError(t, err)
	require.Equal(t, 1, engine.Redecided(e), "the page was decided again")
	at8, at16, log := pipeReference(t, "l1", false)
	require.Equal(t, at8, brief(outs))
	outs, err = e.Advance(ctx, t0.Add(16*24*time.Hour))
	require.NoError(t, err)
	require.Equal(t, at16, brief(outs))
	require.Equal(t, log, storedLog(t, h))
}

// TestAdvancePipelinedLostToWriter: p1's first login in the call in flight
// loses to another engine on the store, which meanwhile took p1's login of
// t0+7d (its timer due at t0+14d). The page, decided firing p1's timer the
// call set (t0+7d+1h), must be decided again once the call is mended: as
// decided, its firing of p1 lost too, and its retry, still holding the
// timer of t0+7d+1h, only removed p1's timer (the one of t0+14d, set by
// the other engine), so p1 never fired.
func TestAdvancePipelinedLostToWriter(t *testing.T) {
	ctx := context.Background()
	h, e, waitCall, waitAdv := pipeHeld(t, "l2", false)
	other := pipeEngine(t, h.Store, engine.Options{})
	var otherErr error
	h.between = func() {
		_, otherErr = other.Handle(ctx, []engine.Event{login("lx", "p1", t0.Add(7*24*time.Hour))})
	}
	close(h.release)
	_, err := waitCall()
	require.NoError(t, err)
	require.NoError(t, otherErr)
	outs, err := waitAdv()
	require.NoError(t, err)
	require.Empty(t, brief(outs), "nothing due at t0+8d once the call and the other engine's login are written")
	outs, err = e.Advance(ctx, t0.Add(16*24*time.Hour))
	require.NoError(t, err)
	require.Equal(t, []string{"win_back p1 issued 50pts", "win_back p0 issued 50pts"}, brief(outs), "p1 at t0+14d, p0 at t0+15d")
}

// TestAdvancePipelinedAfterFailure: the call in flight fails; the page
// behind it is written nothing of (ErrAborted), no call is taken until the
// call's caller is told, and Advance then gives what it gives when the
// call was never handled.
func TestAdvancePipelinedAfterFailure(t *testing.T) {
	ctx := context.Background()
	h, e, waitCall, waitAdv := pipeHeld(t, "", true)
	close(h.release)
	outs, err := waitAdv()
	require.ErrorIs(t, err, engine.ErrAborted)
	require.Empty(t, outs)
	_, err = e.SubmitAdvance(ctx, t0.Add(8*24*time.Hour))
	require.ErrorIs(t, err, engine.ErrAborted, "refused until the failed call's caller is told")
	_, err = waitCall()
	require.ErrorIs(t, err, errInjected)
	require.Equal(t, 2, h.applies(), "nothing of the page was given to the store")
	outs, err = e.Advance(ctx, t0.Add(8*24*time.Hour))
	require.NoError(t, err)
	at8, at16, log := pipeReference(t, "", true)
	require.Equal(t, at8, brief(outs))
	require.Equal(t, []string{"win_back p0 issued 50pts"}, at8)
	outs, err = e.Advance(ctx, t0.Add(16*24*time.Hour))
	require.NoError(t, err)
	require.Equal(t, at16, brief(outs))
	require.Equal(t, log, storedLog(t, h))
}

// TestAdvanceBehindFailure: Advance itself (not submitted) behind a call
// that fails runs once the call is written, as of the store.
func TestAdvanceBehindFailure(t *testing.T) {
	ctx := context.Background()
	h := holdApply(openStore(t), 2, "", true)
	e := pipeEngine(t, h, engine.Options{})
	first, inFlight := pipeCalls()
	handle(t, e, first...)
	waitCall, err := e.Submit(ctx, inFlight)
	require.NoError(t, err)
	<-h.entered
	type result struct {
		outs []engine.Outcome
		err  error
	}
	done := make(chan result, 1)
	go func() {
		outs, err := e.Advance(ctx, t0.Add(8*24*time.Hour))
		done <- result{outs, err}
	}()
	close(h.release)
	_, err = waitCall()
	require.ErrorIs(t, err, errInjected)
	r := <-done
	require.NoError(t, r.err)
	at8, _, _ := pipeReference(t, "", true)
	require.Equal(t, at8, brief(r.outs))
}

// slowApply makes every Apply take a while, so that the batches submitted
// are in flight when the next call is decided.
type slowApply struct{ store.Store }

func (s slowApply) Apply(ctx context.Context, changes []store.Change) ([]store.Applied, error) {
	time.Sleep(2 * time.Millisecond)
	return s.Store.Apply(ctx, changes)
}

// TestAdvancePipelinedLog: the proofs' event log in calls of 40 events,
// the clock advanced to each call's last event: submitted without waiting
// (SubmitAdvance, two calls in flight) the outcomes, call by call, and the
// store's log are those of Handle and Advance one after the other.
func TestAdvancePipelinedLog(t *testing.T) {
	ctx := context.Background()
	n := 3000
	if testing.Short() {
		n = 1200
	}
	evs := eventLog(n)
	prog, err := proofProgram(n)
	require.NoError(t, err)
	const chunk = 40

	seqStore := openStore(t)
	seq, err := engine.New(ctx, prog, seqStore, engine.Options{InFlight: 1})
	require.NoError(t, err)
	var want []string
	for i := 0; i < len(evs); i += chunk {
		c := evs[i:min(i+chunk, len(evs))]
		want = append(want, brief(handle(t, seq, c...))...)
		outs, err := seq.Advance(ctx, c[len(c)-1].Time)
		require.NoError(t, err)
		want = append(want, brief(outs)...)
	}

	pipeStore := slowApply{openStore(t)}
	pipe, err := engine.New(ctx, prog, pipeStore, engine.Options{})
	require.NoError(t, err)
	var got []string
	var waits []func() ([]engine.Outcome, error)
	settle := func(keep int) {
		for len(waits) > keep {
			outs, err := waits[0]()
			require.NoError(t, err)
			got = append(got, brief(outs)...)
			waits = waits[1:]
		}
	}
	behind := 0 // pages submitted behind a batch in flight
	for i := 0; i < len(evs); i += chunk {
		c := evs[i:min(i+chunk, len(evs))]
		settle(1)
		w, err := pipe.Submit(ctx, c)
		require.NoError(t, err)
		waits = append(waits, w)
		settle(1)
		w, err = pipe.SubmitAdvance(ctx, c[len(c)-1].Time)
		require.NoError(t, err)
		if engine.Unfinished(pipe) == 2 {
			behind++
		}
		waits = append(waits, w)
	}
	settle(0)
	require.Equal(t, want, got)
	require.Equal(t, outcomeLog(t, seqStore), outcomeLog(t, pipeStore.Store))
	require.Positive(t, behind, "some pages were decided while a call was written")
	t.Logf("%d outcomes; %d of %d pages decided while a call was written", len(got), behind, (len(evs)+chunk-1)/chunk)
}

// TestAdvanceLeases: with leases, an Advance with nothing due asks for
// none and writes nothing; with timers due it takes the old way, under the
// "timers" lease.
func TestAdvanceLeases(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var asked []string
	lease := func(ctx context.Context, job string) (context.Context, func(), bool, error) {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, job)
		return ctx, func() {}, true, nil
	}
	h := holdApply(servedStore(t), 0, "", false)
	e := pipeEngine(t, h, engine.Options{Lease: lease})
	first, _ := pipeCalls()
	handle(t, e, first...)
	outs, err := e.Advance(ctx, t0.Add(time.Hour))
	require.NoError(t, err)
	require.Empty(t, outs)
	require.Empty(t, asked, "nothing due: no lease")
	require.Equal(t, 1, h.applies(), "nothing due: nothing written")
	outs, err = e.Advance(ctx, t0.Add(8*24*time.Hour))
	require.NoError(t, err)
	require.Equal(t, []string{"win_back p0 issued 50pts"}, brief(outs))
	require.Contains(t, asked, "timers")
}

// beforeApply runs fn (another writer) before its Apply number at (from
// 1) is written.
type beforeApply struct {
	store.Store
	at int
	fn func()

	mu    sync.Mutex
	calls int
}

func (b *beforeApply) Apply(ctx context.Context, changes []store.Change) ([]store.Applied, error) {
	b.mu.Lock()
	b.calls++
	run := b.calls == b.at
	b.mu.Unlock()
	if run {
		b.fn()
	}
	return b.Store.Apply(ctx, changes)
}

// TestAdvanceTimerResetMeanwhile: while Advance fires p0's timer (due at
// t0+7d), another engine takes p0's login of t0+7d+12h, which fires the
// inactivity overdue and sets p0's timer again, to t0+14d+12h. Advance's
// firing loses to it and is decided again from the stored state: the
// inactivity has fired and the timer is the other engine's, which must be
// kept, not removed (p0 then fired never again).
func TestAdvanceTimerResetMeanwhile(t *testing.T) {
	ctx := context.Background()
	raw := openStore(t)
	other := pipeEngine(t, raw, engine.Options{})
	var otherOuts []engine.Outcome
	var otherErr error
	st := &beforeApply{Store: raw, at: 2, fn: func() {
		otherOuts, otherErr = other.Handle(ctx, []engine.Event{login("lx", "p0", t0.Add(7*24*time.Hour+12*time.Hour))})
	}}
	e := pipeEngine(t, st, engine.Options{})
	handle(t, e, eur("p0", t0), login("l0", "p0", t0))
	outs, err := e.Advance(ctx, t0.Add(8*24*time.Hour))
	require.NoError(t, err)
	require.NoError(t, otherErr)
	require.Equal(t, []string{"win_back p0 issued 50pts"}, brief(otherOuts), "the other engine fired the inactivity overdue")
	require.Empty(t, brief(outs), "once")
	outs, err = e.Advance(ctx, t0.Add(15*24*time.Hour))
	require.NoError(t, err)
	require.Equal(t, []string{"win_back p0 issued 50pts"}, brief(outs), "the timer the other engine set fires")
}
