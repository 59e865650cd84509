package lsp

import (
	"sort"

	"github.com/tliron/glsp"
	protocol "github.com/tliron/glsp/protocol_3_16"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
)

func (s *Server) definition(_ *glsp.Context, p *protocol.DefinitionParams) (any, error) {
	snap, f := s.snapshot(p.TextDocument.URI)
	if f == nil {
		return nil, nil
	}
	if pl := testPlayerAt(f, f.m.offset(p.Position)); pl != nil { // testplayers.go
		if pl.decl == nil {
			return nil, nil
		}
		return []protocol.Location{{URI: f.uri, Range: f.m.spanRange(pl.decl.ID.Span())}}, nil
	}
	sym, _ := symbolAt(snap, f, f.m.offset(p.Position))
	if sym == nil {
		return nil, nil
	}
	if loc, ok := declLocation(snap, sym); ok {
		return []protocol.Location{loc}, nil
	}
	return nil, nil
}

func (s *Server) references(_ *glsp.Context, p *protocol.ReferenceParams) ([]protocol.Location, error) {
	snap, f := s.snapshot(p.TextDocument.URI)
	if f == nil {
		return nil, nil
	}
	if pl := testPlayerAt(f, f.m.offset(p.Position)); pl != nil {
		return pl.locations(f, p.Context.IncludeDeclaration), nil
	}
	sym, _ := symbolAt(snap, f, f.m.offset(p.Position))
	if sym == nil {
		return nil, nil
	}
	out := []protocol.Location{}
	for _, r := range references(snap, sym, p.Context.IncludeDeclaration) {
		out = append(out, protocol.Location{URI: r.file.uri, Range: r.file.m.spanRange(r.id.Span())})
	}
	return out, nil
}

// symbolAt returns the symbol of the name at offset and its identifier:
// from the analyzed tree, or, where the tree has no analyzed name (after a
// syntax error), from the name's text and the latest analysis.
func symbolAt(snap *snapshot, f *sourceFile, offset int) (*compiler.Symbol, *lang.Ident) {
	if id := identAt(f, offset); id != nil {
		if sym := snap.use(id); sym != nil {
			return sym, id
		}
		if sym := snap.def(id); sym != nil {
			return sym, id
		}
	}
	toks := lineTokens(f.text, offset)
	i := tokenAt(toks, offset)
	if i < 0 || toks[i].Kind != lang.TokenIdent {
		return nil, nil
	}
	name := toks[i].Text
	if i >= 2 && toks[i-1].Text == "." {
		if toks[i-2].Text == "player" {
			for _, p := range snap.info.Props {
				if p.Name == name {
					return p, nil
				}
			}
		}
		if k := global(snap.info, toks[i-2].Text); k != nil && k.Kind == compiler.SymKind {
			for _, a := range k.Attrs {
				if a.Name == name {
					return a, nil
				}
			}
		}
		return nil, nil
	}
	return global(snap.info, name), nil
}

// identAt returns the identifier at offset in the tree, or nil.
func identAt(f *sourceFile, offset int) *lang.Ident {
	for _, off := range []int{offset, offset - 1} {
		path := lang.PathAt(f.file, off)
		if len(path) == 0 {
			continue
		}
		if id, ok := path[len(path)-1].(*lang.Ident); ok {
			return id
		}
	}
	return nil
}

func declLocation(snap *snapshot, sym *compiler.Symbol) (protocol.Location, bool) {
	if sym.Decl == nil {
		return protocol.Location{}, false
	}
	df := snap.fileByPath(sym.File)
	if df == nil {
		return protocol.Location{}, false
	}
	return protocol.Location{URI: df.uri, Range: df.m.spanRange(sym.Decl.Span())}, true
}

// reference is one identifier of a symbol.
type reference struct {
	file *sourceFile
	id   *lang.Ident
	decl bool
}

// references returns the identifiers that declare (when withDecl) and use
// sym, in every file of the rule set and its tests, by file and position.
func references(snap *snapshot, sym *compiler.Symbol, withDecl bool) []reference {
	var out []reference
	for _, f := range snap.files {
		lang.Inspect(f.file, func(n lang.Node) bool {
			id, ok := n.(*lang.Ident)
			if !ok {
				return n != nil
			}
			switch {
			case snap.use(id) == sym:
				out = append(out, reference{f, id, false})
			case withDecl && snap.def(id) == sym:
				out = append(out, reference{f, id, true})
			}
			return false
		})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].file.path != out[j].file.path {
			return out[i].file.path < out[j].file.path
		}
		return out[i].id.Start.Offset < out[j].id.Start.Offset
	})
	return out
}
