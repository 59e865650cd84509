package schedule

import "time"

// Wall-clock times are handled as time.Time values in UTC whose fields are the reading of
// the clock (a "civil" time), as in vm/window: calendar arithmetic on them never meets a
// DST change, and firstInstant turns one into an instant of a zone only at the end.

// wallClock returns the reading of t's clock in t's location, as a civil time.
func wallClock(t time.Time) time.Time {
	_, offset := t.Zone()
	return t.Add(time.Duration(offset) * time.Second).UTC()
}

// offsetMargin is more than any UTC offset a zone has had, and more than the difference
// between any two of its offsets, so that the clocks of every zone show less than w at
// w-offsetMargin and more than w at w+offsetMargin.
const offsetMargin = 48 * time.Hour

// firstInstant returns the first instant at which the clocks of loc show the civil time w or
// a later one: the rule of vm/window for wall-clock bounds, and the firing rule here.
//
// A time skipped by a change to summer time resolves to the instant of the jump (02:30 on
// 2026-03-29 in Europe/Malta resolves to 03:00 CEST), and a time that occurs twice when the
// clocks go back resolves to its first occurrence; time.Date may answer otherwise in both.
func firstInstant(w time.Time, loc *time.Location) time.Time {
	// Walk through the periods of constant UTC offset (as t.ZoneBounds reports them)
	// from a point where the clocks surely show less than w. Within one period the clock
	// reading grows with the instant, so w is either reached in the period, at w-offset,
	// or the clocks pass it at the period's end.
	t := w.Add(-offsetMargin).In(loc)
	for range 64 { // a zone changes its offset a few times in four days at most
		_, offset := t.Zone()
		_, end := t.ZoneBounds()
		c := w.Add(-time.Duration(offset) * time.Second)
		if !c.Before(t) && (end.IsZero() || c.Before(end)) {
			return c.In(loc)
		}
		if end.IsZero() {
			break
		}
		t = end.In(loc)
		if !wallClock(t).Before(w) {
			return t
		}
	}
	// Not reached for a zone with sane offsets; time.Date is the best remaining answer.
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc)
}

// latestReading returns the latest civil time the clocks of loc have shown at or before the
// instant t. It is the reading at t, except just after the clocks went back: then it is the
// reading just before they did, which is later.
//
// A civil time w has been reached by t (firstInstant(w) <= t) exactly when w is not after
// latestReading(t).
func latestReading(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	latest := wallClock(t)
	floor := t.Add(-offsetMargin)
	for range 64 {
		start, _ := t.ZoneBounds()
		if start.IsZero() || start.Before(floor) {
			// Periods that ended before floor showed less than the reading at t.
			break
		}
		t = start.Add(-time.Nanosecond).In(loc)
		if r := wallClock(t); r.After(latest) {
			latest = r
		}
	}
	return latest
}
