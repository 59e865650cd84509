package vm

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

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
}

func (e *InputError) Error() string { return e.Field + ": " + e.Msg }

// Data is an [Input] prepared for one program: transactions deduplicated,
// converted to the player's currency, split by kind, sorted by time and
// stored in typed columns; strings interned; properties typed. It is
// read-only after [Prepare] returns, so any number of goroutines can run any
// of the program's rewards on it at once.
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
	maxScale  = 1000 // digits after the point
	maxDigits = 4000 // characters of a number's text
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
// in.Rates, exactly, or is an error when no rate is given.
func Prepare(p *Program, in Input) (*Data, error) {
	if p == nil {
		return nil, errors.New("vm: Prepare with a nil program")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	d := &Data{
		prog:    p,
		player:  in.Player.ID,
		cur:     in.Player.Currency,
		minor:   in.Player.Currency.MinorUnits(),
		zone:    in.Player.Zone,
		now:     in.Now,
		anchors: in.Anchors,
	}
	pr := preparer{d: d, p: p, in: &in}
	if err := pr.player(); err != nil {
		return nil, err
	}
	if err := pr.txns(); err != nil {
		return nil, err
	}
	return d, nil
}

// preparer holds the state of one Prepare.
type preparer struct {
	d        *Data
	p        *Program
	in       *Input
	strIndex map[string]int32 // program and data strings → id, made on the first data string
	strHint  int              // the number of data strings to expect: one per interned transaction id
}

var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

func inRange(t time.Time) bool { return !t.Before(minTime) && !t.After(maxTime) }

const timeRangeMsg = "out of range: times must lie between the years 1678 and 2262"

func (pr *preparer) player() error {
	d, p, in := pr.d, pr.p, pr.in
	if d.cur == 0 && p.usesMoney {
		return &InputError{"player.currency", "missing: the schema has money values"}
	}
	if len(p.Currencies) > 0 && !slices.Contains(p.Currencies, d.cur) {
		names := make([]string, len(p.Currencies))
		for i, c := range p.Currencies {
			names[i] = c.String()
		}
		if d.cur == 0 {
			return &InputError{"player.currency", "missing: the rule set serves " + strings.Join(names, ", ")}
		}
		return &InputError{"player.currency", d.cur.String() + " is not served: the rule set serves " + strings.Join(names, ", ")}
	}
	if !in.Now.IsZero() && !inRange(in.Now) {
		return &InputError{"now", timeRangeMsg}
	}
	d.nowNS = in.Now.UnixNano()
	for c, r := range in.Rates {
		if r.Sign() <= 0 {
			return &InputError{"rates." + c.String(), "not positive: " + r.String()}
		}
		if err := checkSize(r); err != nil {
			return &InputError{"rates." + c.String(), err.Error()}
		}
	}
	d.props = make([]Value, len(p.Props))
	d.hasProp = make([]bool, len(p.Props))
	for i, prop := range p.Props {
		raw := in.Player.Props[prop.Name]
		if raw == nil {
			if def, ok := pr.resolve(prop.Default); prop.HasDefault && ok {
				d.props[i], d.hasProp[i] = d.typed(def, prop.Type), true
			}
			continue
		}
		v, err := pr.convert(raw, prop.Type)
		if err != nil {
			return &InputError{"player.props." + prop.Name, err.Error()}
		}
		d.props[i], d.hasProp[i] = d.typed(v, prop.Type), true
	}
	return nil
}

// txns deduplicates, checks, sorts and stores the transactions.
func (pr *preparer) txns() error {
	d, p, in := pr.d, pr.p, pr.in
	// First pass: check, deduplicate and count. kinds[i] is the kind of
	// transaction i, or -1 for a repeated id.
	kinds := make([]int16, len(in.Txns))
	var countBuf [8]int // most programs have few kinds: no allocation
	var counts []int
	if len(p.Kinds) <= len(countBuf) {
		counts = countBuf[:len(p.Kinds)]
	} else {
		counts = make([]int, len(p.Kinds))
	}
	dedupe := newDeduper(len(in.Txns))
	lastKind, lastK := "", -1 // transactions tend to come in runs of one kind
	for i := range in.Txns {
		tx := &in.Txns[i]
		field := func(f string) string { return "transactions[" + strconv.Itoa(i) + "]" + f }
		if tx.ID == "" {
			return &InputError{field(".id"), "missing"}
		}
		if dedupe.seen(in.Txns, i) {
			kinds[i] = -1
			continue
		}
		k := lastK
		if tx.Kind != lastKind || k < 0 {
			var ok bool
			if k, ok = p.kindIndex[tx.Kind]; !ok {
				return &InputError{field(".kind"), "unknown kind " + strconv.Quote(tx.Kind)}
			}
			lastKind, lastK = tx.Kind, k
		}
		switch {
		case tx.Time.IsZero():
			return &InputError{field(".time"), "missing"}
		case !inRange(tx.Time):
			return &InputError{field(".time"), timeRangeMsg}
		}
		if c := tx.Currency; c != 0 && c != d.cur {
			if _, ok := in.Rates[c]; !ok {
				return &InputError{field(""), "currency " + c.String() + " differs from the player's " + d.cur.String() + " and no rate was given"}
			}
		}
		kinds[i] = int16(k)
		counts[k]++
	}
	// Every transaction of a kind with an id attribute interns its id, most
	// likely a new string: make room for them at once.
	for k, n := range counts {
		for _, a := range p.Kinds[k].Attrs {
			if a.Name == "id" && a.Type == KString {
				pr.strHint += n
				break
			}
		}
	}
	// Second pass: the rows of each kind, in input order.
	type rows struct {
		idx  []int32 // input indexes
		time []int64
	}
	// One array of indexes and one of times, cut into the kinds' parts.
	total := 0
	for _, n := range counts {
		total += n
	}
	byKind := make([]rows, len(p.Kinds))
	allIdx, allTime := make([]int32, 0, total), make([]int64, 0, total)
	for k, n := range counts {
		byKind[k] = rows{allIdx[:0:n], allTime[:0:n]}
		allIdx, allTime = allIdx[n:n:cap(allIdx)], allTime[n:n:cap(allTime)]
	}
	for i, k := range kinds {
		if k >= 0 {
			r := &byKind[k]
			r.idx = append(r.idx, int32(i))
			r.time = append(r.time, in.Txns[i].Time.UnixNano())
		}
	}
	d.tables = make([]table, len(p.Kinds))
	for k, r := range byKind {
		if !slices.IsSorted(r.time) {
			perm := make([]int32, len(r.idx))
			for i := range perm {
				perm[i] = int32(i)
			}
			slices.SortStableFunc(perm, func(a, b int32) int { return cmp.Compare(r.time[a], r.time[b]) })
			idx, tm := make([]int32, len(perm)), make([]int64, len(perm))
			for i, j := range perm {
				idx[i], tm[i] = r.idx[j], r.time[j]
			}
			r.idx, r.time = idx, tm
		}
		if err := pr.fill(k, r.idx, r.time); err != nil {
			return err
		}
	}
	pr.strIndex = nil
	return nil
}

// deduper finds repeated transaction ids. It keys a map by a 64-bit hash of
// the id, which is several times faster than keying it by the string for a
// million ids, and checks the strings on a hash match.
type deduper struct {
	seed  maphash.Seed
	first map[uint64]int32    // hash → the first transaction with it
	other map[string]struct{} // ids whose hash matched a different id's
}

// smallDedupe is the number of transactions up to which a deduper compares
// ids directly rather than hashing them into a map.
const smallDedupe = 8

func newDeduper(n int) deduper {
	if n <= smallDedupe {
		return deduper{}
	}
	return deduper{seed: maphash.MakeSeed(), first: make(map[uint64]int32, n)}
}

// seen reports whether transaction i repeats the id of an earlier one, and
// records it otherwise.
func (dd *deduper) seen(txns []Txn, i int) bool {
	id := txns[i].ID
	if dd.first == nil {
		// Few transactions: every earlier one was checked and kept or
		// dropped as a repeat of a kept one, so any earlier equal id means
		// a repeat.
		for j := range i {
			if txns[j].ID == id {
				return true
			}
		}
		return false
	}
	h := maphash.String(dd.seed, id)
	j, ok := dd.first[h]
	switch {
	case !ok:
		dd.first[h] = int32(i)
		return false
	case txns[j].ID == id:
		return true
	}
	if _, ok := dd.other[id]; ok {
		return true
	}
	if dd.other == nil {
		dd.other = map[string]struct{}{}
	}
	dd.other[id] = struct{}{}
	return false
}

// fill builds the table of kind k from the transactions idx, sorted.
//
// It goes row by row, reading all of a transaction's attributes while its
// map is in the cache, then decides per number column whether its values
// fit int64s at a common scale.
func (pr *preparer) fill(k int, idx []int32, times []int64) error {
	d, p, in := pr.d, pr.p, pr.in
	t := &d.tables[k]
	n := len(idx)
	t.time = times
	t.id = make([]string, n)
	attrs := p.Kinds[k].Attrs
	t.cols = make([]column, len(attrs))
	// Per column state: where the values come from, the
	// number values until they are stored, their largest scale, and the
	// last string interned, which rows tend to repeat.
	type colState struct {
		src     uint8 // srcAttr, srcID or srcTime
		decs    []num.Dec
		maxS    int32
		last    string
		lastID  int32
		hasLast bool
	}
	const (
		srcAttr = iota
		srcID   // every kind has its id and time as attributes
		srcTime
	)
	if n == 0 {
		for c := range attrs {
			t.cols[c] = column{typ: attrs[c].Type, ints: []int64{}}
		}
		return nil
	}
	var stBuf [8]colState // most kinds have few attributes: no allocation
	var st []colState
	if len(attrs) <= len(stBuf) {
		st = stBuf[:len(attrs)]
	} else {
		st = make([]colState, len(attrs))
	}
	numeric := 0
	for c := range attrs {
		if attrs[c].Type.numeric() {
			numeric++
		}
	}
	// The int columns share one array, and so do the decimals.
	ints := make([]int64, len(attrs)*n)
	var decs []num.Dec
	if numeric > 0 {
		decs = make([]num.Dec, numeric*n)
	}
	for c := range attrs {
		a := &attrs[c]
		t.cols[c].typ = a.Type
		col := ints[c*n : (c+1)*n : (c+1)*n]
		switch {
		case a.Name == "id" && a.Type == KString:
			st[c].src = srcID
		case a.Name == "time" && a.Type == KTime:
			st[c].src = srcTime
		}
		if a.Type.numeric() {
			st[c].decs, decs = decs[:n:n], decs[n:]
		} else {
			t.cols[c].ints = col
		}
	}
	for r, i := range idx {
		tx := &in.Txns[i]
		t.id[r] = tx.ID
		for c := range attrs {
			a, cs := &attrs[c], &st[c]
			var v Value
			switch cs.src {
			case srcID:
				// Checked not empty, and ids are strings: as convert
				// would, without boxing the id.
				t.cols[c].ints[r] = int64(pr.intern(tx.ID))
				continue
			case srcTime:
				// Checked in range: as convert would, it is the row's time.
				t.cols[c].ints[r] = times[r]
				continue
			}
			raw := tx.Attrs[a.Name]
			if raw == nil {
				def, hasDef := pr.resolve(a.Default)
				switch {
				case a.HasDefault && hasDef:
					v = def
				case a.Type == KString:
					v = Value{K: KString, I: int64(pr.intern(""))}
				case a.Type == KBool:
					v = Value{K: KBool}
				default:
					return &InputError{"transactions[" + strconv.Itoa(int(i)) + "]." + a.Name, "missing"}
				}
			} else if str, ok := raw.(string); ok && a.Type == KString {
				// The string of the previous row, often the same, is
				// interned already.
				if !cs.hasLast || str != cs.last {
					cs.last, cs.lastID, cs.hasLast = str, pr.intern(str), true
				}
				t.cols[c].ints[r] = int64(cs.lastID)
				continue
			} else {
				var err error
				if v, err = pr.convert(raw, a.Type); err != nil {
					return &InputError{"transactions[" + strconv.Itoa(int(i)) + "]." + a.Name, err.Error()}
				}
			}
			if cs.decs == nil {
				t.cols[c].ints[r] = v.I
				continue
			}
			if a.Type == KMoney && tx.Currency != 0 && tx.Currency != d.cur {
				v.N = v.N.Mul(in.Rates[tx.Currency])
				if err := checkSize(v.N); err != nil {
					return &InputError{"transactions[" + strconv.Itoa(int(i)) + "]." + a.Name, "after conversion: " + err.Error()}
				}
			}
			cs.decs[r] = v.N
			cs.maxS = max(cs.maxS, v.N.Scale())
		}
	}
	for c := range st {
		ds := st[c].decs
		if ds == nil {
			continue
		}
		col := &t.cols[c]
		col.scale = st[c].maxS
		col.ints = ints[c*n : (c+1)*n : (c+1)*n]
		for r, v := range ds {
			x, ok := v.Int64At(col.scale)
			if !ok {
				col.ints, col.dec = nil, ds
				break
			}
			col.ints[r] = x
		}
	}
	return nil
}

// resolve returns a schema default as a value: a per-currency default is
// its entry for the player's currency, and missing (false) without one.
func (pr *preparer) resolve(def Value) (Value, bool) {
	if def.K != KPerCurrency {
		return def, true
	}
	n, ok := pr.p.perCurrency(int32(def.I), pr.d.cur)
	return Value{K: numKind(pr.d.cur), Cur: pr.d.cur, N: n}, ok
}

// intern returns the id of s: its id in the program's strings, or else a
// data id.
func (pr *preparer) intern(s string) int32 {
	if pr.strIndex != nil {
		if id, ok := pr.strIndex[s]; ok {
			return id
		}
	} else {
		// Until the first data string, the program's strings are all
		// there is; then the map becomes a copy of the program's, so
		// that a string costs one look-up.
		if id, ok := pr.p.strIndex[s]; ok {
			return id
		}
		pr.strIndex = make(map[string]int32, len(pr.p.strIndex)+pr.strHint)
		maps.Copy(pr.strIndex, pr.p.strIndex)
		pr.d.strs = make([]string, 0, max(pr.strHint, 1))
	}
	id := int32(len(pr.p.Strings) + len(pr.d.strs))
	pr.d.strs = append(pr.d.strs, s)
	pr.strIndex[s] = id
	return id
}

// convert turns a host value into a Value of type t. Money gets its
// currency from the caller.
func (pr *preparer) convert(raw any, t Kind) (Value, error) {
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
			return Value{}, wrongType(raw, "a string")
		}
		return Value{K: KString, I: int64(pr.intern(s))}, nil
	case KBool:
		b, ok := raw.(bool)
		if !ok {
			return Value{}, wrongType(raw, "a bool")
		}
		return Bool(b), nil
	case KTime:
		var tm time.Time
		switch x := raw.(type) {
		case time.Time:
			tm = x
		case string:
			var err error
			if tm, err = time.Parse(time.RFC3339Nano, x); err != nil {
				return Value{}, fmt.Errorf("invalid time %q: want RFC 3339, as in 2026-11-23T10:00:00Z", x)
			}
		default:
			return Value{}, wrongType(raw, "a time")
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
				return Value{}, fmt.Errorf("invalid duration %q", x)
			}
			return Duration(dur), nil
		}
		return Value{}, wrongType(raw, "a duration")
	}
	return Value{}, fmt.Errorf("unsupported type %v", t)
}

// toDec converts a host number to a Dec, exactly.
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
	case int32:
		return num.FromInt(int64(x)), nil
	case int64:
		return num.FromInt(x), nil
	case json.Number:
		return parseDec(string(x))
	case string:
		return parseDec(x)
	case float64, float32:
		return num.Dec{}, fmt.Errorf("the float %v is not exact: give a decimal string such as \"12.50\"", x)
	}
	return num.Dec{}, wrongType(raw, "a number")
}

func parseDec(s string) (num.Dec, error) {
	if len(s) > maxDigits {
		return num.Dec{}, errors.New("too many digits")
	}
	return num.Parse(s)
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

func wrongType(raw any, want string) error {
	return fmt.Errorf("got %T, want %s", raw, want)
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
