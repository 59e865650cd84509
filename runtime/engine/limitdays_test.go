package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/engine"
)

// A limit in days counts days on the player's wall clock: a weekly payout
// with at most 1 reward per 7 days pays every Monday, also in the week the
// clocks go forward (Monday to Monday is then 167 hours).
func TestLimitInDaysAcrossDST(t *testing.T) {
	ctx := context.Background()
	e, err := engine.New(ctx, compile(t, "testdata/weekly"), openStore(t), engine.Options{})
	require.NoError(t, err)
	malta, err := time.LoadLocation("Europe/Malta")
	require.NoError(t, err)
	start := time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)
	handle(t, e, playerEv("reg", "p", start, "EUR", "Europe/Malta", nil))
	_, err = e.Advance(ctx, start)
	require.NoError(t, err)
	var got []string
	for _, day := range []int{23, 30} { // Mondays; the clocks go forward on Sunday the 29th
		at := time.Date(2026, 3, day, 0, 0, 0, 0, malta)
		outs, err := e.Advance(ctx, at)
		require.NoError(t, err)
		for _, o := range outs {
			assert.Equal(t, at.UTC(), o.At)
		}
		got = append(got, brief(outs)...)
	}
	assert.Equal(t, []string{"weekly p issued 5.00 EUR", "weekly p issued 5.00 EUR"}, got)
}

// A limit written in hours (or minutes) is elapsed time, whatever the
// clocks do: at most 1 reward per 24 hours in Malta, across the night the
// clocks go forward, still limits 23 hours 59 minutes later; only a limit
// written in days or weeks counts days on the wall clock (where 23 hours
// after is the next day).
func TestLimitInHoursIsElapsed(t *testing.T) {
	rules := func(per string) *runtime.Program {
		prog, err := program(`
kind deposit {
	amount: money
}

reward one: amount {
	give 1 EUR
}

automation capped {
	trigger on deposit
	at most 1 reward per ` + per + `

	give one
}
`)
		require.NoError(t, err)
		return prog
	}
	first := time.Date(2026, 3, 28, 10, 0, 0, 0, time.UTC) // 11:00 CET; the clocks go forward on the 29th
	for _, tt := range []struct {
		per  string
		want []string
	}{
		{"24 hours", []string{"capped p issued 1.00 EUR", "capped p skipped/rate-limited", "capped p issued 1.00 EUR"}},
		{"1440 minutes", []string{"capped p issued 1.00 EUR", "capped p skipped/rate-limited", "capped p issued 1.00 EUR"}},
		// 11:00 CEST on the 29th is 09:00 UTC: the day ended an hour before.
		{"1 day", []string{"capped p issued 1.00 EUR", "capped p issued 1.00 EUR", "capped p skipped/rate-limited"}},
	} {
		t.Run(tt.per, func(t *testing.T) {
			e, err := engine.New(context.Background(), rules(tt.per), openStore(t), engine.Options{})
			require.NoError(t, err)
			outs := handle(t, e, zoned("p", "Europe/Malta", first, nil),
				ev("d1", "p", "deposit", first, "amount", "10"),
				ev("d2", "p", "deposit", first.Add(23*time.Hour+59*time.Minute), "amount", "10"),
				ev("d3", "p", "deposit", first.Add(24*time.Hour), "amount", "10"))
			assert.Equal(t, tt.want, brief(outs))
		})
	}
}

// A firing at a midnight the clocks skip (America/Santiago, 2026-09-06:
// 00:00 -04 becomes 01:00 -03, at 04:00 UTC) happens at the jump, and its
// reward's period of days starts at the skipped midnight, not at the 01:00
// the clocks show after the jump: the next Sunday's (and the next day's)
// midnight is not rate-limited by an hour.
func TestLimitInDaysFromASkippedMidnight(t *testing.T) {
	for _, tt := range []struct{ every, per string }{{"Sunday", "7 days"}, {"day", "1 day"}} {
		t.Run(tt.every, func(t *testing.T) {
			ctx := context.Background()
			prog, err := program(`
kind deposit {
	amount: money
}

reward five: amount {
	give 5 EUR
}

automation midnight {
	trigger schedule every ` + tt.every + ` 00:00 in player zone
	at most 1 reward per ` + tt.per + `

	give five
}
`)
			require.NoError(t, err)
			e, err := engine.New(ctx, prog, openStore(t), engine.Options{})
			require.NoError(t, err)
			start := utc("2026-09-05T12:00:00Z")
			handle(t, e, zoned("p", "America/Santiago", start, nil))
			_, err = e.Advance(ctx, start)
			require.NoError(t, err)
			jump := utc("2026-09-06T04:00:00Z")
			next := utc("2026-09-07T03:00:00Z") // Monday 00:00 -03
			if tt.every == "Sunday" {
				next = utc("2026-09-13T03:00:00Z")
			}
			var got []string
			for _, at := range []time.Time{jump, next} {
				outs, err := e.Advance(ctx, at)
				require.NoError(t, err)
				for _, o := range outs {
					assert.Equal(t, at, o.At)
				}
				got = append(got, brief(outs)...)
			}
			assert.Equal(t, []string{"midnight p issued 5.00 EUR", "midnight p issued 5.00 EUR"}, got)
		})
	}
}
