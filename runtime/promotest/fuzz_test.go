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

// fuzzRules are automation rules and campaigns over the kinds of
// examples/dynamic_rewards, for the event-sequence tests of FuzzRunTests.
const fuzzRules = `reward fuzz_five: amount {
	give 5 EUR | 6 USD
}

automation fuzz_first {
	trigger on first deposit where amount >= 20 EUR | 22 USD
	budget 10 EUR | 11 USD
	give fuzz_five
}

reward fuzz_points: points {
	give 10
}

automation fuzz_every {
	trigger every 3 bet
	qualification deposit { at most 2 rewards }
	at most 1 reward per 1 day
	approval manual
	give fuzz_points
}

automation fuzz_back {
	trigger inactive 2 days since login
	give fuzz_points
}

campaign fuzz_monday {
	trigger schedule every Monday 09:00 in player zone
	split seed "f" {
		variant a 50%: give fuzz_points
		control 50%
	}
}
`

// fuzzSequence seeds FuzzRunTests with an event-sequence test.
const fuzzSequence = `test "s" {
	automation fuzz_every
	player p1 { currency EUR  zone "Europe/Malta"  vip_level 1 }
	player p2 { currency USD }
	events {
		time              player  kind     amount  game
		2026-11-20 09:00  p1      deposit  50 EUR  _
		2026-11-20 09:05  p2      bet      5 USD   "Gold Quest"
	}
	repeat 7 bet every 1 hour from 2026-11-20 10:00 { player p1  amount 1 EUR }
	expect rewards 0
	expect outcome 1 player p1 waiting 10
	advance to 2026-11-30 00:00
	expect outcome 2 skipped rate-limited
}

test "t" {
	campaign fuzz_monday
	player p1 { currency EUR  zone "Europe/Malta" }
	now 2026-11-22 00:00
	advance to 2026-11-23 12:00
	expect group p1 a
	expect campaign active
	expect outcome 1 issued 10
}
`

// FuzzRunTests checks that a test file that checks always runs, and that
// the reports write, without a panic: whatever a test says, the runner
// builds its input and judges its expects, or runs its events through the
// campaign engine. Seeded with the example tests and event-sequence tests.
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
	rules = append(rules, runtime.Source{Name: "fuzz_rules.promo", Text: []byte(fuzzRules)})
	f.Add([]byte(fuzzSequence))
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
