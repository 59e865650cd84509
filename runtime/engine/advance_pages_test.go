package engine_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// The pages of a scheduled run are pipelined (advance.go, run): a page is
// decided while the page before it is written. The budget of
// testdata/schedulepages runs out in the second page of 500 players; a
// run must give what one page at a time gives, also when a page fails or
// loses a change.

const pagePlayers = 1200

// pagesRun registers the players, puts the schedule into service and
// advances the clock a day, on st; it returns the engine and the
// outcomes of the day's run, or its error.
func pagesRun(t *testing.T, st store.Store) (*engine.Engine, []engine.Outcome, error) {
	t.Helper()
	ctx := context.Background()
	e := engineFor(t, "schedulepages", st, engine.Options{PageSize: 500})
	var reg []engine.Event
	for i := range pagePlayers {
		reg = append(reg, eur(fmt.Sprintf("p%04d", i), t0))
	}
	handle(t, e, reg...)
	_, err := e.Advance(ctx, t0)
	require.NoError(t, err)
	outs, err := e.Advance(ctx, t0.Add(24*time.Hour))
	return e, outs, err
}

// pagesWant is the day's run one player at a time, in the order of their
// ids: 700 rewards of 1 EUR, then the budget's end.
func pagesWant() []string {
	var want []string
	for i := range pagePlayers {
		s := fmt.Sprintf("daily_euro p%04d issued 1.00 EUR", i)
		switch {
		case i == 700:
			s = fmt.Sprintf("daily_euro p%04d skipped/budget-exhausted 1.00 EUR", i)
		case i > 700:
			s = fmt.Sprintf("daily_euro p%04d skipped/campaign-suspended 1.00 EUR", i)
		}
		want = append(want, s)
	}
	return want
}

// pageStore injects a failure (or another writer's work) into the first Apply of a page of a
// scheduled run (a transaction of more than one change and no event): an
// error, or the change of player lose reported lost to another writer
// (the others written).
type pageStore struct {
	store.Store
	lose string // "": the whole transaction fails
	// before, when set, runs instead: another writer's work before the
	// page's transaction, which is then written.
	before func(st store.Store)

	mu   sync.Mutex
	done bool
}

func (s *pageStore) Apply(ctx context.Context, changes []store.Change) ([]store.Applied, error) {
	s.mu.Lock()
	inject := !s.done && len(changes) > 1 && changes[0].Event == nil
	s.done = s.done || inject
	s.mu.Unlock()
	if !inject {
		return s.Store.Apply(ctx, changes)
	}
	if s.before != nil {
		s.before(s.Store)
		return s.Store.Apply(ctx, changes)
	}
	if s.lose == "" {
		return nil, errInjected
	}
	k := slices.IndexFunc(changes, func(c store.Change) bool { return len(c.States) > 0 && c.States[0].Player == s.lose })
	if k < 0 {
		return nil, fmt.Errorf("pageStore: no change of player %q", s.lose)
	}
	applied, err := s.Store.Apply(ctx, slices.Delete(slices.Clone(changes), k, k+1))
	if err != nil {
		return nil, err
	}
	return slices.Insert(applied, k, store.Applied{Err: fmt.Errorf("injected: %w", store.ErrStateConflict)}), nil
}

// TestAdvancePages: a run over three pages gives each player's outcome
// once, in the order of their ids, the budget's end where one page at a
// time puts it.
func TestAdvancePages(t *testing.T) {
	st := openStore(t)
	_, outs, err := pagesRun(t, st)
	require.NoError(t, err)
	require.Equal(t, pagesWant(), brief(outs))
	require.Equal(t, pagesWant(), storedLog(t, st))
}

// TestAdvancePagesFailed: the first page's transaction fails while the
// second is decided on it. Advance returns the error and nothing of the
// run is written; the next Advance runs it whole, as one page at a time.
func TestAdvancePagesFailed(t *testing.T) {
	ctx := context.Background()
	st := &pageStore{Store: openStore(t)}
	e, outs, err := pagesRun(t, st)
	require.ErrorIs(t, err, errInjected)
	require.Empty(t, outs)
	require.Empty(t, storedLog(t, st), "nothing of the run")
	outs, err = e.Advance(ctx, t0.Add(24*time.Hour))
	require.NoError(t, err)
	require.Equal(t, pagesWant(), brief(outs))
	require.Equal(t, pagesWant(), storedLog(t, st))
}

// TestAdvancePagesLost: a change of the first page loses to another
// writer while the second page is decided on the first. The lost change
// is decided again from the store and written after its page; the second
// page, decided ahead, is decided again; every player gets one outcome,
// and the budget's end falls where it does one page at a time.
func TestAdvancePagesLost(t *testing.T) {
	st := &pageStore{Store: openStore(t), lose: "p0003"}
	_, outs, err := pagesRun(t, st)
	require.NoError(t, err)
	want := pagesWant()
	// The change decided again comes after the rest of its page.
	lost := want[3]
	want = slices.Insert(slices.Delete(want, 3, 4), 499, lost)
	require.Equal(t, want, brief(outs))
	require.Equal(t, want, storedLog(t, st))
}

// TestAdvancePagesBudgetCut: another writer lowers the budget to 300 EUR
// just before the first page is written, so the store refuses rewards the
// mirror predicted to fit. The second page, decided ahead on the mirror,
// is decided again on the budget as stored: its refusals count towards no
// rate limit, which the next day's run, on a budget raised again, shows.
func TestAdvancePagesBudgetCut(t *testing.T) {
	ctx := context.Background()
	st := &pageStore{Store: openStore(t), before: func(st store.Store) {
		require.NoError(t, st.SetBudget(ctx, "daily_euro", "EUR", decimal.NewFromInt(300), time.Time{}))
	}}
	e, outs, err := pagesRun(t, st)
	require.NoError(t, err)
	day := func(status func(i int) string) []string {
		var want []string
		for i := range pagePlayers {
			w := fmt.Sprintf("daily_euro p%04d %s", i, status(i))
			if !strings.HasSuffix(w, "rate-limited") { // refused before the reward is evaluated
				w += " 1.00 EUR"
			}
			want = append(want, w)
		}
		return want
	}
	first := day(func(i int) string {
		switch {
		case i < 300:
			return "issued"
		case i == 300:
			return "skipped/budget-exhausted"
		}
		return "skipped/campaign-suspended"
	})
	require.Equal(t, first, brief(outs))

	require.NoError(t, st.SetBudget(ctx, "daily_euro", "EUR", decimal.NewFromInt(10_000), time.Time{}))
	require.NoError(t, st.Resume(ctx, "daily_euro", t0))
	outs, err = e.Advance(ctx, t0.Add(48*time.Hour))
	require.NoError(t, err)
	// The first page was decided before the cut, as one page at a time
	// decides it: its rewards count, those the store refused too.
	second := day(func(i int) string {
		if i < 500 {
			return "skipped/rate-limited"
		}
		return "issued"
	})
	require.Equal(t, second, brief(outs))
	require.Equal(t, append(first, second...), storedLog(t, st))
}
