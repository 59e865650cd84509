package runtime

import "github.com/promoc/promoc/compiler"

// Branches returns the branches of a reward, in the order of its code, as
// traces name them: its checks held (`check deposits > 5`) and failed
// (`check deposits > 5: false`), its tier branches (`above 500 EUR`, `else`)
// and the sides of its ifs outside where clauses (`if player.vip: then`,
// `if player.vip: else`). A test runner compares
// them with the branches its evaluations took to report coverage. It
// returns nil for an unknown reward.
func (p *Program) Branches(reward string) []TraceBranch {
	h := p.handles[reward]
	if h == nil {
		return nil
	}
	out := make([]TraceBranch, len(h.r.Branches))
	for i, b := range h.r.Branches {
		out[i] = TraceBranch{Label: b.Label, Pos: b.Span.Start}
	}
	return out
}

// RewardFile returns the file that declares a reward, "" for an unknown one.
func (p *Program) RewardFile(reward string) string {
	if h := p.handles[reward]; h != nil {
		return h.r.File
	}
	return ""
}

// Info returns the checker's side tables of the program's rule set, for
// tools that work on its source, such as the test runner. It must not be
// modified.
func (p *Program) Info() *compiler.Info { return p.info }
