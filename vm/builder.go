package vm

import (
	"context"
	"errors"
	"hash/maphash"
	"strconv"
	"strings"
	"time"

	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/vm/currency"
	"github.com/promoc/promoc/vm/num"
	"github.com/promoc/promoc/vm/window"
)

// Builder builds the [Data] of one player column by column, one transaction
// at a time, without a map per transaction: a host (or a decoder) begins a
// transaction with [Builder.Begin], sets its attributes by column with the
// typed setters, and ends it with [Builder.Commit]. [Builder.Data] hands out
// the data for evaluation.
//
// Appending is cheap: a transaction is checked, converted and appended to
// its kind's columns on Commit, in amortized constant time; the columns are
// put in time order when Data is next called, which costs nothing when the
// transactions came in time order and a merge of the late ones otherwise.
// So a service that keeps a player's Builder can append each new event and
// evaluate again without preparing the history afresh. [Builder.Reset]
// empties it for the next player and keeps its buffers.
//
// The data it makes is that of [Prepare] for the same input: repeated ids
// count once (the first committed wins), money in other currencies is
// converted with the rates, strings are interned, number columns are int64
// coefficients at their largest scale when every value fits, decimals
// otherwise, and rows are sorted by time, stably. A Builder made with
// onlyRead set stores only the columns the program's rewards read; the other
// declared attributes are still checked, so that an input is valid or
// invalid whichever way it is prepared.
//
// A transaction that fails Commit is dropped whole, and the builder keeps
// what it had. A Builder is not safe for concurrent use.
type Builder struct {
	p    *Program
	keep [][]bool // per kind, per column: the column is stored

	player  string
	cur     currency.Code
	zone    *time.Location
	now     time.Time
	anchors window.Anchors
	rates   map[currency.Code]num.Dec
	props   []Value // by property index, as set
	propSet []bool

	tabs   []tableBuilder // by kind
	strs   []string       // the data strings: id len(p.Strings)+i
	strMap map[string]int32
	// Deduplication (see dedupe.go): the committed ids, the set of those
	// deduplicated, and those committed since. While nothing is pending,
	// the ids from runFrom on are a run: each greater than every id before
	// it (in idLess order), so unique, and in neither the set nor pend.
	// maxID is the greatest id committed.
	ids      []string
	seed     maphash.Seed
	set      idSet
	pend     []pendingID
	runFrom  int
	maxID    string
	sortBuf  []pendingID // scratch of dedupe
	radixBuf []pendingID // scratch of dedupe
	begun    int         // transactions begun since Reset: the index of the next in error paths
	tx       txn
	zeros    []int64 // all zero: the column of every attribute that is not stored
	maxTxns  int     // limits.Transactions; smaller in tests
	perm     []int32 // scratch of the sort
}

// tableBuilder is the table of one kind as it grows.
type tableBuilder struct {
	t      table
	types  []Kind    // per column: its type
	need   int       // the columns other than id and time: a transaction that sets them all needs no default
	scales [][]int16 // per number column in ints: the scale each value had, to restore it if the column turns decimal
	sorted int       // rows [0, sorted) are in time order
	idCol  int       // the column of the "id" attribute, -1 for none
	timCol int       // the column of the "time" attribute, -1 for none
	// idStored and timStored: the id and time columns are stored (they
	// are the transaction's own id and time); stored lists the other
	// stored columns.
	idStored, timStored bool
	stored              []storedCol
	last                []recentStrings // per string column: the strings set last, which the next rows tend to repeat
	begun               bool            // a transaction of the kind was begun since Reset: last may hold data strings
}

// storedCol is a stored column of a table, with whether it holds numbers.
type storedCol struct {
	c   int
	num bool
}

// recentStrings are strings of a column seen lately with their interned
// ids: rows repeat a handful of games, categories and providers, and one
// string comparison is faster than two map look-ups. It is a direct-mapped
// cache: a string has one slot, chosen by its length and first and last
// bytes, and replaces what was there. A host's strings of one value often
// share their bytes, and then the comparison does not read them.
type recentStrings struct {
	s  [16]string
	id [16]int32
	ok [16]bool
}

// slot returns the entry of s.
func (rs *recentStrings) slot(s string) int {
	h := uint(len(s))
	if len(s) > 0 {
		h += uint(s[0])*7 + uint(s[len(s)-1])*3
	}
	return int(h % uint(len(rs.s)))
}

// find returns the id of s if it is among the recent strings.
func (rs *recentStrings) find(s string) (int32, bool) {
	i := rs.slot(s)
	if rs.ok[i] && rs.s[i] == s {
		return rs.id[i], true
	}
	return 0, false
}

// add records s with its id.
func (rs *recentStrings) add(s string, id int32) {
	i := rs.slot(s)
	rs.s[i], rs.id[i], rs.ok[i] = s, id, true
}

// txn is the transaction being built.
type txn struct {
	open  bool
	index int    // its index among the transactions begun, for error paths
	kind  int    // -1 when unknown
	kname string // the kind as given, for the error
	id    string
	ns    int64
	tErr  string // what is wrong with the time, "" when it is fine
	cur   currency.Code
	// failField and failMsg: what is wrong with the transaction as a whole
	// (its currency), "" when nothing.
	failField, failMsg string
	vals               []Value  // per column
	set                []bool   // per column
	errs               []string // per column: what is wrong, "" when nothing
	// types is the kind's column types while the transaction is open with
	// a declared kind, nil otherwise: a setter checks its column with one
	// bounds check. keep and last are the kind's.
	types []Kind
	keep  []bool
	last  []recentStrings
	nset  int  // columns set
	bad   bool // some errs[c] is set
}

// NewBuilder returns an empty builder for program p; with onlyRead, it stores
// only the columns that p's rewards read.
func NewBuilder(p *Program, onlyRead bool) (*Builder, error) {
	if p == nil {
		return nil, errors.New("vm: NewBuilder with a nil program")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	b := &Builder{p: p, seed: maphash.MakeSeed(), maxTxns: limits.Transactions}
	reads := p.reads
	b.keep = make([][]bool, len(p.Kinds))
	b.tabs = make([]tableBuilder, len(p.Kinds))
	maxAttrs := 0
	for k, kind := range p.Kinds {
		b.keep[k] = make([]bool, len(kind.Attrs))
		if onlyRead {
			b.keep[k] = reads[k]
		}
		tb := &b.tabs[k]
		tb.idCol, tb.timCol = -1, -1
		tb.t.cols = make([]column, len(kind.Attrs))
		tb.scales = make([][]int16, len(kind.Attrs))
		tb.last = make([]recentStrings, len(kind.Attrs))
		tb.types = make([]Kind, len(kind.Attrs))
		for c, a := range kind.Attrs {
			tb.types[c] = a.Type
			if !onlyRead {
				b.keep[k][c] = true
			}
			tb.t.cols[c].typ = a.Type
			switch {
			case a.Name == "id" && a.Type == KString:
				tb.idCol = c
			case a.Name == "time" && a.Type == KTime:
				tb.timCol = c
			}
		}
		tb.need = len(kind.Attrs)
		for _, c := range []int{tb.idCol, tb.timCol} {
			if c >= 0 {
				tb.need--
			}
		}
		tb.idStored = tb.idCol >= 0 && b.keep[k][tb.idCol]
		tb.timStored = tb.timCol >= 0 && b.keep[k][tb.timCol]
		for c, a := range kind.Attrs {
			if b.keep[k][c] && c != tb.idCol && c != tb.timCol {
				tb.stored = append(tb.stored, storedCol{c, a.Type.numeric()})
			}
		}
		maxAttrs = max(maxAttrs, len(kind.Attrs))
	}
	b.tx.vals = make([]Value, maxAttrs)
	b.tx.set = make([]bool, maxAttrs)
	b.tx.errs = make([]string, maxAttrs)
	b.props = make([]Value, len(p.Props))
	b.propSet = make([]bool, len(p.Props))
	return b, nil
}

// Program returns the program the builder builds data for.
func (b *Builder) Program() *Program { return b.p }

// Reset empties the builder for another player, keeping its buffers.
func (b *Builder) Reset() {
	b.player, b.cur, b.zone, b.now, b.anchors = "", 0, nil, time.Time{}, window.Anchors{}
	clear(b.rates)
	clear(b.props)
	clear(b.propSet)
	b.DropTransactions()
	for _, s := range b.strs {
		delete(b.strMap, s)
	}
	for k := range b.tabs {
		if tb := &b.tabs[k]; tb.begun {
			clear(tb.last)
			tb.begun = false
		}
	}
	b.strs = b.strs[:0]
}

// Grow makes room for n more transactions of kind k.
func (b *Builder) Grow(k, n int) {
	if k < 0 || k >= len(b.tabs) || n <= 0 {
		return
	}
	tb := &b.tabs[k]
	tb.t.time = grow(tb.t.time, n)
	tb.t.id = grow(tb.t.id, n)
	for c := range tb.t.cols {
		if b.keep[k][c] && tb.t.cols[c].dec == nil {
			tb.t.cols[c].ints = grow(tb.t.cols[c].ints, n)
			if tb.t.cols[c].typ.numeric() {
				tb.scales[c] = grow(tb.scales[c], n)
			}
		}
	}
	b.ids = grow(b.ids, n)
	b.pend = grow(b.pend, n)
}

func grow[T any](s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	out := make([]T, len(s), len(s)+n)
	copy(out, s)
	return out
}

// SetPlayer sets the player's id, currency and time zone. The currency can
// change only while there are no transactions, since they are converted to
// it as they come.
func (b *Builder) SetPlayer(id string, cur currency.Code, zone *time.Location) error {
	if cur != b.cur && b.rows() > 0 {
		return &InputError{Field: "player.currency", Msg: "set after transactions were added", Path: playerPath("currency")}
	}
	if r, ok := b.rates[cur]; ok && cur != 0 {
		if err := ownRate(cur, r); err != nil {
			return err
		}
	}
	b.player, b.cur, b.zone = id, cur, zone
	return nil
}

// SetNow sets the evaluation time; the zero time means none.
func (b *Builder) SetNow(t time.Time) error {
	if !t.IsZero() && !inRange(t) {
		return &InputError{Field: "now", Msg: timeRangeMsg}
	}
	b.now = t
	return nil
}

// SetAnchors sets the anchors of rule-relative windows.
func (b *Builder) SetAnchors(a window.Anchors) { b.anchors = a }

// SetRate sets the conversion rate of currency c: one unit of c is r units
// of the player's currency. It applies to the transactions committed after.
// A rate for the player's own currency is 1 or an error, as the player's
// own currency set later is with a rate other than 1 already given.
func (b *Builder) SetRate(c currency.Code, r num.Dec) error {
	field := "rates." + c.String()
	if r.Sign() <= 0 {
		return &InputError{Field: field, Msg: "not positive: " + r.String()}
	}
	if err := checkSize(r); err != nil {
		return &InputError{Field: field, Msg: err.Error()}
	}
	if c == b.cur {
		if err := ownRate(c, r); err != nil {
			return err
		}
	}
	if b.rates == nil {
		b.rates = map[currency.Code]num.Dec{}
	}
	b.rates[c] = r
	return nil
}

// ownRate refuses a rate r for c, the player's own currency, other than 1.
// Money in the player's currency is never converted, so such a rate would
// be ignored; 1 says so, and any other value is surely a mistake (a rate
// table of another player's, or one upside down), which the operator
// should hear of (spec/spec.md, Input format).
func ownRate(c currency.Code, r num.Dec) error {
	if r.Equal(num.New(1, 0)) {
		return nil
	}
	s := c.String()
	return &InputError{Field: "rates." + s, Msg: s + " is the player's own currency: its rate is 1 or absent, not " + r.String() + " (money in " + s + " is never converted)"}
}

// PropIndex returns the index of the declared property name, or -1.
func (b *Builder) PropIndex(name string) int {
	if i, ok := b.p.propIndex[name]; ok {
		return i
	}
	return -1
}

// SetProp sets property i from a host value, valued as [Txn.Attrs] are; a
// nil value leaves it absent.
func (b *Builder) SetProp(i int, raw any) error {
	if i < 0 || i >= len(b.p.Props) {
		return errors.New("vm: SetProp of an undeclared property")
	}
	prop := &b.p.Props[i]
	if raw == nil {
		b.props[i], b.propSet[i] = Value{}, false
		return nil
	}
	v, err := b.convert(raw, prop.Type, true)
	if err == nil && prop.Whole && !whole(v.N) {
		err = errors.New(notWhole(v.N))
	}
	if err != nil {
		return &InputError{Field: "player.properties." + prop.Name, Msg: err.Error(), Path: playerPath("properties", prop.Name)}
	}
	b.props[i], b.propSet[i] = v, true
	return nil
}

// SetPropValue sets property i to v, which must have the property's type
// (a number for money, which is in the player's currency).
func (b *Builder) SetPropValue(i int, v Value) error {
	if i < 0 || i >= len(b.p.Props) {
		return errors.New("vm: SetPropValue of an undeclared property")
	}
	prop := &b.p.Props[i]
	if !compatible(prop.Type, v.K) && !(prop.Type.numeric() && v.K.numeric()) {
		return &InputError{Field: "player.properties." + prop.Name, Msg: "want " + article(prop.Type) + ", got " + article(v.K), Path: playerPath("properties", prop.Name)}
	}
	if prop.Type.numeric() {
		if err := checkSize(v.N); err != nil {
			return &InputError{Field: "player.properties." + prop.Name, Msg: err.Error(), Path: playerPath("properties", prop.Name)}
		}
		if prop.Whole && !whole(v.N) {
			return &InputError{Field: "player.properties." + prop.Name, Msg: notWhole(v.N), Path: playerPath("properties", prop.Name)}
		}
	}
	b.props[i], b.propSet[i] = v, true
	return nil
}

// whole reports whether n is a whole number: 12, 12.0.
func whole(n num.Dec) bool { return n.Scale() <= 0 || n.Normalize().Scale() <= 0 }

// notWhole is the input error of a count that is not a whole number.
func notWhole(n num.Dec) string {
	return "a count is a whole number, not " + n.String()
}

// KindIndex returns the index of the declared kind name, or -1.
func (b *Builder) KindIndex(name string) int {
	if k, ok := b.p.kindIndex[name]; ok {
		return k
	}
	return -1
}

// AttrIndex returns the column of attribute name of kind k, or -1.
func (b *Builder) AttrIndex(k int, name string) int {
	if k < 0 || k >= len(b.p.Kinds) {
		return -1
	}
	if c, ok := b.p.attrIndex[k][name]; ok {
		return c
	}
	return -1
}

// Stored reports whether column c of kind k is stored, that is read by a
// reward (or every column is kept). A decoder skips the values of the other
// columns after checking them.
func (b *Builder) Stored(k, c int) bool { return b.keep[k][c] }

// Begin starts a transaction of kind k (an index in Program.Kinds; -1 with
// kname for a kind the program does not declare, which Commit reports) with
// its id, time and currency (0 for the player's). A transaction begun and
// not committed is dropped by the next Begin.
func (b *Builder) Begin(k int, kname, id string, t time.Time, cur currency.Code) {
	tx := &b.tx
	tx.open, tx.index, tx.kind, tx.kname, tx.id, tx.cur, tx.tErr = true, b.begun, k, kname, id, cur, ""
	tx.failField, tx.failMsg = "", ""
	b.begun++
	if sec := t.Unix(); sec > minUnix && sec < maxUnix {
		tx.ns = t.UnixNano() // well inside the range: the common case, without comparing times
	} else {
		switch {
		case t.IsZero():
			tx.tErr = "missing"
		case !inRange(t):
			tx.tErr = timeRangeMsg
		default:
			tx.ns = t.UnixNano()
		}
	}
	if k < 0 || k >= len(b.tabs) {
		tx.kind, tx.types, tx.keep, tx.last = -1, nil, nil, nil
		return
	}
	tb := &b.tabs[k]
	tb.begun = true
	tx.types, tx.keep, tx.last = tb.types, b.keep[k], tb.last
	n := len(tb.types)
	clear(tx.set[:n])
	if tx.bad {
		clear(tx.errs) // all of it: an earlier kind may have had more columns
	}
	tx.nset, tx.bad = 0, false
}

// minUnix and maxUnix are the Unix seconds of limits.MinTime and
// limits.MaxTime: a time strictly between them is in range.
var minUnix, maxUnix = limits.MinTime.Unix(), limits.MaxTime.Unix()

// BeginTime is [Builder.Begin] with the time already checked and converted
// to Unix nanoseconds (as a decoder does), or with the problem with it.
func (b *Builder) BeginTime(k int, kname, id string, ns int64, timeErr string, cur currency.Code) {
	b.Begin(k, kname, id, time.Time{}, cur)
	b.tx.ns, b.tx.tErr = ns, timeErr
}

// FailTxn records that the current transaction is wrong: field is the
// part of the path after "transactions[i]", as ".currency"; Commit reports
// it before anything else.
func (b *Builder) FailTxn(field, msg string) {
	if b.tx.open && b.tx.failMsg == "" {
		b.tx.failField, b.tx.failMsg = field, msg
	}
}

// DropTransactions removes every transaction, keeping the player.
func (b *Builder) DropTransactions() {
	for k := range b.tabs {
		tb := &b.tabs[k]
		tb.t.time, tb.t.id = tb.t.time[:0], tb.t.id[:0]
		for c := range tb.t.cols {
			col := &tb.t.cols[c]
			col.ints, col.dec, col.scale = col.ints[:0], nil, 0
			tb.scales[c] = tb.scales[c][:0]
		}
		tb.sorted = 0
	}
	clear(b.ids)
	b.ids = b.ids[:0]
	b.set.reset()
	b.pend = b.pend[:0]
	b.runFrom, b.maxID = 0, ""
	b.begun = 0
	b.tx.open, b.tx.types = false, nil
}

// Fail records that the value of column c of the current transaction is
// wrong, with msg saying how; Commit reports it.
func (b *Builder) Fail(c int, msg string) {
	if b.col(c) {
		b.fail(c, msg)
	}
}

// fail records msg as what is wrong with column c.
func (b *Builder) fail(c int, msg string) {
	b.tx.errs[c], b.tx.bad = msg, true
}

// col reports whether column c of the current transaction can be set: the
// transaction is open, of a declared kind, and has column c.
func (b *Builder) col(c int) bool { return uint(c) < uint(len(b.tx.types)) }

// typ returns the type of column c of the current transaction's kind.
func (b *Builder) typ(c int) Kind { return b.tx.types[c] }

func (b *Builder) put(c int, v Value) {
	tx := &b.tx
	if v.N.Scale() > 0 && b.p.Kinds[tx.kind].Attrs[c].Whole && !whole(v.N) {
		b.fail(c, notWhole(v.N))
		return
	}
	tx.vals[c] = v
	if !tx.set[c] {
		tx.set[c] = true
		tx.nset++
	}
}

func (b *Builder) wrong(c int, got Kind) {
	b.fail(c, "want "+article(b.typ(c))+", got "+article(got))
}

// SetDec sets number or money column c.
func (b *Builder) SetDec(c int, v num.Dec) {
	if !b.col(c) {
		return
	}
	if !b.typ(c).numeric() {
		b.wrong(c, KNumber)
		return
	}
	if err := checkSize(v); err != nil {
		b.fail(c, err.Error())
		return
	}
	b.put(c, Value{K: b.typ(c), N: v})
}

// SetString sets string column c. A string of more than limits.StringBytes
// bytes fails the column instead.
func (b *Builder) SetString(c int, s string) {
	if !b.col(c) {
		return
	}
	if b.typ(c) != KString {
		b.wrong(c, KString)
		return
	}
	if len(s) > limits.StringBytes {
		b.Fail(c, errStringBytes.Error())
		return
	}
	var id int32
	if b.tx.keep[c] {
		rs := &b.tx.last[c]
		var ok bool
		if id, ok = rs.find(s); !ok {
			id = b.internRecent(rs, s)
		}
	}
	b.put(c, Value{K: KString, I: int64(id)})
}

// internRecent interns s, a string not among the recent strings rs, and
// adds it to them.
func (b *Builder) internRecent(rs *recentStrings, s string) int32 {
	id := b.intern(s)
	rs.add(s, id)
	return id
}

// SetBytes sets string column c to string(s), without allocating when the
// string was seen before. A string of more than limits.StringBytes bytes
// fails the column instead.
func (b *Builder) SetBytes(c int, s []byte) {
	if !b.col(c) {
		return
	}
	if b.typ(c) != KString {
		b.wrong(c, KString)
		return
	}
	if len(s) > limits.StringBytes {
		b.Fail(c, errStringBytes.Error())
		return
	}
	var id int32
	if b.tx.keep[c] {
		rs := &b.tx.last[c]
		var ok bool
		if id, ok = rs.find(string(s)); !ok {
			id = b.internBytes(s)
			rs.add(b.str(id), id)
		}
	}
	b.put(c, Value{K: KString, I: int64(id)})
}

// str returns the string with interned id id.
func (b *Builder) str(id int32) string {
	if n := int32(len(b.p.Strings)); id >= n {
		return b.strs[id-n]
	}
	return b.p.Strings[id]
}

// SetBool sets bool column c.
func (b *Builder) SetBool(c int, v bool) {
	if !b.col(c) {
		return
	}
	if b.typ(c) != KBool {
		b.wrong(c, KBool)
		return
	}
	b.put(c, Bool(v))
}

// SetTime sets time column c.
func (b *Builder) SetTime(c int, t time.Time) {
	if !b.col(c) {
		return
	}
	if b.typ(c) != KTime {
		b.wrong(c, KTime)
		return
	}
	if t.IsZero() || !inRange(t) {
		b.fail(c, timeRangeMsg)
		return
	}
	b.put(c, Time(t))
}

// SetTimeNS sets time column c to Unix nanoseconds already checked in range.
func (b *Builder) SetTimeNS(c int, ns int64) {
	if !b.col(c) {
		return
	}
	if b.typ(c) != KTime {
		b.wrong(c, KTime)
		return
	}
	b.put(c, Value{K: KTime, I: ns})
}

// SetDuration sets duration column c.
func (b *Builder) SetDuration(c int, d time.Duration) {
	if !b.col(c) {
		return
	}
	if b.typ(c) != KDuration {
		b.wrong(c, KDuration)
		return
	}
	b.put(c, Duration(d))
}

// SetAny sets column c from a host value, valued as [Txn.Attrs] are; nil
// leaves it unset.
func (b *Builder) SetAny(c int, raw any) {
	if !b.col(c) || raw == nil {
		return
	}
	v, err := b.convert(raw, b.typ(c), b.tx.keep[c])
	if err != nil {
		b.fail(c, err.Error())
		return
	}
	b.put(c, v)
}

// Commit checks the current transaction, converts it and appends it to its
// kind's columns. A transaction whose id was committed before is dropped
// without a word, whatever else it holds. On an error (an [*InputError]
// naming the field, as "transactions[3].amount") the transaction is dropped
// and the builder keeps what it had.
func (b *Builder) Commit() error {
	tx := &b.tx
	if !tx.open {
		return errors.New("vm: Commit without Begin")
	}
	tx.open, tx.types = false, nil
	field := func(attr, msg string) *InputError { return txnError(tx.index, attr, msg) }
	if tx.failMsg != "" {
		return field(strings.TrimPrefix(tx.failField, "."), tx.failMsg)
	}
	if tx.id == "" {
		return field("id", "missing")
	}
	if err := b.commit(tx, field); err != nil {
		if b.committed(tx.id) {
			return nil // a repeated id: dropped, whatever is wrong with it
		}
		return err
	}
	return nil
}

// commit checks and appends the transaction; Commit drops it without an
// error when its id was committed before.
func (b *Builder) commit(tx *txn, field func(attr, msg string) *InputError) error {
	if tx.kind < 0 && tx.kname == "" {
		return field("kind", "missing") // absent or null
	}
	if tx.kind < 0 {
		return field("kind", "unknown kind "+strconv.Quote(tx.kname))
	}
	if tx.tErr != "" {
		return field("time", tx.tErr)
	}
	var rate num.Dec
	foreign := tx.cur != 0 && tx.cur != b.cur
	if foreign {
		r, ok := b.rates[tx.cur]
		if !ok {
			return field("", "currency "+tx.cur.String()+" differs from the player's "+b.cur.String()+" and no rate was given")
		}
		rate = r
	}
	k := tx.kind
	tb := &b.tabs[k]
	// Every column set, each checked by its setter, in the player's
	// currency: nothing to check, default or convert.
	if own := tx.nset - int(b2i(tb.idCol >= 0 && tx.set[tb.idCol])) - int(b2i(tb.timCol >= 0 && tx.set[tb.timCol])); tx.bad || foreign || own != tb.need {
		if err := b.complete(tx, field, foreign, rate); err != nil {
			return err
		}
	}
	if len(b.ids) >= b.maxTxns {
		return &InputError{Field: "transactions", Msg: "more than " + strconv.Itoa(b.maxTxns) + " transactions"}
	}
	b.note(tx.id, k)
	b.appendRow(k, tx)
	return nil
}

// complete checks the columns of the transaction in order, reporting the
// first error; gives the unset ones their defaults; and converts money in a
// foreign currency at rate.
func (b *Builder) complete(tx *txn, field func(attr, msg string) *InputError, foreign bool, rate num.Dec) error {
	k := tx.kind
	attrs := b.p.Kinds[k].Attrs
	tb := &b.tabs[k]
	for c := range attrs {
		a := &attrs[c]
		if c == tb.idCol || c == tb.timCol {
			continue
		}
		if msg := tx.errs[c]; msg != "" {
			return field(a.Name, msg)
		}
		if !tx.set[c] {
			def, hasDef := b.resolve(a.Default)
			switch {
			case a.HasDefault && hasDef:
				tx.vals[c] = def
			case a.Type == KString:
				tx.vals[c] = Value{K: KString}
				if b.keep[k][c] {
					tx.vals[c].I = int64(b.intern(""))
				}
			case a.Type == KBool:
				tx.vals[c] = Value{K: KBool}
			default:
				return field(a.Name, "missing")
			}
		}
		if a.Type == KMoney && foreign {
			v := &tx.vals[c]
			v.N = v.N.Mul(rate)
			if err := checkSize(v.N); err != nil {
				return field(a.Name, "after conversion: "+err.Error())
			}
		}
	}
	return nil
}

// rows returns the number of transactions committed.
func (b *Builder) rows() int { return len(b.ids) }

// resolve returns a schema default as a value: a per-currency default is
// its entry for the player's currency, and missing (false) without one.
func (b *Builder) resolve(def Value) (Value, bool) {
	if def.K != KPerCurrency {
		return def, true
	}
	n, ok := b.p.perCurrency(int32(def.I), b.cur)
	return Value{K: numKind(b.cur), Cur: b.cur, N: n}, ok
}

// intern returns the id of s: its id in the program's strings, or else a
// data id.
func (b *Builder) intern(s string) int32 {
	if id, ok := b.p.strIndex[s]; ok {
		return id
	}
	if id, ok := b.strMap[s]; ok {
		return id
	}
	return b.add(s)
}

func (b *Builder) internBytes(s []byte) int32 {
	if id, ok := b.p.strIndex[string(s)]; ok {
		return id
	}
	if id, ok := b.strMap[string(s)]; ok {
		return id
	}
	return b.add(string(s))
}

func (b *Builder) add(s string) int32 {
	if b.strMap == nil {
		b.strMap = map[string]int32{}
	}
	id := int32(len(b.p.Strings) + len(b.strs))
	b.strs = append(b.strs, s)
	b.strMap[s] = id
	return id
}

// Data returns the data built so far. It shares the builder's columns: it
// stays valid, and read-only, until the next change to the builder
// (Commit, Reset, a setter), which may move rows under it; evaluate it
// before appending more. Its errors are the input errors found only when
// all is known: a missing player currency.
func (b *Builder) Data() (*Data, error) { return b.DataContext(context.Background()) }

// DataContext is [Builder.Data] giving up with ctx's error when ctx is done
// while it deduplicates and sorts (it checks between passes over the rows);
// the builder is then as it was.
func (b *Builder) DataContext(ctx context.Context) (*Data, error) { return b.DataInto(ctx, nil) }

// DataInto is [Builder.DataContext] writing the data into d, a Data an
// earlier call returned (from this builder or another of the same
// program), rather than into a new one: a host that prepares many inputs
// one after the other (an engine deciding event after event) makes no
// garbage for them. A nil d, or one of another program, is replaced by a
// new Data, which is returned; keep it for the next call.
//
// This changes what d is: whatever d held before is gone, so nothing may
// still be running on it or keep it for later (a goroutine evaluating it, a
// result or a cache naming it). A [Machine] that ran on d before sees that
// it changed and resolves its windows again. On an error d is left as it
// was, and nil is returned.
func (b *Builder) DataInto(ctx context.Context, d *Data) (*Data, error) {
	p := b.p
	if err := p.checkCurrency(b.cur); err != nil {
		return nil, err
	}
	if err := b.dedupe(ctx); err != nil {
		return nil, err
	}
	for k := range b.tabs {
		if err := b.sortTable(ctx, &b.tabs[k]); err != nil {
			return nil, err
		}
	}
	ncols := 0
	for k := range b.tabs {
		ncols += len(b.tabs[k].t.cols)
	}
	if d == nil || d.prog != p || len(d.tables) != len(b.tabs) || len(d.props) != len(p.Props) {
		d = &Data{
			props:   make([]Value, len(p.Props)),
			hasProp: make([]bool, len(p.Props)),
			tables:  make([]table, len(b.tabs)),
		}
		cols := make([]column, ncols)
		for k := range b.tabs {
			n := len(b.tabs[k].t.cols)
			d.tables[k].cols, cols = cols[:n:n], cols[n:]
		}
	} else {
		d.gen++ // for the windows a Machine resolved on it
		clear(d.props)
		clear(d.hasProp)
	}
	d.prog, d.player, d.cur, d.minor, d.zone = p, b.player, b.cur, b.cur.MinorUnits(), b.zone
	d.now, d.nowNS, d.anchors = b.now, b.now.UnixNano(), b.anchors
	d.strs = b.strs[:len(b.strs):len(b.strs)]
	if b.now.IsZero() {
		d.nowNS = 0
	}
	for i, prop := range p.Props {
		if b.propSet[i] {
			d.props[i], d.hasProp[i] = d.typed(b.props[i], prop.Type), true
		} else if def, ok := b.resolve(prop.Default); prop.HasDefault && ok {
			d.props[i], d.hasProp[i] = d.typed(def, prop.Type), true
		}
	}
	for k := range b.tabs {
		tb := &b.tabs[k]
		n := len(tb.t.time)
		if len(b.zeros) < n {
			b.zeros = make([]int64, max(n, 2*len(b.zeros)))
		}
		t := &d.tables[k]
		t.time, t.id = tb.t.time[:n:n], tb.t.id[:n:n]
		for c, col := range tb.t.cols {
			switch {
			case !b.keep[k][c]:
				// Not read by any reward: zeros, so that nothing can read
				// out of range.
				col = column{typ: col.typ, ints: b.zeros[:n:n]}
			case col.dec != nil:
				col.dec = col.dec[:n:n]
			default:
				col.ints = col.ints[:n:n]
			}
			t.cols[c] = col
		}
	}
	return d, nil
}
