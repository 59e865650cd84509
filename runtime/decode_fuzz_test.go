package runtime_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/promoc/promoc/runtime"
)

// FuzzDecode feeds documents to both readers of the input document. Neither
// may panic; a document that DecodeInput rejects, Builder.Decode rejects
// too; and otherwise every reward gives the same result whichever way the
// document is prepared.
func FuzzDecode(f *testing.F) {
	seeds, _ := filepath.Glob("../examples/*/input.json")
	more, _ := filepath.Glob("../examples/*/testdata/*.json")
	for _, p := range append(seeds, more...) {
		if b, err := os.ReadFile(p); err == nil && len(b) < 1<<16 {
			f.Add(b)
		}
	}
	for _, s := range []string{
		`{"now": "2026-11-23T10:00:00Z", "player": {"currency": "EUR"}, "transactions": [{"id": "d", "kind": "deposit", "time": "2026-11-23T09:00:00Z", "amount": 600}]}`,
		`{"transactions": [{"id": "d", "kind": "deposit", "time": "2026-11-23T09:00:00Z", "amount": "1e3", "currency": "USD"}], "rates": {"USD": 0.5}, "player": {"currency": "EUR"}, "now": "2026-11-23T10:00:00Z"}`,
		`{"now": "2026-11-23T10:00:00Z", "player": {"currency": "EUR"}, "transactions": [{"id": "a", "kind": "deposit", "time": "2026-11-23T09:00:00Z", "amount": 1}, {"id": "a", "kind": "deposit", "time": "2026-11-23T08:00:00Z", "amount": "x"}]}`,
		`{"now": "2026-11-23T10:00:00Z", "now": 1}`,
		`{"now": "2026-11-23t10:00:00z", "player": {"currency": "EUR"}, "transactions": [{"id": "d", "kind": "deposit", "time": "2026-11-23t09:00:00.5+01:00", "amount": 600}], "anchors": {"entrance": "2026-11-20t00:00:00z"}}`,
		"{\"now\": \"\\ud800\"}",
		`[{}]`,
	} {
		f.Add([]byte(s))
	}
	prog, err := runtime.Compile(os.DirFS("../examples/dynamic_rewards"))
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, doc []byte) {
		if len(doc) > 1<<16 {
			return
		}
		in, derr := runtime.DecodeInput(bytes.NewReader(doc))
		b := prog.NewBuilder()
		berr := b.DecodeBytes(ctx, doc)
		if derr != nil {
			var ie *runtime.InputError
			if !errors.As(derr, &ie) {
				t.Fatalf("DecodeInput: %v is not an InputError", derr)
			}
			// The builder may find another problem first: one of the
			// player, say, which DecodeInput leaves to Prepare.
			if berr == nil {
				t.Fatalf("DecodeInput: %v, Builder.Decode: no error", derr)
			}
			return
		}
		want := prog.Prepare(in)
		got := b.Prepared()
		for _, r := range prog.Rewards() {
			w, err := prog.EvaluatePrepared(ctx, r, want)
			if err != nil {
				t.Fatal(err)
			}
			g, err := prog.EvaluatePrepared(ctx, r, got)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(vmResult(w), vmResult(g)) {
				if berr != nil && w.Reason == "invalid-input" && g.Reason == "invalid-input" {
					continue // both reject it; the first error found may differ in order
				}
				t.Fatalf("reward %s: Prepare %+v, Builder.Decode %+v (decode error %v)", r, vmResult(w), vmResult(g), berr)
			}
		}
	})
}
