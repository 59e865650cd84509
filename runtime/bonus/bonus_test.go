package bonus_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/bonus"
	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/sqlite"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var t0 = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)

func TestMoney(t *testing.T) {
	tests := []struct{ amount, currency, want string }{
		{"10", "EUR", "10.00"},
		{"0.1", "EUR", "0.10"},
		{"0.125", "EUR", "0.125"},
		{"1000", "JPY", "1000"},
		{"1000.5", "JPY", "1000.5"},
		{"1.2345", "KWD", "1.2345"},
		{"1.2", "KWD", "1.200"},
		{"7", "", "7"},
		{"0.00000001", "EUR", "0.00000001"},
		{"12345678901.10", "EUR", "12345678901.10"},
	}
	for _, tt := range tests {
		got := bonus.Money(decimal.RequireFromString(tt.amount), tt.currency)
		assert.Equal(t, tt.want, got, "Money(%s, %q)", tt.amount, tt.currency)
	}
}

func TestDecodeEvent(t *testing.T) {
	tests := []struct{ name, in, err string }{
		{"ok", `{"id":"e1","bonus":"b","status":"Completed","amount":"7.50","currency":"EUR","at":"2026-12-06T11:00:00+01:00"}`, ""},
		{"a number amount", `{"id":"e1","bonus":"b","status":"Completed","amount":7.50}`, ""},
		{"fast track references", `{"id":"e1","player":"p1","status":"Lost","fasttrack_references":{"x-fasttrack-activityid":"12","X-Fasttrack-Actionid":"3","X-Fasttrack-Triggerhash":"h"}}`, ""},
		{"no id", `{"bonus":"b","status":"Lost"}`, "id: required: the event's unique id"},
		{"unknown status", `{"id":"e","bonus":"b","status":"completed"}`, `status: "completed" is none of Created, Completed, Forfeited, Lost, Expired`},
		{"unknown field", `{"id":"e","bonus":"b","status":"Lost","bonus_id":"x"}`, "bonus_id: unknown field"},
		{"wrong type", `{"id":5,"bonus":"b","status":"Lost"}`, "id: expected string, found a JSON number"},
		{"exponent", `{"id":"e","status":"Completed","amount":"1e3"}`, `amount: "1e3" is not a decimal amount such as "10.50"`},
		{"negative", `{"id":"e","status":"Completed","amount":"-1"}`, "amount: -1 is negative"},
		{"too precise", `{"id":"e","status":"Completed","amount":"0.000000001"}`, "amount: 0.000000001 has more than 8 decimals"},
		{"currency", `{"id":"e","status":"Completed","amount":"1","currency":"EURO"}`, `currency: "EURO" is not the ISO 4217 code of a currency with minor units`},
		{"time", `{"id":"e","status":"Lost","at":"yesterday"}`, `at: invalid time "yesterday": want RFC 3339, as in 2026-11-23T10:00:00Z`},
		{"time in lower case", `{"id":"e","bonus":"b","status":"Lost","at":"2026-12-06t10:00:00z"}`, ""},
		{"time out of range", `{"id":"e","status":"Lost","at":"2200-01-01T00:00:00Z"}`, "at: out of range: times must lie from 1900-01-01 up to 2200-01-01 (UTC)"},
		// A status changes before it is reported: a time ahead of the
		// clock by more than bonus.MaxSkew (5 minutes, as a conversion's)
		// is a clock or a typo of the bonus system, refused.
		{"five minutes ahead", `{"id":"e","status":"Lost","at":"2026-12-06T10:05:00Z"}`, ""},
		{"in the future", `{"id":"e","status":"Lost","at":"2026-12-06T10:05:00.000000001Z"}`,
			"at: 2026-12-06T10:05:00.000000001Z is in the future (received 2026-12-06T10:00:00Z): a status is reported after it changed, at most 5m0s ahead of this clock"},
		{"a year ahead", `{"id":"e","status":"Completed","at":"2099-01-01T00:00:00+01:00"}`, "at: 2098-12-31T23:00:00Z is in the future"},
		{"unknown header", `{"id":"e","status":"Lost","fasttrack_references":{"X-Fasttrack-Userid":"1"}}`, "fasttrack_references.X-Fasttrack-Userid: not one of"},
		{"both references", `{"id":"e","status":"Lost","references":{},"fasttrack_references":{}}`, "give references or fasttrack_references, not both"},
		{"trailing data", `{"id":"e","status":"Lost"} {}`, "data after the JSON object"},
		{"not JSON", `{"id":`, "not JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := bonus.DecodeEvent([]byte(tt.in), "", t0)
			if tt.err == "" {
				require.NoError(t, err)
				assert.Equal(t, []byte(tt.in), e.Body, "kept as received")
				return
			}
			require.Error(t, err)
			var fe *bonus.FieldError
			assert.True(t, errors.As(err, &fe), "a FieldError")
			assert.Contains(t, err.Error(), tt.err)
		})
	}
	e, err := bonus.DecodeEvent([]byte(`{"id":"e1","status":"Completed","amount":7.50,"at":"2026-12-06T11:00:00+01:00"}`), "b9", t0)
	require.NoError(t, err)
	assert.Equal(t, "b9", e.Bonus, "the bonus of the request's path")
	assert.True(t, e.HasAmount)
	assert.Equal(t, "7.5", e.Amount.String())
	assert.Equal(t, t0, e.At, "at in UTC")
	e, err = bonus.DecodeEvent([]byte(`{"id":"e1","status":"Lost","at":"2026-12-06t10:00:00z"}`), "b9", t0)
	require.NoError(t, err)
	assert.Equal(t, t0, e.At, "t and z in lower case")
	e, err = bonus.DecodeEvent([]byte(`{"id":"e1","player":"p1","status":"Lost","fasttrack_references":{"x-fasttrack-activityid":"12","X-FASTTRACK-ID":" 7 "}}`), "", t0)
	require.NoError(t, err)
	assert.Equal(t, store.BonusRefs{Activity: "12", ID: " 7 "}, e.Refs, "header names in any case, values as they are")
	_, err = bonus.DecodeEvent([]byte(`{"id":"e1","bonus":"other","status":"Lost"}`), "b9", t0)
	assert.ErrorContains(t, err, `bonus: "other", but the request is for bonus "b9"`)
}

func TestReadEvents(t *testing.T) {
	in := "{\"id\":\"e1\",\"bonus\":\"b\",\"status\":\"Lost\"}\n\n{\"id\":\"e2\",\"bonus\":\"b\",\"status\":\"Won\"}\n"
	_, err := bonus.ReadEvents(strings.NewReader(in), t0)
	assert.EqualError(t, err, `line 3: status: "Won" is none of Created, Completed, Forfeited, Lost, Expired`)
	evs, err := bonus.ReadEvents(strings.NewReader(strings.Replace(in, "Won", "Expired", 1)), t0)
	require.NoError(t, err)
	assert.Len(t, evs, 2, "a blank line is skipped")
	_, err = bonus.ReadEvents(strings.NewReader("\xff\xfe{\x00"), t0)
	assert.EqualError(t, err, "line 1: bytes that are not UTF-8 at column 1: a status event is UTF-8 text (a file in UTF-16?)", "UTF-16 text")
}

func openStore(t *testing.T) *sqlite.Store {
	st, err := sqlite.OpenFresh(context.Background(), filepath.Join(t.TempDir(), "promoc.db"), sqlite.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

// issue logs engine outcomes as the engine does: the outcome's JSON as
// the body.
func issue(t *testing.T, st store.Store, os ...engine.Outcome) {
	var cs []store.Change
	for _, o := range os {
		body, err := json.Marshal(o)
		require.NoError(t, err)
		so := store.Outcome{Key: store.Key{Rule: o.Rule, Action: o.Action, Player: o.Player, TriggerHash: o.TriggerHash},
			Campaign: o.Rule, Status: store.Status(o.Status), Body: body, At: o.At}
		if o.Amount != nil {
			so.Amount, so.Currency = o.Amount.Decimal, o.Currency
		}
		cs = append(cs, store.Change{Outcomes: []store.Outcome{so}})
	}
	_, err := st.Apply(context.Background(), cs)
	require.NoError(t, err)
}

func amount(s string) *engine.Number { return &engine.Number{Decimal: decimal.RequireFromString(s)} }

func TestSync(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	issue(t, st,
		engine.Outcome{Rule: "welcome", Action: "bonus", Player: "p1", TriggerHash: "h1", Status: "issued", Amount: amount("10.00"), Currency: "EUR", At: t0,
			Messages: []engine.Message{{Name: "sms", Suppressed: true}, {Name: "welcome_mail"}}},
		engine.Outcome{Rule: "welcome", Action: "bonus", Player: "p2", TriggerHash: "h1", Status: "skipped", Reason: "rate-limited", At: t0},
		engine.Outcome{Rule: "split", Action: "bonus", Player: "p1", TriggerHash: "h2", Status: "issued", Amount: amount("5"), Currency: "USD", Variant: "b", At: t0},
		engine.Outcome{Rule: "points", Action: "pts", Player: "p1", TriggerHash: "h3", Status: "issued", Points: amount("100"), At: t0},
		engine.Outcome{Rule: "vip", Action: "match", Player: "p3", TriggerHash: "h4", Status: "waiting", Amount: amount("50"), Currency: "EUR", At: t0},
	)
	n, err := bonus.Sync(ctx, st, st)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "the issued amounts: not the skip, the points or the waiting result")
	bs, err := st.ListBonuses(ctx, "", 0, 10)
	require.NoError(t, err)
	require.Len(t, bs, 2)
	assert.Equal(t, store.BonusRefs{Activity: "welcome", ActionGroup: "welcome", Action: "bonus", TriggerHash: "h1", ID: bs[0].ID,
		CommunicationProfile: "welcome_mail"}, bs[0].Refs)
	assert.Equal(t, "b", bs[1].Refs.ActionGroup, "the A/B variant is the action group")

	n, err = bonus.Sync(ctx, st, st)
	require.NoError(t, err)
	assert.Zero(t, n, "a second sync grants nothing")

	// The waiting result approved is issued: its bonus is granted then.
	_, err = st.Approve(ctx, store.Key{Rule: "vip", Action: "match", Player: "p3", TriggerHash: "h4"}, t0.Add(time.Hour))
	require.NoError(t, err)
	n, err = bonus.Sync(ctx, st, st)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	b, ok, err := st.Bonus(ctx, store.BonusID(store.SourcePromoc, "vip", "match", "p3", "h4"))
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "50", b.Amount.String())
}

// TestReportGolden prints the report of a set of bonuses and statuses as
// a table, CSV and JSON, against testdata/report.txtar.
func TestReportGolden(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	grant := func(campaign, player, amt, cur string) string {
		b := store.Bonus{Source: store.SourcePromoc, Refs: store.BonusRefs{Activity: campaign, Action: "bonus", TriggerHash: "h"},
			Player: player, Amount: decimal.RequireFromString(amt), Currency: cur, Granted: t0}
		got, err := st.Grant(ctx, []store.Bonus{b}, 0)
		require.NoError(t, err)
		return got[0].ID
	}
	ft := store.Bonus{Source: store.SourceFastTrack, Refs: store.BonusRefs{Activity: "1234", Action: "77", TriggerHash: "th"},
		Player: "p9", Code: "FREESPINS", Granted: t0}
	_, err := st.Grant(ctx, []store.Bonus{ft}, 0)
	require.NoError(t, err)
	w1, w2, w3 := grant("welcome", "p1", "10.00", "EUR"), grant("welcome", "p2", "0.10", "EUR"), grant("welcome", "p3", "0.20", "EUR")
	j1, j2 := grant("welcome", "p4", "1000", "JPY"), grant("cashback", "p1", "12.345", "EUR")
	ev := func(id, b string, s store.BonusStatus, amt string) store.BonusEvent {
		e := store.BonusEvent{ID: id, Bonus: b, Status: s, At: t0, Received: t0}
		if amt != "" {
			e.Amount, e.HasAmount = decimal.RequireFromString(amt), true
		}
		return e
	}
	_, err = st.ReportStatus(ctx, []store.BonusEvent{ev("1", w1, store.BonusCompleted, "7.5"), ev("1", w1, store.BonusCompleted, "7.5"),
		ev("2", w2, store.BonusCompleted, ""), ev("3", w3, store.BonusForfeited, ""), ev("4", w3, store.BonusLost, ""),
		ev("5", j1, store.BonusExpired, ""), ev("6", j2, store.BonusLost, "")})
	require.NoError(t, err)
	r, err := bonus.Totals(ctx, st, "")
	require.NoError(t, err)

	var table, csv, js bytes.Buffer
	require.NoError(t, bonus.WriteTable(&table, r))
	require.NoError(t, bonus.WriteCSV(&csv, r))
	require.NoError(t, bonus.WriteJSON(&js, r))
	got := map[string][]byte{"table": table.Bytes(), "csv": csv.Bytes(), "json": js.Bytes()}
	path := filepath.Join("testdata", "report.txtar")
	if *update {
		a := &txtar.Archive{Comment: []byte("The report of testdata's bonuses: TestReportGolden; go test -update rewrites it.\n")}
		for _, name := range []string{"table", "csv", "json"} {
			a.Files = append(a.Files, txtar.File{Name: name, Data: got[name]})
		}
		require.NoError(t, os.WriteFile(path, txtar.Format(a), 0o644))
	}
	a, err := txtar.ParseFile(path)
	require.NoError(t, err)
	require.Len(t, a.Files, 3)
	for _, f := range a.Files {
		assert.Equal(t, string(f.Data), string(got[f.Name]), "format %s", f.Name)
	}

	one, err := bonus.Totals(ctx, st, "cashback")
	require.NoError(t, err)
	require.Len(t, one.Rows, 1)
	assert.Equal(t, "12.345", one.Rows[0].Granted, "an amount finer than the currency keeps its decimals")
	var empty bytes.Buffer
	none, err := bonus.Totals(ctx, st, "nope")
	require.NoError(t, err)
	require.NoError(t, bonus.WriteTable(&empty, none))
	assert.Equal(t, "no bonuses granted\n", empty.String())
}
