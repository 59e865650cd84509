package tracking

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/vm/currency"
)

// Windows is the attribution window of each offer as the rule set
// declares it (attribution last click within ...), DefaultWindow where it
// declares none.
func Windows(prog *runtime.Program) func(offer string) time.Duration {
	return func(offer string) time.Duration {
		if w, ok := prog.Attribution(offer); ok {
			return w
		}
		return DefaultWindow
	}
}

// PriceError is a payout that could not price a conversion: its outcome
// was an error. The conversion is not recorded.
type PriceError struct {
	Payout, Reason, Detail string
}

func (e *PriceError) Error() string {
	return fmt.Sprintf("payout %s: %s: %s", e.Payout, e.Reason, e.Detail)
}

// Prices prices conversions with the payouts of a rule set: for the
// conversion's kind, the publisher payout sets its payout and the revenue
// payout its revenue, each evaluated as a reward (spec/spec.md, section
// 18) for the publisher as the player, 1 ns after the conversion's time,
// over the publisher's conversions (the conversion itself included) as
// transactions of the kinds the rule set declares, with the attributes it
// declares of amount, offer, publisher, session and sub1 to sub5. The
// player's currency is the conversion's, or the default currency for a
// conversion without an amount; a skipped payout is zero. The publisher's
// conversions in another currency are left out (each currency is a ledger
// of its own: money of two currencies is never added).
//
// A payout that aggregates over a window with a bound (last 30 days, last
// full month) is priced on conversions kept in memory per publisher: each
// conversion reads from the database only the publisher's conversions
// recorded since the last it priced (by sequence number, which is in
// commit order within a publisher), and the evaluation finds its window in
// the kept ones by time. A conversion older than what is kept, a
// transaction that was rolled back (the next one finds the last conversion
// it added missing), or a batch that failed ([Prices.Forget]) makes the
// publisher's be read again. A payout whose window has no bound reads the publisher's
// conversions before the conversion each time, and one that does not
// aggregate reads the conversion alone. When what is kept cannot take the
// conversions read (the input refuses a currency or an attribute), the
// conversion is priced that way too, so that a [PriceError] names the
// first payout whose own input fails.
//
// Prices is safe for concurrent use; conversions of one publisher are
// priced one at a time.
type Prices struct {
	prog     *runtime.Program
	currency string
	byKind   map[string]*kindPayouts

	mu   sync.Mutex
	kept map[keptKey]*kept
}

// kindPayouts are the payouts of one conversion kind and what their
// aggregations read, found once from the payouts.
type kindPayouts struct {
	payouts []runtime.Payout
	// aggregates: a payout reads the publisher's conversions; bounded:
	// each that does reads a window with a bound, the longest of them
	// lookback.
	aggregates, bounded bool
	lookback            time.Duration
}

// maxKept bounds the publishers (and currencies) whose conversions are
// kept; past it, every one is dropped and read again when it next
// converts.
const maxKept = 4096

// keptKey: a publisher's conversions are kept apart per player currency,
// the currency their money is evaluated in.
type keptKey struct{ publisher, currency string }

// kept is what is kept of one publisher's conversions.
type kept struct {
	mu   sync.Mutex
	b    *runtime.Builder
	ok   bool      // false: to read again
	last int64     // the highest sequence number added
	from time.Time // every conversion that happened at or after from is added
	// attempt is the transaction attempt that added conversions last, and
	// added the highest sequence number it added: the next attempt checks
	// that it is recorded, since a rolled-back attempt's conversions (its
	// own, the highest of the publisher's) are not.
	attempt uint64
	added   int64
}

// NewPrices makes the prices of a rule set's payouts. A conversion
// without an amount is priced in the first currency the rule set serves
// (its currencies declaration), or in fallback when it declares none.
func NewPrices(prog *runtime.Program, fallback string) *Prices {
	if cs := prog.Currencies(); len(cs) > 0 {
		fallback = cs[0]
	}
	p := &Prices{prog: prog, currency: fallback, byKind: map[string]*kindPayouts{}, kept: map[keptKey]*kept{}}
	for _, po := range prog.Payouts() {
		k := p.byKind[po.Kind]
		if k == nil {
			k = &kindPayouts{bounded: true}
			p.byKind[po.Kind] = k
		}
		k.payouts = append(k.payouts, po)
		if po.Aggregates {
			k.aggregates = true
			k.bounded = k.bounded && po.Bounded
			k.lookback = max(k.lookback, po.Lookback)
		}
	}
	return p
}

// Forget drops every publisher's kept conversions: a batch of conversions
// priced was not committed, and what was read in it may not exist.
func (p *Prices) Forget() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.kept)
}

// Price is the [store.Pricer] of the payouts.
func (p *Prices) Price(c *store.Conversion, r store.ConversionReader) error {
	kp := p.byKind[c.Kind]
	if kp == nil {
		return nil
	}
	look := kp.lookback
	cur := p.Currency(*c)
	now := c.At.Add(time.Nanosecond)
	if !kp.aggregates || !kp.bounded {
		return p.priceRead(c, kp, r, limits.MinTime)
	}

	key := keptKey{c.Publisher, cur}
	p.mu.Lock()
	k := p.kept[key]
	if k == nil {
		if len(p.kept) >= maxKept {
			clear(p.kept) // read again as they come: memory stays bounded
		}
		k = &kept{b: p.prog.NewBuilder()}
		p.kept[key] = k
	}
	p.mu.Unlock()
	k.mu.Lock()
	defer k.mu.Unlock()
	from := later(c.At.Add(-look), limits.MinTime)
	// What is kept cannot take the conversions read (a currency or an
	// attribute the input refuses): priced on the conversions read for it
	// alone, so that the error names the payout whose input it is.
	failed := func() error {
		k.ok = false
		return p.priceRead(c, kp, r, from)
	}
	if k.ok && k.added > 0 && k.attempt != r.Attempt() {
		// What the attempt before added is kept only if it was committed.
		ok, err := r.Recorded(k.added)
		if err != nil {
			return err
		}
		k.ok = ok
	}
	if k.attempt != r.Attempt() {
		k.attempt, k.added = r.Attempt(), 0
	}
	var news []store.Conversion
	var err error
	if !k.ok || from.Before(k.from) || from.Sub(k.from) > look {
		// Read again from the start of the window: nothing is kept, the
		// conversion is older than what is, or what is spans more than
		// two windows.
		k.b.Reset()
		k.ok, k.last, k.from = false, 0, from
		// The player's currency first: a transaction's money is checked
		// against it as it is added.
		if err := k.b.SetPlayer(runtime.Player{ID: c.Publisher, Currency: cur}); err != nil {
			return failed()
		}
		news, err = r.PublisherSince(c.Publisher, 0, from)
	} else {
		news, err = r.PublisherSince(c.Publisher, k.last, k.from)
	}
	if err != nil {
		return err
	}
	// c is among the conversions read (it is recorded before it is
	// priced): its transaction gives the properties conversion.ATTR.
	var props map[string]any
	for _, e := range news {
		if t, ok := transaction(p.prog, e); ok && inLedger(e, cur) {
			if err := k.b.Add(t); err != nil {
				return failed()
			}
			if e.Seq == c.Seq {
				props = runtime.ConversionProperties(t)
			}
		}
		k.last = max(k.last, e.Seq)
		k.added = max(k.added, e.Seq)
	}
	k.ok = true
	if props == nil {
		if t, ok := transaction(p.prog, *c); ok {
			props = runtime.ConversionProperties(t)
		}
	}
	if err := k.b.SetPlayer(runtime.Player{ID: c.Publisher, Currency: cur, Properties: props}); err != nil {
		return failed()
	}
	if err := k.b.SetNow(now); err != nil {
		return failed()
	}
	in := k.b.Prepared()
	return p.evaluate(c, kp.payouts, cur, func(po runtime.Payout) (runtime.Result, error) {
		res, err := p.prog.EvaluatePrepared(context.Background(), po.Name, in)
		if err == nil && res.Outcome == runtime.Error_ {
			// What the kept conversions took, the player's part refused
			// (its currency not served): no transaction to name.
			res.Detail = conversionField(res, runtime.Input{}, c.Seq)
		}
		return res, err
	})
}

// priceRead prices c on the conversions read from the database: a payout
// that aggregates on the publisher's conversions in [from, c's time],
// one that does not on c alone, so that an input error (an earlier
// conversion's currency or attribute, c's own) is the outcome of a payout
// that reads it.
func (p *Prices) priceRead(c *store.Conversion, kp *kindPayouts, r store.ConversionReader, from time.Time) error {
	alone := p.input(*c, []store.Conversion{*c})
	all := alone
	if kp.aggregates {
		earlier, err := r.PublisherConversions(c.Publisher, from, c.At.Add(time.Nanosecond))
		if err != nil {
			return err
		}
		all = p.input(*c, earlier)
	}
	return p.evaluate(c, kp.payouts, p.Currency(*c), func(po runtime.Payout) (runtime.Result, error) {
		in := alone
		if po.Aggregates {
			in = all
		}
		res, err := p.prog.Evaluate(context.Background(), po.Name, in)
		if err == nil && res.Outcome == runtime.Error_ {
			res.Detail = conversionField(res, in, c.Seq)
		}
		return res, err
	})
}

// conversionField writes an input error's detail in the API's terms,
// from the field's path ([runtime.InputError.Path]), never from its
// text: the evaluation names a transaction of its input
// (transactions[2].amount), which is c itself (amount: the field of the
// request) or a conversion of the publisher recorded before it (the
// conversion of sequence 7, recorded earlier: currency: ...); the
// player's currency, which is c's (currency); or a property
// conversion.ATTR, c's attribute (sub1). Any other detail is left as
// it is.
func conversionField(res runtime.Result, in runtime.Input, seq int64) string {
	return namedField(res, in, func(id, field string) string {
		if id != "" && id != "current" && id != strconv.FormatInt(seq, 10) {
			return "the conversion of sequence " + id + ", recorded earlier: " + field
		}
		return field
	})
}

// namedField writes an input error's detail from the field's path, as
// conversionField, naming the field with name: the id of the transaction
// the field is of ("" for the player's part, which is the conversion's
// priced) and the conversion's field (amount, currency, sub1; "" for the
// conversion as a whole), returning what the detail names before its
// message.
func namedField(res runtime.Result, in runtime.Input, name func(id, field string) string) string {
	ie := res.Input
	if ie == nil {
		return res.Detail
	}
	own := func(where string) string {
		if where == "" {
			return ie.Msg
		}
		return where + ": " + ie.Msg
	}
	switch p := ie.Path; {
	case len(p) >= 2 && p[0].Key == "transactions" && p[1].Key == "" && p[1].Index >= 0 && p[1].Index < len(in.Transactions):
		field := ""
		if len(p) == 3 {
			field = p[2].Key
		}
		return own(name(in.Transactions[p[1].Index].ID, field))
	case len(p) == 2 && p[0].Key == "player" && p[1].Key == "currency":
		return own(name("", "currency"))
	case len(p) == 3 && p[0].Key == "player" && p[1].Key == "properties":
		if attr, ok := runtime.ConversionAttr(p[2].Key); ok {
			return own(name("", attr))
		}
	}
	return res.Detail
}

// evalField writes an input error's detail in the terms of promoc eval's
// payout input ([DecodePayoutInput]): conversion.amount for c's,
// earlier[2].currency for the third conversion recorded before it (whose
// sequence is 3 there), conversion.sub[0] for the attribute sub1.
func evalField(res runtime.Result, in runtime.Input, c store.Conversion) string {
	return namedField(res, in, func(id, field string) string {
		where := "conversion"
		if id != "" && id != "current" && id != strconv.FormatInt(c.Seq, 10) {
			if n, err := strconv.Atoi(id); err == nil && n > 0 {
				where = "earlier[" + strconv.Itoa(n-1) + "]"
			}
		}
		if n, ok := strings.CutPrefix(field, "sub"); ok && len(n) == 1 && n[0] >= '1' && n[0] <= '5' {
			field = "sub[" + strconv.Itoa(int(n[0]-'1')) + "]"
		}
		if field == "" {
			return where
		}
		return where + "." + field
	})
}

// Currency is the currency a conversion's payouts are priced in: its
// own, or for one without an amount the default of [NewPrices].
func (p *Prices) Currency(c store.Conversion) string {
	if c.Currency != "" {
		return c.Currency
	}
	return p.currency
}

// input is the input of a payout that prices c over the conversions of
// its publisher (c among them; those after c are left out).
func (p *Prices) input(c store.Conversion, conversions []store.Conversion) runtime.Input {
	now := c.At.Add(time.Nanosecond)
	in := runtime.Input{Now: now, Player: runtime.Player{ID: c.Publisher, Currency: p.Currency(c)}}
	for _, e := range conversions {
		if e.At.Before(now) && inLedger(e, in.Player.Currency) {
			if t, ok := transaction(p.prog, e); ok {
				in.Transactions = append(in.Transactions, t)
			}
		}
	}
	return in
}

// Evaluate evaluates one payout of the rule set on conversion c, as
// promoc serve prices c when the publisher's conversions recorded before
// it are earlier (c is added after them): what promoc eval runs. A
// conversion of another kind than the payout's, which promoc serve never
// prices with it, is invalid input naming conversion.kind.
func (p *Prices) Evaluate(ctx context.Context, payout string, c store.Conversion, earlier []store.Conversion, opts ...runtime.EvalOption) (runtime.Result, error) {
	for _, po := range p.prog.Payouts() {
		if po.Name != payout {
			continue
		}
		if po.Kind != c.Kind {
			err := &runtime.InputError{Field: "conversion.kind", Msg: fmt.Sprintf("%s is not the kind payout %s prices: it prices conversions of kind %s", c.Kind, payout, po.Kind)}
			return p.prog.EvaluatePrepared(ctx, payout, p.prog.InvalidInput(err), opts...)
		}
		if !po.Aggregates {
			// As priceRead: a payout that reads no transactions prices c
			// alone, so an earlier conversion (in another currency, say)
			// is nothing to it.
			return p.evalNamed(ctx, payout, p.input(c, []store.Conversion{c}), c, opts)
		}
	}
	return p.evalNamed(ctx, payout, p.input(c, append(earlier[:len(earlier):len(earlier)], c)), c, opts)
}

// evalNamed evaluates a payout for Evaluate, an input error's detail
// naming the field as promoc eval's input names it (evalField), not as
// the evaluation's input (transactions[1].amount, player.currency).
func (p *Prices) evalNamed(ctx context.Context, payout string, in runtime.Input, c store.Conversion, opts []runtime.EvalOption) (runtime.Result, error) {
	res, err := p.prog.Evaluate(ctx, payout, in, opts...)
	if err == nil && res.Outcome == runtime.Error_ {
		res.Detail = evalField(res, in, c)
	}
	return res, err
}

// evaluate sets the conversion's payout and revenue from its payouts'
// results.
func (p *Prices) evaluate(c *store.Conversion, mine []runtime.Payout, cur string, eval func(runtime.Payout) (runtime.Result, error)) error {
	for _, po := range mine {
		res, err := eval(po)
		if err != nil {
			return err
		}
		switch res.Outcome {
		case runtime.Error_:
			return &PriceError{Payout: po.Name, Reason: res.Reason, Detail: res.Detail}
		case runtime.Skipped:
			continue
		}
		if po.Side == "revenue" {
			c.Revenue, c.RevenueCurrency = res.Amount(), cur
		} else {
			c.Payout, c.PayoutCurrency = res.Amount(), cur
		}
	}
	return nil
}

// inLedger reports whether conversion e is among the transactions of a
// payout priced in currency cur: a publisher's conversions in each
// currency are a ledger of their own, so that money of two currencies is
// never added and a conversion in one is never refused for the other's.
// A conversion without an amount is in every ledger; one in a currency
// that is none (which the input never takes) is left in, for the
// payout's input to refuse it by name.
func inLedger(e store.Conversion, cur string) bool {
	return e.Currency == "" || e.Currency == cur || !currency.Known(e.Currency)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// transaction is a conversion as a transaction of its kind, with the
// attributes the kind declares; ok is false for a kind the rule set does
// not declare.
func transaction(prog *runtime.Program, c store.Conversion) (runtime.Transaction, bool) {
	k, err := prog.Kind(c.Kind)
	if err != nil {
		return runtime.Transaction{}, false
	}
	id := "current"
	if c.Seq > 0 {
		id = strconv.FormatInt(c.Seq, 10)
	}
	t := runtime.Transaction{ID: id, Kind: c.Kind, Time: c.At, Currency: c.Currency, Attrs: map[string]any{}}
	vals := map[string]any{"offer": c.Offer, "publisher": c.Publisher, "session": c.Session}
	for i, s := range c.Sub {
		vals["sub"+strconv.Itoa(i+1)] = s
	}
	if c.Currency != "" {
		vals["amount"] = c.Amount
	}
	for name, v := range vals {
		if _, err := k.Attr(name); err == nil {
			t.Attrs[name] = v
		}
	}
	return t, true
}
