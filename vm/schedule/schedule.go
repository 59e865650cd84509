package schedule

import (
	"math/bits"
	"time"
)

// Schedule is a parsed schedule: the set of wall-clock minutes at which it fires. It is
// a small comparable value, safe to copy and to use from several goroutines. The zero
// Schedule has no minutes and never fires; [Parse] and [Words.Schedule] return the
// others.
type Schedule struct {
	minutes  uint64 // bit m set: minute m fires, 0-59
	hours    uint32 // bit h: hour h, 0-23
	days     uint32 // bit d: day of month d, 1-31
	months   uint16 // bit m: month m, 1-12
	weekdays uint8  // bit d: time.Weekday d, 0 (Sunday) - 6
	// either is set when both day fields are restricted (neither is written starting with
	// "*"): a date then matches when its day of month or its weekday does, as in cron.
	// Otherwise both must match.
	either bool
	text   string // the canonical text, as String returns it
}

// String returns the schedule's text: the cron expression with its fields separated by
// one space, or the words of a [Words] value.
func (s Schedule) String() string { return s.text }

// IsZero reports whether s is the zero Schedule.
func (s Schedule) IsZero() bool { return s == Schedule{} }

// Matches reports whether the schedule names the wall-clock minute w. A w that is not a
// valid date and time (February 30, minute 60) matches nothing.
func (s Schedule) Matches(w Wall) bool {
	if w.Month < time.January || w.Month > time.December || w.Day < 1 || w.Day > daysIn(w.Year, w.Month) ||
		w.Hour < 0 || w.Hour > 23 || w.Minute < 0 || w.Minute > 59 {
		return false
	}
	return s.minutes&(1<<w.Minute) != 0 && s.hours&(1<<w.Hour) != 0 && s.dateMatches(w.Year, w.Month, w.Day)
}

// dateMatches reports whether the valid date y-m-d is a day on which s fires.
func (s Schedule) dateMatches(y int, m time.Month, d int) bool {
	if s.months&(1<<m) == 0 {
		return false
	}
	dom := s.days&(1<<d) != 0
	if s.either && dom {
		return true
	}
	if !s.either && !dom {
		return false
	}
	return s.weekdays&(1<<weekday(y, m, d)) != 0
}

// NeverFires reports whether no date of the Gregorian calendar, in any year, matches the
// schedule, so that it never fires in any zone: "0 0 31 2 *" and "0 0 30 2 *" never fire,
// "0 0 29 2 *" fires in leap years, and "0 0 31 4 1" fires every Monday of April (the day
// fields are combined with "or", see the package documentation).
//
// The answer is exact and takes constant time. A date of a month that the month has in
// some year (February 29 included) falls on every day of the week in some year, so a
// schedule that needs both a day of the month and a weekday fires as soon as each is
// possible on its own. Within the years promoc represents, 1900 to 2199, every such date
// falls on every weekday too (February 29 has all seven by 1928 and again by 2128), so a
// schedule that NeverFires does not report has firings in that range; [Schedule.Next]
// may still find none after a given instant, near the end of the range.
func (s Schedule) NeverFires() bool {
	if s.minutes == 0 || s.hours == 0 {
		return true
	}
	someDate := false
	for m := time.January; m <= time.December; m++ {
		if s.months&(1<<m) == 0 {
			continue
		}
		// The longest the month is in any year: 29 days for February.
		longest := uint32(1)<<(daysIn(2000, m)+1) - 1
		if s.days&longest != 0 {
			someDate = true
			break
		}
	}
	someWeekday := s.weekdays != 0 && s.months != 0
	if s.either {
		return !someDate && !someWeekday
	}
	return !someDate || !someWeekday
}

// nextBit returns the smallest set bit of mask at or above from, or -1.
func nextBit(mask uint64, from int) int {
	if from > 63 {
		return -1
	}
	m := mask >> from << from
	if m == 0 {
		return -1
	}
	return bits.TrailingZeros64(m)
}

// prevBit returns the largest set bit of mask at or below from, or -1.
func prevBit(mask uint64, from int) int {
	if from < 0 {
		return -1
	}
	m := mask & (uint64(2)<<from - 1)
	if m == 0 {
		return -1
	}
	return 63 - bits.LeadingZeros64(m)
}
