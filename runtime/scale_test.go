package runtime_test

import (
	"bytes"
	"fmt"
	goruntime "runtime"
	"testing"

	"github.com/promoc/promoc/runtime"
)

// TestCheckScalesLinearly checks that `promoc check` (Analyze: parse and
// check) costs the same per line on a file of 10,000 lines as on one of
// 1,000: allocations and bytes allocated per line within 1.25×. It counts,
// it does not time, so it catches growth in what is allocated (a copy per
// declaration of something that grows with the file, a table rebuilt per
// reward); a quadratic scan that allocates nothing, such as doc comments
// once found by reading every comment for each declaration, shows only in
// time: BenchmarkCompileRewards reports the time per reward.
func TestCheckScalesLinearly(t *testing.T) {
	if testing.Short() {
		t.Skip("analyzes 11,000 lines")
	}
	type cost struct{ allocs, bytes float64 }
	measure := func(lines int) cost {
		src := []runtime.Source{{Name: "big.promo", Text: rulesOfLines(lines)}}
		n := float64(bytes.Count(src[0].Text, []byte("\n")))
		if a := runtime.Analyze(src); len(a.Diagnostics) > 0 {
			t.Fatal(a.Diagnostics[0])
		}
		var before, after goruntime.MemStats
		goruntime.ReadMemStats(&before)
		allocs := testing.AllocsPerRun(1, func() { runtime.Analyze(src) })
		goruntime.ReadMemStats(&after)
		// AllocsPerRun runs f twice: once to warm up, once measured.
		return cost{allocs / n, float64(after.TotalAlloc-before.TotalAlloc) / 2 / n}
	}
	small, large := measure(1_000), measure(10_000)
	t.Logf("per line: %.1f allocations and %.0f bytes at 1,000 lines, %.1f and %.0f at 10,000",
		small.allocs, small.bytes, large.allocs, large.bytes)
	if large.allocs > 1.25*small.allocs {
		t.Errorf("allocations per line grow from %.1f at 1,000 lines to %.1f at 10,000", small.allocs, large.allocs)
	}
	if large.bytes > 1.25*small.bytes {
		t.Errorf("bytes per line grow from %.0f at 1,000 lines to %.0f at 10,000", small.bytes, large.bytes)
	}
}

// BenchmarkCompileRewards compiles rule sets of 200 to 10,000 rewards of
// one file (the rewards of rulesOfLines, 19 lines each) and reports the
// cost per reward, which should not grow with the number of rewards.
func BenchmarkCompileRewards(b *testing.B) {
	for _, n := range []int{200, 2_000, 10_000} {
		src := []runtime.Source{{Name: "rules.promo", Text: rulesOfLines(4 + 19*n)}}
		b.Run(fmt.Sprintf("rewards=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := runtime.CompileSources(src); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/reward")
		})
	}
}
