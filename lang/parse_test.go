package lang

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

// exampleFiles returns the .promo files under examples/.
func exampleFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir("../examples", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".promo") {
			files = append(files, path)
		}
		return err
	})
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

func TestParseExamples(t *testing.T) {
	for _, path := range exampleFiles(t) {
		t.Run(path, func(t *testing.T) {
			src, err := os.ReadFile(path)
			require.NoError(t, err)
			f, diags := Parse(path, src)
			assert.Empty(t, diags)
			assert.NotEmpty(t, f.Decls)
			checkSpans(t, f, src)
		})
	}
}

// formatDiags renders diagnostics one a line, with their spans.
func formatDiags(ds Diagnostics) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.Span.String() + ": " + d.Severity.String() + ": " + d.Message + " [" + string(d.Code) + "]\n")
		if d.Suggestion != "" {
			b.WriteString("\tfix: " + strconv.Quote(d.Suggestion) + "\n")
		}
	}
	return b.String()
}

// TestGolden parses the in.promo of each testdata/parse/*.txtar and compares
// the tree with out/ast and the diagnostics with out/diags (absent when
// there are none). go test ./lang -update rewrites them.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/parse/*.txtar")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(path)
			require.NoError(t, err)
			var src []byte
			want := map[string]string{}
			for _, f := range ar.Files {
				if f.Name == "in.promo" {
					src = f.Data
				} else {
					want[f.Name] = string(f.Data)
				}
			}
			require.NotNil(t, src, "%s has no in.promo", path)
			file, diags := Parse("in.promo", src)
			checkSpans(t, file, src)
			isErrorCase := strings.HasPrefix(filepath.Base(path), "err_")
			assert.Equal(t, isErrorCase, diags.HasErrors(), "only the err_ cases should have errors: %v", diags)
			got := map[string]string{"out/ast": dump(file)}
			if len(diags) > 0 {
				got["out/diags"] = formatDiags(diags)
			}
			if *update {
				ar.Files = []txtar.File{{Name: "in.promo", Data: src}}
				for _, name := range []string{"out/ast", "out/diags"} {
					if got[name] != "" {
						ar.Files = append(ar.Files, txtar.File{Name: name, Data: []byte(got[name])})
					}
				}
				require.NoError(t, os.WriteFile(path, txtar.Format(ar), 0o666))
				return
			}
			assert.Equal(t, want["out/diags"], got["out/diags"], "diagnostics of %s", path)
			assert.Equal(t, want["out/ast"], got["out/ast"], "tree of %s", path)
		})
	}
}

func TestParseNeverNil(t *testing.T) {
	for _, src := range []string{"", "}", "reward", "\xff", `"`, "reward r: amount {"} {
		f, _ := Parse("x", []byte(src))
		require.NotNil(t, f, "Parse(%q)", src)
		assert.Equal(t, "x", f.Name)
		assert.Equal(t, len(src), f.End.Offset)
	}
}

// TestOneSyntaxError checks that a syntax error found by the grammar makes
// one diagnostic and keeps the declarations before it.
func TestOneSyntaxError(t *testing.T) {
	src := "const a = 1\nconst b = 2\nreward r: amount { give ) }\nconst c = 3 )\n"
	f, diags := Parse("x", []byte(src))
	require.Len(t, diags, 1)
	assert.Equal(t, CodeBadSyntax, diags[0].Code)
	assert.Equal(t, Pos{Offset: 48, Line: 3, Col: 25}, diags[0].Span.Start)
	require.Len(t, f.Decls, 2)
	assert.Equal(t, "b", f.Decls[1].(*ConstDecl).Name.Name)
}

// checkSpans checks that every node's span lies within the source with
// Start <= End, that children lie within their parents, that Line and Col
// agree with Offset, and the same for comments.
func checkSpans(t testing.TB, f *File, src []byte) {
	t.Helper()
	lines := lineStarts(src)
	checkPos := func(n any, p Pos) {
		t.Helper()
		if p.Offset < 0 || p.Offset > len(src) {
			t.Fatalf("%T: offset %d outside the source of %d bytes", n, p.Offset, len(src))
		}
		line := lineOf(lines, p.Offset)
		if p.Line != line || p.Col != p.Offset-lines[line-1]+1 {
			t.Fatalf("%T: position %d:%d does not match offset %d (want %d:%d)", n, p.Line, p.Col, p.Offset, line, p.Offset-lines[line-1]+1)
		}
	}
	var stack []Node
	Inspect(f, func(n Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return false
		}
		sp := n.Span()
		checkPos(n, sp.Start)
		checkPos(n, sp.End)
		if sp.Start.Offset > sp.End.Offset {
			t.Fatalf("%T %s: start after end", n, sp)
		}
		if _, isFile := n.(*File); !isFile && sp.Start.Offset == sp.End.Offset {
			t.Fatalf("%T %s: empty span", n, sp)
		}
		if len(stack) > 0 {
			parent := stack[len(stack)-1]
			if !parent.Span().Covers(sp) {
				t.Fatalf("%T %s is not inside its parent %T %s", n, sp, parent, parent.Span())
			}
		}
		stack = append(stack, n)
		return true
	})
	prev := -1
	for _, c := range f.Comments {
		sp := c.Span()
		checkPos(c, sp.Start)
		checkPos(c, sp.End)
		if sp.Start.Offset <= prev || string(src[sp.Start.Offset:sp.End.Offset]) != c.Text || !strings.HasPrefix(c.Text, "//") {
			t.Fatalf("comment %s %q is out of order or does not match the source", sp, c.Text)
		}
		prev = sp.End.Offset
	}
}

// reservedKeywords and contextualKeywords list every keyword; keywords
// both sorts.
var (
	reservedKeywords = strings.Fields(`kind player template const reward window round cap minimum approval
	let give skip check tiers above at below else in and or not of if then where true false now default
	campaign automation payout test trigger segment budget split every schedule`)
	contextualKeywords = strings.Fields(`least most to from between first last full day week weekend month
	transaction qualification since entrance zone decimals auto manual nearest down up amount points
	gems diamonds balance leaderboard level currencies
	expect transactions repeat load rates anchors calculated skipped error branch aggregation matched ids
	events advance update approve reject outcome waiting rejected left suspended active group
	offer reference name description requires vouchers needs synchronization image web field`)
	keywords = append(append([]string{}, reservedKeywords...), contextualKeywords...)
)

// declaring lists the places that declare a name.
func declaring(kw string) []string {
	return []string{
		"const " + kw + " = 1",
		"kind " + kw + " {}",
		"template " + kw + ` "t"`,
		"reward " + kw + ": amount {}",
		"reward r: amount { let " + kw + " = 1 }",
	}
}

func TestReservedKeywordsAreNotNames(t *testing.T) {
	for _, kw := range reservedKeywords {
		want := kw + " is a keyword and cannot be a name"
		if later := reservedFor(kw); later != "" {
			want = kw + " is reserved for " + later + ", which the language does not have yet (spec/design.md), and cannot be a name"
		}
		for _, src := range declaring(kw) {
			_, diags := Parse("x", []byte(src))
			require.Len(t, diags, 1, "Parse(%q)", src)
			assert.Equal(t, want, diags[0].Message, "Parse(%q)", src)
		}
	}
}

// TestContextualKeywordsAreNames declares every contextual keyword as a
// name, and reads it in an expression and in a test.
func TestContextualKeywordsAreNames(t *testing.T) {
	for _, kw := range contextualKeywords {
		for _, src := range append(declaring(kw),
			"reward r: points { let "+kw+" = 1\n give "+kw+" + 1 }",
			"test \"t\" { reward "+kw+"\n expect let "+kw+" == 1 }") {
			_, diags := Parse("x", []byte(src))
			assert.Empty(t, diags, "Parse(%q)", src)
		}
	}
}

func TestKeywordKinds(t *testing.T) {
	for _, kw := range reservedKeywords {
		assert.Equal(t, tokKeyword, keywordType(kw), "%s is reserved", kw)
	}
	for _, kw := range contextualKeywords {
		assert.Equal(t, tokContextual, keywordType(kw), "%s is contextual", kw)
	}
}

func TestKeywordsAsAttributes(t *testing.T) {
	for _, kw := range keywords {
		src := "kind k { " + kw + ": number }\nplayer { " + kw + ": number }\n" +
			"const x = k." + kw + " + player." + kw + " + sum(k." + kw + ")"
		_, diags := Parse("x", []byte(src))
		assert.Empty(t, diags, "Parse(%q)", src)
	}
}

func TestNotKeywords(t *testing.T) {
	for _, name := range []string{"sum", "count", "avg", "min", "max", "money", "number", "percent", "bool", "string", "time", "duration", "kinds", "rewards", "_", "x1"} {
		src := "const " + name + " = 1\nreward r: amount { let " + name + "2 = " + name + " give " + name + "2 }"
		_, diags := Parse("x", []byte(src))
		assert.Empty(t, diags, "Parse(%q)", src)
	}
}

func TestParseConcurrent(t *testing.T) {
	files := exampleFiles(t)
	want := make([]string, len(files))
	srcs := make([][]byte, len(files))
	for i, path := range files {
		src, err := os.ReadFile(path)
		require.NoError(t, err)
		srcs[i] = src
		f, _ := Parse(path, src)
		want[i] = dump(f)
	}
	done := make(chan string, 8*len(files))
	for range 8 {
		for i := range files {
			go func() {
				f, _ := Parse(files[i], srcs[i])
				if got := dump(f); got != want[i] {
					done <- files[i]
					return
				}
				done <- ""
			}()
		}
	}
	for range 8 * len(files) {
		assert.Empty(t, <-done, "a concurrent parse differed")
	}
}

func TestEOFWithoutNewline(t *testing.T) {
	tests := []struct{ src, want string }{
		{`template t "abc`, `1:12-1:16: error: unterminated string: missing closing " [bad-syntax]`},
		{"reward r: amount {", `1:19-1:19: error: unexpected end of file: missing "}" for reward r [bad-syntax]`},
		{"const x = 1 // c", ""},
		{"const x = 2026-01-01 10:00", ""},
	}
	for _, tt := range tests {
		f, diags := Parse("x", []byte(tt.src))
		checkSpans(t, f, []byte(tt.src))
		assert.Equal(t, tt.want, strings.TrimSuffix(formatDiags(diags), "\n"), "Parse(%q)", tt.src)
	}
}
