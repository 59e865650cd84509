package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/vm"
	"github.com/promoc/promoc/vm/currency"
	"github.com/promoc/promoc/vm/num"
	"github.com/promoc/promoc/vm/window"
)

// Input is everything an evaluation reads besides the rules.
type Input struct {
	// Now is the evaluation time: the value of `now` and the end of the
	// windows relative to it.
	Now          time.Time
	Player       Player
	Transactions []Transaction
	Anchors      Anchors
	// Rates converts amounts in other currencies to the player's: one unit
	// of currency "USD" is Rates["USD"] units of the player's currency.
	// Conversion is exact; nothing is rounded until the reward's rounding.
	Rates map[string]decimal.Decimal
}

// Player is the player a reward is evaluated for.
type Player struct {
	ID       string
	Currency string // ISO 4217 code of the player's wallet
	Zone     string // IANA time zone, for windows "in player zone"; "" if unknown
	// Properties holds the declared player properties by name. Numbers and
	// money are decimal.Decimal, int, int64, json.Number or decimal text (never
	// float64); times are time.Time or RFC 3339 text; durations are
	// time.Duration or text such as "72h". An absent key is an absent
	// property: never silently zero.
	Properties map[string]any
}

// Transaction is one transaction of the player.
type Transaction struct {
	ID       string // a repeated id counts once
	Kind     string // a declared kind: bet, win, deposit, ...
	Time     time.Time
	Currency string // of its money attributes; "" means the player's currency
	// Attrs holds the declared attributes by name (amount, game, ...),
	// valued as Player.Properties are.
	Attrs map[string]any
}

// Anchors are the times the rule-relative windows need; zero when absent.
type Anchors struct {
	FirstTransaction time.Time // first transaction of the accumulation
	LastTransaction  time.Time // last transaction of the accumulation
	Qualification    time.Time // when the player qualified
	Entrance         time.Time // when the player entered the campaign
}

// InputError reports bad input: Field is a path such as
// "transactions[3].amount" or "player.currency".
type InputError struct {
	Field string
	Msg   string
}

func (e *InputError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// toVM converts the input to the VM's form. Attribute maps are shared, not
// copied.
func (in *Input) toVM() (vm.Input, error) {
	out := vm.Input{Now: in.Now, Anchors: window.Anchors{
		FirstTx: in.Anchors.FirstTransaction, LastTx: in.Anchors.LastTransaction,
		Qualified: in.Anchors.Qualification, Entered: in.Anchors.Entrance,
	}}
	if in.Now.IsZero() {
		return out, &InputError{"now", "missing: the evaluation time is required"}
	}
	p := in.Player
	out.Player = vm.Player{ID: p.ID, Props: p.Properties}
	if p.Currency != "" {
		c, ok := currency.Parse(p.Currency)
		if !ok {
			return out, &InputError{"player.currency", "unknown currency " + strconv.Quote(p.Currency)}
		}
		out.Player.Currency = c
	}
	if p.Zone != "" {
		loc, err := window.LoadZone(p.Zone)
		if err != nil {
			return out, &InputError{"player.zone", "unknown time zone " + strconv.Quote(p.Zone)}
		}
		out.Player.Zone = loc
	}
	if len(in.Rates) > 0 {
		out.Rates = make(map[currency.Code]num.Dec, len(in.Rates))
		for code, r := range in.Rates {
			c, ok := currency.Parse(code)
			if !ok {
				return out, &InputError{"rates." + code, "unknown currency"}
			}
			out.Rates[c] = num.FromDecimal(r)
		}
	}
	out.Txns = make([]vm.Txn, len(in.Transactions))
	for i, t := range in.Transactions {
		vt := vm.Txn{ID: t.ID, Kind: t.Kind, Time: t.Time, Attrs: t.Attrs}
		if t.Currency != "" {
			c, ok := currency.Parse(t.Currency)
			if !ok {
				return out, &InputError{fmt.Sprintf("transactions[%d].currency", i), "unknown currency " + strconv.Quote(t.Currency)}
			}
			vt.Currency = c
		}
		out.Txns[i] = vt
	}
	return out, nil
}

// jsonInput is the JSON input document (spec/spec.md, "The input document").
type jsonInput struct {
	Now          string                     `json:"now"`
	Player       jsonPlayer                 `json:"player"`
	Transactions []map[string]any           `json:"transactions"`
	Anchors      map[string]string          `json:"anchors"`
	Rates        map[string]json.RawMessage `json:"rates"`
}

type jsonPlayer struct {
	ID         string         `json:"id"`
	Currency   string         `json:"currency"`
	Zone       string         `json:"zone"`
	Properties map[string]any `json:"properties"`
}

// DecodeInput reads the JSON input document. Numbers keep their exact
// decimal text; unknown top-level and player fields are errors, and every
// error names the field.
func DecodeInput(r io.Reader) (Input, error) {
	var doc jsonInput
	dec := json.NewDecoder(r)
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return Input{}, jsonError(err)
	}
	if dec.More() {
		return Input{}, &InputError{Msg: "more than one JSON document in the input"}
	}
	var in Input
	var err error
	if in.Now, err = parseTime("now", doc.Now); err != nil {
		return Input{}, err
	}
	in.Player = Player{ID: doc.Player.ID, Currency: doc.Player.Currency, Zone: doc.Player.Zone, Properties: doc.Player.Properties}
	for name, v := range doc.Player.Properties {
		if err := checkJSONValue("player.properties."+name, v); err != nil {
			return Input{}, err
		}
	}
	for k, v := range doc.Anchors {
		field := "anchors." + k
		t, err := parseTime(field, v)
		if err != nil {
			return Input{}, err
		}
		switch k {
		case "first_transaction":
			in.Anchors.FirstTransaction = t
		case "last_transaction":
			in.Anchors.LastTransaction = t
		case "qualification":
			in.Anchors.Qualification = t
		case "entrance":
			in.Anchors.Entrance = t
		default:
			return Input{}, &InputError{field, "unknown anchor; expected first_transaction, last_transaction, qualification or entrance"}
		}
	}
	if len(doc.Rates) > 0 {
		in.Rates = map[string]decimal.Decimal{}
		for code, raw := range doc.Rates {
			d, err := decodeDecimal(raw)
			if err != nil {
				return Input{}, &InputError{"rates." + code, err.Error()}
			}
			in.Rates[code] = d
		}
	}
	in.Transactions = make([]Transaction, len(doc.Transactions))
	for i, m := range doc.Transactions {
		t, err := decodeTransaction(i, m)
		if err != nil {
			return Input{}, err
		}
		in.Transactions[i] = t
	}
	return in, nil
}

func decodeTransaction(i int, m map[string]any) (Transaction, error) {
	field := func(f string) string { return fmt.Sprintf("transactions[%d].%s", i, f) }
	str := func(key string) (string, error) {
		v, ok := m[key]
		if !ok || v == nil {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", &InputError{field(key), "must be a string"}
		}
		return s, nil
	}
	var t Transaction
	var err error
	if t.ID, err = str("id"); err != nil {
		return t, err
	}
	if t.Kind, err = str("kind"); err != nil {
		return t, err
	}
	if t.Currency, err = str("currency"); err != nil {
		return t, err
	}
	ts, err := str("time")
	if err != nil {
		return t, err
	}
	if t.Time, err = parseTime(field("time"), ts); err != nil {
		return t, err
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	t.Attrs = make(map[string]any, len(m))
	for _, k := range keys {
		switch k {
		case "id", "kind", "currency", "time":
			continue
		}
		if err := checkJSONValue(field(k), m[k]); err != nil {
			return t, err
		}
		t.Attrs[k] = m[k]
	}
	return t, nil
}

// checkJSONValue rejects attribute values that are objects or arrays.
func checkJSONValue(field string, v any) error {
	switch v.(type) {
	case nil, string, bool, json.Number:
		return nil
	}
	return &InputError{field, "must be a string, a number or a boolean"}
}

func decodeDecimal(raw json.RawMessage) (decimal.Decimal, error) {
	s := string(bytes.TrimSpace(raw))
	if len(s) > 1 && s[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return decimal.Decimal{}, err
		}
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("not a decimal number: %s", s)
	}
	return d, nil
}

func parseTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, &InputError{field, "missing: expected an RFC 3339 time such as 2026-11-23T10:00:00Z"}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, &InputError{field, fmt.Sprintf("not an RFC 3339 time: %q", s)}
	}
	return t, nil
}

// jsonError turns a decoding error into an InputError that says where.
func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return &InputError{Msg: fmt.Sprintf("malformed JSON at byte %d: %s", se.Offset, se.Error())}
	case errors.As(err, &te):
		return &InputError{Field: te.Field, Msg: fmt.Sprintf("must be a %s, not a JSON %s", te.Type, te.Value)}
	case errors.Is(err, io.EOF):
		return &InputError{Msg: "empty input: expected a JSON document"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &InputError{Msg: "malformed JSON: unexpected end of input"}
	}
	return &InputError{Msg: err.Error()}
}
