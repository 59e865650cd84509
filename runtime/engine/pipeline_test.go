package engine_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
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

// storedLog is the store's outcome log as brief writes it.
func storedLog(t *testing.T, st store.Store) []string {
	t.Helper()
	sos, err := st.Outcomes(context.Background(), 0, 1000)
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
	for engine.Unfinished(e) < 2 {
		time.Sleep(time.Millisecond)
	}
	close(st.release)
	_, err := waitN()
	require.ErrorIs(t, err, errInjected)
	r := <-done
	require.NoError(t, r.err)
	want, wantLog := reference(t, "", next)
	require.Equal(t, want[0], brief(r.outs))
	require.Equal(t, wantLog, storedLog(t, st))
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
