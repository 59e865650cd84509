package runtime_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
)

// countRules tiers a count property the way the checker allows: "at most 2"
// and "at least 3" cover every whole number, so an else there is
// unreachable code (spec.md section 6) and the rule has none.
const countRules = `
kind login { streak: count default 0 }
kind bet { amount: money }

player { logins: count }

reward loyalty: points {
	tiers player.logins {
		at most 2: give 1
		at least 3: give 5
	}
}

reward streaks: points {
	give sum(login.streak)
}
`

// TestAcceptWholeCounts: a count is a whole number (spec.md section 3), and
// the checker relies on it: "at most 2" and "at least 3" cover every count.
// A count of 2.5 in the input would match neither branch and end in
// no-branch-matched, a result no rule can state; it is invalid input instead,
// naming the field, for a property and for an attribute, whichever way the
// host gives it (the JSON document, Go values, the Builder). 3.0 is the
// count 3. A Go integer of any size is an exact number.
func TestAcceptWholeCounts(t *testing.T) {
	prog, err := runtime.CompileSources([]runtime.Source{{Name: "rules.promo", Text: []byte(countRules)}})
	require.NoError(t, err)
	ctx := context.Background()
	doc := func(logins, streak string) string {
		return `{"player": {"id": "p", "currency": "EUR", "properties": {"logins": ` + logins + `}}, "now": "2026-11-23T10:00:00Z",
			"transactions": [{"id": "l1", "kind": "login", "time": "2026-11-23T09:00:00Z", "streak": ` + streak + `}]}`
	}
	for _, tt := range []struct {
		logins, streak string
		reward, want   string
		reason, detail string
	}{
		{`3`, `1`, "loyalty", "5", "", ""},
		{`"3.0"`, `1`, "loyalty", "5", "", ""},
		{`2.5`, `1`, "loyalty", "", "invalid-input", "player.properties.logins: a count is a whole number, not 2.5"},
		{`"2.50"`, `1`, "loyalty", "", "invalid-input", "player.properties.logins: a count is a whole number, not 2.50"},
		{`2`, `"4.00"`, "streaks", "4", "", ""},
		{`2`, `0.5`, "streaks", "", "invalid-input", "transactions[0].streak: a count is a whole number, not 0.5"},
	} {
		res, err := prog.EvaluatePrepared(ctx, tt.reward, prog.PrepareJSON(ctx, strings.NewReader(doc(tt.logins, tt.streak))))
		require.NoError(t, err)
		if tt.reason == "" {
			assert.Equal(t, runtime.Calculated, res.Outcome, "logins %s, streak %s: %s %s", tt.logins, tt.streak, res.Reason, res.Detail)
			assert.Equal(t, tt.want, res.AmountString())
			continue
		}
		assert.Equal(t, tt.reason, res.Reason, "logins %s, streak %s", tt.logins, tt.streak)
		assert.Equal(t, tt.detail, res.Detail)
	}

	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	in := runtime.Input{Now: now, Player: runtime.Player{ID: "p", Currency: "EUR", Properties: map[string]any{"logins": "1.5"}}}
	res, err := prog.Evaluate(ctx, "loyalty", in)
	require.NoError(t, err)
	assert.Equal(t, "player.properties.logins: a count is a whole number, not 1.5", res.Detail)

	in.Player.Properties["logins"] = uint32(7)
	in.Transactions = []runtime.Transaction{
		{ID: "l1", Kind: "login", Time: now.Add(-time.Hour), Attrs: map[string]any{"streak": uint64(18446744073709551615)}},
		{ID: "l2", Kind: "login", Time: now.Add(-time.Hour), Attrs: map[string]any{"streak": int8(-5)}},
	}
	res, err = prog.Evaluate(ctx, "loyalty", in)
	require.NoError(t, err)
	assert.Equal(t, "5", res.AmountString())
	res, err = prog.Evaluate(ctx, "streaks", in)
	require.NoError(t, err)
	assert.Equal(t, "18446744073709551610", res.AmountString(), "%s %s", res.Reason, res.Detail)

	b := prog.NewBuilder()
	require.NoError(t, b.SetPlayer(runtime.Player{ID: "p", Currency: "EUR", Properties: map[string]any{"logins": 2}}))
	require.NoError(t, b.SetNow(now))
	err = b.Add(runtime.Transaction{ID: "l1", Kind: "login", Time: now.Add(-time.Hour), Attrs: map[string]any{"streak": "2.5"}})
	require.Error(t, err)
	assert.Equal(t, "transactions[0].streak: a count is a whole number, not 2.5", err.Error())
	res, err = prog.EvaluatePrepared(ctx, "loyalty", b.Prepared())
	require.NoError(t, err)
	assert.Equal(t, "transactions[0].streak: a count is a whole number, not 2.5", res.Detail, "the builder keeps its first error, as for any bad value")
}
