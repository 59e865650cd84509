package compiler_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
)

// failOnInternal fails the fuzz run on an internal error: Check recovers
// its own panics into such diagnostics, which a fuzz target must still
// report as the crashes they are.
func failOnInternal(t *testing.T, diags lang.Diagnostics, src []byte) {
	t.Helper()
	for _, d := range diags {
		if d.Code == lang.CodeInternalError {
			t.Fatalf("%s\n%s", d, src)
		}
	}
}

// rulesSeed is a clean rule set with a condition of each sort (trigger,
// entrance, segment, qualification), for mutations that lower them.
const rulesSeed = `reward r: points {
	window last 7 days
	give count(bet where game == "a" or game == "b")
}

automation a {
	trigger on deposit where amount >= 20 EUR | 22 USD and method not in ["card"]
	segment player.vip_level >= 1 and (if player.country == "MT" then true else now > 2026-01-01)
	qualification bet where amount > 1 EUR | 1 USD and player.vip_level < 9 {
		at most 3 rewards
	}
	give r
}

campaign c {
	entrance on first login where player.vip_level >= 2
	trigger every 10 bet where amount >= 1 EUR | 1 USD or game == "x"
	split seed "s" {
		variant x 50%: give r
		control 50%
	}
}
`

// FuzzCheck feeds arbitrary sources, seeded from the examples and the
// checker's test files, through the whole compiler: a file that parses is
// checked without panicking, and a file that checks clean always lowers,
// validates and disassembles.
func FuzzCheck(f *testing.F) {
	schema, err := os.ReadFile("../examples/dynamic_rewards/schema.promo")
	if err != nil {
		f.Fatal(err)
	}
	for _, glob := range []string{"../examples/*/*.promo", "testdata/check/*.promo", "testdata/check/*/*.promo"} {
		paths, _ := filepath.Glob(glob)
		for _, p := range paths {
			if src, err := os.ReadFile(p); err == nil {
				f.Add(src)
			}
		}
	}
	for _, src := range hostileSeeds() {
		f.Add(src)
	}
	f.Add([]byte(rulesSeed))
	sf, _ := lang.Parse("schema.promo", schema)
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 1<<14 {
			return
		}
		file, diags := lang.Parse("fuzz.promo", src)
		if diags.HasErrors() {
			return
		}
		info, diags := compiler.Check([]*lang.File{sf, file}, compiler.Config{})
		failOnInternal(t, diags, src)
		if diags.HasErrors() {
			return
		}
		prog, err := compiler.Lower(info)
		if err != nil {
			t.Fatalf("clean check but lowering failed: %v\n%s", err, src)
		}
		var buf bytes.Buffer
		if err := prog.Disassemble(&buf, ""); err != nil {
			t.Fatalf("disassemble: %v", err)
		}
	})
}
