package bonus

import (
	"encoding/json"
	"time"

	"github.com/promoc/promoc/runtime/store"
	"github.com/shopspring/decimal"
)

// BonusJSON is a bonus as the CLI and the API write it.
type BonusJSON struct {
	Seq      int64    `json:"seq"`
	ID       string   `json:"id"`
	Source   string   `json:"source"`
	Campaign string   `json:"campaign"`
	Player   string   `json:"player"`
	Code     string   `json:"code,omitempty"`
	Amount   string   `json:"amount"`
	Currency string   `json:"currency"`
	Granted  string   `json:"granted"`
	Status   string   `json:"status"`
	StatusAt string   `json:"status_at"`
	Real     string   `json:"turned_real"`
	Refs     RefsJSON `json:"references"`
	// FastTrack is the request's X-Fasttrack-* headers exactly as
	// received, for a bonus Fast Track asked to credit.
	FastTrack json.RawMessage `json:"fasttrack_references,omitempty"`
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// JSON is b as the CLI and the API write it.
func JSON(b store.Bonus) BonusJSON {
	return BonusJSON{Seq: b.Seq, ID: b.ID, Source: b.Source, Campaign: b.Campaign, Player: b.Player, Code: b.Code,
		Amount: Money(b.Amount, b.Currency), Currency: b.Currency, Granted: stamp(b.Granted), Status: string(b.Status),
		StatusAt: stamp(b.StatusAt), Real: Money(b.Real, b.Currency), Refs: refsJSON(b.Refs), FastTrack: b.External}
}

// RecordJSON is a status event as kept, with its bonus's references: for
// a bonus Fast Track asked to credit, its fasttrack_references unchanged.
type RecordJSON struct {
	Seq       int64           `json:"seq"`
	ID        string          `json:"id"`
	Bonus     string          `json:"bonus"`
	Player    string          `json:"player,omitempty"`
	Status    string          `json:"status"`
	Amount    string          `json:"amount,omitempty"`
	Currency  string          `json:"currency,omitempty"`
	At        string          `json:"at"`
	Received  string          `json:"received"`
	Result    string          `json:"result"` // applied, or the kind of anomaly
	Refs      *RefsJSON       `json:"references,omitempty"`
	FastTrack json.RawMessage `json:"fasttrack_references,omitempty"`
}

// Record is e as the CLI and the API write it, with b, its bonus (Seq 0
// when none).
func Record(e store.BonusEventRecord, b store.Bonus) RecordJSON {
	r := RecordJSON{Seq: e.Seq, ID: e.ID, Bonus: e.Bonus, Status: string(e.Status), Currency: e.Currency,
		At: stamp(e.At), Received: stamp(e.Received), Result: e.Result}
	if e.Currency == "" && e.Amount.Sign() != 0 {
		r.Currency = b.Currency // the amount is in the bonus's currency
	}
	if e.Amount.Sign() != 0 || e.Currency != "" {
		r.Amount = Money(e.Amount, r.Currency)
	}
	if b.Seq > 0 {
		refs := refsJSON(b.Refs)
		r.Player, r.Refs, r.FastTrack = b.Player, &refs, b.External
	}
	return r
}

// ResultJSON is what became of one status event sent.
type ResultJSON struct {
	Event   string     `json:"event"`
	Result  string     `json:"result"` // applied, duplicate or anomaly
	Anomaly string     `json:"anomaly,omitempty"`
	Detail  string     `json:"detail,omitempty"`
	Bonus   *BonusJSON `json:"bonus,omitempty"`
}

// Result is r, of the event with id event, as the CLI and the API write it.
func Result(event string, r store.BonusResult) ResultJSON {
	out := ResultJSON{Event: event, Result: r.Result, Anomaly: r.Anomaly, Detail: r.Detail}
	if r.Bonus.Seq > 0 {
		b := JSON(r.Bonus)
		out.Bonus = &b
	}
	return out
}

// AnomalyJSON is an anomaly as the CLI and the API write it.
type AnomalyJSON struct {
	Seq      int64           `json:"seq"`
	Event    string          `json:"event"`
	Kind     string          `json:"kind"`
	Bonus    string          `json:"bonus,omitempty"`
	Detail   string          `json:"detail"`
	Received string          `json:"received"`
	Resolved string          `json:"resolved,omitempty"`
	Body     json.RawMessage `json:"body"`
}

// Anomaly is a as the CLI and the API write it.
func Anomaly(a store.BonusAnomaly) AnomalyJSON {
	out := AnomalyJSON{Seq: a.Seq, Event: a.Event, Kind: a.Kind, Bonus: a.Bonus, Detail: a.Detail, Received: stamp(a.Received), Body: a.Body}
	if !a.Resolved.IsZero() {
		out.Resolved = stamp(a.Resolved)
	}
	if !json.Valid(out.Body) {
		b, _ := json.Marshal(string(a.Body))
		out.Body = b
	}
	return out
}

// Money writes an amount exactly, with at least the minor units of its
// currency: 10 EUR is "10.00", 1000 JPY "1000", 0.125 EUR "0.125" (as
// store.Money, which budgets use too).
func Money(d decimal.Decimal, cur string) string { return store.Money(d, cur) }
