package lang

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// FuzzParse checks properties of Parse on any input: it does not panic, it
// returns a File, every span lies within the source with Start <= End and
// within its parent, diagnostics lie within the source and speak in words
// rather than in participle's grammar terms, and PathAt works anywhere.
func FuzzParse(f *testing.F) {
	grammarWords := regexp.MustCompile(`something else|unexpected token|<[a-z]+>|\b(Primary|Expr|Term|Stmt|Item|Decl|Block|Arg|List)\b`)
	for _, path := range exampleFiles(f) {
		src, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	golden, _ := filepath.Glob("testdata/parse/*.txtar")
	for _, path := range golden {
		ar, err := txtar.ParseFile(path)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range ar.Files {
			if file.Name == "in.promo" {
				f.Add(file.Data)
			}
		}
	}
	for _, src := range hostileSeeds() {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 1<<14 {
			t.Skip("input too large")
		}
		file, diags := Parse("fuzz.promo", src)
		if file == nil {
			t.Fatal("Parse returned a nil File")
		}
		checkSpans(t, file, src)
		for _, d := range diags {
			if d.Span.Start.Offset < 0 || d.Span.End.Offset > len(src) || d.Span.Start.Offset > d.Span.End.Offset {
				t.Fatalf("diagnostic %s outside the source of %d bytes: %s", d.Span, len(src), d.Message)
			}
			if d.Code == CodeInternalError { // Parse recovered from a panic
				t.Fatalf("%s", d)
			}
			if d.Message == "" || d.Code == "" {
				t.Fatalf("diagnostic without message or code: %+v", d)
			}
			if grammarWords.MatchString(d.Message) {
				t.Fatalf("message in grammar terms: %s", d.Message)
			}
		}
		for _, offset := range []int{0, len(src) / 2, len(src)} {
			path := PathAt(file, offset)
			if len(path) == 0 || path[0] != Node(file) {
				t.Fatalf("PathAt(%d) does not start with the file", offset)
			}
		}
	})
}
