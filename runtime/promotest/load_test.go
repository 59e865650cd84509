package promotest_test

import (
	"bytes"
	"errors"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/promotest"
)

// TestLoadRuleSetBytes refuses a rule set whose files, each within
// limits.FileBytes, are larger than limits.RuleSetBytes together, before
// parsing any of them.
func TestLoadRuleSetBytes(t *testing.T) {
	big := bytes.Repeat([]byte("\n"), limits.FileBytes)
	fsys := fstest.MapFS{
		"rs/a.promo":      {Data: big},
		"rs/b_test.promo": {Data: []byte("\n")},
	}
	_, err := promotest.Load(fsys, "rs")
	var rerr *runtime.Error
	require.True(t, errors.As(err, &rerr), "Load: %v", err)
	assert.Equal(t, "read rs: larger than 32 MiB, the limit of limits.RuleSetBytes", rerr.Msg)
}

// TestLoadFixtureErrors: a fixture whose transactions do not fit the rule
// set's schema fails the suite when it loads, at its load clause, and the
// message names the fixture, its line (a JSON Lines file) or the path of
// the field (an input document), and the field; not the index the
// transaction happens to take in a test's input.
func TestLoadFixtureErrors(t *testing.T) {
	const rules = "kind deposit {\n\tamount: money\n\tmethod: string\n}\n\nreward b: amount { give 10% of sum(deposit.amount) }\n"
	const ok = `{"id": "d-1", "kind": "deposit", "time": "2026-11-22T10:00:00Z", "amount": "400.00"}`
	for _, tc := range []struct {
		name, file, data, want string
	}{
		{"amount", "t.jsonl", ok + "\n\n" + `{"id": "d-2", "kind": "deposit", "time": "2026-11-22T10:00:00Z", "amount": "4x0.00"}` + "\n",
			`rs/r_test.promo:2:7: error: fixture rs/t.jsonl: line 3: amount: invalid number "4x0.00": want digits with an optional "-" and decimal point, as in "12.50", without exponent or "+" [invalid-fixture]`},
		{"type", "t.jsonl", `{"id": "d-2", "kind": "deposit", "time": "2026-11-22T10:00:00Z", "amount": "4.00", "method": 3}` + "\n",
			`rs/r_test.promo:2:7: error: fixture rs/t.jsonl: line 1: method: want a string, got a number [invalid-fixture]`},
		{"kind", "t.jsonl", ok + "\n" + `{"id": "w-1", "kind": "withdrawal", "time": "2026-11-22T10:00:00Z"}` + "\n",
			`rs/r_test.promo:2:7: error: fixture rs/t.jsonl: line 2: kind: unknown kind "withdrawal" [invalid-fixture]`},
		{"currency", "t.jsonl", `{"id": "d-2", "kind": "deposit", "time": "2026-11-22T10:00:00Z", "amount": "4.00", "currency": "EUX"}` + "\n",
			`rs/r_test.promo:2:7: error: fixture rs/t.jsonl: line 1: currency: unknown currency "EUX" [invalid-fixture]`},
		{"document", "p.json", `{"now": "2026-11-23T10:00:00Z", "player": {"id": "p", "currency": "EUR"},` + "\n" + `"transactions": [` + "\n" + ok + ",\n" + `{"id": "d-2", "kind": "deposit", "time": "2026-11-22T10:00:00Z", "amount": "4x0.00"}]}` + "\n",
			`rs/r_test.promo:2:7: error: fixture rs/p.json: line 4: transactions[1].amount: invalid number "4x0.00": want digits with an optional "-" and decimal point, as in "12.50", without exponent or "+" [invalid-fixture]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"rs/r.promo":      {Data: []byte(rules)},
				"rs/" + tc.file:   {Data: []byte(tc.data)},
				"rs/r_test.promo": {Data: []byte("test \"t\" {\n\tload \"" + tc.file + "\"\n\tnow 2026-11-23 10:00\n\tplayer { currency EUR }\n\treward b\n\texpect calculated 40.00 EUR\n}\n")},
			}
			_, err := promotest.Load(fsys, "rs")
			var rerr *runtime.Error
			require.True(t, errors.As(err, &rerr), "Load: %v", err)
			require.Len(t, rerr.Diagnostics, 1, "%v", rerr.Diagnostics)
			assert.Equal(t, tc.want, rerr.Diagnostics[0].String())
		})
	}
}
