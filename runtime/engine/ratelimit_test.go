package engine

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The rolling limits' times at their edges: a period ends at the instant
// until gives, not a nanosecond later; a late event meets the times after
// it; keepRecent keeps what an event exactly at the lateness bound needs.

func TestLimitReachedEdges(t *testing.T) {
	t0 := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	ns := time.Nanosecond
	tests := []struct {
		name string
		ts   []time.Time
		at   time.Time
		n    int64
		want bool
	}{
		{"none yet", nil, t0, 1, false},
		{"at the same instant", []time.Time{t0}, t0, 1, true},
		{"the last instant of the period", []time.Time{t0}, t0.Add(time.Hour - ns), 1, true},
		{"the period's end exactly", []time.Time{t0}, t0.Add(time.Hour), 1, false},
		{"late, a period before the time", []time.Time{t0}, t0.Add(-time.Hour), 1, false},
		{"late, within a period before the time", []time.Time{t0}, t0.Add(-time.Hour + ns), 1, true},
		{"late, between two a period apart", []time.Time{t0, t0.Add(time.Hour)}, t0.Add(30 * time.Minute), 2, false},
		{"late, two within its period", []time.Time{t0, t0.Add(time.Hour - ns)}, t0.Add(30 * time.Minute), 2, true},
		{"below the count", []time.Time{t0}, t0.Add(time.Minute), 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, limitReached(tt.ts, tt.at, time.Hour, nil, tt.n))
		})
	}
}

// A day's period on the player's clock ends at the same wall-clock time
// the next day: 23 hours across the clocks going forward.
func TestLimitReachedDaysOnTheClock(t *testing.T) {
	malta, err := time.LoadLocation("Europe/Malta")
	require.NoError(t, err)
	t0 := time.Date(2026, 3, 28, 12, 0, 0, 0, malta) // the clocks go forward on the 29th
	end := time.Date(2026, 3, 29, 12, 0, 0, 0, malta)
	require.Equal(t, 23*time.Hour, end.Sub(t0))
	day := 24 * time.Hour
	assert.True(t, limitReached([]time.Time{t0}, end.Add(-time.Nanosecond), day, malta, 1))
	assert.False(t, limitReached([]time.Time{t0}, end, day, malta, 1))
	assert.False(t, limitReached([]time.Time{end}, t0, day, malta, 1), "late: its period ends at the other's instant")
}

func TestKeepRecentEdges(t *testing.T) {
	t0 := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	ns := time.Nanosecond
	tests := []struct {
		name     string
		ts       []time.Time
		add      time.Time
		lateness time.Duration
		want     []time.Time
	}{
		{"in order", []time.Time{t0}, t0.Add(time.Minute), time.Hour,
			[]time.Time{t0, t0.Add(time.Minute)}},
		{"late, in time order", []time.Time{t0, t0.Add(time.Minute)}, t0.Add(30 * time.Second), time.Hour,
			[]time.Time{t0, t0.Add(30 * time.Second), t0.Add(time.Minute)}},
		{"an equal time goes after", []time.Time{t0, t0}, t0, time.Hour,
			[]time.Time{t0, t0, t0}},
		// With the latest at t0+2h and a lateness of 1h, the oldest event
		// still taken is at t0+1h, exactly when t0's period ends: t0 can no
		// longer count.
		{"period over at the lateness bound", []time.Time{t0}, t0.Add(2 * time.Hour), time.Hour,
			[]time.Time{t0.Add(2 * time.Hour)}},
		{"period over a nanosecond after the bound", []time.Time{t0}, t0.Add(2 * time.Hour), time.Hour + ns,
			[]time.Time{t0, t0.Add(2 * time.Hour)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, keepRecent(tt.ts, tt.add, time.Hour, nil, tt.lateness))
		})
	}
}

// Trimming changes no decision of an event the engine still takes: for
// every time up to lateness older than the latest, limitReached says the
// same on the times kept as on all of them, at the bound exactly too.
func TestKeepRecentKeepsWhatLateEventsNeed(t *testing.T) {
	t0 := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	const lateness = 90 * time.Minute
	var all, kept []time.Time
	for i := range 12 {
		at := t0.Add(time.Duration(i*i) * 7 * time.Minute)
		all = append(all, at)
		kept = keepRecent(kept, at, time.Hour, nil, lateness)
	}
	latest := all[len(all)-1]
	require.Less(t, len(kept), len(all), "some times are dropped")
	for d := time.Duration(0); d <= lateness; d += 5 * time.Minute {
		for _, at := range []time.Time{latest.Add(-d), latest.Add(-d + time.Nanosecond), latest.Add(-d - time.Nanosecond)} {
			if at.Before(latest.Add(-lateness)) {
				continue // refused as too late
			}
			for n := int64(1); n <= 3; n++ {
				assert.Equal(t, limitReached(all, at, time.Hour, nil, n), limitReached(kept, at, time.Hour, nil, n), "at %s, n %d", at, n)
			}
		}
	}
}
