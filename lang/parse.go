package lang

import (
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/promoc/promoc/lang/limits"
)

// Parse parses one file. It never returns a nil *File: after a syntax error
// the File holds the complete declarations before the error, for outlines.
//
// The first syntax error stops the parse and makes one diagnostic, with code
// [CodeBadSyntax], at the offending token. A few rules of the syntax are
// checked on the complete declarations instead (type names, the forms of
// aggregations, unchained comparisons, the place of not, whole decimals,
// whole rows in a test's transactions table, reason codes without blanks);
// each broken one makes a [CodeBadSyntax] diagnostic too. Invalid literals,
// such as the date 2026-02-30, make [CodeBadLiteral] diagnostics. The
// diagnostics are sorted by position.
//
// Parse never panics: a failure of its own, a bug, is a diagnostic with
// code [CodeInternalError] at the start of the file.
func Parse(name string, src []byte) (_ *File, diags Diagnostics) {
	b := &builder{name: name, lines: lineStarts(src)}
	f := &File{Name: name}
	defer func() {
		if r := recover(); r != nil {
			start := Pos{Offset: 0, Line: 1, Col: 1}
			b.errorf(Span{Start: start, End: start}, CodeInternalError, "internal error: %v", r)
			diags = b.diags.Sort()
		}
	}()
	f.Loc = Loc{Pos{Offset: 0, Line: 1, Col: 1}, b.pos(lexer.Position{Offset: len(src), Line: len(b.lines)})}
	if len(src) > limits.FileBytes {
		b.errorf(Span{f.Start, f.Start}, CodeExceededLimit, "file too large: %d bytes, more than %d (limits.FileBytes)", len(src), limits.FileBytes)
		return f, b.diags
	}

	sc := newScanner(name, src)
	peek, _ := lexer.Upgrade(sc) // never fails: sc ends at a lexical error with EOF
	g, err := parser.ParseFromLexer(peek)
	f.Decls = b.decls(g)

	f.Tokens = sc.n + len(sc.comments) // the end of the file is no token
	if sc.done {
		f.Tokens--
	}
	f.Comments = make([]*Comment, len(sc.comments))
	for i, t := range sc.comments {
		f.Comments[i] = &Comment{Loc: b.tokLoc(t), Text: t.Value}
	}

	switch {
	case sc.err != nil: // then the parser stopped at it: report only the cause
		start := b.pos(sc.err.Pos)
		end := start
		end.Offset += sc.err.Len
		end.Col += sc.err.Len
		code := sc.err.Code
		if code == "" {
			code = CodeBadSyntax
		}
		b.errorf(Span{start, end}, code, "%s", sc.err.Message)
		b.diags[len(b.diags)-1].Suggestion = sc.err.Fix
	case err != nil:
		toks := peek.Range(0, lexer.RawCursor(sc.n))
		sp, msg, fix := explain(err, toks, b)
		b.errorf(sp, CodeBadSyntax, "%s", msg)
		b.diags[len(b.diags)-1].Suggestion = fix
	}
	return f, b.diags.Sort()
}
