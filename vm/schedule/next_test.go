package schedule

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNextDST checks the DST rules on both changes of a year in zones with DST, one with a
// 30-minute change, a zone that skipped a date, and zones without DST.
func TestNextDST(t *testing.T) {
	tests := []struct {
		name  string
		expr  string
		zone  string
		after time.Time
		want  string // the instant in the zone, then the key's wall time
	}{
		// Europe/Malta: 2026-03-29 02:00 CET -> 03:00 CEST; 2026-10-25 03:00 CEST -> 02:00 CET.
		{"Malta skipped minute fires at the jump", "30 2 * * *", "Europe/Malta", utc(2026, 3, 28, 12, 0), "2026-03-29T03:00:00+02:00 2026-03-29T02:30"},
		{"Malta skipped hour start fires at the jump", "0 2 * * *", "Europe/Malta", utc(2026, 3, 28, 12, 0), "2026-03-29T03:00:00+02:00 2026-03-29T02:00"},
		{"Malta day after the jump is normal", "30 2 * * *", "Europe/Malta", utc(2026, 3, 29, 1, 0), "2026-03-30T02:30:00+02:00 2026-03-30T02:30"},
		{"Malta 03:00 on the jump day", "0 3 * * *", "Europe/Malta", utc(2026, 3, 28, 12, 0), "2026-03-29T03:00:00+02:00 2026-03-29T03:00"},
		{"Malta repeated minute fires at its first occurrence", "30 2 * * *", "Europe/Malta", utc(2026, 10, 24, 12, 0), "2026-10-25T02:30:00+02:00 2026-10-25T02:30"},
		{"Malta repeated minute does not fire again", "30 2 * * *", "Europe/Malta", utc(2026, 10, 25, 0, 30), "2026-10-26T02:30:00+01:00 2026-10-26T02:30"},
		{"Malta from inside the repeated hour", "45 2 * * *", "Europe/Malta", utc(2026, 10, 25, 1, 10), "2026-10-26T02:45:00+01:00 2026-10-26T02:45"},
		{"Malta next minute after the repeated hour", "* * * * *", "Europe/Malta", utc(2026, 10, 25, 1, 10), "2026-10-25T03:00:00+01:00 2026-10-25T03:00"},
		{"Malta weekly Monday across spring", "0 0 * * 1", "Europe/Malta", utc(2026, 3, 28, 0, 0), "2026-03-30T00:00:00+02:00 2026-03-30T00:00"},
		// America/New_York: 2026-03-08 02:00 EST -> 03:00 EDT; 2026-11-01 02:00 EDT -> 01:00 EST.
		{"New York skipped", "15 2 * * *", "America/New_York", utc(2026, 3, 7, 12, 0), "2026-03-08T03:00:00-04:00 2026-03-08T02:15"},
		{"New York repeated", "30 1 * * *", "America/New_York", utc(2026, 10, 31, 12, 0), "2026-11-01T01:30:00-04:00 2026-11-01T01:30"},
		{"New York repeated once", "30 1 * * *", "America/New_York", utc(2026, 11, 1, 5, 30), "2026-11-02T01:30:00-05:00 2026-11-02T01:30"},
		// Australia/Lord_Howe: 2026-04-05 02:00 +11 -> 01:30 +1030; 2026-10-04 02:00 +1030 -> 02:30 +11.
		{"Lord Howe skipped half hour", "15 2 * * *", "Australia/Lord_Howe", utc(2026, 10, 3, 0, 0), "2026-10-04T02:30:00+11:00 2026-10-04T02:15"},
		{"Lord Howe 02:30 on the jump day", "30 2 * * *", "Australia/Lord_Howe", utc(2026, 10, 3, 0, 0), "2026-10-04T02:30:00+11:00 2026-10-04T02:30"},
		{"Lord Howe repeated half hour", "45 1 * * *", "Australia/Lord_Howe", utc(2026, 4, 4, 0, 0), "2026-04-05T01:45:00+11:00 2026-04-05T01:45"},
		{"Lord Howe repeated once", "45 1 * * *", "Australia/Lord_Howe", utc(2026, 4, 4, 14, 45), "2026-04-06T01:45:00+10:30 2026-04-06T01:45"},
		// Pacific/Apia skipped 2011-12-30: 2011-12-29 23:59:59 -10 was followed by 2011-12-31 00:00 +14.
		{"Apia skipped date fires at the jump", "0 9 30 12 *", "Pacific/Apia", utc(2011, 12, 1, 0, 0), "2011-12-31T00:00:00+14:00 2011-12-30T09:00"},
		// America/Santiago skips midnight: 2026-09-06 00:00 -04 -> 01:00 -03.
		{"Santiago skipped midnight", "0 0 * * *", "America/Santiago", utc(2026, 9, 5, 12, 0), "2026-09-06T01:00:00-03:00 2026-09-06T00:00"},
		// No DST.
		{"Tokyo", "0 0 * * 1", "Asia/Tokyo", utc(2026, 3, 28, 0, 0), "2026-03-30T00:00:00+09:00 2026-03-30T00:00"},
		{"UTC", "0 0 * * 1", "UTC", utc(2026, 3, 28, 0, 0), "2026-03-30T00:00:00Z 2026-03-30T00:00"},
		{"Kolkata half-hour offset", "30 18 * * *", "Asia/Kolkata", utc(2026, 3, 28, 13, 0), "2026-03-29T18:30:00+05:30 2026-03-29T18:30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := mustParse(t, tt.expr).Next(tt.after, zone(t, tt.zone))
			require.True(t, ok)
			got := f.At.Format(time.RFC3339) + " " + f.Wall.String()
			assert.Equal(t, tt.want, got, "Parse(%q).Next(%v, %s)", tt.expr, tt.after, tt.zone)
			assert.Equal(t, tt.zone+" "+f.Wall.String(), f.Key())
		})
	}
}

// modelZones are the zones compared with the model: DST in both hemispheres, a 30-minute
// change, a skipped midnight, a skipped date, fixed offsets.
var modelZones = []string{"Europe/Malta", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Pacific/Apia", "Asia/Kolkata", "UTC"}

// modelExprs are the schedules compared with the model.
var modelExprs = []string{
	"* * * * *", "*/15 * * * *", "*/7 1-3 * * *", "30 2 * * *", "0 2 * * *", "59 1 * * *", "0 0 * * *",
	"45 1,2 * * *", "0 0 * * 1", "0 0 1 * 1", "0 */2 */2 * 1-5", "10-50/10 0-4 * * sun", "0 0 30 12 *", "0 3 * * *",
}

// TestNextModel compares Next with the model around every change of the offset of each
// zone in 2026 (and Pacific/Apia's skipped date in 2011), and checks Prev and Missed
// against the same firings.
func TestNextModel(t *testing.T) {
	for _, name := range modelZones {
		loc := zone(t, name)
		var changes []time.Time
		for at := utc(2026, 1, 1, 0, 0).In(loc); at.Year() <= 2026; {
			_, end := at.ZoneBounds()
			if end.IsZero() || end.Year() > 2026 {
				break
			}
			changes = append(changes, end)
			at = end.In(loc)
		}
		if name == "Pacific/Apia" {
			changes = append(changes, utc(2011, 12, 30, 10, 0))
		}
		if len(changes) == 0 {
			changes = append(changes, utc(2026, 6, 1, 0, 0))
		}
		for _, change := range changes {
			after, until := change.Add(-36*time.Hour), change.Add(36*time.Hour)
			for _, expr := range modelExprs {
				s := mustParse(t, expr)
				want := model(s, loc, after, until)
				got := firings(t, s, loc, after, until)
				require.Equal(t, lines(want), lines(got), "Parse(%q) in %s around %v", expr, name, change)
				for i, f := range got {
					// Prev at the firing and up to the next one returns the firing.
					p, ok := s.Prev(f.At, loc)
					require.True(t, ok)
					require.Equal(t, line(f), line(p), "Prev at %v", f.At)
					if i+1 < len(got) {
						p, _ := s.Prev(got[i+1].At.Add(-time.Nanosecond), loc)
						require.Equal(t, line(f), line(p), "Prev before %v", got[i+1].At)
					}
				}
			}
		}
	}
}

func lines(fs []Firing) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = line(f)
	}
	return out
}

// TestNextCalendar checks year ends, leap days and the 31st of the month.
func TestNextCalendar(t *testing.T) {
	tests := []struct {
		expr  string
		after time.Time
		want  []string // the nominal times of the next firings, in UTC
	}{
		{"0 0 1 1 *", utc(2026, 12, 31, 23, 59), []string{"2027-01-01T00:00", "2028-01-01T00:00"}},
		{"59 23 31 12 *", utc(2026, 12, 31, 23, 59), []string{"2027-12-31T23:59", "2028-12-31T23:59"}},
		{"0 0 29 2 *", utc(2026, 1, 1, 0, 0), []string{"2028-02-29T00:00", "2032-02-29T00:00", "2036-02-29T00:00"}},
		{"0 0 29 2 *", utc(2096, 3, 1, 0, 0), []string{"2104-02-29T00:00", "2108-02-29T00:00"}},
		{"0 0 31 * *", utc(2026, 1, 31, 0, 0), []string{"2026-03-31T00:00", "2026-05-31T00:00", "2026-07-31T00:00", "2026-08-31T00:00", "2026-10-31T00:00", "2026-12-31T00:00", "2027-01-31T00:00"}},
		{"0 0 30 * *", utc(2026, 1, 30, 0, 0), []string{"2026-03-30T00:00", "2026-04-30T00:00"}},
		{"0 12 * 2 *", utc(2028, 2, 28, 12, 0), []string{"2028-02-29T12:00", "2029-02-01T12:00"}},
		{"0 0 * * 0", utc(2026, 12, 30, 0, 0), []string{"2027-01-03T00:00", "2027-01-10T00:00"}},
		{"0 0 * * 7", utc(2026, 12, 30, 0, 0), []string{"2027-01-03T00:00", "2027-01-10T00:00"}},
		{"0 0 1 * 1", utc(2026, 5, 30, 0, 0), []string{"2026-06-01T00:00", "2026-06-08T00:00", "2026-06-15T00:00", "2026-06-22T00:00", "2026-06-29T00:00", "2026-07-01T00:00", "2026-07-06T00:00"}},
		{"0 0 */10 * 1", utc(2026, 1, 1, 0, 0), []string{"2026-05-11T00:00", "2026-06-01T00:00", "2026-08-31T00:00"}},
		{"0 0 13 * 5", utc(2026, 1, 1, 0, 0), []string{"2026-01-02T00:00", "2026-01-09T00:00", "2026-01-13T00:00", "2026-01-16T00:00"}},
		{"5 4 * * *", utc(2026, 1, 1, 4, 5), []string{"2026-01-02T04:05"}},
		{"5 4 * * *", utc(2026, 1, 1, 4, 4).Add(59*time.Second + 999999999), []string{"2026-01-01T04:05"}},
		{"0 0 1 1 *", utc(2199, 6, 1, 0, 0), nil},
		{"0 0 31 2 *", utc(2026, 1, 1, 0, 0), nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s after %v", tt.expr, tt.after), func(t *testing.T) {
			s := mustParse(t, tt.expr)
			var got []string
			after := tt.after
			for range len(tt.want) + 1 {
				f, ok := s.Next(after, time.UTC)
				if !ok {
					break
				}
				got = append(got, f.Wall.String())
				after = f.At
			}
			if len(got) > len(tt.want) {
				got = got[:len(tt.want)]
			}
			assert.Equal(t, tt.want, got, "Parse(%q).Next from %v", tt.expr, tt.after)
		})
	}
}

// TestNextBounds checks instants far outside the range of times and a nil zone.
func TestNextBounds(t *testing.T) {
	s := mustParse(t, "0 0 1 1 *")
	f, ok := s.Next(time.Time{}, nil)
	require.True(t, ok)
	assert.Equal(t, "UTC 1900-01-01T00:00", f.Key())
	f, ok = s.Next(time.Date(-5000, 1, 1, 0, 0, 0, 0, time.UTC), zone(t, "Asia/Tokyo"))
	require.True(t, ok)
	assert.Equal(t, "Asia/Tokyo 1900-01-01T00:00", f.Key())
	_, ok = s.Next(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), nil)
	assert.False(t, ok)
	f, ok = s.Prev(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), nil)
	require.True(t, ok)
	assert.Equal(t, "UTC 2199-01-01T00:00", f.Key())
	_, ok = s.Prev(utc(1899, 12, 31, 0, 0), nil)
	assert.False(t, ok)
	_, ok = Schedule{}.Next(utc(2026, 1, 1, 0, 0), nil)
	assert.False(t, ok)
	_, ok = Schedule{}.Prev(utc(2026, 1, 1, 0, 0), nil)
	assert.False(t, ok)
}
