package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// ruleSet compiles a rule set written in the test.
func ruleSet(t *testing.T, src string, st store.Store, opts engine.Options) *engine.Engine {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rules.promo"), []byte(src), 0o644))
	e, err := engine.New(context.Background(), compile(t, dir), st, opts)
	require.NoError(t, err)
	return e
}

const inactiveBase = `kind login {}

reward one: points {
	give 1
}

automation hello {
	trigger on first login
	give one
}
`

// An inactivity rule that appears in a running rule set is put into
// service at the first Advance after it, as a schedule is: it fires for the
// players already known whose inactivity passes its length after that
// instant (no event of theirs needs to come first), and not for the
// inactivity that passed it before (it does not fire for its past).
// On SQLite, with pages of one player, and on PostgreSQL when
// PROMOC_TEST_POSTGRES names a server.
func TestTriggerInactiveNewRule(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { inactiveNewRule(t, openStore(t), engine.Options{}) })
	t.Run("pages of one", func(t *testing.T) { inactiveNewRule(t, openStore(t), engine.Options{PageSize: 1}) })
	t.Run("postgres", func(t *testing.T) {
		inactiveNewRule(t, postgresBackend.openAt(t, postgresBackend.fresh(t)), engine.Options{})
	})
}

func inactiveNewRule(t *testing.T, st store.Store, opts engine.Options) {
	ctx := context.Background()
	ns := time.Nanosecond
	v1 := ruleSet(t, inactiveBase, st, opts)
	handle(t, v1,
		eur("a", t0), login("la", "a", t0.Add(5*day)), // due at 12 days + 1 ns
		eur("b", t0), login("lb", "b", t0), // due at 7 days + 1 ns, before the rule
		eur("c", t0), // no activity
	)
	v2 := ruleSet(t, inactiveBase+`
automation back {
	trigger inactive 7 days
	give one
}
`, st, opts)
	outs, err := v2.Advance(ctx, t0.Add(8*day))
	require.NoError(t, err)
	assert.Empty(t, only(outs, []string{"back"}), "put into service: nothing for its past")
	outs, err = v2.Advance(ctx, t0.Add(12*day))
	require.NoError(t, err)
	assert.Empty(t, only(outs, []string{"back"}), "exactly 7 days")
	outs, err = v2.Advance(ctx, t0.Add(12*day+ns))
	require.NoError(t, err)
	got := only(outs, []string{"back"})
	assert.Equal(t, []string{"back a issued 1pts"}, brief(got))
	if len(got) == 1 {
		assert.Equal(t, t0.Add(12*day+ns), got[0].At)
	}
	outs, err = v2.Advance(ctx, t0.Add(60*day))
	require.NoError(t, err)
	assert.Empty(t, only(outs, []string{"back"}), "once per inactivity")
}

// A rule whose length changes is put into service again: the players it
// waits for get the new length's timer, or, when that has passed already,
// fire at the change, as of the instant it passed (as after downtime); the
// players it fired for stay fired.
func TestTriggerInactiveLengthChanged(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { inactiveLengthChanged(t, openStore(t), engine.Options{}) })
	t.Run("postgres", func(t *testing.T) {
		inactiveLengthChanged(t, postgresBackend.openAt(t, postgresBackend.fresh(t)), engine.Options{})
	})
}

func inactiveLengthChanged(t *testing.T, st store.Store, opts engine.Options) {
	ctx := context.Background()
	ns := time.Nanosecond
	rules := func(days string) string {
		return inactiveBase + "\nautomation back {\n\ttrigger inactive " + days + " days\n\tgive one\n}\n"
	}
	v1 := ruleSet(t, rules("14"), st, opts)
	handle(t, v1,
		eur("a", t0), login("la", "a", t0), // 14 days: t0+14d; 7 days: t0+7d
		eur("b", t0), login("lb", "b", t0.Add(-9*day)), // t0+5d; t0-2d, before the change
		eur("c", t0), login("lc", "c", t0.Add(-20*day)), // t0-6d: fired at t0
	)
	outs, err := v1.Advance(ctx, t0)
	require.NoError(t, err)
	require.Equal(t, []string{"back c issued 1pts"}, brief(only(outs, []string{"back"})))

	v2 := ruleSet(t, rules("7"), st, opts)
	outs, err = v2.Advance(ctx, t0.Add(day))
	require.NoError(t, err)
	got := only(outs, []string{"back"})
	assert.Equal(t, []string{"back b issued 1pts"}, brief(got), "b, past the new length, at the change")
	if len(got) == 1 {
		assert.Equal(t, t0.Add(-2*day+ns), got[0].At)
	}
	outs, err = v2.Advance(ctx, t0.Add(7*day))
	require.NoError(t, err)
	assert.Empty(t, only(outs, []string{"back"}), "exactly 7 days")
	outs, err = v2.Advance(ctx, t0.Add(7*day+ns))
	require.NoError(t, err)
	assert.Equal(t, []string{"back a issued 1pts"}, brief(only(outs, []string{"back"})))
	outs, err = v2.Advance(ctx, t0.Add(60*day))
	require.NoError(t, err)
	assert.Empty(t, only(outs, []string{"back"}), "once per inactivity")
}
