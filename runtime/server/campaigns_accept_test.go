package server_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
)

// campaignAcceptRules: a welcome bonus without a budget, and a match with
// one.
const campaignAcceptRules = `kind deposit {
	amount: money
}

reward five: amount {
	give 5 EUR
}

automation welcome {
	trigger on deposit

	give five
}

reward half: amount {
	give 50% of last(deposit.amount)
}

automation match {
	trigger on deposit
	budget 100 EUR

	give half
}
`

// TestAcceptSuspendRuleWithoutBudget: every outcome of a rule carries the
// rule as its campaign, so an operator can suspend an automation rule
// that has no budget (spec/semantics.md, The engine: Budgets), through the
// API as with promoc campaigns suspend: its rewards are then skipped
// campaign-suspended (keeping the amount it would have paid), and paid
// again once it is resumed. A name that is no
// rule is still a 404.
func TestAcceptSuspendRuleWithoutBudget(t *testing.T) {
	h := rulesHarnessOn(t, openStore(t), campaignAcceptRules)
	r := h.do(call{method: "POST", path: "/v1/campaigns/welcome/suspend", role: server.Operator, body: map[string]any{"reason": "wrong amount"}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, "suspended", r.json["status"])
	assert.Equal(t, "wrong amount", r.json["reason"])
	r = h.do(call{method: "GET", path: "/v1/campaigns/welcome", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, "suspended", r.json["status"])

	r = h.events([]any{ev("d1", "p1", "deposit", t0, "amount", "10.00", "currency", "EUR")})
	require.Equal(t, 200, r.status, "%s", r.raw)
	got := map[string]string{}
	for _, o := range r.json["outcomes"].([]any) {
		o := o.(map[string]any)
		got[o["rule"].(string)] = strings.Join(slices.DeleteFunc([]string{str(o["status"]), str(o["reason"]), str(o["amount"])}, func(s string) bool { return s == "" }), " ")
	}
	assert.Equal(t, map[string]string{"welcome": "skipped campaign-suspended 5.00", "match": "issued 5.00"}, got)

	r = h.do(call{method: "POST", path: "/v1/campaigns/welcome/resume", role: server.Operator})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, "active", r.json["status"])
	r = h.events([]any{ev("d2", "p1", "deposit", t0.Add(time.Minute), "amount", "10.00", "currency", "EUR")})
	require.Equal(t, 200, r.status, "%s", r.raw)
	got = map[string]string{}
	for _, o := range r.json["outcomes"].([]any) {
		o := o.(map[string]any)
		got[o["rule"].(string)] = strings.Join(slices.DeleteFunc([]string{str(o["status"]), str(o["reason"]), str(o["amount"])}, func(s string) bool { return s == "" }), " ")
	}
	assert.Equal(t, map[string]string{"welcome": "issued 5.00", "match": "issued 5.00"}, got)

	r = h.do(call{method: "POST", path: "/v1/campaigns/welcom/suspend", role: server.Operator})
	assert.Equal(t, 404, r.status, "%s", r.raw)
	assert.Equal(t, "not-found", r.code())
	assert.Contains(t, r.json["message"], `(did you mean "welcome"?)`)
	// No name close: the 404 lists those known, the rules' and the
	// database's.
	r = h.do(call{method: "POST", path: "/v1/campaigns/zzzzzzzz/suspend", role: server.Operator})
	assert.Equal(t, 404, r.status, "%s", r.raw)
	assert.Contains(t, r.json["message"], `(known: "match", "welcome")`)
}

func TestKnownCampaigns(t *testing.T) {
	tests := []struct {
		name  string
		known []string
		want  string
	}{
		{"welcom", []string{"match", "welcome"}, `did you mean "welcome"?`},
		{"zzz", nil, "no campaign is known"},
		{"zzz", []string{"a b", "match"}, `known: "a b", "match"`},
		{"zzzzzzzz", []string{"a1", "a2", "a3", "a4", "a5"}, `known: "a1", "a2", "a3", "a4", "a5"`},
		{"zzzzzzzz", []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7"}, `known: "a1", "a2", "a3", "a4", "a5" and 2 more`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, server.KnownCampaigns(tt.name, tt.known), "%s among %q", tt.name, tt.known)
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// TestAcceptBudgetLimitInput: a budget's limit is an exact decimal, as
// promoc campaigns budget takes it: digits with an optional decimal point.
// An exponent, a sign, blanks or text are 422 invalid-amount naming the
// field limit, and nothing changes; "1e3" is not a thousand. A limit that
// is not a string or a number is 400 invalid-json.
func TestAcceptBudgetLimitInput(t *testing.T) {
	h := rulesHarnessOn(t, openStore(t), campaignAcceptRules)
	for _, limit := range []string{`"1e3"`, `"+200"`, `".5e3"`, `"abc"`, `""`, `"NaN"`, `" 300"`, `"-5"`, `1e3`, `"1.123456789"`} {
		r := h.do(call{method: "PUT", path: "/v1/campaigns/match/budgets/EUR", role: server.Operator, body: `{"limit": ` + limit + `}`})
		assert.Equal(t, 422, r.status, "limit %s: %s", limit, r.raw)
		assert.Equal(t, "invalid-amount", r.code(), "limit %s", limit)
		assert.Equal(t, map[string]any{"field": "limit"}, r.json["details"], "limit %s", limit)
	}
	r := h.do(call{method: "PUT", path: "/v1/campaigns/match/budgets/EUR", role: server.Operator, body: `{"limit": true}`})
	assert.Equal(t, 400, r.status, "%s", r.raw)
	assert.Equal(t, "invalid-json", r.code())
	r = h.do(call{method: "GET", path: "/v1/campaigns/match", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, "100.00", r.json["budgets"].([]any)[0].(map[string]any)["limit"], "nothing changed")
	for limit, want := range map[string]string{`"250.50"`: "250.50", `300`: "300.00", `"0.00000001"`: "0.00000001", `"400.00"`: "400.00"} {
		r := h.do(call{method: "PUT", path: "/v1/campaigns/match/budgets/EUR", role: server.Operator, body: `{"limit": ` + limit + `}`})
		require.Equal(t, 200, r.status, "limit %s: %s", limit, r.raw)
		assert.Equal(t, want, r.json["budgets"].([]any)[0].(map[string]any)["limit"], "limit %s", limit)
	}
}

// TestAcceptBudgetRaisedAfterExhaustion: a budget of 100 EUR pays 50 and
// 50 (exactly what is left: paid, left 0, still active); the next 5 EUR do
// not fit: skipped budget-exhausted, the campaign suspends itself. Raising
// the budget to 105 makes it active again (README: raising a budget that
// ran out), and the next 5 EUR fit exactly; the skipped reward is not paid
// later. A campaign an operator suspended stays suspended when its budget
// is raised.
func TestAcceptBudgetRaisedAfterExhaustion(t *testing.T) {
	h := rulesHarnessOn(t, openStore(t), campaignAcceptRules)
	match := func(id string, at time.Duration, amount string) string {
		t.Helper()
		r := h.events([]any{ev(id, "p1", "deposit", t0.Add(at), "amount", amount, "currency", "EUR")})
		require.Equal(t, 200, r.status, "%s", r.raw)
		for _, o := range r.json["outcomes"].([]any) {
			if o := o.(map[string]any); o["rule"] == "match" {
				return strings.Join(slices.DeleteFunc([]string{str(o["status"]), str(o["reason"]), str(o["amount"])}, func(s string) bool { return s == "" }), " ")
			}
		}
		return "none"
	}
	campaign := func() (string, string, string) {
		t.Helper()
		r := h.do(call{method: "GET", path: "/v1/campaigns/match", role: server.Viewer})
		require.Equal(t, 200, r.status, "%s", r.raw)
		b := r.json["budgets"].([]any)[0].(map[string]any)
		return str(r.json["status"]), str(r.json["reason"]), str(b["left"])
	}
	assert.Equal(t, "issued 50.00", match("d1", 0, "100.00"))
	assert.Equal(t, "issued 50.00", match("d2", time.Minute, "100.00"))
	st, _, left := campaign()
	assert.Equal(t, []string{"active", "0.00"}, []string{st, left}, "exactly what was left is paid; nothing refused yet")
	assert.Equal(t, "skipped budget-exhausted 5.00", match("d3", 2*time.Minute, "10.00"))
	st, why, left := campaign()
	assert.Equal(t, []string{"suspended", "budget-exhausted", "0.00"}, []string{st, why, left})
	assert.Equal(t, "skipped campaign-suspended 5.00", match("d4", 3*time.Minute, "10.00"))

	r := h.do(call{method: "PUT", path: "/v1/campaigns/match/budgets/EUR", role: server.Operator, body: map[string]any{"limit": "105.00"}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	st, _, left = campaign()
	assert.Equal(t, []string{"active", "5.00"}, []string{st, left}, "raising a budget that ran out makes the campaign active")
	assert.Equal(t, "issued 5.00", match("d5", 4*time.Minute, "10.00"))
	assert.Equal(t, "skipped budget-exhausted 0.50", match("d6", 5*time.Minute, "1.00"))

	r = h.do(call{method: "POST", path: "/v1/campaigns/match/suspend", role: server.Operator, body: map[string]any{"reason": "fraud check"}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	r = h.do(call{method: "PUT", path: "/v1/campaigns/match/budgets/EUR", role: server.Operator, body: map[string]any{"limit": "200"}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	st, why, left = campaign()
	assert.Equal(t, []string{"suspended", "fraud check", "95.00"}, []string{st, why, left}, "an operator's suspension outlives a raise")
	assert.Equal(t, "skipped campaign-suspended 5.00", match("d7", 6*time.Minute, "10.00"))
}

// TestAcceptPointsBudgetRaised: a budget of points has no currency (its
// account's currency is ""), so it cannot be named in
// /v1/campaigns/{name}/budgets/{currency}: PUT /v1/campaigns/{name}/budget
// raises it. 60 points of 100 fit, 50 do not: the rule suspends itself;
// raised to 200, it is active again and pays the next 50.
func TestAcceptPointsBudgetRaised(t *testing.T) {
	h := rulesHarnessOn(t, openStore(t), `kind deposit {
	amount: money
}

reward pts: points {
	give last(deposit.amount) / (1 EUR)
}

automation points_budget {
	trigger on deposit
	budget 100

	give pts
}
`)
	status := func(id string, at time.Duration, amount string) string {
		t.Helper()
		r := h.events([]any{ev(id, "p1", "deposit", t0.Add(at), "amount", amount, "currency", "EUR")})
		require.Equal(t, 200, r.status, "%s", r.raw)
		o := r.json["outcomes"].([]any)[0].(map[string]any)
		return strings.Join(slices.DeleteFunc([]string{str(o["status"]), str(o["reason"]), str(o["points"])}, func(s string) bool { return s == "" }), " ")
	}
	assert.Equal(t, "issued 60", status("d1", 0, "60"))
	assert.Equal(t, "skipped budget-exhausted 50", status("d2", time.Minute, "50"))
	r := h.do(call{method: "PUT", path: "/v1/campaigns/points_budget/budget", role: server.Viewer, body: map[string]any{"limit": "200"}})
	assert.Equal(t, 403, r.status, "a viewer may not")
	r = h.do(call{method: "PUT", path: "/v1/campaigns/points_budget/budget", role: server.Operator, body: map[string]any{"limit": "50"}})
	assert.Equal(t, 409, r.status, "%s", r.raw)
	assert.Equal(t, "budget-below-spent", r.code())
	r = h.do(call{method: "PUT", path: "/v1/campaigns/points_budget/budget", role: server.Operator, body: map[string]any{"limit": "200"}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, "active", r.json["status"])
	assert.Equal(t, []any{map[string]any{"currency": "", "limit": "200", "posted": "60", "reserved": "0", "left": "140"}}, r.json["budgets"])
	assert.Equal(t, "issued 50", status("d3", 2*time.Minute, "50"))
}

// TestAcceptResumeActive: resuming a campaign that is active changes
// nothing, as promoc campaigns resume says ("active already"): it does not
// become active "since" now, which would hide since when it runs.
func TestAcceptResumeActive(t *testing.T) {
	h := rulesHarnessOn(t, openStore(t), campaignAcceptRules)
	r := h.do(call{method: "POST", path: "/v1/campaigns/match/resume", role: server.Operator})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, "active", r.json["status"])
	assert.Nil(t, r.json["since"], "never suspended, never resumed")
	h.clock.Set(t0.Add(time.Hour))
	r = h.do(call{method: "POST", path: "/v1/campaigns/match/suspend", role: server.Operator})
	require.Equal(t, 200, r.status, "%s", r.raw)
	h.clock.Set(t0.Add(2 * time.Hour))
	r = h.do(call{method: "POST", path: "/v1/campaigns/match/resume", role: server.Operator})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, t0.Add(2*time.Hour).Format(time.RFC3339), r.json["since"])
	h.clock.Set(t0.Add(3 * time.Hour))
	r = h.do(call{method: "POST", path: "/v1/campaigns/match/resume", role: server.Operator})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, t0.Add(2*time.Hour).Format(time.RFC3339), r.json["since"], "active since the resume, not the repeat")
}

// TestAcceptBudgetUnservedCurrency: a budget in a currency the rules do
// not serve is opened (rules that serve it may come later) and the answer
// says so in notes, which the audit log does not keep; one they serve, or
// rules that declare no currencies (which serve any), get no note.
func TestAcceptBudgetUnservedCurrency(t *testing.T) {
	h := rulesHarnessOn(t, openStore(t), "currencies EUR\n\n"+campaignAcceptRules)
	r := h.do(call{method: "PUT", path: "/v1/campaigns/match/budgets/GBP", role: server.Operator, body: map[string]any{"limit": "100"}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, []any{"the rules serve no GBP (they serve EUR): the budget limits nothing until rules that serve it run"}, r.json["notes"])
	r = h.do(call{method: "GET", path: "/v1/campaigns/match", role: server.Viewer})
	assert.Contains(t, string(r.raw), `"currency":"GBP"`)
	assert.NotContains(t, string(r.raw), "notes")
	r = h.do(call{method: "PUT", path: "/v1/campaigns/match/budgets/EUR", role: server.Operator, body: map[string]any{"limit": "120"}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Nil(t, r.json["notes"])
	r = h.do(call{method: "GET", path: "/v1/audit", role: server.Admin})
	assert.NotContains(t, string(r.raw), "notes")

	h = rulesHarnessOn(t, openStore(t), campaignAcceptRules)
	r = h.do(call{method: "PUT", path: "/v1/campaigns/match/budgets/GBP", role: server.Operator, body: map[string]any{"limit": "100"}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Nil(t, r.json["notes"])
}
