package lsp

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	protocol "github.com/tliron/glsp/protocol_3_16"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/runtime"
)

// utf16Pos is the test's own conversion of a byte offset to a protocol
// position (lines end at "\n"), independent of mapper.go.
func utf16Pos(text string, off int) map[string]any {
	line := strings.Count(text[:off], "\n")
	start := strings.LastIndex(text[:off], "\n") + 1
	return map[string]any{"line": line, "character": len(utf16.Encode([]rune(text[start:off])))}
}

// edit is one range change, in byte offsets of the text before it.
type edit struct {
	start, end int
	text       string
}

// changeRanges sends edits as one didChange of range changes, each in
// positions of the text the earlier ones left, and returns the new text.
func (c *client) changeRanges(name string, edits ...edit) string {
	c.mu.Lock()
	c.versions[name]++
	v := c.versions[name]
	text := c.texts[name]
	var changes []map[string]any
	for _, e := range edits {
		changes = append(changes, map[string]any{
			"range":       map[string]any{"start": utf16Pos(text, e.start), "end": utf16Pos(text, e.end)},
			"rangeLength": len(utf16.Encode([]rune(text[e.start:e.end]))),
			"text":        e.text,
		})
		text = text[:e.start] + e.text + text[e.end:]
	}
	c.texts[name] = text
	c.mu.Unlock()
	c.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": c.uri(name), "version": v},
		"contentChanges": changes,
	})
	return text
}

func TestIncrementalSync(t *testing.T) {
	dir := t.TempDir()
	srv := New(Options{Debounce: time.Millisecond})
	c := startServerClient(t, dir, srv, &syncBuffer{})
	c.initialize()
	text := "// Café ☕ 🎰\nconst t = \"é🎰\" + 1\nconst u = 2\n"
	c.open("a.promo", text)
	c.diagnostics("a.promo")
	// Edits after characters of two UTF-16 units, several in one message,
	// one replacing a range that holds a surrogate pair, one at the end.
	at := func(s string) int { return strings.Index(c.text("a.promo"), s) }
	c.changeRanges("a.promo",
		edit{at("1\n"), at("1\n") + 1, "nope"},
		edit{at("☕"), at("☕") + len("☕ 🎰"), "🎲"},
	)
	c.changeRanges("a.promo", edit{len(c.text("a.promo")), len(c.text("a.promo")), "const w = \"🎲\" + u\n"})
	diags := c.diagnostics("a.promo")
	got, _ := srv.text(c.uri("a.promo"))
	require.Equal(t, c.text("a.promo"), got)
	require.Len(t, diags, 2, "%v", diags)
	assert.Equal(t, "undefined: nope", diags[0].Message)
	// const t = "é🎰" + nope: é is one UTF-16 unit, 🎰 two.
	assert.Equal(t, protocol.Range{Start: protocol.Position{Line: 1, Character: 18}, End: protocol.Position{Line: 1, Character: 22}}, diags[0].Range)
	// const w = "🎲" + u: the string is four UTF-16 units.
	assert.Equal(t, protocol.Range{Start: protocol.Position{Line: 3, Character: 10}, End: protocol.Position{Line: 3, Character: 18}}, diags[1].Range)
	// A change without a range replaces the whole text.
	c.change("a.promo", "const z = 1\n")
	assert.Empty(t, c.diagnostics("a.promo"))
}

// ruleFile is the rule files of the examples in one file.
func ruleFile(tb testing.TB) string {
	files := exampleFiles(tb, false)
	var names []string
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		b.WriteString(files[name])
		b.WriteString("\n")
	}
	return b.String()
}

// wantDiagnostics is what a full parse and check of a rule set gives for
// the file path: each diagnostic as its range, by the test's own UTF-16
// count, and its message.
func wantDiagnostics(path string, files map[string]string) []string {
	var parsed []runtime.Parsed
	var names []string
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f, d := lang.Parse(name, []byte(files[name]))
		parsed = append(parsed, runtime.Parsed{File: f, Diagnostics: d})
	}
	a := runtime.AnalyzeParsed(parsed)
	text := files[path]
	out := []string{}
	for _, d := range a.Diagnostics {
		if d.File == path {
			start, end := utf16Pos(text, d.Span.Start.Offset), utf16Pos(text, d.Span.End.Offset)
			out = append(out, fmt.Sprintf("%d:%d-%d:%d %s", start["line"], start["character"], end["line"], end["character"], d.Message))
		}
	}
	return out
}

// gotDiagnostics writes published diagnostics as wantDiagnostics does.
func gotDiagnostics(diags []diagnostic) []string {
	out := []string{}
	for _, d := range diags {
		r := d.Range
		out = append(out, fmt.Sprintf("%d:%d-%d:%d %s", r.Start.Line, r.Start.Character, r.End.Line, r.End.Character, d.Message))
	}
	return out
}

// TestRandomEditsMatchFullParse sends random range edits (text that breaks
// the syntax, non-ASCII characters, new declarations) to one file of all
// the examples' rules, and after each compares the diagnostics published,
// which come from re-parsing only the changed declarations, with those of
// a full parse and check of the text.
func TestRandomEditsMatchFullParse(t *testing.T) {
	snippets := []string{"}", "{", "\nreward r: amount {\n", "\nconst c = 1\n", " + ", "\"", "é", "🎰",
		"x", "\n", "// 🎲\n", "2026-02-30", "\nkind k {\nconst: money\n}\n", "give 1 EUR", ""}
	dir := t.TempDir()
	base := ruleFile(t)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rules.promo"), []byte(base), 0o644))
	c := startClient(t, dir, Options{Debounce: time.Millisecond})
	c.initialize()
	c.open("rules.promo")
	c.diagnostics("rules.promo")
	rng := rand.New(rand.NewPCG(1, 2))
	// A rune boundary at or before off.
	boundary := func(text string, off int) int {
		for off > 0 && off < len(text) && !utf8.RuneStart(text[off]) {
			off--
		}
		return off
	}
	for i := range 60 {
		text := c.text("rules.promo")
		var edits []edit
		if i%10 == 9 {
			edits = []edit{{0, len(text), base}} // back to a file that checks
		} else {
			start := boundary(text, rng.IntN(len(text)+1))
			end := boundary(text, min(len(text), start+rng.IntN(6)))
			if end < start {
				end = start
			}
			edits = []edit{{start, end, snippets[rng.IntN(len(snippets))]}}
		}
		text = c.changeRanges("rules.promo", edits...)
		if i%3 != 0 {
			continue // edits pile up before the next analysis
		}
		path := filepath.Join(dir, "rules.promo")
		want := wantDiagnostics(path, map[string]string{path: text})
		require.Equal(t, want, gotDiagnostics(c.diagnostics("rules.promo")), "edit %d: %v", i, edits)
	}
}

// largeFile writes one rule file of at least lines lines, the rule set of
// largeWorkspace in one file, and returns its name.
func largeFile(tb testing.TB, dir string, lines int) string {
	tmp := tb.TempDir()
	largeWorkspace(tb, tmp, lines)
	paths, err := filepath.Glob(filepath.Join(tmp, "*.promo"))
	if err != nil {
		tb.Fatal(err)
	}
	sort.Strings(paths)
	var b strings.Builder
	for _, p := range paths {
		text, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		b.Write(text)
		b.WriteString("\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "large.promo"), []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return "large.promo"
}

// BenchmarkLargeFile measures, in one file of 5,000 lines, the time from
// a one-character edit in the middle of the file, sent as a range change,
// to the diagnostics of the new version (the debounce set to 1µs,
// excluded), the time of formatting the file after such an edit (with the
// edit's analysis not started, as when one formats right after typing,
// and with it started at once, competing for the processor), and that of
// its semantic tokens.
func BenchmarkLargeFile(b *testing.B) {
	report := func(b *testing.B, lat []time.Duration) {
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		b.ReportMetric(ms(lat[len(lat)/2]), "ms-p50")
		b.ReportMetric(ms(lat[len(lat)*9/10]), "ms-p90")
		b.ReportMetric(ms(lat[len(lat)-1]), "ms-max")
	}
	setup := func(b *testing.B, debounce time.Duration) (*client, string, int) {
		dir := b.TempDir()
		file := largeFile(b, dir, 5000)
		c := startClient(b, dir, Options{Debounce: debounce})
		c.initialize()
		c.open(file)
		// Analyzed at once, whatever the debounce.
		c.call("textDocument/documentSymbol", map[string]any{"textDocument": map[string]any{"uri": c.uri(file)}}, nil)
		if d := c.diagnostics(file); len(d) != 0 {
			b.Fatalf("the file has diagnostics: %v", d[0].Message)
		}
		text := c.text(file)
		// The use of a constant in a reward in the middle of the file.
		return c, file, strings.Index(text[len(text)/2:], "give small_deposit_bonus") + len(text)/2
	}
	b.Run("diagnostics", func(b *testing.B) {
		c, file, at := setup(b, time.Microsecond)
		at += len("give small_deposit_bonu")
		var lat []time.Duration
		for i := 0; b.Loop(); i++ {
			// Delete the last letter of the name (an error), then put it back.
			e, want := edit{at, at + 1, ""}, 1
			if i%2 == 1 {
				e, want = edit{at, at, "s"}, 0
			}
			start := time.Now()
			c.changeRanges(file, e)
			if got := len(c.diagnostics(file)); got != want {
				b.Fatalf("%d diagnostics, want %d", got, want)
			}
			lat = append(lat, time.Since(start))
		}
		report(b, lat)
	})
	formatting := func(b *testing.B, debounce time.Duration) {
		c, file, at := setup(b, debounce)
		var lat []time.Duration
		params := map[string]any{"textDocument": map[string]any{"uri": c.uri(file)}, "options": map[string]any{}}
		for i := 0; b.Loop(); i++ {
			// Spoil the layout of one line, then format.
			c.changeRanges(file, edit{at, at, "  "})
			start := time.Now()
			var edits []protocol.TextEdit
			c.call("textDocument/formatting", params, &edits)
			lat = append(lat, time.Since(start))
			if len(edits) != 1 {
				b.Fatalf("%d edits, want 1", len(edits))
			}
			c.changeRanges(file, edit{at, at + 2, ""})
		}
		report(b, lat)
	}
	b.Run("formatting", func(b *testing.B) { formatting(b, time.Hour) })
	b.Run("formatting-during-analysis", func(b *testing.B) { formatting(b, time.Microsecond) })
	b.Run("semantic-tokens", func(b *testing.B) {
		c, file, _ := setup(b, time.Microsecond)
		var lat []time.Duration
		params := map[string]any{"textDocument": map[string]any{"uri": c.uri(file)}}
		for b.Loop() {
			start := time.Now()
			var res protocol.SemanticTokens
			c.call("textDocument/semanticTokens/full", params, &res)
			lat = append(lat, time.Since(start))
			if len(res.Data) == 0 {
				b.Fatal("no tokens")
			}
		}
		report(b, lat)
	})
}
