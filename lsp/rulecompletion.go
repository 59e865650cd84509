package lsp

import (
	protocol "github.com/tliron/glsp/protocol_3_16"

	"github.com/promoc/promoc/lang"
)

// This file completes the clauses of automation rules and campaigns: their
// keywords, the rewards after give, the kinds of triggers and
// qualifications, and the words each clause takes.

// ruleClauseWords begin the clauses of a rule; on and at begin one only at
// the start of a clause (not in trigger on, nor in tiers).
var ruleClauseWords = map[string]bool{
	"trigger": true, "segment": true, "qualification": true, "at": true, "budget": true,
	"approval": true, "entrance": true, "split": true, "give": true, "on": true,
	"variant": true, "control": true,
}

// startsRuleClause reports whether toks[i] begins a clause of a rule, or
// an arm of a split.
func startsRuleClause(toks []lang.Token, i int) bool {
	t := toks[i]
	if !ruleClauseWords[t.Text] || t.Kind != lang.TokenKeyword && t.Kind != lang.TokenContextual {
		return false
	}
	if i == 0 {
		return true
	}
	switch prev := toks[i-1].Text; {
	case t.Text == "on" && (prev == "trigger" || prev == "entrance"):
		return false
	case t.Text == "give" && prev == ":": // variant a 50%: give x
		return false
	}
	return true
}

func (s *Server) ruleClauseItems(c *cursorContext) []protocol.CompletionItem {
	words := []string{"trigger", "segment", "qualification", "at most", "budget", "approval", "give", "on calculated", "on issued", "on skipped"}
	if f := c.frames[0]; f.result == "campaign" {
		words = append(words, "entrance", "split")
	}
	return keywordItems(s, words...)
}

func (s *Server) rewardItems(ns *nameSet) []protocol.CompletionItem {
	var out []protocol.CompletionItem
	for _, r := range ns.rewards {
		out = append(out, completionItem(r.Symbol.Name, protocol.CompletionItemKindFunction, "reward: "+resultText(r.Decl.Result), r.Symbol.Doc))
	}
	return out
}

var scheduleDays = []string{"day", "weekday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

// ruleItems completes inside the braces of a rule.
func (s *Server) ruleItems(c *cursorContext, item []lang.Token, ns *nameSet) []protocol.CompletionItem {
	last := c.last(1)
	n := len(item)
	head := ""
	if n > 0 {
		head = item[0].Text
	}
	word := func(k int) string {
		if k < n {
			return item[k].Text
		}
		return ""
	}
	switch {
	case head == "" || last.Text == "{" || last.Text == "}":
		return s.ruleClauseItems(c)
	case head == "give" && n == 1:
		return append(s.rewardItems(ns), keywordItems(s, "offer")...)
	case head == "give" && n == 2 && word(1) == "offer":
		return s.offerItems(ns) // offers.go
	case head == "trigger" || head == "entrance":
		return s.eventItems(c, item[1:], ns)
	case head == "qualification" && n == 1:
		return s.kindItems(ns)
	case head == "qualification" && n == 2:
		return keywordItems(s, "where")
	case head == "approval" && n == 1:
		return keywordItems(s, "auto", "manual")
	case head == "approval" && n == 2 && word(1) == "manual":
		return append(keywordItems(s, "within"), s.ruleClauseItems(c)...) // approval manual within 7 days
	case head == "at" && n == 1:
		return keywordItems(s, "most")
	case head == "at" && n == 3:
		return keywordItems(s, "rewards", "messages")
	case head == "at" && n == 4:
		return keywordItems(s, "per")
	case head == "at" && n == 6:
		return s.ruleClauseItems(c)
	case head == "on" && n == 1:
		return keywordItems(s, "calculated", "issued", "skipped")
	case head == "on" && n == 2:
		return keywordItems(s, "send")
	case head == "on" && n == 3:
		return keywordItems(s, "with")
	case head == "on" && (last.Text == "with" || last.Text == ","):
		return keywordItems(s, "amount", "currency", "points", "template", "reward", "reason", "variant", "offer", "assignment", "code")
	case head == "split" && n == 1:
		return keywordItems(s, "seed")
	case head == "segment" || head == "budget" || head == "qualification" && word(2) == "where":
		if n >= 2 && endsOperand(last) {
			return append(operatorItems(s), s.ruleClauseItems(c)...)
		}
		if head == "qualification" {
			return s.condItems(c, ns, word(1))
		}
		return s.exprItems(c, ns, head == "budget")
	case head == "give" || head == "approval" || head == "on":
		return s.ruleClauseItems(c)
	}
	return nil
}

// eventItems completes what fires a trigger or an entrance, from the
// tokens after trigger or entrance.
func (s *Server) eventItems(c *cursorContext, ev []lang.Token, ns *nameSet) []protocol.CompletionItem {
	n := len(ev)
	last := c.last(1)
	w := func(k int) string {
		if k < n {
			return ev[k].Text
		}
		return ""
	}
	switch {
	case n == 0:
		return keywordItems(s, "on", "on first", "every", "inactive", "schedule")
	case w(0) == "on" && n == 1:
		return append(keywordItems(s, "first"), s.kindItems(ns)...)
	case w(0) == "on" && w(1) == "first" && n == 2, w(0) == "every" && n == 2:
		return s.kindItems(ns)
	case (w(0) == "on" || w(0) == "every") && last.Kind != lang.TokenKeyword && !contains(ev, "where"):
		return append(keywordItems(s, "where"), s.ruleClauseItems(c)...)
	case w(0) == "on" || w(0) == "every":
		if endsOperand(last) && last.Text != "where" {
			return append(operatorItems(s), s.ruleClauseItems(c)...)
		}
		kind := w(1) // on deposit; every 100 bet; on first deposit
		if w(0) == "every" || kind == "first" {
			kind = w(2)
		}
		return s.condItems(c, ns, kind)
	case w(0) == "inactive" && n == 2:
		return append(keywordItems(s, "since"), s.ruleClauseItems(c)...)
	case w(0) == "inactive" && last.Text == "since":
		return s.kindItems(ns)
	case w(0) == "schedule" && n == 1:
		return keywordItems(s, "every")
	case w(0) == "schedule" && last.Text == "every":
		return keywordItems(s, scheduleDays...)
	case w(0) == "schedule" && last.Text == "in":
		return keywordItems(s, "player zone")
	case w(0) == "schedule":
		return append(keywordItems(s, "in"), s.ruleClauseItems(c)...)
	}
	return nil
}

// condItems completes a condition of a rule over the events of kind: the
// kind's attributes first, then any expression.
func (s *Server) condItems(c *cursorContext, ns *nameSet, kind string) []protocol.CompletionItem {
	var out []protocol.CompletionItem
	if k := ns.kind(kind); k != nil {
		out = s.attrItems(k)
	}
	return append(out, s.exprItems(c, ns, false)...)
}

func contains(toks []lang.Token, text string) bool {
	for _, t := range toks {
		if t.Text == text {
			return true
		}
	}
	return false
}

// ruleBlockItems completes inside the braces of a split (its arms) or a
// qualification (its limit).
func (s *Server) ruleBlockItems(c *cursorContext, item []lang.Token, ns *nameSet) []protocol.CompletionItem {
	last := c.last(1)
	n := len(item)
	head := ""
	if n > 0 {
		head = item[0].Text
	}
	if c.top().name == "qualification" {
		switch {
		case head == "" || last.Text == "{":
			return keywordItems(s, "at most")
		case head == "at" && n == 1:
			return keywordItems(s, "most")
		case head == "at" && n == 3:
			return keywordItems(s, "rewards")
		}
		return nil
	}
	switch {
	case head == "" || last.Text == "{" || last.Text == "}":
		return keywordItems(s, "variant", "control")
	case head == "variant" && last.Text == ":":
		return keywordItems(s, "give")
	case head == "variant" && last.Text == "give":
		return append(s.rewardItems(ns), keywordItems(s, "offer")...)
	case head == "variant" && last.Text == "offer":
		return s.offerItems(ns) // offers.go
	case head == "variant" && n >= 6 && last.Text != "offer" || head == "control" && n == 2: // after the reward or the offer
		return keywordItems(s, "variant", "control")
	}
	return nil
}

// ruleCount reports whether the number before the cursor is a count of a
// rule (at most 3 rewards, every 100 bet), which takes no unit.
func ruleCount(c *cursorContext, head string) bool {
	top := c.top()
	if top == nil || top.kind != frameRule && top.kind != frameRuleBlock {
		return false
	}
	return head == "at" || c.last(2).Text == "every"
}
