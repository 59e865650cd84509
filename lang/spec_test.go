package lang

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// specBlock is a fenced code block of spec/spec.md.
type specBlock struct {
	lang string // promo or promo-error
	line int    // of the first line of code
	code string
}

func specBlocks(t *testing.T) []specBlock {
	t.Helper()
	src, err := os.ReadFile("../spec/spec.md")
	require.NoError(t, err)
	var blocks []specBlock
	var cur *specBlock
	for i, line := range strings.Split(string(src), "\n") {
		switch {
		case cur == nil && (line == "```promo" || line == "```promo-error"):
			cur = &specBlock{lang: strings.TrimPrefix(line, "```"), line: i + 2}
		case cur != nil && line == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.code += line + "\n"
		}
	}
	require.NotEmpty(t, blocks)
	return blocks
}

// TestSpecBlocks parses the promo code blocks of spec/spec.md: a promo block
// parses without any diagnostic, and in a promo-error block every
// diagnostic of the parser is on a line marked // ERROR "regexp" that
// matches it (the checker reports the others).
func TestSpecBlocks(t *testing.T) {
	marker := regexp.MustCompile(`// ERROR "((?:[^"\\]|\\.)*)"`)
	for _, b := range specBlocks(t) {
		f, diags := Parse("spec.md", []byte(b.code))
		checkSpans(t, f, []byte(b.code))
		if b.lang == "promo" {
			assert.Empty(t, diags, "block at spec.md:%d", b.line)
			continue
		}
		lines := strings.Split(b.code, "\n")
		for _, d := range diags {
			m := marker.FindStringSubmatch(lines[d.Span.Start.Line-1])
			if !assert.NotNil(t, m, "spec.md:%d: unexpected diagnostic %s", b.line+d.Span.Start.Line-1, d.Message) {
				continue
			}
			assert.Regexp(t, m[1], d.Message, "spec.md:%d", b.line+d.Span.Start.Line-1)
		}
	}
}
