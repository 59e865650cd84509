package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/vm"
	"github.com/promoc/promoc/vm/currency"
	"github.com/promoc/promoc/vm/num"
	"github.com/promoc/promoc/vm/window"
)

// Builder builds a player's prepared input column by column: the typed
// input path for hosts. Look up kinds and attributes once ([Program.Kind],
// [Kind.Attr]); then, per player, set the player and the evaluation time,
// append each transaction with [Builder.Begin], typed setters and
// [Builder.Commit], and evaluate [Builder.Prepared]. No map is made per
// transaction, and only the attributes some reward reads are stored (the
// others are still checked).
//
// Appending is cheap, so a service can keep a player's Builder and append
// each new event: a transaction costs amortized constant time, in time order
// or not, and the player's history is not prepared again. [Builder.Reset]
// empties it for the next player and keeps its buffers. [Builder.Decode]
// reads a JSON input document straight into it.
//
// A repeated transaction id counts once (the first committed wins). Ids that
// rise, each after the one before in the order of shorter first and then
// byte by byte (a database sequence "1", "2", ..., "10", or time-ordered ids
// of one length), are the cheapest: they cannot repeat, and the builder
// does no deduplication work for them until one does not rise.
//
// Errors of the player's part (an unknown currency or time zone, a bad
// property) are returned and also kept: every evaluation of the prepared
// input reports the first as invalid-input, until Reset. A transaction that
// fails Commit is dropped, and the builder keeps what it had.
//
// A Builder is not safe for concurrent use; the [Prepared] it hands out can
// be evaluated by any number of goroutines, until the builder next changes.
type Builder struct {
	p   *Program
	b   *vm.Builder
	err error // the first error of the player's part, or of the program
}

// Kind is a transaction kind of a program, looked up once.
type Kind struct {
	p    *Program
	k    int
	name string
}

// Attr is an attribute of a transaction kind, looked up once.
type Attr struct {
	ref vm.AttrRef // the program, kind, column and name
	typ vm.Kind
}

// Name returns the kind's name.
func (k Kind) Name() string { return k.name }

// Name returns the attribute's name.
func (a Attr) Name() string { return a.ref.Name }

// Type returns the attribute's type as the schema writes it: "money",
// "string", ...
func (a Attr) Type() string { return a.typ.String() }

// Kind returns the declared transaction kind name.
func (p *Program) Kind(name string) (Kind, error) {
	if p == nil || p.prog == nil {
		return Kind{}, errNoProgram
	}
	for i, k := range p.prog.Kinds {
		if k.Name == name {
			return Kind{p, i, name}, nil
		}
	}
	return Kind{}, &Error{Msg: "unknown kind " + strconv.Quote(name)}
}

// Attr returns the declared attribute name of the kind.
func (k Kind) Attr(name string) (Attr, error) {
	if k.p == nil {
		return Attr{}, errNoProgram
	}
	for c, a := range k.p.prog.Kinds[k.k].Attrs {
		if a.Name == name {
			return Attr{vm.AttrRef{P: k.p.prog, K: k.k, C: c, Name: name}, a.Type}, nil
		}
	}
	return Attr{}, &Error{Msg: "kind " + k.name + " has no attribute " + strconv.Quote(name)}
}

// HasMoney reports whether the kind declares a money attribute: only then
// does a transaction's currency say anything about it.
func (k Kind) HasMoney() bool {
	if k.p == nil {
		return false
	}
	for _, a := range k.p.prog.Kinds[k.k].Attrs {
		if a.Type == vm.KMoney {
			return true
		}
	}
	return false
}

var errNoProgram = &Error{Msg: "runtime: a Program not made by Compile"}

// NewBuilder returns an empty builder for the program.
func (p *Program) NewBuilder() *Builder {
	if p == nil || p.prog == nil {
		return &Builder{err: errNoProgram}
	}
	vb, err := vm.NewBuilder(p.prog, true)
	if err != nil {
		return &Builder{p: p, err: &Error{Msg: err.Error()}}
	}
	return &Builder{p: p, b: vb}
}

// Reset empties the builder for another player, keeping its buffers.
func (b *Builder) Reset() {
	if b.b == nil {
		return
	}
	b.b.Reset()
	b.err = nil
}

// keep records the first error of the player's part.
func (b *Builder) keep(err error) error {
	if err == nil {
		return nil
	}
	var ie *vm.InputError
	if errors.As(err, &ie) {
		err = inputError(ie)
	}
	if b.err == nil {
		b.err = err
	}
	return err
}

// SetNow sets the evaluation time: `now`, and the end of the windows
// relative to it.
func (b *Builder) SetNow(t time.Time) error {
	if b.b == nil {
		return b.err
	}
	return b.keep(b.b.SetNow(t))
}

// SetAnchors sets the times of rule-relative windows.
func (b *Builder) SetAnchors(a Anchors) {
	if b.b != nil {
		b.b.SetAnchors(a.vm())
	}
}

func (a Anchors) vm() window.Anchors {
	return window.Anchors{FirstTx: a.FirstTransaction, LastTx: a.LastTransaction, Qualified: a.Qualification, Entered: a.Entrance}
}

// SetPlayer sets the player: id, currency, time zone (loaded once per name
// and program) and properties. Set it before the transactions: they are
// converted to its currency as they come.
func (b *Builder) SetPlayer(pl Player) error {
	if b.b == nil {
		return b.err
	}
	var cur currency.Code
	if pl.Currency != "" {
		c, ok := currency.Parse(pl.Currency)
		if !ok {
			return b.keep(&InputError{Field: "player.currency", Msg: "unknown currency " + strconv.Quote(pl.Currency), Path: []PathStep{{Key: "player"}, {Key: "currency"}}})
		}
		cur = c
	}
	var zone *time.Location
	if pl.Zone != "" {
		loc, err := b.p.in.zone(pl.Zone)
		if err != nil {
			return b.keep(&InputError{Field: "player.zone", Msg: "unknown time zone " + strconv.Quote(pl.Zone), Path: []PathStep{{Key: "player"}, {Key: "zone"}}})
		}
		zone = loc
	}
	if err := b.keep(b.b.SetPlayer(pl.ID, cur, zone)); err != nil {
		return err
	}
	for i, prop := range b.p.prog.Props {
		raw, err := ownField(pl, prop)
		if err != nil {
			return b.keep(err)
		}
		if err := b.keep(b.b.SetProp(i, raw)); err != nil {
			return err
		}
	}
	return nil
}

// ownField is the value of the player property prop: the input's, or for a
// string property named currency, zone or id that the properties leave out,
// the player's own field, so that a rule reads `player.currency` as the
// player's currency, as the domain counts it among the player's state. A
// property that contradicts the field is an input error: a player has one
// currency, one zone, one id.
func ownField(pl Player, prop vm.PropInfo) (any, error) {
	raw := pl.Properties[prop.Name]
	if prop.Type != vm.KString {
		return raw, nil
	}
	own := pl.ownFieldOf(prop.Name)
	if own == "" {
		return raw, nil
	}
	if raw == nil {
		return own, nil
	}
	if s, ok := raw.(string); ok && s != own {
		return nil, ownFieldError(prop.Name, s, own)
	}
	return raw, nil
}

// OwnFieldNames are the names of the player's fields a property may
// repeat but not contradict, in the order they are checked.
var OwnFieldNames = [...]string{"id", "currency", "zone"}

// ownFieldOf is the player's field a property of that name repeats (one
// of OwnFieldNames), "" when the player has none or name is none of them.
func (pl Player) ownFieldOf(name string) string {
	switch name {
	case "id":
		return pl.ID
	case "currency":
		return pl.Currency
	case "zone":
		return pl.Zone
	}
	return ""
}

// ownFieldError is the error of a property name whose value s contradicts
// the player's field of that name, own.
func ownFieldError(name, s, own string) *InputError {
	return &InputError{Field: "player.properties." + name, Msg: fmt.Sprintf("%q differs from player.%s %q", s, name, own),
		Path: []PathStep{{Key: "player"}, {Key: "properties"}, {Key: name}}}
}

// OwnFieldsError reports a property currency, zone or id (a string) that
// contradicts the player's field of that name, when the player has it: an
// evaluation would refuse it ([Builder.SetPlayer], for a rule set that
// declares the property), so a host that stores players refuses it
// first, whatever rule set runs later. Field is player.properties.NAME;
// nil when none contradicts.
func (pl Player) OwnFieldsError() *InputError {
	for _, name := range OwnFieldNames {
		own := pl.ownFieldOf(name)
		if s, ok := pl.Properties[name].(string); ok && own != "" && s != own {
			return ownFieldError(name, s, own)
		}
	}
	return nil
}

// SetRate sets the conversion rate of a currency: one unit of it is rate
// units of the player's currency. It applies to the transactions committed
// after it. A rate for the player's own currency is 1 or an input error.
func (b *Builder) SetRate(code string, rate decimal.Decimal) error {
	if b.b == nil {
		return b.err
	}
	c, ok := currency.Parse(code)
	if !ok {
		return b.keep(&InputError{Field: "rates." + code, Msg: "unknown currency"})
	}
	return b.keep(b.b.SetRate(c, num.FromDecimal(rate)))
}

// header applies what the document reader found so far.
func (b *Builder) header(d *docReader) error {
	if d.hasNow {
		if err := b.SetNow(d.now); err != nil {
			return err
		}
	}
	b.SetAnchors(d.anchors)
	if d.hasPl {
		if err := b.SetPlayer(d.player); err != nil {
			return err
		}
	}
	for _, r := range d.rates {
		c, ok := currency.Parse(r.code)
		if !ok {
			return b.keep(&InputError{Field: "rates." + r.code, Msg: "unknown currency"})
		}
		if err := b.keep(b.b.SetRate(c, r.rate)); err != nil {
			return err
		}
	}
	return nil
}

// Begin starts a transaction of kind k with its id, time and currency ("" for
// the player's). Set its attributes, then Commit it.
func (b *Builder) Begin(k Kind, id string, t time.Time, cur string) {
	if b.b == nil {
		return
	}
	kind := k.k
	if k.p != b.p {
		kind = -1
	}
	var c currency.Code
	bad := false
	if cur != "" {
		var ok bool
		if c, ok = currency.Parse(cur); !ok {
			bad = true
		}
	}
	b.b.Begin(kind, k.name, id, t, c)
	if bad {
		b.b.FailTxn(".currency", "unknown currency "+strconv.Quote(cur))
	}
	if k.p != b.p {
		b.b.FailTxn("", "a kind of another program")
	}
}

// The setters set an attribute of the transaction begun last. An attribute
// of another kind (or program) makes Commit fail, naming it; a value that
// is not of the attribute's type, or out of the input's limits, too. They
// are written to be inlined: each is one call to the vm builder.

// SetDecimal sets a number or money attribute (money in the transaction's
// currency).
func (b *Builder) SetDecimal(a Attr, v decimal.Decimal) {
	if b.b != nil {
		b.setDecimal(&a.ref, v)
	}
}

func (b *Builder) setDecimal(a *vm.AttrRef, v decimal.Decimal) {
	if !b.b.Of(a) {
		return
	}
	if e := v.Exponent(); e < -limits.Decimals || e > limits.Digits {
		b.b.Fail(a.C, "too many digits")
		return
	}
	b.b.SetDec(a.C, num.FromDecimal(v))
}

// SetScaled sets a number or money attribute to unscaled × 10^-scale, as
// SetScaled(amount, 1250, 2) sets 12.50: exact, and the fastest way.
func (b *Builder) SetScaled(a Attr, unscaled int64, scale int32) {
	if b.b != nil {
		b.b.SetScaledOf(&a.ref, unscaled, scale)
	}
}

// SetString sets a string attribute.
func (b *Builder) SetString(a Attr, s string) {
	if b.b != nil {
		b.b.SetStringOf(&a.ref, s)
	}
}

// SetBool sets a bool attribute.
func (b *Builder) SetBool(a Attr, v bool) {
	if b.b != nil && b.b.Of(&a.ref) {
		b.b.SetBool(a.ref.C, v)
	}
}

// SetTime sets a time attribute.
func (b *Builder) SetTime(a Attr, t time.Time) {
	if b.b != nil && b.b.Of(&a.ref) {
		b.b.SetTime(a.ref.C, t)
	}
}

// SetDuration sets a duration attribute.
func (b *Builder) SetDuration(a Attr, d time.Duration) {
	if b.b != nil && b.b.Of(&a.ref) {
		b.b.SetDuration(a.ref.C, d)
	}
}

// Commit checks the transaction begun last and appends it. A repeated id
// is dropped without a word (the first wins). On an error, an
// [*InputError] naming the field as "transactions[3].amount" (3 counting
// the transactions begun since Reset), the transaction is dropped and the
// builder keeps what it had.
func (b *Builder) Commit() error {
	if b.b == nil {
		return b.err
	}
	if err := b.b.Commit(); err != nil {
		var ie *vm.InputError
		if errors.As(err, &ie) {
			return inputError(ie)
		}
		return &Error{Msg: err.Error()}
	}
	return nil
}

// Prepared returns the input built so far, ready for evaluations. It shares
// the builder's columns: evaluate it before the builder changes (an
// appended transaction may move rows under it). A kept error of the
// player's part makes every evaluation an invalid-input error outcome.
func (b *Builder) Prepared() *Prepared { return b.prepared(context.Background(), nil) }

// PreparedInto is [Builder.Prepared] written into dst, a Prepared that an
// earlier PreparedInto returned (from this builder or another of the same
// program), or a new(Prepared): a host that prepares input after input
// (the engine, for every condition and reward it evaluates) then allocates
// nothing for them. It returns dst (a new Prepared when dst is nil).
//
// What dst held before is gone: the caller must be done with it, no
// evaluation still running on it, nothing keeping it for later. Results
// keep nothing of their input, so a result outlives it.
func (b *Builder) PreparedInto(dst *Prepared) *Prepared {
	return b.prepared(context.Background(), dst)
}

// prepared is Prepared (into dst when not nil) giving up when ctx is done
// while it deduplicates and sorts.
func (b *Builder) prepared(ctx context.Context, dst *Prepared) *Prepared {
	if dst == nil {
		dst = &Prepared{}
	}
	*dst = Prepared{prog: b.p, own: dst.own}
	if b.b == nil || b.err != nil {
		dst.err = b.err
		return dst
	}
	d, err := b.b.DataInto(ctx, dst.own)
	if err != nil {
		dst.err = b.keep(err)
		return dst
	}
	dst.data, dst.own = d, d
	dst.cur = d.Currency()
	dst.curStr = dst.cur.String()
	return dst
}

// Decode resets the builder and reads a JSON input document (spec/spec.md,
// "The input document") from r straight into it: no map or interface value
// per transaction, only the attributes the rewards read stored, the player's
// time zone loaded once per name. It checks ctx every few thousand
// transactions. Its errors are [*InputError]s naming the field, or ctx's.
func (b *Builder) Decode(ctx context.Context, r io.Reader) error {
	if b.b == nil {
		return b.err
	}
	data, err := ReadDocument(r)
	if err != nil {
		return b.keep(err)
	}
	return b.DecodeBytes(ctx, data)
}

// DecodeBytes is [Builder.Decode] of a document in memory.
func (b *Builder) DecodeBytes(ctx context.Context, data []byte) error {
	if b.b == nil {
		return b.err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if len(data) > limits.InputBytes {
		return b.keep(tooLarge())
	}
	return b.keep(b.p.decodeInto(ctx, b, data))
}

// PrepareJSON reads a JSON input document from r and prepares it, as
// [Builder.Decode] does. Bad input is not a Go error: every evaluation on
// the result ends with an error outcome naming the field.
func (p *Program) PrepareJSON(ctx context.Context, r io.Reader) *Prepared {
	b := p.NewBuilder()
	b.Decode(ctx, r)
	return b.prepared(ctx, nil)
}

// prepare prepares a Go input on a builder, checking ctx every few thousand
// transactions.
func (p *Program) prepare(ctx context.Context, in *Input) *Prepared {
	if p == nil || p.prog == nil {
		return &Prepared{prog: p, err: errNoProgram}
	}
	if ctx == nil {
		ctx = context.Background()
	}
	b := p.NewBuilder()
	if in.Now.IsZero() {
		b.keep(&InputError{Field: "now", Msg: "missing: the evaluation time is required"})
		return b.Prepared()
	}
	if b.SetPlayer(in.Player) != nil || b.SetNow(in.Now) != nil {
		return b.Prepared()
	}
	b.SetAnchors(in.Anchors)
	for code, r := range in.Rates {
		if b.SetRate(code, r) != nil {
			return b.Prepared()
		}
	}
	vb := b.b
	kinds := p.in.schema(p.prog)
	// Size the columns: transactions tend to come in runs of one kind.
	counts := make([]int, len(p.prog.Kinds))
	lastKind, lastK := "", -1
	for i := range in.Transactions {
		if kn := in.Transactions[i].Kind; kn != lastKind || lastK < 0 {
			lastKind, lastK = kn, -1
			if k, ok := kinds.kinds[kn]; ok {
				lastK = k
			}
		}
		if lastK >= 0 {
			counts[lastK]++
		}
	}
	for k, n := range counts {
		vb.Grow(k, n)
	}
	lastKind, lastK = "", -1
	for i := range in.Transactions {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				b.keep(err)
				return b.Prepared()
			}
		}
		tx := &in.Transactions[i]
		if tx.Kind != lastKind || lastK < 0 {
			lastKind = tx.Kind
			if k, ok := kinds.kinds[tx.Kind]; ok {
				lastK = k
			} else {
				lastK = -1
			}
		}
		if err := b.add(kinds, lastK, tx); err != nil {
			b.keep(err)
			return b.Prepared()
		}
	}
	return b.prepared(ctx, nil)
}

// add appends one transaction of an [Input], of the kind of index k (-1:
// not declared): the currency parsed, the attributes the rewards read set
// from their values as Transaction.Attrs holds them, then committed.
func (b *Builder) add(kinds *schema, k int, tx *Transaction) error {
	vb := b.b
	var c currency.Code
	bad := false
	if tx.Currency != "" {
		var ok bool
		if c, ok = currency.Parse(tx.Currency); !ok {
			bad = true
		}
	}
	vb.Begin(k, tx.Kind, tx.ID, tx.Time, c)
	if bad {
		vb.FailTxn(".currency", "unknown currency "+strconv.Quote(tx.Currency))
	}
	if k >= 0 && len(tx.Attrs) > 0 {
		for _, a := range kinds.own[k] { // not the transaction's id or time
			if raw := tx.Attrs[a.name]; raw != nil {
				vb.SetAny(a.col, raw)
			}
		}
	}
	return vb.Commit()
}

// Add appends a transaction given as an [Input] holds it, checked and
// converted as [Program.Prepare] does: the map path one transaction at a
// time, for a host that keeps a player's builder and appends each new
// event. Like Prepare, it keeps its error: every evaluation of the
// prepared input then reports it as invalid-input, until Reset.
func (b *Builder) Add(tx Transaction) error {
	if b.b == nil {
		return b.err
	}
	kinds := b.p.in.schema(b.p.prog)
	k, ok := kinds.kinds[tx.Kind]
	if !ok {
		k = -1
	}
	return b.keep(b.add(kinds, k, &tx))
}

// inputCache holds what the input path of a program looks up once: its
// schema by name, and the time zones its inputs named.
type inputCache struct {
	once  sync.Once
	sch   *schema
	zones sync.Map // zone name → *time.Location
}

// schema is a program's kinds and attributes by name, for the decoder.
type schema struct {
	names []string // kind names by index
	kinds map[string]int
	attrs []map[string]int // per kind: attribute name → column
	types [][]vm.Kind      // per kind and column
	own   [][]ownAttr      // per kind: the attributes in attrs, by column
}

// ownAttr is an attribute a transaction's Attrs give (not its id or time).
type ownAttr struct {
	col  int
	name string
}

func (c *inputCache) schema(p *vm.Program) *schema {
	c.once.Do(func() {
		s := &schema{kinds: map[string]int{}, attrs: make([]map[string]int, len(p.Kinds)), types: make([][]vm.Kind, len(p.Kinds)), own: make([][]ownAttr, len(p.Kinds))}
		for k, kind := range p.Kinds {
			s.kinds[kind.Name] = k
			s.names = append(s.names, kind.Name)
			s.attrs[k] = map[string]int{}
			for col, a := range kind.Attrs {
				s.types[k] = append(s.types[k], a.Type)
				if (a.Name == "id" && a.Type == vm.KString) || (a.Name == "time" && a.Type == vm.KTime) {
					continue // read from the transaction's own id and time
				}
				s.attrs[k][a.Name] = col
				s.own[k] = append(s.own[k], ownAttr{col, a.Name})
			}
		}
		c.sch = s
	})
	return c.sch
}

// kind returns the index of the kind named name, or -1: by comparison
// when there are few kinds, which is faster than a map.
func (s *schema) kind(name []byte) int {
	if len(s.names) <= 8 {
		for k, n := range s.names {
			if n == string(name) {
				return k
			}
		}
		return -1
	}
	if k, ok := s.kinds[string(name)]; ok {
		return k
	}
	return -1
}

// zone loads a time zone once per name: time.LoadLocation reads and parses
// the zone file on every call. Only zones that load are kept, so the cache
// holds at most the IANA database.
func (c *inputCache) zone(name string) (*time.Location, error) {
	if loc, ok := c.zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := window.LoadZone(name)
	if err != nil {
		return nil, err
	}
	c.zones.Store(name, loc)
	return loc, nil
}
