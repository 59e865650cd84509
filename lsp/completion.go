package lsp

import (
	"fmt"
	"strings"

	"github.com/tliron/glsp"
	protocol "github.com/tliron/glsp/protocol_3_16"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/vm/currency"
)

// completion proposes what may come at the cursor. It reads the place from
// the tokens of the current text, so it works on files that do not parse,
// and takes the declared names from the latest analysis in which the rule
// set parsed, without waiting for the analysis of the last keystroke.
func (s *Server) completion(_ *glsp.Context, p *protocol.CompletionParams) (any, error) {
	text, ok := s.text(p.TextDocument.URI)
	if !ok {
		return nil, nil
	}
	snap, good := s.latest(p.TextDocument.URI)
	m := newMapper(text)
	c := readContext(text, m.offset(p.Position))
	c.testFile = !isRuleFile(p.TextDocument.URI)
	items := s.complete(c, names(snap, good))
	if items == nil {
		items = []protocol.CompletionItem{}
	}
	return protocol.CompletionList{IsIncomplete: false, Items: items}, nil
}

// nameSet is what completion knows of a rule set's declarations: the
// latest analysis, completed by the latest that parsed (while a file does
// not parse, its broken declaration is missing from the latest).
type nameSet struct {
	snap      *snapshot
	kinds     []*compiler.Symbol
	props     []*compiler.Symbol
	templates []*compiler.Symbol
	consts    []*compiler.Symbol
	rewards   []*compiler.RewardInfo
	rules     []*compiler.RuleInfo
	offers    []*compiler.OfferInfo
}

func names(snap, good *snapshot) *nameSet {
	ns := &nameSet{snap: snap}
	seen := map[string]bool{}
	add := func(list *[]*compiler.Symbol, syms []*compiler.Symbol, prefix string) {
		for _, sym := range syms {
			if !seen[prefix+sym.Name] {
				seen[prefix+sym.Name] = true
				*list = append(*list, sym)
			}
		}
	}
	for _, sn := range []*snapshot{snap, good} {
		if sn == nil || sn.info == nil {
			continue
		}
		add(&ns.kinds, sn.info.Kinds, "kind:")
		add(&ns.props, sn.info.Props, "prop:")
		add(&ns.templates, sn.info.Templates, "")
		add(&ns.consts, sn.info.ConstSyms, "")
		for _, r := range sn.info.Rewards {
			if !seen["reward:"+r.Symbol.Name] {
				seen["reward:"+r.Symbol.Name] = true
				ns.rewards = append(ns.rewards, r)
			}
		}
		for _, o := range sn.info.Offers {
			if !seen["offer:"+o.Symbol.Name] {
				seen["offer:"+o.Symbol.Name] = true
				ns.offers = append(ns.offers, o)
			}
		}
		for _, r := range sn.info.Rules {
			if !seen["rule:"+r.Symbol.Name] {
				seen["rule:"+r.Symbol.Name] = true
				ns.rules = append(ns.rules, r)
			}
		}
	}
	return ns
}

func (ns *nameSet) kind(name string) *compiler.Symbol {
	for _, k := range ns.kinds {
		if k.Name == name {
			return k
		}
	}
	return nil
}

// letType returns the type of a let of a reward, when an analysis knows it.
func (ns *nameSet) letType(reward, name string) string {
	for _, r := range ns.rewards {
		if r.Symbol.Name != reward {
			continue
		}
		for _, l := range r.Lets {
			if l.Name == name {
				return typeText(l.Type)
			}
		}
	}
	return ""
}

// complete returns the items for a context.
func (s *Server) complete(c *cursorContext, ns *nameSet) []protocol.CompletionItem {
	if c.inComment {
		return nil
	}
	var out []protocol.CompletionItem
	last, last2 := c.last(1), c.last(2)
	item := c.item()
	head := ""
	if len(item) > 0 {
		head = item[0].Text
	}

	// After a dot: an attribute or a property.
	if last.Text == "." && last.Kind == lang.TokenPunct {
		if last2.Text == "player" {
			return s.propItems(ns)
		}
		if k := ns.kind(last2.Text); k != nil {
			return s.attrItems(k)
		}
		return nil
	}
	// After a number on the same line: a currency or a time unit (only a
	// time unit in an attribution's window).
	switch {
	case last.Kind == lang.TokenNumber && head == "attribution" && c.top() == nil && last.Span.End.Line == c.line:
		return durationUnitItems()
	case last.Kind == lang.TokenNumber && head != "round" && last.Span.End.Line == c.line && !ruleCount(c, head) &&
		!(head == "expect" && len(item) == 3 && item[1].Text == "outcome"):
		return s.unitItems(c.word)
	case last.Kind == lang.TokenMoney && c.word == "" && last.Span.End.Offset == c.wordStart:
		return s.unitItems(strings.TrimLeft(last.Text, "0123456789. \t"))
	}

	top := c.top()
	switch {
	case top == nil && c.testFile:
		if len(item) <= 1 || last.Text == "}" {
			return keywordItems(s, "test", "const")
		}
		return s.topItems(c, item, ns)
	case top == nil:
		return s.topItems(c, item, ns)
	case top.kind == frameTest:
		return s.testItems(c, item, ns)
	case top.kind == frameRule:
		return s.ruleItems(c, item, ns) // rulecompletion.go
	case top.kind == frameRuleBlock:
		return s.ruleBlockItems(c, item, ns)
	case top.kind == frameOffer:
		return s.offerBodyItems(c, item, ns) // offers.go
	case top.kind == frameOther && len(c.frames) >= 2 && c.frames[len(c.frames)-2].kind == frameTest:
		return s.clauseBlockItems(c, ns)
	case top.kind == frameKind_ || top.kind == framePlayer:
		if last.Text == ":" {
			return typeItems()
		}
		if last.Text == "default" || len(item) > 3 && item[3].Text == "default" {
			return s.exprItems(c, ns, false)
		}
		return nil
	case top.kind == frameTiers:
		switch {
		case last.Text == "at":
			return keywordItems(s, "least", "most")
		case head == "" || last.Text == "{" || last.Text == "}" || endsOperand(last) && !branchOpen(item):
			return keywordItems(s, "above", "below", "at least", "at most", "else")
		case last.Text == ":":
			return keywordItems(s, "give", "skip")
		}
		return s.exprItems(c, ns, false)
	case top.kind == frameParen || top.kind == frameBracket:
		return s.parenItems(c, ns)
	case top.kind == frameReward || top.kind == frameBlock:
		if items, ok := s.settingItems(c, item, top); ok {
			return items
		}
		switch {
		case last.Text == "let" || last.Text == "skip":
			return nil // a new name; a string
		case len(item) == 2 && head == "let":
			return nil
		case head == "" || last.Text == "{" || last.Text == "}":
			return s.statementItems(top)
		case last.Text == "give" && c.reward() != nil && c.reward().result == "template":
			out = s.templateItems(ns)
			return append(out, s.exprItems(c, ns, false)...)
		case endsOperand(last) && itemComplete(item, top):
			out = s.statementItems(top)
			return append(out, operatorItems(s)...)
		}
		return s.exprItems(c, ns, false)
	}
	return out
}

// testItems completes the clauses of a test: their keywords, the reward
// after reward, the rules after automation and campaign, kinds after
// transactions, the expectations after expect, and what each expectation
// takes.
func (s *Server) testItems(c *cursorContext, item []lang.Token, ns *nameSet) []protocol.CompletionItem {
	last := c.last(1)
	head := ""
	if len(item) > 0 {
		head = item[0].Text
	}
	n := len(item)
	clauses := func() []protocol.CompletionItem {
		var out []protocol.CompletionItem
		for _, w := range testClauses {
			out = append(out, completionItem(w, protocol.CompletionItemKindKeyword, "", s.spec.keyword("test:"+w)))
		}
		return out
	}
	switch {
	case head == "" || last.Text == "{" || last.Text == "}":
		return clauses()
	case head == "reward" && n == 1:
		var out []protocol.CompletionItem
		for _, r := range ns.rewards {
			out = append(out, completionItem(r.Symbol.Name, protocol.CompletionItemKindFunction, "reward: "+resultText(r.Decl.Result), r.Symbol.Doc))
		}
		return out
	case head == "vouchers" && n == 1:
		var out []protocol.CompletionItem
		for _, o := range ns.offers {
			if o.RequiresVouchers {
				out = append(out, s.offerItems(&nameSet{offers: []*compiler.OfferInfo{o}})...)
			}
		}
		return out
	case (head == "automation" || head == "campaign") && n == 1:
		var out []protocol.CompletionItem
		for _, r := range ns.rules {
			if r.Decl.Kind.String() == head {
				out = append(out, completionItem(r.Symbol.Name, protocol.CompletionItemKindFunction, head, r.Symbol.Doc))
			}
		}
		return out
	case head == "advance" && n == 1:
		return keywordItems(s, "to")
	case head == "update" && n == 1:
		return testPlayerItems(c)
	case head == "update" && n == 2:
		return keywordItems(s, "at")
	case head == "transactions" && n == 1, head == "repeat" && n == 2:
		return s.kindItems(ns)
	case head == "repeat" && n == 3:
		return keywordItems(s, "every")
	case head == "expect" && n == 1:
		var out []protocol.CompletionItem
		for _, w := range expectWords {
			first, _, _ := strings.Cut(w, " ")
			out = append(out, completionItem(w, protocol.CompletionItemKindKeyword, "", s.spec.keyword("expect:"+first)))
		}
		return out
	case head == "expect" && n == 2:
		reward := testReward(c, ns)
		switch item[1].Text {
		case "budget":
			return keywordItems(s, "left")
		case "campaign", "automation":
			return keywordItems(s, "suspended", "active")
		case "group":
			return testPlayerItems(c)
		case "skipped":
			return reasonItems(compiler.SkipReasons)
		case "error":
			return reasonItems(compiler.ErrorReasons)
		case "aggregation":
			return s.kindItems(ns)
		case "calculated":
			if reward != nil && reward.Decl.Result != nil && reward.Decl.Result.Kind == lang.ResultTemplate {
				return s.templateItems(ns)
			}
		case "let":
			var out []protocol.CompletionItem
			if reward != nil {
				for _, l := range reward.Lets {
					out = append(out, completionItem(l.Name, protocol.CompletionItemKindVariable, typeText(l.Type), ""))
				}
			}
			return out
		case "branch":
			var out []protocol.CompletionItem
			if reward != nil {
				for _, b := range compiler.BranchLabels(reward.Decl) {
					it := completionItem(fmt.Sprintf("%q", b), protocol.CompletionItemKindEnumMember, "branch", "")
					out = append(out, it)
				}
			}
			return out
		}
		return nil
	case head == "expect" && n == 3 && item[1].Text == "aggregation":
		return keywordItems(s, "matched")
	case head == "expect" && n == 3 && item[1].Text == "group":
		return groupItems(c, ns)
	case head == "expect" && n == 4 && item[1].Text == "outcome" && item[3].Text == "player":
		return testPlayerItems(c)
	case head == "expect" && item[1].Text == "outcome" && (n == 3 || n == 5 && item[3].Text == "player"):
		return keywordItems(s, "issued", "waiting", "skipped", "rejected")
	case head == "expect" && item[1].Text == "outcome" && n >= 4 && item[n-1].Text == "skipped":
		return reasonItems(append(append([]string{}, compiler.RuleReasons...), compiler.SkipReasons...))
	case endsOperand(last) && n >= 2:
		return clauses()
	}
	return nil
}

// testClauses begin the clauses of tests; expectWords follow expect.
var (
	testClauses = []string{"reward", "automation", "campaign", "now", "player", "budget", "vouchers", "transactions", "events",
		"repeat", "advance", "update", "approve", "reject", "load", "rates", "anchors", "expect"}
	expectWords = []string{"calculated", "skipped", "error", "manual", "branch", "let", "aggregation", "window",
		"rewards", "outcome", "budget left", "campaign", "automation", "group"}
)

// clauseBlockItems completes inside the braces of a test's clause: the
// player's fields, a table's columns, rates' currencies, the anchors.
func (s *Server) clauseBlockItems(c *cursorContext, ns *nameSet) []protocol.CompletionItem {
	test := c.frames[len(c.frames)-2]
	block := c.frames[len(c.frames)-1]
	if test.item >= len(c.toks) {
		return nil
	}
	clause := c.toks[test.item:block.start]
	var out []protocol.CompletionItem
	switch clause[0].Text {
	case "update":
		out = keywordItems(s, "currency", "zone")
		return append(out, s.propItems(ns)...)
	case "player":
		out = keywordItems(s, "id", "currency", "zone")
		return append(out, s.propItems(ns)...)
	case "transactions", "repeat":
		if clause[0].Text == "repeat" {
			// A repeat of an event-sequence test names its player.
			if c.last(1).Text == "player" && c.last(1).Span.Start.Offset >= c.toks[block.start-1].Span.End.Offset {
				return testPlayerItems(c)
			}
			if testRule(c) {
				out = keywordItems(s, "player")
			}
		}
		for _, t := range clause[1:] {
			if k := ns.kind(t.Text); k != nil {
				return append(out, s.attrItems(k)...)
			}
		}
	case "events":
		out = keywordItems(s, "time", "player", "kind", "id", "currency")
		seen := map[string]bool{}
		for _, k := range ns.kinds {
			for _, it := range s.attrItems(k) {
				if !seen[it.Label] {
					seen[it.Label] = true
					out = append(out, it)
				}
			}
		}
	case "rates":
		return s.unitItems(strings.ToUpper(c.word))
	case "anchors":
		for _, a := range compiler.AnchorNames {
			out = append(out, completionItem(a, protocol.CompletionItemKindField, "anchor", ""))
		}
	}
	return out
}

// testReward returns the reward the test around the cursor names, or nil.
func testReward(c *cursorContext, ns *nameSet) *compiler.RewardInfo {
	for i := len(c.frames) - 1; i >= 0; i-- {
		f := c.frames[i]
		if f.kind != frameTest {
			continue
		}
		toks := c.toks[f.start:]
		for j := 0; j+1 < len(toks); j++ {
			if toks[j].Text == "reward" {
				for _, r := range ns.rewards {
					if r.Symbol.Name == toks[j+1].Text {
						return r
					}
				}
			}
		}
	}
	return nil
}

// testFrameToks returns the tokens of the innermost test before the
// cursor, or nil outside a test.
func testFrameToks(c *cursorContext) []lang.Token {
	for i := len(c.frames) - 1; i >= 0; i-- {
		if f := c.frames[i]; f.kind == frameTest {
			return c.toks[f.start:]
		}
	}
	return nil
}

// testRule reports whether the test at the cursor names an automation rule
// or a campaign: an event-sequence test.
func testRule(c *cursorContext) bool {
	toks := testFrameToks(c)
	for j := 0; j+1 < len(toks); j++ {
		if (toks[j].Text == "automation" || toks[j].Text == "campaign") && (j == 0 || toks[j-1].Span.End.Line < toks[j].Span.Start.Line) {
			return true
		}
	}
	return false
}

// testPlayerItems are the players of the event-sequence test at the cursor:
// each player ID { ... } clause above it, the id as written (p1, "p-1").
func testPlayerItems(c *cursorContext) []protocol.CompletionItem {
	toks := testFrameToks(c)
	var out []protocol.CompletionItem
	seen := map[string]bool{}
	for j := 0; j+2 < len(toks); j++ {
		if toks[j].Text != "player" || toks[j+2].Text != "{" || j > 0 && toks[j-1].Span.End.Line == toks[j].Span.Start.Line {
			continue
		}
		id := toks[j+1]
		if (id.Kind != lang.TokenIdent && id.Kind != lang.TokenString) || seen[id.Text] {
			continue
		}
		seen[id.Text] = true
		out = append(out, completionItem(id.Text, protocol.CompletionItemKindVariable, "player", ""))
	}
	return out
}

// groupItems are the groups of the split of the campaign the test at the
// cursor names: its variants, then control when it has a control group.
func groupItems(c *cursorContext, ns *nameSet) []protocol.CompletionItem {
	toks := testFrameToks(c)
	var out []protocol.CompletionItem
	for j := 0; j+1 < len(toks); j++ {
		if toks[j].Text != "automation" && toks[j].Text != "campaign" {
			continue
		}
		for _, r := range ns.rules {
			if r.Symbol.Name != toks[j+1].Text {
				continue
			}
			for _, cl := range r.Decl.Clauses {
				split, ok := cl.(*lang.SplitClause)
				if !ok {
					continue
				}
				for _, a := range split.Arms {
					if a.Control {
						out = append(out, completionItem("control", protocol.CompletionItemKindEnumMember, "control group", ""))
					} else if a.Name != nil {
						out = append(out, completionItem(a.Name.Name, protocol.CompletionItemKindEnumMember, "variant", ""))
					}
				}
			}
			return out
		}
	}
	return out
}

func reasonItems(reasons []string) []protocol.CompletionItem {
	var out []protocol.CompletionItem
	for _, r := range reasons {
		out = append(out, completionItem(r, protocol.CompletionItemKindEnumMember, "reason", ""))
	}
	return out
}

// branchOpen reports whether a tier branch is still waiting for its
// statement (above 500 EUR is, above 500 EUR: give x is not).
func branchOpen(item []lang.Token) bool {
	for _, t := range item {
		if t.Text == ":" || t.Text == "{" {
			return false
		}
	}
	return len(item) > 0
}

// itemComplete reports whether the statement or setting of item can end
// where it is, so that a new one may start.
func itemComplete(item []lang.Token, f *frame) bool {
	if len(item) == 0 {
		return true
	}
	switch item[0].Text {
	case "check", "tiers":
		return false // a block must follow
	case "let":
		return len(item) >= 4
	}
	return len(item) >= 2
}

func (s *Server) topItems(c *cursorContext, item []lang.Token, ns *nameSet) []protocol.CompletionItem {
	last := c.last(1)
	head := ""
	if len(item) > 0 {
		head = item[0].Text
	}
	switch {
	case head == "attribution" && len(item) > 0 && startsAttribution(item, 0):
		return s.attributionItems(c, item, ns) // attribution.go
	case head == "reward" && len(item) == 3 && last.Text == ":":
		return resultItems(s)
	case head == "reward" && len(item) == 4 && last.Text == "points":
		return keywordItems(s, "to")
	case head == "reward" && last.Text == "to" && len(item) == 5:
		return keywordItems(s, "balance", "leaderboard", "level")
	case head == "const" && len(item) >= 3:
		items := s.exprItems(c, ns, true)
		if endsOperand(last) && len(item) >= 4 {
			items = append(items, keywordItems(s, "kind", "player", "currencies", "template", "const", "reward")...)
		}
		return items
	case len(item) <= 1 || last.Text == "}" || head == "template" && len(item) >= 3:
		return keywordItems(s, "kind", "player", "currencies", "template", "const", "reward", "automation", "campaign", "offer", "payout",
			"attribution last click within")
	}
	return nil
}

// settingItems completes the words of a setting: window kinds after
// window, rounding modes after round, approval modes after approval.
func (s *Server) settingItems(c *cursorContext, item []lang.Token, f *frame) ([]protocol.CompletionItem, bool) {
	if len(item) == 0 {
		return nil, false
	}
	last := c.last(1)
	n := len(item)
	switch item[0].Text {
	case "window":
		var words []string
		switch {
		case n == 1:
			return windowItems(s), true
		case last.Text == "last" && n == 2:
			words = []string{"full day", "full week", "full month", "weekend", "7 days"}
		case last.Text == "full":
			words = []string{"day", "week", "month"}
		case last.Text == "from" && n == 2:
			words = []string{"first transaction", "qualification"}
		case last.Text == "between":
			words = []string{"first transaction", "qualification"}
		case last.Text == "first":
			words = []string{"transaction"}
		case last.Text == "since":
			words = []string{"entrance"}
		case last.Text == "and":
			words = []string{"last transaction"}
		case last.Text == "in":
			words = []string{"player zone", `"Europe/Malta"`}
		case last.Text == "player":
			words = []string{"zone"}
		case last.Text == "transaction" && n >= 3 && item[1].Text == "between":
			words = []string{"and last transaction"}
		case last.Text == "qualification" && n >= 2 && item[1].Text == "between":
			words = []string{"and last transaction"}
		case last.Text == "transaction" || last.Text == "qualification":
			words = []string{"to"}
		case endsOperand(last) || last.Text == "weekend" || last.Text == "day" || last.Text == "week" || last.Text == "month":
			out := keywordItems(s, "in")
			return append(out, s.statementItems(f)...), true
		default:
			return nil, true
		}
		return keywordItems(s, words...), true
	case "round":
		switch {
		case n == 1:
			return keywordItems(s, "nearest", "down", "up"), true
		case n == 2:
			return keywordItems(s, "to"), true
		case n == 4 && item[3].Kind == lang.TokenNumber:
			return keywordItems(s, "decimals"), true
		case n >= 5:
			return s.statementItems(f), true
		}
		return nil, true
	case "approval":
		if n == 1 {
			return keywordItems(s, "auto", "manual"), true
		}
		if n == 2 && item[1].Text == "manual" {
			return keywordItems(s, "within"), true // approval manual within 7 days
		}
		return s.statementItems(f), true
	}
	return nil, false
}

// parenItems completes inside parentheses: the kind of an aggregation, its
// attributes in where, or an expression.
func (s *Server) parenItems(c *cursorContext, ns *nameSet) []protocol.CompletionItem {
	p := c.paren()
	last := c.last(1)
	if p == nil || !isAggregation(p.name) {
		// Inside parentheses of a where filter, the attributes still count.
		var attrs []protocol.CompletionItem
		if k := c.filtered(ns); k != nil {
			attrs = s.attrItems(k)
		}
		if endsOperand(last) {
			return append(operatorItems(s), attrs...)
		}
		return append(attrs, s.exprItems(c, ns, false)...)
	}
	inner := c.toks[p.item:]
	if len(inner) == 0 {
		out := s.kindItems(ns)
		if p.name == "min" || p.name == "max" {
			out = append(out, s.exprItems(c, ns, false)...)
		}
		return out
	}
	where := -1
	for i, t := range inner {
		if t.Text == "where" {
			where = i
		}
	}
	if where < 0 {
		if endsOperand(last) {
			return keywordItems(s, "where")
		}
		return s.exprItems(c, ns, false)
	}
	out := []protocol.CompletionItem{}
	if k := ns.kind(inner[0].Text); k != nil {
		out = append(out, s.attrItems(k)...)
	}
	if endsOperand(last) {
		return append(operatorItems(s), out...)
	}
	return append(out, s.exprItems(c, ns, false)...)
}

// filtered returns the kind of the aggregation whose where filter holds
// the cursor, or nil.
func (c *cursorContext) filtered(ns *nameSet) *compiler.Symbol {
	for i := len(c.frames) - 1; i >= 0; i-- {
		f := c.frames[i]
		if f.kind != frameParen && f.kind != frameBracket {
			return nil
		}
		if f.kind != frameParen || !isAggregation(f.name) || f.start >= len(c.toks) {
			continue
		}
		end := len(c.toks)
		if i+1 < len(c.frames) {
			end = c.frames[i+1].start
		}
		for _, t := range c.toks[f.start:end] {
			if t.Text == "where" {
				return ns.kind(c.toks[f.start].Text)
			}
		}
		return nil
	}
	return nil
}

func isAggregation(name string) bool {
	switch name {
	case "sum", "count", "avg", "min", "max", "first", "last":
		return true
	}
	return false
}

// exprItems lists what may start an operand: lets in scope, constants,
// templates, builtins, aggregations and the keywords of expressions. A
// constant expression (constOnly) reads no lets, players or transactions.
func (s *Server) exprItems(c *cursorContext, ns *nameSet, constOnly bool) []protocol.CompletionItem {
	var out []protocol.CompletionItem
	if !constOnly {
		reward := ""
		if r := c.reward(); r != nil {
			reward = r.name
		}
		for _, l := range c.lets() {
			out = append(out, completionItem(l, protocol.CompletionItemKindVariable, ns.letType(reward, l), ""))
		}
	}
	for _, k := range ns.consts {
		out = append(out, completionItem(k.Name, protocol.CompletionItemKindConstant, typeText(k.Type), describe(ns.snap, k)))
	}
	out = append(out, s.templateItems(ns)...)
	for _, b := range compiler.Builtins {
		out = append(out, completionItem(b.Name, protocol.CompletionItemKindFunction, b.Signature, b.Doc))
	}
	if !constOnly {
		for _, op := range []string{"sum", "count", "avg", "first", "last"} {
			out = append(out, completionItem(op, protocol.CompletionItemKindFunction, op+"(...)", s.spec.keyword("agg:"+op)))
		}
		out = append(out, keywordItems(s, "player", "now")...)
	}
	return append(out, keywordItems(s, "if", "not", "true", "false")...)
}

func (s *Server) templateItems(ns *nameSet) []protocol.CompletionItem {
	var out []protocol.CompletionItem
	for _, t := range ns.templates {
		detail := "template"
		if t.Value != nil {
			detail = "template " + fmt.Sprintf("%q", t.Value.Str)
		}
		out = append(out, completionItem(t.Name, protocol.CompletionItemKindEnumMember, detail, t.Doc))
	}
	return out
}

func (s *Server) kindItems(ns *nameSet) []protocol.CompletionItem {
	var out []protocol.CompletionItem
	for _, k := range ns.kinds {
		out = append(out, completionItem(k.Name, protocol.CompletionItemKindClass, "kind", k.Doc))
	}
	return out
}

func (s *Server) attrItems(k *compiler.Symbol) []protocol.CompletionItem {
	var out []protocol.CompletionItem
	for _, a := range k.Attrs {
		out = append(out, completionItem(a.Name, protocol.CompletionItemKindField, typeText(a.Type), a.Doc))
	}
	return out
}

func (s *Server) propItems(ns *nameSet) []protocol.CompletionItem {
	var out []protocol.CompletionItem
	for _, p := range ns.props {
		detail := typeText(p.Type)
		if p.Value != nil {
			detail += " default " + renderValue(ns.snap, p.Value)
		}
		out = append(out, completionItem(p.Name, protocol.CompletionItemKindProperty, detail, p.Doc))
	}
	return out
}

// unitItems completes after a number: currencies (EUR...), and the units of
// durations and the percent sign when nothing upper-case is typed yet.
func (s *Server) unitItems(word string) []protocol.CompletionItem {
	var out []protocol.CompletionItem
	prefix := strings.ToUpper(word)
	for _, code := range currency.All() {
		name := code.String()
		if strings.HasPrefix(name, prefix) {
			out = append(out, completionItem(name, protocol.CompletionItemKindUnit, fmt.Sprintf("currency, %d decimals", code.MinorUnits()), ""))
		}
	}
	if word == "" || strings.ToLower(word) == word {
		out = append(out, durationUnitItems()...)
	}
	return out
}

// durationUnitItems are the units of a duration.
func durationUnitItems() []protocol.CompletionItem {
	var out []protocol.CompletionItem
	for _, u := range []string{"minutes", "hours", "days", "weeks"} {
		out = append(out, completionItem(u, protocol.CompletionItemKindUnit, "duration", ""))
	}
	return out
}

func (s *Server) statementItems(f *frame) []protocol.CompletionItem {
	words := []string{"let", "give", "skip", "check", "tiers"}
	if f != nil && f.kind == frameReward {
		words = append(words, "window", "round", "cap", "minimum", "approval")
	}
	return keywordItems(s, words...)
}

func operatorItems(s *Server) []protocol.CompletionItem {
	return keywordItems(s, "and", "or", "of", "in", "not in", "then", "else", "default")
}

func resultItems(s *Server) []protocol.CompletionItem {
	var out []protocol.CompletionItem
	for _, r := range []string{"amount", "template", "points", "points to balance", "points to leaderboard", "points to level", "gems", "diamonds"} {
		word := r[strings.LastIndexByte(r, ' ')+1:]
		out = append(out, completionItem(r, protocol.CompletionItemKindEnumMember, "result", s.spec.keyword("result:"+word)))
	}
	return out
}

func windowItems(s *Server) []protocol.CompletionItem {
	kinds := []struct {
		label, insert string
		kind          lang.WindowKind
	}{
		{"last N days", "last 7 days", lang.WindowTimeBack},
		{"last full day", "last full day", lang.WindowLastFullDay},
		{"last full week", "last full week", lang.WindowLastFullWeek},
		{"last weekend", "last weekend", lang.WindowLastWeekend},
		{"last full month", "last full month", lang.WindowLastFullMonth},
		{"from DATE to DATE", "from 2026-11-01 to 2026-11-08", lang.WindowFixed},
		{"between first transaction and last transaction", "between first transaction and last transaction", lang.WindowFirstToLast},
		{"between qualification and last transaction", "between qualification and last transaction", lang.WindowQualificationToLast},
		{"from first transaction to DATE", "from first transaction to 2026-12-01", lang.WindowFirstToFixed},
		{"from qualification to DATE", "from qualification to 2026-12-01", lang.WindowQualificationToFixed},
		{"since entrance", "since entrance", lang.WindowSinceEntrance},
	}
	var out []protocol.CompletionItem
	for _, k := range kinds {
		it := completionItem(k.label, protocol.CompletionItemKindEnumMember, "window", s.spec.windows[k.kind])
		insert := k.insert
		it.InsertText = &insert
		filter := k.insert
		it.FilterText = &filter
		out = append(out, it)
	}
	return out
}

func typeItems() []protocol.CompletionItem {
	var out []protocol.CompletionItem
	for _, t := range []string{"money", "number", "count", "percent", "bool", "string", "time", "duration"} {
		out = append(out, completionItem(t, protocol.CompletionItemKindTypeParameter, "type", ""))
	}
	return out
}

// keywordItems makes items for words of the language, documented from the
// reference.
func keywordItems(s *Server, words ...string) []protocol.CompletionItem {
	out := make([]protocol.CompletionItem, 0, len(words))
	for _, w := range words {
		first := w
		if i := strings.IndexByte(w, ' '); i > 0 {
			first = w[:i]
		}
		out = append(out, completionItem(w, protocol.CompletionItemKindKeyword, "", s.spec.keyword(first)))
	}
	return out
}

// sortGroups orders the items of a list: the names of the place first
// (attributes, lets), then declared names, functions, keywords, units.
var sortGroups = map[protocol.CompletionItemKind]string{
	protocol.CompletionItemKindField: "0", protocol.CompletionItemKindProperty: "0",
	protocol.CompletionItemKindVariable: "1", protocol.CompletionItemKindClass: "1",
	protocol.CompletionItemKindConstant: "2", protocol.CompletionItemKindEnumMember: "2",
	protocol.CompletionItemKindFunction: "3", protocol.CompletionItemKindTypeParameter: "3",
	protocol.CompletionItemKindKeyword: "4", protocol.CompletionItemKindUnit: "5",
}

func completionItem(label string, kind protocol.CompletionItemKind, detail, doc string) protocol.CompletionItem {
	sort := sortGroups[kind] + label
	it := protocol.CompletionItem{Label: label, Kind: &kind, SortText: &sort}
	if detail != "" {
		it.Detail = &detail
	}
	if doc != "" {
		it.Documentation = protocol.MarkupContent{Kind: protocol.MarkupKindMarkdown, Value: doc}
	}
	return it
}
