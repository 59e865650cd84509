package format_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/lang/format"
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
