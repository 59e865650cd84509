package bench

import (
	"fmt"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestCPUTime times cases in the process's CPU time rather than in wall
// time: on a machine that other work loads, the wall time of an operation
// counts the time it waited for a core, and its ratios move by tens of per
// cent from run to run; its CPU time moves by a few. It runs only when
// BENCH_CPU_RUN is set, to a regular expression of "workload/name" (the
// names of BenchmarkEndToEnd and BenchmarkFilters):
//
//	BENCH_CPU_RUN='W7/.*engine=(promoc|expr)$' BENCH_CPU_ROWS=100000 BENCH_CPU_OPS=5 BENCH_CPU_REPS=7 go test -run TestCPUTime -v
//
// BENCH_CPU_WORKLOAD is e2e (W6 and W7, the default) or filters (W5);
// BENCH_CPU_ROWS the number of transactions; each of BENCH_CPU_REPS rounds
// runs every case BENCH_CPU_OPS times in turn, and the test prints the least
// and the median CPU time per operation. The CPU time of a process counts
// the garbage collector's work on every core, which on an idle machine runs
// beside the program: an engine that allocates much (expr, CEL) takes less
// wall time than CPU time there.
func TestCPUTime(t *testing.T) {
	re := os.Getenv("BENCH_CPU_RUN")
	if re == "" {
		t.Skip("BENCH_CPU_RUN not set")
	}
	num := func(name string, def int) int {
		if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
			return n
		}
		return def
	}
	rows, ops, reps := num("BENCH_CPU_ROWS", 1000), num("BENCH_CPU_OPS", 10), num("BENCH_CPU_REPS", 5)
	var cs []Case
	switch w := os.Getenv("BENCH_CPU_WORKLOAD"); w {
	case "filters":
		cs = FilterCases(rows)
	case "", "e2e":
		cs = EndToEndCases(rows)
	default:
		t.Fatalf("BENCH_CPU_WORKLOAD %q: want e2e or filters", w)
	}
	rx, err := regexp.Compile(re)
	if err != nil {
		t.Fatal(err)
	}
	type timed struct {
		name  string
		op    func()
		times []time.Duration
	}
	var runs []*timed
	for _, c := range cs {
		name := c.Workload + "/" + c.Name
		if !rx.MatchString(name) {
			continue
		}
		run, err := c.Setup()
		if err != nil {
			t.Fatal(name, err)
		}
		if !run.Correct() && c.Exact {
			t.Fatalf("%s is exact but wrong: %s", name, run.Summary())
		}
		runs = append(runs, &timed{name: name, op: run.Op})
	}
	for range reps {
		for _, r := range runs {
			runtime.GC()
			start := cpuTime()
			for range ops {
				r.op()
			}
			r.times = append(r.times, (cpuTime()-start)/time.Duration(ops))
		}
	}
	for _, r := range runs {
		slices.Sort(r.times)
		fmt.Printf("%-60s least %10v  median %10v\n", r.name, r.times[0], r.times[len(r.times)/2])
	}
}
