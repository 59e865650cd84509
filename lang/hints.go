package lang

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/promoc/promoc/vm/currency"
)

// This file holds the syntax errors that have a likely cause beyond what
// the grammar expected: a mistake a person makes often, explained in its
// own words and, where the fix is certain, with the text that fixes it.

// fixHint is a syntax error explained by its likely cause.
type fixHint struct {
	at  int    // index of the token the message is about
	msg string // the message
	fix string // text replacing toks[at] that fixes the error, or ""
}

// hint recognises a common mistake at the error; false when there is none.
func (e expectation) hint() (fixHint, bool) {
	tok := e.toks[e.i]
	if tok.EOF() {
		return fixHint{}, false
	}
	var prev lexer.Token
	if e.i > 0 {
		prev = e.toks[e.i-1]
	}
	switch {
	case e.head == `"else"`:
		return e.missingElse()
	case e.head == "LastWindow" && tok.Type == tokNumber:
		// last 2 months, last 1.5 days, last 7
		return e.windowLength(), true
	case tok.Type == tokIdent && prev.Type == tokNumber && isLowerCode(tok.Value) && !e.nextIs("(", "."):
		// give 5 eur
		upper := strings.ToUpper(tok.Value)
		return fixHint{at: e.i, msg: fmt.Sprintf("currency codes are written in capitals: %s %s", prev.Value, upper), fix: upper}, true
	case tok.Type == tokIdent && prev.Type == tokNumber && prev.Pos.Offset+len(prev.Value) == tok.Pos.Offset && exponent(prev.Value, tok.Value) != "":
		// give 1e3 EUR
		return fixHint{at: e.i, msg: fmt.Sprintf("numbers are written in full, without an exponent: %s%s is %s", prev.Value, tok.Value, exponent(prev.Value, tok.Value))}, true
	case tok.Type == tokPunct && tok.Value == "," && prev.Type == tokNumber && e.i+1 < len(e.toks) && (e.toks[e.i+1].Type == tokNumber || e.toks[e.i+1].Type == tokMoney) && !strings.Contains(prev.Value, ".") &&
		prev.Pos.Offset+len(prev.Value) == tok.Pos.Offset && tok.Pos.Offset+1 == e.toks[e.i+1].Pos.Offset:
		// give 5,50 EUR (written together: 5, 50 is a list)
		return e.decimalComma(), true
	case tok.Value == "/" && (tok.Type == tokPunct || tok.Type == tokOperator) && e.i+1 < len(e.toks) && e.toks[e.i+1].Value == "*" && tok.Pos.Offset+1 == e.toks[e.i+1].Pos.Offset:
		// /* a comment */
		return fixHint{at: e.i, msg: `unexpected "/*": comments start with // and run to the end of the line; there are no /* */ comments`}, true
	case tok.Value == "*" && prev.Value == "/" && prev.Pos.Offset+1 == tok.Pos.Offset:
		// give 1 EUR /* a comment */: the "/" read as a division
		return fixHint{at: e.i - 1, msg: `unexpected "/*": comments start with // and run to the end of the line; there are no /* */ comments`}, true
	case tok.Type == tokPunct && tok.Value == "|" && prev.Type == tokNumber:
		// cap 100 | 120 USD
		return fixHint{at: e.i - 1, msg: fmt.Sprintf("the amount %s has no currency: in a per-currency value every amount names its currency, as in %s", prev.Value, perCurrencyExample(prev.Value, e.nextMoney()))}, true
	case tok.Value == "-" && prev.Value == "|" && e.head == "<money>":
		// cap 1 EUR | -2 USD
		return fixHint{at: e.i, msg: fmt.Sprintf("the amounts of a per-currency value are written without a sign: a negative value is written -(%s), which negates each of its amounts", e.unsignedPerCurrency())}, true
	case tok.Type == tokNumber && prev.Type == tokPunct && prev.Value == "|":
		// cap 100 EUR | 120
		return fixHint{at: e.i, msg: fmt.Sprintf("the amount %s has no currency: in a per-currency value every amount names its currency, as in %s", tok.Value, perCurrencyExample(tok.Value, e.prevMoney()))}, true
	case tok.Type == tokPunct && tok.Value == "=" && e.head != `":"` && e.head != `"="` && prev.Value != "default":
		// category = "slots"
		example := `category == "slots"`
		if prev.Type == tokIdent || prev.Type == tokContextual {
			if e.i+1 < len(e.toks) && !e.toks[e.i+1].EOF() {
				example = prev.Value + " == " + e.toks[e.i+1].Value
			}
		}
		return fixHint{at: e.i, msg: fmt.Sprintf(`unexpected "=": compare with ==, as in %s`, example), fix: "=="}, true
	case (tok.Type == tokKeyword || tok.Value == "entrance") && isRuleClauseWord(tok.Value) && e.head == `"}"` && e.innermost() == "reward":
		// budget 1000 EUR inside a reward
		return fixHint{at: e.i, msg: fmt.Sprintf("%s is a clause of automation rules and campaigns, not of a reward: declare an automation or a campaign that gives this reward by name, as in automation NAME { ... give REWARD }", tok.Value)}, true
	case tok.Type == tokKeyword && reservedFor(tok.Value) != "" && (e.head == "" || e.head == `"}"`):
		return fixHint{at: e.i, msg: fmt.Sprintf("%s is reserved for %s, which the language does not have yet (spec/design.md)", tok.Value, reservedFor(tok.Value))}, true
	case tok.Type == tokIdent && (e.head == "" || e.head == `"}"`):
		// A misspelt keyword: minimun 5 EUR, rewrd cashback: amount.
		words, what := e.wordsHere()
		if s := Suggest(tok.Value, words); s != "" {
			return fixHint{at: e.i, msg: fmt.Sprintf("%s %s (did you mean %s?)", what, tok.Value, s), fix: s}, true
		}
	}
	return fixHint{}, false
}

// windowLength explains a window length the grammar does not take, at its
// number: a unit the language does not have (months, years), a fraction of
// a unit, or no unit at all.
func (e expectation) windowLength() fixHint {
	tok := e.toks[e.i]
	next := ""
	if e.i+1 < len(e.toks) && !e.toks[e.i+1].EOF() {
		next = e.toks[e.i+1].Value
	}
	unit := strings.TrimSuffix(next, "s")
	switch {
	case unit == "month" || unit == "year":
		return fixHint{at: e.i, msg: fmt.Sprintf("a window has no %s unit: write last full month for the calendar month, or a length in days, as in last 30 days", unit)}
	case strings.Contains(tok.Value, "."):
		example := ""
		// The length in the largest smaller unit that holds it whole:
		// 1.5 days is 36 hours, 2.5 weeks 420 hours, 0.1 hours 6 minutes.
		smaller := []struct {
			unit string
			n    int64 // of this unit in the one before
		}{{"week", 1}, {"day", 7}, {"hour", 24}, {"minute", 60}}
		if r, ok := new(big.Rat).SetString(tok.Value); ok {
			found := false
			for _, s := range smaller {
				if found {
					r.Mul(r, big.NewRat(s.n, 1))
					if r.IsInt() {
						example = r.Num().String() + " " + s.unit + "s"
						break
					}
				}
				found = found || s.unit == unit
			}
		}
		if example == "" { // 1.5 minutes, 1.33 days, or no unit
			return fixHint{at: e.i, msg: "a window's length is a whole number of minutes, hours, days or weeks, as in last 90 minutes"}
		}
		return fixHint{at: e.i, msg: fmt.Sprintf("a window's length is a whole number of minutes, hours, days or weeks: write %s %s in a smaller unit, as in %s", tok.Value, next, example)}
	}
	return fixHint{at: e.i, msg: fmt.Sprintf("a window's length needs a unit, minutes, hours, days or weeks, as in last %s days", tok.Value)}
}

// decimalComma explains a comma written in a number, at the comma. Three
// digits after it (1,000 EUR) may be a thousands separator as well as a
// decimal comma: the message names both readings and offers no fix, which
// would make a thousand one.
func (e expectation) decimalComma() fixHint {
	whole, next := e.toks[e.i-1].Value, e.toks[e.i+1].Value
	frac := next[:len(next)-len(strings.TrimLeft(next, "0123456789"))]
	if len(frac) == 3 {
		return fixHint{at: e.i, msg: fmt.Sprintf("numbers are written without a thousands separator, and decimals with a point: write %s%s for thousands or %s.%s for a decimal", whole, frac, whole, frac)}
	}
	return fixHint{at: e.i, msg: fmt.Sprintf("decimals are written with a point, not a comma: %s.%s", whole, next), fix: "."}
}

// exponent returns the number that mantissa written before e (the token
// after the number, such as e3 or E-2) stands for, in full, or "" when e is
// not an exponent of at most 2 digits.
func exponent(mantissa, e string) string {
	if len(e) < 2 || (e[0] != 'e' && e[0] != 'E') {
		return ""
	}
	digits := e[1:]
	if len(digits) > 2 {
		return ""
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return ""
		}
	}
	r, ok := new(big.Rat).SetString(mantissa + "e" + digits)
	if !ok {
		return ""
	}
	// Exactly: 1.25e1 is 12.5, not 13.
	decimals := 0
	if _, frac, ok := strings.Cut(mantissa, "."); ok {
		exp := 0
		for i := 0; i < len(digits); i++ {
			exp = exp*10 + int(digits[i]-'0')
		}
		decimals = max(len(frac)-exp, 0)
	}
	return r.FloatString(decimals)
}

// nextIs reports whether the token after the error is one of vals.
func (e expectation) nextIs(vals ...string) bool {
	if e.i+1 >= len(e.toks) || e.toks[e.i+1].EOF() {
		return false
	}
	for _, v := range vals {
		if e.toks[e.i+1].Value == v {
			return true
		}
	}
	return false
}

// isLowerCode reports whether s is a currency code of the table written in
// small letters, such as eur; pts or max, which name no currency, are not.
func isLowerCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return currency.Known(strings.ToUpper(s))
}

// missingElse explains a missing else of if-then-else at its if: the token
// where the parser noticed is on the next line, far from the mistake.
func (e expectation) missingElse() (fixHint, bool) {
	depth := 0
	for k := e.i - 1; k >= 0; k-- {
		t := e.toks[k]
		if t.Type != tokKeyword {
			continue
		}
		switch t.Value {
		case "else":
			depth++
		case "if":
			if depth == 0 {
				return fixHint{at: k, msg: `this if has no else: an if gives a value either way, as in "if a > 1 then 50 else 0"`}, true
			}
			depth--
		}
	}
	return fixHint{}, false
}

// perCurrencyExample writes the per-currency value 100 EUR | 120 USD with
// amount n first, in a currency other than the one of other.
func perCurrencyExample(n, other string) string {
	first, second := "EUR", "USD"
	if strings.HasSuffix(other, "EUR") {
		first, second = "USD", "EUR"
	}
	if other == "" {
		return n + " " + first + " | 120 " + second
	}
	return n + " " + first + " | " + other
}

// unsignedPerCurrency writes the per-currency value around a minus at the
// error without its signs: 1 EUR | -2 USD | 3 GBP is 1 EUR | 2 USD | 3 GBP.
func (e expectation) unsignedPerCurrency() string {
	var amounts []string
	for k := e.i - 1; k >= 1 && e.toks[k].Value == "|" && e.toks[k-1].Type == tokMoney; k -= 2 {
		amounts = append([]string{e.toks[k-1].Value}, amounts...) // the amounts before, each after a "|" or first
	}
	for k := e.i; k < len(e.toks); {
		for k < len(e.toks) && e.toks[k].Value == "-" {
			k++
		}
		if k >= len(e.toks) || e.toks[k].Type != tokMoney {
			break
		}
		amounts = append(amounts, e.toks[k].Value)
		if k+1 >= len(e.toks) || e.toks[k+1].Value != "|" {
			break
		}
		k += 2
	}
	return strings.Join(amounts, " | ")
}

// nextMoney returns the first money token after the error, or "".
func (e expectation) nextMoney() string {
	for k := e.i + 1; k < len(e.toks) && k <= e.i+4; k++ {
		if e.toks[k].Type == tokMoney {
			return e.toks[k].Value
		}
	}
	return ""
}

// prevMoney returns the nearest money token before the error, or "".
func (e expectation) prevMoney() string {
	for k := e.i - 1; k >= 0 && k >= e.i-4; k-- {
		if e.toks[k].Type == tokMoney {
			return e.toks[k].Value
		}
	}
	return ""
}

// wordsHere lists the keywords that may begin what comes at the error: the
// settings and statements of a reward, the statements of a block, the
// branches of tiers, the clauses of a test or a rule, or the declarations;
// what names them, for the message about a misspelt one.
func (e expectation) wordsHere() (words []string, what string) {
	switch e.innermost() {
	case "":
		return []string{"kind", "player", "currencies", "template", "const", "reward", "test", "automation", "campaign"}, "unknown declaration"
	case "reward":
		return []string{"window", "round", "cap", "minimum", "approval", "let", "give", "skip", "check", "tiers"}, "unknown setting or statement"
	case "check", "branch":
		return []string{"let", "give", "skip", "check", "tiers"}, "unknown statement"
	case "tiers":
		return []string{"above", "below", "at", "else"}, "unknown tier condition"
	case "automation", "campaign":
		return ruleClauseWords, "unknown clause"
	case "test":
		return []string{"reward", "automation", "campaign", "now", "player", "transactions", "events", "repeat", "advance", "update", "approve", "reject", "budget", "load", "rates", "anchors", "expect"}, "unknown test clause"
	}
	return nil, ""
}

// isRuleClauseWord reports whether s begins a clause that belongs to
// automation rules and campaigns only.
func isRuleClauseWord(s string) bool {
	switch s {
	case "trigger", "segment", "budget", "split", "entrance":
		return true
	}
	return false
}

// reservedFor says what a reserved keyword is kept for, or "" when it is
// not one of those kept for the declarations of spec/design.md.
func reservedFor(word string) string {
	return "" // none since payouts were built (payoutgrammar.go); kept for the next
}
