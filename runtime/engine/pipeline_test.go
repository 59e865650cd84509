package engine_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/sqlite"
)

// The tests of the pipeline (pipeline.go): a batch decided while the one
// before it is written must never be written as decided when that one
// failed or lost.

var errInjected = errors.New("injected: the disk is full")

// gatedStore holds the first Apply until release is closed (entered is
// closed when it starts), then fails it: with an error (nothing written),
// or by reporting the change of the event lose as lost to another writer
// (the others written).
type gatedStore struct {
	store.Store
	lose    string // "" : the whole transaction fails
	entered chan struct{}
	release chan struct{}

	mu    sync.Mutex
	calls int
}

func gate(st store.Store, lose string) *gatedStore {
	return &gatedStore{Store: st, lose: lose, entered: make(chan struct{}), release: make(chan struct{})}
}

func (g *gatedStore) Apply(ctx context.Context, changes []store.Change) ([]store.Applied, error) {
	g.mu.Lock()
	g.calls++
	first := g.calls == 1
	g.mu.Unlock()
	if !first {
		return g.Store.Apply(ctx, changes)
	}
	close(g.entered)
	<-g.release
	if g.lose == "" {
		return nil, errInjected
	}
	k := slices.IndexFunc(changes, func(c store.Change) bool { return c.Event != nil && c.Event.ID == g.lose })
	if k < 0 {
		return nil, fmt.Errorf("gatedStore: no change of event %q", g.lose)
	}
	rest := slices.Delete(slices.Clone(changes), k, k+1)
	applied, err := g.Store.Apply(ctx, rest)
	if err != nil {
		return nil, err
	}
	lost := store.Applied{Err: fmt.Errorf("injected: %w", store.ErrStateConflict)}
	return slices.Insert(applied, k, lost), nil
}

func (g *gatedStore) applies() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls
}

// Batch N registers p0 and p1, whose first deposits take 20 EUR of the 25
// EUR budget, and p0's deposit of 150 EUR qualifies p0 for every three
// bets. Batch N+1, decided while N is written, rests on all of it: p0's
// three bets, and p2's first deposit, which the budget's 5 EUR left does
// not fit.
func pipelineBatches() (n, next []engine.Event) {
	n = []engine.Event{
		eur("p0", t0), eur("p1", t0),
		deposit("d1-p0", "p0", t0.Add(time.Minute), "150", "card"),
		deposit("d1-p1", "p1", t0.Add(time.Minute), "50", "card"),
	}
	next = []engine.Event{
		bet("b1", "p0", t0.Add(2*time.Minute), "10", "slots"),
		bet("b2", "p0", t0.Add(3*time.Minute), "10", "slots"),
		bet("b3", "p0", t0.Add(4*time.Minute), "10", "slots"),
		eur("p2", t0.Add(5*time.Minute)),
		deposit("d1-p2", "p2", t0.Add(6*time.Minute), "50", "card"),
	}
	return n, next
}

// storedLog is the store's whole outcome log as brief writes it.
func storedLog(t *testing.T, st store.Store) []string {
	t.Helper()
	sos, err := allStored(context.Background(), st)
	require.NoError(t, err)
	var outs []engine.Outcome
	for _, so := range sos {
		o, err := engine.OutcomeOf(so)
		require.NoError(t, err)
		outs = append(outs, o)
	}
	return brief(outs)
}

// held submits batch N (pipelineBatches) to an engine on a store gated
// as gate(lose), and returns once the store holds N's Apply.
func held(t *testing.T, lose string) (*gatedStore, *engine.Engine, func() ([]engine.Outcome, error)) {
	t.Helper()
	n, _ := pipelineBatches()
	st := gate(openStore(t), lose)
	e := engineFor(t, "basic", st, engine.Options{})
	waitN, err := e.Submit(context.Background(), n)
	require.NoError(t, err)
	<-st.entered
	return st, e, waitN
}

// submitNext submits batch N+1 while the store holds N: it is decided on
// what N would write.
func submitNext(t *testing.T, e *engine.Engine) func() ([]engine.Outcome, error) {
	t.Helper()
	_, next := pipelineBatches()
	waitNext, err := e.Submit(context.Background(), next)
	require.NoError(t, err)
	require.Equal(t, 2, engine.Unfinished(e), "N+1 is decided while N is written")
	return waitNext
}

// reference handles the calls one after the other on a fresh store, one
// batch in flight at a time, and gives the outcomes of each and the log;
// the change of the event lose, when not "", loses in the first Apply as
// in gatedStore.
func reference(t *testing.T, lose string, calls ...[]engine.Event) ([][]string, []string) {
	t.Helper()
	var st store.Store = openStore(t)
	if lose != "" {
		g := gate(st, lose)
		close(g.release)
		st = g
	}
	e := engineFor(t, "basic", st, engine.Options{InFlight: 1})
	var got [][]string
	for _, c := range calls {
		got = append(got, brief(handle(t, e, c...)))
	}
	return got, storedLog(t, st)
}

// TestPipelineFailedBatch: the transaction of batch N fails while N+1,
// decided on what N would have written, is in flight. N's caller gets the
// error; N+1 is written nothing of and fails with ErrAborted, and no call
// is taken until N's caller has its error; submitted again, N+1 is decided
// from the stored state, and everything equals a run in which N was never
// submitted.
func TestPipelineFailedBatch(t *testing.T) {
	ctx := context.Background()
	_, next := pipelineBatches()
	st, e, waitN := held(t, "")
	waitNext := submitNext(t, e)
	close(st.release)
	outs, err := waitNext()
	require.ErrorIs(t, err, engine.ErrAborted)
	require.ErrorContains(t, err, errInjected.Error(), "the cause is named")
	require.Empty(t, outs)
	// Until N's caller is told, no call is taken: a caller that stops at
	// its first error never has a batch written after the failed one.
	_, err = e.Submit(ctx, next)
	require.ErrorIs(t, err, engine.ErrAborted)
	outs, err = waitN()
	require.ErrorIs(t, err, errInjected)
	require.Empty(t, outs)
	require.Equal(t, 1, st.applies(), "nothing of N+1 was given to the store")

	got := brief(handle(t, e, next...))
	want, wantLog := reference(t, "", next)
	require.Equal(t, want[0], got)
	require.Equal(t, wantLog, storedLog(t, st))
	require.Contains(t, got, "first_deposit_bonus p2 issued 10.00 EUR", "decided on the stored budget, not on N's")
}

// TestPipelineHandleRetries: two callers; the first's batch fails while
// the second's, decided on it, is in flight. Handle submits the second
// again by itself: its outcomes are those of a run without the first.
func TestPipelineHandleRetries(t *testing.T) {
	ctx := context.Background()
	_, next := pipelineBatches()
	st, e, waitN := held(t, "")
	type result struct {
		outs []engine.Outcome
		err  error
	}
	done := make(chan result, 1)
	go func() {
		outs, err := e.Handle(ctx, next)
		done <- result{outs, err}
	}()
	waitUnfinished(t, e, 2)
	close(st.release)
	_, err := waitN()
	require.ErrorIs(t, err, errInjected)
	r := <-done
	require.NoError(t, r.err)
	want, wantLog := reference(t, "", next)
	require.Equal(t, want[0], brief(r.outs))
	require.Equal(t, wantLog, storedLog(t, st))
}

// waitUnfinished waits until n calls are in e's pipeline, failing after
// a bound no machine's stall reaches instead of hanging to the package's
// timeout.
func waitUnfinished(t *testing.T, e *engine.Engine, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for engine.Unfinished(e) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d calls in the pipeline after 30 s, want %d", engine.Unfinished(e), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestPipelineResubmitBacksOff: Handle submits a call aborted again only
// after a backoff, of the wall clock (the engine's clock is the test's,
// which does not move), bounded: at most 2^try × 100 µs, 25.6 ms from the
// eighth, so the eight tries wait about 51 ms at most in all.
func TestPipelineResubmitBacksOff(t *testing.T) {
	ctx := context.Background()
	_, next := pipelineBatches()
	st, e, waitN := held(t, "")
	var mu sync.Mutex
	var tries, appliesThen []int
	engine.SetResubmitWait(e, func(ctx context.Context, try int) {
		mu.Lock()
		defer mu.Unlock()
		tries = append(tries, try)
		appliesThen = append(appliesThen, st.applies())
	})
	done := make(chan error, 1)
	go func() {
		_, err := e.Handle(ctx, next)
		done <- err
	}()
	waitUnfinished(t, e, 2)
	close(st.release)
	_, err := waitN()
	require.ErrorIs(t, err, errInjected)
	require.NoError(t, <-done)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []int{1}, tries, "one wait, before the one submission again")
	require.Equal(t, []int{1}, appliesThen, "before the call went to the store again: only N's failed Apply")
	require.Equal(t, 2, st.applies())

	var total time.Duration
	for try := 1; try <= engine.MaxRetries; try++ {
		total += engine.BackoffMax(try)
	}
	require.Equal(t, 200*time.Microsecond, engine.BackoffMax(1))
	require.Equal(t, 25600*time.Microsecond, engine.BackoffMax(8))
	require.Equal(t, 25600*time.Microsecond, engine.BackoffMax(30), "bounded")
	require.Less(t, total, 52*time.Millisecond, "every try of a call together")
}

// TestPipelineLostChange: in batch N, p0's deposit loses to another writer
// (the store reports a conflict and writes the rest) while N+1, decided on
// p0's deposit, is in flight. The deposit is decided again from the store
// and written, N+1 decided again and written: the outcomes, and the log,
// equal a run of N then N+1 one at a time with the same loss.
func TestPipelineLostChange(t *testing.T) {
	n, next := pipelineBatches()
	st, e, waitN := held(t, "d1-p0")
	waitNext := submitNext(t, e)
	close(st.release)
	outsN, err := waitN()
	require.NoError(t, err)
	outsNext, err := waitNext()
	require.NoError(t, err)
	want, wantLog := reference(t, "d1-p0", n, next)
	require.Equal(t, want[0], brief(outsN))
	require.Equal(t, want[1], brief(outsNext))
	require.Equal(t, wantLog, storedLog(t, st))
	require.Equal(t, 3, st.applies(), "N, its lost change again, N+1 as decided again")
	require.Equal(t, 1, engine.Redecided(e), "N+1 was decided again")
	require.Contains(t, want[1], "every_three_bets p0 issued 3.00 EUR")
}

// TestPipelineSeenInFlight: the ids of a batch in flight count as seen
// by the checks of the next call, though the store does not have them
// yet: the same events again are duplicates, and an id with other
// content is refused, nothing of its call submitted.
func TestPipelineSeenInFlight(t *testing.T) {
	ctx := context.Background()
	n, _ := pipelineBatches()
	st, e, waitN := held(t, "d1-p0") // the gate only holds N: its loss is not the point here
	dups := e.Duplicates()
	waitAgain, err := e.Submit(ctx, n)
	require.NoError(t, err)
	require.Equal(t, dups+int64(len(n)), e.Duplicates(), "every event of N again is a duplicate")
	other := deposit("d1-p1", "p1", t0.Add(time.Minute), "51", "card")
	_, err = e.Submit(ctx, []engine.Event{other})
	var ee *engine.EventError
	require.ErrorAs(t, err, &ee)
	require.Equal(t, "id", ee.Field)
	close(st.release)
	_, err = waitN()
	require.NoError(t, err)
	again, err := waitAgain()
	require.NoError(t, err)
	require.Empty(t, again)
	_, wantLog := reference(t, "d1-p0", n)
	require.Equal(t, wantLog, storedLog(t, st), "N once, nothing of the calls after it")
}

// waitPlaces waits until every batch's writer has given its place back:
// none is left running or blocked.
func waitPlaces(t *testing.T, e *engine.Engine) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for engine.Places(e) > 0 {
		require.True(t, time.Now().Before(deadline), "a batch's writer kept its place")
		time.Sleep(time.Millisecond)
	}
}

// TestPipelineAbortedNeverWaited: N+1 is aborted by N's failure and its
// caller never calls its wait. Nothing is left behind: N+1's writer ends
// and gives its place back, the gate opens once N's caller is told, and
// the events of N+1 handled again are decided from the stored state.
func TestPipelineAbortedNeverWaited(t *testing.T) {
	ctx := context.Background()
	_, next := pipelineBatches()
	st, e, waitN := held(t, "")
	waitNext := submitNext(t, e) // never called before the end
	close(st.release)
	_, err := waitN()
	require.ErrorIs(t, err, errInjected)
	waitPlaces(t, e)
	require.Equal(t, 0, engine.Unfinished(e))

	got := brief(handle(t, e, next...))
	want, wantLog := reference(t, "", next)
	require.Equal(t, want[0], got)
	require.Equal(t, wantLog, storedLog(t, st))
	waitPlaces(t, e)
	outs, err := waitNext()
	require.ErrorIs(t, err, engine.ErrAborted, "what N+1's caller was given")
	require.Empty(t, outs)
	wait, err := e.Submit(ctx, next)
	require.NoError(t, err, "a late wait of an aborted call shuts no gate")
	again, err := wait()
	require.NoError(t, err)
	require.Empty(t, again, "N+1's events are duplicates now")
}

// panicStore panics in its first Apply, once the second check of events
// (Seen) has begun: while the engine, holding its lock, checks and
// decides the next batch.
type panicStore struct {
	store.Store
	mu       sync.Mutex
	seen     int
	applies  int
	entered  chan struct{}
	release  chan struct{}
	panicked chan struct{}
}

const injectedPanic = "injected: a bug of the store's"

func (s *panicStore) Seen(ctx context.Context, evs []store.Event) ([]store.SeenStatus, error) {
	s.mu.Lock()
	s.seen++
	second := s.seen == 2
	s.mu.Unlock()
	if second {
		close(s.release)
		<-s.panicked
	}
	return s.Store.Seen(ctx, evs)
}

func (s *panicStore) Apply(ctx context.Context, changes []store.Change) ([]store.Applied, error) {
	s.mu.Lock()
	s.applies++
	first := s.applies == 1
	s.mu.Unlock()
	if !first {
		return s.Store.Apply(ctx, changes)
	}
	close(s.entered)
	<-s.release
	defer close(s.panicked) // as the panic unwinds, before the engine recovers it
	panic(injectedPanic)
}

// TestPipelinePanicWhileDeciding: the store's Apply of batch N panics
// while N+1 is checked and decided. N's wait raises the panic again in its
// caller's goroutine; N+1 is written nothing of (ErrAborted); handled
// again, N+1 is decided from the stored state, as if N had never been.
func TestPipelinePanicWhileDeciding(t *testing.T) {
	ctx := context.Background()
	n, next := pipelineBatches()
	st := &panicStore{Store: openStore(t), entered: make(chan struct{}), release: make(chan struct{}), panicked: make(chan struct{})}
	e := engineFor(t, "basic", st, engine.Options{})
	waitN, err := e.Submit(ctx, n)
	require.NoError(t, err)
	<-st.entered
	waitNext, err := e.Submit(ctx, next)
	require.NoError(t, err)
	outs, err := waitNext()
	require.ErrorIs(t, err, engine.ErrAborted)
	require.ErrorContains(t, err, injectedPanic, "the cause is named")
	require.Empty(t, outs)
	require.PanicsWithValue(t, injectedPanic, func() { _, _ = waitN() })
	waitPlaces(t, e)

	got := brief(handle(t, e, next...))
	want, wantLog := reference(t, "", next)
	require.Equal(t, want[0], got)
	require.Equal(t, wantLog, storedLog(t, st))
}

// TestPipelineSliceGrantFails: with budget slices on, the grant of a
// slice fails (a database error in its own transaction) for the second
// batch of a call of three (the third in flight or waiting for a place).
// The first batch stays written, Handle returns its outcomes and the
// grant's error, the third is written nothing of; handled again, the call
// gives what a run without the failure gives, and the log is the same.
func TestPipelineSliceGrantFails(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "promoc.db")
	st, err := sqlite.Open(ctx, path)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	require.NoError(t, st.UseSlices(store.SliceOptions{Holder: "h", TTL: time.Minute, Parts: 10}))
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	// A grant grows the account's sliced; the first (no slice yet) passes.
	_, err = db.ExecContext(ctx, `CREATE TABLE inject_grant_fails (x);
		INSERT INTO inject_grant_fails VALUES (1);
		CREATE TRIGGER inject_grant BEFORE UPDATE OF sliced ON budget_accounts
		WHEN NEW.sliced > OLD.sliced AND EXISTS (SELECT 1 FROM budget_slices) AND EXISTS (SELECT 1 FROM inject_grant_fails)
		BEGIN SELECT RAISE(ABORT, 'injected: the grant fails'); END`)
	require.NoError(t, err)

	call := []engine.Event{
		eur("p0", t0), deposit("d1-p0", "p0", t0.Add(time.Minute), "50", "card"),
		eur("p1", t0), deposit("d1-p1", "p1", t0.Add(time.Minute), "50", "card"),
		eur("p2", t0), deposit("d1-p2", "p2", t0.Add(time.Minute), "50", "card"),
	}
	e := engineFor(t, "basic", st, engine.Options{BatchSize: 2})
	first, err := e.Handle(ctx, call)
	require.ErrorContains(t, err, "injected: the grant fails")
	require.NotErrorIs(t, err, engine.ErrAborted, "the failed batch's own error")
	want, _ := reference(t, "", call[:2])
	require.Equal(t, want[0], brief(first), "the first batch is written")
	require.Equal(t, want[0], storedLog(t, st), "nothing of the second and third")
	waitPlaces(t, e)

	_, err = db.ExecContext(ctx, `DELETE FROM inject_grant_fails`)
	require.NoError(t, err)
	rest := brief(handle(t, e, call...))
	want, wantLog := reference(t, "", call)
	require.Equal(t, want[0], append(brief(first), rest...))
	require.Equal(t, wantLog, storedLog(t, st))
	require.Contains(t, rest, "first_deposit_bonus p2 skipped/budget-exhausted 10.00 EUR", "the budget's end, with slices as without")
}
