package compiler

import (
	"slices"
	"strings"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/vm/currency"
)

// This file holds the rules of the currencies a rule set serves
// (spec/spec.md, "currencies"). When a rule set declares them, every amount
// that meets a player's money must have a value in each of them, so that
// no player of a served currency meets an error the checker could have
// found: a per-currency value lists them all, and an amount in one currency
// only is an error wherever it would meet the player's currency. Without a
// declaration none of this applies, and a player in another currency gets
// the run-time error currency-mismatch or missing-currency-value.

// declareCurrencies adds the codes of d to the currencies served.
func (c *checker) declareCurrencies(f *lang.File, d *lang.CurrenciesDecl) {
	for _, id := range d.Codes {
		if _, ok := currency.Parse(id.Name); !ok {
			c.errorf(id, lang.CodeUnknownCurrency, "unknown currency %s%s", id.Name, hint{currency.Suggest(id.Name)})
			continue
		}
		if prev, ok := c.curDecls[id.Name]; ok {
			c.diags.Add(lang.Diagnostic{File: f.Name, Span: id.Span(), Severity: lang.Error, Code: lang.CodeDuplicateDecl,
				Message: "currency " + id.Name + " declared twice",
				Related: []lang.Related{{File: prev.file, Span: prev.id.Span(), Message: "other declaration of " + id.Name}}})
			continue
		}
		c.curDecls[id.Name] = curDecl{f.Name, id}
		c.info.Currencies = append(c.info.Currencies, id.Name)
	}
}

// curDecl is where a served currency is declared.
type curDecl struct {
	file string
	id   *lang.Ident
}

// serves reports whether the rule set declares currency code; true for any
// code when it declares none.
func (c *checker) serves(code string) bool {
	_, ok := c.curDecls[code]
	return ok || len(c.info.Currencies) == 0
}

// checkPerCurrency reports the served currencies that a per-currency
// literal lacks, and the currencies it lists that the rule set does not
// serve.
func (c *checker) checkPerCurrency(e *lang.PerCurrencyLit) bool {
	if len(c.info.Currencies) == 0 {
		return true
	}
	have := map[string]bool{}
	ok := true
	for _, m := range e.Values {
		have[m.Currency] = true
		if !c.serves(m.Currency) {
			c.errorf(m, lang.CodeInvalidCurrency, "%s is not one of the currencies the rule set serves (%s): add it to the currencies declaration, or remove this amount", m.Currency, c.servedList())
			ok = false
		}
	}
	if miss := c.missing(have); len(miss) > 0 {
		c.errorf(e, lang.CodeMissingCurrency, "no amount for %s, which the rule set serves: add %s", andList(miss), amountsFor(miss))
		ok = false
	}
	return ok
}

// missing returns the served currencies, in declaration order, not in have.
func (c *checker) missing(have map[string]bool) []string {
	var out []string
	for _, code := range c.info.Currencies {
		if !have[code] {
			out = append(out, code)
		}
	}
	return out
}

// andList joins codes as "USD", "USD and JPY", "USD, JPY and GBP".
func andList(codes []string) string { return joinList(codes, " and ") }

// orList joins codes as "USD", "USD or JPY", "USD, JPY or GBP".
func orList(codes []string) string { return joinList(codes, " or ") }

// joinList joins codes with commas, and last before the last one.
func joinList(codes []string, last string) string {
	if len(codes) <= 1 {
		return strings.Join(codes, "")
	}
	return strings.Join(codes[:len(codes)-1], ", ") + last + codes[len(codes)-1]
}

func (c *checker) servedList() string { return strings.Join(c.info.Currencies, ", ") }

// amountsFor renders the per-currency parts to add: "| <amount> USD | <amount> JPY".
func amountsFor(codes []string) string {
	var b strings.Builder
	for i, code := range codes {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("| <amount> " + code)
	}
	return b.String()
}

// oneCurrency reports an amount in one currency only, of type t, at a place
// where it meets the player's currency (what says where, as "cap"), when
// the rule set serves other currencies too. It reports whether t is fine.
// A zero amount gets the fix that suits the place: a bare 0 where zero
// needs no currency (zeroOK: comparisons, tier bounds, min, max, clamp),
// else a zero in every served currency.
func (c *checker) oneCurrency(e lang.Expr, t Type, what string, zeroOK bool) bool {
	if t.Kind != Money || t.Cur == "" || len(c.info.Currencies) == 0 {
		return true
	}
	miss := c.missing(map[string]bool{t.Cur: true})
	if len(miss) == 0 {
		return true
	}
	text := lang.ExprString(e)
	if v := c.info.Consts[e]; v != nil && v.Num.IsZero() && len(v.PerCur) == 0 {
		if zeroOK {
			c.errorf(e, lang.CodeMissingCurrency, "%s %s is in %s only, and the rule set also serves %s: write 0, which needs no currency",
				what, text, t.Cur, andList(miss))
			c.diags[len(c.diags)-1].Suggestion = "0"
			return false
		}
		zeros := make([]string, len(c.info.Currencies))
		for i, code := range c.info.Currencies {
			zeros[i] = "0 " + code
		}
		fix := strings.Join(zeros, " | ")
		c.errorf(e, lang.CodeMissingCurrency, "%s %s is in %s only, and the rule set also serves %s: write a zero in each, %s",
			what, text, t.Cur, andList(miss), fix)
		if _, lit := e.(*lang.MoneyLit); lit {
			c.diags[len(c.diags)-1].Suggestion = fix
		}
		return false
	}
	c.errorf(e, lang.CodeMissingCurrency, "%s %s is in %s only, and the rule set also serves %s: write an amount for each, as in %s %s",
		what, text, t.Cur, andList(miss), text, amountsFor(miss))
	return false
}

// meetPlayer checks the operands of an operation between money x and y
// that are in the player's currency and in one known currency: the known
// one must be served alone. A reference to a const is reported at the
// const's declaration instead. zeroOK says whether a bare 0 may stand
// here, for the fix of a zero amount.
func (c *checker) meetPlayer(xe, ye lang.Expr, x, y Type, zeroOK bool) bool {
	if x.Kind != Money || y.Kind != Money || (x.Cur == "") == (y.Cur == "") {
		return true
	}
	e, t := xe, x
	if x.Cur == "" {
		e, t = ye, y
	}
	if c.isConstRef(e) {
		return true
	}
	return c.oneCurrency(e, t, "the amount", zeroOK)
}

// zeroWithCurrency warns of a zero with a currency compared with the
// player's money in a rule set that declares no currencies: 0 EUR makes a
// player in any other currency an error, where 0 would serve them all.
// (With currencies declared, meetPlayer reports it as an error.)
func (c *checker) zeroWithCurrency(xe, ye lang.Expr, x, y Type) {
	if len(c.info.Currencies) > 0 || x.Kind != Money || y.Kind != Money || (x.Cur == "") == (y.Cur == "") {
		return
	}
	e, t := xe, x
	if x.Cur == "" {
		e, t = ye, y
	}
	if v := c.info.Consts[e]; v == nil || !v.Num.IsZero() || c.isConstRef(e) {
		return
	}
	c.warnf(e, lang.CodeMissingCurrency, "%s is zero in %s only, and a player in another currency meets the error currency-mismatch: write 0, which needs no currency", lang.ExprString(e), t.Cur)
	c.diags[len(c.diags)-1].Suggestion = "0"
}

// isConstRef reports whether e, without its parentheses, names a const.
func (c *checker) isConstRef(e lang.Expr) bool {
	for {
		p, ok := e.(*lang.ParenExpr)
		if !ok {
			break
		}
		e = p.X
	}
	id, ok := e.(*lang.Ident)
	if !ok {
		return false
	}
	s := c.info.Uses[id]
	return s != nil && s.Kind == SymConst
}

// isZero reports whether v is a numeric constant equal to zero: a bare 0,
// which compares with money of any currency (spec/spec.md, "Currencies").
func isZero(v *Value) bool {
	return v != nil && v.Type.IsNumeric() && len(v.PerCur) == 0 && v.Num.IsZero()
}

// zeroAgainstMoney reports whether one of x and y is Money and the other a
// bare zero.
func (c *checker) zeroAgainstMoney(xe, ye lang.Expr, x, y Type) bool {
	return x.Kind == Money && isZero(c.constValue(ye)) || y.Kind == Money && isZero(c.constValue(xe))
}

// limitCurrencies warns, in a rule set that declares no currencies, of a
// cap and a minimum that do not name the same currencies: cap 100 EUR |
// 120 USD with minimum 5 EUR serves USD players in the one and not in the
// other, and their runs end in an error. (With currencies declared, both
// are errors already, against the declaration.)
func (c *checker) limitCurrencies(r *RewardInfo, capSet, minSet lang.Setting) {
	if len(c.info.Currencies) > 0 || r.Cap == nil || r.Minimum == nil || r.Decl.Result.Kind != lang.ResultAmount {
		return
	}
	capCurs, minCurs := limitCurs(r.Cap), limitCurs(r.Minimum)
	if capCurs == nil || minCurs == nil {
		return
	}
	check := func(e lang.Expr, name string, have, other []string, otherName string) {
		var miss []string
		for _, code := range other {
			if !slices.Contains(have, code) {
				miss = append(miss, code)
			}
		}
		if len(miss) == 0 {
			return
		}
		c.warnf(e, lang.CodeMissingCurrency, "%s %s has no value for %s, which the %s has: the run of a player in %s ends in an error; add %s, or declare the currencies the rule set serves",
			name, lang.ExprString(e), andList(miss), otherName, orList(miss), amountsFor(miss))
	}
	check(capSet.(*lang.CapSetting).Value, "cap", capCurs, minCurs, "minimum")
	check(minSet.(*lang.MinimumSetting).Value, "minimum", minCurs, capCurs, "cap")
}

// limitCurs returns the currencies a cap or minimum has an amount for; nil
// when it is not money of known currencies.
func limitCurs(v *Value) []string {
	if len(v.PerCur) > 0 {
		out := make([]string, len(v.PerCur))
		for i, p := range v.PerCur {
			out[i] = p.Cur
		}
		return out
	}
	if v.Type.Kind == Money && v.Type.Cur != "" {
		return []string{v.Type.Cur}
	}
	return nil
}
