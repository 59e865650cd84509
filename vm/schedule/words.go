package schedule

import (
	"fmt"
	"strconv"
	"time"
)

// Every is what repeats in a schedule in words.
type Every uint8

const (
	// EveryDay fires every day: "every day 09:30".
	EveryDay Every = iota + 1
	// EveryWeekday fires Monday to Friday: "every weekday 08:00".
	EveryWeekday
	// EveryWeek fires on one day of the week, [Words.Weekday]: "every Monday 00:00".
	EveryWeek
	// EveryMonth fires on one day of the month, [Words.Day]: "every month on day 1 00:00".
	// Months without that day are skipped: day 31 fires in seven months a year, day 29
	// in February of leap years only.
	EveryMonth
)

// Words is a schedule in words, as the parser of a rule fills it. It fires as the cron
// expression [Words.Cron] does, with the same rules across DST changes and downtime.
type Words struct {
	Every   Every
	Weekday time.Weekday // EveryWeek only: the day, Sunday to Saturday
	Day     int          // EveryMonth only: the day of the month, 1-31
	Hour    int          // 0-23
	Minute  int          // 0-59
}

// WordsAt returns the schedule in words for a day as the grammar writes it, "day",
// "weekday" or a day of the week "Monday" ... "Sunday" (capitalised, as in English), at
// hour:minute. An unknown day is an [*Error] for the field "every"; the hour and the
// minute are checked by [Words.Schedule].
func WordsAt(day string, hour, minute int) (Words, error) {
	w := Words{Hour: hour, Minute: minute}
	switch day {
	case "day":
		w.Every = EveryDay
	case "weekday":
		w.Every = EveryWeekday
	default:
		w.Every = EveryWeek
		for d := time.Sunday; d <= time.Saturday; d++ {
			if day == d.String() {
				w.Weekday = d
				return w, nil
			}
		}
		return Words{}, &Error{Field: "every", Offset: -1, End: -1, Msg: "expected day, weekday or a day of the week, Monday ... Sunday, found " + quote(day)}
	}
	return w, nil
}

// String returns the words of w: "every day 09:30", "every weekday 08:00", "every Monday
// 00:00", "every month on day 1 00:00". It is the text of w's Schedule.
func (w Words) String() string {
	clock := fmt.Sprintf("%02d:%02d", w.Hour, w.Minute)
	switch w.Every {
	case EveryDay:
		return "every day " + clock
	case EveryWeekday:
		return "every weekday " + clock
	case EveryWeek:
		return "every " + w.Weekday.String() + " " + clock
	case EveryMonth:
		return "every month on day " + strconv.Itoa(w.Day) + " " + clock
	}
	return fmt.Sprintf("every(%d) %s", w.Every, clock)
}

// Cron returns the cron expression that fires as w does: "30 9 * * *" for every day
// 09:30, "0 0 * * 1" for every Monday 00:00.
func (w Words) Cron() string {
	day, weekday := "*", "*"
	switch w.Every {
	case EveryWeekday:
		weekday = "1-5"
	case EveryWeek:
		weekday = strconv.Itoa(int(w.Weekday))
	case EveryMonth:
		day = strconv.Itoa(w.Day)
	}
	return fmt.Sprintf("%d %d %s * %s", w.Minute, w.Hour, day, weekday)
}

// Schedule returns the schedule of w, or an [*Error] naming the field out of range
// ("hour", "minute", "weekday", "day" or "every"), with offsets -1.
func (w Words) Schedule() (Schedule, error) {
	bad := func(field, msg string) (Schedule, error) {
		return Schedule{}, &Error{Field: field, Offset: -1, End: -1, Msg: msg}
	}
	switch {
	case w.Every < EveryDay || w.Every > EveryMonth:
		return bad("every", fmt.Sprintf("unknown repetition %d: expected day, weekday, a day of the week or month", w.Every))
	case w.Hour < 0 || w.Hour > 23:
		return bad("hour", strconv.Itoa(w.Hour)+" is out of range 0-23")
	case w.Minute < 0 || w.Minute > 59:
		return bad("minute", strconv.Itoa(w.Minute)+" is out of range 0-59")
	case w.Every == EveryWeek && (w.Weekday < time.Sunday || w.Weekday > time.Saturday):
		return bad("weekday", strconv.Itoa(int(w.Weekday))+" is not a day of the week (0 is Sunday, 6 Saturday)")
	case w.Every == EveryMonth && (w.Day < 1 || w.Day > 31):
		return bad("day", strconv.Itoa(w.Day)+" is out of range 1-31")
	}
	s, err := Parse(w.Cron())
	if err != nil {
		return Schedule{}, fmt.Errorf("schedule %v: %w", w, err) // not reached: every field was checked
	}
	s.text = w.String()
	return s, nil
}
