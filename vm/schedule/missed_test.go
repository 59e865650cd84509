package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMissed checks that the firings missed during downtime collapse into the most recent
// one, and that a second call after running it returns none.
func TestMissed(t *testing.T) {
	malta := zone(t, "Europe/Malta")
	tests := []struct {
		name      string
		expr      string
		last, now time.Time
		want      string // the key, "" for none
	}{
		{"three Mondays missed", "0 0 * * 1", utc(2026, 3, 1, 0, 0), utc(2026, 3, 20, 12, 0), "Europe/Malta 2026-03-16T00:00"},
		{"none missed", "0 0 * * 1", utc(2026, 3, 16, 0, 0), utc(2026, 3, 22, 12, 0), ""},
		{"the firing at now is missed", "0 0 * * 1", utc(2026, 3, 1, 0, 0), utc(2026, 3, 15, 23, 0), "Europe/Malta 2026-03-16T00:00"},
		{"the firing at last is not", "0 0 * * 1", utc(2026, 3, 15, 23, 0), utc(2026, 3, 16, 12, 0), ""},
		{"now before last", "0 0 * * 1", utc(2026, 3, 20, 0, 0), utc(2026, 3, 1, 0, 0), ""},
		{"across spring forward", "30 2 * * *", utc(2026, 3, 27, 0, 0), utc(2026, 3, 29, 1, 0), "Europe/Malta 2026-03-29T02:30"},
		{"across fall back, from inside the repeated hour", "30 2 * * *", utc(2026, 10, 24, 0, 0), utc(2026, 10, 25, 1, 45), "Europe/Malta 2026-10-25T02:30"},
		{"across a year end", "0 9 * * *", utc(2026, 12, 20, 0, 0), utc(2027, 1, 2, 7, 0), "Europe/Malta 2027-01-01T09:00"},
		{"years of downtime", "0 0 29 2 *", utc(2001, 1, 1, 0, 0), utc(2026, 6, 1, 0, 0), "Europe/Malta 2024-02-29T00:00"},
		{"never fires", "0 0 31 2 *", utc(2001, 1, 1, 0, 0), utc(2026, 6, 1, 0, 0), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustParse(t, tt.expr)
			f, ok := s.Missed(tt.last, tt.now, malta)
			if tt.want == "" {
				assert.False(t, ok, "Parse(%q).Missed(%v, %v) = %v", tt.expr, tt.last, tt.now, f.Key())
				return
			}
			require.True(t, ok, "Parse(%q).Missed(%v, %v)", tt.expr, tt.last, tt.now)
			assert.Equal(t, tt.want, f.Key())
			assert.True(t, f.At.After(tt.last) && !f.At.After(tt.now), "Missed = %v, not in (last, now]", f.At)
			// It is the firing Next gives from just before it, and the last one by now.
			n, ok := s.Next(f.At.Add(-time.Nanosecond), malta)
			require.True(t, ok)
			assert.Equal(t, line(f), line(n))
			if n, ok := s.Next(f.At, malta); ok {
				assert.True(t, n.At.After(tt.now), "Next after Missed = %v, before now", line(n))
			}
			// Having run it, a second restart runs nothing.
			_, again := s.Missed(f.At, tt.now, malta)
			assert.False(t, again, "Missed a second time")
		})
	}
}

// TestKeyShared checks that the key of a firing depends on the zone and the nominal time
// only: the same firing found from different instants, or through Prev, Missed or a
// Location loaded twice, has one key; other zones have others.
func TestKeyShared(t *testing.T) {
	s := mustParse(t, "0 0 * * 1")
	keys := map[string]bool{}
	for _, after := range []time.Time{utc(2026, 3, 23, 0, 0), utc(2026, 3, 25, 12, 0), utc(2026, 3, 29, 21, 59)} {
		f, ok := s.Next(after, zone(t, "Europe/Malta"))
		require.True(t, ok)
		keys[f.Key()] = true
	}
	p, _ := s.Prev(utc(2026, 4, 1, 0, 0), zone(t, "Europe/Malta"))
	keys[p.Key()] = true
	m, _ := s.Missed(utc(2026, 3, 1, 0, 0), utc(2026, 4, 1, 0, 0), zone(t, "Europe/Malta"))
	keys[m.Key()] = true
	assert.Equal(t, map[string]bool{"Europe/Malta 2026-03-30T00:00": true}, keys)
	other, _ := s.Next(utc(2026, 3, 23, 0, 0), zone(t, "Europe/Rome"))
	assert.Equal(t, "Europe/Rome 2026-03-30T00:00", other.Key())
	assert.True(t, p.At.Equal(other.At), "Malta and Rome share the instant, not the key")
}
