package compiler_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
)

// marker is an inline expectation: a trailing `// ERROR "regexp"` or
// `// WARN "regexp"` comment marks a line that must report a matching
// diagnostic. Several alternatives may be joined with | inside the regexp.
var markerRE = regexp.MustCompile(`//\s*(ERROR|WARN)\s+"((?:[^"\\]|\\.)*)"`)

type marker struct {
	line int
	sev  lang.Severity
	re   *regexp.Regexp
	used bool
}

func parseMarkers(t *testing.T, src string) []*marker {
	var ms []*marker
	for i, line := range strings.Split(src, "\n") {
		for _, m := range markerRE.FindAllStringSubmatch(line, -1) {
			sev := lang.Error
			if m[1] == "WARN" {
				sev = lang.Warning
			}
			re, err := regexp.Compile(strings.ReplaceAll(m[2], `\"`, `"`))
			require.NoError(t, err)
			ms = append(ms, &marker{line: i + 1, sev: sev, re: re})
		}
	}
	return ms
}

func parseFile(t *testing.T, path string) (*lang.File, string) {
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	f, diags := lang.Parse(filepath.Base(path), src)
	require.Empty(t, diags, "parse %s", path)
	return f, string(src)
}

// TestCheckMarkers checks every file in testdata/check together with
// testdata/check/schema.promo, comparing diagnostics with inline markers:
// both unexpected and missing diagnostics fail.
func TestCheckMarkers(t *testing.T) {
	schema, _ := parseFile(t, "testdata/check/schema.promo")
	paths, err := filepath.Glob("testdata/check/*.promo")
	require.NoError(t, err)
	for _, path := range paths {
		if filepath.Base(path) == "schema.promo" {
			continue
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, src := parseFile(t, path)
			_, diags := compiler.Check([]*lang.File{schema, f}, compiler.Config{})
			for _, d := range diags {
				if d.File != f.Name {
					t.Errorf("diagnostic in the schema: %s", d)
				}
			}
			checkMarked(t, f.Name, src, diags)
		})
	}
}

// TestCheckMarkerRuleSets checks each folder in testdata/check as one rule
// set of its own, without the shared schema, comparing the diagnostics of
// each of its files with the file's inline markers.
func TestCheckMarkerRuleSets(t *testing.T) {
	entries, err := os.ReadDir("testdata/check")
	require.NoError(t, err)
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, filepath.Join("testdata/check", e.Name()))
		}
	}
	require.NotEmpty(t, dirs)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			paths, err := filepath.Glob(filepath.Join(dir, "*.promo"))
			require.NoError(t, err)
			var files []*lang.File
			srcs := map[string]string{}
			for _, path := range paths {
				f, src := parseFile(t, path)
				files = append(files, f)
				srcs[f.Name] = src
			}
			_, diags := compiler.Check(files, compiler.Config{})
			for name, src := range srcs {
				var mine lang.Diagnostics
				for _, d := range diags {
					if d.File == name {
						mine = append(mine, d)
					}
				}
				checkMarked(t, name, src, mine)
			}
		})
	}
}

// TestCheckExamples checks that every example rule set is free of errors and
// warnings.
func TestCheckExamples(t *testing.T) {
	dirs := map[string][]string{}
	err := filepath.WalkDir("../examples", func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".promo") && !strings.HasSuffix(path, "_test.promo") {
			dirs[filepath.Dir(path)] = append(dirs[filepath.Dir(path)], path)
		}
		return err
	})
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	var names []string
	for d := range dirs {
		names = append(names, d)
	}
	sort.Strings(names)
	for _, dir := range names {
		t.Run(dir, func(t *testing.T) {
			var files []*lang.File
			for _, p := range dirs[dir] {
				f, _ := parseFile(t, p)
				files = append(files, f)
			}
			info, diags := compiler.Check(files, compiler.Config{})
			require.Empty(t, diags)
			_, err := compiler.Lower(info)
			require.NoError(t, err)
		})
	}
}

// TestSuggestions checks the fix a diagnostic offers an editor: the text
// that replaces its span.
func TestSuggestions(t *testing.T) {
	const schema = "currencies EUR, USD\nkind bet { amount: money }\n"
	tests := []struct {
		name, src string
		code      lang.Code
		span, fix string // the text at the span, and its replacement
	}{
		{"zero with a currency", "reward r: amount {\n\tcheck sum(bet.amount) <= 0 EUR {\n\t\tskip \"none\"\n\t}\n\tgive sum(bet.amount)\n}",
			lang.CodeMissingCurrency, "0 EUR", "0"},
		{"zero with a currency where 0 cannot stand", "reward r: amount {\n\tgive sum(bet.amount) - 0 USD\n}",
			lang.CodeMissingCurrency, "0 USD", "0 EUR | 0 USD"},
		{"zone of a week back", "reward r: amount {\n\twindow last 1 week in player zone\n\tgive sum(bet.amount)\n}",
			lang.CodeUnusedZone, "last 1 week in player zone", "last full week in player zone"},
		{"zone of days back", "reward r: amount {\n\twindow last 3 days in \"Europe/Malta\"\n\tgive sum(bet.amount)\n}",
			lang.CodeUnusedZone, `last 3 days in "Europe/Malta"`, "last 3 days"},
		{"misspelt currency", "currencies EUX\n", lang.CodeUnknownCurrency, "EUX", "EUR"},
		{"currency in lowercase", "currencies jpy\n", lang.CodeUnknownCurrency, "jpy", "JPY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := schema + tt.src
			f, diags := lang.Parse("x.promo", []byte(src))
			require.Empty(t, diags)
			_, diags = compiler.Check([]*lang.File{f}, compiler.Config{})
			var got *lang.Diagnostic
			for i := range diags {
				if diags[i].Code == tt.code {
					got = &diags[i]
				}
			}
			require.NotNil(t, got, "Check(%q) = %v, want a %s", tt.src, diags, tt.code)
			require.Equal(t, tt.span, src[got.Span.Start.Offset:got.Span.End.Offset], "span of %s", got)
			require.Equal(t, tt.fix, got.Suggestion, "suggestion of %s", got)
		})
	}
}
