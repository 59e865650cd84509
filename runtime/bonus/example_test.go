package bonus_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/promoc/promoc/runtime/bonus"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/sqlite"
	"github.com/shopspring/decimal"
)

// The lifecycle of one bonus: granted, reported Completed by the bonus
// system (twice: the repeat changes nothing), reported Forfeited after
// that (an anomaly, kept), and the report.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "promoc")
	defer os.RemoveAll(dir)
	st, err := sqlite.Open(ctx, filepath.Join(dir, "promoc.db"))
	if err != nil {
		panic(err)
	}
	defer st.Close()

	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	granted, err := st.Grant(ctx, []store.Bonus{{Source: store.SourcePromoc, Player: "p1", Granted: at,
		Refs:   store.BonusRefs{Activity: "welcome", Action: "bonus", TriggerHash: "d1"},
		Amount: decimal.RequireFromString("10.00"), Currency: "EUR"}}, 0)
	if err != nil {
		panic(err)
	}
	id := granted[0].ID

	events := `{"id":"ev-1","bonus":"` + id + `","status":"Completed","amount":"7.50"}
{"id":"ev-1","bonus":"` + id + `","status":"Completed","amount":"7.50"}
{"id":"ev-2","bonus":"` + id + `","status":"Forfeited"}
`
	evs, err := bonus.ReadEvents(strings.NewReader(events), at.Add(time.Hour))
	if err != nil {
		panic(err)
	}
	results, err := st.ReportStatus(ctx, evs)
	if err != nil {
		panic(err)
	}
	for i, r := range results {
		fmt.Println(strings.TrimSpace(evs[i].ID + " " + r.Result + " " + r.Anomaly))
	}
	report, err := bonus.Totals(ctx, st, "")
	if err != nil {
		panic(err)
	}
	bonus.WriteCSV(os.Stdout, report)
	// Output:
	// ev-1 applied
	// ev-1 duplicate
	// ev-2 anomaly terminal-after-terminal
	// source,campaign,currency,amount_granted,amount_turned_real,granted,completed,forfeited,lost,expired,open
	// promoc,welcome,EUR,10.00,7.50,1,1,0,0,0,0
}
