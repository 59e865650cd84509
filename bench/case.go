package bench

import (
	"fmt"
	"math"
	"testing"

	"github.com/shopspring/decimal"
)

// The engines, as they are named in benchmarks and in the table.
const (
	Promoc        = "promoc"
	PromocPrepare = "promoc+prepare" // promoc, preparing the input in every operation
	Expr          = "expr"
	CEL           = "cel"
	Float64       = "float64"
	Int64         = "int64"
	Int64Columns  = "int64-columns" // int64 over interned, column-wise rows
	// Int64Branchless is Int64Columns computing each row's test as 0 or 1
	// rather than branching on it.
	Int64Branchless = "int64-columns-branchless"
	Shopspring      = "shopspring"
)

// A Case is one workload in one engine.
type Case struct {
	Workload string // "W1", "W2", ...: the numbering
	Name     string // the benchmark's name below its workload: "rows=1000/engine=expr", keys for benchstat
	Engine   string // one of the constants above
	// Exact is whether the engine computes with exact decimals: its answer
	// must then always equal the reference, and TestAnswers fails
	// otherwise. A float engine's wrong answer is reported, not a failure.
	Exact bool
	// Rows is the number of transactions one operation reads (workload 2),
	// for the throughput column; 0 elsewhere.
	Rows int
	// Note says how the engine's version differs from promoc's: what it
	// cannot express, what it is given ready-made.
	Note string
	// Setup compiles and prepares everything the operation needs, computes
	// the answers once and compares them with the exact ones. Nothing it
	// does is timed.
	Setup func() (*Run, error)
}

// Run is a [Case] ready to be timed.
type Run struct {
	Op func() // one operation: what is timed
	// Wrong describes each answer that differs from the exact one; empty
	// when every answer is right.
	Wrong []string
	// Checked is the number of answers compared.
	Checked int
}

// Correct reports whether every answer was right.
func (r *Run) Correct() bool { return len(r.Wrong) == 0 }

// check compares one answer with the exact one and records a difference.
func (r *Run) check(what string, got, want decimal.Decimal) {
	r.Checked++
	if !got.Equal(want) {
		r.Wrong = append(r.Wrong, fmt.Sprintf("%s: got %s, want %s", what, got, want))
	}
}

// checkFloat compares a float answer with the exact one: the float is
// taken at its shortest decimal form, so 126.15000000000001 rounded to
// cents by the engine is 126.15, and 600.17 for an exact 600.18 is wrong.
func (r *Run) checkFloat(what string, got float64, want decimal.Decimal) {
	if math.IsNaN(got) || math.IsInf(got, 0) {
		r.Checked++
		r.Wrong = append(r.Wrong, fmt.Sprintf("%s: got %v, want %s", what, got, want))
		return
	}
	r.check(what, decimal.NewFromFloat(got), want)
}

// Summary is a short account of the answers: "8/8 right" or
// "1/8 wrong: ...".
func (r *Run) Summary() string {
	if r.Correct() {
		return fmt.Sprintf("%d/%d right", r.Checked, r.Checked)
	}
	return fmt.Sprintf("%d/%d wrong, first: %s", len(r.Wrong), r.Checked, r.Wrong[0])
}

// Cases returns every case of every workload, in table order. Large inputs
// are built once and shared by the cases that read them.
func Cases() []Case {
	var cs []Case
	cs = append(cs, TieredCases()...)
	cs = append(cs, NetLossCases(NetLossSizes...)...)
	cs = append(cs, RuleSetCases()...)
	cs = append(cs, CompileCases()...)
	cs = append(cs, FilterCases(FilterSizes...)...)
	cs = append(cs, EndToEndCases(NetLossSizes...)...)
	cs = append(cs, PlayerCases()...)
	return cs
}

// Workloads names the workloads, for the table.
var Workloads = map[string]string{
	"W1": "tiered deposit, one player",
	"W2": "5% of net loss on one game",
	"W3": "200 rewards, one event",
	"W4": "compile 200 rewards (2,000 where the note says so)",
	"W5": "in, not in and or filters",
	"W6": "JSON to net loss, end to end",
	"W7": "Go structs to net loss, end to end",
	"W8": "JSON to 50 rewards, 1000 players × 200 transactions",
	"W9": "Go structs to 50 rewards, 1000 players × 200 transactions",
}

// Benchmark times run's operation with b.Loop, reporting allocations,
// "wrong" (1 when some answer was wrong, so that a wrong engine never
// passes for a fast one) and, for workload 2, transactions per second.
func (c Case) Benchmark(run *Run) func(*testing.B) {
	return func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			run.Op()
		}
		wrong := 0.0
		if !run.Correct() {
			wrong = 1
		}
		b.ReportMetric(wrong, "wrong")
		if c.Rows > 0 {
			b.ReportMetric(float64(c.Rows)*float64(b.N)/b.Elapsed().Seconds(), "tx/s")
		}
	}
}
