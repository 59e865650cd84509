package window

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestFirstInstant(t *testing.T) {
	tests := []struct {
		name string
		zone string
		wall Wall
		want time.Time
	}{
		{"utc", "UTC", wall(2026, 5, 1, 12, 0, 0), utc(2026, 5, 1, 12, 0, 0)},
		{"malta summer", "Europe/Malta", wall(2026, 7, 1, 0, 0, 0), utc(2026, 6, 30, 22, 0, 0)},
		{"malta before the jump", "Europe/Malta", wall(2026, 3, 29, 1, 59, 59), utc(2026, 3, 29, 0, 59, 59)},
		{"malta skipped 02:00", "Europe/Malta", wall(2026, 3, 29, 2, 0, 0), utc(2026, 3, 29, 1, 0, 0)},
		{"malta skipped 02:59:59", "Europe/Malta", wall(2026, 3, 29, 2, 59, 59), utc(2026, 3, 29, 1, 0, 0)},
		{"malta after the jump", "Europe/Malta", wall(2026, 3, 29, 3, 0, 0), utc(2026, 3, 29, 1, 0, 0)},
		{"malta repeated 02:00, first", "Europe/Malta", wall(2026, 10, 25, 2, 0, 0), utc(2026, 10, 25, 0, 0, 0)},
		{"malta after the repeat", "Europe/Malta", wall(2026, 10, 25, 3, 0, 0), utc(2026, 10, 25, 2, 0, 0)},
		{"new york skipped 02:30", "America/New_York", wall(2026, 3, 8, 2, 30, 0), utc(2026, 3, 8, 7, 0, 0)},
		{"new york repeated 01:30, first", "America/New_York", wall(2026, 11, 1, 1, 30, 0), utc(2026, 11, 1, 5, 30, 0)},
		{"santiago skipped midnight", "America/Santiago", wall(2026, 9, 6, 0, 0, 0), utc(2026, 9, 6, 4, 0, 0)},
		{"santiago midnight after a repeated hour", "America/Santiago", wall(2026, 4, 5, 0, 0, 0), utc(2026, 4, 5, 4, 0, 0)},
		{"santiago repeated 23:30, first", "America/Santiago", wall(2026, 4, 4, 23, 30, 0), utc(2026, 4, 5, 2, 30, 0)},
		{"havana skipped midnight", "America/Havana", wall(2026, 3, 8, 0, 0, 0), utc(2026, 3, 8, 5, 0, 0)},
		{"lord howe skipped half hour", "Australia/Lord_Howe", wall(2026, 10, 4, 2, 15, 0), utc(2026, 10, 3, 15, 30, 0)},
		{"apia skipped day", "Pacific/Apia", wall(2011, 12, 30, 12, 0, 0), utc(2011, 12, 30, 10, 0, 0)},
		{"tokyo", "Asia/Tokyo", wall(2026, 1, 1, 0, 0, 0), utc(2025, 12, 31, 15, 0, 0)},
		{"kiritimati +14", "Pacific/Kiritimati", wall(2026, 1, 1, 0, 0, 0), utc(2025, 12, 31, 10, 0, 0)},
		{"year 1", "UTC", wall(1, 1, 1, 0, 0, 0), utc(1, 1, 1, 0, 0, 0)},
		{"year 9999", "Europe/Malta", wall(9999, 12, 31, 23, 59, 59), utc(9999, 12, 31, 22, 59, 59)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := zone(t, tt.zone)
			got := firstInstant(tt.wall.civil(), loc)
			assert.True(t, got.Equal(tt.want), "firstInstant(%v, %s) = %v, want %v", tt.wall, tt.zone, got, tt.want.In(loc))
			assert.Equal(t, loc, got.Location(), "firstInstant(%v, %s) location", tt.wall, tt.zone)
		})
	}
}

// time.Date starts a day whose midnight is skipped an hour before the jump, on the day
// before; firstInstant does not. This test fails if time.Date changes, so that the
// documentation can be updated.
func TestFirstInstantDiffersFromTimeDate(t *testing.T) {
	santiago := zone(t, "America/Santiago")
	byDate := time.Date(2026, 9, 6, 0, 0, 0, 0, santiago)
	assert.Equal(t, "2026-09-05 23:00", byDate.Format("2006-01-02 15:04"))
	got := firstInstant(wall(2026, 9, 6, 0, 0, 0).civil(), santiago)
	assert.Equal(t, "2026-09-06 01:00 -03", got.Format("2006-01-02 15:04 -07"))
}

// For every instant i, firstInstant of i's wall-clock reading is i itself, unless the
// reading also occurs earlier (the clocks went back), when it is that earlier instant.
// Where the reading occurs once, time.Date agrees. (Where it occurs twice, time.Date
// returns the second occurrence in these zones.)
func TestFirstInstantRoundTrip(t *testing.T) {
	for _, name := range []string{"UTC", "Europe/Malta", "America/New_York", "Asia/Tokyo", "Australia/Lord_Howe", "America/Santiago", "Asia/Beirut"} {
		loc := zone(t, name)
		for i := utc(2026, 1, 1, 0, 0, 0).In(loc); i.Year() < 2027; i = i.Add(37 * time.Minute) {
			w := wallClock(i)
			first, once := i, true
			for _, probe := range []time.Time{i.Add(-3 * time.Hour), i.Add(3 * time.Hour)} {
				_, offset := probe.Zone()
				c := w.Add(-time.Duration(offset) * time.Second)
				if !wallClock(c.In(loc)).Equal(w) || c.Equal(i) {
					continue
				}
				once = false
				if c.Before(first) {
					first = c
				}
			}
			if got := firstInstant(w, loc); !got.Equal(first) {
				t.Errorf("firstInstant(%v, %s) = %v, want %v", w, name, got, first.In(loc))
			}
			if once {
				if got := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), 0, 0, loc); !got.Equal(i) {
					t.Errorf("time.Date(%v, %s) = %v, want %v", w, name, got, i)
				}
			}
		}
	}
}

func TestWallClock(t *testing.T) {
	malta := zone(t, "Europe/Malta")
	got := wallClock(time.Date(2026, 10, 25, 2, 30, 0, 0, malta))
	assert.Equal(t, utc(2026, 10, 25, 2, 30, 0), got)
	assert.Equal(t, utc(2026, 10, 25, 0, 0, 0), midnight(got))
}
