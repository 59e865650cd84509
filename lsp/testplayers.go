package lsp

import (
	"strconv"
	"strings"
	"unicode"

	protocol "github.com/tliron/glsp/protocol_3_16"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
)

// This file makes the players of an event-sequence test names for the
// editor: hover, definition, references and rename of p1 in
//
//	player p1 { currency EUR }
//	update p1 at ... { ... }, a row's player cell, a repeat's player field,
//	expect outcome 1 player p1 ..., expect group p1 ...
//
// They are not symbols of the rule set: a player is the test's own.

// testPlayer is a player of a test at the cursor: its declaration and
// every place that names it, declaration first.
type testPlayer struct {
	test *lang.TestDecl
	id   string
	decl *lang.PlayerClause // nil when the test declares no such player
	uses []lang.Expr        // *lang.Ident or *lang.StringLit, in source order, the declaration's id included
	at   lang.Expr          // the one at the cursor
}

// testPlayerAt returns the player of an event-sequence test named at
// offset of a test file, or nil.
func testPlayerAt(f *sourceFile, offset int) *testPlayer {
	if f.file == nil || f.rule {
		return nil
	}
	path := lang.PathAt(f.file, offset)
	var test *lang.TestDecl
	var at lang.Expr
	for _, n := range path {
		switch n := n.(type) {
		case *lang.TestDecl:
			test = n
		case *lang.Ident:
			at = n
		case *lang.StringLit:
			at = n
		}
	}
	if test == nil || at == nil || !compiler.IsSequence(test) {
		return nil
	}
	refs := playerRefs(test)
	for _, e := range refs {
		if e != at {
			continue
		}
		p := &testPlayer{test: test, id: compiler.PlayerID(e), at: e}
		for _, r := range refs {
			if compiler.PlayerID(r) == p.id {
				p.uses = append(p.uses, r)
			}
		}
		for _, cl := range test.Clauses {
			if pc, ok := cl.(*lang.PlayerClause); ok && pc.ID != nil && compiler.PlayerID(pc.ID) == p.id && p.decl == nil {
				p.decl = pc
			}
		}
		return p
	}
	return nil
}

// playerRefs lists the expressions of a test that name a player, in
// source order.
func playerRefs(test *lang.TestDecl) []lang.Expr {
	var out []lang.Expr
	add := func(e lang.Expr) {
		switch e.(type) {
		case *lang.Ident, *lang.StringLit:
			out = append(out, e)
		}
	}
	for _, cl := range test.Clauses {
		switch cl := cl.(type) {
		case *lang.PlayerClause:
			add(cl.ID)
		case *lang.UpdateClause:
			add(cl.Player)
		case *lang.EventsClause:
			for _, row := range cl.Rows {
				for i, x := range row.Values {
					if i < len(cl.Columns) && cl.Columns[i].Name == "player" {
						add(x)
					}
				}
			}
		case *lang.RepeatClause:
			for _, fl := range cl.Fields {
				if fl.Name.Name == "player" {
					add(fl.Value)
				}
			}
		case *lang.ExpectStep:
			add(cl.Player)
		case *lang.ExpectGroup:
			add(cl.Player)
		}
	}
	return out
}

// hover describes the player: its clause as written.
func (p *testPlayer) hover(f *sourceFile) string {
	if p.decl == nil {
		return "player " + strconv.Quote(p.id) + ": not declared in test " + strconv.Quote(p.test.Name.Value)
	}
	sp := p.decl.Span()
	return "```promo\n" + f.text[sp.Start.Offset:sp.End.Offset] + "\n```\n\nA player of test " + strconv.Quote(p.test.Name.Value) +
		", stored before its first step."
}

// locations are the places that name the player, with its declaration or
// without.
func (p *testPlayer) locations(f *sourceFile, withDecl bool) []protocol.Location {
	out := []protocol.Location{}
	for _, e := range p.uses {
		if !withDecl && p.decl != nil && e == p.decl.ID {
			continue
		}
		out = append(out, protocol.Location{URI: f.uri, Range: f.m.spanRange(e.Span())})
	}
	return out
}

// rename renames the player everywhere in its test: a name stays a name
// when the new one is one, else every place writes it as a string.
func (p *testPlayer) rename(f *sourceFile, newName string) (*protocol.WorkspaceEdit, error) {
	if newName == "" {
		return nil, errorf("a player's id cannot be empty")
	}
	for _, e := range playerRefs(p.test) {
		if id := compiler.PlayerID(e); id == newName && id != p.id {
			return nil, errorf("%s is already a player of test %s", newName, strconv.Quote(p.test.Name.Value))
		}
	}
	quoted, ok := stringLit(newName)
	if !ok {
		return nil, errorf("%s cannot be a player's id: it holds a control, bidirectional or invisible character", strconv.Quote(newName))
	}
	ident := isIdent(newName)
	edits := []protocol.TextEdit{}
	for _, e := range p.uses {
		text := quoted
		if _, ok := e.(*lang.Ident); ok && ident {
			text = newName
		}
		edits = append(edits, protocol.TextEdit{Range: f.m.spanRange(e.Span()), NewText: text})
	}
	return &protocol.WorkspaceEdit{Changes: map[protocol.DocumentUri][]protocol.TextEdit{f.uri: edits}}, nil
}

// isIdent reports whether s can be written as a name: a letter or _, then
// letters, digits and _, and no keyword.
func isIdent(s string) bool {
	toks := lang.Tokens([]byte(s))
	return len(toks) == 1 && toks[0].Kind == lang.TokenIdent && toks[0].Text == s
}

// stringLit writes s as a string of the language, whose escapes are \"
// and \\ (and \n and \t, which no id needs): strconv.Quote writes
// others, \x01 or \u200b, that the lexer refuses. ok is false when s is
// no player's id: a control character, or what no string may hold (a
// bidirectional control, an invisible character).
func stringLit(s string) (lit string, ok bool) {
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "", false
	}
	lit = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
	toks := lang.Tokens([]byte(lit))
	return lit, len(toks) == 1 && toks[0].Kind == lang.TokenString && toks[0].Text == lit
}
