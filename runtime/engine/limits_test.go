package engine_test

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// The checks between a trigger and a payment, on testdata/limits: segment,
// qualification, rate limits, message limits, approval and budgets.

func props(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func TestSegment(t *testing.T) {
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	runScenarios(t, "limits", []scenario{{
		name:  "a property with a default",
		rules: []string{"vip_deposit"},
		steps: []step{
			{name: "not a member", handle: []engine.Event{eur("p", t0), deposit("d1", "p", at(1), "10", "card")},
				want: []string{"vip_deposit p skipped/not-in-segment"}},
			{name: "a player event makes a member", handle: []engine.Event{
				playerEv("u1", "p", at(2), "", "", props("vip_level", json.Number("1"))),
				deposit("d2", "p", at(3), "10", "card"),
			}, want: []string{"vip_deposit p issued 5.00 EUR"}},
			{name: "removing the property gives the default", handle: []engine.Event{
				playerEv("u2", "p", at(4), "", "", props("vip_level", nil)),
				deposit("d3", "p", at(5), "10", "card"),
			}, want: []string{"vip_deposit p skipped/not-in-segment"}},
		},
	}, {
		name:  "a property without a default",
		rules: []string{"maltese_deposit"},
		steps: []step{
			{name: "missing", handle: []engine.Event{eur("p", t0), deposit("d1", "p", at(1), "10", "card")},
				want: []string{"maltese_deposit p skipped/missing-property"}},
			{name: "another country", handle: []engine.Event{
				playerEv("u1", "p", at(2), "", "", props("country", "DE")),
				deposit("d2", "p", at(3), "10", "card"),
			}, want: []string{"maltese_deposit p skipped/not-in-segment"}},
			{name: "a member", handle: []engine.Event{
				playerEv("u2", "p", at(4), "", "", props("country", "MT")),
				deposit("d3", "p", at(5), "10", "card"),
			}, want: []string{"maltese_deposit p issued 5.00 EUR"}},
		},
	}})
}

func TestQualification(t *testing.T) {
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	runScenarios(t, "limits", []scenario{{
		name:  "on an event trigger",
		rules: []string{"qualified_logins"},
		steps: []step{
			{name: "before", handle: []engine.Event{eur("p", t0), login("l1", "p", at(1))},
				want: []string{"qualified_logins p skipped/not-qualified"}},
			{name: "a deposit too small", handle: []engine.Event{deposit("d1", "p", at(2), "99.99", "card"), login("l2", "p", at(3))},
				want: []string{"qualified_logins p skipped/not-qualified"}},
			{name: "qualified: two rewards", handle: []engine.Event{
				deposit("d2", "p", at(4), "100", "card"), login("l3", "p", at(5)), login("l4", "p", at(6)),
			}, want: []string{"qualified_logins p issued 5.00 EUR", "qualified_logins p issued 5.00 EUR"}},
			{name: "the limit", handle: []engine.Event{login("l5", "p", at(7)), login("l6", "p", at(8))},
				want: []string{"qualified_logins p skipped/qualification-limit", "qualified_logins p skipped/qualification-limit"}},
			{name: "a small deposit does not qualify again", handle: []engine.Event{deposit("d3", "p", at(9), "50", "card"), login("l7", "p", at(10))},
				want: []string{"qualified_logins p skipped/qualification-limit"}},
			{name: "a new qualification starts the count again", handle: []engine.Event{
				deposit("d4", "p", at(11), "200", "card"), login("l8", "p", at(12)), login("l9", "p", at(13)), login("l10", "p", at(14)),
			}, want: []string{"qualified_logins p issued 5.00 EUR", "qualified_logins p issued 5.00 EUR", "qualified_logins p skipped/qualification-limit"}},
		},
	}, {
		name:  "on accumulation",
		rules: []string{"qualified_bets"},
		steps: []step{
			{name: "bets before qualifying do not count", handle: []engine.Event{
				eur("p", t0), bet("b1", "p", at(1), "1", "slots"), bet("b2", "p", at(2), "1", "slots"), bet("b3", "p", at(3), "1", "slots"),
			}},
			{name: "qualified", handle: []engine.Event{
				deposit("d1", "p", at(4), "100", "card"), bet("b4", "p", at(5), "2", "slots"), bet("b5", "p", at(6), "3", "slots"),
			}, want: []string{"qualified_bets p issued 0.50 EUR"}},
			{name: "a leftover", handle: []engine.Event{bet("b6", "p", at(7), "1000", "slots")}},
			{name: "a new qualification discards it", handle: []engine.Event{
				deposit("d2", "p", at(8), "150", "card"), bet("b7", "p", at(9), "5", "slots"), bet("b8", "p", at(10), "6", "slots"),
			}, want: []string{"qualified_bets p issued 1.10 EUR"}},
			{name: "the second reward of the qualification", handle: []engine.Event{bet("b9", "p", at(11), "7", "slots"), bet("b10", "p", at(12), "8", "slots")},
				want: []string{"qualified_bets p issued 1.50 EUR"}},
			{name: "the limit", handle: []engine.Event{bet("b11", "p", at(13), "9", "slots"), bet("b12", "p", at(14), "10", "slots")},
				want: []string{"qualified_bets p skipped/qualification-limit"}},
			{name: "again", handle: []engine.Event{
				deposit("d3", "p", at(15), "100", "card"), bet("b13", "p", at(16), "11", "slots"), bet("b14", "p", at(17), "12", "slots"),
			}, want: []string{"qualified_bets p issued 2.30 EUR"}},
		},
	}, {
		name:  "the qualifying event counts",
		rules: []string{"qualified_deposits"},
		steps: []step{
			{name: "before", handle: []engine.Event{eur("p", t0), deposit("d1", "p", at(1), "10", "card")}},
			{name: "qualifies and counts", handle: []engine.Event{deposit("d2", "p", at(2), "100", "card")}},
			{name: "the second", handle: []engine.Event{deposit("d3", "p", at(3), "10", "card")}, want: []string{"qualified_deposits p issued 5.00 EUR"}},
			{name: "one left over", handle: []engine.Event{deposit("d4", "p", at(4), "10", "card")}},
			{name: "discarded by a new qualification, which counts", handle: []engine.Event{deposit("d5", "p", at(5), "100", "card")}},
			{name: "the second again", handle: []engine.Event{deposit("d6", "p", at(6), "10", "card")}, want: []string{"qualified_deposits p issued 5.00 EUR"}},
		},
	}})
}

// messages writes an outcome with its messages: "status name k=v ...",
// "(suppressed)" after a message held back.
func messages(o engine.Outcome) string {
	s := o.Player + " " + o.Status
	for _, m := range o.Messages {
		s += " " + m.Name
		keys := make([]string, 0, len(m.Values))
		for k := range m.Values {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			s += " " + k + "=" + m.Values[k]
		}
		if m.Suppressed {
			s += " (suppressed)"
		}
	}
	return s
}

func TestRateLimits(t *testing.T) {
	ns := time.Nanosecond
	runScenarios(t, "limits", []scenario{{
		name:  "rewards, rolling and half-open",
		rules: []string{"two_a_day"},
		steps: []step{
			{name: "two", handle: []engine.Event{eur("p", t0), login("l1", "p", t0), login("l2", "p", t0.Add(time.Hour))},
				want: []string{"two_a_day p issued 5.00 EUR", "two_a_day p issued 5.00 EUR"}},
			{name: "the third", handle: []engine.Event{login("l3", "p", t0.Add(2*time.Hour))},
				want: []string{"two_a_day p skipped/rate-limited"}},
			{name: "just before a day", handle: []engine.Event{login("l4", "p", t0.Add(day-ns))},
				want: []string{"two_a_day p skipped/rate-limited"}},
			{name: "a day after the first", handle: []engine.Event{login("l5", "p", t0.Add(day))},
				want: []string{"two_a_day p issued 5.00 EUR"}},
			// What the limit suppressed (l3, l4) does not count: l2 and l5 do.
			{name: "just before a day after the second", handle: []engine.Event{login("l6", "p", t0.Add(day+time.Hour-ns))},
				want: []string{"two_a_day p skipped/rate-limited"}},
			{name: "a day after the second", handle: []engine.Event{login("l7", "p", t0.Add(day+time.Hour))},
				want: []string{"two_a_day p issued 5.00 EUR"}},
		},
	}, {
		name:  "the same time, in the order received",
		rules: []string{"two_a_day"},
		steps: []step{{name: "three at once", handle: []engine.Event{
			eur("p", t0), login("c", "p", t0), login("a", "p", t0), login("b", "p", t0),
		}, want: []string{"two_a_day p issued 5.00 EUR", "two_a_day p issued 5.00 EUR", "two_a_day p skipped/rate-limited"}}},
	}, {
		name:   "messages",
		rules:  []string{"quiet"},
		format: messages,
		steps: []step{
			{name: "two sent, one held back", handle: []engine.Event{
				eur("p", t0),
				bet("b1", "p", t0, "1", "slots"), bet("b2", "p", t0.Add(time.Hour), "1", "slots"), bet("b3", "p", t0.Add(2*time.Hour), "1", "slots"),
			}, want: []string{
				"p issued bonus amount=5.00 currency=EUR",
				"p issued bonus amount=5.00 currency=EUR",
				"p issued bonus amount=5.00 currency=EUR (suppressed)",
			}},
			// The held back one (b3) does not count: b2 does, until a day later.
			{name: "a day after the first", handle: []engine.Event{bet("b4", "p", t0.Add(day), "1", "slots")},
				want: []string{"p issued bonus amount=5.00 currency=EUR"}},
			{name: "b2 and b4 count", handle: []engine.Event{bet("b5", "p", t0.Add(day+30*time.Minute), "1", "slots")},
				want: []string{"p issued bonus amount=5.00 currency=EUR (suppressed)"}},
			{name: "b4 counts", handle: []engine.Event{bet("b6", "p", t0.Add(day+time.Hour), "1", "slots")},
				want: []string{"p issued bonus amount=5.00 currency=EUR"}},
		},
	}, {
		name:   "skips' messages count",
		rules:  []string{"skip_notes"},
		format: messages,
		steps: []step{
			{name: "the segment's", handle: []engine.Event{
				eur("a", t0), bet("b1", "a", t0, "1", "notes"), bet("b2", "a", t0.Add(time.Minute), "1", "notes"),
			}, want: []string{"a skipped note reason=not-in-segment", "a skipped note reason=not-in-segment (suppressed)"}},
			{name: "the budget's and the suspension's", handle: []engine.Event{
				playerEv("reg-b", "b", t0, "EUR", "", props("vip_level", json.Number("1"))),
				bet("b1", "b", t0, "1", "notes"), bet("b2", "b", t0.Add(time.Minute), "1", "notes"), bet("b3", "b", t0.Add(2*time.Minute), "1", "notes"),
			}, want: []string{"b issued", "b skipped note reason=budget-exhausted", "b skipped note reason=campaign-suspended (suppressed)"}},
			{name: "in the next call", handle: []engine.Event{bet("b4", "b", t0.Add(3*time.Minute), "1", "notes")},
				want: []string{"b skipped note reason=campaign-suspended (suppressed)"}},
			{name: "a day later", handle: []engine.Event{bet("b5", "b", t0.Add(day+time.Minute), "1", "notes")},
				want: []string{"b skipped note reason=campaign-suspended"}},
		},
	}})
}

func TestApproval(t *testing.T) {
	runScenarios(t, "limits", []scenario{{
		name:  "the rule's setting over the reward's",
		rules: []string{"rule_manual", "rule_auto", "reward_manual"},
		steps: []step{{name: "one deposit", handle: []engine.Event{eur("p", t0), deposit("d1", "p", t0, "10", "card")},
			want: []string{"rule_manual p waiting 5.00 EUR", "rule_auto p issued 5.00 EUR", "reward_manual p waiting 5.00 EUR"}}},
		check: func(t *testing.T, st store.Store) {
			ctx := context.Background()
			ws, err := st.Waiting(ctx, 0, 10)
			require.NoError(t, err)
			var rules []string
			for _, w := range ws {
				rules = append(rules, w.Key.Rule)
			}
			assert.Equal(t, []string{"rule_manual", "reward_manual"}, rules)
			so, err := st.Approve(ctx, ws[0].Key, t0.Add(time.Hour))
			require.NoError(t, err)
			o, err := engine.OutcomeOf(so)
			require.NoError(t, err)
			assert.Equal(t, "issued", o.Status)
			assert.Equal(t, "5.00", o.Amount.String())
		},
	}})
}

func setBudget(campaign, cur, limit string) func(context.Context, store.Store) error {
	return func(ctx context.Context, st store.Store) error {
		return st.SetBudget(ctx, campaign, cur, decimal.RequireFromString(limit), t0)
	}
}

func TestBudget(t *testing.T) {
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	n := 0
	dep := func(p string) engine.Event {
		n++
		return deposit("d"+strings.Repeat("x", n), p, at(n), "10", "budget")
	}
	runScenarios(t, "limits", []scenario{{
		name:  "per currency, suspending the whole campaign",
		rules: []string{"budgeted"},
		format: func(o engine.Outcome) string {
			return brief([]engine.Outcome{o})[0] + strings.TrimPrefix(messages(o), o.Player+" "+o.Status)
		},
		steps: []step{
			{name: "EUR until it runs out, in one call", handle: []engine.Event{
				eur("e", t0), usd("u", t0), dep("e"), dep("u"), dep("e"), dep("e"), dep("e"), dep("e"), dep("e"), dep("u"),
			}, want: []string{
				"budgeted e issued 5.00 EUR",
				"budgeted u issued 6.00 USD",
				"budgeted e issued 5.00 EUR",
				"budgeted e issued 5.00 EUR",
				"budgeted e issued 5.00 EUR",
				"budgeted e issued 5.00 EUR",
				"budgeted e skipped/budget-exhausted 5.00 EUR sorry reason=budget-exhausted",
				"budgeted u skipped/campaign-suspended 6.00 USD sorry reason=campaign-suspended",
			}},
			{name: "still suspended in the next call", handle: []engine.Event{dep("u")},
				want: []string{"budgeted u skipped/campaign-suspended 6.00 USD sorry reason=campaign-suspended"}},
			{name: "raising the budget makes it active", op: setBudget("budgeted", "EUR", "35"), handle: []engine.Event{dep("e"), dep("u")},
				want: []string{"budgeted e issued 5.00 EUR", "budgeted u issued 6.00 USD"}},
			{name: "an operator suspends it", op: func(ctx context.Context, st store.Store) error {
				return st.Suspend(ctx, "budgeted", "operator", t0)
			}, handle: []engine.Event{dep("e")},
				want: []string{"budgeted e skipped/campaign-suspended 5.00 EUR sorry reason=campaign-suspended"}},
			{name: "and resumes it", op: func(ctx context.Context, st store.Store) error {
				return st.Resume(ctx, "budgeted", t0)
			}, handle: []engine.Event{dep("e"), dep("e")},
				want: []string{"budgeted e issued 5.00 EUR", "budgeted e skipped/budget-exhausted 5.00 EUR sorry reason=budget-exhausted"}},
			// Resumed without a raise: what fits is paid, what does not
			// suspends it again.
			{name: "resumed without a raise", op: func(ctx context.Context, st store.Store) error {
				return st.Resume(ctx, "budgeted", t0)
			}, handle: []engine.Event{dep("u"), dep("e"), dep("u")},
				want: []string{
					"budgeted u issued 6.00 USD",
					"budgeted e skipped/budget-exhausted 5.00 EUR sorry reason=budget-exhausted",
					"budgeted u skipped/campaign-suspended 6.00 USD sorry reason=campaign-suspended",
				}},
		},
		check: func(t *testing.T, st store.Store) {
			ctx := context.Background()
			bs, err := st.Budgets(ctx, "budgeted")
			require.NoError(t, err)
			got := map[string]string{}
			for _, b := range bs {
				got[b.Currency] = b.Posted.String() + "/" + b.Limit.String()
			}
			assert.Equal(t, map[string]string{"EUR": "35/35", "USD": "18/30"}, got)
			c, err := st.Campaign(ctx, "budgeted")
			require.NoError(t, err)
			assert.Equal(t, store.Suspended, c.Status)
			require.NoError(t, st.Audit(ctx))
		},
	}, {
		name:  "points",
		rules: []string{"points_budget"},
		steps: []step{{name: "three bets", handle: []engine.Event{
			eur("p", t0), bet("b1", "p", t0, "1", "points"), bet("b2", "p", t0.Add(time.Minute), "1", "points"), bet("b3", "p", t0.Add(2*time.Minute), "1", "points"),
		}, want: []string{"points_budget p issued 3pts", "points_budget p issued 3pts", "points_budget p skipped/budget-exhausted 3pts"}}},
		check: func(t *testing.T, st store.Store) {
			bs, err := st.Budgets(context.Background(), "points_budget")
			require.NoError(t, err)
			require.Len(t, bs, 1)
			assert.Equal(t, "", bs[0].Currency)
			assert.Equal(t, "6/7", bs[0].Posted.String()+"/"+bs[0].Limit.String())
		},
	}, {
		name:  "a reward the budget refused counts towards no limit",
		rules: []string{"budget_and_limit"},
		steps: []step{
			{name: "one", handle: []engine.Event{eur("p", t0), login("l1", "p", t0)}, want: []string{"budget_and_limit p issued 5.00 EUR"}},
			{name: "limited", handle: []engine.Event{login("l2", "p", t0.Add(time.Hour))}, want: []string{"budget_and_limit p skipped/rate-limited"}},
			{name: "two", handle: []engine.Event{login("l3", "p", t0.Add(day))}, want: []string{"budget_and_limit p issued 5.00 EUR"}},
			{name: "refused", handle: []engine.Event{login("l4", "p", t0.Add(2*day))}, want: []string{"budget_and_limit p skipped/budget-exhausted 5.00 EUR"}},
			{name: "raised: the refused one did not count", op: setBudget("budget_and_limit", "EUR", "15"),
				handle: []engine.Event{login("l5", "p", t0.Add(2*day+time.Minute))}, want: []string{"budget_and_limit p issued 5.00 EUR"}},
		},
	}})
}
