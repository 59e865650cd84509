package lsp

import (
	"github.com/promoc/promoc/lang"
)

// lineTokens returns the tokens of the line holding offset, comments
// included, with offsets in the whole text. No token spans lines, so a
// line lexes alone as it does in its file.
func lineTokens(text string, offset int) []lang.Token {
	start, end := offset, offset
	for start > 0 && text[start-1] != '\n' && text[start-1] != '\r' {
		start--
	}
	for end < len(text) && text[end] != '\n' && text[end] != '\r' {
		end++
	}
	toks := lang.Tokens([]byte(text[start:end]))
	for i := range toks {
		toks[i].Span.Start.Offset += start
		toks[i].Span.End.Offset += start
	}
	return toks
}

// tokenAt returns the index of the token under the cursor at offset: the
// one holding offset, unless that is not a word and a word ends there (the
// cursor is just after the word), or -1.
func tokenAt(toks []lang.Token, offset int) int {
	holding, touching := -1, -1
	for i, t := range toks {
		switch {
		case t.Span.Start.Offset <= offset && offset < t.Span.End.Offset:
			holding = i
		case t.Span.End.Offset == offset:
			touching = i
		}
	}
	if holding < 0 || touching >= 0 && !isWord(toks[holding]) && isWord(toks[touching]) {
		return touching
	}
	return holding
}

// isWord reports whether a token is a name or a keyword.
func isWord(t lang.Token) bool {
	return t.Kind == lang.TokenIdent || t.Kind == lang.TokenKeyword || t.Kind == lang.TokenContextual
}
