package window

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// resolveTest is one call of Resolve and what it must return: the interval (start, end and
// its elapsed length), or an error matching err with the message msg when msg is set.
type resolveTest struct {
	name    string
	spec    Spec
	now     time.Time
	player  *time.Location
	anchors Anchors

	start, end time.Time
	length     time.Duration // checked when not zero
	err        error
	msg        string
}

func runResolveTests(t *testing.T, tests []resolveTest) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Resolve(tt.spec, tt.now, tt.player, tt.anchors)
			if tt.err != nil {
				require.Error(t, err, "Resolve(%v) = %v, want error", tt.spec, got)
				assert.ErrorIs(t, err, tt.err, "Resolve(%v)", tt.spec)
				if tt.msg != "" {
					assert.EqualError(t, err, tt.msg, "Resolve(%v)", tt.spec)
				}
				assert.Equal(t, Interval{}, got)
				return
			}
			require.NoError(t, err, "Resolve(%v)", tt.spec)
			assert.True(t, got.Start.Equal(tt.start) && got.End.Equal(tt.end),
				"Resolve(%v) = %v, want %v", tt.spec, got, Interval{Start: tt.start, End: tt.end})
			if tt.length != 0 {
				assert.Equal(t, tt.length, got.Duration(), "Resolve(%v).Duration()", tt.spec)
			}
			// Every resolved interval is half-open.
			assert.True(t, got.Contains(got.Start) || got.Start.Equal(got.End), "%v contains its start", got)
			assert.False(t, got.Contains(got.End), "%v contains its end", got)
		})
	}
}

func TestResolveFixed(t *testing.T) {
	malta := zone(t, "Europe/Malta")
	ny := zone(t, "America/New_York")
	fixed := func(start, end Wall, z string) Spec { return Spec{Kind: Fixed, Start: start, End: end, Zone: z} }
	runResolveTests(t, []resolveTest{
		{
			name:  "utc when no zone",
			spec:  fixed(wall(2026, 3, 1, 0, 0, 0), wall(2026, 3, 15, 12, 30, 0), ""),
			start: utc(2026, 3, 1, 0, 0, 0), end: utc(2026, 3, 15, 12, 30, 0),
		},
		{
			name:  "named zone",
			spec:  fixed(wall(2026, 6, 1, 0, 0, 0), wall(2026, 6, 8, 0, 0, 0), "Europe/Malta"),
			start: utc(2026, 5, 31, 22, 0, 0), end: utc(2026, 6, 7, 22, 0, 0),
		},
		{
			name:  "loaded zone in Loc",
			spec:  Spec{Kind: Fixed, Start: wall(2026, 6, 1, 0, 0, 0), End: wall(2026, 6, 8, 0, 0, 0), Zone: "Europe/Malta", Loc: malta},
			start: utc(2026, 5, 31, 22, 0, 0), end: utc(2026, 6, 7, 22, 0, 0),
		},
		{
			name:  "exactly 31 days",
			spec:  fixed(wall(2026, 1, 1, 0, 0, 0), wall(2026, 2, 1, 0, 0, 0), ""),
			start: utc(2026, 1, 1, 0, 0, 0), end: utc(2026, 2, 1, 0, 0, 0), length: MaxLength,
		},
		{
			name: "32 days",
			spec: fixed(wall(2026, 1, 1, 0, 0, 0), wall(2026, 2, 2, 0, 0, 0), ""),
			err:  ErrTooLong, msg: "window of 32 days exceeds the maximum of 31 days",
		},
		{
			name: "31 days and a second",
			spec: fixed(wall(2026, 1, 1, 0, 0, 0), wall(2026, 2, 1, 0, 0, 1), ""),
			err:  ErrTooLong, msg: "window of 31 days 1s exceeds the maximum of 31 days",
		},
		{
			name: "45 days",
			spec: fixed(wall(2026, 1, 1, 0, 0, 0), wall(2026, 2, 15, 0, 0, 0), "Europe/Malta"),
			err:  ErrTooLong, msg: "window of 45 days exceeds the maximum of 31 days",
		},
		{
			// 31 days on the wall clock, 31 days and 1 hour of elapsed time.
			name:  "october in malta is not too long",
			spec:  fixed(wall(2026, 10, 1, 0, 0, 0), wall(2026, 11, 1, 0, 0, 0), "Europe/Malta"),
			start: utc(2026, 9, 30, 22, 0, 0), end: utc(2026, 10, 31, 23, 0, 0), length: MaxLength + time.Hour,
		},
		{
			name:  "march in malta",
			spec:  fixed(wall(2026, 3, 1, 0, 0, 0), wall(2026, 4, 1, 0, 0, 0), "Europe/Malta"),
			start: utc(2026, 2, 28, 23, 0, 0), end: utc(2026, 3, 31, 22, 0, 0), length: MaxLength - time.Hour,
		},
		{
			name: "march in malta and an hour",
			spec: fixed(wall(2026, 3, 1, 0, 0, 0), wall(2026, 4, 1, 1, 0, 0), "Europe/Malta"),
			err:  ErrTooLong, msg: "window of 31 days 1h0m0s exceeds the maximum of 31 days",
		},
		{
			name:   "player zone",
			spec:   Spec{Kind: Fixed, Start: wall(2026, 7, 1, 0, 0, 0), End: wall(2026, 7, 2, 0, 0, 0), PlayerZone: true},
			player: ny,
			start:  utc(2026, 7, 1, 4, 0, 0), end: utc(2026, 7, 2, 4, 0, 0),
		},
		{
			name: "player zone unknown",
			spec: Spec{Kind: Fixed, Start: wall(2026, 7, 1, 0, 0, 0), End: wall(2026, 7, 2, 0, 0, 0), PlayerZone: true},
			err:  ErrNoPlayerZone, msg: "player time zone is not known",
		},
		{
			// 02:30 does not exist on 2026-03-29 in Malta: the clocks go from 02:00 CET
			// to 03:00 CEST, so the window starts at the jump.
			name:  "start skipped by summer time",
			spec:  fixed(wall(2026, 3, 29, 2, 30, 0), wall(2026, 3, 29, 4, 0, 0), "Europe/Malta"),
			start: utc(2026, 3, 29, 1, 0, 0), end: utc(2026, 3, 29, 2, 0, 0), length: time.Hour,
		},
		{
			// 02:30 occurs twice on 2026-10-25 in Malta, first in CEST.
			name:  "start repeated by winter time",
			spec:  fixed(wall(2026, 10, 25, 2, 30, 0), wall(2026, 10, 25, 4, 0, 0), "Europe/Malta"),
			start: utc(2026, 10, 25, 0, 30, 0), end: utc(2026, 10, 25, 3, 0, 0), length: 150 * time.Minute,
		},
		{
			name: "both bounds in the same skipped hour",
			spec: fixed(wall(2026, 3, 29, 2, 10, 0), wall(2026, 3, 29, 2, 50, 0), "Europe/Malta"),
			err:  ErrStartAfterEnd,
		},
		{
			name: "end equals start",
			spec: fixed(wall(2026, 3, 1, 0, 0, 0), wall(2026, 3, 1, 0, 0, 0), ""),
			err:  ErrStartAfterEnd,
			msg:  "window starts after it ends: start 2026-03-01T00:00:00Z, end 2026-03-01T00:00:00Z",
		},
		{
			name: "end before start",
			spec: fixed(wall(2026, 3, 2, 0, 0, 0), wall(2026, 3, 1, 0, 0, 0), ""),
			err:  ErrStartAfterEnd,
		},
		{
			name: "end long before start",
			spec: fixed(wall(2026, 6, 2, 0, 0, 0), wall(2026, 3, 1, 0, 0, 0), ""),
			err:  ErrStartAfterEnd,
		},
		{
			name: "invalid date",
			spec: fixed(wall(2026, 2, 29, 0, 0, 0), wall(2026, 3, 2, 0, 0, 0), ""),
			err:  ErrInvalid, msg: "invalid window: start 2026-02-29 00:00 is not a valid date and time",
		},
		{
			name: "invalid end time",
			spec: fixed(wall(2026, 2, 1, 0, 0, 0), wall(2026, 2, 2, 24, 0, 0), ""),
			err:  ErrInvalid, msg: "invalid window: end 2026-02-02 24:00 is not a valid date and time",
		},
		{
			name: "zone and player zone",
			spec: Spec{Kind: Fixed, Start: wall(2026, 7, 1, 0, 0, 0), End: wall(2026, 7, 2, 0, 0, 0), Zone: "Europe/Malta", PlayerZone: true},
			err:  ErrInvalid, msg: `invalid window: both the zone "Europe/Malta" and the player zone`,
		},
		{
			name: "unknown zone",
			spec: fixed(wall(2026, 7, 1, 0, 0, 0), wall(2026, 7, 2, 0, 0, 0), "Europe/Atlantis"),
			err:  ErrUnknownZone, msg: `unknown time zone "Europe/Atlantis"`,
		},
		{
			name: "local zone",
			spec: fixed(wall(2026, 7, 1, 0, 0, 0), wall(2026, 7, 2, 0, 0, 0), "Local"),
			err:  ErrUnknownZone,
		},
	})
}

func TestResolveTimeBack(t *testing.T) {
	now := time.Date(2026, 3, 29, 12, 0, 0, 0, zone(t, "Europe/Malta"))
	back := func(n int64, u Unit) Spec { return Spec{Kind: TimeBack, N: n, Unit: u} }
	runResolveTests(t, []resolveTest{
		{name: "90 minutes", spec: back(90, Minute), now: now, start: now.Add(-90 * time.Minute), end: now},
		{name: "3 hours", spec: back(3, Hour), now: now, start: now.Add(-3 * time.Hour), end: now},
		// 2026-03-29 has 23 hours in Malta, yet a day back is 24 hours of elapsed time:
		// 2026-03-28 11:00 local.
		{name: "1 day across summer time", spec: back(1, Day), now: now, start: utc(2026, 3, 28, 10, 0, 0), end: now, length: day},
		{name: "7 days", spec: back(7, Day), now: now, start: now.Add(-7 * day), end: now, length: 7 * day},
		{name: "2 weeks", spec: back(2, Week), now: now, start: now.Add(-2 * week), end: now},
		{name: "31 days", spec: back(31, Day), now: now, start: now.Add(-MaxLength), end: now, length: MaxLength},
		{name: "744 hours", spec: back(744, Hour), now: now, start: now.Add(-MaxLength), end: now},
		{name: "4 weeks", spec: back(4, Week), now: now, start: now.Add(-4 * week), end: now},
		{
			name: "32 days", spec: back(32, Day), now: now,
			err: ErrTooLong, msg: "window of 32 days exceeds the maximum of 31 days",
		},
		{
			name: "745 hours", spec: back(745, Hour), now: now,
			err: ErrTooLong, msg: "window of 31 days 1h0m0s exceeds the maximum of 31 days",
		},
		{name: "5 weeks", spec: back(5, Week), now: now, err: ErrTooLong, msg: "window of 35 days exceeds the maximum of 31 days"},
		{name: "huge count does not overflow", spec: back(1<<62, Week), now: now, err: ErrTooLong},
		{name: "zero count", spec: back(0, Day), now: now, err: ErrInvalid, msg: "invalid window: the number of days must be positive, got 0"},
		{name: "negative count", spec: back(-3, Hour), now: now, err: ErrInvalid},
		{name: "no unit", spec: back(3, 0), now: now, err: ErrInvalid, msg: "invalid window: unknown unit Unit(0)"},
		{name: "bad unit", spec: back(3, 9), now: now, err: ErrInvalid},
		{name: "no now", spec: back(3, Day), err: ErrMissingAnchor, msg: "missing anchor: evaluation time"},
		// A time-back window does not use a zone, so it needs no player zone.
		{name: "player zone ignored", spec: Spec{Kind: TimeBack, N: 1, Unit: Hour, PlayerZone: true}, now: now, start: now.Add(-time.Hour), end: now},
	})
}

func TestResolveLastFullDay(t *testing.T) {
	malta := zone(t, "Europe/Malta")
	ny := zone(t, "America/New_York")
	tokyo := zone(t, "Asia/Tokyo")
	la := zone(t, "America/Los_Angeles")
	santiago := zone(t, "America/Santiago")
	havana := zone(t, "America/Havana")
	beirut := zone(t, "Asia/Beirut")
	apia := zone(t, "Pacific/Apia")
	in := func(z string) Spec { return Spec{Kind: LastFullDay, Zone: z} }
	player := Spec{Kind: LastFullDay, PlayerZone: true}
	runResolveTests(t, []resolveTest{
		{
			name: "utc", spec: in(""), now: utc(2026, 5, 14, 15, 0, 0),
			start: utc(2026, 5, 13, 0, 0, 0), end: utc(2026, 5, 14, 0, 0, 0), length: day,
		},
		{
			name: "first of the year", spec: in("UTC"), now: utc(2027, 1, 1, 8, 0, 0),
			start: utc(2026, 12, 31, 0, 0, 0), end: utc(2027, 1, 1, 0, 0, 0),
		},
		{
			name: "malta summer time starts: 23 hours", spec: in("Europe/Malta"), now: time.Date(2026, 3, 30, 10, 0, 0, 0, malta),
			start: utc(2026, 3, 28, 23, 0, 0), end: utc(2026, 3, 29, 22, 0, 0), length: 23 * time.Hour,
		},
		{
			name: "malta winter time starts: 25 hours", spec: in("Europe/Malta"), now: time.Date(2026, 10, 26, 10, 0, 0, 0, malta),
			start: utc(2026, 10, 24, 22, 0, 0), end: utc(2026, 10, 25, 23, 0, 0), length: 25 * time.Hour,
		},
		{
			name: "malta the day after the change is 24 hours", spec: in("Europe/Malta"), now: time.Date(2026, 3, 31, 10, 0, 0, 0, malta),
			start: utc(2026, 3, 29, 22, 0, 0), end: utc(2026, 3, 30, 22, 0, 0), length: day,
		},
		{
			name: "new york summer time starts: 23 hours", spec: in("America/New_York"), now: time.Date(2026, 3, 9, 6, 0, 0, 0, ny),
			start: utc(2026, 3, 8, 5, 0, 0), end: utc(2026, 3, 9, 4, 0, 0), length: 23 * time.Hour,
		},
		{
			name: "new york winter time starts: 25 hours", spec: in("America/New_York"), now: time.Date(2026, 11, 2, 6, 0, 0, 0, ny),
			start: utc(2026, 11, 1, 4, 0, 0), end: utc(2026, 11, 2, 5, 0, 0), length: 25 * time.Hour,
		},
		{
			name: "now at local midnight", spec: in("Europe/Malta"), now: time.Date(2026, 3, 30, 0, 0, 0, 0, malta),
			start: utc(2026, 3, 28, 23, 0, 0), end: utc(2026, 3, 29, 22, 0, 0),
		},
		{
			name: "now just before local midnight", spec: in("Europe/Malta"), now: time.Date(2026, 3, 29, 23, 59, 59, 999999999, malta),
			start: utc(2026, 3, 27, 23, 0, 0), end: utc(2026, 3, 28, 23, 0, 0),
		},
		{
			name: "now given in another zone", spec: in("Europe/Malta"), now: utc(2026, 3, 29, 23, 30, 0), // 01:30 CEST on 03-30
			start: utc(2026, 3, 28, 23, 0, 0), end: utc(2026, 3, 29, 22, 0, 0),
		},
		// At 2026-11-23 01:30 UTC it is 10:30 on the 23rd in Tokyo and 17:30 on the 22nd
		// in Los Angeles.
		{
			name: "tokyo", spec: in("Asia/Tokyo"), now: utc(2026, 11, 23, 1, 30, 0),
			start: time.Date(2026, 11, 22, 0, 0, 0, 0, tokyo), end: time.Date(2026, 11, 23, 0, 0, 0, 0, tokyo),
		},
		{
			name: "los angeles", spec: in("America/Los_Angeles"), now: utc(2026, 11, 23, 1, 30, 0),
			start: time.Date(2026, 11, 21, 0, 0, 0, 0, la), end: time.Date(2026, 11, 22, 0, 0, 0, 0, la),
		},
		{
			name: "player in tokyo", spec: player, player: tokyo, now: utc(2026, 11, 23, 1, 30, 0),
			start: time.Date(2026, 11, 22, 0, 0, 0, 0, tokyo), end: time.Date(2026, 11, 23, 0, 0, 0, 0, tokyo),
		},
		{
			name: "player in los angeles", spec: player, player: la, now: utc(2026, 11, 23, 1, 30, 0),
			start: time.Date(2026, 11, 21, 0, 0, 0, 0, la), end: time.Date(2026, 11, 22, 0, 0, 0, 0, la),
		},
		{name: "player zone unknown", spec: player, now: utc(2026, 11, 23, 1, 30, 0), err: ErrNoPlayerZone},
		{name: "no now", spec: in("Asia/Tokyo"), err: ErrMissingAnchor, msg: "missing anchor: evaluation time"},
		// In Santiago the clocks go from 2026-09-05 23:59:59 -04 to 2026-09-06 01:00 -03:
		// the 6th starts at 01:00 and has 23 hours, the 5th keeps 24.
		{
			name: "santiago: the day before a skipped midnight", spec: in("America/Santiago"), now: time.Date(2026, 9, 6, 12, 0, 0, 0, santiago),
			start: utc(2026, 9, 5, 4, 0, 0), end: utc(2026, 9, 6, 4, 0, 0), length: day,
		},
		{
			name: "santiago: a day whose midnight is skipped", spec: in("America/Santiago"), now: time.Date(2026, 9, 7, 12, 0, 0, 0, santiago),
			start: utc(2026, 9, 6, 4, 0, 0), end: utc(2026, 9, 7, 3, 0, 0), length: 23 * time.Hour,
		},
		{
			// The clocks go from 2026-04-04 23:59:59 -03 back to 23:00 -04.
			name: "santiago: a day with a repeated hour before midnight", spec: in("America/Santiago"), now: time.Date(2026, 4, 5, 12, 0, 0, 0, santiago),
			start: utc(2026, 4, 4, 3, 0, 0), end: utc(2026, 4, 5, 4, 0, 0), length: 25 * time.Hour,
		},
		{
			name: "havana: a day whose midnight is skipped", spec: in("America/Havana"), now: time.Date(2026, 3, 9, 12, 0, 0, 0, havana),
			start: utc(2026, 3, 8, 5, 0, 0), end: utc(2026, 3, 9, 4, 0, 0), length: 23 * time.Hour,
		},
		{
			name: "beirut: a day whose midnight is skipped", spec: in("Asia/Beirut"), now: time.Date(2026, 3, 30, 12, 0, 0, 0, beirut),
			start: utc(2026, 3, 28, 22, 0, 0), end: utc(2026, 3, 29, 21, 0, 0), length: 23 * time.Hour,
		},
		{
			// Samoa skipped 2011-12-30: the clocks went from 12-29 23:59:59 -10 to
			// 12-31 00:00 +14.
			name: "apia: a skipped day is empty", spec: in("Pacific/Apia"), now: time.Date(2011, 12, 31, 12, 0, 0, 0, apia),
			start: utc(2011, 12, 30, 10, 0, 0), end: utc(2011, 12, 30, 10, 0, 0),
		},
	})
}

func TestResolveLastFullWeek(t *testing.T) {
	malta := zone(t, "Europe/Malta")
	in := func(z string) Spec { return Spec{Kind: LastFullWeek, Zone: z} }
	runResolveTests(t, []resolveTest{
		{
			name: "wednesday", spec: in(""), now: utc(2026, 11, 25, 9, 0, 0),
			start: utc(2026, 11, 16, 0, 0, 0), end: utc(2026, 11, 23, 0, 0, 0), length: week,
		},
		{
			name: "across a month", spec: in(""), now: utc(2026, 3, 4, 9, 0, 0),
			start: utc(2026, 2, 23, 0, 0, 0), end: utc(2026, 3, 2, 0, 0, 0),
		},
		// 2026-12-31 is a Thursday; 2027-01-01 is in ISO week 53 of 2026, which starts
		// on Monday 2026-12-28.
		{
			name: "thursday 2026-12-31", spec: in(""), now: utc(2026, 12, 31, 12, 0, 0),
			start: utc(2026, 12, 21, 0, 0, 0), end: utc(2026, 12, 28, 0, 0, 0),
		},
		{
			name: "friday 2027-01-01", spec: in(""), now: utc(2027, 1, 1, 12, 0, 0),
			start: utc(2026, 12, 21, 0, 0, 0), end: utc(2026, 12, 28, 0, 0, 0),
		},
		{
			name: "sunday 2027-01-03 23:59:59", spec: in(""), now: utc(2027, 1, 3, 23, 59, 59),
			start: utc(2026, 12, 21, 0, 0, 0), end: utc(2026, 12, 28, 0, 0, 0),
		},
		{
			name: "monday 2027-01-04 00:00: the week across the new year", spec: in(""), now: utc(2027, 1, 4, 0, 0, 0),
			start: utc(2026, 12, 28, 0, 0, 0), end: utc(2027, 1, 4, 0, 0, 0), length: week,
		},
		{
			name: "malta summer time: 167 hours", spec: in("Europe/Malta"), now: time.Date(2026, 3, 30, 0, 0, 0, 0, malta),
			start: utc(2026, 3, 22, 23, 0, 0), end: utc(2026, 3, 29, 22, 0, 0), length: week - time.Hour,
		},
		{
			name: "malta winter time: 169 hours", spec: in("Europe/Malta"), now: time.Date(2026, 10, 28, 0, 0, 0, 0, malta),
			start: utc(2026, 10, 18, 22, 0, 0), end: utc(2026, 10, 25, 23, 0, 0), length: week + time.Hour,
		},
		{
			// Monday 00:00 in Tokyo is still Sunday in UTC.
			name: "monday in tokyo", spec: in("Asia/Tokyo"), now: utc(2026, 11, 22, 16, 0, 0),
			start: utc(2026, 11, 15, 15, 0, 0), end: utc(2026, 11, 22, 15, 0, 0),
		},
		{
			name: "player zone", spec: Spec{Kind: LastFullWeek, PlayerZone: true}, player: malta, now: utc(2026, 11, 25, 9, 0, 0),
			start: utc(2026, 11, 15, 23, 0, 0), end: utc(2026, 11, 22, 23, 0, 0),
		},
	})
}

func TestResolveLastWeekend(t *testing.T) {
	malta := zone(t, "Europe/Malta")
	ny := zone(t, "America/New_York")
	in := func(z string) Spec { return Spec{Kind: LastWeekend, Zone: z} }
	// The weekend of 2026-11-21 and 22 ends at Monday 2026-11-23 00:00.
	runResolveTests(t, []resolveTest{
		{
			name: "monday 00:00 exactly: the weekend just ended", spec: in(""), now: utc(2026, 11, 23, 0, 0, 0),
			start: utc(2026, 11, 21, 0, 0, 0), end: utc(2026, 11, 23, 0, 0, 0), length: 2 * day,
		},
		{
			name: "sunday 23:59:59.999999999: the weekend before", spec: in(""), now: time.Date(2026, 11, 22, 23, 59, 59, 999999999, time.UTC),
			start: utc(2026, 11, 14, 0, 0, 0), end: utc(2026, 11, 16, 0, 0, 0),
		},
		{
			name: "sunday 23:59:59", spec: in(""), now: utc(2026, 11, 22, 23, 59, 59),
			start: utc(2026, 11, 14, 0, 0, 0), end: utc(2026, 11, 16, 0, 0, 0),
		},
		{
			name: "saturday 10:00: the weekend before", spec: in(""), now: utc(2026, 11, 21, 10, 0, 0),
			start: utc(2026, 11, 14, 0, 0, 0), end: utc(2026, 11, 16, 0, 0, 0),
		},
		{
			name: "saturday 00:00", spec: in(""), now: utc(2026, 11, 21, 0, 0, 0),
			start: utc(2026, 11, 14, 0, 0, 0), end: utc(2026, 11, 16, 0, 0, 0),
		},
		{
			name: "wednesday", spec: in(""), now: utc(2026, 11, 25, 13, 0, 0),
			start: utc(2026, 11, 21, 0, 0, 0), end: utc(2026, 11, 23, 0, 0, 0),
		},
		{
			name: "friday 23:59:59", spec: in(""), now: utc(2026, 11, 27, 23, 59, 59),
			start: utc(2026, 11, 21, 0, 0, 0), end: utc(2026, 11, 23, 0, 0, 0),
		},
		{
			name: "weekend across a month", spec: in(""), now: utc(2026, 11, 4, 0, 0, 0),
			start: utc(2026, 10, 31, 0, 0, 0), end: utc(2026, 11, 2, 0, 0, 0),
		},
		{
			name: "weekend across the year", spec: in(""), now: utc(2028, 1, 3, 0, 0, 0), // Monday
			start: utc(2028, 1, 1, 0, 0, 0), end: utc(2028, 1, 3, 0, 0, 0),
		},
		{
			name: "weekend across the year on a monday", spec: in(""), now: utc(2027, 1, 4, 9, 0, 0),
			start: utc(2027, 1, 2, 0, 0, 0), end: utc(2027, 1, 4, 0, 0, 0),
		},
		{
			name: "malta summer time: 47 hours", spec: in("Europe/Malta"), now: time.Date(2026, 3, 30, 9, 0, 0, 0, malta),
			start: utc(2026, 3, 27, 23, 0, 0), end: utc(2026, 3, 29, 22, 0, 0), length: 47 * time.Hour,
		},
		{
			name: "malta winter time: 49 hours", spec: in("Europe/Malta"), now: time.Date(2026, 10, 26, 9, 0, 0, 0, malta),
			start: utc(2026, 10, 23, 22, 0, 0), end: utc(2026, 10, 25, 23, 0, 0), length: 49 * time.Hour,
		},
		{
			name: "new york winter time: 49 hours", spec: Spec{Kind: LastWeekend, PlayerZone: true}, player: ny, now: time.Date(2026, 11, 2, 0, 0, 0, 0, ny),
			start: utc(2026, 10, 31, 4, 0, 0), end: utc(2026, 11, 2, 5, 0, 0), length: 49 * time.Hour,
		},
		{
			// Monday 00:30 in Malta is Sunday 23:30 UTC: in Malta the weekend has ended.
			name: "monday in malta, sunday in utc", spec: in("Europe/Malta"), now: utc(2026, 11, 22, 23, 30, 0),
			start: utc(2026, 11, 20, 23, 0, 0), end: utc(2026, 11, 22, 23, 0, 0),
		},
		{
			name: "monday in malta, sunday in utc, utc window", spec: in(""), now: utc(2026, 11, 22, 23, 30, 0),
			start: utc(2026, 11, 14, 0, 0, 0), end: utc(2026, 11, 16, 0, 0, 0),
		},
	})
}

func TestResolveLastFullMonth(t *testing.T) {
	malta := zone(t, "Europe/Malta")
	tokyo := zone(t, "Asia/Tokyo")
	la := zone(t, "America/Los_Angeles")
	in := func(z string) Spec { return Spec{Kind: LastFullMonth, Zone: z} }
	runResolveTests(t, []resolveTest{
		{
			name: "january: december of last year", spec: in(""), now: utc(2026, 1, 15, 9, 0, 0),
			start: utc(2025, 12, 1, 0, 0, 0), end: utc(2026, 1, 1, 0, 0, 0), length: 31 * day,
		},
		{
			name: "january 1st 00:00", spec: in(""), now: utc(2026, 1, 1, 0, 0, 0),
			start: utc(2025, 12, 1, 0, 0, 0), end: utc(2026, 1, 1, 0, 0, 0),
		},
		{
			name: "december 31st 23:59:59", spec: in(""), now: utc(2026, 12, 31, 23, 59, 59),
			start: utc(2026, 11, 1, 0, 0, 0), end: utc(2026, 12, 1, 0, 0, 0), length: 30 * day,
		},
		{
			name: "march: february of 28 days", spec: in(""), now: utc(2026, 3, 1, 0, 0, 0),
			start: utc(2026, 2, 1, 0, 0, 0), end: utc(2026, 3, 1, 0, 0, 0), length: 28 * day,
		},
		{
			name: "march 31st", spec: in(""), now: utc(2026, 3, 31, 18, 0, 0),
			start: utc(2026, 2, 1, 0, 0, 0), end: utc(2026, 3, 1, 0, 0, 0), length: 28 * day,
		},
		{
			name: "march of a leap year: february of 29 days", spec: in(""), now: utc(2028, 3, 10, 0, 0, 0),
			start: utc(2028, 2, 1, 0, 0, 0), end: utc(2028, 3, 1, 0, 0, 0), length: 29 * day,
		},
		{
			name: "may: april of 30 days", spec: in(""), now: utc(2026, 5, 1, 0, 0, 0),
			start: utc(2026, 4, 1, 0, 0, 0), end: utc(2026, 5, 1, 0, 0, 0), length: 30 * day,
		},
		{
			name: "august 31st: july of 31 days", spec: in(""), now: utc(2026, 8, 31, 12, 0, 0),
			start: utc(2026, 7, 1, 0, 0, 0), end: utc(2026, 8, 1, 0, 0, 0), length: 31 * day,
		},
		{
			// 31 days and 1 hour of elapsed time, 31 days on the wall clock: allowed.
			name: "october in malta", spec: in("Europe/Malta"), now: time.Date(2026, 11, 1, 0, 30, 0, 0, malta),
			start: utc(2026, 9, 30, 22, 0, 0), end: utc(2026, 10, 31, 23, 0, 0), length: 31*day + time.Hour,
		},
		{
			name: "march in malta", spec: in("Europe/Malta"), now: time.Date(2026, 4, 5, 0, 0, 0, 0, malta),
			start: utc(2026, 2, 28, 23, 0, 0), end: utc(2026, 3, 31, 22, 0, 0), length: 31*day - time.Hour,
		},
		// At 2026-12-01 05:00 UTC it is December in Tokyo and still November in Los Angeles.
		{
			name: "player in tokyo", spec: Spec{Kind: LastFullMonth, PlayerZone: true}, player: tokyo, now: utc(2026, 12, 1, 5, 0, 0),
			start: time.Date(2026, 11, 1, 0, 0, 0, 0, tokyo), end: time.Date(2026, 12, 1, 0, 0, 0, 0, tokyo),
		},
		{
			name: "player in los angeles", spec: Spec{Kind: LastFullMonth, PlayerZone: true}, player: la, now: utc(2026, 12, 1, 5, 0, 0),
			start: time.Date(2026, 10, 1, 0, 0, 0, 0, la), end: time.Date(2026, 11, 1, 0, 0, 0, 0, la), length: 31 * day,
		},
	})
}

func TestResolveRuleRelative(t *testing.T) {
	malta := zone(t, "Europe/Malta")
	first := utc(2026, 5, 3, 10, 0, 0)
	last := utc(2026, 5, 20, 18, 45, 12)
	qualified := utc(2026, 5, 1, 8, 0, 0)
	end := wall(2026, 5, 31, 0, 0, 0) // 2026-05-30 22:00 UTC in Malta
	endMalta := utc(2026, 5, 30, 22, 0, 0)
	runResolveTests(t, []resolveTest{
		{
			name: "first to last includes the last", spec: Spec{Kind: FirstToLast}, anchors: Anchors{FirstTx: first, LastTx: last},
			start: first, end: last.Add(time.Nanosecond),
		},
		{
			name: "first to last, one transaction", spec: Spec{Kind: FirstToLast}, anchors: Anchors{FirstTx: first, LastTx: first},
			start: first, end: first.Add(time.Nanosecond), length: time.Nanosecond,
		},
		{
			name: "first to last, 31 days apart", spec: Spec{Kind: FirstToLast}, anchors: Anchors{FirstTx: first, LastTx: first.Add(MaxLength)},
			start: first, end: first.Add(MaxLength + time.Nanosecond),
		},
		{
			name: "first to last, 31 days and a nanosecond apart", spec: Spec{Kind: FirstToLast},
			anchors: Anchors{FirstTx: first, LastTx: first.Add(MaxLength + time.Nanosecond)},
			err:     ErrTooLong, msg: "window of 31 days 1ns exceeds the maximum of 31 days",
		},
		{
			name: "first to last, last before first", spec: Spec{Kind: FirstToLast}, anchors: Anchors{FirstTx: last, LastTx: first},
			err: ErrStartAfterEnd,
		},
		{
			name: "first to last, last a nanosecond before first", spec: Spec{Kind: FirstToLast}, anchors: Anchors{FirstTx: first, LastTx: first.Add(-time.Nanosecond)},
			err: ErrStartAfterEnd,
		},
		{
			name: "first to last, no first", spec: Spec{Kind: FirstToLast}, anchors: Anchors{LastTx: last},
			err: ErrMissingAnchor, msg: "missing anchor: first transaction",
		},
		{
			name: "first to last, no last", spec: Spec{Kind: FirstToLast}, anchors: Anchors{FirstTx: first},
			err: ErrMissingAnchor, msg: "missing anchor: last transaction",
		},
		{
			name: "qualification to last", spec: Spec{Kind: QualificationToLast}, anchors: Anchors{Qualified: qualified, LastTx: last, FirstTx: first},
			start: qualified, end: last.Add(time.Nanosecond),
		},
		{
			name: "qualification to last, no qualification", spec: Spec{Kind: QualificationToLast}, anchors: Anchors{FirstTx: first, LastTx: last},
			err: ErrMissingAnchor, msg: "missing anchor: qualification time",
		},
		{
			name: "qualification to last, too long", spec: Spec{Kind: QualificationToLast}, anchors: Anchors{Qualified: qualified.Add(-20 * day), LastTx: last},
			err: ErrTooLong, msg: "window of 39 days 10h45m12s exceeds the maximum of 31 days",
		},
		{
			name: "first to fixed", spec: Spec{Kind: FirstToFixed, End: end, Zone: "Europe/Malta"}, anchors: Anchors{FirstTx: first, LastTx: last},
			start: first, end: endMalta,
		},
		{
			name: "first to fixed in player zone", spec: Spec{Kind: FirstToFixed, End: end, PlayerZone: true}, player: malta, anchors: Anchors{FirstTx: first},
			start: first, end: endMalta,
		},
		{
			name: "first to fixed in player zone, unknown", spec: Spec{Kind: FirstToFixed, End: end, PlayerZone: true}, anchors: Anchors{FirstTx: first},
			err: ErrNoPlayerZone,
		},
		{
			name: "first to fixed, first at the end: empty", spec: Spec{Kind: FirstToFixed, End: end, Zone: "Europe/Malta"}, anchors: Anchors{FirstTx: endMalta},
			start: endMalta, end: endMalta,
		},
		{
			name: "first to fixed, first after the end", spec: Spec{Kind: FirstToFixed, End: end, Zone: "Europe/Malta"}, anchors: Anchors{FirstTx: endMalta.Add(time.Second)},
			err: ErrStartAfterEnd,
		},
		{
			name: "first to fixed, no first", spec: Spec{Kind: FirstToFixed, End: end, Zone: "Europe/Malta"},
			err: ErrMissingAnchor, msg: "missing anchor: first transaction",
		},
		{
			// From 2026-03-31 01:00 to 2026-05-01 01:00 Malta time: 31 days on the wall clock.
			name: "first to fixed, 31 days", spec: Spec{Kind: FirstToFixed, End: wall(2026, 5, 1, 1, 0, 0), Zone: "Europe/Malta"},
			anchors: Anchors{FirstTx: utc(2026, 3, 30, 23, 0, 0)},
			start:   utc(2026, 3, 30, 23, 0, 0), end: utc(2026, 4, 30, 23, 0, 0), length: MaxLength,
		},
		{
			name: "first to fixed, 31 days and a second", spec: Spec{Kind: FirstToFixed, End: wall(2026, 5, 1, 1, 0, 0), Zone: "Europe/Malta"},
			anchors: Anchors{FirstTx: utc(2026, 3, 30, 22, 59, 59)},
			err:     ErrTooLong, msg: "window of 31 days 1s exceeds the maximum of 31 days",
		},
		{
			name: "qualification to fixed", spec: Spec{Kind: QualificationToFixed, End: end, Zone: "Europe/Malta"}, anchors: Anchors{Qualified: qualified, FirstTx: first},
			start: qualified, end: endMalta,
		},
		{
			name: "qualification to fixed, no qualification", spec: Spec{Kind: QualificationToFixed, End: end, Zone: "Europe/Malta"}, anchors: Anchors{FirstTx: first},
			err: ErrMissingAnchor, msg: "missing anchor: qualification time",
		},
		{
			name: "qualification to fixed, invalid end", spec: Spec{Kind: QualificationToFixed, End: wall(2026, 4, 31, 0, 0, 0)}, anchors: Anchors{Qualified: qualified},
			err: ErrInvalid,
		},
	})
}

func TestResolveSinceEntrance(t *testing.T) {
	now := utc(2026, 6, 30, 12, 0, 0)
	since := Spec{Kind: SinceEntrance}
	runResolveTests(t, []resolveTest{
		{name: "entered a week ago", spec: since, now: now, anchors: Anchors{Entered: now.Add(-week)}, start: now.Add(-week), end: now},
		{name: "entered now: empty", spec: since, now: now, anchors: Anchors{Entered: now}, start: now, end: now},
		{name: "entered 31 days ago", spec: since, now: now, anchors: Anchors{Entered: now.Add(-MaxLength)}, start: now.Add(-MaxLength), end: now},
		{
			name: "entered 32 days ago", spec: since, now: now, anchors: Anchors{Entered: now.Add(-32 * day)},
			err: ErrTooLong, msg: "window of 32 days exceeds the maximum of 31 days",
		},
		{name: "entered after now", spec: since, now: now, anchors: Anchors{Entered: now.Add(time.Second)}, err: ErrStartAfterEnd},
		{name: "not entered", spec: since, now: now, err: ErrMissingAnchor, msg: "missing anchor: campaign entrance"},
		{name: "no now", spec: since, anchors: Anchors{Entered: now}, err: ErrMissingAnchor, msg: "missing anchor: evaluation time"},
	})
}

func TestResolveAll(t *testing.T) {
	got, err := Resolve(Spec{Kind: All}, time.Time{}, nil, Anchors{})
	require.NoError(t, err)
	assert.True(t, got.All)
	for _, tt := range []time.Time{{}, utc(1970, 1, 1, 0, 0, 0), utc(2026, 6, 30, 12, 0, 0), utc(9999, 12, 31, 23, 59, 59)} {
		assert.True(t, got.Contains(tt), "Resolve(all).Contains(%v)", tt)
	}
}

func TestResolveInvalidKind(t *testing.T) {
	_, err := Resolve(Spec{Kind: All + 1}, utc(2026, 6, 30, 12, 0, 0), nil, Anchors{})
	assert.ErrorIs(t, err, ErrInvalid)
	assert.EqualError(t, err, "invalid window: unknown kind Kind(12)")
}

// The same now, in a fixed zone and in the player's zone, gives different intervals.
func TestResolvePlayerZoneDiffers(t *testing.T) {
	now := utc(2026, 11, 23, 1, 30, 0)
	tokyo := zone(t, "Asia/Tokyo")
	fixed, err := Resolve(Spec{Kind: LastFullDay, Zone: "America/Los_Angeles"}, now, tokyo, Anchors{})
	require.NoError(t, err)
	player, err := Resolve(Spec{Kind: LastFullDay, PlayerZone: true}, now, tokyo, Anchors{})
	require.NoError(t, err)
	assert.Equal(t, "2026-11-21", fixed.Start.Format(time.DateOnly))
	assert.Equal(t, "2026-11-22", player.Start.Format(time.DateOnly))
	assert.False(t, fixed.Start.Equal(player.Start))
}

// A monotonic clock reading in now does not change the result.
func TestResolveMonotonic(t *testing.T) {
	now := time.Now()
	for _, s := range []Spec{{Kind: TimeBack, N: 2, Unit: Hour}, {Kind: LastFullDay, Zone: "Europe/Malta"}} {
		withClock, err := Resolve(s, now, nil, Anchors{})
		require.NoError(t, err)
		without, err := Resolve(s, now.Round(0), nil, Anchors{})
		require.NoError(t, err)
		assert.Equal(t, without, withClock, "Resolve(%v)", s)
	}
}

// Errors are comparable with errors.Is and errors.As.
func TestResolveErrorTypes(t *testing.T) {
	_, err := Resolve(Spec{Kind: TimeBack, N: 40, Unit: Day}, utc(2026, 6, 30, 12, 0, 0), nil, Anchors{})
	var le *LengthError
	require.True(t, errors.As(err, &le))
	assert.Equal(t, 40*day, le.Length)

	_, err = Resolve(Spec{Kind: QualificationToLast}, time.Time{}, nil, Anchors{LastTx: utc(2026, 6, 30, 12, 0, 0)})
	var ae *AnchorError
	require.True(t, errors.As(err, &ae))
	assert.Equal(t, "qualification time", ae.Name)
}
