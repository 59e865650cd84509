package lsp

import (
	"strings"

	"github.com/promoc/promoc/lang"
)

// This file reads the place of the cursor from the tokens before it, for
// completion and signature help. It works on any text, parsed or not: the
// normal state of a file while someone types in it.

// frameKind is what an open bracket holds.
type frameKind uint8

const (
	frameBlock     frameKind = iota // a check's or tier branch's { }
	frameKind_                      // kind bet { ... }
	framePlayer                     // player { ... }
	frameReward                     // reward x: amount { ... }
	frameTiers                      // tiers x { ... }
	frameParen                      // ( )
	frameBracket                    // [ ]
	frameTest                       // test "name" { ... }
	frameOther                      // the { } of a test's clause, or after an error
	frameRule                       // automation x { ... } or campaign x { ... }
	frameRuleBlock                  // the { } of a rule's split or qualification
	frameOffer                      // offer x { ... }
)

// frame is a bracket open at the cursor.
type frame struct {
	kind   frameKind
	name   string   // frameReward: the reward; frameKind_: the kind; frameParen: the word before it (sum, min, ...)
	result string   // frameReward: its result kind (amount, template, points, ...)
	lets   []string // the lets declared so far in the block
	item   int      // index of the first token of the block's current item: a statement, a setting, a branch, a field
	start  int      // index of the first token after the bracket
	ifs    int      // if without their else in the current item, so that its else is not a tier branch
}

// cursorContext is what the tokens before the cursor say about it.
type cursorContext struct {
	word      string       // the part of the word before the cursor
	wordStart int          // offset of word
	toks      []lang.Token // the tokens before the word, from the start of its declaration, comments dropped
	frames    []*frame     // brackets open at the cursor, outermost first
	topItem   int          // index in toks of the current top-level declaration's first token
	inComment bool         // in a comment or a string: nothing to complete
	line      int          // the cursor's line, as lang counts them
	testFile  bool         // a *_test.promo file, whose declarations are tests and constants
}

// statementWords begin a statement or a setting of a reward.
var statementWords = map[string]bool{
	"let": true, "give": true, "skip": true, "check": true, "tiers": true,
	"window": true, "round": true, "cap": true, "minimum": true, "approval": true,
}

// testClauseWords begin a clause of a test.
var testClauseWords = map[string]bool{
	"reward": true, "now": true, "player": true, "transactions": true, "repeat": true,
	"load": true, "rates": true, "anchors": true, "expect": true,
	"automation": true, "campaign": true, "events": true, "advance": true, "update": true, "approve": true, "reject": true, "budget": true, // event-sequence tests
	"vouchers": true,
}

// inExpect reports whether the word at i continues the expect that begins
// at item, on its line: expect budget left, expect campaign suspended,
// expect outcome 2 player p1.
func inExpect(toks []lang.Token, item, i int) bool {
	if item >= i || toks[item].Text != "expect" || toks[i].Span.Start.Line != toks[i-1].Span.End.Line {
		return false
	}
	switch toks[i].Text {
	case "budget", "campaign", "automation":
		return i == item+1
	case "player":
		return i == item+3 && toks[item+1].Text == "outcome"
	}
	return false
}

var declWords = map[string]bool{"kind": true, "player": true, "template": true, "const": true, "reward": true, "test": true,
	"automation": true, "campaign": true, "offer": true}

// declStart returns the offset of the line where the declaration holding
// offset starts: the last line before it that starts, in its first column,
// with a declaration keyword. Lexing starts there, not at the top of a
// long file.
func declStart(text string, offset int) int {
	end := offset
	for lines := 0; lines < 5000; lines++ {
		start := strings.LastIndexByte(text[:end], '\n') + 1
		line := text[start:min(len(text), start+10)]
		for w := range declWords {
			if strings.HasPrefix(line, w) && (len(line) == len(w) || !isNameByte(line[len(w)])) {
				return start
			}
		}
		if start == 0 {
			return 0
		}
		end = start - 1
	}
	return strings.LastIndexByte(text[:end], '\n') + 1
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// readContext reads the context of the cursor at offset in text.
func readContext(text string, offset int) *cursorContext {
	offset = max(0, min(offset, len(text)))
	start := declStart(text, offset)
	all := lang.Tokens([]byte(text[start:offset]))
	c := &cursorContext{wordStart: offset, line: strings.Count(text[start:offset], "\n") + 1}
	for _, t := range all {
		t.Span.Start.Offset += start
		t.Span.End.Offset += start
		if t.Kind == lang.TokenComment {
			if t.Span.End.Offset == offset {
				c.inComment = true
			}
			continue
		}
		c.toks = append(c.toks, t)
	}
	if n := len(c.toks); n > 0 {
		last := c.toks[n-1]
		switch {
		case last.Span.End.Offset != offset:
		case isWord(last):
			c.word, c.wordStart = last.Text, last.Span.Start.Offset
			c.toks = c.toks[:n-1]
		case last.Kind == lang.TokenInvalid && strings.HasPrefix(last.Text, `"`):
			c.inComment = true // in a string being typed
		}
	}
	c.scan()
	return c
}

// scan follows the brackets, items and lets of the tokens.
func (c *cursorContext) scan() {
	for i, t := range c.toks {
		top := c.top()
		switch {
		case t.Kind == lang.TokenPunct && t.Text == "{":
			f := &frame{kind: frameOther, item: i + 1, start: i + 1}
			switch {
			case top == nil:
				f.kind, f.name, f.result = c.declFrame(c.topItem, i)
			case top.kind == frameReward || top.kind == frameBlock:
				if head := c.toks[top.item].Text; top.item < i && head == "tiers" {
					f.kind = frameTiers
				} else {
					f.kind = frameBlock
				}
			case top.kind == frameTiers:
				f.kind = frameBlock
			case top.kind == frameRule:
				f.kind, f.name = frameRuleBlock, c.toks[min(top.item, i)].Text // split or qualification
			}
			c.frames = append(c.frames, f)
		case t.Kind == lang.TokenPunct && t.Text == "(":
			name := ""
			if i > 0 && isWord(c.toks[i-1]) {
				name = c.toks[i-1].Text
			}
			c.frames = append(c.frames, &frame{kind: frameParen, name: name, item: i + 1, start: i + 1})
		case t.Kind == lang.TokenPunct && t.Text == "[":
			c.frames = append(c.frames, &frame{kind: frameBracket, item: i + 1, start: i + 1})
		case t.Kind == lang.TokenPunct && (t.Text == "}" || t.Text == ")" || t.Text == "]"):
			if len(c.frames) > 0 {
				c.frames = c.frames[:len(c.frames)-1]
			}
			if t.Text == "}" {
				if top := c.top(); top != nil && top.kind != frameParen && top.kind != frameBracket {
					top.item, top.ifs = i+1, 0 // the statement of the block ends with it
				} else if top == nil {
					c.topItem = i + 1
				}
			}
		case top == nil:
			// template is also a reward's result: reward r: template.
			if t.Kind == lang.TokenKeyword && declWords[t.Text] && (i == 0 || c.toks[i-1].Text != ":") {
				c.topItem = i
			}
			if t.Text == "offer" && t.Kind == lang.TokenContextual && (i == 0 || c.toks[i-1].Text != "for") { // offer x { ... }, not attribution ... for offer "X"
				c.topItem = i
			}
			if startsAttribution(c.toks, i) { // attribution.go
				c.topItem = i
			}
		case top.kind == frameReward || top.kind == frameBlock:
			if t.Kind == lang.TokenKeyword && statementWords[t.Text] {
				top.item, top.ifs = i, 0
			}
			if t.Text == "let" && i+1 < len(c.toks) && c.toks[i+1].Kind == lang.TokenIdent {
				top.lets = append(top.lets, c.toks[i+1].Text)
			}
			c.countIfs(top, t)
		case top.kind == frameTiers:
			switch {
			case t.Text == "if":
				top.ifs++
			case t.Text == "else" && top.ifs > 0:
				top.ifs--
			case t.Kind == lang.TokenKeyword && (t.Text == "above" || t.Text == "below" || t.Text == "at" || t.Text == "else"):
				top.item, top.ifs = i, 0
			}
		case top.kind == frameTest:
			if testClauseWords[t.Text] && (t.Kind == lang.TokenKeyword || t.Kind == lang.TokenContextual) && !inExpect(c.toks, top.item, i) {
				top.item = i
			}
		case top.kind == frameRule || top.kind == frameRuleBlock:
			if startsRuleClause(c.toks, i) {
				top.item = i
			}
		case top.kind == frameOffer:
			if startsOfferClause(c.toks, i) { // offers.go
				top.item = i
			}
		case top.kind == frameKind_ || top.kind == framePlayer:
			// A field starts with a name that follows a type or a default's end:
			// name ':' type. The name is the token before a ':'.
			if t.Text == ":" && i > 0 {
				top.item = i - 1
			}
		}
	}
}

func (c *cursorContext) countIfs(f *frame, t lang.Token) {
	switch t.Text {
	case "if":
		f.ifs++
	case "else":
		if f.ifs > 0 {
			f.ifs--
		}
	}
}

// declFrame tells the kind of a top-level { from its declaration's tokens
// toks[from:at].
func (c *cursorContext) declFrame(from, at int) (frameKind, string, string) {
	if from >= at {
		return frameOther, "", ""
	}
	head := c.toks[from:at]
	name := ""
	if len(head) > 1 {
		name = head[1].Text
	}
	switch head[0].Text {
	case "kind":
		return frameKind_, name, ""
	case "player":
		return framePlayer, "", ""
	case "test":
		return frameTest, "", ""
	case "automation", "campaign":
		return frameRule, name, head[0].Text
	case "offer":
		return frameOffer, name, ""
	case "reward":
		result := ""
		if len(head) > 3 && head[2].Text == ":" {
			result = head[3].Text
		}
		return frameReward, name, result
	}
	return frameOther, "", ""
}

func (c *cursorContext) top() *frame {
	if len(c.frames) == 0 {
		return nil
	}
	return c.frames[len(c.frames)-1]
}

// last returns the nth token before the word, counting from 1, or a
// token with no text.
func (c *cursorContext) last(n int) lang.Token {
	if n > len(c.toks) {
		return lang.Token{Kind: lang.TokenInvalid}
	}
	return c.toks[len(c.toks)-n]
}

// item returns the tokens of the current item of the innermost block (or
// declaration at the top level) before the word.
func (c *cursorContext) item() []lang.Token {
	from := c.topItem
	for i := len(c.frames) - 1; i >= 0; i-- {
		if f := c.frames[i]; f.kind != frameParen && f.kind != frameBracket {
			from = f.item
			break
		}
	}
	if from > len(c.toks) {
		return nil
	}
	return c.toks[from:]
}

// reward returns the frame of the reward around the cursor, or nil.
func (c *cursorContext) reward() *frame {
	if len(c.frames) > 0 && c.frames[0].kind == frameReward {
		return c.frames[0]
	}
	return nil
}

// lets returns the lets in scope at the cursor, innermost first.
func (c *cursorContext) lets() []string {
	var out []string
	for i := len(c.frames) - 1; i >= 0; i-- {
		f := c.frames[i]
		for j := len(f.lets) - 1; j >= 0; j-- {
			out = append(out, f.lets[j])
		}
	}
	return out
}

// paren returns the frame of the parentheses the cursor is directly in
// (lists aside), or nil.
func (c *cursorContext) paren() *frame {
	for i := len(c.frames) - 1; i >= 0; i-- {
		switch c.frames[i].kind {
		case frameParen:
			return c.frames[i]
		case frameBracket:
			continue
		}
		return nil
	}
	return nil
}

// endsOperand reports whether a token can end an operand, so that what
// follows it is an operator or the start of the next statement.
func endsOperand(t lang.Token) bool {
	switch t.Kind {
	case lang.TokenIdent, lang.TokenContextual, lang.TokenString, lang.TokenDate, lang.TokenMoney,
		lang.TokenDuration, lang.TokenPercent, lang.TokenNumber:
		return true
	case lang.TokenKeyword:
		return t.Text == "true" || t.Text == "false" || t.Text == "now"
	case lang.TokenPunct:
		return t.Text == ")" || t.Text == "]"
	}
	return false
}
