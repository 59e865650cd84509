package format_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/lang/format"
	"github.com/promoc/promoc/lang/limits"
)

// FuzzFormat formats any input that parses, seeded from examples/, the
// golden files here and the parser's: the result parses into the same tree
// (see checkFormat), formatting it again changes nothing, the comments are
// the same, and when the input checks clean with the schema of
// examples/dynamic_rewards, its bytecode is unchanged.
func FuzzFormat(f *testing.F) {
	for _, glob := range []string{"../../examples/*/*.promo"} {
		paths, _ := filepath.Glob(glob)
		for _, p := range paths {
			src, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(src)
		}
	}
	for _, glob := range []string{"testdata/*.txtar", "../testdata/parse/*.txtar"} {
		paths, _ := filepath.Glob(glob)
		for _, p := range paths {
			ar, err := txtar.ParseFile(p)
			if err != nil {
				f.Fatal(err)
			}
			if in, ok := section(ar, "in.promo"); ok {
				f.Add(in)
			}
		}
	}
	// Sources at the edges of lang/limits and of the source text
	// conventions (issue 10): a byte order mark, lines ending in a carriage
	// return alone or with a newline, expressions as deep and long as the
	// parser takes.
	for _, src := range []string{
		"\xEF\xBB\xBFconst a = 1\n",
		"// note\rconst a = 1\rreward r: points {\r\tgive a\r}\r",
		"const a = 1\r\nreward r: points {\r\n\tgive a\r\n}\r\n",
		"const a = " + strings.Repeat("-", limits.Nesting) + "1\n",
		"const a = " + strings.Repeat("(", limits.Nesting) + "1" + strings.Repeat(")", limits.Nesting) + "\n",
		"const a = " + strings.Repeat("1 + ", limits.Operators) + "1\n",
		"const a = " + strings.Repeat("if true then ", 1000) + "1" + strings.Repeat(" else 2", 1000) + "\n",
	} {
		f.Add([]byte(src))
	}
	schemaSrc, err := os.ReadFile("../../examples/dynamic_rewards/schema.promo")
	if err != nil {
		f.Fatal(err)
	}
	schema, _ := lang.Parse("schema.promo", schemaSrc)
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 1<<14 {
			t.Skip("input too large")
		}
		out, diags := format.Source("fuzz.promo", src)
		for _, d := range diags {
			if d.Code == lang.CodeInternalError { // Parse recovered from a panic
				t.Fatalf("%s", d)
			}
		}
		if diags.HasErrors() {
			if out != nil {
				t.Fatalf("Source formatted a file with errors")
			}
			return
		}
		checkFormat(t, "fuzz.promo", src, out)
		if t.Failed() {
			t.FailNow()
		}
		before, _ := lang.Parse("fuzz.promo", src)
		info, diags := compiler.Check([]*lang.File{schema, before}, compiler.Config{})
		for _, d := range diags {
			if d.Code == lang.CodeInternalError { // Check recovered from a panic
				t.Fatalf("%s", d)
			}
		}
		if diags.HasErrors() {
			return
		}
		want, err := lower(info)
		if err != nil {
			return // a compiler bug, for compiler.FuzzCheck to find
		}
		after, _ := lang.Parse("fuzz.promo", out)
		if got := disasm(t, "fuzz.promo", schema, after); got != want {
			t.Fatalf("the bytecode changed:\n%s\nformatted:\n%s", src, out)
		}
	})
}
