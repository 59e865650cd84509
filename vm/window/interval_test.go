package window

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestIntervalContains(t *testing.T) {
	start, end := utc(2026, 11, 21, 0, 0, 0), utc(2026, 11, 23, 0, 0, 0)
	i := Interval{Start: start, End: end}
	tests := []struct {
		name string
		t    time.Time
		want bool
	}{
		{"at start", start, true},
		{"at start in another zone", start.In(time.FixedZone("X", 3600)), true},
		{"a nanosecond before start", start.Add(-time.Nanosecond), false},
		{"a nanosecond after start", start.Add(time.Nanosecond), true},
		{"inside", utc(2026, 11, 22, 12, 0, 0), true},
		{"a nanosecond before end", end.Add(-time.Nanosecond), true},
		{"at end", end, false},
		{"after end", end.Add(time.Hour), false},
		{"zero time", time.Time{}, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, i.Contains(tt.t), "%v.Contains(%v)", i, tt.t)
	}
	empty := Interval{Start: start, End: start}
	assert.False(t, empty.Contains(start), "an empty interval contains nothing")
	assert.False(t, Interval{}.Contains(time.Time{}), "the zero interval contains nothing")
	assert.True(t, Interval{All: true}.Contains(time.Time{}))
}

// A transaction at the last-transaction anchor is in a FirstToLast window; one a
// nanosecond later is not.
func TestIntervalContainsLastTransaction(t *testing.T) {
	first, last := utc(2026, 5, 3, 10, 0, 0), utc(2026, 5, 20, 18, 45, 12)
	i, err := Resolve(Spec{Kind: FirstToLast}, time.Time{}, nil, Anchors{FirstTx: first, LastTx: last})
	assert.NoError(t, err)
	assert.True(t, i.Contains(first))
	assert.True(t, i.Contains(last))
	assert.False(t, i.Contains(last.Add(time.Nanosecond)))
	assert.False(t, i.Contains(first.Add(-time.Nanosecond)))
}

// Consecutive days share no instant: a transaction at midnight is in today only.
func TestIntervalConsecutiveDays(t *testing.T) {
	malta := zone(t, "Europe/Malta")
	s := Spec{Kind: LastFullDay, Loc: malta, Zone: "Europe/Malta"}
	yesterday, err := Resolve(s, time.Date(2026, 3, 30, 12, 0, 0, 0, malta), nil, Anchors{})
	assert.NoError(t, err)
	today, err := Resolve(s, time.Date(2026, 3, 31, 12, 0, 0, 0, malta), nil, Anchors{})
	assert.NoError(t, err)
	assert.True(t, yesterday.End.Equal(today.Start))
	midnight := time.Date(2026, 3, 30, 0, 0, 0, 0, malta)
	assert.False(t, yesterday.Contains(midnight))
	assert.True(t, today.Contains(midnight))
}

func TestIntervalDuration(t *testing.T) {
	start := utc(2026, 11, 21, 0, 0, 0)
	assert.Equal(t, 2*day, Interval{Start: start, End: start.Add(2 * day)}.Duration())
	assert.Equal(t, time.Duration(0), Interval{Start: start, End: start}.Duration())
	assert.Equal(t, time.Duration(math.MaxInt64), Interval{All: true}.Duration())
}

func TestIntervalString(t *testing.T) {
	malta := zone(t, "Europe/Malta")
	i := Interval{Start: time.Date(2026, 3, 29, 0, 0, 0, 0, malta), End: time.Date(2026, 3, 30, 0, 0, 0, 0, malta)}
	assert.Equal(t, "[2026-03-29T00:00:00+01:00, 2026-03-30T00:00:00+02:00)", i.String())
	i = Interval{Start: utc(2026, 5, 3, 10, 0, 0), End: utc(2026, 5, 3, 10, 0, 0).Add(time.Nanosecond)}
	assert.Equal(t, "[2026-05-03T10:00:00Z, 2026-05-03T10:00:00.000000001Z)", i.String())
	assert.Equal(t, "all time", Interval{All: true}.String())
}
