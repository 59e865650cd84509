package schedule

import (
	"testing"
	"time"

	"github.com/promoc/promoc/vm/window"
	"github.com/stretchr/testify/require"
)

// zone loads an IANA zone for a test.
func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

// mustParse parses a cron expression that the test knows is valid.
func mustParse(t testing.TB, expr string) Schedule {
	t.Helper()
	s, err := Parse(expr)
	require.NoError(t, err, "Parse(%q)", expr)
	return s
}

// utc returns a UTC instant.
func utc(y int, m time.Month, d, h, mi int) time.Time {
	return time.Date(y, m, d, h, mi, 0, 0, time.UTC)
}

// model returns the firings of s in loc in (after, until] by the definition, minute by
// minute: at each instant t, the minutes the clocks reach for the first time are those
// after the latest reading so far up to the reading at t, and the instant fires when one
// of them matches, named by the earliest. It assumes that the zone changes its offset only
// at whole minutes, as every zone has since 1900 apart from a few LMT changes.
func model(s Schedule, loc *time.Location, after, until time.Time) []Firing {
	// Start three days early, so that the latest reading is known at after.
	t := after.Add(-72 * time.Hour).Truncate(time.Minute)
	seen := window.WallClock(t.In(loc))
	var out []Firing
	for ; !t.After(until); t = t.Add(time.Minute) {
		r := window.WallClock(t.In(loc))
		if !r.After(seen) {
			continue
		}
		first := Wall{}
		for c := seen.Truncate(time.Minute).Add(time.Minute); !c.After(r); c = c.Add(time.Minute) {
			if w := wallOf(c); s.Matches(w) {
				first = w
				break
			}
		}
		seen = r
		if first != (Wall{}) && t.After(after) {
			out = append(out, Firing{At: t.In(loc), Wall: first, Zone: loc.String()})
		}
	}
	return out
}

// firings returns the firings of s in loc in (after, until] by calling Next repeatedly.
func firings(t testing.TB, s Schedule, loc *time.Location, after, until time.Time) []Firing {
	t.Helper()
	var out []Firing
	for {
		f, ok := s.Next(after, loc)
		if !ok || f.At.After(until) {
			return out
		}
		require.True(t, f.At.After(after), "Next(%v) = %v, not after", after, f.At)
		out = append(out, f)
		after = f.At
	}
}

// line formats a firing for golden files and failures: the instant in the zone, in UTC,
// and the key.
func line(f Firing) string {
	return f.At.Format("2006-01-02T15:04:05Z07:00 Mon") + "  " + f.At.UTC().Format("2006-01-02T15:04Z") + "  " + f.Key()
}
