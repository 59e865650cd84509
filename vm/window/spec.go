package window

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// MaxLength is the longest window allowed: 31 days. A window of exactly MaxLength is
// allowed. Windows with wall-clock bounds are measured on the wall clock of their zone, so a
// calendar month is never too long, even when a DST change makes it 31 days and 1 hour of
// elapsed time; the others are measured in elapsed time.
const MaxLength = 31 * 24 * time.Hour

// Spec is a window as declared in a rule. The compiler builds it; it is not changed after.
// Fields a kind does not use are ignored.
type Spec struct {
	Kind Kind
	N    int64 // TimeBack: the number of units, > 0
	Unit Unit  // TimeBack

	// Start and End are the bounds of a Fixed window; End is also the end of
	// FirstToFixed and QualificationToFixed. They are read on the wall clock of the zone.
	Start, End Wall

	// Zone is the IANA name of the zone a window with wall-clock bounds is computed in;
	// "" means UTC. It is empty when PlayerZone is set.
	Zone string
	// PlayerZone says the window is computed in each player's own zone, which
	// [Resolve] is given.
	PlayerZone bool
	// Loc is Zone loaded by [LoadZone], or nil. The compiler sets it so that Resolve
	// need not load the zone on every call, which costs microseconds; when nil, Resolve
	// loads Zone itself.
	Loc *time.Location
}

// Wall is a wall-clock time, read in a window's zone. Its fields must form a valid date
// and time: Month 1-12, Day within the month, Hour 0-23, Min and Sec 0-59, Year 1-9999.
type Wall struct {
	Year                int
	Month               time.Month
	Day, Hour, Min, Sec int
}

// String returns w as "2026-03-01 00:00", with seconds only when they are not zero
// ("2026-03-01 00:00:30").
func (w Wall) String() string {
	s := fmt.Sprintf("%04d-%02d-%02d %02d:%02d", w.Year, int(w.Month), w.Day, w.Hour, w.Min)
	if w.Sec != 0 {
		s += fmt.Sprintf(":%02d", w.Sec)
	}
	return s
}

// civil returns w as a civil time (see wallClock).
func (w Wall) civil() time.Time {
	return time.Date(w.Year, w.Month, w.Day, w.Hour, w.Min, w.Sec, 0, time.UTC)
}

func (w Wall) valid() bool {
	if w.Year < 1 || w.Year > 9999 || w.Month < time.January || w.Month > time.December ||
		w.Hour < 0 || w.Hour > 23 || w.Min < 0 || w.Min > 59 || w.Sec < 0 || w.Sec > 59 || w.Day < 1 {
		return false
	}
	// time.Date normalizes Day 31 of a 30-day month to the 1st of the next.
	return w.civil().Day() == w.Day
}

// String returns the window as it would be written in a rule, for traces and disassembly:
// "last 7 days", "last full week in \"Europe/Malta\"", "last full day in player zone",
// "from 2026-03-01 00:00 to 2026-04-01 00:00 in \"Europe/Malta\"".
func (s Spec) String() string {
	var b strings.Builder
	switch s.Kind {
	case Fixed:
		fmt.Fprintf(&b, "from %v to %v", s.Start, s.End)
	case TimeBack:
		b.WriteString("last " + strconv.FormatInt(s.N, 10) + " " + s.Unit.String())
		if s.N != 1 {
			b.WriteString("s")
		}
	case LastFullDay, LastFullWeek, LastWeekend, LastFullMonth:
		b.WriteString(s.Kind.String())
	case FirstToLast:
		b.WriteString("between first transaction and last transaction")
	case QualificationToLast:
		b.WriteString("between qualification and last transaction")
	case FirstToFixed:
		fmt.Fprintf(&b, "from first transaction to %v", s.End)
	case QualificationToFixed:
		fmt.Fprintf(&b, "from qualification to %v", s.End)
	case SinceEntrance:
		b.WriteString("since entrance")
	case All:
		b.WriteString("all time")
	default:
		b.WriteString(s.Kind.String())
	}
	if s.Kind.usesZone() {
		switch {
		case s.PlayerZone:
			b.WriteString(" in player zone")
		case s.Zone != "":
			b.WriteString(" in " + strconv.Quote(s.Zone))
		}
	}
	return b.String()
}

// check reports what is malformed in s itself, whatever the zone, now and anchors.
func (s Spec) check() error {
	switch {
	case !s.Kind.valid():
		return fmt.Errorf("%w: unknown kind %v", ErrInvalid, s.Kind)
	case s.Kind.usesZone() && s.PlayerZone && s.Zone != "":
		return fmt.Errorf("%w: both the zone %q and the player zone", ErrInvalid, s.Zone)
	}
	switch s.Kind {
	case TimeBack:
		if !s.Unit.valid() {
			return fmt.Errorf("%w: unknown unit %v", ErrInvalid, s.Unit)
		}
		if s.N <= 0 {
			return fmt.Errorf("%w: the number of %ss must be positive, got %d", ErrInvalid, s.Unit, s.N)
		}
	case Fixed:
		if !s.Start.valid() {
			return fmt.Errorf("%w: start %v is not a valid date and time", ErrInvalid, s.Start)
		}
		fallthrough
	case FirstToFixed, QualificationToFixed:
		if !s.End.valid() {
			return fmt.Errorf("%w: end %v is not a valid date and time", ErrInvalid, s.End)
		}
	}
	return nil
}

// StaticLength returns the window's length when it is known from s alone, as the
// [MaxLength] limit measures it; ok is false when the length depends on now, the zone or
// the anchors, or when s is malformed.
//
// A TimeBack window is N units of elapsed time. A Fixed window is measured on the wall
// clock: from 2026-10-01 00:00 to 2026-11-01 00:00 is 31 days in every zone, although in
// Europe/Malta that is 31 days and 1 hour of elapsed time (use [Resolve] and
// [Interval.Duration] for elapsed time). So a Fixed window's static length holds in the
// player's zone too, and the compiler can reject a window that is too long, as Resolve
// would, before it runs.
func (s Spec) StaticLength() (length time.Duration, ok bool) {
	if s.check() != nil {
		return 0, false
	}
	switch s.Kind {
	case TimeBack:
		unit := s.Unit.Duration()
		if s.N > math.MaxInt64/int64(unit) {
			return math.MaxInt64, true
		}
		return time.Duration(s.N) * unit, true
	case Fixed:
		return s.End.civil().Sub(s.Start.civil()), true
	}
	return 0, false
}

// Validate reports what is wrong with s that is known before it is resolved: a malformed
// spec, an unknown zone (or a Loc that is not Zone), a fixed window that does not end after
// it starts, a static length over [MaxLength]. A Spec that passes may still fail to resolve:
// a relative window may lack its anchors or the player's zone, and a rule-relative window
// may turn out too long.
func (s Spec) Validate() error {
	if err := s.check(); err != nil {
		return err
	}
	if s.Kind.usesZone() && !s.PlayerZone && s.Zone != "" {
		if s.Loc == nil {
			if _, err := LoadZone(s.Zone); err != nil {
				return err
			}
		} else if s.Loc.String() != s.Zone {
			return fmt.Errorf("%w: Loc is %q but Zone is %q", ErrInvalid, s.Loc, s.Zone)
		}
	}
	if s.Kind == Fixed && !s.End.civil().After(s.Start.civil()) {
		return fmt.Errorf("%w: end %v is not after start %v", ErrStartAfterEnd, s.End, s.Start)
	}
	if length, ok := s.StaticLength(); ok && length > MaxLength {
		return &LengthError{Length: length}
	}
	return nil
}
