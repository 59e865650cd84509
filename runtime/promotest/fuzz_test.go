package promotest_test

import (
	"context"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/promotest"
)

// fuzzRepeatRows bounds the rows the repeat clauses of one fuzzed file may
// make.
const fuzzRepeatRows = 10_000

// repeatRows adds up the counts of the repeat clauses of a test file.
func repeatRows(src []byte) int64 {
	f, _ := lang.Parse("fuzz_test.promo", src)
	var n int64
	lang.Inspect(f, func(node lang.Node) bool {
		if r, ok := node.(*lang.RepeatClause); ok && r.Count != nil {
			c, err := strconv.ParseInt(r.Count.Text, 10, 64)
			if err != nil || c < 0 {
				c = math.MaxInt32 // not a count the checker takes; skip it too
			}
			n += c
		}
		return node != nil
	})
	return n
}

// FuzzRunTests checks that a test file that checks always runs, and that
// the reports write, without a panic: whatever a test says, the runner
// builds its input and judges its expects. Seeded with the example tests.
func FuzzRunTests(f *testing.F) {
	const dir = "../../examples/dynamic_rewards"
	paths, err := filepath.Glob(dir + "/*.promo")
	if err != nil {
		f.Fatal(err)
	}
	var rules []runtime.Source
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if promotest.IsTestFile(p) {
			f.Add(src)
			continue
		}
		rules = append(rules, runtime.Source{Name: filepath.Base(p), Text: src})
	}
	read := func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, filepath.FromSlash(name))) }
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 1<<14 {
			t.Skip("input too large")
		}
		if repeatRows(src) > fuzzRepeatRows {
			// Within limits.RepeatRows, but a million rows a run would
			// leave the fuzzer a handful of runs a minute.
			t.Skip("repeats too many rows")
		}
		s, err := promotest.New(".", rules, []runtime.Source{{Name: "fuzz_test.promo", Text: src}}, promotest.WithReadFile(read))
		if err != nil {
			return
		}
		rep := s.Run(context.Background(), promotest.Options{Workers: 1, Coverage: true})
		if len(rep.Results) != s.Len() {
			t.Fatalf("%d results for %d tests", len(rep.Results), s.Len())
		}
		for _, write := range []func(io.Writer) error{
			func(w io.Writer) error { return rep.WriteText(w, true) },
			rep.WriteJSON, rep.WriteJUnit,
		} {
			if err := write(io.Discard); err != nil {
				t.Fatal(err)
			}
		}
	})
}
