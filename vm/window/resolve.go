package window

import (
	"fmt"
	"time"
)

// Anchors are the times a rule-relative window starts or ends at. A zero time is absent.
type Anchors struct {
	FirstTx   time.Time // the first transaction of the accumulation
	LastTx    time.Time // the last transaction of the accumulation
	Qualified time.Time // when the player qualified
	Entered   time.Time // when the player entered the campaign
}

// Resolve returns the interval that s covers at the instant now.
//
// Windows with wall-clock bounds (Fixed, the LastFull kinds, LastWeekend, FirstToFixed,
// QualificationToFixed) are computed on the clock of s's zone, or of playerZone when
// s.PlayerZone is set; their bounds are returned in that zone. Local midnight is local, so
// a day can last 23 or 25 hours. Where the clocks jump over a bound, it is the first
// instant at which they show that time or later (see the package documentation).
//
// Resolve fails with [ErrNoPlayerZone] when the window needs playerZone and it is nil, with
// an [*AnchorError] when the window needs an anchor (or now) that is zero, with
// [ErrStartAfterEnd] when the window would start after it ends (a Fixed window must end
// after it starts; the others may be empty), and with a [*LengthError] when the window is
// longer than [MaxLength].
func Resolve(s Spec, now time.Time, playerZone *time.Location, a Anchors) (Interval, error) {
	if err := s.check(); err != nil {
		return Interval{}, err
	}
	// Monotonic clock readings must not change the result.
	now = now.Round(0)
	a = Anchors{FirstTx: a.FirstTx.Round(0), LastTx: a.LastTx.Round(0), Qualified: a.Qualified.Round(0), Entered: a.Entered.Round(0)}
	var loc *time.Location
	if s.Kind.usesZone() {
		var err error
		if loc, err = s.location(playerZone); err != nil {
			return Interval{}, err
		}
	}
	switch s.Kind {
	case Fixed:
		return wallInterval(s.Start.civil(), s.End.civil(), loc, false)
	case TimeBack:
		if now.IsZero() {
			return Interval{}, &AnchorError{Name: anchorNow}
		}
		length, _ := s.StaticLength()
		if length > MaxLength {
			return Interval{}, &LengthError{Length: length}
		}
		return Interval{Start: now.Add(-length), End: now}, nil
	case LastFullDay, LastFullWeek, LastWeekend, LastFullMonth:
		if now.IsZero() {
			return Interval{}, &AnchorError{Name: anchorNow}
		}
		start, end := calendar(s.Kind, midnight(wallClock(now.In(loc))))
		return wallInterval(start, end, loc, true)
	case FirstToLast:
		return inclusive(a.FirstTx, anchorFirst, a.LastTx)
	case QualificationToLast:
		return inclusive(a.Qualified, anchorQualified, a.LastTx)
	case FirstToFixed:
		return toFixed(a.FirstTx, anchorFirst, s.End, loc)
	case QualificationToFixed:
		return toFixed(a.Qualified, anchorQualified, s.End, loc)
	case SinceEntrance:
		switch {
		case a.Entered.IsZero():
			return Interval{}, &AnchorError{Name: anchorEntered}
		case now.IsZero():
			return Interval{}, &AnchorError{Name: anchorNow}
		}
		return elapsedInterval(a.Entered, now, now.Sub(a.Entered))
	case All:
		return Interval{All: true}, nil
	}
	panic("unreachable: check accepted kind " + s.Kind.String())
}

// calendar returns the civil bounds of a calendar window, given today's civil midnight.
func calendar(k Kind, today time.Time) (start, end time.Time) {
	switch k {
	case LastFullDay:
		return today.AddDate(0, 0, -1), today
	case LastFullWeek:
		monday := today.AddDate(0, 0, -daysSinceMonday(today))
		return monday.AddDate(0, 0, -7), monday
	case LastWeekend:
		// The latest weekend that has ended by now ends at the latest Monday 00:00 not
		// after now, which is this week's Monday: on Monday itself it is today, so the
		// weekend that has just ended counts; on a Saturday or Sunday the weekend under
		// way has not ended and the previous one counts.
		monday := today.AddDate(0, 0, -daysSinceMonday(today))
		return monday.AddDate(0, 0, -2), monday
	case LastFullMonth:
		y, m, _ := today.Date()
		first := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
		return first.AddDate(0, -1, 0), first // AddDate is safe here: the day is 1
	}
	panic("unreachable: not a calendar kind: " + k.String())
}

// daysSinceMonday returns 0 for a Monday up to 6 for a Sunday (ISO weeks start on Monday).
func daysSinceMonday(t time.Time) int { return (int(t.Weekday()) + 6) % 7 }

// wallInterval resolves the civil bounds [start, end) in loc. The limit is checked on the
// civil times, so that a calendar month is never too long; a Fixed window (mayBeEmpty
// false) must end after it starts.
func wallInterval(start, end time.Time, loc *time.Location, mayBeEmpty bool) (Interval, error) {
	if length := end.Sub(start); length > MaxLength {
		return Interval{}, &LengthError{Length: length}
	}
	i := Interval{Start: firstInstant(start, loc), End: firstInstant(end, loc)}
	if !i.End.After(i.Start) && !(mayBeEmpty && i.End.Equal(i.Start)) {
		return Interval{}, startAfterEnd(i.Start, i.End)
	}
	return i, nil
}

// inclusive returns the window from the anchor start to the last transaction, included:
// it ends 1ns, the smallest step of a time.Time, after last. The limit applies to the
// time between the two, so a window from a first to a last transaction 31 days later is
// allowed.
func inclusive(start time.Time, startName string, last time.Time) (Interval, error) {
	switch {
	case start.IsZero():
		return Interval{}, &AnchorError{Name: startName}
	case last.IsZero():
		return Interval{}, &AnchorError{Name: anchorLast}
	case start.After(last):
		return Interval{}, startAfterEnd(start, last)
	}
	return elapsedInterval(start, last.Add(time.Nanosecond), last.Sub(start))
}

// toFixed returns the window from the anchor start to the wall-clock time end in loc. Its
// length is measured on loc's wall clock, from start's reading to end as declared, like a
// Fixed window's.
func toFixed(start time.Time, startName string, end Wall, loc *time.Location) (Interval, error) {
	if start.IsZero() {
		return Interval{}, &AnchorError{Name: startName}
	}
	start = start.In(loc)
	e := firstInstant(end.civil(), loc)
	if start.After(e) {
		return Interval{}, startAfterEnd(start, e)
	}
	if length := end.civil().Sub(wallClock(start)); length > MaxLength {
		return Interval{}, &LengthError{Length: length}
	}
	return Interval{Start: start, End: e}, nil
}

// elapsedInterval returns [start, end) after checking that it is in order and that length,
// the elapsed time the limit applies to, is within it.
func elapsedInterval(start, end time.Time, length time.Duration) (Interval, error) {
	if start.After(end) {
		return Interval{}, startAfterEnd(start, end)
	}
	if length > MaxLength {
		return Interval{}, &LengthError{Length: length}
	}
	return Interval{Start: start, End: end}, nil
}

func startAfterEnd(start, end time.Time) error {
	return fmt.Errorf("%w: start %s, end %s", ErrStartAfterEnd, start.Format(time.RFC3339Nano), end.Format(time.RFC3339Nano))
}
