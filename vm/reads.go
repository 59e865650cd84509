package vm

// readColumns returns, per kind and column, whether some reward (or some
// hidden reward of Conds) reads the column: as the value of an aggregation,
// in a filter term, or with load_attr in filter code. A load_attr counts for every kind that the
// reward filters with code: filter code does not say its kind, and reading a
// column too many only costs the space of storing it.
func (p *Program) readColumns() [][]bool {
	reads := make([][]bool, len(p.Kinds))
	for k := range p.Kinds {
		reads[k] = make([]bool, len(p.Kinds[k].Attrs))
	}
	mark := func(k, c int) {
		if k >= 0 && k < len(reads) && c >= 0 && c < len(reads[k]) {
			reads[k][c] = true
		}
	}
	for _, r := range p.allRewards() {
		var filtered []int // kinds with filter code
		for _, a := range r.Aggs {
			mark(a.Kind, a.Attr)
			for _, t := range a.Terms {
				mark(a.Kind, t.Col)
			}
			if a.Filter >= 0 {
				filtered = append(filtered, a.Kind)
			}
		}
		if len(filtered) == 0 {
			continue
		}
		for _, in := range r.Code {
			if in.Op == OpLoadAttr {
				for _, k := range filtered {
					mark(k, int(in.Arg))
				}
			}
		}
	}
	return reads
}
