package engine_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// The harness of the semantic tests: a scenario is steps over one engine
// and store; each step handles events or advances the clock, and compares
// the outcomes (as brief writes them) of the scenario's rules.

const day = 24 * time.Hour

type step struct {
	name    string
	op      func(ctx context.Context, st store.Store) error // first, when set: an operator's action
	handle  []engine.Event
	advance time.Time // when set, Advance to it (after handling)
	want    []string  // brief of the outcomes of the scenario's rules
}

type scenario struct {
	name   string
	rules  []string                    // the rules whose outcomes are compared; nil: all
	format func(engine.Outcome) string // how outcomes are compared; nil: as brief writes them
	steps  []step
	check  func(t *testing.T, st store.Store) // at the end, when set
}

// engineFor makes an engine for the rule set in testdata/dir.
func engineFor(t testing.TB, dir string, st store.Store, opts engine.Options) *engine.Engine {
	t.Helper()
	e, err := engine.New(context.Background(), compile(t, "testdata/"+dir), st, opts)
	require.NoError(t, err)
	return e
}

// only keeps the outcomes of the rules named (all when rules is nil).
func only(outs []engine.Outcome, rules []string) []engine.Outcome {
	if rules == nil {
		return outs
	}
	var keep []engine.Outcome
	for _, o := range outs {
		if slices.Contains(rules, o.Rule) {
			keep = append(keep, o)
		}
	}
	return keep
}

// runScenarios runs each scenario on a fresh store and engine for the rule
// set in testdata/dir: with the default options, with batches of two
// events and a cache of two players, one batch in flight at a time (no
// pipelining), pipelined (each event its own Submit, three batches in
// flight, a cache of two players), and on PostgreSQL (when
// PROMOC_TEST_POSTGRES names a server), which must all give the same
// outcomes.
func runScenarios(t *testing.T, dir string, scenarios []scenario) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) { runScenario(t, dir, sc, engine.Options{}, openStore) })
		t.Run(sc.name+"/small", func(t *testing.T) {
			runScenario(t, dir, sc, engine.Options{BatchSize: 2, CachePlayers: 2}, openStore)
		})
		t.Run(sc.name+"/sequential", func(t *testing.T) {
			runScenario(t, dir, sc, engine.Options{InFlight: 1}, openStore)
		})
		t.Run(sc.name+"/pipelined", func(t *testing.T) {
			runScenario(t, dir, sc, engine.Options{InFlight: 3, CachePlayers: 2, BatchSize: 2}, openStore)
		})
		t.Run(sc.name+"/postgres", func(t *testing.T) {
			runScenario(t, dir, sc, engine.Options{}, func(t testing.TB) store.Store {
				return postgresBackend.openAt(t, postgresBackend.fresh(t))
			})
		})
	}
}

// runScenario runs one scenario with the options given, on a store open
// makes.
func runScenario(t *testing.T, dir string, sc scenario, opts engine.Options, open func(testing.TB) store.Store) {
	ctx := context.Background()
	st := open(t)
	e := engineFor(t, dir, st, opts)
	for i, s := range sc.steps {
		if s.op != nil {
			require.NoError(t, s.op(ctx, st), "step %d %s", i, s.name)
		}
		var got []engine.Outcome
		if len(s.handle) > 0 && opts.InFlight > 2 {
			// Each event a call of its own, submitted before the calls
			// before it are written: each decided on what those write.
			var waits []func() ([]engine.Outcome, error)
			for _, ev := range s.handle {
				wait, err := e.Submit(ctx, []engine.Event{ev})
				require.NoError(t, err, "step %d %s", i, s.name)
				waits = append(waits, wait)
			}
			for _, wait := range waits {
				outs, err := wait()
				require.NoError(t, err, "step %d %s", i, s.name)
				got = append(got, outs...)
			}
		} else if len(s.handle) > 0 {
			outs, err := e.Handle(ctx, s.handle)
			require.NoError(t, err, "step %d %s", i, s.name)
			got = append(got, outs...)
		}
		if !s.advance.IsZero() {
			outs, err := e.Advance(ctx, s.advance)
			require.NoError(t, err, "step %d %s", i, s.name)
			got = append(got, outs...)
		}
		got = only(got, sc.rules)
		var have []string
		if sc.format == nil {
			have = brief(got)
		} else {
			for _, o := range got {
				have = append(have, sc.format(o))
			}
		}
		require.Equal(t, s.want, have, "step %d %s", i, s.name)
	}
	if sc.check != nil {
		sc.check(t, st)
	}
}

func deposit(id, player string, at time.Time, amount, method string) engine.Event {
	return ev(id, player, "deposit", at, "amount", amount, "method", method)
}

func bet(id, player string, at time.Time, amount, game string) engine.Event {
	return ev(id, player, "bet", at, "amount", amount, "game", game)
}

func login(id, player string, at time.Time) engine.Event {
	return ev(id, player, "login", at)
}

// usd registers a player whose wallet is in USD.
func usd(player string, at time.Time) engine.Event {
	return playerEv("reg-"+player, player, at, "USD", "", nil)
}

// eur registers a player whose wallet is in EUR.
func eur(player string, at time.Time) engine.Event {
	return playerEv("reg-"+player, player, at, "EUR", "", nil)
}
