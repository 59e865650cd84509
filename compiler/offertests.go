package compiler

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/promoc/promoc/lang"
)

// This file checks what event-sequence tests say of offers (spec/spec.md,
// section 15): the vouchers clause, which fills an offer's pool of codes
// before the events, and the voucher code an expect outcome names.

// voucherCodeChars bounds a voucher code, in characters, as the store does
// (store.VoucherCodeChars, which the compiler does not import).
const voucherCodeChars = 100

// vouchers checks a vouchers clause: an offer of the rule set that
// requires vouchers, and codes that the store takes.
func (c *testChecker) vouchers(cl *lang.VouchersClause) {
	id := cl.Offer
	o := c.rules.Offer(id.Name)
	if o == nil {
		var names []string
		for _, x := range c.rules.Offers {
			names = append(names, x.Symbol.Name)
		}
		c.errorf(id, lang.CodeUndefinedOffer, "unknown offer %s%s", id.Name, didYouMean(id.Name, names))
		return
	}
	c.info.Uses[id] = o.Symbol
	if !o.RequiresVouchers {
		c.errorf(id, lang.CodeInvalidTest, "offer %s does not require vouchers, so it has no codes to import: add requires vouchers to the offer, or leave out this clause", id.Name)
		return
	}
	for _, code := range cl.Codes {
		v := code.Value
		switch {
		case strings.TrimSpace(v) == "":
			c.errorf(code, lang.CodeInvalidTest, "a voucher code is not empty")
		case utf8.RuneCountInString(v) > voucherCodeChars:
			c.errorf(code, lang.CodeInvalidTest, "a voucher code has at most %d characters, and this one has %d", voucherCodeChars, utf8.RuneCountInString(v))
		case strings.ContainsFunc(v, unicode.IsControl):
			c.errorf(code, lang.CodeInvalidTest, "a voucher code holds no control character")
		case strings.TrimSpace(v) != v:
			c.errorf(code, lang.CodeInvalidTest, "a voucher code has no blank at either end: write %q", strings.TrimSpace(v))
		}
	}
}

// expectCode checks the value of an expect outcome of a rule that gives
// offers only: the voucher code assigned, a string, for an offer that
// requires vouchers.
func (c *testChecker) expectCode(r *RuleInfo, e lang.Expr) {
	t, _ := c.testValue(e)
	if t.Kind == Invalid {
		return
	}
	name := r.Decl.Kind.String() + " " + r.Symbol.Name
	vouchers := false
	for _, o := range r.Offers {
		vouchers = vouchers || o.RequiresVouchers
	}
	switch {
	case !vouchers:
		c.errorf(e, lang.CodeInvalidTest, "%s gives offer %s, which takes no voucher code: leave out the value, as in expect outcome 1 issued", name, r.Offers[0].Symbol.Name)
	case t.Kind != String:
		c.errorf(e, lang.CodeInvalidTest, "%s gives offers, so expect outcome names the voucher code assigned, as in \"SPA-0001\", not a %s", name, t)
	}
}
