package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// anyDate reports whether some date from 1900 to 2199 matches s, day by day.
func anyDate(s Schedule) bool {
	for d := time.Date(firstYear, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() <= lastYear; d = d.AddDate(0, 0, 1) {
		if s.dateMatches(d.Year(), d.Month(), d.Day()) {
			return true
		}
	}
	return false
}

// TestNeverFires checks NeverFires on schedules that fire rarely or never, and compares it
// with a scan of every date from 1900 to 2199.
func TestNeverFires(t *testing.T) {
	tests := []struct {
		expr string
		want bool
	}{
		{"0 0 31 2 *", true},
		{"0 0 30 2 *", true},
		{"0 0 30,31 2 *", true},
		{"0 0 31 4,6,9,11 *", true},
		{"0 0 29 2 *", false}, // leap years
		{"0 0 31 2,3 *", false},
		{"0 0 31 2 1", false},   // both restricted: every Monday of February
		{"0 0 */31 2 1", false}, // February 1 on a Monday
		{"0 0 */30 2 *", false}, // days 1 and 31: February 1
		{"0 0 29-31 2 *", false},
		{"0 0 31 * *", false},
		{"* * * * *", false},
	}
	for _, tt := range tests {
		s := mustParse(t, tt.expr)
		assert.Equal(t, tt.want, s.NeverFires(), "Parse(%q).NeverFires()", tt.expr)
		assert.Equal(t, !anyDate(s), s.NeverFires(), "Parse(%q): NeverFires and a scan of 1900-2199 disagree", tt.expr)
		_, ok := s.Next(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), time.UTC)
		assert.Equal(t, !tt.want, ok, "Parse(%q).Next from 1900", tt.expr)
	}
	assert.True(t, Schedule{}.NeverFires())
}

// TestNeverFiresFebruary29 checks the claim of NeverFires' documentation: February 29
// falls on every day of the week from 1900 to 1928 and from 2100 to 2128, so that a
// schedule of February 29 on a given weekday fires in both centuries of the range.
func TestNeverFiresFebruary29(t *testing.T) {
	for _, years := range [][2]int{{1900, 1928}, {2100, 2128}} {
		var seen [7]bool
		for y := years[0]; y <= years[1]; y++ {
			if isLeap(y) {
				seen[weekday(y, time.February, 29)] = true
			}
		}
		assert.Equal(t, [7]bool{true, true, true, true, true, true, true}, seen, "weekdays of February 29 in %d-%d", years[0], years[1])
	}
}

// TestWeekday compares weekday with the time package over five centuries and before year 0.
func TestWeekday(t *testing.T) {
	for d := time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2300; d = d.AddDate(0, 0, 1) {
		if got := weekday(d.Year(), d.Month(), d.Day()); got != d.Weekday() {
			t.Fatalf("weekday(%v) = %v, want %v", d.Format(time.DateOnly), got, d.Weekday())
		}
	}
	assert.Equal(t, time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC).Weekday(), weekday(-1, time.January, 1))
}

// TestNeverReason checks the explanation the compiler gives for a schedule that never
// fires.
func TestNeverReason(t *testing.T) {
	tests := []struct {
		expr string
		want string
	}{
		{"0 0 31 2 *", "February has at most 29 days, and the schedule names only day 31: name a day from 1 to 29"},
		{"0 0 30,31 2 *", "February has at most 29 days, and the schedule names only days 30 and 31: name a day from 1 to 29"},
		{"0 0 31 4,6,9,11 *", "April, June, September and November have at most 30 days, and the schedule names only day 31: name a day from 1 to 30"},
		{"0 0 31 feb,apr *", "February and April have at most 30 days, and the schedule names only day 31: name a day from 1 to 30"},
		{"0 0 29 2 *", ""},
		{"0 0 31 2 1", ""},
		{"* * * * *", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, mustParse(t, tt.expr).NeverReason(), "Parse(%q).NeverReason()", tt.expr)
	}
	assert.Equal(t, "the schedule names no time at all", Schedule{}.NeverReason())
}
