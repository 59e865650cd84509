package compiler_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
)

// docBlock is a fenced promo code block of a document.
type docBlock struct {
	doc     string
	line    int // of the first line of code
	code    string
	error   bool // a promo-error block
	test    bool // a promo-test block
	section int  // the number of the ## section it is in; 0 before the first
}

func docBlocks(t *testing.T, path string) []docBlock {
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	var blocks []docBlock
	var cur *docBlock
	section := 0
	for i, line := range strings.Split(string(src), "\n") {
		switch {
		case cur == nil && strings.HasPrefix(line, "## "):
			section, _ = strconv.Atoi(strings.TrimSuffix(strings.Fields(line + " x")[1], "."))
		case cur == nil && (line == "```promo" || line == "```promo-error" || line == "```promo-test"):
			cur = &docBlock{doc: path, line: i + 2, error: line == "```promo-error", test: line == "```promo-test", section: section}
		case cur != nil && line == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.code += line + "\n"
		}
	}
	return blocks
}

// TestDocBlocks checks every promo code block of the documents of spec/
// (spec.md, semantics.md, ...) and the README together with the schema of
// examples/dynamic_rewards, as the spec says: a
// promo block has no diagnostic at all, and a promo-error block reports
// exactly the diagnostics its // ERROR "regexp" markers announce. A
// promo-test block, and a promo-error block that declares tests, is a test
// file of examples/dynamic_rewards, checked against its rules.
func TestDocBlocks(t *testing.T) {
	schema, _ := parseFile(t, "../examples/dynamic_rewards/schema.promo")
	docs, err := filepath.Glob("../spec/*.md")
	require.NoError(t, err)
	require.Contains(t, docs, "../spec/semantics.md")
	var blocks []docBlock
	for _, d := range append(docs, "../README.md") {
		blocks = append(blocks, docBlocks(t, d)...)
	}
	require.GreaterOrEqual(t, len(blocks), 10)
	for _, b := range blocks {
		name := b.doc + ":" + strconv.Itoa(b.line)
		f, diags := lang.Parse(name, []byte(b.code))
		if !b.error {
			require.Empty(t, diags, "%s", name)
		}
		if diags.HasErrors() {
			checkMarked(t, name, b.code, diags)
			continue
		}
		if declaresTests(f) {
			// A test file of examples/dynamic_rewards; promotest runs it.
			_, cdiags := compiler.CheckTests([]*lang.File{f}, exampleRules(t))
			if !b.error {
				require.Empty(t, cdiags, "%s", name)
				continue
			}
			checkMarked(t, name, b.code, cdiags)
			continue
		}
		_, cdiags := compiler.Check([]*lang.File{schema, f}, compiler.Config{})
		if !b.error {
			require.Empty(t, cdiags, "%s", name)
			continue
		}
		checkMarked(t, name, b.code, cdiags)
	}
}

// checkMarked compares the diagnostics of a block with its markers.
func checkMarked(t *testing.T, name, code string, diags lang.Diagnostics) {
	t.Helper()
	markers := parseMarkers(t, code)
	for _, d := range diags {
		found := false
		for _, m := range markers {
			if m.line == d.Span.Start.Line && m.sev == d.Severity && m.re.MatchString(d.Message) {
				m.used, found = true, true
				break
			}
		}
		if !found {
			t.Errorf("%s: unexpected diagnostic %s", name, d)
		}
	}
	for _, m := range markers {
		if !m.used {
			t.Errorf("%s: line %d of the block: missing %s matching %q", name, m.line, m.sev, m.re)
		}
	}
}

func declaresTests(f *lang.File) bool {
	for _, d := range f.Decls {
		if _, ok := d.(*lang.TestDecl); ok {
			return true
		}
	}
	return false
}

// exampleRules checks the rule set of examples/dynamic_rewards.
func exampleRules(t *testing.T) *compiler.Info {
	paths, err := filepath.Glob("../examples/dynamic_rewards/*.promo")
	require.NoError(t, err)
	var files []*lang.File
	for _, p := range paths {
		if !strings.HasSuffix(p, "_test.promo") {
			f, _ := parseFile(t, p)
			files = append(files, f)
		}
	}
	// The rules the event-sequence tests of section 15 run: its promo blocks.
	for _, b := range docBlocks(t, "../spec/spec.md") {
		if b.section == 15 && !b.error && !b.test {
			f, diags := lang.Parse(b.doc+":"+strconv.Itoa(b.line), []byte(b.code))
			require.Empty(t, diags)
			files = append(files, f)
		}
	}
	info, diags := compiler.Check(files, compiler.Config{})
	require.Empty(t, diags)
	return info
}
