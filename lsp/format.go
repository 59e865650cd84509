package lsp

import (
	"github.com/tliron/glsp"
	protocol "github.com/tliron/glsp/protocol_3_16"

	"github.com/promoc/promoc/lang/format"
)

// formatting formats a document as `promoc fmt` does, through the same
// function. A document that does not parse is left as it is: the answer is
// no edits. The edit replaces only the lines that differ, so that the
// editor keeps the cursor and folds elsewhere.
//
// The tree is that of the current text, from the file's Reparser, which
// parses again only the declarations that changed; the rule set is not
// checked for it.
func (s *Server) formatting(_ *glsp.Context, p *protocol.DocumentFormattingParams) ([]protocol.TextEdit, error) {
	text, file, diags, ok := s.parsed(p.TextDocument.URI)
	if !ok {
		return nil, nil
	}
	if diags.HasErrors() {
		return []protocol.TextEdit{}, nil
	}
	out := format.File(file, []byte(text))
	return diffEdits(text, string(out)), nil
}

// diffEdits returns one edit that turns old into new: the lines between
// their common first and last lines.
func diffEdits(old, new string) []protocol.TextEdit {
	if old == new {
		return []protocol.TextEdit{}
	}
	// Common prefix and suffix, in whole lines.
	start := 0
	for start < len(old) && start < len(new) && old[start] == new[start] {
		start++
	}
	for start > 0 && old[start-1] != '\n' {
		start--
	}
	oe, ne := len(old), len(new)
	for oe > start && ne > start && old[oe-1] == new[ne-1] {
		oe--
		ne--
	}
	for oe < len(old) && oe > start && old[oe-1] != '\n' {
		oe++
		ne++
	}
	m := newMapper(old)
	return []protocol.TextEdit{{Range: m.rangeOf(start, oe), NewText: new[start:ne]}}
}
