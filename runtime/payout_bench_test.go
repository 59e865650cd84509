package runtime_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime"
)

// payoutWhereSources count the publisher's signups three ways: comparing
// the attribute with conversion.publisher (a term the VM checks in its
// tight loop over the column, as it does for a let), with a let, and with
// a where the lowering cannot make a term (filter code run for each row).
var payoutWhereSources = map[string]string{
	"conversion_attr": "give 1 EUR * count(signup where publisher == conversion.publisher)",
	"let":             "let me = conversion.publisher\n\tgive 1 EUR * count(signup where publisher == me)",
	"filter_code":     "give 1 EUR * count(signup where not (publisher != conversion.publisher))",
}

// BenchmarkPayoutWhere compares the forms of payoutWhereSources on 2,000
// signups of 20 publishers in the payout's window: read conversion_attr
// against filter_code as a ratio within one run.
func BenchmarkPayoutWhere(b *testing.B) {
	ctx := context.Background()
	in := runtime.Input{Now: benchNow, Player: runtime.Player{ID: "pub-7", Currency: "EUR"}}
	for i := range 2000 {
		in.Transactions = append(in.Transactions, runtime.Transaction{ID: fmt.Sprint(i), Kind: "signup",
			Time: benchNow.Add(-time.Duration(2000-i) * time.Minute), Attrs: map[string]any{"publisher": fmt.Sprintf("pub-%d", i%20)}})
	}
	in.Player.Properties = runtime.ConversionProperties(in.Transactions[len(in.Transactions)-1])
	for _, name := range []string{"conversion_attr", "let", "filter_code"} {
		src := "kind signup { publisher: string }\n\npayout per_signup: revenue on conversion signup {\n\twindow last 30 days\n\t" + payoutWhereSources[name] + "\n}\n"
		prog := mustCompile(b, src)
		prepared := prog.Prepare(in)
		// The forms must agree before their speed means anything.
		res, err := prog.EvaluatePrepared(ctx, "per_signup", prepared)
		if err != nil || res.AmountString() != "100.00" {
			b.Fatalf("%s: %v %s %s %s", name, err, res.Outcome, res.AmountString(), res.Detail)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if res, _ := prog.EvaluatePrepared(ctx, "per_signup", prepared); res.Outcome != runtime.Calculated {
					b.Fatal(res.Outcome)
				}
			}
		})
	}
}
