package compiler

import "github.com/promoc/promoc/lang"

// resolveConsts resolves every const in an order where each comes after the
// consts it names, found by a depth-first search with a stack of its own.
// So the checker never recurses from one const into another: a chain of a
// million consts, each naming the next, costs a million checks of one
// expression, not a million nested ones, which would overflow the stack.
//
// A const the search meets again while it is still on the search's path is
// on a cycle: it is reported there ("const a refers to itself") and gets
// type Invalid, so the consts that name it are Invalid without another
// diagnostic, as resolveConst does.
func (c *checker) resolveConsts() {
	const (
		unseen = iota
		onPath
		left // its dependencies are resolved, or it was reported
	)
	state := make(map[*Symbol]uint8, len(c.info.ConstSyms))
	type frame struct {
		sym  *Symbol
		deps []*Symbol
	}
	var stack []frame
	push := func(s *Symbol) {
		state[s] = onPath
		stack = append(stack, frame{s, c.constDeps(s)})
	}
	for _, root := range c.info.ConstSyms {
		if state[root] != unseen {
			continue
		}
		push(root)
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if len(top.deps) > 0 {
				d := top.deps[0]
				top.deps = top.deps[1:]
				switch state[d] {
				case unseen:
					push(d)
				case onPath:
					if c.constState[d] == 0 {
						c.diags.Errorf(d.File, d.Decl.Span(), lang.CodeCycle, "const %s refers to itself", d.Name)
						d.Type = tInvalid
						c.constState[d] = 2
					}
				}
				continue
			}
			stack = stack[:len(stack)-1]
			state[top.sym] = left
			c.resolveConst(top.sym) // every const it names is resolved or reported
		}
	}
}

// constDeps returns the consts that the value of const s names, each once:
// the names the checker resolves as values. The names of functions,
// attributes and properties are not; nor is anything inside a player
// property or an aggregation, which a const cannot read, so the checker
// stops there.
func (c *checker) constDeps(s *Symbol) []*Symbol {
	var deps []*Symbol
	seen := map[*Symbol]bool{}
	var fun *lang.Ident
	lang.Inspect(c.constDecls[s].Value, func(n lang.Node) bool {
		switch n := n.(type) {
		case *lang.SelectorExpr, *lang.PlayerExpr, *lang.AggregateExpr:
			return false
		case *lang.CallExpr:
			fun = n.Fun
		case *lang.Ident:
			if d := c.globals[n.Name]; n != fun && d != nil && d.Kind == SymConst && c.constDecls[d] != nil && !seen[d] {
				seen[d] = true
				deps = append(deps, d)
			}
		}
		return true
	})
	return deps
}
