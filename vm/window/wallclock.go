package window

import "time"

// Wall-clock times are handled as time.Time values in UTC whose fields are the reading of
// the clock (a "civil" time): calendar arithmetic on them never meets a DST change, and
// firstInstant turns one into an instant of a particular zone only at the end.

// wallClock returns the reading of t's clock in t's location, as a civil time.
func wallClock(t time.Time) time.Time {
	_, offset := t.Zone()
	return t.Add(time.Duration(offset) * time.Second).UTC()
}

// midnight returns the civil time at the start of t's date.
func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// WallClock returns the reading of t's clock in t's location, as a civil time: a
// time.Time in UTC whose fields are that reading.
func WallClock(t time.Time) time.Time { return wallClock(t) }

// FirstInstant returns the first instant at which the clocks of loc show the civil time w
// (a time.Time in UTC whose fields are a clock's reading) or a later one. A time skipped by
// a change to summer time resolves to the instant of the jump; a time that occurs twice
// resolves to its first occurrence. Windows' wall-clock bounds and vm/schedule's firings
// both follow it.
func FirstInstant(w time.Time, loc *time.Location) time.Time { return firstInstant(w, loc) }

// offsetMargin is more than any UTC offset a zone has had, so that the clocks of every
// zone show less than w at w-offsetMargin and more than w at w+offsetMargin.
const offsetMargin = 48 * time.Hour

// firstInstant returns the first instant at which the clocks of loc show the civil time w or
// a later one.
//
// That is the instant time.Date gives for an ordinary wall-clock time. It differs where
// the clocks jump: a time skipped by a change to summer time resolves to the instant of the
// jump (02:30 on 2026-03-29 in Europe/Malta resolves to 03:00 CEST), where time.Date may
// return an instant before the jump; and a time that occurs twice when the clocks go back
// resolves to its first occurrence, where time.Date may return the second. Because of this, a day whose midnight is skipped (as in
// America/Santiago on 2026-09-06, where 00:00 becomes 01:00) starts at the jump, while
// time.Date returns 23:00 of the day before.
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
