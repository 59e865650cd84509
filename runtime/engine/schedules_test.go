package engine_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// Scheduled triggers on testdata/schedules: the wall clock of a fixed zone
// and of each player's zone, daylight saving, one run per firing, downtime.

// fired writes the outcomes of a rule as "player firing at(UTC)".
func fired(outs []engine.Outcome, rule string) []string {
	var s []string
	for _, o := range only(outs, []string{rule}) {
		s = append(s, o.Player+" "+o.Trigger.Firing+" "+o.At.UTC().Format(time.RFC3339)+" "+o.Status)
	}
	return s
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

type scheduleStep struct {
	handle  []engine.Event // handled first
	advance string         // RFC 3339
	want    []string
}

// runSchedule registers players, puts the schedules into service at start
// and advances the clock step by step, comparing the firings of rule.
func runSchedule(t *testing.T, rule string, players []engine.Event, start string, steps []scheduleStep) (store.Store, []engine.Outcome) {
	t.Helper()
	ctx := context.Background()
	st := openStore(t)
	e := engineFor(t, "schedules", st, engine.Options{})
	handle(t, e, players...)
	outs, err := e.Advance(ctx, utc(start))
	require.NoError(t, err)
	require.Empty(t, outs, "a schedule put into service does not fire for its past")
	var all []engine.Outcome
	for _, s := range steps {
		if len(s.handle) > 0 {
			handle(t, e, s.handle...)
		}
		outs, err := e.Advance(ctx, utc(s.advance))
		require.NoError(t, err)
		require.Equal(t, s.want, fired(outs, rule), "advance to %s", s.advance)
		all = append(all, only(outs, []string{rule})...)
	}
	return st, all
}

func zoned(player, zone string, at time.Time, props map[string]any) engine.Event {
	return playerEv("reg-"+player, player, at, "EUR", zone, props)
}

func TestScheduleSkippedTime(t *testing.T) {
	reg := utc("2026-03-20T00:00:00Z")
	players := []engine.Event{zoned("a", "Europe/Malta", reg, nil), zoned("b", "America/New_York", reg, nil), zoned("c", "", reg, nil)}
	st, all := runSchedule(t, "malta_half_past_two", players, "2026-03-28T12:00:00Z", []scheduleStep{
		{advance: "2026-03-29T00:59:59Z"},
		// 02:30 does not exist: the clocks jump from 02:00 CET to 03:00
		// CEST, 01:00 UTC. Every player, whatever their zone: the
		// schedule's zone is fixed.
		{advance: "2026-03-29T01:00:00Z", want: []string{
			"a Europe/Malta 2026-03-29T02:30 2026-03-29T01:00:00Z issued",
			"b Europe/Malta 2026-03-29T02:30 2026-03-29T01:00:00Z issued",
			"c Europe/Malta 2026-03-29T02:30 2026-03-29T01:00:00Z issued",
		}},
		{advance: "2026-03-29T23:59:00Z"},
		{advance: "2026-03-30T00:30:00Z", want: []string{
			"a Europe/Malta 2026-03-30T02:30 2026-03-30T00:30:00Z issued",
			"b Europe/Malta 2026-03-30T02:30 2026-03-30T00:30:00Z issued",
			"c Europe/Malta 2026-03-30T02:30 2026-03-30T00:30:00Z issued",
		}},
	})
	// All players of a run share one trigger hash; runs differ.
	require.Len(t, all, 6)
	for _, o := range all[:3] {
		assert.Equal(t, all[0].TriggerHash, o.TriggerHash)
	}
	assert.NotEqual(t, all[0].TriggerHash, all[3].TriggerHash)
	runs, err := st.Runs(context.Background(), "malta_half_past_two", 10)
	require.NoError(t, err)
	assert.Len(t, runs, 2, "one run per firing, whatever the number of players")
	for _, r := range runs {
		assert.False(t, r.Finished.IsZero())
	}
}

func TestScheduleRepeatedTime(t *testing.T) {
	reg := utc("2026-10-20T00:00:00Z")
	runSchedule(t, "malta_half_past_two", []engine.Event{zoned("a", "Europe/Malta", reg, nil)}, "2026-10-24T12:00:00Z", []scheduleStep{
		{advance: "2026-10-25T00:29:59Z"},
		// 02:30 happens twice: at 00:30 UTC (CEST), then 01:30 UTC (CET).
		{advance: "2026-10-25T00:30:00Z", want: []string{"a Europe/Malta 2026-10-25T02:30 2026-10-25T00:30:00Z issued"}},
		{advance: "2026-10-25T01:30:00Z"},
		{advance: "2026-10-25T12:00:00Z"},
		{advance: "2026-10-26T01:29:59Z"},
		{advance: "2026-10-26T01:30:00Z", want: []string{"a Europe/Malta 2026-10-26T02:30 2026-10-26T01:30:00Z issued"}},
	})
}

// Weekly on Monday 00:00 on each player's clock, across the end of summer
// time in Europe (2026-10-25) and in the United States (2026-11-01): the
// clock advanced hour by hour sees each firing once, at its instant.
func TestScheduleWeeklyInPlayerZone(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	e := engineFor(t, "schedules", st, engine.Options{})
	reg := utc("2026-10-01T00:00:00Z")
	handle(t, e,
		zoned("m1", "Europe/Malta", reg, nil), zoned("m2", "Europe/Malta", reg, nil),
		zoned("ny", "America/New_York", reg, nil), zoned("u", "", reg, nil))
	var all []engine.Outcome
	for at := utc("2026-10-17T00:00:00Z"); !at.After(utc("2026-11-10T00:00:00Z")); at = at.Add(time.Hour) {
		outs, err := e.Advance(ctx, at)
		require.NoError(t, err)
		for _, o := range only(outs, []string{"monday_local"}) {
			require.Equal(t, at, o.At, "a firing runs at the first Advance at or after it, and outcomes are in UTC")
			all = append(all, o)
		}
	}
	assert.Equal(t, []string{
		"m1 Europe/Malta 2026-10-19T00:00 2026-10-18T22:00:00Z issued",
		"m2 Europe/Malta 2026-10-19T00:00 2026-10-18T22:00:00Z issued",
		"u UTC 2026-10-19T00:00 2026-10-19T00:00:00Z issued",
		"ny America/New_York 2026-10-19T00:00 2026-10-19T04:00:00Z issued",
		"m1 Europe/Malta 2026-10-26T00:00 2026-10-25T23:00:00Z issued",
		"m2 Europe/Malta 2026-10-26T00:00 2026-10-25T23:00:00Z issued",
		"u UTC 2026-10-26T00:00 2026-10-26T00:00:00Z issued",
		"ny America/New_York 2026-10-26T00:00 2026-10-26T04:00:00Z issued",
		"m1 Europe/Malta 2026-11-02T00:00 2026-11-01T23:00:00Z issued",
		"m2 Europe/Malta 2026-11-02T00:00 2026-11-01T23:00:00Z issued",
		"u UTC 2026-11-02T00:00 2026-11-02T00:00:00Z issued",
		"ny America/New_York 2026-11-02T00:00 2026-11-02T05:00:00Z issued",
		"m1 Europe/Malta 2026-11-09T00:00 2026-11-08T23:00:00Z issued",
		"m2 Europe/Malta 2026-11-09T00:00 2026-11-08T23:00:00Z issued",
		"u UTC 2026-11-09T00:00 2026-11-09T00:00:00Z issued",
		"ny America/New_York 2026-11-09T00:00 2026-11-09T05:00:00Z issued",
	}, fired(all, "monday_local"))
	// The players of one zone share a run; zones and weeks have runs of
	// their own. A firing in player zone is named by its nominal local
	// time alone: every zone's Monday 00:00 of a week shares the trigger
	// hash (a player who moved from one zone to another is paid one of
	// them), and each week has its own.
	hashes := map[string]bool{}
	for _, o := range all {
		hashes[o.TriggerHash] = true
	}
	assert.Len(t, hashes, 4)
	for i := range 4 {
		for _, o := range all[4*i : 4*i+4] {
			assert.Equal(t, all[4*i].TriggerHash, o.TriggerHash, o.Player)
		}
	}
	runs, err := st.Runs(ctx, "monday_local", 100)
	require.NoError(t, err)
	assert.Len(t, runs, 12, "one run per zone and firing")
}

// After downtime the missed firings run once, as the most recent one, as
// of its scheduled time; a second Advance runs nothing.
func TestScheduleDowntime(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	e := engineFor(t, "schedules", st, engine.Options{})
	handle(t, e, zoned("a", "Europe/Malta", t0, nil))
	_, err := e.Advance(ctx, t0) // 2026-11-02T10:00Z: in service, after today's 09:30
	require.NoError(t, err)
	outs, err := e.Advance(ctx, t0.Add(10*day))
	require.NoError(t, err)
	assert.Equal(t, []string{"a UTC 2026-11-12T09:30 2026-11-12T09:30:00Z issued"}, fired(outs, "daily_utc"))
	assert.Equal(t, []string{"a Europe/Malta 2026-11-12T02:30 2026-11-12T01:30:00Z issued"}, fired(outs, "malta_half_past_two"))
	outs, err = e.Advance(ctx, t0.Add(10*day))
	require.NoError(t, err)
	assert.Empty(t, outs, "the same now again")
	// A restarted engine on the same store runs nothing again either.
	e = engineFor(t, "schedules", st, engine.Options{})
	outs, err = e.Advance(ctx, t0.Add(10*day+time.Hour))
	require.NoError(t, err)
	assert.Empty(t, outs, "after a restart")
	next, ok, err := e.NextDue(ctx, t0.Add(10*day+time.Hour))
	require.NoError(t, err)
	require.True(t, ok)
	assert.True(t, utc("2026-11-12T14:00:00Z").Equal(next), "the next firing: 09:00 in New York, not %s", next)
}

// A schedule put into service does not fire for its past: not for the
// firing minutes before, nor on an engine started long after the rules
// were written.
func TestScheduleNewDoesNotFireForItsPast(t *testing.T) {
	ctx := context.Background()
	e := engineFor(t, "schedules", openStore(t), engine.Options{})
	handle(t, e, zoned("a", "Europe/Malta", t0.Add(-30*day), nil))
	outs, err := e.Advance(ctx, utc("2026-11-02T09:31:00Z"))
	require.NoError(t, err)
	assert.Empty(t, outs)
	outs, err = e.Advance(ctx, utc("2026-11-03T09:29:00Z"))
	require.NoError(t, err)
	assert.Equal(t, []string{"a Europe/Malta 2026-11-03T02:30 2026-11-03T01:30:00Z issued"}, fired(outs, "malta_half_past_two"))
	assert.Empty(t, fired(outs, "daily_utc"))
}

// A scheduled run gives outcomes only to the members of the segment, as
// they are when it runs: a player event changes the audience.
func TestScheduleSegment(t *testing.T) {
	reg := utc("2026-11-01T00:00:00Z")
	runSchedule(t, "vip_noon", []engine.Event{
		zoned("low", "Europe/Malta", reg, map[string]any{"vip_level": json.Number("0")}),
		zoned("none", "Europe/Malta", reg, nil),
		zoned("vip", "Europe/Malta", reg, map[string]any{"vip_level": json.Number("2")}),
	}, "2026-11-01T12:00:00Z", []scheduleStep{
		{advance: "2026-11-02T11:00:00Z", want: []string{"vip Europe/Malta 2026-11-02T12:00 2026-11-02T11:00:00Z issued"}},
		{
			handle: []engine.Event{
				playerEv("up", "low", utc("2026-11-02T15:00:00Z"), "", "", map[string]any{"vip_level": json.Number("1")}),
				playerEv("down", "vip", utc("2026-11-02T15:00:00Z"), "", "", map[string]any{"vip_level": nil}),
			},
			advance: "2026-11-03T11:00:00Z",
			want:    []string{"low Europe/Malta 2026-11-03T12:00 2026-11-03T11:00:00Z issued"},
		},
	})
}

// A firing's audience is the players known at its instant: one who came
// after it (while the engine was down, or before the clock was advanced)
// gets nothing from it, nor does a zone that appeared after it.
func TestScheduleAudienceAtTheFiring(t *testing.T) {
	ctx := context.Background()
	e := engineFor(t, "schedules", openStore(t), engine.Options{})
	advance := func(now, rule string) []string {
		t.Helper()
		outs, err := e.Advance(ctx, utc(now))
		require.NoError(t, err)
		return fired(outs, rule)
	}
	handle(t, e, zoned("early", "Europe/Malta", utc("2026-11-02T08:00:00Z"), nil))
	advance("2026-11-02T08:00:00Z", "") // in service
	handle(t, e, zoned("late", "Europe/Malta", utc("2026-11-02T10:00:00Z"), nil))
	// One whose first event is at the firing's very instant: run on time,
	// the firing comes before that event (what falls due at an event's
	// time fires first); run late, it is not theirs either.
	handle(t, e, zoned("sametime", "Europe/Malta", utc("2026-11-02T09:30:00Z"), nil))
	assert.Equal(t, []string{"early UTC 2026-11-02T09:30 2026-11-02T09:30:00Z issued"},
		advance("2026-11-03T01:00:00Z", "daily_utc"), "late came after the firing, sametime at its instant")
	assert.Equal(t, []string{
		"early UTC 2026-11-03T09:30 2026-11-03T09:30:00Z issued",
		"late UTC 2026-11-03T09:30 2026-11-03T09:30:00Z issued",
		"sametime UTC 2026-11-03T09:30 2026-11-03T09:30:00Z issued",
	}, advance("2026-11-03T09:30:00Z", "daily_utc"))
	// Monday 00:00 in Tokyo is 15:00 UTC on Sunday: the first Tokyo player
	// comes an hour later.
	handle(t, e, zoned("tokyo", "Asia/Tokyo", utc("2026-11-08T16:00:00Z"), nil))
	assert.Empty(t, advance("2026-11-08T17:00:00Z", "monday_local"), "Tokyo's firing came before its first player")
	assert.Equal(t, []string{
		"tokyo Asia/Tokyo 2026-11-16T00:00 2026-11-15T15:00:00Z issued",
		"early Europe/Malta 2026-11-09T00:00 2026-11-08T23:00:00Z issued",
		"late Europe/Malta 2026-11-09T00:00 2026-11-08T23:00:00Z issued",
		"sametime Europe/Malta 2026-11-09T00:00 2026-11-08T23:00:00Z issued",
	}, advance("2026-11-15T15:00:00Z", "monday_local"))
}

// The words form every weekday fires Monday to Friday; a cron with both
// day fields restricted fires on a day matching either.
func TestScheduleDays(t *testing.T) {
	ctx := context.Background()
	e := engineFor(t, "schedules", openStore(t), engine.Options{})
	handle(t, e, zoned("a", "Europe/Malta", utc("2026-11-20T00:00:00Z"), nil))
	_, err := e.Advance(ctx, utc("2026-11-25T00:00:00Z")) // a Wednesday
	require.NoError(t, err)
	var weekdays, either []string
	for at := utc("2026-11-25T00:00:00Z"); at.Before(utc("2026-12-09T00:00:00Z")); at = at.Add(time.Hour) {
		outs, err := e.Advance(ctx, at)
		require.NoError(t, err)
		for _, o := range only(outs, []string{"weekday_mornings"}) {
			weekdays = append(weekdays, o.Trigger.Firing+" "+o.At.Weekday().String()[:3])
		}
		for _, o := range only(outs, []string{"first_or_monday"}) {
			either = append(either, o.Trigger.Firing)
		}
	}
	assert.Equal(t, []string{
		"America/New_York 2026-11-25T09:00 Wed", "America/New_York 2026-11-26T09:00 Thu", "America/New_York 2026-11-27T09:00 Fri",
		"America/New_York 2026-11-30T09:00 Mon", "America/New_York 2026-12-01T09:00 Tue", "America/New_York 2026-12-02T09:00 Wed",
		"America/New_York 2026-12-03T09:00 Thu", "America/New_York 2026-12-04T09:00 Fri",
		"America/New_York 2026-12-07T09:00 Mon", "America/New_York 2026-12-08T09:00 Tue",
	}, weekdays)
	assert.Equal(t, []string{"Europe/Malta 2026-11-30T08:00", "Europe/Malta 2026-12-01T08:00", "Europe/Malta 2026-12-07T08:00"}, either)
}
