package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store/sqlite"
)

// A host embeds the engine: a compiled rule set, a store (here an SQLite
// file), and events in, outcomes out. The welcome bonus pays once.
func Example() {
	ctx := context.Background()
	prog, err := runtime.Compile(os.DirFS("testdata/basic"))
	if err != nil {
		panic(err)
	}
	dir, _ := os.MkdirTemp("", "promoc")
	defer os.RemoveAll(dir)
	st, err := sqlite.Open(ctx, filepath.Join(dir, "promoc.db"))
	if err != nil {
		panic(err)
	}
	defer st.Close()
	e, err := engine.New(ctx, prog, st, engine.Options{})
	if err != nil {
		panic(err)
	}
	at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	outs, err := e.Handle(ctx, []engine.Event{
		{ID: "reg-1", Player: "p-1", Kind: engine.KindPlayer, Time: at, Currency: "EUR", Zone: "Europe/Malta"},
		{ID: "dep-1", Player: "p-1", Kind: "deposit", Time: at.Add(time.Minute),
			Attrs: map[string]any{"amount": json.Number("50.00"), "method": "card"}},
		{ID: "dep-2", Player: "p-1", Kind: "deposit", Time: at.Add(time.Hour),
			Attrs: map[string]any{"amount": json.Number("30.00"), "method": "card"}},
	})
	if err != nil {
		panic(err)
	}
	for _, o := range outs {
		fmt.Println(o.Rule, o.Status, o.Amount, o.Currency, o.Messages[0].Name)
	}
	// A redelivery changes nothing.
	outs, _ = e.Handle(ctx, []engine.Event{{ID: "dep-1", Player: "p-1", Kind: "deposit", Time: at.Add(time.Minute),
		Attrs: map[string]any{"amount": json.Number("50.00"), "method": "card"}}})
	fmt.Println(len(outs), "outcomes")
	// Output:
	// first_deposit_bonus issued 10.00 EUR bonus_issued
	// 0 outcomes
}
