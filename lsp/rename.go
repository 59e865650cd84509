package lsp

import (
	"fmt"
	"path/filepath"

	"github.com/tliron/glsp"
	protocol "github.com/tliron/glsp/protocol_3_16"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
)

func (s *Server) prepareRename(_ *glsp.Context, p *protocol.PrepareRenameParams) (any, error) {
	snap, f := s.snapshot(p.TextDocument.URI)
	if f == nil {
		return nil, nil
	}
	if pl := testPlayerAt(f, f.m.offset(p.Position)); pl != nil { // testplayers.go
		return f.m.spanRange(pl.at.Span()), nil
	}
	_, id, err := renameTarget(snap, f, f.m.offset(p.Position))
	if err != nil {
		return nil, err
	}
	r := f.m.spanRange(id.Span())
	return r, nil
}

func (s *Server) rename(_ *glsp.Context, p *protocol.RenameParams) (*protocol.WorkspaceEdit, error) {
	snap, f := s.snapshot(p.TextDocument.URI)
	if f == nil {
		return nil, errorf("%s is not part of a rule set", p.TextDocument.URI)
	}
	if pl := testPlayerAt(f, f.m.offset(p.Position)); pl != nil {
		return pl.rename(f, p.NewName)
	}
	sym, _, err := renameTarget(snap, f, f.m.offset(p.Position))
	if err != nil {
		return nil, err
	}
	if err := checkNewName(snap, sym, p.NewName); err != nil {
		return nil, err
	}
	edit := &protocol.WorkspaceEdit{Changes: map[protocol.DocumentUri][]protocol.TextEdit{}}
	for _, r := range references(snap, sym, true) {
		edit.Changes[r.file.uri] = append(edit.Changes[r.file.uri], protocol.TextEdit{Range: r.file.m.spanRange(r.id.Span()), NewText: p.NewName})
	}
	return edit, nil
}

// renameTarget returns the declared symbol at offset and its identifier
// there, or an error saying why it cannot be renamed.
func renameTarget(snap *snapshot, f *sourceFile, offset int) (*compiler.Symbol, *lang.Ident, error) {
	for _, g := range snap.files {
		switch {
		case !g.parsed():
			return nil, nil, errorf("cannot rename while %s has a syntax error: its uses may not all be known", g.path)
		case !g.rule && snap.tests == nil:
			return nil, nil, errorf("cannot rename while the rule set has errors: the uses in %s are not known", g.path)
		}
	}
	toks := lineTokens(f.text, offset)
	if i := tokenAt(toks, offset); i >= 0 && (toks[i].Kind == lang.TokenKeyword || toks[i].Kind == lang.TokenContextual) {
		if id := identAt(f, offset); id == nil || snap.use(id) == nil && snap.def(id) == nil {
			return nil, nil, errorf("%s is a keyword and cannot be renamed", toks[i].Text)
		}
	}
	id := identAt(f, offset)
	if id == nil {
		return nil, nil, errorf("there is no name to rename here")
	}
	sym := snap.use(id)
	if sym == nil {
		sym = snap.def(id)
	}
	switch {
	case sym == nil && builtin(id.Name) != nil:
		return nil, nil, errorf("%s is a builtin function and cannot be renamed", id.Name)
	case sym == nil:
		return nil, nil, errorf("%s is not declared", id.Name)
	case sym.Kind == compiler.SymBuiltin:
		return nil, nil, errorf("%s is a builtin function and cannot be renamed", id.Name)
	case sym.Decl == nil:
		return nil, nil, errorf("%s is built in (every kind has it) and cannot be renamed", id.Name)
	}
	return sym, id, nil
}

// checkNewName refuses a new name that is not a name, is a keyword, or is
// taken where the symbol lives.
func checkNewName(snap *snapshot, sym *compiler.Symbol, name string) error {
	toks := lang.Tokens([]byte(name))
	if len(toks) != 1 || toks[0].Text != name {
		return errorf("%q is not a name", name)
	}
	switch toks[0].Kind {
	case lang.TokenKeyword, lang.TokenContextual:
		return errorf("%s is a keyword and cannot be a name", name)
	case lang.TokenIdent:
	default:
		return errorf("%q is not a name", name)
	}
	if name == sym.Name {
		return nil
	}
	info := snap.info
	taken := false
	switch sym.Kind {
	case compiler.SymKind, compiler.SymTemplate, compiler.SymConst, compiler.SymReward, compiler.SymAutomation, compiler.SymCampaign, compiler.SymOffer:
		// A test file's constants share the rule set's names.
		taken = global(info, name) != nil || snap.tests != nil && global(snap.tests, name) != nil
		if sym.Kind == compiler.SymTemplate || sym.Kind == compiler.SymConst {
			for _, r := range info.Rewards {
				taken = taken || findName(r.Lets, name) // a let would hide it
			}
		}
	case compiler.SymAttr:
		taken = sym.Parent != nil && findName(sym.Parent.Attrs, name) || compiler.IsInputKey(name)
	case compiler.SymProp:
		taken = findName(info.Props, name)
	case compiler.SymLet:
		for _, r := range info.Rewards {
			for _, l := range r.Lets {
				if l == sym {
					taken = findName(r.Lets, name)
				}
			}
		}
		if g := global(info, name); g != nil && (g.Kind == compiler.SymConst || g.Kind == compiler.SymTemplate) {
			taken = true
		}
	}
	if taken {
		return errorf("%s is already declared", name)
	}
	if why := filterCapture(snap, sym, name); why != "" {
		return errorf("%s", why)
	}
	return nil
}

// filterCapture says why renaming sym to name would change what a bare
// name in a where clause means, or returns "". In the where clause of an
// aggregation, a trigger or a qualification over a kind, a bare name is the
// kind's attribute first, then a let or a constant (spec.md section 7): a
// let, a constant or a template read there and renamed to one of the
// kind's attributes would be read as the attribute, and an attribute
// renamed to the name of a let, a constant or a template read there would
// take its place.
func filterCapture(snap *snapshot, sym *compiler.Symbol, name string) string {
	var why string
	for _, f := range snap.files {
		lang.Inspect(f.file, func(n lang.Node) bool {
			kind, where := filterOf(snap, n)
			if where != nil && why == "" {
				why = captureIn(snap, sym, name, kind, where, f.path)
			}
			return n != nil && why == ""
		})
		if why != "" {
			break
		}
	}
	return why
}

// filterOf returns the where clause of n and the kind whose attributes its
// bare names are, or nil.
func filterOf(snap *snapshot, n lang.Node) (*compiler.Symbol, lang.Expr) {
	var kind *compiler.Symbol
	var where lang.Expr
	switch n := n.(type) {
	case *lang.AggregateExpr:
		kind, where = snap.info.Aggregates[n], n.Where
	case *lang.Event:
		if n.Type != nil {
			kind, where = snap.use(n.Type), n.Where
		}
	case *lang.QualificationClause:
		if n.Type != nil {
			kind, where = snap.use(n.Type), n.Where
		}
	}
	if kind == nil || kind.Kind != compiler.SymKind || where == nil {
		return nil, nil
	}
	return kind, where
}

// captureIn judges one where clause over kind for filterCapture.
func captureIn(snap *snapshot, sym *compiler.Symbol, name string, kind *compiler.Symbol, where lang.Expr, path string) string {
	var why string
	lang.Inspect(where, func(n lang.Node) bool {
		id, ok := n.(*lang.Ident)
		if !ok || why != "" {
			return n != nil && why == ""
		}
		use := snap.use(id)
		at := fmt.Sprintf("%s:%d:%d", filepath.Base(path), id.Start.Line, id.Start.Col)
		switch {
		case use == sym && sym.Kind != compiler.SymAttr && findName(kind.Attrs, name):
			why = fmt.Sprintf("%s is read in a where clause over %s (%s), where %s would be the attribute %s.%s: choose another name", sym.Name, kind.Name, at, name, kind.Name, name)
		case sym.Kind == compiler.SymAttr && sym.Parent == kind && id.Name == name && use != nil &&
			(use.Kind == compiler.SymLet || use.Kind == compiler.SymConst || use.Kind == compiler.SymTemplate):
			why = fmt.Sprintf("a where clause over %s reads %s (%s), which would then be the attribute %s.%s: choose another name", kind.Name, name, at, kind.Name, name)
		}
		return false
	})
	return why
}

func findName(syms []*compiler.Symbol, name string) bool {
	for _, s := range syms {
		if s.Name == name {
			return true
		}
	}
	return false
}
