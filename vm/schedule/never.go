package schedule

import (
	"strconv"
	"strings"
	"time"
)

// NeverReason says why a schedule that [Schedule.NeverFires] never fires, and what would
// make it fire, for the compiler's message: for "0 0 30,31 2 *", "February has at most 29
// days, and the schedule names only days 30 and 31: name a day from 1 to 29". It returns
// "" for a schedule that fires.
func (s Schedule) NeverReason() string {
	switch {
	case !s.NeverFires():
		return ""
	case s.minutes == 0 || s.hours == 0 || s.months == 0 || s.days == 0 || s.weekdays == 0 && !s.either:
		return "the schedule names no time at all"
	}
	// Otherwise no month named has a day named: every day named is past the end of every
	// month named.
	var months []string
	longest := 0
	for m := time.January; m <= time.December; m++ {
		if s.months&(1<<m) != 0 {
			months = append(months, m.String())
			longest = max(longest, daysIn(2000, m))
		}
	}
	var days []string
	for d := 1; d <= 31; d++ {
		if s.days&(1<<d) != 0 {
			days = append(days, strconv.Itoa(d))
		}
	}
	have := " has"
	if len(months) > 1 {
		have = " have"
	}
	named := "day " + days[0]
	if len(days) > 1 {
		named = "days " + strings.Join(days[:len(days)-1], ", ") + " and " + days[len(days)-1]
	}
	return and(months) + have + " at most " + strconv.Itoa(longest) + " days, and the schedule names only " +
		named + ": name a day from 1 to " + strconv.Itoa(longest)
}

// and joins words as English does: "April", "April and June", "April, June and September".
func and(words []string) string {
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
