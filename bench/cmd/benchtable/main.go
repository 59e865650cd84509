// Command benchtable runs every benchmark of package bench in one process
// and prints the markdown table of bench/README.md: for each workload and
// engine, the median time and allocations per operation over -count runs,
// the ratio promoc ÷ engine and whether the engine's answers were exact,
// then the targets, met or not. A ratio is the median of the
// ratios of the rounds, with their range: in each round the engines of a
// group run one after the other, so that both sides of a ratio see the
// same load.
//
// The cases of one workload (and, for workloads 2 and 5, one number of
// transactions and one filter) are set up together, run in turn -count times, so that a
// change in the machine's load touches every engine alike, and released
// before the next group.
//
// Usage, in bench/:
//
//	go run ./cmd/benchtable [-count 10] [-benchtime 250ms] [-run REGEXP]
package main

import (
	"cmp"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	goruntime "runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/promoc/promoc/bench"
)

func main() {
	testing.Init()
	count := flag.Int("count", 10, "runs of each benchmark; the table shows medians")
	benchtime := flag.String("benchtime", "250ms", "time of one run (go test's -benchtime)")
	run := flag.String("run", "", "only the cases whose workload/name matches this regexp")
	flag.Parse()
	if err := flag.Set("test.benchtime", *benchtime); err != nil {
		fail(err)
	}
	filter, err := regexp.Compile(*run)
	if err != nil {
		fail(err)
	}
	var groups [][]bench.Case
	for _, c := range bench.Cases() {
		if !filter.MatchString(c.Workload + "/" + c.Name) {
			continue
		}
		if n := len(groups); n > 0 && groupOf(groups[n-1][0]) == groupOf(c) {
			groups[n-1] = append(groups[n-1], c)
		} else {
			groups = append(groups, []bench.Case{c})
		}
	}
	start := time.Now()
	load := loadavg()
	var rows []row
	for g := range groups {
		rows = append(rows, measure(groups[g], *count)...)
		groups[g] = nil // release the group's inputs
	}
	m := machine{cpu: cpuModel(), cores: goruntime.NumCPU(), goVersion: goruntime.Version(),
		loadBefore: load, loadAfter: loadavg(), took: time.Since(start).Round(time.Second), count: *count, benchtime: *benchtime}
	writeTable(os.Stdout, m, rows)
}

// groupOf is what a case is compared within: its workload, and for
// workloads 2 and 5 its filter and number of transactions.
func groupOf(c bench.Case) string { return c.Workload + "/" + path.Dir(c.Name) }

// row is the measurement of one case.
type row struct {
	c       bench.Case
	ns      float64   // median ns/op
	rounds  []float64 // ns/op of each round, in order (0 where a round failed)
	allocs  int64     // median allocs/op
	bytes   int64     // median B/op
	summary string    // the answers' check
	correct bool
	err     error
}

func measure(cs []bench.Case, count int) []row {
	rows := make([]row, len(cs))
	runs := make([]*bench.Run, len(cs))
	for i, c := range cs {
		progress("setup %s/%s", c.Workload, c.Name)
		rows[i].c = c
		rows[i].c.Setup = nil // so that the row does not keep the inputs
		runs[i], rows[i].err = c.Setup()
		if rows[i].err == nil {
			rows[i].summary, rows[i].correct = runs[i].Summary(), runs[i].Correct()
		}
	}
	ns := make([][]float64, len(cs))
	allocs := make([][]int64, len(cs))
	bytes := make([][]int64, len(cs))
	for k := range count {
		for i, c := range cs {
			if runs[i] == nil {
				continue
			}
			progress("run %d/%d %s/%s", k+1, count, c.Workload, c.Name)
			res := testing.Benchmark(c.Benchmark(runs[i]))
			if res.N == 0 {
				rows[i].err = fmt.Errorf("benchmark failed")
				rows[i].rounds = append(rows[i].rounds, 0)
				continue
			}
			ns[i] = append(ns[i], float64(res.T.Nanoseconds())/float64(res.N))
			rows[i].rounds = append(rows[i].rounds, ns[i][len(ns[i])-1])
			allocs[i] = append(allocs[i], res.AllocsPerOp())
			bytes[i] = append(bytes[i], res.AllocedBytesPerOp())
		}
	}
	for i := range rows {
		if len(ns[i]) > 0 {
			rows[i].ns, rows[i].allocs, rows[i].bytes = median(ns[i]), median(allocs[i]), median(bytes[i])
		}
	}
	return rows
}

// ratioText formats the ratio of p to e: the median of the rounds' ratios,
// then their range when there is more than one round.
func ratioText(p, e *row) string {
	med, lo, hi := ratio(p, e)
	if len(roundRatios(p, e)) < 2 {
		return fmt.Sprintf("%.3g", med)
	}
	return fmt.Sprintf("%.3g (%.3g–%.3g)", med, lo, hi)
}

// roundRatios returns promoc's time over the engine's in each round where
// both ran: the two were timed within seconds of each other, so a change in
// the machine's load falls on both.
func roundRatios(p, e *row) []float64 {
	var rs []float64
	for k := range min(len(p.rounds), len(e.rounds)) {
		if p.rounds[k] > 0 && e.rounds[k] > 0 {
			rs = append(rs, p.rounds[k]/e.rounds[k])
		}
	}
	return rs
}

// ratio is the median of the ratios of the rounds (see roundRatios), and
// their least and greatest; with no round, the ratio of the medians.
func ratio(p, e *row) (med, lo, hi float64) {
	rs := roundRatios(p, e)
	if len(rs) == 0 {
		r := p.ns / e.ns
		return r, r, r
	}
	return median(rs), slices.Min(rs), slices.Max(rs)
}

func median[T cmp.Ordered](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "benchtable: "+format+"\n", args...)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchtable:", err)
	os.Exit(2)
}

// machine describes where and how the table was measured.
type machine struct {
	cpu                   string
	cores                 int
	goVersion             string
	loadBefore, loadAfter string
	took                  time.Duration
	count                 int
	benchtime             string
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return goruntime.GOARCH
	}
	for line := range strings.Lines(string(b)) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return goruntime.GOARCH
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

func writeTable(w io.Writer, m machine, rows []row) {
	fmt.Fprintf(w, "Measured %s on %s, %d cores, %s, %s/%s; medians of %d runs of %s each (`go run ./cmd/benchtable -count %d -benchtime %s`), %s in all; load average %s before, %s after.\n\n",
		time.Now().UTC().Format("2006-01-02"), m.cpu, m.cores, m.goVersion, goruntime.GOOS, goruntime.GOARCH,
		m.count, m.benchtime, m.count, m.benchtime, m.took, m.loadBefore, m.loadAfter)
	fmt.Fprintln(w, "| workload | engine | time/op | allocs/op | promoc ÷ engine (time) | throughput | correct | note |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---|---|")
	promoc := map[string]*row{}
	for i, r := range rows {
		if r.c.Engine == bench.Promoc && r.err == nil {
			promoc[groupOf(r.c)] = &rows[i]
		}
	}
	for _, r := range rows {
		what := bench.Workloads[r.c.Workload]
		if f, ok := strings.CutPrefix(r.c.Name, "filter="); ok {
			f, _, _ = strings.Cut(f, "/")
			what = fmt.Sprintf("%s: %s", what, f)
		}
		if r.c.Rows > 0 {
			what = fmt.Sprintf("%s, %d rows", what, r.c.Rows)
		}
		if r.err != nil {
			fmt.Fprintf(w, "| %s %s | %s | error: %v | | | | | |\n", r.c.Workload, what, r.c.Engine, r.err)
			continue
		}
		ratio := ""
		if p, ok := promoc[groupOf(r.c)]; ok && r.c.Engine != bench.Promoc {
			ratio = ratioText(p, &r)
		}
		thru := ""
		if r.c.Rows > 0 {
			thru = fmt.Sprintf("%.3g Mtx/s", float64(r.c.Rows)/r.ns*1e3)
		}
		correct := "yes"
		if !r.correct {
			correct = "**WRONG**: " + r.summary
		}
		fmt.Fprintf(w, "| %s %s | %s | %s | %d | %s | %s | %s | %s |\n",
			r.c.Workload, what, r.c.Engine, duration(r.ns), r.allocs, ratio, thru, correct, r.c.Note)
	}
	fmt.Fprintln(w)
	writeTargets(w, rows)
}

// duration formats nanoseconds with three significant digits.
func duration(ns float64) string {
	switch {
	case ns >= 1e9:
		return fmt.Sprintf("%.3g s", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.3g ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.3g µs", ns/1e3)
	}
	return fmt.Sprintf("%.3g ns", ns)
}

// writeTargets states each target of issues 5 and 8 with the numbers
// measured.
func writeTargets(w io.Writer, rows []row) {
	get := func(group, engine string) *row {
		for i := range rows {
			if r := &rows[i]; groupOf(r.c) == group && r.c.Engine == engine && r.err == nil {
				return r
			}
		}
		return nil
	}
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "**not met**"
	}
	fmt.Fprintln(w, "| target | measured | verdict |")
	fmt.Fprintln(w, "|---|---|---|")
	if p, e := get("W1/.", bench.Promoc), get("W1/.", bench.Expr); p != nil && e != nil {
		ratio, _, _ := ratio(p, e)
		fmt.Fprintf(w, "| W1: promoc ≤ 0.5× expr's time, 0 allocs | %s: %s vs %s, %d allocs | %s |\n",
			spread(p, e), duration(p.ns), duration(e.ns), p.allocs, verdict(ratio <= 0.5 && p.allocs == 0 && p.correct))
	}
	for _, n := range bench.NetLossSizes {
		g := fmt.Sprintf("W2/rows=%d", n)
		p, e, c, i := get(g, bench.Promoc), get(g, bench.Expr), get(g, bench.CEL), get(g, bench.Int64)
		if p == nil || e == nil || c == nil || i == nil {
			continue
		}
		xe, xc, xi := e.ns/p.ns, c.ns/p.ns, i.ns/p.ns
		fmt.Fprintf(w, "| W2, %d rows: promoc ≥ 20× expr's and CEL's throughput, ≥ 0.3× the int64 loop's, exact | %.3g× expr, %.3g× CEL, %.3g× int64; exact: %s | %s |\n",
			n, xe, xc, xi, yesNo(p.correct), verdict(xe >= 20 && xc >= 20 && xi >= 0.3 && p.correct))
	}
	if p, e := get("W3/.", bench.Promoc), get("W3/.", bench.Expr); p != nil && e != nil {
		ratio, _, _ := ratio(p, e)
		fmt.Fprintf(w, "| W3: promoc ≤ 0.5× expr's time | %s: %s vs %s | %s |\n",
			spread(p, e), duration(p.ns), duration(e.ns), verdict(ratio <= 0.5 && p.correct))
	}
	for _, n := range bench.NetLossSizes {
		for _, t := range []struct {
			w, what string
			goal    float64
		}{{"W6", "from JSON", 0.5}, {"W7", "from Go structs", 0.25}} {
			g := fmt.Sprintf("%s/rows=%d", t.w, n)
			p, e := get(g, bench.Promoc), get(g, bench.Expr)
			if p == nil || e == nil {
				continue
			}
			ratio, _, _ := ratio(p, e)
			fmt.Fprintf(w, "| %s, %d rows: end to end %s, promoc ≤ %.2g× expr's time | %s: %s vs %s | %s |\n",
				t.w, n, t.what, t.goal, spread(p, e), duration(p.ns), duration(e.ns), verdict(ratio <= t.goal && p.correct))
		}
	}
	for _, t := range []struct {
		w, what string
		goal    float64
	}{{"W8", "from JSON", 0.5}, {"W9", "from Go structs", 0.25}} {
		if p, e := get(t.w+"/.", bench.Promoc), get(t.w+"/.", bench.Expr); p != nil && e != nil {
			ratio, _, _ := ratio(p, e)
			fmt.Fprintf(w, "| %s: one player %s to 50 answers, promoc ≤ %.2g× expr's time | %s: %s vs %s | %s |\n",
				t.w, t.what, t.goal, spread(p, e), duration(p.ns), duration(e.ns), verdict(ratio <= t.goal && p.correct))
		}
	}
	if p := get("W4/.", bench.Promoc); p != nil {
		fmt.Fprintf(w, "| W4: compile 200 rewards in < 25 ms | %s | %s |\n", duration(p.ns), verdict(p.ns < 25e6))
	}
	if p := get("W4/rewards=2000", bench.Promoc); p != nil {
		fmt.Fprintf(w, "| W4: compile 2,000 rewards in < 250 ms | %s | %s |\n", duration(p.ns), verdict(p.ns < 250e6))
	}
	for _, f := range bench.Filters {
		for _, n := range bench.FilterSizes {
			g := fmt.Sprintf("W5/filter=%s/rows=%d", f.Name, n)
			p, e, c := get(g, bench.Promoc), get(g, bench.Expr), get(g, bench.CEL)
			// The baseline is the faster of the two column loops.
			i := get(g, bench.Int64Columns)
			if b := get(g, bench.Int64Branchless); i == nil || b != nil && b.ns < i.ns {
				i = b
			}
			if p == nil || i == nil || e == nil || c == nil {
				continue
			}
			ratio, _, _ := ratio(p, i)
			fmt.Fprintf(w, "| W5 %s, %d rows: promoc ≤ 2× the faster column loop's time, 0 allocs, exact | %s: %s vs %s (%s), %d allocs; %.0f× faster than expr, %.0f× than CEL; exact: %s | %s |\n",
				f.Name, n, spread(p, i), duration(p.ns), duration(i.ns), i.c.Engine, p.allocs, e.ns/p.ns, c.ns/p.ns, yesNo(p.correct), verdict(ratio <= 2 && p.allocs == 0 && p.correct))
		}
	}
}

// spread formats the ratio of p to e for a target: the median of the
// rounds' ratios, and their range over the rounds when there are several.
func spread(p, e *row) string {
	med, lo, hi := ratio(p, e)
	if n := len(roundRatios(p, e)); n >= 2 {
		return fmt.Sprintf("%.2f× (%.2f–%.2f in %d rounds)", med, lo, hi, n)
	}
	return fmt.Sprintf("%.2f×", med)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
