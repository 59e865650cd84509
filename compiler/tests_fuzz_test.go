package compiler_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
)

// FuzzCheckTests checks that CheckTests never panics on a test file that
// parses, against the rules of examples/dynamic_rewards. It is seeded with
// the example tests and the test files of testdata/tests and
// testdata/seqtests; the section 15 rules of spec/spec.md give it an
// automation rule and a campaign to test.
func FuzzCheckTests(f *testing.F) {
	for _, glob := range []string{"../examples/*/*_test.promo", "testdata/tests/*_test.promo", "testdata/seqtests/*_test.promo"} {
		paths, _ := filepath.Glob(glob)
		for _, p := range paths {
			src, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(src)
		}
	}
	for _, golden := range []string{"tests", "tests_sequence"} {
		if ar, err := txtar.ParseFile("../lang/testdata/parse/" + golden + ".txtar"); err == nil {
			for _, file := range ar.Files {
				if file.Name == "in.promo" {
					f.Add(file.Data)
				}
			}
		}
	}
	var rules *compiler.Info
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 1<<14 {
			t.Skip("input too large")
		}
		file, diags := lang.Parse("fuzz_test.promo", src)
		if diags.HasErrors() {
			return
		}
		if rules == nil {
			rules = exampleRules(t)
		}
		ti, diags := compiler.CheckTests([]*lang.File{file}, rules)
		failOnInternal(t, diags, src)
		if ti == nil {
			t.Fatal("CheckTests returned a nil TestInfo")
		}
	})
}
