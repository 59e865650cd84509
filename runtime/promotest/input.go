package promotest

import (
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/vm/window"
)

// inputOrigins builds the input of a test from its clauses in source order:
// a fixture is the base, and the inline clauses after it override its
// fields (now, the player's id, currency and zone, properties, rates,
// anchors) and add transactions. It returns where each transaction of the
// input comes from, for people ("line 2 of fixture
// rules/testdata/more.jsonl", "the row at rules/r_test.promo:7:3"), and a
// problem, for people, when the test cannot run as written: money in
// another currency than the player's of a fixture, or now in the player's
// zone when the player has none.
func (s *Suite) inputOrigins(tc *compiler.TestCase) (runtime.Input, []string, string) {
	b := inputBuilder{consts: s.info.Info.Consts, counts: map[string]int{}, file: tc.File}
	for _, cl := range tc.Decl.Clauses {
		switch cl := cl.(type) {
		case *lang.LoadClause:
			b.load(s.fixtures[cl])
		case *lang.NowClause:
			b.now = cl
		case *lang.PlayerClause:
			b.player(cl)
		case *lang.TransactionsClause:
			b.table(cl)
		case *lang.RepeatClause:
			b.repeat(cl)
		case *lang.RatesClause:
			b.rates(cl)
		case *lang.AnchorsClause:
			b.anchors(cl)
		}
	}
	in, problem := b.finish()
	return in, b.origins, problem
}

type inputBuilder struct {
	consts  map[lang.Expr]*compiler.Value
	in      runtime.Input
	now     *lang.NowClause
	counts  map[string]int // inline transactions per kind, for their ids
	ownMaps bool           // Properties and Rates are the builder's, not a fixture's
	money   []moneyIn      // money that must be in the player's currency
	file    string         // the test file
	origins []string       // where each transaction comes from, as inputOrigins says
}

// from records where the transactions added since n come from: origin(i),
// i counting from 0 among them.
func (b *inputBuilder) from(n int, origin func(i int) string) {
	for i := range len(b.in.Transactions) - n {
		b.origins = append(b.origins, origin(i))
	}
}

// fixtureOrigin is where the ith transaction of a fixture is.
func fixtureOrigin(fx *fixture) func(i int) string {
	return func(i int) string {
		if i < len(fx.lines) {
			return "line " + strconv.Itoa(fx.lines[i]) + " of fixture " + fx.name
		}
		return "in fixture " + fx.name
	}
}

// moneyIn is money written in a test that must be in the player's
// currency: a property or a rate.
type moneyIn struct {
	what, cur string
}

func (b *inputBuilder) load(fx *fixture) {
	if fx == nil { // not reached: New loads every fixture
		return
	}
	defer b.from(len(b.in.Transactions), fixtureOrigin(fx))
	if !fx.isDoc {
		b.in.Transactions = append(b.in.Transactions, fx.txns...)
		return
	}
	d := fx.doc
	b.in.Now = d.Now
	if d.Player.ID != "" {
		b.in.Player.ID = d.Player.ID
	}
	if d.Player.Currency != "" {
		b.in.Player.Currency = d.Player.Currency
	}
	if d.Player.Zone != "" {
		b.in.Player.Zone = d.Player.Zone
	}
	b.own()
	maps.Copy(b.in.Player.Properties, d.Player.Properties)
	maps.Copy(b.in.Rates, d.Rates)
	b.in.Transactions = append(b.in.Transactions, d.Transactions...)
	a := &b.in.Anchors
	for _, p := range []struct{ dst, src *time.Time }{
		{&a.FirstTransaction, &d.Anchors.FirstTransaction}, {&a.LastTransaction, &d.Anchors.LastTransaction},
		{&a.Qualification, &d.Anchors.Qualification}, {&a.Entrance, &d.Anchors.Entrance},
	} {
		if !p.src.IsZero() {
			*p.dst = *p.src
		}
	}
}

// own gives the builder maps of its own, so that a fixture shared by
// several tests is never written to.
func (b *inputBuilder) own() {
	if b.ownMaps {
		return
	}
	b.ownMaps = true
	b.in.Player.Properties = maps.Clone(b.in.Player.Properties)
	if b.in.Player.Properties == nil {
		b.in.Player.Properties = map[string]any{}
	}
	b.in.Rates = maps.Clone(b.in.Rates)
	if b.in.Rates == nil {
		b.in.Rates = map[string]decimal.Decimal{}
	}
}

func (b *inputBuilder) player(cl *lang.PlayerClause) {
	b.own()
	if cl.ID != nil {
		b.in.Player.ID = compiler.PlayerID(cl.ID)
	}
	for _, f := range cl.Fields {
		switch f.Name.Name {
		case "currency":
			b.in.Player.Currency = currencyOf(f.Value)
		case "id":
			b.in.Player.ID = b.consts[f.Value].Str
		case "zone":
			b.in.Player.Zone = b.consts[f.Value].Str
		default:
			v := b.consts[f.Value]
			b.in.Player.Properties[f.Name.Name] = goValue(v)
			if v.Type.Kind == compiler.Money {
				b.money = append(b.money, moneyIn{"player." + f.Name.Name, v.Type.Cur})
			}
		}
	}
}

// currencyOf reads a currency code written as a name or a string.
func currencyOf(e lang.Expr) string {
	switch e := e.(type) {
	case *lang.Ident:
		return e.Name
	case *lang.StringLit:
		return e.Value
	}
	return ""
}

// goValue converts a checked value to the Go value of the runtime's input.
func goValue(v *compiler.Value) any {
	switch v.Type.Kind {
	case compiler.Money, compiler.Number, compiler.Count, compiler.Percent:
		return v.Num.Decimal()
	case compiler.String:
		return v.Str
	case compiler.Bool:
		return v.Bool
	case compiler.Time:
		return v.Time
	case compiler.Duration:
		return v.Dur
	}
	return nil
}

// txn starts the next inline transaction of a kind, with its default id.
func (b *inputBuilder) txn(kind string) runtime.Transaction {
	b.counts[kind]++
	return runtime.Transaction{ID: kind + "-" + strconv.Itoa(b.counts[kind]), Kind: kind, Attrs: map[string]any{}}
}

// set sets one column of a transaction.
func (b *inputBuilder) set(t *runtime.Transaction, name string, e lang.Expr) {
	switch name {
	case "currency":
		t.Currency = currencyOf(e)
		return
	}
	v := b.consts[e]
	switch name {
	case "time":
		t.Time = v.Time
	case "id":
		t.ID = v.Str
	default:
		t.Attrs[name] = goValue(v)
		if v.Type.Kind == compiler.Money && v.Type.Cur != "" {
			t.Currency = v.Type.Cur
		}
	}
}

func (b *inputBuilder) table(cl *lang.TransactionsClause) {
	defer b.from(len(b.in.Transactions), func(i int) string {
		p := cl.Rows[i].Span().Start
		return fmt.Sprintf("the row at %s:%d:%d", b.file, p.Line, p.Col)
	})
	for _, r := range cl.Rows {
		t := b.txn(cl.Kind.Name)
		for i, x := range r.Values {
			b.set(&t, cl.Columns[i].Name, x)
		}
		b.in.Transactions = append(b.in.Transactions, t)
	}
}

func (b *inputBuilder) repeat(cl *lang.RepeatClause) {
	n, _ := strconv.Atoi(cl.Count.Text)
	p := cl.Span().Start
	defer b.from(len(b.in.Transactions), func(i int) string {
		return fmt.Sprintf("transaction %d of the repeat at %s:%d:%d", i+1, b.file, p.Line, p.Col)
	})
	every := b.consts[cl.Every].Dur
	at := b.consts[cl.From].Time
	for i := range n {
		t := b.txn(cl.Kind.Name)
		t.Time = at.Add(time.Duration(i) * every)
		for _, f := range cl.Fields {
			b.set(&t, f.Name.Name, f.Value)
		}
		b.in.Transactions = append(b.in.Transactions, t)
	}
}

func (b *inputBuilder) rates(cl *lang.RatesClause) {
	b.own()
	for _, f := range cl.Rates {
		v := b.consts[f.Value]
		b.in.Rates[f.Name.Name] = v.Num.Decimal()
		b.money = append(b.money, moneyIn{"the rate of " + f.Name.Name, v.Type.Cur})
	}
}

func (b *inputBuilder) anchors(cl *lang.AnchorsClause) {
	for _, f := range cl.Fields {
		t := b.consts[f.Value].Time
		switch f.Name.Name {
		case "first_transaction":
			b.in.Anchors.FirstTransaction = t
		case "last_transaction":
			b.in.Anchors.LastTransaction = t
		case "qualification":
			b.in.Anchors.Qualification = t
		case "entrance":
			b.in.Anchors.Entrance = t
		}
	}
}

// finish resolves now, which may be in the player's zone, and checks the
// money that must be in the player's currency.
func (b *inputBuilder) finish() (runtime.Input, string) {
	if b.now != nil {
		t, problem := wallTime(b.now.Time, b.now.Zone, b.in.Player.Zone)
		if problem != "" {
			return b.in, "now " + b.now.Time.Text + zoneText(b.now.Zone) + ": " + problem
		}
		b.in.Now = t
	}
	for _, m := range b.money {
		if m.cur != "" && b.in.Player.Currency != "" && m.cur != b.in.Player.Currency {
			return b.in, fmt.Sprintf("%s is in %s, but the player's currency is %s", m.what, m.cur, b.in.Player.Currency)
		}
	}
	return b.in, ""
}

// zoneText is a zone as a test writes it after a time: " in player zone",
// ` in "Europe/Malta"`, or "" for none (UTC).
func zoneText(z *lang.Zone) string {
	switch {
	case z == nil:
		return ""
	case z.Player:
		return " in player zone"
	}
	return " in " + strconv.Quote(z.Name.Value)
}

// wallTime is the instant of a date of a test in a zone: UTC when z is nil,
// the player's zone for in player zone; the first instant the zone's clocks
// show that time or a later one (window.FirstInstant).
func wallTime(d *lang.DateLit, z *lang.Zone, playerZone string) (time.Time, string) {
	loc := time.UTC
	if z != nil {
		name := playerZone
		if !z.Player {
			name = z.Name.Value
		} else if name == "" {
			return time.Time{}, "the player has no zone (the input document it loads gives none): give one, as in player { zone \"Europe/Malta\" }"
		}
		l, err := window.LoadZone(name)
		if err != nil {
			return time.Time{}, fmt.Sprintf("unknown time zone %q", name)
		}
		loc = l
	}
	// A wall time the clocks skip is the first instant after the jump, and
	// one they show twice is its first occurrence, as for a window's bounds
	// and a schedule's firings.
	return window.FirstInstant(time.Date(d.Year, time.Month(d.Month), d.Day, d.Hour, d.Min, d.Sec, 0, time.UTC), loc), ""
}
