package vm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/vm/currency"
	"github.com/promoc/promoc/vm/num"
	"github.com/promoc/promoc/vm/window"
)

// Txn is one transaction as a host gives it, decoded from JSON or built in
// Go.
//
// Attrs holds the attributes the kind declares, by name; attributes the
// schema does not declare are ignored. An attribute declared as "id" of
// type string or "time" of type time (the compiler declares both for every
// kind) reads the transaction's ID and Time. A value is given as:
//   - number or money: num.Dec, decimal.Decimal, int, int32, int64,
//     json.Number or a string holding a decimal ("12.50"); never a float,
//     which is not exact. Money is in the transaction's Currency.
//   - string: string.
//   - bool: bool.
//   - time: time.Time, or a string in RFC 3339 format.
//   - duration: time.Duration, or a string as time.ParseDuration reads it
//     ("90m").
//
// A nil value is the same as a missing one.
type Txn struct {
	ID       string // required; a repeated ID counts once, the first occurrence wins
	Kind     string // a kind the program declares
	Time     time.Time
	Currency currency.Code // of the money attributes; 0 means the player's currency
	Attrs    map[string]any
}

// Player is the player a reward is evaluated for.
type Player struct {
	ID       string
	Currency currency.Code // required when the schema has money attributes or properties
	// Zone is the player's time zone, for windows "in player zone"; nil
	// makes such windows fail with the error "invalid-window".
	Zone *time.Location
	// Props are the declared properties, valued as [Txn.Attrs] are (money in
	// the player's currency). An absent key, or a nil value, is an absent
	// property. Undeclared properties are ignored.
	Props map[string]any
}

// Input is everything a reward reads besides the program.
type Input struct {
	Player  Player
	Txns    []Txn
	Now     time.Time      // the evaluation time: now, and the end of windows relative to it
	Anchors window.Anchors // for rule-relative windows
	// Rates converts money in other currencies to the player's: one unit of
	// currency c is Rates[c] units of the player's currency. Conversion is an
	// exact multiplication; nothing is rounded.
	Rates map[currency.Code]num.Dec
}

// InputError reports bad input: Field is a path such as
// "transactions[3].amount" or "player.currency", Msg says what is wrong.
type InputError struct {
	Field string
	Msg   string
	// Path is Field as its steps, for a host that names the input's
	// fields in its own terms without reading Field: set for the fields
	// of the player (player, currency; player, properties, NAME) and of
	// a transaction (transactions, its index, the attribute; the index
	// alone for the transaction as a whole); nil for others.
	Path []PathStep
}

// PathStep is one step of a field's path: the member Key of an object,
// or, when Key is "", the element Index of an array.
type PathStep struct {
	Key   string
	Index int
}

// playerPath is the path of the player's field f (currency), or of its
// property name when f is "properties".
func playerPath(f string, name ...string) []PathStep {
	p := []PathStep{{Key: "player"}, {Key: f}}
	for _, n := range name {
		p = append(p, PathStep{Key: n})
	}
	return p
}

// txnError is an error of field attr ("amount"; "" for the transaction
// as a whole) of the transaction of index i.
func txnError(i int, attr, msg string) *InputError {
	e := &InputError{Field: "transactions[" + strconv.Itoa(i) + "]", Msg: msg, Path: []PathStep{{Key: "transactions"}, {Index: i}}}
	if attr != "" {
		e.Field += "." + attr
		e.Path = append(e.Path, PathStep{Key: attr})
	}
	return e
}

func (e *InputError) Error() string { return e.Field + ": " + e.Msg }

// Data is an [Input] prepared for one program: transactions deduplicated,
// converted to the player's currency, split by kind, sorted by time and
// stored in typed columns; strings interned; properties typed. It is
// read-only after [Prepare] returns (or, made by a [Builder], until the
// builder changes, and until [Builder.DataInto] writes it again), so any
// number of goroutines can run any of the program's rewards on it at once.
type Data struct {
	prog    *Program
	player  string
	cur     currency.Code // the player's currency: every money value is in it
	minor   int32         // cur's minor units
	zone    *time.Location
	now     time.Time
	nowNS   int64
	anchors window.Anchors
	props   []Value // by property index
	hasProp []bool
	tables  []table  // by kind index
	strs    []string // strings of the data alone: id len(prog.Strings)+i
	gen     uint64   // how many times Builder.DataInto wrote it again
}

// table holds the transactions of one kind, sorted by time (stably, so ties
// keep the input order), as columns.
type table struct {
	time []int64  // Unix nanoseconds, ascending
	id   []string // transaction ids
	cols []column // by attribute index
}

// column holds one attribute of every row of a table.
//
// Bools, strings (interned ids), times and durations are ints. Numbers and
// money are ints too, as coefficients at the common scale, when every value
// of the column fits an int64 there: the aggregation loops then compare and
// add plain integers. Otherwise they are decimals.
type column struct {
	typ   Kind
	ints  []int64   // nil when dec is used
	scale int32     // numbers and money in ints: value = ints[i] × 10^-scale
	dec   []num.Dec // numbers and money that do not all fit ints; nil otherwise
}

// Limits on numbers, so that no value makes arithmetic slow: scales and
// digit counts far beyond any amount, checked on input and on results.
const (
	maxScale  = limits.Decimals // digits after the point
	maxDigits = limits.Digits   // characters of a number's text
)

// Prepare checks and converts in for runs of p's rewards. Its errors are
// [*InputError]s for bad input, and the validation error for a bad program.
//
// Every transaction needs an ID, a declared kind and a time; one whose ID
// was seen before is dropped whole (the first occurrence wins), even when
// its content differs. An undeclared kind is an error, since it is most
// likely a misspelt one; undeclared attributes and properties are ignored.
// A declared attribute that a transaction lacks takes its schema default,
// or else is "" for a string, false for a bool, and an error for the other
// types. Money in a currency other than the player's is converted with
// in.Rates, exactly, or is an error when no rate is given. A player in a
// currency that the program does not serve ([Program.Currencies]) is an
// error. Errors are reported in input order: the first bad transaction's.
//
// Prepare stores every declared column; it is [PrepareContext] without a
// deadline, on a [Builder].
func Prepare(p *Program, in Input) (*Data, error) {
	return PrepareContext(context.Background(), p, in, false)
}

// checkEvery is the number of transactions between two checks of the
// context while preparing: a few microseconds of work.
const checkEvery = 1024

// PrepareContext is [Prepare] that gives up with ctx's error when ctx is
// done, checking it every few thousand transactions; with onlyRead it
// stores only the columns the rewards read (see [NewBuilder]).
func PrepareContext(ctx context.Context, p *Program, in Input, onlyRead bool) (*Data, error) {
	b, err := build(ctx, p, in, onlyRead)
	if err != nil {
		return nil, err
	}
	return b.DataContext(ctx)
}

// build is [PrepareContext] up to the data: a new builder holding in.
func build(ctx context.Context, p *Program, in Input, onlyRead bool) (*Builder, error) {
	if p == nil {
		return nil, errors.New("vm: Prepare with a nil program")
	}
	b, err := NewBuilder(p, onlyRead)
	if err != nil {
		return nil, err
	}
	if err := p.checkCurrency(in.Player.Currency); err != nil {
		return nil, err
	}
	if err := b.SetPlayer(in.Player.ID, in.Player.Currency, in.Player.Zone); err != nil {
		return nil, err
	}
	if err := b.SetNow(in.Now); err != nil {
		return nil, err
	}
	b.SetAnchors(in.Anchors)
	for c, r := range in.Rates {
		if err := b.SetRate(c, r); err != nil {
			return nil, err
		}
	}
	for i, prop := range p.Props {
		if err := b.SetProp(i, in.Player.Props[prop.Name]); err != nil {
			return nil, err
		}
	}
	// Size the tables: transactions tend to come in runs of one kind.
	counts := make([]int, len(p.Kinds))
	lastKind, lastK := "", -1
	for i := range in.Txns {
		if kn := in.Txns[i].Kind; kn != lastKind || lastK < 0 {
			lastKind, lastK = kn, b.KindIndex(kn)
		}
		if lastK >= 0 {
			counts[lastK]++
		}
	}
	for k, n := range counts {
		b.Grow(k, n)
	}
	lastKind, lastK = "", -1
	for i := range in.Txns {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		tx := &in.Txns[i]
		if tx.Kind != lastKind || lastK < 0 {
			lastKind, lastK = tx.Kind, b.KindIndex(tx.Kind)
		}
		b.Begin(lastK, tx.Kind, tx.ID, tx.Time, tx.Currency)
		if lastK >= 0 && tx.ID != "" {
			tb := &b.tabs[lastK]
			for c, a := range p.Kinds[lastK].Attrs {
				if c == tb.idCol || c == tb.timCol {
					continue
				}
				if raw := tx.Attrs[a.Name]; raw != nil {
					b.SetAny(c, raw)
				}
			}
		}
		if err := b.Commit(); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// minTime and maxTime are the instants an int64 of Unix nanoseconds holds.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// checkCurrency reports a player currency that the program cannot serve:
// none when the schema has money values, or one the rule set does not list
// in its currencies.
func (p *Program) checkCurrency(cur currency.Code) error {
	if cur == 0 && p.usesMoney {
		return &InputError{Field: "player.currency", Msg: "missing: the schema has money values", Path: playerPath("currency")}
	}
	if len(p.Currencies) > 0 && !slices.Contains(p.Currencies, cur) {
		names := make([]string, len(p.Currencies))
		for i, c := range p.Currencies {
			names[i] = c.String()
		}
		if cur == 0 {
			return &InputError{Field: "player.currency", Msg: "missing: the rule set serves " + strings.Join(names, ", "), Path: playerPath("currency")}
		}
		return &InputError{Field: "player.currency", Msg: cur.String() + " is not served: the rule set serves " + strings.Join(names, ", "), Path: playerPath("currency")}
	}
	return nil
}

// inRange reports whether t lies in the time range of inputs.
func inRange(t time.Time) bool { return !t.Before(limits.MinTime) && t.Before(limits.MaxTime) }

// timeRangeMsg says what times an input may hold.
var timeRangeMsg = "out of range: times must lie from " + limits.MinTime.Format(time.DateOnly) +
	" up to " + limits.MaxTime.Format(time.DateOnly) + " (UTC)"

// convert turns a host value into a Value of type t. Money gets its
// currency from the caller. A string is interned only when keep is set.
func (b *Builder) convert(raw any, t Kind, keep bool) (Value, error) {
	switch t {
	case KNumber, KMoney:
		n, err := toDec(raw)
		if err != nil {
			return Value{}, err
		}
		if err := checkSize(n); err != nil {
			return Value{}, err
		}
		return Value{K: t, N: n}, nil
	case KString:
		s, ok := raw.(string)
		if !ok {
			return Value{}, wrongType(raw, t)
		}
		if len(s) > limits.StringBytes {
			return Value{}, errStringBytes
		}
		if !keep {
			return Value{K: KString}, nil
		}
		return Value{K: KString, I: int64(b.intern(s))}, nil
	case KBool:
		v, ok := raw.(bool)
		if !ok {
			return Value{}, wrongType(raw, t)
		}
		return Bool(v), nil
	case KTime:
		var tm time.Time
		switch x := raw.(type) {
		case time.Time:
			tm = x
		case string:
			ns, msg := ParseTime([]byte(x))
			if msg != "" {
				return Value{}, errors.New(msg)
			}
			return Value{K: KTime, I: ns}, nil
		default:
			return Value{}, wrongType(raw, t)
		}
		if tm.IsZero() || !inRange(tm) {
			return Value{}, errors.New(timeRangeMsg)
		}
		return Time(tm), nil
	case KDuration:
		switch x := raw.(type) {
		case time.Duration:
			return Duration(x), nil
		case string:
			dur, err := time.ParseDuration(x)
			if err != nil {
				return Value{}, fmt.Errorf("invalid duration %q: want a duration such as \"90m\" or \"72h\"", x)
			}
			return Duration(dur), nil
		}
		return Value{}, wrongType(raw, t)
	}
	return Value{}, fmt.Errorf("unsupported type %v", t)
}

// errStringBytes reports a string longer than the input limit.
var errStringBytes = fmt.Errorf("longer than %d bytes", limits.StringBytes)

// toDec converts a host number to a Dec, exactly. Text is read as
// [ParseNumber] reads it.
func toDec(raw any) (num.Dec, error) {
	switch x := raw.(type) {
	case num.Dec:
		return x, nil
	case decimal.Decimal:
		if e := x.Exponent(); e < -maxScale || e > maxDigits {
			return num.Dec{}, errors.New("too many digits")
		}
		return num.FromDecimal(x), nil
	case int:
		return num.FromInt(int64(x)), nil
	case int8:
		return num.FromInt(int64(x)), nil
	case int16:
		return num.FromInt(int64(x)), nil
	case int32:
		return num.FromInt(int64(x)), nil
	case int64:
		return num.FromInt(x), nil
	case uint8:
		return num.FromInt(int64(x)), nil
	case uint16:
		return num.FromInt(int64(x)), nil
	case uint32:
		return num.FromInt(int64(x)), nil
	case uint:
		return ParseNumber(strconv.AppendUint(nil, uint64(x), 10))
	case uint64:
		return ParseNumber(strconv.AppendUint(nil, x, 10))
	case json.Number:
		return ParseNumber([]byte(x))
	case string:
		return ParseNumber([]byte(x))
	case float64, float32:
		return num.Dec{}, fmt.Errorf("the float %v is not exact: give a decimal string such as \"12.50\"", x)
	}
	return num.Dec{}, wrongType(raw, KNumber)
}

// checkSize reports a number beyond the machine's limits.
func checkSize(n num.Dec) error {
	if n.Scale() > maxScale {
		return fmt.Errorf("%d digits after the decimal point, more than %d", n.Scale(), maxScale)
	}
	if !n.FitsInt64() && len(n.String()) > maxDigits {
		return fmt.Errorf("more than %d digits", maxDigits)
	}
	return nil
}

// wrongType says that raw is not a value of type want, in the words of the
// input, not of Go.
func wrongType(raw any, want Kind) error {
	got := "a value of another type"
	switch raw.(type) {
	case string:
		got = "a string"
	case bool:
		got = "a boolean"
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, json.Number, num.Dec, decimal.Decimal:
		got = "a number"
	case float32, float64:
		got = "a float"
	case time.Time:
		got = "a time"
	case time.Duration:
		got = "a duration"
	}
	return errors.New("want " + article(want) + ", got " + got)
}

// article names a value of kind k as an input error says it: "a number".
func article(k Kind) string {
	switch k {
	case KNumber, KMoney:
		return "a number"
	case KBool:
		return "a boolean"
	case KString:
		return "a string"
	case KTime:
		return "a time"
	case KDuration:
		return "a duration"
	}
	return "a " + k.String()
}

// Rows returns the number of transactions of the named kind after
// deduplication, or -1 for an undeclared kind.
func (d *Data) Rows(kind string) int {
	k, ok := d.prog.kindIndex[kind]
	if !ok {
		return -1
	}
	return len(d.tables[k].time)
}

// Currency returns the player's currency, which every money value is in.
func (d *Data) Currency() currency.Code { return d.cur }

// typed returns v as a value of schema type t: numbers in a money column are
// money in the player's currency, money in a number column plain numbers.
func (d *Data) typed(v Value, t Kind) Value {
	switch t {
	case KMoney:
		v.K, v.Cur = KMoney, d.cur
	case KNumber:
		v.K, v.Cur = KNumber, 0
	}
	return v
}

// str returns the string with interned id id.
func (d *Data) str(id int64) string {
	if n := int64(len(d.prog.Strings)); id >= 0 && id < n {
		return d.prog.Strings[id]
	} else if id >= n && id-n < int64(len(d.strs)) {
		return d.strs[id-n]
	}
	return ""
}

// load sets *dst to column col of row r of t. It writes the fields one by
// one rather than copying a Value built elsewhere: a Value is too large for
// registers, and copying a freshly built one stalls on store forwarding.
func (d *Data) load(dst *Value, t *table, col, r int) {
	c := &t.cols[col]
	dst.K = c.typ
	switch c.typ {
	case KNumber, KMoney:
		if c.dec != nil {
			dst.N = c.dec[r]
		} else {
			dst.N = num.New(c.ints[r], c.scale)
		}
		dst.Cur = 0
		if c.typ == KMoney {
			dst.Cur = d.cur
		}
		dst.I = 0
	default:
		dst.Cur, dst.N, dst.I = 0, num.Dec{}, c.ints[r]
	}
}

// Format returns v as a person reads it: 12.50 EUR, "Gold Quest", true,
// 2026-11-23T10:00:00Z, 1h30m0s, the template's title, 200 EUR | 220 USD.
func (d *Data) Format(v Value) string {
	switch v.K {
	case KString:
		return strconv.Quote(d.str(v.I))
	case KTemplate:
		if v.I >= 0 && v.I < int64(len(d.prog.Templates)) {
			return strconv.Quote(d.prog.Templates[v.I])
		}
	case KPerCurrency:
		return d.prog.formatConst(v)
	}
	return v.String()
}
