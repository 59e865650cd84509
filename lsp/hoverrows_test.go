package lsp

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRuleHoverRows checks that a word a rule shares between clauses
// shows the row of the clause it is in, not the other's: every in a
// schedule and in an every trigger, in after a schedule's time, and at
// most in a qualification and in a rate limit.
func TestRuleHoverRows(t *testing.T) {
	ws := map[string]string{
		"schema.promo":  workspace["schema.promo"],
		"rewards.promo": workspace["rewards.promo"],
		"rules.promo": `automation every_ten {
	trigger every 10 bet
	qualification deposit {
		at most 3 rewards
	}
	at most 5 rewards per 7 days

	give cashback
}

campaign monday {
	trigger schedule every Monday 00:00 in player zone

	give free
}
`,
	}
	c := newClient(t, ws)
	c.open("rules.promo")
	const (
		everyRow    = "`every N KIND [where COND]`"
		scheduleRow = "`schedule every DAY hh:mm [in ZONE]`"
		cronRow     = "`schedule \"CRON\" [in ZONE]`"
		qualRow     = "`qualification KIND [where COND] [{ at most K rewards }]`"
		rateRow     = "`at most K rewards\\|messages per DURATION`"
	)
	tests := []struct {
		name, marker string
		delta        int
		want, not    []string
	}{
		{"every of an every trigger", "every 10", 0, []string{everyRow}, []string{scheduleRow}},
		{"every of a schedule", "every Monday", 0, []string{scheduleRow}, []string{everyRow}},
		{"in after a schedule's time", "in player zone", 0, []string{scheduleRow, "ZONE is `in \"IANA/Name\"` or `in player zone`"}, []string{everyRow, cronRow}},
		{"most of a qualification", "most 3", 0, []string{qualRow, "**Qualification.**"}, []string{rateRow}},
		{"at of a qualification", "at most 3", 0, []string{qualRow}, []string{rateRow}},
		{"rewards of a qualification", "rewards\n\t}", 0, []string{qualRow}, []string{rateRow}},
		{"most of a rate limit", "most 5", 0, []string{rateRow}, []string{qualRow}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := hoverText(t, c, "rules.promo", tt.marker, tt.delta)
			for _, w := range tt.want {
				assert.Contains(t, got, w, "hover at %q", tt.marker)
			}
			for _, w := range tt.not {
				assert.NotContains(t, got, w, "hover at %q", tt.marker)
			}
		})
	}
}
