package bench

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCalendarBounds checks the host's calendar windows (what expr and CEL
// are given, and what the exact reference uses) at Now, Monday 2026-11-23
// 10:00 UTC, against bounds worked out by hand from spec/spec.md section 10.
func TestCalendarBounds(t *testing.T) {
	tests := []struct {
		cal      Calendar
		zone     string
		from, to string // UTC
	}{
		// 11:00 Monday in Malta: yesterday, the ISO week before, October.
		{LastFullDay, "Europe/Malta", "2026-11-21T23:00:00Z", "2026-11-22T23:00:00Z"},
		{LastFullWeek, "Europe/Malta", "2026-11-15T23:00:00Z", "2026-11-22T23:00:00Z"},
		// October in Malta starts in summer time (UTC+2) and ends in
		// winter time (UTC+1): 31 days and 1 hour of elapsed time.
		{LastFullMonth, "Europe/Malta", "2026-09-30T22:00:00Z", "2026-10-31T23:00:00Z"},
		// 19:00 Monday in Tokyo.
		{LastFullDay, "Asia/Tokyo", "2026-11-21T15:00:00Z", "2026-11-22T15:00:00Z"},
		// 02:00 Monday in Los Angeles, already in winter time (UTC-8).
		{LastFullDay, "America/Los_Angeles", "2026-11-22T08:00:00Z", "2026-11-23T08:00:00Z"},
		{LastFullWeek, "America/Los_Angeles", "2026-11-16T08:00:00Z", "2026-11-23T08:00:00Z"},
		// New York's October is all summer time (UTC-4); its clocks went
		// back on 2026-11-01 at 02:00.
		{LastFullMonth, "America/New_York", "2026-10-01T04:00:00Z", "2026-11-01T04:00:00Z"},
		// 23:00 Monday in Auckland (UTC+13 in summer).
		{LastFullWeek, "Pacific/Auckland", "2026-11-15T11:00:00Z", "2026-11-22T11:00:00Z"},
		{LastFullMonth, "Europe/London", "2026-09-30T23:00:00Z", "2026-11-01T00:00:00Z"},
	}
	for _, tt := range tests {
		loc, err := hostZone(tt.zone)
		require.NoError(t, err)
		from, to := calendarBounds(tt.cal, Now, loc)
		assert.Equal(t, tt.from, from.UTC().Format(time.RFC3339), "%s in %s: from", calendarNames[tt.cal], tt.zone)
		assert.Equal(t, tt.to, to.UTC().Format(time.RFC3339), "%s in %s: to", calendarNames[tt.cal], tt.zone)
	}
	_, err := hostZone("")
	assert.Error(t, err)
	_, err = hostZone("Mars/Olympus")
	assert.Error(t, err)
}

// TestPlayerSpecs checks that the 50 rewards of W8 and W9 cover what issue
// 8 names, that on the generated players every reward issues something for
// some players, and that a fair share of the answers are skips, so that the
// answers checked are neither all zero nor all the same branch.
func TestPlayerSpecs(t *testing.T) {
	ps := thePlayers()
	src := string(ps.promo[0].Text)
	for _, want := range []string{
		"window last full day in player zone", "window last full week in player zone", "window last full month in player zone",
		`window last full day in "Europe/Malta"`, `window last full week in "Europe/Malta"`, `window last full month in "Europe/Malta"`,
		"window last 7 days", "avg(bet.amount)", "min(deposit.amount)", "max(win.amount)", "first(deposit.amount)",
		"if player.vip_level >=", "clamp(", ": points {", "cap ", "minimum ", "round down",
	} {
		assert.Contains(t, src, want)
	}
	assert.Equal(t, PlayerRewards, strings.Count(src, "\nreward "))
	issued, skipped := map[string]int{}, 0
	for e := range ps.want {
		for i, w := range ps.want[e] {
			if w.Sign() > 0 {
				issued[ps.specs[i].Name]++
			} else {
				skipped++
			}
		}
	}
	for _, s := range ps.specs {
		assert.Positive(t, issued[s.Name], "%s (window %q %q, %d days) issues for no player", s.Name, calendarNames[s.Calendar], s.Zone, s.Days)
	}
	total := len(ps.events) * len(ps.specs)
	assert.True(t, skipped > total/10 && skipped < total/2, "%d of %d answers are skips", skipped, total)
	t.Logf("%d of %d answers are skips", skipped, total)

	// The player's zone changes answers: the same players in UTC.
	changed := 0
	for e := range ps.events {
		ev := ps.events[e]
		ev.Zone = "UTC"
		for i := range ps.specs {
			if s := &ps.specs[i]; s.Calendar != NoCalendar && s.Zone == "" && !s.Exact(&ev).Equal(ps.want[e][i]) {
				changed++
			}
		}
	}
	assert.Positive(t, changed, "no answer depends on the player's zone")
	t.Logf("%d answers of windows in player zone change when the players are in UTC", changed)
}

// TestPlayerRulesGolden keeps testdata/rules50.promo, the rule set of W8
// and W9, equal to what PlayerSpecs generates (go test -update rewrites
// it).
func TestPlayerRulesGolden(t *testing.T) {
	got := RuleSetPromo(PlayerSpecs(PlayerRewards))
	const path = "testdata/rules50.promo"
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "run go test -update")
}
