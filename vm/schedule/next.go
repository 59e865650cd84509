package schedule

import (
	"time"

	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/vm/window"
)

// Firing is one firing of a schedule in a zone.
type Firing struct {
	// At is the instant of the firing, in the zone's location: the first instant at
	// which the zone's clocks show Wall or a later time.
	At time.Time
	// Wall is the nominal time of the firing, the minute the schedule names. It differs
	// from At's reading only when the clocks skipped Wall: then At is the instant of the
	// jump. When several minutes of the schedule are skipped by one jump they are one
	// firing, and Wall is the earliest of them.
	Wall Wall
	// Zone is the name of the zone (loc.String()): an IANA name such as "Europe/Malta".
	Zone string
}

// Key returns the identity of the firing, the same on every machine and every call:
// the zone's name and the nominal local date and time, "Europe/Malta 2026-03-29T02:30".
// A host runs one job per key and schedule, whatever the number of players it covers,
// and derives the trigger of every player's run from it, so that a retried or duplicated
// job changes nothing. Zones are told apart by name: two locations with the same name
// give the same keys, so a host loads zones by their IANA names (vm/window.LoadZone) and
// never passes time.Local, whose name is "Local" on every machine.
func (f Firing) Key() string { return f.Zone + " " + f.Wall.String() }

// The instants beyond which no firing is searched: a firing's local date lies in the
// years firstYear to lastYear, and every zone's offset is less than offsetMargin.
var (
	earliest = limits.MinTime.Add(-offsetMargin)
	latest   = limits.MaxTime.Add(offsetMargin)
)

// Next returns the first firing of s in the zone loc strictly after the instant after.
// ok is false when there is none before the end of the year 2199 (local time), as for a
// schedule that [Schedule.NeverFires]. A nil loc is UTC.
//
// The schedule is read on loc's wall clock. A minute the clocks skip when summer time
// starts fires at the first instant after the jump: with "30 2 * * *" in Europe/Malta,
// on 2026-03-29, when the clocks go from 02:00 to 03:00, at 03:00 local time (01:00 UTC).
// A minute that occurs twice when the clocks go back fires once, at its first occurrence.
//
// Next skips by fields (to the next month, day, hour, minute of the schedule), so its
// cost does not depend on how far the next firing is; it does not allocate.
func (s Schedule) Next(after time.Time, loc *time.Location) (Firing, bool) {
	if loc == nil {
		loc = time.UTC
	}
	if s.NeverFires() || !after.Before(latest) {
		return Firing{}, false
	}
	if after.Before(earliest) {
		after = earliest
	}
	// The minutes whose firing is after `after` are those the clocks have not shown by
	// then: the ones after the latest reading.
	from := wallOf(latestReading(after, loc).Truncate(time.Minute).Add(time.Minute))
	if from.Year < firstYear {
		from = Wall{Year: firstYear, Month: time.January, Day: 1}
	}
	w, ok := s.nextWall(from)
	if !ok {
		return Firing{}, false
	}
	return Firing{At: window.FirstInstant(w.civil(), loc), Wall: w, Zone: loc.String()}, true
}

// Prev returns the last firing of s in the zone loc at or before the instant t, the same
// Firing (instant and nominal time) that [Schedule.Next] returns for an instant before it.
// ok is false when there is none since the start of the year 1900 (local time).
func (s Schedule) Prev(t time.Time, loc *time.Location) (Firing, bool) {
	if loc == nil {
		loc = time.UTC
	}
	if s.NeverFires() || t.Before(earliest) {
		return Firing{}, false
	}
	if !t.Before(latest) {
		t = latest
	}
	// The minutes whose firing is at or before t are those the clocks have shown.
	until := wallOf(latestReading(t, loc))
	if until.Year > lastYear {
		until = Wall{Year: lastYear, Month: time.December, Day: 31, Hour: 23, Minute: 59}
	}
	w, ok := s.prevWall(until)
	if !ok {
		return Firing{}, false
	}
	// Minutes skipped by one jump share its instant; the firing is named by the earliest
	// of them, which is what Next finds from just before the instant.
	return s.Next(window.FirstInstant(w.civil(), loc).Add(-time.Nanosecond), loc)
}

// Missed returns the firing to run after downtime: the most recent firing of s in loc
// after the instant last and at or before now. The firings missed in between collapse
// into this one run, evaluated as of its time (f.At) with its key. ok is false when no
// firing was missed.
//
// last is the instant up to which firings have been run: the At of the last firing run,
// or, for a schedule that never ran, the instant it was put into service. After running
// the returned firing, Missed(f.At, now, loc) returns none: a second restart runs nothing
// again.
func (s Schedule) Missed(last, now time.Time, loc *time.Location) (Firing, bool) {
	f, ok := s.Prev(now, loc)
	if !ok || !f.At.After(last) {
		return Firing{}, false
	}
	return f, true
}
