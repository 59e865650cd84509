package lsp

import (
	"strings"

	"github.com/tliron/glsp"
	protocol "github.com/tliron/glsp/protocol_3_16"

	"github.com/promoc/promoc/lang"
)

// documentSymbol returns the outline of a file: its kinds with their
// attributes, player properties, templates, constants, rewards with their
// lets, and tests. A file that does not parse shows its complete
// declarations.
func (s *Server) documentSymbol(_ *glsp.Context, p *protocol.DocumentSymbolParams) (any, error) {
	snap, f := s.snapshot(p.TextDocument.URI)
	if f == nil {
		return []protocol.DocumentSymbol{}, nil
	}
	out := []protocol.DocumentSymbol{}
	for _, d := range f.file.Decls {
		if sym, ok := declSymbol(snap, f, d); ok {
			out = append(out, sym)
		}
	}
	return out, nil
}

func declSymbol(snap *snapshot, f *sourceFile, d lang.Decl) (protocol.DocumentSymbol, bool) {
	m := f.m
	sym := func(name string, kind protocol.SymbolKind, n lang.Node, sel lang.Node, detail string) protocol.DocumentSymbol {
		ds := protocol.DocumentSymbol{Name: name, Kind: kind, Range: m.spanRange(n.Span()), SelectionRange: m.spanRange(sel.Span())}
		if detail != "" {
			ds.Detail = &detail
		}
		return ds
	}
	fields := func(fs []*lang.Field, kind protocol.SymbolKind) []protocol.DocumentSymbol {
		var out []protocol.DocumentSymbol
		for _, fl := range fs {
			out = append(out, sym(fl.Name.Name, kind, fl, fl.Name, fl.Type.Name))
		}
		return out
	}
	switch d := d.(type) {
	case *lang.KindDecl:
		ds := sym(d.Name.Name, protocol.SymbolKindClass, d, d.Name, "kind")
		ds.Children = fields(d.Fields, protocol.SymbolKindField)
		return ds, true
	case *lang.PlayerDecl:
		ds := protocol.DocumentSymbol{Name: "player", Kind: protocol.SymbolKindStruct, Range: m.spanRange(d.Span()), SelectionRange: m.spanRange(d.Keyword)}
		ds.Children = fields(d.Fields, protocol.SymbolKindProperty)
		return ds, true
	case *lang.TemplateDecl:
		detail := "template"
		if d.Title != nil {
			detail = "template \"" + d.Title.Value + "\""
		}
		return sym(d.Name.Name, protocol.SymbolKindEnumMember, d, d.Name, detail), true
	case *lang.ConstDecl:
		detail := "const"
		if c := snap.def(d.Name); c != nil && c.Value != nil {
			detail = "const = " + renderValue(snap, c.Value)
		}
		return sym(d.Name.Name, protocol.SymbolKindConstant, d, d.Name, detail), true
	case *lang.RewardDecl:
		detail := "reward"
		if d.Result != nil {
			detail = "reward: " + resultText(d.Result)
		}
		ds := sym(d.Name.Name, protocol.SymbolKindFunction, d, d.Name, detail)
		lang.Inspect(d, func(n lang.Node) bool {
			if l, ok := n.(*lang.LetStmt); ok {
				detail := "let"
				if t := snap.def(l.Name); t != nil {
					detail = "let: " + typeText(t.Type)
				}
				ds.Children = append(ds.Children, sym(l.Name.Name, protocol.SymbolKindVariable, l, l.Name, detail))
				return false
			}
			_, isExpr := n.(lang.Expr)
			return n != nil && !isExpr
		})
		return ds, true
	case *lang.RuleDecl:
		return ruleSymbol(m, d), true // rules.go
	case *lang.OfferDecl:
		return offerSymbol(m, d), true // offers.go
	case *lang.AttributionDecl:
		return attributionSymbol(f, d), true // attribution.go
	case *lang.TestDecl:
		name := "test"
		if d.Name != nil {
			name = d.Name.Value
		}
		var sel lang.Node = d
		if d.Name != nil {
			sel = d.Name
		}
		return sym(name, protocol.SymbolKindMethod, d, sel, "test"), true
	}
	return protocol.DocumentSymbol{}, false
}

// workspaceSymbol lists the declarations of every rule set the server
// knows (those of the workspace folders and of the open files) whose name
// holds the query's letters in order, ignoring case.
func (s *Server) workspaceSymbol(_ *glsp.Context, p *protocol.WorkspaceSymbolParams) ([]protocol.SymbolInformation, error) {
	out := []protocol.SymbolInformation{}
	query := strings.ToLower(p.Query)
	for _, snap := range s.allSnapshots() {
		for _, f := range snap.files {
			for _, d := range f.file.Decls {
				ds, ok := declSymbol(snap, f, d)
				if !ok {
					continue
				}
				add := func(ds protocol.DocumentSymbol, container string) {
					if !fuzzyMatch(strings.ToLower(ds.Name), query) {
						return
					}
					si := protocol.SymbolInformation{Name: ds.Name, Kind: ds.Kind, Location: protocol.Location{URI: f.uri, Range: ds.SelectionRange}}
					if container != "" {
						si.ContainerName = &container
					}
					out = append(out, si)
				}
				add(ds, "")
				if _, isPlayer := d.(*lang.PlayerDecl); isPlayer {
					for _, c := range ds.Children {
						add(c, "player")
					}
				}
			}
		}
	}
	return out, nil
}

// fuzzyMatch reports whether the letters of query appear in name in order.
func fuzzyMatch(name, query string) bool {
	for _, r := range query {
		i := strings.IndexRune(name, r)
		if i < 0 {
			return false
		}
		name = name[i+len(string(r)):]
	}
	return true
}
