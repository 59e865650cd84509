package lang

// A Visitor's Visit method is called by [Walk] for each node. If it returns
// a non-nil Visitor w, Walk visits the node's children with w, then calls
// w.Visit(nil).
type Visitor interface {
	Visit(n Node) (w Visitor)
}

// Walk traverses the tree rooted at n in source order: declarations, fields,
// settings and statements (interleaved as in the source), windows and zones,
// blocks, tier branches, expressions, identifiers and literals. Comments
// are not visited; they are in [File.Comments]. Nil children are skipped.
func Walk(v Visitor, n Node) {
	if v = v.Visit(n); v == nil {
		return
	}
	switch n := n.(type) {
	case *File:
		for _, d := range n.Decls {
			Walk(v, d)
		}
	case *KindDecl:
		walkIdent(v, n.Name)
		for _, f := range n.Fields {
			Walk(v, f)
		}
	case *PlayerDecl:
		for _, f := range n.Fields {
			Walk(v, f)
		}
	case *Field:
		walkIdent(v, n.Name)
		if n.Type != nil {
			Walk(v, n.Type)
		}
		walkExpr(v, n.Default)
	case *CurrenciesDecl:
		for _, id := range n.Codes {
			walkIdent(v, id)
		}
	case *TemplateDecl:
		walkIdent(v, n.Name)
		if n.Title != nil {
			Walk(v, n.Title)
		}
	case *ConstDecl:
		walkIdent(v, n.Name)
		walkExpr(v, n.Value)
	case *RewardDecl:
		walkIdent(v, n.Name)
		if n.Result != nil {
			Walk(v, n.Result)
		}
		walkItems(v, n.Settings, n.Body)
	case *WindowSetting:
		if n.Window != nil {
			Walk(v, n.Window)
		}
	case *Window:
		if n.Length != nil {
			Walk(v, n.Length)
		}
		if n.From != nil {
			Walk(v, n.From)
		}
		if n.To != nil {
			Walk(v, n.To)
		}
		if n.Zone != nil {
			Walk(v, n.Zone)
		}
	case *Zone:
		if n.Name != nil {
			Walk(v, n.Name)
		}
	case *RoundSetting:
		if n.Decimals != nil {
			Walk(v, n.Decimals)
		}
	case *CapSetting:
		walkExpr(v, n.Value)
	case *MinimumSetting:
		walkExpr(v, n.Value)
	case *ApprovalSetting:
		if n.Within != nil {
			Walk(v, n.Within)
		}
	case *LetStmt:
		walkIdent(v, n.Name)
		walkExpr(v, n.Value)
	case *GiveStmt:
		walkExpr(v, n.Value)
	case *SkipStmt:
		if n.Reason != nil {
			Walk(v, n.Reason)
		}
	case *CheckStmt:
		walkExpr(v, n.Cond)
		if n.Body != nil {
			Walk(v, n.Body)
		}
	case *Block:
		for _, s := range n.Stmts {
			Walk(v, s)
		}
	case *TierStmt:
		walkExpr(v, n.Subject)
		for _, b := range n.Branches {
			Walk(v, b)
		}
	case *TierBranch:
		walkExpr(v, n.Bound)
		if n.Body != nil {
			Walk(v, n.Body)
		}
	case *PerCurrencyLit:
		for _, m := range n.Values {
			Walk(v, m)
		}
	case *ListLit:
		for _, e := range n.Elems {
			walkExpr(v, e)
		}
	case *SelectorExpr:
		walkIdent(v, n.X)
		walkIdent(v, n.Sel)
	case *PlayerExpr:
		walkIdent(v, n.Prop)
		walkExpr(v, n.Default)
	case *ParenExpr:
		walkExpr(v, n.X)
	case *PercentExpr:
		walkExpr(v, n.X)
	case *UnaryExpr:
		walkExpr(v, n.X)
	case *BinaryExpr:
		walkExpr(v, n.X)
		walkExpr(v, n.Y)
	case *CondExpr:
		walkExpr(v, n.Cond)
		walkExpr(v, n.Then)
		walkExpr(v, n.Else)
	case *CallExpr:
		walkIdent(v, n.Fun)
		for _, a := range n.Args {
			walkExpr(v, a)
		}
	case *AggregateExpr:
		walkIdent(v, n.Kind)
		walkIdent(v, n.Attr)
		walkExpr(v, n.Where)
	case *TestDecl, TestClause, *TestField, *TableRow:
		walkTest(v, n)
	case *RuleDecl, RuleClause, *Event, *Schedule, *SplitArm, *QualLimit:
		walkRule(v, n) // rulewalk.go
	case *OfferDecl, *OfferClause, *OfferFieldDecl:
		walkOffer(v, n) // ast_offer.go
	}
	v.Visit(nil)
}

// walkIdent and walkExpr skip nil children, which would otherwise reach
// Visit as non-nil interfaces holding nil pointers.
func walkIdent(v Visitor, id *Ident) {
	if id != nil {
		Walk(v, id)
	}
}

func walkExpr(v Visitor, e Expr) {
	if e != nil {
		Walk(v, e)
	}
}

// walkItems visits a reward's settings and statements merged in source
// order: they may interleave in the source but are kept in two lists.
func walkItems(v Visitor, settings []Setting, body []Stmt) {
	i, j := 0, 0
	for i < len(settings) || j < len(body) {
		if j == len(body) || i < len(settings) && settings[i].Span().Start.Offset < body[j].Span().Start.Offset {
			Walk(v, settings[i])
			i++
		} else {
			Walk(v, body[j])
			j++
		}
	}
}

type inspector func(Node) bool

func (f inspector) Visit(n Node) Visitor {
	if f(n) {
		return f
	}
	return nil
}

// Inspect traverses the tree rooted at n like [Walk]: it calls f(n); if f
// returns true, Inspect visits each child of n, then calls f(nil).
func Inspect(n Node, f func(Node) bool) {
	Walk(inspector(f), n)
}

// PathAt returns the nodes enclosing offset, outermost first: the File,
// then its declaration, and so on down to the innermost node, typically an
// identifier or a literal. A node encloses the offsets from its start up to,
// but not including, its end; where no child starts at or before offset and
// ends after it, a child ending exactly at offset is taken, so that a cursor
// just after a name (where an editor puts it while typing) finds the name.
// PathAt returns nil when offset is outside f.
func PathAt(f *File, offset int) []Node {
	if f == nil || offset < f.Start.Offset || offset > f.End.Offset {
		return nil
	}
	path := []Node{f}
	for {
		var inside, touching Node
		Inspect(path[len(path)-1], func(n Node) bool {
			if n == nil || n == path[len(path)-1] {
				return n != nil
			}
			sp := n.Span()
			switch {
			case inside == nil && sp.Start.Offset <= offset && offset < sp.End.Offset:
				inside = n
			case touching == nil && sp.End.Offset == offset && sp.Start.Offset < offset:
				touching = n
			}
			return false // children only
		})
		switch {
		case inside != nil:
			path = append(path, inside)
		case touching != nil:
			path = append(path, touching)
		default:
			return path
		}
	}
}
