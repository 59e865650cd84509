package engine_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/engine"
)

// The triggers of spec/spec.md section 16 on testdata/triggers: on, on
// first, every N (with its anchors) and inactivity.

func TestTriggerOn(t *testing.T) {
	runScenarios(t, "triggers", []scenario{{
		name:  "where",
		rules: []string{"big_deposit"},
		steps: []step{
			{name: "below", handle: []engine.Event{eur("p", t0), deposit("d1", "p", t0.Add(time.Minute), "99.99", "card")}},
			{name: "at", handle: []engine.Event{deposit("d2", "p", t0.Add(2*time.Minute), "100", "bank")},
				want: []string{"big_deposit p issued 5.00 EUR"}},
			{name: "each one", handle: []engine.Event{
				deposit("d3", "p", t0.Add(3*time.Minute), "500", "card"),
				deposit("d4", "p", t0.Add(4*time.Minute), "1", "card"),
				deposit("d5", "p", t0.Add(5*time.Minute), "150", "card"),
			}, want: []string{"big_deposit p issued 5.00 EUR", "big_deposit p issued 5.00 EUR"}},
			{name: "other kinds", handle: []engine.Event{bet("b1", "p", t0.Add(6*time.Minute), "1000", "slots")}},
		},
	}})
}

func TestTriggerFirst(t *testing.T) {
	runScenarios(t, "triggers", []scenario{{
		name:  "the first, once",
		rules: []string{"first_card_deposit"},
		steps: []step{
			{name: "first", handle: []engine.Event{eur("p", t0), deposit("d1", "p", t0.Add(time.Minute), "10", "card")},
				want: []string{"first_card_deposit p issued 5.00 EUR"}},
			{name: "second", handle: []engine.Event{deposit("d2", "p", t0.Add(2*time.Minute), "10", "card")}},
		},
	}, {
		name:  "where false on the first means never",
		rules: []string{"first_card_deposit"},
		steps: []step{
			{name: "first by bank", handle: []engine.Event{eur("p", t0), deposit("d1", "p", t0.Add(time.Minute), "10", "bank")}},
			{name: "then by card", handle: []engine.Event{deposit("d2", "p", t0.Add(2*time.Minute), "10", "card")}},
			{name: "and again", handle: []engine.Event{deposit("d3", "p", t0.Add(3*time.Minute), "10", "card")}},
		},
	}, {
		name:  "other kinds first do not count",
		rules: []string{"first_card_deposit"},
		steps: []step{
			{name: "bets and logins", handle: []engine.Event{eur("p", t0), login("l1", "p", t0), bet("b1", "p", t0.Add(time.Minute), "5", "slots")}},
			{name: "first deposit", handle: []engine.Event{deposit("d1", "p", t0.Add(2*time.Minute), "10", "card")},
				want: []string{"first_card_deposit p issued 5.00 EUR"}},
		},
	}, {
		name:  "per player",
		rules: []string{"first_card_deposit"},
		steps: []step{
			{name: "two players, one call", handle: []engine.Event{
				eur("a", t0), eur("b", t0),
				deposit("d1", "a", t0, "10", "card"),
				deposit("d1", "b", t0, "10", "card"),
				deposit("d2", "a", t0.Add(time.Minute), "10", "card"),
			}, want: []string{"first_card_deposit a issued 5.00 EUR", "first_card_deposit b issued 5.00 EUR"}},
		},
	}})
}

func TestTriggerEvery(t *testing.T) {
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	runScenarios(t, "triggers", []scenario{{
		name:  "batches and their anchors",
		rules: []string{"every_three_slots"},
		steps: []step{
			// Poker bets do not count, and slots bets before the batch's
			// first or after its last are outside its window.
			{name: "first batch", handle: []engine.Event{
				eur("p", t0),
				bet("b0", "p", at(1), "1000", "poker"),
				bet("b1", "p", at(2), "1", "slots"),
				bet("b2", "p", at(3), "2", "slots"),
				bet("bx", "p", at(4), "500", "poker"),
				bet("b3", "p", at(5), "3", "slots"),
			}, want: []string{"every_three_slots p issued 0.60 EUR"}},
			{name: "leftovers wait", handle: []engine.Event{
				bet("b4", "p", at(6), "40", "slots"),
				bet("b5", "p", at(7), "50", "slots"),
			}},
			{name: "the second batch", handle: []engine.Event{bet("b6", "p", at(8), "60", "slots")},
				want: []string{"every_three_slots p issued 15.00 EUR"}},
			{name: "two batches in one call", handle: []engine.Event{
				bet("b7", "p", at(9), "100", "slots"),
				bet("b8", "p", at(10), "100", "slots"),
				bet("b9", "p", at(11), "100", "slots"),
				bet("b10", "p", at(12), "200", "slots"),
				bet("b11", "p", at(13), "200", "slots"),
				bet("b12", "p", at(14), "200", "slots"),
				bet("b13", "p", at(15), "7", "slots"),
			}, want: []string{"every_three_slots p issued 30.00 EUR", "every_three_slots p issued 60.00 EUR"}},
			{name: "the leftover counts after a call", handle: []engine.Event{
				bet("b14", "p", at(16), "7", "slots"),
				bet("b15", "p", at(17), "7", "slots"),
			}, want: []string{"every_three_slots p issued 2.10 EUR"}},
		},
	}, {
		name:  "per player",
		rules: []string{"every_three_slots"},
		steps: []step{{name: "interleaved", handle: []engine.Event{
			eur("a", t0), eur("b", t0),
			bet("1", "a", at(1), "1", "slots"), bet("1", "b", at(1), "10", "slots"),
			bet("2", "a", at(2), "1", "slots"), bet("2", "b", at(2), "10", "slots"),
			bet("3", "a", at(3), "1", "slots"),
			bet("3", "b", at(3), "10", "slots"),
		}, want: []string{"every_three_slots a issued 0.30 EUR", "every_three_slots b issued 3.00 EUR"}}},
	}})
}

// Events at the same time are taken in the order received: a batch's
// window does not read the events of the batch before it, nor events
// received before its first, that share its first event's time.
func TestTriggerEverySameTime(t *testing.T) {
	runScenarios(t, "triggers", []scenario{{
		name:  "one second, two batches",
		rules: []string{"every_three_slots"},
		steps: []step{{name: "six bets at once", handle: []engine.Event{
			eur("p", t0),
			bet("b1", "p", t0, "1", "slots"),
			bet("b2", "p", t0, "2", "slots"),
			bet("b3", "p", t0, "3", "slots"),
			bet("b4", "p", t0, "40", "slots"),
			bet("b5", "p", t0, "50", "slots"),
			bet("b6", "p", t0, "60", "slots"),
		}, want: []string{"every_three_slots p issued 0.60 EUR", "every_three_slots p issued 15.00 EUR"}}},
	}, {
		name:  "across calls, and a restart of the history",
		rules: []string{"every_three_slots"},
		steps: []step{
			{name: "a batch ends", handle: []engine.Event{
				eur("p", t0),
				bet("b1", "p", t0.Add(-time.Minute), "1", "slots"),
				bet("b2", "p", t0, "2", "slots"),
				bet("b3", "p", t0, "3", "slots"),
			}, want: []string{"every_three_slots p issued 0.60 EUR"}},
			{name: "the next starts at the same time", handle: []engine.Event{
				bet("b4", "p", t0, "40", "slots"),
				bet("b5", "p", t0.Add(time.Minute), "50", "slots"),
				bet("b6", "p", t0.Add(time.Minute), "60", "slots"),
			}, want: []string{"every_three_slots p issued 15.00 EUR"}},
		},
	}, {
		name:  "a window that is not the batch's reads them all",
		rules: []string{"every_two_week_bets"},
		steps: []step{{name: "four bets at once", handle: []engine.Event{
			eur("p", t0),
			bet("b1", "p", t0, "1", "week"),
			bet("b2", "p", t0, "2", "week"),
			bet("b3", "p", t0, "3", "week"),
			bet("b4", "p", t0, "4", "week"),
		}, want: []string{"every_two_week_bets p issued 0.30 EUR", "every_two_week_bets p issued 1.00 EUR"}}},
	}})
}

// Events may come late, within the lateness bound: a batch's window spans
// its earliest and latest events, whatever the order they came in.
func TestTriggerEveryLateEvents(t *testing.T) {
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	runScenarios(t, "triggers", []scenario{{
		name:  "the last one late",
		rules: []string{"every_three_slots"},
		steps: []step{{name: "three", handle: []engine.Event{
			eur("p", t0),
			bet("b1", "p", at(10), "1", "slots"),
			bet("b2", "p", at(20), "2", "slots"),
			bet("b3", "p", at(5), "3", "slots"),
		}, want: []string{"every_three_slots p issued 0.60 EUR"}}},
	}, {
		name:  "one in the middle late",
		rules: []string{"every_three_slots"},
		steps: []step{{name: "three", handle: []engine.Event{
			eur("p", t0),
			bet("b1", "p", at(10), "1", "slots"),
			bet("b2", "p", at(5), "2", "slots"),
			bet("b3", "p", at(20), "3", "slots"),
		}, want: []string{"every_three_slots p issued 0.60 EUR"}}},
	}})
}

// The leftovers of a batch are in the store: a new engine (a restart)
// carries on the count.
func TestTriggerEveryAcrossRestart(t *testing.T) {
	st := openStore(t)
	e := engineFor(t, "triggers", st, engine.Options{})
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	handle(t, e, eur("p", t0), bet("b1", "p", at(1), "1", "slots"), bet("b2", "p", at(2), "2", "slots"))
	e = engineFor(t, "triggers", st, engine.Options{})
	outs := handle(t, e, bet("b3", "p", at(3), "3", "slots"))
	if got := brief(only(outs, []string{"every_three_slots"})); len(got) != 1 || got[0] != "every_three_slots p issued 0.60 EUR" {
		t.Fatalf("after a restart: %v", got)
	}
}

func TestTriggerInactive(t *testing.T) {
	ns := time.Nanosecond
	runScenarios(t, "triggers", []scenario{{
		name:  "more than N days, once per inactivity",
		rules: []string{"idle_week"},
		steps: []step{
			{name: "activity", handle: []engine.Event{eur("p", t0), login("l1", "p", t0)}},
			{name: "exactly 7 days", advance: t0.Add(7 * day)},
			{name: "7 days and 1 ns", advance: t0.Add(7*day + ns), want: []string{"idle_week p issued 1pts"}},
			{name: "once", advance: t0.Add(30 * day)},
			{name: "active again", handle: []engine.Event{deposit("d1", "p", t0.Add(40*day), "5", "card")}},
			{name: "not yet", advance: t0.Add(47 * day)},
			{name: "a new inactivity", advance: t0.Add(47*day + ns), want: []string{"idle_week p issued 1pts"}},
		},
	}, {
		name:  "a new event restarts it",
		rules: []string{"idle_week"},
		steps: []step{
			{name: "activity", handle: []engine.Event{eur("p", t0), login("l1", "p", t0), bet("b1", "p", t0.Add(2*day), "1", "slots")}},
			{name: "7 days after the first", advance: t0.Add(7*day + ns)},
			{name: "9 days after the first", advance: t0.Add(9 * day)},
			{name: "7 days after the last", advance: t0.Add(9*day + ns), want: []string{"idle_week p issued 1pts"}},
		},
	}, {
		name:  "a player event is not activity",
		rules: []string{"idle_week"},
		steps: []step{
			{name: "activity", handle: []engine.Event{eur("p", t0), login("l1", "p", t0)}},
			{name: "properties change", handle: []engine.Event{playerEv("u1", "p", t0.Add(3*day), "EUR", "Europe/Malta", nil)}},
			{name: "inactive", advance: t0.Add(7*day + ns), want: []string{"idle_week p issued 1pts"}},
		},
	}, {
		name:  "since KIND ignores other kinds",
		rules: []string{"no_login"},
		steps: []step{
			{name: "login, then deposits", handle: []engine.Event{
				eur("p", t0), login("l1", "p", t0),
				deposit("d1", "p", t0.Add(day), "5", "card"),
				deposit("d2", "p", t0.Add(2*day), "5", "card"),
			}},
			{name: "exactly 3 days", advance: t0.Add(3 * day)},
			{name: "3 days after the login", advance: t0.Add(3*day + ns), want: []string{"no_login p issued 1pts"}},
		},
	}, {
		name:  "since KIND needs one event of the kind",
		rules: []string{"no_login"},
		steps: []step{
			{name: "deposits only", handle: []engine.Event{eur("p", t0), deposit("d1", "p", t0, "5", "card")}},
			{name: "never", advance: t0.Add(30 * day)},
		},
	}, {
		name:  "each player's own",
		rules: []string{"no_login"},
		steps: []step{
			{name: "two players", handle: []engine.Event{eur("a", t0), eur("b", t0), login("l1", "a", t0), login("l1", "b", t0.Add(day))}},
			{name: "a only", advance: t0.Add(3*day + ns), want: []string{"no_login a issued 1pts"}},
			{name: "b", advance: t0.Add(4*day + ns), want: []string{"no_login b issued 1pts"}},
		},
	}})
}

// A reward triggered by an event reads it, in a window ending at now: the
// evaluation's now is the instant just after the event.
func TestTriggerEventInWindow(t *testing.T) {
	runScenarios(t, "triggers", []scenario{{
		name:  "last 1 day",
		rules: []string{"daily_match"},
		steps: []step{
			{name: "the event itself", handle: []engine.Event{eur("p", t0), deposit("d1", "p", t0, "100", "match")},
				want: []string{"daily_match p issued 10.00 EUR"}},
			{name: "with the one before", handle: []engine.Event{deposit("d2", "p", t0.Add(day-time.Nanosecond), "50", "match")},
				want: []string{"daily_match p issued 15.00 EUR"}},
			{name: "exactly a day later: the first is out", handle: []engine.Event{deposit("d3", "p", t0.Add(day), "20", "match")},
				want: []string{"daily_match p issued 7.00 EUR"}},
		},
	}})
}

// After downtime, an inactivity fires once, as of its instant (more than
// the duration after the latest event), on a restarted engine too.
func TestTriggerInactiveAfterDowntime(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	handle(t, engineFor(t, "triggers", st, engine.Options{}), eur("p", t0), login("l1", "p", t0))
	e := engineFor(t, "triggers", st, engine.Options{})
	outs, err := e.Advance(ctx, t0.Add(100*day))
	require.NoError(t, err)
	got := only(outs, []string{"idle_week", "no_login"})
	require.Len(t, got, 2)
	assert.Equal(t, "no_login p issued 1pts", brief(got[:1])[0])
	assert.Equal(t, t0.Add(3*day+time.Nanosecond), got[0].At)
	assert.Equal(t, t0.Add(7*day+time.Nanosecond), got[1].At)
	assert.Equal(t, "inactive", got[1].Trigger.Type)
	outs, err = e.Advance(ctx, t0.Add(200*day))
	require.NoError(t, err)
	assert.Empty(t, only(outs, []string{"idle_week", "no_login"}))
}

// A window from the qualification leaves out the events at the
// qualification's time received before the qualifying event, as the
// batch's window does for every N: a new qualification discards the bets
// counted before it, and they are not paid for by the time they share.
func TestQualificationWindowSameTime(t *testing.T) {
	prog, err := program(`
kind deposit {
	amount: money
}

kind bet {
	amount: money
}

reward since_qualified: amount {
	window between qualification and last transaction

	give sum(bet.amount)
}

automation every_three {
	trigger every 3 bet
	qualification deposit where amount >= 100 EUR

	give since_qualified
}
`)
	require.NoError(t, err)
	at := t0.Add(time.Minute)
	before := []engine.Event{
		eur("p", t0),
		ev("q1", "p", "deposit", t0, "amount", "100"),
		ev("b1", "p", "bet", at, "amount", "1"),
		ev("b2", "p", "bet", at, "amount", "2"),
		ev("q2", "p", "deposit", at, "amount", "100"), // discards b1 and b2
	}
	after := []engine.Event{
		ev("b3", "p", "bet", at, "amount", "4"),
		ev("b4", "p", "bet", at, "amount", "8"),
		ev("b5", "p", "bet", at, "amount", "16"),
	}
	want := []string{"every_three p issued 28.00 EUR"}
	sameTime(t, prog, before, after, want, "the qualification", func(o engine.Outcome) int { return o.Trigger.QualSkip }, 2)
}

// since entrance leaves out the events at the entrance's time received
// before the entering event: the player was not in the campaign yet, and
// they gave no outcome.
func TestEntranceWindowSameTime(t *testing.T) {
	prog, err := program(`
kind deposit {
	amount: money
}

kind login {}

reward since_entered: amount {
	window since entrance

	give sum(deposit.amount)
}

campaign entered {
	entrance on login
	trigger on deposit

	give since_entered
}
`)
	require.NoError(t, err)
	before := []engine.Event{
		eur("p", t0),
		ev("d1", "p", "deposit", t0, "amount", "100"),
		ev("l1", "p", "login", t0),
	}
	after := ev("d2", "p", "deposit", t0, "amount", "5")
	want := []string{"entered p issued 5.00 EUR"}
	sameTime(t, prog, before, []engine.Event{after}, want, "the entrance", func(o engine.Outcome) int { return o.Trigger.EnterSkip }, 1)
}

// sameTime handles before then after, in one call and in two engines (what
// before set read back from the store), wanting the outcomes want both
// ways, the one outcome's skip count skip(o) == skipped in one call.
func sameTime(t *testing.T, prog *runtime.Program, before, after []engine.Event, want []string, what string, skip func(engine.Outcome) int, skipped int) {
	t.Helper()
	ctx := context.Background()
	t.Run("one call", func(t *testing.T) {
		e, err := engine.New(ctx, prog, openStore(t), engine.Options{})
		require.NoError(t, err)
		outs := handle(t, e, append(slices.Clone(before), after...)...)
		assert.Equal(t, want, brief(outs))
		require.Len(t, outs, 1)
		assert.Equal(t, skipped, skip(outs[0]))
	})
	t.Run(what+" read from the store", func(t *testing.T) {
		st := openStore(t)
		e, err := engine.New(ctx, prog, st, engine.Options{})
		require.NoError(t, err)
		assert.Empty(t, handle(t, e, before...))
		e2, err := engine.New(ctx, prog, st, engine.Options{})
		require.NoError(t, err)
		assert.Equal(t, want, brief(handle(t, e2, after...)))
	})
}
