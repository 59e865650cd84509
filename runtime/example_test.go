package runtime_test

import (
	"context"
	"fmt"
	"strings"
	"testing/fstest"
	"time"

	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/runtime"
)

// rules is a rule set as a service would embed it with go:embed.
var rules = fstest.MapFS{
	"rules/schema.promo": {Data: []byte(`
kind deposit {
	amount: money
}

player {
	vip_level: number default 0
}
`)},
	"rules/tiered_deposit.promo": {Data: []byte(`
// 50% of the last deposit above 500 (at most 1000), 30% above 300, 10 above 100.
reward tiered_deposit: amount {
	let deposit = last(deposit.amount)
	tiers deposit {
		above 500 EUR: give min(50% of deposit, 1000 EUR)
		above 300 EUR: give 30% of deposit
		above 100 EUR: give 10 EUR
		else: skip "deposit of 100 or less"
	}
}
`)},
}

// Compile once, evaluate many times: a Program is safe for concurrent use.
func Example() {
	prog, err := runtime.Compile(rules, runtime.WithRoot("rules"))
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for _, amount := range []string{"600.00", "420.50", "80.00"} {
		res, err := prog.Evaluate(context.Background(), "tiered_deposit", runtime.Input{
			Now:    now,
			Player: runtime.Player{ID: "p-1", Currency: "EUR"},
			Transactions: []runtime.Transaction{{
				ID: "d-1", Kind: "deposit", Time: now.Add(-time.Hour),
				Attrs: map[string]any{"amount": decimal.RequireFromString(amount)},
			}},
		})
		if err != nil {
			fmt.Println(err)
			return
		}
		switch res.Outcome {
		case runtime.Calculated:
			fmt.Println(amount, "→", res.Outcome, res.AmountString(), res.Currency)
		default:
			fmt.Println(amount, "→", res.Outcome, res.Reason, res.Detail)
		}
	}
	// Output:
	// 600.00 → calculated 300.00 EUR
	// 420.50 → calculated 126.15 EUR
	// 80.00 → skipped skipped deposit of 100 or less
}

// Compile errors come back as a *runtime.Error with every diagnostic, each
// with its file, line and column.
func ExampleCompile_errors() {
	broken := fstest.MapFS{"rules.promo": {Data: []byte(`
kind deposit { amount: money }

reward r: amount {
	give sum(deposit.amout) + 10
}
`)}}
	_, err := runtime.Compile(broken)
	fmt.Println(err)
	// Output:
	// rules.promo:5:19: error: deposit has no attribute amout (did you mean amount?) [undefined-attribute]
}

// The JSON input document (spec/spec.md, "Input") and a trace of the
// evaluation: the branch taken, the lets and the transactions counted.
func ExampleProgram_Evaluate_trace() {
	prog, err := runtime.Compile(rules, runtime.WithRoot("rules"))
	if err != nil {
		fmt.Println(err)
		return
	}
	in, err := runtime.DecodeInput(strings.NewReader(`{
		"now": "2026-11-23T10:00:00Z",
		"player": {"id": "p-1", "currency": "EUR"},
		"transactions": [
			{"id": "d-1", "kind": "deposit", "time": "2026-11-20T09:00:00Z", "amount": "200.00"},
			{"id": "d-2", "kind": "deposit", "time": "2026-11-23T09:00:00Z", "amount": "2400.00"},
			{"id": "d-2", "kind": "deposit", "time": "2026-11-23T09:00:00Z", "amount": "2400.00"}
		]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := prog.Evaluate(context.Background(), "tiered_deposit", in, runtime.WithTrace())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Outcome, res.AmountString(), res.Currency)
	fmt.Println("branch:", res.Trace.Branches[0].Label)
	for _, l := range res.Trace.Lets {
		fmt.Println("let", l.Name, "=", l.Value)
	}
	for _, a := range res.Trace.Aggregations {
		fmt.Println(a.Op, a.Kind, "matched", a.Matched, a.IDs)
	}
	// Output:
	// calculated 1000.00 EUR
	// branch: above 500 EUR
	// let deposit = 2400.00 EUR
	// last deposit matched 2 [d-1 d-2]
}

// Every result names the version of the rule set that gave it: a hash of the
// rule files' names and bytes, the same wherever the files are read from.
// Store it with an issued reward to trace it to its rules.
func ExampleProgram_Version() {
	prog, err := runtime.Compile(rules, runtime.WithRoot("rules"))
	if err != nil {
		fmt.Println(err)
		return
	}
	elsewhere := fstest.MapFS{}
	for name, f := range rules {
		elsewhere["srv/promo/"+strings.TrimPrefix(name, "rules/")] = f
	}
	again, err := runtime.Compile(elsewhere, runtime.WithRoot("srv/promo"))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := prog.Evaluate(context.Background(), "tiered_deposit", runtime.Input{
		Now:    time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC),
		Player: runtime.Player{ID: "p-1001", Currency: "EUR"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(prog.Version())
	fmt.Println(again.Version() == prog.Version(), res.RuleSetVersion == prog.Version())
	// Output:
	// sha256:eac4386141ed6e697397ace2a98a17829cab0f46ae570f18369254d41afef28e
	// true true
}

// A service that evaluates on every event keeps a Builder per player: each
// event is appended to the player's columns (no map per transaction, no
// preparing the history again), then the rewards run on the result.
func ExampleBuilder() {
	prog, err := runtime.Compile(rules, runtime.WithRoot("rules"))
	if err != nil {
		fmt.Println(err)
		return
	}
	// Look names up once.
	deposit, err := prog.Kind("deposit")
	if err != nil {
		fmt.Println(err)
		return
	}
	amount, err := deposit.Attr("amount")
	if err != nil {
		fmt.Println(err)
		return
	}
	reward, err := prog.Reward("tiered_deposit")
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	b := prog.NewBuilder()
	b.SetNow(now)
	b.SetPlayer(runtime.Player{ID: "p-1", Currency: "EUR"})
	for i, cents := range []int64{42050, 60000, 8000} {
		b.Begin(deposit, fmt.Sprint("d-", i), now.Add(time.Duration(i-3)*time.Hour), "")
		b.SetScaled(amount, cents, 2) // 420.50, 600.00, 80.00
		if err := b.Commit(); err != nil {
			fmt.Println(err)
			return
		}
		res, err := reward.Evaluate(context.Background(), b.Prepared())
		if err != nil {
			fmt.Println(err)
			return
		}
		if res.Outcome == runtime.Calculated {
			fmt.Println(res.Outcome, res.AmountString())
		} else {
			fmt.Println(res.Outcome, res.Detail)
		}
	}
	// The same input, from its JSON document, straight into the columns.
	err = b.Decode(context.Background(), strings.NewReader(`{"now": "2026-11-23T10:00:00Z",
		"player": {"id": "p-1", "currency": "EUR"},
		"transactions": [{"id": "d-0", "kind": "deposit", "time": "2026-11-23T09:00:00Z", "amount": 750}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, _ := reward.Evaluate(context.Background(), b.Prepared())
	fmt.Println(res.Outcome, res.AmountString())
	// Output:
	// calculated 126.15
	// calculated 300.00
	// skipped deposit of 100 or less
	// calculated 375.00
}
