package schedule

import (
	"fmt"
	"time"
)

// Wall is a reading of a wall clock to the minute, in no particular zone: the nominal
// time of a firing, as the schedule names it.
type Wall struct {
	Year   int
	Month  time.Month // 1-12
	Day    int        // 1-31, within the month
	Hour   int        // 0-23
	Minute int        // 0-59
}

// String returns w as "2026-03-29T02:30", the form used in [Firing.Key].
func (w Wall) String() string {
	return fmt.Sprintf("%04d-%02d-%02dT%02d:%02d", w.Year, int(w.Month), w.Day, w.Hour, w.Minute)
}

// civil returns w as a time.Time in UTC whose fields are w's (see wallclock.go).
func (w Wall) civil() time.Time {
	return time.Date(w.Year, w.Month, w.Day, w.Hour, w.Minute, 0, 0, time.UTC)
}

// wallOf returns the Wall of a civil time, dropping its seconds.
func wallOf(c time.Time) Wall {
	y, m, d := c.Date()
	return Wall{Year: y, Month: m, Day: d, Hour: c.Hour(), Minute: c.Minute()}
}

// daysIn returns the number of days of month m of year y in the Gregorian calendar.
func daysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if isLeap(y) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// weekday returns the day of the week of a Gregorian date, without building a time.Time.
func weekday(y int, m time.Month, d int) time.Weekday {
	// Days since 1970-01-01 by Howard Hinnant's days_from_civil, with March as the first
	// month of the year so that the leap day is the year's last.
	if m <= time.February {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (int(m) + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	days := era*146097 + doe - 719468
	// 1970-01-01 was a Thursday.
	w := (days + 4) % 7
	if w < 0 {
		w += 7
	}
	return time.Weekday(w)
}
