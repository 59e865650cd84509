package lsp

import (
	"github.com/tliron/glsp"
	protocol "github.com/tliron/glsp/protocol_3_16"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
)

// The legend of the semantic tokens: the standard types and modifiers of
// LSP 3.16, so that every editor theme colours them.
var (
	tokenTypes     = []string{"keyword", "type", "function", "variable", "property", "enumMember", "number", "string", "comment", "operator"}
	tokenModifiers = []string{"declaration", "readonly", "defaultLibrary"}
)

const (
	semKeyword = iota
	semType
	semFunction
	semVariable
	semProperty
	semEnumMember
	semNumber
	semString
	semComment
	semOperator
)

const (
	modDeclaration = 1 << iota
	modReadonly
	modDefaultLibrary
)

// semClass is the type and modifiers of one token.
type semClass struct {
	typ, mods int
}

func semanticTokensOptions() protocol.SemanticTokensOptions {
	return protocol.SemanticTokensOptions{
		Legend: protocol.SemanticTokensLegend{TokenTypes: tokenTypes, TokenModifiers: tokenModifiers},
		Full:   true,
		Range:  true,
	}
}

// semanticTokensFull colours a whole file: the tokens of the lexer
// (keywords, numbers, strings, comments, operators), and the names by what
// the analysis says they are (kinds, attributes and properties, consts and
// lets, rewards and templates, builtins; the codes of currencies). A file that does not parse has
// its names classified up to the error, and lexed after it.
func (s *Server) semanticTokensFull(_ *glsp.Context, p *protocol.SemanticTokensParams) (*protocol.SemanticTokens, error) {
	snap, f := s.snapshot(p.TextDocument.URI)
	if f == nil {
		return &protocol.SemanticTokens{Data: []protocol.UInteger{}}, nil
	}
	return semanticTokens(snap, f, 0, len(f.text)), nil
}

// semanticTokensRange colours the lines of a range, lexing only them.
func (s *Server) semanticTokensRange(_ *glsp.Context, p *protocol.SemanticTokensRangeParams) (any, error) {
	snap, f := s.snapshot(p.TextDocument.URI)
	if f == nil {
		return &protocol.SemanticTokens{Data: []protocol.UInteger{}}, nil
	}
	start, end := f.m.offsets(p.Range)
	return semanticTokens(snap, f, start, end), nil
}

// semanticTokens encodes the tokens of the whole lines from start to end.
func semanticTokens(snap *snapshot, f *sourceFile, start, end int) *protocol.SemanticTokens {
	text := f.text
	for start > 0 && text[start-1] != '\n' && text[start-1] != '\r' {
		start--
	}
	for end < len(text) && text[end] != '\n' && text[end] != '\r' {
		end++
	}
	names := nameClasses(snap, f.file, start, end)
	toks := lang.Tokens([]byte(text[start:end])) // no token spans lines
	data := make([]protocol.UInteger, 0, 5*len(toks))
	var prevLine, prevChar protocol.UInteger
	for _, t := range toks {
		from, to := start+t.Span.Start.Offset, start+t.Span.End.Offset
		c, ok := tokenClass(t, names[from])
		if !ok {
			continue
		}
		ps, pe := f.m.position(from), f.m.position(to)
		if pe.Line != ps.Line || pe.Character <= ps.Character {
			continue // a token cut by a line break the lexer does not see ("\r")
		}
		dl, dc := ps.Line-prevLine, ps.Character
		if dl == 0 {
			dc -= prevChar
		}
		data = append(data, dl, dc, pe.Character-ps.Character, protocol.UInteger(c.typ), protocol.UInteger(c.mods))
		prevLine, prevChar = ps.Line, ps.Character
	}
	return &protocol.SemanticTokens{Data: data}
}

// tokenClass returns the class of one token, name being what the tree says
// of the name at its offset, if anything.
func tokenClass(t lang.Token, name *semClass) (semClass, bool) {
	switch t.Kind {
	case lang.TokenComment:
		return semClass{typ: semComment}, true
	case lang.TokenString:
		return semClass{typ: semString}, true
	case lang.TokenNumber, lang.TokenMoney, lang.TokenDuration, lang.TokenPercent, lang.TokenDate:
		return semClass{typ: semNumber}, true
	case lang.TokenOperator:
		return semClass{typ: semOperator}, true
	case lang.TokenKeyword:
		return semClass{typ: semKeyword}, true
	case lang.TokenContextual:
		// A keyword only where the grammar expects one; elsewhere a name.
		if name != nil {
			return *name, true
		}
		return semClass{typ: semKeyword}, true
	case lang.TokenIdent:
		if name != nil {
			return *name, true
		}
		if t.Text == "within" {
			// approval manual within 7 days, attribution ... within 30
			// days: a word of the grammar that is no keyword, so that it
			// may still name things.
			return semClass{typ: semKeyword}, true
		}
		return semClass{typ: semVariable}, true
	}
	return semClass{}, false
}

// nameClasses returns the class of the names of the declarations of file
// between start and end, by their offsets.
func nameClasses(snap *snapshot, file *lang.File, start, end int) map[int]*semClass {
	out := map[int]*semClass{}
	set := func(n lang.Node, c semClass) {
		if n != nil {
			out[n.Span().Start.Offset] = &c
		}
	}
	ident := func(id *lang.Ident, fallback semClass) {
		if id == nil {
			return
		}
		sym, mods := snap.use(id), 0
		if sym == nil {
			if sym = snap.def(id); sym != nil {
				mods = modDeclaration
			}
		}
		if sym == nil {
			set(id, fallback)
			return
		}
		set(id, symbolClass(sym, mods))
	}
	for _, d := range file.Decls {
		if sp := d.Span(); sp.End.Offset < start || sp.Start.Offset > end {
			continue
		}
		lang.Inspect(d, func(n lang.Node) bool {
			switch n := n.(type) {
			case *lang.Ident:
				if _, done := out[n.Start.Offset]; !done {
					ident(n, semClass{typ: semVariable})
				}
			case *lang.TypeName:
				set(n, semClass{typ: semType, mods: modDefaultLibrary})
			case *lang.CurrenciesDecl:
				for _, code := range n.Codes {
					set(code, semClass{typ: semEnumMember, mods: modReadonly})
				}
			case *lang.Field:
				ident(n.Name, semClass{typ: semProperty, mods: modDeclaration})
			case *lang.SelectorExpr:
				ident(n.X, semClass{typ: semType})
				ident(n.Sel, semClass{typ: semProperty})
			case *lang.PlayerExpr:
				ident(n.Prop, semClass{typ: semProperty})
			case *lang.CallExpr:
				ident(n.Fun, semClass{typ: semFunction, mods: modDefaultLibrary})
			case *lang.AggregateExpr:
				// The word of the aggregation (sum, count, ...) starts it.
				set(n, semClass{typ: semFunction, mods: modDefaultLibrary})
				ident(n.Kind, semClass{typ: semType})
				ident(n.Attr, semClass{typ: semProperty})
			case *lang.Schedule: // every Monday 09:30
				set(n.Day, semClass{typ: semKeyword})
			case *lang.SplitArm:
				ident(n.Name, semClass{typ: semEnumMember, mods: modDeclaration})
			}
			return true
		})
	}
	return out
}

// symbolClass returns the class of a name that refers to sym.
func symbolClass(sym *compiler.Symbol, mods int) semClass {
	switch sym.Kind {
	case compiler.SymKind:
		return semClass{semType, mods}
	case compiler.SymAttr, compiler.SymProp:
		return semClass{semProperty, mods}
	case compiler.SymTemplate:
		return semClass{semEnumMember, mods | modReadonly}
	case compiler.SymConst:
		return semClass{semVariable, mods | modReadonly}
	case compiler.SymReward, compiler.SymAutomation, compiler.SymCampaign:
		return semClass{semFunction, mods}
	case compiler.SymOffer:
		return semClass{semEnumMember, mods | modReadonly}
	case compiler.SymBuiltin:
		return semClass{semFunction, mods | modDefaultLibrary}
	}
	return semClass{semVariable, mods}
}
