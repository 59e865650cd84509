package runtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
)

// TestWindowsEndToEnd runs windows through the whole pipeline: local
// midnights in the player's zone, a 25-hour day at the end of DST, and the
// half-open bounds, for players in different zones at the same instant.
func TestWindowsEndToEnd(t *testing.T) {
	prog, err := runtime.CompileSources([]runtime.Source{{Name: "w.promo", Text: []byte(`
kind deposit { amount: money }

reward yesterday: points {
	window last full day in player zone
	give count(deposit)
}

reward last_week_malta: points {
	window last full week in "Europe/Malta"
	give count(deposit)
}

reward last_hours: points {
	window last 25 hours
	give count(deposit)
}
`)}})
	require.NoError(t, err)
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return tm
	}
	// 2026-10-25 is the day Malta leaves summer time: 25 hours, from
	// 2026-10-24T22:00Z (00:00 CEST) to 2026-10-25T23:00Z (00:00 CET).
	deposits := []string{
		"2026-10-24T21:59:59Z", // 23:59:59 CEST on the 24th: the day before
		"2026-10-24T22:00:00Z", // 00:00 CEST on the 25th: the first instant
		"2026-10-25T01:30:00Z", // 02:30 CET, after the clocks went back
		"2026-10-25T22:59:59Z", // 23:59:59 CET: the last second
		"2026-10-25T23:00:00Z", // 00:00 CET on the 26th: today, not counted
	}
	var txns []runtime.Transaction
	for i, d := range deposits {
		txns = append(txns, runtime.Transaction{ID: string(rune('a' + i)), Kind: "deposit", Time: utc(d), Attrs: map[string]any{"amount": "10"}})
	}
	now := utc("2026-10-26T09:00:00Z")
	tests := []struct {
		reward, zone string
		want         string
	}{
		{"yesterday", "Europe/Malta", "3"},
		// The same instant is the 26th in Tokyo too (yesterday: from
		// 2026-10-24T15:00Z to 2026-10-25T15:00Z), and the 26th in New York,
		// whose yesterday runs from 2026-10-25T04:00Z to 2026-10-26T04:00Z.
		{"yesterday", "Asia/Tokyo", "3"},
		{"yesterday", "America/New_York", "2"},
		// The ISO week of Monday 19 to Monday 26 October, Malta time.
		{"last_week_malta", "", "4"},
		// Elapsed time: from 2026-10-25T08:00Z.
		{"last_hours", "", "2"},
	}
	for _, tt := range tests {
		t.Run(tt.reward+"/"+tt.zone, func(t *testing.T) {
			in := runtime.Input{Now: now, Player: runtime.Player{ID: "p", Currency: "EUR", Zone: tt.zone}, Transactions: txns}
			res, err := prog.Evaluate(context.Background(), tt.reward, in, runtime.WithTrace())
			require.NoError(t, err)
			require.Equal(t, runtime.Calculated, res.Outcome, "%s: %s", res.Reason, res.Detail)
			assert.Equal(t, tt.want, res.AmountString(), "window %v", res.Trace.Window)
		})
	}
}
