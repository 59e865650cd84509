package vm

import (
	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/vm/window"
)

// Trace records how a run reached its outcome, for operators asking "why
// this amount": the window, the branches taken, the value of every let and
// what each aggregation read. Runs record it only with [Options.Trace].
type Trace struct {
	Window       *window.Interval // the resolved window; nil when the reward has none or it failed
	Branches     []TraceBranch    // in the order taken
	Lets         []TraceLet       // in the order evaluated
	Aggregations []TraceAgg       // in the order run
}

// TraceBranch is a branch taken: `above 500 EUR`, `check deposits > 5`.
type TraceBranch struct {
	Label string
	Span  lang.Span
}

// TraceLet is the value a let bound.
type TraceLet struct {
	Name  string
	Span  lang.Span
	Value Value
	Text  string // Value as [Data.Format] writes it
}

// TraceAgg is one aggregation that ran.
type TraceAgg struct {
	Span    lang.Span
	Op      AggOp
	Kind    string   // the transaction kind
	Matched int      // rows in the window that passed the filter
	IDs     []string // their transaction ids, in time order
	Value   Value    // the result; zero when there was none
	Text    string   // Value as Data.Format writes it, or "none"
}

// traceLet records local i bound to v.
func (m *Machine) traceLet(i int, v Value) {
	l := m.r.Locals[i]
	m.trace.Lets = append(m.trace.Lets, TraceLet{Name: l.Name, Span: l.Span, Value: v, Text: m.d.Format(v)})
}
