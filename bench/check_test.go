package bench

import (
	"bytes"
	"fmt"
	"os"
	goruntime "runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/promoc/promoc/runtime"
)

// checkLines are the sizes of BenchmarkCheck, in lines of rules:
// PROMOC_BENCH_CHECK_LINES, a comma-separated list, or 10,000 and 100,000
// (1,000,000 lines take 10 to 20 s and 2 GB).
func checkLines(b *testing.B) []int {
	env := os.Getenv("PROMOC_BENCH_CHECK_LINES")
	if env == "" {
		return []int{10_000, 100_000}
	}
	var ns []int
	for f := range strings.SplitSeq(env, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			b.Fatalf("PROMOC_BENCH_CHECK_LINES=%q: want positive numbers separated by commas", env)
		}
		ns = append(ns, n)
	}
	return ns
}

// checkSource returns a rule set of about lines lines: workload 3's schema
// and rewards (RuleSpecs), each with a doc comment, as one file.
func checkSource(lines int) []byte {
	specs := RuleSpecs(lines / 10)
	var b strings.Builder
	b.WriteString(ruleSchema)
	n := strings.Count(ruleSchema, "\n")
	for i := 0; n < lines; i++ {
		if i == len(specs) {
			specs = append(specs, RuleSpecs(len(specs))...)
			for j := i; j < len(specs); j++ {
				specs[j].Name = fmt.Sprintf("%s_%d", specs[j].Name, j)
			}
		}
		fmt.Fprintf(&b, "\n// %s is reward %d of the generated rule set:\n// a doc comment, as people write them.\n", specs[i].Name, i)
		p := specs[i].Promo()
		b.WriteString(p)
		n += 3 + strings.Count(p, "\n")
	}
	return []byte(b.String())
}

// BenchmarkCheck times runtime.Analyze, what promoc check runs, on rule
// sets of 10,000 to 1,000,000 lines, and reports per line the wall time,
// the process's CPU time (garbage collection on every core included, and
// steadier than the wall time on a loaded machine) and the bytes
// allocated, none of which should grow with the size (issue 8).
//
//	PROMOC_BENCH_CHECK_LINES=10000,1000000 go test -run '^$' -bench Check -benchtime 1x -count 3
func BenchmarkCheck(b *testing.B) {
	for _, lines := range checkLines(b) {
		src := []runtime.Source{{Name: "rules.promo", Text: checkSource(lines)}}
		n := float64(bytes.Count(src[0].Text, []byte("\n")))
		b.Run(fmt.Sprintf("lines=%d", lines), func(b *testing.B) {
			if ds := runtime.Analyze(src).Diagnostics; len(ds) > 0 {
				b.Fatal(ds[0])
			}
			goruntime.GC()
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			for b.Loop() {
				runtime.Analyze(src)
			}
			cpu = cpuTime() - cpu
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/line")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/n, "cpu-ns/line")
		})
	}
}
