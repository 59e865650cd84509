package format_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/lang/format"
)

// TestExamples requires every .promo file under examples/ to be in the
// canonical layout already (so that CI can run promoc fmt -l examples/...),
// and formats each rule set's files to check that formatting, then
// formatting again, changes nothing and that the rewards compile to the
// same bytecode before and after.
func TestExamples(t *testing.T) {
	dirs := map[string][]string{}
	err := filepath.WalkDir("../../examples", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".promo") {
			dirs[filepath.Dir(path)] = append(dirs[filepath.Dir(path)], path)
		}
		return err
	})
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for dir, paths := range dirs {
		var before, after []*lang.File
		for _, path := range paths {
			src, err := os.ReadFile(path)
			require.NoError(t, err)
			out, diags := format.Source(path, src)
			require.Empty(t, diags, "%s", path)
			assert.Equal(t, string(src), string(out), "%s is not formatted: run promoc fmt -w %s", path, path)
			checkFormat(t, path, src, out)
			if strings.HasSuffix(path, "_test.promo") {
				continue // not part of the rule set
			}
			before = append(before, parse(t, path, src))
			after = append(after, parse(t, path, out))
		}
		assert.Equal(t, disasm(t, dir, before...), disasm(t, dir, after...), "the bytecode of %s changed", dir)
	}
}

// TestSpecBlocks formats every promo and promo-error block of the documents
// of spec/ (spec.md, semantics.md, ...):
// formatting is idempotent and keeps the comments, and the clean blocks
// compile, with the standard schema, to the same bytecode before and after.
func TestSpecBlocks(t *testing.T) {
	schemaSrc, err := os.ReadFile("../../examples/dynamic_rewards/schema.promo")
	require.NoError(t, err)
	schema := parse(t, "schema.promo", schemaSrc)
	docs, err := filepath.Glob("../../spec/*.md")
	require.NoError(t, err)
	var blocks []specBlock
	for _, d := range docs {
		blocks = append(blocks, specBlocks(t, d)...)
	}
	require.GreaterOrEqual(t, len(blocks), 20)
	for _, b := range blocks {
		out, diags := format.Source(b.name, []byte(b.code))
		if diags.HasErrors() {
			require.True(t, b.error, "%s does not parse: %v", b.name, diags)
			continue
		}
		checkFormat(t, b.name, []byte(b.code), out)
		if b.error {
			continue
		}
		want := disasm(t, b.name, schema, parse(t, b.name, []byte(b.code)))
		assert.Equal(t, want, disasm(t, b.name, schema, parse(t, b.name, out)), "the bytecode of %s changed", b.name)
	}
}

type specBlock struct {
	name  string // spec.md:LINE, the line of the first line of code
	code  string
	error bool // a promo-error block
}

func specBlocks(t *testing.T, path string) []specBlock {
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	var blocks []specBlock
	var cur *specBlock
	for i, line := range strings.Split(string(src), "\n") {
		switch {
		case cur == nil && (line == "```promo" || line == "```promo-error"):
			cur = &specBlock{name: filepath.Base(path) + ":" + strconv.Itoa(i+2), error: line == "```promo-error"}
		case cur != nil && line == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.code += line + "\n"
		}
	}
	return blocks
}

func parse(t testing.TB, name string, src []byte) *lang.File {
	t.Helper()
	f, diags := lang.Parse(name, src)
	require.Empty(t, diags, "%s", name)
	return f
}

// spans matches the source positions in a disassembly: 12:3-12:40.
var spans = regexp.MustCompile(`\b\d+:\d+-\d+:\d+\b`)

// disasm checks and lowers files and returns the disassembly of every
// reward without source positions (formatting moves code around) but with
// everything else: settings, locals, branch labels, aggregations, and each
// instruction with its argument and the constant it loads.
func disasm(t testing.TB, name string, files ...*lang.File) string {
	t.Helper()
	info, diags := compiler.Check(files, compiler.Config{})
	require.False(t, diags.HasErrors(), "%s: %v", name, diags)
	text, err := lower(info)
	require.NoError(t, err, "%s", name)
	return text
}

// lower is the second half of disasm.
func lower(info *compiler.Info) (string, error) {
	prog, err := compiler.Lower(info)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := prog.Disassemble(&buf, ""); err != nil {
		return "", err
	}
	lines := strings.Split(buf.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(spans.ReplaceAllString(l, ""), " ")
	}
	return strings.Join(lines, "\n"), nil
}
