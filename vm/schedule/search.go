package schedule

import (
	"time"

	"github.com/promoc/promoc/lang/limits"
)

// The years in which firings are searched: the local dates of the times promoc
// represents. Next and Prev report no firing outside them, so that every search is
// bounded even for a schedule that fires once in years, or never.
var (
	firstYear = limits.MinTime.Year()
	lastYear  = limits.MaxTime.Year() - 1
)

// nextWall returns the first minute at or after w that s names, skipping by fields: to
// the next month in the set, the next matching day, the next hour, the next minute. It
// visits at most a few hundred days per year, so it is fast however rarely s fires. w
// must be a valid date and time; ok is false when no minute up to the end of lastYear
// matches.
func (s Schedule) nextWall(w Wall) (Wall, bool) {
	if s.minutes == 0 || s.hours == 0 {
		return Wall{}, false
	}
	nextDay := func() {
		w.Day, w.Hour, w.Minute = w.Day+1, 0, 0
		if w.Day > daysIn(w.Year, w.Month) {
			w.Month, w.Day = w.Month+1, 1
			if w.Month > time.December {
				w.Year, w.Month = w.Year+1, time.January
			}
		}
	}
	for w.Year <= lastYear {
		if s.months&(1<<w.Month) == 0 {
			m := nextBit(uint64(s.months), int(w.Month))
			if m < 0 {
				w = Wall{Year: w.Year + 1, Month: time.January, Day: 1}
				continue
			}
			w = Wall{Year: w.Year, Month: time.Month(m), Day: 1}
		}
		if !s.dateMatches(w.Year, w.Month, w.Day) {
			if s.either {
				nextDay()
				continue
			}
			// Both day fields must match: skip to the next day of the month in the set.
			if d := nextBit(uint64(s.days), w.Day+1); d > 0 && d <= daysIn(w.Year, w.Month) {
				w.Day, w.Hour, w.Minute = d, 0, 0
			} else {
				w.Day = daysIn(w.Year, w.Month)
				nextDay()
			}
			continue
		}
		h := nextBit(uint64(s.hours), w.Hour)
		if h < 0 {
			nextDay()
			continue
		}
		if h != w.Hour {
			w.Hour, w.Minute = h, 0
		}
		m := nextBit(s.minutes, w.Minute)
		if m < 0 {
			if w.Hour++; w.Hour > 23 {
				nextDay()
			} else {
				w.Minute = 0
			}
			continue
		}
		w.Minute = m
		return w, true
	}
	return Wall{}, false
}

// prevWall returns the last minute at or before w that s names, as nextWall does in the
// other direction; ok is false when none from the start of firstYear matches.
func (s Schedule) prevWall(w Wall) (Wall, bool) {
	if s.minutes == 0 || s.hours == 0 {
		return Wall{}, false
	}
	prevDay := func() {
		w.Day, w.Hour, w.Minute = w.Day-1, 23, 59
		if w.Day < 1 {
			w.Month--
			if w.Month < time.January {
				w.Year, w.Month = w.Year-1, time.December
			}
			w.Day = daysIn(w.Year, w.Month)
		}
	}
	for w.Year >= firstYear {
		if s.months&(1<<w.Month) == 0 {
			m := prevBit(uint64(s.months), int(w.Month))
			if m < 0 {
				w = Wall{Year: w.Year - 1, Month: time.December, Day: 31, Hour: 23, Minute: 59}
				continue
			}
			w = Wall{Year: w.Year, Month: time.Month(m), Day: daysIn(w.Year, time.Month(m)), Hour: 23, Minute: 59}
		}
		if !s.dateMatches(w.Year, w.Month, w.Day) {
			if s.either {
				prevDay()
				continue
			}
			if d := prevBit(uint64(s.days), w.Day-1); d > 0 {
				w.Day, w.Hour, w.Minute = d, 23, 59
			} else {
				w.Day = 1
				prevDay()
			}
			continue
		}
		h := prevBit(uint64(s.hours), w.Hour)
		if h < 0 {
			prevDay()
			continue
		}
		if h != w.Hour {
			w.Hour, w.Minute = h, 59
		}
		m := prevBit(s.minutes, w.Minute)
		if m < 0 {
			if w.Hour--; w.Hour < 0 {
				prevDay()
			} else {
				w.Minute = 59
			}
			continue
		}
		w.Minute = m
		return w, true
	}
	return Wall{}, false
}
