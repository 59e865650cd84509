package lsp

import (
	"strings"

	"github.com/tliron/glsp"
	protocol "github.com/tliron/glsp/protocol_3_16"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
)

func (s *Server) hover(_ *glsp.Context, p *protocol.HoverParams) (*protocol.Hover, error) {
	snap, f := s.snapshot(p.TextDocument.URI)
	if f == nil {
		return nil, nil
	}
	md, sp := s.hoverAt(snap, f, f.m.offset(p.Position))
	if md == "" {
		return nil, nil
	}
	r := f.m.spanRange(sp)
	return &protocol.Hover{Contents: protocol.MarkupContent{Kind: protocol.MarkupKindMarkdown, Value: md}, Range: &r}, nil
}

// hoverAt returns the markdown shown for the cursor at offset and the span
// it is about: for a name, its declaration, type, value and doc comment;
// for a word of the language, its documentation from the reference; for an
// expression, its type and value.
func (s *Server) hoverAt(snap *snapshot, f *sourceFile, offset int) (string, lang.Span) {
	if p := testPlayerAt(f, offset); p != nil { // testplayers.go
		return p.hover(f), p.at.Span()
	}
	toks := lineTokens(f.text, offset)
	i := tokenAt(toks, offset)
	if i < 0 || !isWord(toks[i]) && toks[i].Kind != lang.TokenPunct && toks[i].Kind != lang.TokenOperator && !isLiteral(toks[i]) {
		return "", lang.Span{}
	}
	tok := toks[i]
	path := lang.PathAt(f.file, tok.Span.Start.Offset)
	if len(path) > 0 && !path[len(path)-1].Span().Covers(tok.Span) {
		// The cursor is at the end of a token: PathAt took the node ending there.
		path = lang.PathAt(f.file, offset)
	}
	var inner lang.Node
	if len(path) > 0 {
		inner = path[len(path)-1]
	}
	if a := attributionIn(path); a != nil { // attribution.go
		return s.attributionDoc(snap, f.text, a), a.Span()
	}
	if a := approvalIn(path); a != nil && a.Within != nil && (tok.Text == "within" || a.Within.Span().Covers(tok.Span)) {
		// approval manual within 7 days: within is a name elsewhere.
		sp := a.Within.Span()
		sp.Start = tok.Span.Start
		if tok.Text != "within" {
			sp = a.Within.Span()
		}
		return s.spec.keyword("approval:within"), sp
	}

	switch n := inner.(type) {
	case *lang.Ident:
		if sym := snap.use(n); sym != nil {
			return describe(snap, sym), n.Span()
		}
		if sym := snap.def(n); sym != nil {
			return describe(snap, sym), n.Span()
		}
		if sched, ok := parentOf(path).(*lang.Schedule); ok && sched.Day == n { // every Monday
			return s.spec.keyword("rule:schedule"), n.Span()
		}
		if call, ok := parentOf(path).(*lang.CallExpr); ok && call.Fun == n {
			if b := builtin(n.Name); b != nil {
				return join(builtinDoc(b), exprType(snap, call)), n.Span()
			}
		}
	case *lang.AggregateExpr:
		if tok.Span.Start.Offset == n.Start.Offset {
			return join("```promo\n"+tok.Text+"(...)\n```", exprType(snap, n), s.spec.keyword("agg:"+n.Op.String())), tok.Span
		}
	case *lang.TypeName:
		return s.spec.keyword("type:" + n.Name), n.Span()
	}
	if tok.Kind == lang.TokenKeyword || tok.Kind == lang.TokenContextual {
		if doc := s.keywordDoc(path, tok.Text); doc != "" {
			return doc, tok.Span
		}
	}
	for j := len(path) - 1; j > 0; j-- {
		if e, ok := path[j].(lang.Expr); ok {
			if doc := exprType(snap, e); doc != "" {
				return doc, e.Span()
			}
			break
		}
	}
	if isWord(tok) {
		// Not in the analyzed tree, as after a syntax error: the name as the
		// last analysis knows it.
		if doc := s.nameDoc(snap, toks, i); doc != "" {
			return doc, tok.Span
		}
	}
	return "", lang.Span{}
}

// approvalIn is the approval setting or clause that holds the end of path,
// or nil.
func approvalIn(path []lang.Node) *lang.ApprovalSetting {
	for j := len(path) - 1; j >= 0; j-- {
		if a, ok := path[j].(*lang.ApprovalSetting); ok {
			return a
		}
	}
	return nil
}

func isLiteral(t lang.Token) bool {
	switch t.Kind {
	case lang.TokenString, lang.TokenDate, lang.TokenMoney, lang.TokenDuration, lang.TokenPercent, lang.TokenNumber:
		return true
	}
	return false
}

func parentOf(path []lang.Node) lang.Node {
	if len(path) < 2 {
		return nil
	}
	return path[len(path)-2]
}

// exprType describes the type and value of a checked expression, or "".
func exprType(snap *snapshot, e lang.Expr) string {
	t, ok := snap.typeOf(e)
	if !ok {
		return ""
	}
	out := "Type: " + typeText(t)
	if v := snap.constOf(e); v != nil {
		out += "\n\nValue: `" + renderValue(snap, v) + "`"
		out = join(out, perCurrency(v))
	}
	return out
}

// keywordDoc returns the documentation of a keyword, taken from the
// reference, for the place of the keyword in the tree (path).
func (s *Server) keywordDoc(path []lang.Node, word string) string {
	d := s.spec
	for j := len(path) - 1; j >= 0; j-- {
		switch n := path[j].(type) {
		case *lang.Zone:
			if sched, ok := parentOf(path[:j+1]).(*lang.Schedule); ok { // schedule every Monday 00:00 in player zone
				return d.keyword(scheduleKey(sched) + ":in")
			}
			return d.keyword("zone")
		case *lang.Schedule:
			// every and in are the schedule's, not an every trigger's or
			// a window's.
			if word == "every" || word == "in" {
				return d.keyword(scheduleKey(n) + ":" + word)
			}
			return ruleWordDoc(d, word)
		case *lang.Event:
			if n.Schedule != nil && (word == "every" || word == "in") {
				return d.keyword(scheduleKey(n.Schedule) + ":" + word)
			}
			if n.Kind == lang.EventEvery && word == "every" {
				return d.keyword("rule:trigger:every")
			}
			return ruleWordDoc(d, word)
		case *lang.QualLimit:
			// at most 3 rewards of a qualification is not the rate limit.
			return d.keyword("rule:qualification")
		case *lang.Window:
			if word == "window" {
				return d.keyword("window")
			}
			return d.windows[n.Kind]
		case *lang.WindowSetting:
			if n.Window != nil && word != "window" {
				return d.windows[n.Window.Kind]
			}
			return d.keyword("window")
		case *lang.RoundSetting:
			if word == "nearest" || word == "down" || word == "up" {
				return d.keyword(word)
			}
			return d.keyword("round")
		case *lang.ResultType:
			return d.keyword("result:" + word)
		case *lang.CondExpr:
			if word == "if" || word == "then" || word == "else" {
				return d.keyword("if")
			}
		case *lang.PlayerExpr:
			if word == "player" {
				return d.keyword("player.")
			}
		case lang.Expectation:
			// An expect of an event-sequence test is its own row, whatever
			// the word: budget-exhausted is not budget left, issued not
			// expect calculated.
			if key := seqExpectKey(n); key != "" {
				if doc := d.keyword("expect:" + key); doc != "" {
					return doc
				}
			}
			if doc := d.keyword("expect:" + word); doc != "" {
				return doc
			}
			return d.keyword("test:expect")
		case lang.TestClause, *lang.TestDecl:
			if doc := d.keyword("test:" + word); doc != "" {
				return doc
			}
			return d.keyword(word)
		case *lang.OfferDecl, *lang.OfferClause, *lang.OfferFieldDecl:
			if doc := d.keyword("offer:" + word); doc != "" {
				return doc
			}
			return d.keyword(word)
		case lang.RuleClause, *lang.RuleDecl, *lang.SplitArm:
			return ruleWordDoc(d, word)
		case lang.Stmt, lang.Decl, *lang.File:
			return d.keyword(word)
		}
	}
	return d.keyword(word)
}

// ruleWordDoc documents a word of a rule: its "rule:" entry, or else the
// word's.
func ruleWordDoc(d *specDoc, word string) string {
	if doc := d.keyword("rule:" + word); doc != "" {
		return doc
	}
	return d.keyword(word)
}

// scheduleKey is the reference's entry of a schedule's form: its cron
// string or its words.
func scheduleKey(s *lang.Schedule) string {
	if s.Cron != nil {
		return "rule:schedule:cron"
	}
	return "rule:schedule:words"
}

// seqExpectKey is the word that names an expect of an event-sequence
// test in the reference ("outcome" for expect outcome N ...), or "" for an
// expect of a reward test.
func seqExpectKey(e lang.Expectation) string {
	switch e.(type) {
	case *lang.ExpectStep:
		return "outcome"
	case *lang.ExpectRewards:
		return "rewards"
	case *lang.ExpectBudgetLeft:
		return "budget"
	case *lang.ExpectRuleStatus:
		return "campaign"
	case *lang.ExpectGroup:
		return "group"
	}
	return ""
}

// nameDoc describes the word at toks[i] from the names the last analysis
// knows: a kind's attribute after kind., a property after player., else a
// declared name, a builtin or an aggregation.
func (s *Server) nameDoc(snap *snapshot, toks []lang.Token, i int) string {
	name := toks[i].Text
	info := snap.info
	if i >= 2 && toks[i-1].Text == "." {
		if toks[i-2].Text == "player" {
			for _, p := range info.Props {
				if p.Name == name {
					return describe(snap, p)
				}
			}
			return ""
		}
		for _, k := range info.Kinds {
			if k.Name == toks[i-2].Text {
				for _, a := range k.Attrs {
					if a.Name == name {
						return describe(snap, a)
					}
				}
			}
		}
		return ""
	}
	if sym := global(info, name); sym != nil {
		return describe(snap, sym)
	}
	if b := builtin(name); b != nil {
		return builtinDoc(b)
	}
	if doc := s.spec.keyword("agg:" + name); doc != "" {
		return doc
	}
	if toks[i].Kind == lang.TokenKeyword || toks[i].Kind == lang.TokenContextual {
		return s.spec.keyword(name)
	}
	return ""
}

// global returns the kind, template, const or reward of a name.
func global(info *compiler.Info, name string) *compiler.Symbol {
	for _, list := range [][]*compiler.Symbol{info.Kinds, info.Templates, info.ConstSyms} {
		for _, sym := range list {
			if sym.Name == name {
				return sym
			}
		}
	}
	for _, r := range info.Rewards {
		if r.Symbol.Name == name {
			return r.Symbol
		}
	}
	for _, r := range info.Rules {
		if r.Symbol.Name == name {
			return r.Symbol
		}
	}
	for _, o := range info.Offers {
		if o.Symbol.Name == name {
			return o.Symbol
		}
	}
	return nil
}

// indentOf returns the blanks that start the line holding offset.
func indentOf(text string, offset int) string {
	start := strings.LastIndexAny(text[:offset], "\r\n") + 1
	end := start
	for end < len(text) && (text[end] == ' ' || text[end] == '\t') {
		end++
	}
	return text[start:end]
}
