package lang

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// explain turns participle's error into a message for a person: what was
// expected, in words, where, and what was found instead. participle names
// what it expected as the rest of a grammar sequence in EBNF, such as
// `":" ResultType "{" Item* "}"`; explain looks at its first element and at
// the tokens before the error, never printing grammar or token names.
//
// It also returns the text that would fix the error by replacing the span,
// for an editor's quick fix, or "".
func explain(err error, toks []lexer.Token, b *builder) (Span, string, string) {
	var ute *participle.UnexpectedTokenError
	if !errors.As(err, &ute) {
		var perr participle.Error
		if errors.As(err, &perr) {
			p := b.pos(perr.Position())
			return Span{p, p}, perr.Message(), ""
		}
		p := b.pos(toks[len(toks)-1].Pos) // not reached: participle's errors have positions
		return Span{p, p}, err.Error(), ""
	}
	e := expectation{toks: toks, i: tokenIndex(toks, ute.Unexpected.Pos.Offset), head: expectedHead(ute.Message())}
	at, msg := e.message()
	fix := ""
	if h, ok := e.hint(); ok {
		at, msg, fix = h.at, h.msg, h.fix
	}
	tok := toks[at]
	if tok.EOF() {
		p := b.pos(tok.Pos)
		return Span{p, p}, msg, fix
	}
	return b.tokSpan(tok), msg, fix
}

// expectation is what the parser expected at toks[i].
type expectation struct {
	toks []lexer.Token
	i    int    // index of the unexpected token
	head string // the first element of participle's expected sequence, or ""
}

// message returns the message and the index of the token it is about.
func (e expectation) message() (int, string) {
	tok := e.toks[e.i]
	switch {
	case tok.EOF():
		if open := e.openBlock(); open != "" {
			return e.i, fmt.Sprintf("unexpected end of file: missing \"}\" for %s", open)
		}
		return e.i, fmt.Sprintf("unexpected end of file: expected %s%s", e.want(), e.after())
	case e.head == `"}"` && startsDecl(e.toks, e.i):
		return e.i, fmt.Sprintf("missing \"}\" for %s before the next declaration", e.openBlock())
	case e.head == `":"` && e.i > 0 && startsDecl(e.toks, e.i-1) && (e.innermost() == "kind" || e.innermost() == "player"):
		// A field may be called kind: this is the next declaration.
		return e.i - 1, fmt.Sprintf("missing \"}\" for %s before the next declaration", e.openBlockBefore(e.i-1))
	case e.i > 0 && isTestClauseWord(e.toks[e.i-1].Value) && describe(e.head) == describe("TestValue") && e.innermostField():
		// A clause after a field block left open: player { currency EUR expect ...
		return e.i - 1, fmt.Sprintf("missing \"}\" for %s before the next clause", e.openBlockBefore(e.i-1))
	case e.head == "" && tok.Value == "}":
		return e.i, `unexpected "}": no block is open here`
	case (e.head == "<ident>" || e.head == "(<ident> | <contextual>)") && (tok.Type == tokKeyword || tok.Type == tokContextual):
		if later := reservedFor(tok.Value); later != "" {
			return e.i, fmt.Sprintf("%s is reserved for %s, which the language does not have yet (spec/design.md), and cannot be a name", tok.Value, later)
		}
		return e.i, fmt.Sprintf("%s is a keyword and cannot be a name", tok.Value)
	case tok.Type == tokKeyword && describe(e.head) == "an expression":
		return e.i, fmt.Sprintf("expected an expression%s, found the keyword %q", e.after(), tok.Value)
	}
	return e.i, fmt.Sprintf("expected %s%s, found %s", e.want(), e.after(), found(tok))
}

// startsDecl reports whether toks[j] is the keyword that begins a
// declaration: template is also a result type, and player also begins a
// property or a zone.
func startsDecl(toks []lexer.Token, j int) bool {
	t := toks[j]
	if t.Value == "offer" && t.Type == tokContextual { // contextual: offer spa_day {
		return j+2 < len(toks) && (toks[j+1].Type == tokIdent || toks[j+1].Type == tokContextual) && toks[j+2].Value == "{"
	}
	if t.Value == "attribution" && t.Type == tokIdent { // attribution last click within ...
		return j+1 < len(toks) && toks[j+1].Value == "last"
	}
	if t.Type != tokKeyword {
		return false
	}
	switch t.Value {
	case "kind", "const", "reward", "test", "automation", "campaign", "payout":
		return true
	case "template":
		return j == 0 || toks[j-1].Value != ":"
	case "player":
		return j+1 < len(toks) && toks[j+1].Value == "{"
	}
	return false
}

// want describes the expected head in words.
func (e expectation) want() string {
	switch e.head {
	case "":
		return "a declaration (kind, player, currencies, template, const, reward, automation, campaign or offer)"
	case `"}"`:
		return e.wantInBlock()
	case `"{"`, "Block":
		return `"{"`
	case `((":" Stmt) | Block)`:
		return `":" or "{"`
	case `(<ident> | <contextual> | <keyword>)`:
		if e.i > 0 && e.toks[e.i-1].Value == ":" {
			return "a type (" + typeList + ")"
		}
	}
	return describe(e.head)
}

// wantInBlock describes what may come at a point where a block could also
// end: participle only says it expected "}", as the list before it is
// optional.
func (e expectation) wantInBlock() string {
	switch e.innermost() {
	case "reward":
		return `a setting (window, round, cap, minimum, approval) or a statement (let, give, skip, check, tiers)`
	case "kind", "player":
		return `a field such as "amount: money", or "}"`
	case "tiers":
		return `a tier condition such as "above 500 EUR", "at least 100 EUR" or "else"`
	case "check", "branch":
		return `a statement (let, give, skip, check or tiers) or "}"`
	case "automation", "campaign":
		return `a clause (` + strings.Join(ruleClauseWords, ", ") + `) or "}"`
	case "test":
		return `a test clause (reward, now, player, transactions, repeat, load, rates, anchors or expect) or "}"`
	case "player block", "rates", "anchors":
		return `a name and a value, such as "vip_level 3", or "}"`
	case "repeat":
		return `an attribute and its value, such as "amount 1 EUR", or "}"`
	case "transactions":
		return `column names, then one value per column in each row, or "}"`
	}
	return `"}"`
}

// after says where the expectation arises, from the tokens before it.
func (e expectation) after() string {
	if e.i == 0 {
		return ""
	}
	prev := e.toks[e.i-1]
	switch {
	case e.head == `"{"` || e.head == "Block":
		switch e.innermostOpener() {
		case "reward":
			return " after the reward's result type"
		case "check":
			return " after the check condition"
		case "tiers":
			return " after the tiers subject"
		case "branch":
			return " after the tier condition"
		}
	case e.head == "ResultType":
		if e.i >= 3 && e.toks[e.i-3].Value == "reward" {
			return fmt.Sprintf(" after %q", "reward "+e.toks[e.i-2].Value+":")
		}
	case e.head == `((":" Stmt) | Block)`:
		return " after the tier condition"
	case e.head == `"else"`:
		return ` to finish "if ... then ..."`
	case e.head == `"then"`:
		return ` after the condition of "if"`
	case e.head == `"}"` || e.head == "" || e.head == `")"` || e.head == `"]"`:
		return ""
	}
	if prev.Type == tokIdent && e.i >= 2 && declaresName(e.toks[e.i-2].Value) {
		return fmt.Sprintf(" after %q", e.toks[e.i-2].Value+" "+prev.Value) // after "reward cashback"
	}
	if prev.Type == tokString || len(prev.Value) > 20 {
		return ""
	}
	return fmt.Sprintf(" after %q", prev.Value)
}

// declaresName reports whether the keyword s is followed by the name it
// declares.
func declaresName(s string) bool {
	switch s {
	case "kind", "template", "const", "reward", "let", "automation", "campaign":
		return true
	}
	return false
}

// found renders the unexpected token, shortened when it is long.
func found(t lexer.Token) string {
	v := t.Value
	if len(v) > 30 {
		cut := 27
		for cut > 0 && !utf8.RuneStart(v[cut]) {
			cut--
		}
		v = v[:cut] + "..."
		if t.Type == tokString {
			v += `"`
		}
	}
	if t.Type == tokString {
		return "the string " + v
	}
	return strconv.Quote(v)
}

// literalChoice writes a group of keywords the grammar expects, such as
// ("publisher" | "revenue"), as "publisher or revenue"; "" when head is not
// such a group.
func literalChoice(head string) string {
	inner, ok := strings.CutPrefix(head, "(")
	if !ok {
		return ""
	}
	if inner, ok = strings.CutSuffix(inner, ")"); !ok {
		return ""
	}
	var words []string
	for _, alt := range strings.Split(inner, " | ") {
		w, ok := strings.CutPrefix(alt, `"`)
		if !ok {
			return ""
		}
		if w, ok = strings.CutSuffix(w, `"`); !ok || w == "" || strings.ContainsAny(w, `" ()|`) {
			return ""
		}
		words = append(words, w)
	}
	if len(words) < 2 {
		return ""
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// describe names in words an element that participle expected: a grammar
// production, a token type, a literal or a group.
func describe(head string) string {
	switch head {
	case "Primary", "Expr", "Term", "Unary":
		return "an expression"
	case "CondExpr":
		return "a condition"
	case "ResultType":
		return "a result type (amount, template, points, gems or diamonds)"
	case "Window":
		return `a window such as "last 7 days", "last full week" or "from 2026-11-01 to 2026-11-08"`
	case "LastWindow":
		return `a length such as "7 days", or "full day", "full week", "full month" or "weekend"`
	case "FromWindow":
		return `a date such as 2026-11-01, "first transaction" or "qualification"`
	case "BetweenWindow":
		return `"first transaction" or "qualification"`
	case "Within":
		return `a timeout such as "within 7 days"`
	case "PlayerExpr":
		return "a player property name"
	case "Field":
		return `a field such as "amount: money"`
	case "TierBranch":
		return `a tier condition such as "above 500 EUR", "at least 100 EUR" or "else"`
	case "Stmt":
		return "a statement (let, give, skip, check or tiers)"
	case "<ident>", `(<ident> | <contextual>)`, `(<ident> | <contextual> | <keyword>)`:
		return "a name"
	case "<string>":
		return "a string in double quotes"
	case "<money>":
		return "an amount of money such as 10 EUR"
	case "<number>":
		return "a number"
	case "<percent>":
		return "a percentage such as 5%"
	case "<datetime>":
		return "a date such as 2026-11-01"
	case "<duration>":
		return `a duration such as "7 days"`
	case `"and"`:
		return `"and last transaction"`
	case `("balance" | "leaderboard" | "level")`:
		return "balance, leaderboard or level"
	case `("nearest" | "down" | "up")`:
		return "a rounding mode (nearest, down or up)"
	case `("auto" | "manual")`:
		return "auto or manual"
	case `("least" | "most")`:
		return `"least" or "most"`
	case `("day" | "week" | "month")`:
		return "day, week or month"
	case `(("player" "zone") | <string>)`:
		return `a time zone such as "Europe/Malta", or "player zone"`
	case `("last" "transaction")`:
		return `"last transaction"`
	case `("first" "transaction")`:
		return `"first transaction"`
	case `("player" "zone")`:
		return `"player zone"`
	case `("since" "entrance")`:
		return `"since entrance"`
	case "CurrenciesDecl":
		return "currencies and their codes, as in \"currencies EUR, USD\""
	case "TestField":
		return `a name and a value, such as "vip_level 3"`
	case "TestValue":
		return `a value such as 10 EUR, 3, "MT", 2026-11-20 18:00 or true`
	case "ExpectReason":
		return `a reason code such as no-matching-transactions, or the skip's text in double quotes`
	case "ReasonCode":
		return "a reason code such as no-matching-transactions"
	case "ExpectLet":
		return `a let and its value, as in "bets == 200 EUR"`
	case "ExpectAggregation":
		return `a transaction kind and a count, as in "bet matched 3"`
	case `(("calculated" TestValue) | ("skipped" ExpectReason) | ("error" ExpectReason) | "manual" | ("branch" <string>) | ("let" ExpectLet) | ("aggregation" ExpectAggregation) | ("window" ExpectWindow) | ("rewards" <number>) | ("outcome" ExpectStep) | ("budget" "left" TestValue) | ExpectRuleStatus | ("group" ExpectGroup))`:
		return "calculated, skipped, error, manual, branch, let, aggregation, window, rewards, outcome, budget left, campaign, automation or group"
	case "ExpectStep":
		return `the number of an outcome and its status, as in "1 issued 10.00 EUR" or "2 skipped qualification-limit"`
	case `((("issued" | "waiting") TestValue?) | ("skipped" ExpectReason) | ("rejected" <string>?))`:
		return "issued, waiting, skipped or rejected"
	case "ExpectRuleStatus":
		return `"campaign" or "automation" and a status, as in "campaign suspended"`
	case `("suspended" | "active")`:
		return "suspended or active"
	case "ExpectGroup":
		return `a player and a group, as in "p1 control"`
	case `(<money> | <number> | <string> | <datetime> | <duration> | <percent> | "true" | "false" | <ident>)`:
		return describe("TestValue")
	case "RuleEvent":
		return `an event: "on deposit", "on first deposit", "every 100 bet", "inactive 14 days" or "schedule every Monday 00:00"`
	case "OnEvent":
		return `a transaction kind, or "first" and a kind`
	case "EveryEvent":
		return `a number of events and their kind, as in "every 100 bet"`
	case "InactiveEvent":
		return `a duration such as "14 days"`
	case "ScheduleEvent":
		return `a cron schedule in double quotes, such as "0 0 * * 1", or "every" with a day and a time, as in "every Monday 00:00"`
	case "ClockTime":
		return `day or a weekday and a time, as in "Monday 00:00"`
	case "QualLimit":
		return `"at most" and a number of rewards, as in "at most 3 rewards"`
	case "SplitArm":
		return `a variant such as "variant generous 45%: give weekend_cashback", or "control 10%"`
	case `("automation" | "campaign")`:
		return "automation or campaign"
	case `("rewards" | "reward" | "messages" | "message")`:
		return "rewards or messages"
	case `("rewards" | "reward")`:
		return "rewards"
	case `("calculated" | "issued" | "skipped")`:
		return "calculated, issued or skipped"
	case "ExpectWindow":
		return `"from" and a date, as in "from 2026-11-16 00:00 to 2026-11-23 00:00"`
	case "VouchersClause":
		return `an offer and its voucher codes, as in vouchers spa_day "SPA-0001" "SPA-0002"`
	case "OfferDecl":
		return `an offer, as in offer spa_day { reference "SPA-2026" }`
	case "OfferClause":
		return `a clause of an offer: reference, name, description, requires vouchers, needs synchronization, image, web or field`
	case "OfferField":
		return `a field such as "partner: string = \"Hotel Phoenicia\""`
	case `(<ident> | <contextual> | <string>)`:
		return `a player's id (a name such as p1, or a string such as "p-1")`
	case "PayoutDecl":
		return `a payout, as in payout cpa: publisher on conversion registration { give 25 EUR }`
	case "AttributionDecl":
		return `an attribution window, as in attribution last click within 30 days`
	}
	if strings.HasPrefix(head, `"`) {
		return head
	}
	if words := literalChoice(head); words != "" {
		return words
	}
	return "something else" // a production without a description: see TestExplainCoversGrammar
}

// expectedHead extracts the first element of the sequence in participle's
// message `unexpected token "x" (expected A B C)`: a quoted literal, a token
// type <name>, a production Name, or a parenthesised group.
func expectedHead(msg string) string {
	const marker = " (expected "
	k := strings.LastIndex(msg, marker)
	if k < 0 || !strings.HasSuffix(msg, ")") {
		return ""
	}
	s := msg[k+len(marker) : len(msg)-1]
	if s == "" {
		return ""
	}
	switch s[0] {
	case '"':
		if q, err := strconv.QuotedPrefix(s); err == nil {
			return q
		}
	case '(':
		depth, inString := 0, false
		for j := 0; j < len(s); j++ {
			switch c := s[j]; {
			case inString && c == '\\':
				j++
			case c == '"':
				inString = !inString
			case inString:
			case c == '(':
				depth++
			case c == ')':
				depth--
				if depth == 0 {
					return s[:j+1]
				}
			}
		}
	}
	if j := strings.IndexAny(s, " ?*+"); j >= 0 {
		return s[:j]
	}
	return s
}

// tokenIndex returns the index of the token at offset; an EOF at the end.
func tokenIndex(toks []lexer.Token, offset int) int {
	lo, hi := 0, len(toks)
	for lo < hi {
		mid := (lo + hi) / 2
		if toks[mid].Pos.Offset < offset {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo >= len(toks) {
		return len(toks) - 1
	}
	return lo
}

// openBrace is an open "{" found by scanning the tokens before the error.
type openBrace struct {
	kind string // reward, kind, player, check, tiers or branch
	desc string // for messages: "reward cashback", "the check on line 4"
}

// openBraces returns the braces open before toks[end], innermost last.
func (e expectation) openBraces(end int) []openBrace {
	var open []openBrace
	decl := -1 // index of the keyword of the current declaration
	for j := 0; j < end; j++ {
		t := e.toks[j]
		if len(open) == 0 && startsDecl(e.toks, j) {
			decl = j
		}
		switch t.Value {
		case "{":
			if t.Type == tokPunct {
				open = append(open, e.opener(j, decl, len(open)))
			}
		case "}":
			if t.Type == tokPunct && len(open) > 0 {
				open = open[:len(open)-1]
			}
		}
	}
	return open
}

// opener describes the brace at toks[j].
func (e expectation) opener(j, decl, depth int) openBrace {
	if depth == 0 && decl >= 0 {
		kw := e.toks[decl].Value
		switch {
		case kw == "player":
			return openBrace{"player", "the player block"}
		case decl+1 < j:
			return openBrace{kw, kw + " " + e.toks[decl+1].Value}
		}
		return openBrace{kw, kw}
	}
	if decl >= 0 && e.toks[decl].Value == "test" {
		if b, ok := e.testOpener(j); ok {
			return b
		}
	}
	for k := j - 1; k > decl && k >= 0; k-- {
		t := e.toks[k]
		if t.Type != tokKeyword {
			continue
		}
		line := t.Pos.Line
		switch t.Value {
		case "check":
			return openBrace{"check", fmt.Sprintf("the check on line %d", line)}
		case "tiers":
			return openBrace{"tiers", fmt.Sprintf("the tiers on line %d", line)}
		case "above", "below", "at":
			return openBrace{"branch", fmt.Sprintf("the tier branch on line %d", line)}
		case "else":
			if k+1 == j {
				return openBrace{"branch", fmt.Sprintf("the tier branch on line %d", line)}
			}
		}
	}
	return openBrace{"", "a block"}
}

// openBlock describes the innermost brace open at the error, or "".
func (e expectation) openBlock() string { return e.openBlockBefore(e.i) }

// openBlockBefore describes the innermost brace open before toks[end].
func (e expectation) openBlockBefore(end int) string {
	open := e.openBraces(end)
	if len(open) == 0 {
		return ""
	}
	return open[len(open)-1].desc
}

// innermost is the kind of the innermost brace open at the error.
func (e expectation) innermost() string {
	open := e.openBraces(e.i)
	if len(open) == 0 {
		return ""
	}
	return open[len(open)-1].kind
}

// innermostOpener is the construct whose "{" is expected at the error: the
// nearest keyword that opens a block, looking back from the error and not
// beyond the start of the declaration.
func (e expectation) innermostOpener() string {
	for k := e.i - 1; k >= 0; k-- {
		t := e.toks[k]
		if t.Type != tokKeyword {
			continue
		}
		switch t.Value {
		case "reward", "check", "tiers":
			return t.Value
		case "above", "below", "at":
			return "branch"
		case "else": // of a tier branch, not of if-then-else
			if next := e.toks[k+1].Value; next == ":" || next == "{" {
				return "branch"
			}
		case "kind", "const":
			return t.Value
		case "test", "automation", "campaign", "payout": // another declaration: none of these
			return ""
		case "template": // a declaration, or the result type of a reward
			if startsDecl(e.toks, k) {
				return t.Value
			}
		case "player": // a declaration, a property or a zone
			if next := e.toks[k+1].Value; next != "." && next != "zone" {
				return t.Value
			}
		}
	}
	return ""
}

// testOpener describes the brace at toks[j] when it opens a block of a test
// clause: player { ... }, transactions bet { ... }, and so on.
func (e expectation) testOpener(j int) (openBrace, bool) {
	at := func(back int, word string) bool {
		return j-back >= 0 && e.toks[j-back].Value == word && e.toks[j-back].Type != tokString
	}
	line := func(back int) int { return e.toks[j-back].Pos.Line }
	switch {
	case at(1, "player"):
		return openBrace{"player block", fmt.Sprintf("the player block on line %d", line(1))}, true
	case at(1, "rates"), at(1, "anchors"):
		w := e.toks[j-1].Value
		return openBrace{w, fmt.Sprintf("the %s on line %d", w, line(1))}, true
	case at(2, "transactions"):
		return openBrace{"transactions", fmt.Sprintf("transactions %s on line %d", e.toks[j-1].Value, line(2))}, true
	case at(7, "repeat"):
		return openBrace{"repeat", fmt.Sprintf("the repeat on line %d", line(7))}, true
	}
	return openBrace{}, false
}

// isTestClauseWord reports whether s begins a clause of a test.
func isTestClauseWord(s string) bool {
	switch s {
	case "reward", "now", "player", "transactions", "repeat", "load", "rates", "anchors", "expect", "vouchers":
		return true
	}
	return false
}

// innermostField reports whether the innermost brace open at the error is
// a block of names and values in a test.
func (e expectation) innermostField() bool {
	switch e.innermost() {
	case "player block", "rates", "anchors", "repeat":
		return true
	}
	return false
}
