package lsp

import (
	"strings"

	"github.com/tliron/glsp"
	protocol "github.com/tliron/glsp/protocol_3_16"

	"github.com/promoc/promoc/lang"
)

// codeAction offers the quick fixes for the range: changing a misspelt name
// to the one a diagnostic suggests, and adding the missing else of a tiers
// statement.
func (s *Server) codeAction(_ *glsp.Context, p *protocol.CodeActionParams) (any, error) {
	snap, f := s.snapshot(p.TextDocument.URI)
	out := []protocol.CodeAction{}
	if f == nil {
		return out, nil
	}
	start, end := f.m.offsets(p.Range)
	all := protocolDiagnostics(snap, f)
	for i, d := range f.diags {
		if d.Suggestion == "" || d.Span.End.Offset < start || d.Span.Start.Offset > end {
			continue
		}
		if a, ok := suggestionFix(f, d, all[i]); ok {
			out = append(out, a)
		}
	}
	if a, ok := missingElse(f, start); ok {
		out = append(out, a)
	}
	return out, nil
}

// suggestionFix replaces a misspelt name with the suggested one.
func suggestionFix(f *sourceFile, d lang.Diagnostic, pd protocol.Diagnostic) (protocol.CodeAction, bool) {
	from, to := d.Span.Start.Offset, d.Span.End.Offset
	if to > len(f.text) || from > to {
		return protocol.CodeAction{}, false
	}
	if d.Code == lang.CodeUnknownCurrency && strings.ContainsAny(f.text[from:to], "0123456789") {
		// The span is the literal, 10 EUX: the code is its letters at the end.
		// (In a currencies declaration it is the code alone, eur.)
		lit := f.text[from:to]
		i := len(lit)
		for i > 0 && lit[i-1] >= 'A' && lit[i-1] <= 'Z' {
			i--
		}
		from += i
	}
	old := f.text[from:to]
	if old == "" || old == d.Suggestion {
		return protocol.CodeAction{}, false
	}
	kind := protocol.CodeActionKindQuickFix
	yes := true
	return protocol.CodeAction{
		Title:       "Change " + old + " to " + d.Suggestion,
		Kind:        &kind,
		Diagnostics: []protocol.Diagnostic{pd},
		IsPreferred: &yes,
		Edit: &protocol.WorkspaceEdit{Changes: map[protocol.DocumentUri][]protocol.TextEdit{
			f.uri: {{Range: f.m.rangeOf(from, to), NewText: d.Suggestion}},
		}},
	}, true
}

// elseBranch is the branch the missing-else fix adds.
const elseBranch = `else: skip "no tier matched"`

// missingElse adds an else branch to the innermost tiers statement around
// offset that has none: without it a value no tier takes falls through.
func missingElse(f *sourceFile, offset int) (protocol.CodeAction, bool) {
	path := lang.PathAt(f.file, offset)
	var tiers *lang.TierStmt
	for i := len(path) - 1; i >= 0 && tiers == nil; i-- {
		tiers, _ = path[i].(*lang.TierStmt)
	}
	if tiers == nil || len(tiers.Branches) == 0 {
		return protocol.CodeAction{}, false
	}
	for _, b := range tiers.Branches {
		if b.Op == lang.TierElse {
			return protocol.CodeAction{}, false
		}
	}
	closing := tiers.End.Offset - 1 // the tiers' }
	if closing < 0 || closing >= len(f.text) || f.text[closing] != '}' {
		return protocol.CodeAction{}, false
	}
	var at int
	var text string
	first := tiers.Branches[0].Start.Offset
	if strings.TrimSpace(f.text[lineStartOf(f.text, closing):closing]) == "" && lineStartOf(f.text, first) > tiers.Start.Offset {
		// One branch a line: a new line before the } line, indented as the
		// branches.
		at = lineStartOf(f.text, closing)
		text = indentOf(f.text, first) + elseBranch + "\n"
	} else {
		at = closing
		text = elseBranch + " "
		if c := f.text[closing-1]; c != ' ' && c != '\t' {
			text = " " + text
		}
	}
	kind := protocol.CodeActionKindQuickFix
	return protocol.CodeAction{
		Title: "Add the missing else: " + elseBranch,
		Kind:  &kind,
		Edit: &protocol.WorkspaceEdit{Changes: map[protocol.DocumentUri][]protocol.TextEdit{
			f.uri: {{Range: f.m.rangeOf(at, at), NewText: text}},
		}},
	}, true
}

func lineStartOf(text string, offset int) int {
	return strings.LastIndexAny(text[:offset], "\r\n") + 1
}
