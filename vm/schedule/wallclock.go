package schedule

import (
	"time"

	"github.com/promoc/promoc/vm/window"
)

// Wall-clock times are handled as time.Time values in UTC whose fields are the reading of
// the clock (a "civil" time), as in vm/window: calendar arithmetic on them never meets a
// DST change, and window.FirstInstant turns one into an instant of a zone only at the end,
// by the same rule for firings as for the bounds of windows.

// offsetMargin is more than any UTC offset a zone has had, and more than the difference
// between any two of its offsets, so that the clocks of every zone show less than w at
// w-offsetMargin and more than w at w+offsetMargin.
const offsetMargin = 48 * time.Hour

// latestReading returns the latest civil time the clocks of loc have shown at or before the
// instant t. It is the reading at t, except just after the clocks went back: then it is the
// reading just before they did, which is later.
//
// A civil time w has been reached by t (firstInstant(w) <= t) exactly when w is not after
// latestReading(t).
func latestReading(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	latest := window.WallClock(t)
	floor := t.Add(-offsetMargin)
	for range 64 {
		start, _ := t.ZoneBounds()
		if start.IsZero() || start.Before(floor) {
			// Periods that ended before floor showed less than the reading at t.
			break
		}
		t = start.Add(-time.Nanosecond).In(loc)
		if r := window.WallClock(t); r.After(latest) {
			latest = r
		}
	}
	return latest
}
