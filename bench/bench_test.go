package bench

import (
	"testing"
)

// The benchmarks run every case of a workload as a sub-benchmark named
// after its engine. The answers are checked in Setup, before timing: an
// exact engine with a wrong answer fails, a float engine's wrong answer is
// logged and reported as the metric "wrong" (1). Compare runs with
// benchstat on -count 10 (bench/README.md).

func BenchmarkTieredDeposit(b *testing.B) { benchCases(b, TieredCases()) }

func BenchmarkNetLoss(b *testing.B) { benchCases(b, NetLossCases(NetLossSizes...)) }

func BenchmarkRuleSet(b *testing.B) { benchCases(b, RuleSetCases()) }

func BenchmarkCompile(b *testing.B) { benchCases(b, CompileCases()) }

func BenchmarkFilters(b *testing.B) { benchCases(b, FilterCases(FilterSizes...)) }

// The end-to-end workloads share case names between W6 and W7, and W8 and
// W9: their benchmarks are named workload/case.
func BenchmarkEndToEnd(b *testing.B) { benchCases(b, named(EndToEndCases(NetLossSizes...))) }

func BenchmarkPlayers(b *testing.B) { benchCases(b, named(PlayerCases())) }

func named(cs []Case) []Case {
	for i := range cs {
		cs[i].Name = cs[i].Workload + "/" + cs[i].Name
	}
	return cs
}

func benchCases(b *testing.B, cs []Case) {
	for _, c := range cs {
		b.Run(c.Name, func(b *testing.B) {
			run, err := c.Setup()
			if err != nil {
				b.Fatal(err)
			}
			if !run.Correct() {
				if c.Exact {
					b.Fatalf("%s is exact but wrong: %s", c.Engine, run.Summary())
				}
				b.Logf("WRONG: %s", run.Summary())
			}
			c.Benchmark(run)(b)
		})
	}
}
