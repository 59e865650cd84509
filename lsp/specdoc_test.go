package lsp

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/lang"
)

// TestSpecDocs keeps the documentation cut out of spec/spec.md complete: a
// change of the reference that loses a keyword's paragraph or table row
// fails here, not silently in an editor.
func TestSpecDocs(t *testing.T) {
	d := loadSpec()
	reserved, contextual := d.keywordLists()
	require.NotEmpty(t, reserved, "the reference lists the reserved keywords")
	require.NotEmpty(t, contextual, "the reference lists the contextual keywords")
	for _, w := range append(reserved, contextual...) {
		toks := lang.Tokens([]byte(w))
		require.Len(t, toks, 1)
		assert.Contains(t, []lang.TokenKind{lang.TokenKeyword, lang.TokenContextual}, toks[0].Kind, "%s is a keyword of the lexer", w)
		assert.NotEmpty(t, d.keyword(w), "documentation of keyword %s", w)
	}
	for _, op := range []string{"sum", "count", "avg", "min", "max", "first", "last"} {
		assert.Contains(t, d.keyword("agg:"+op), "`"+op+"(", "the row of %s in the table of aggregations", op)
	}
	for k, doc := range d.windows {
		assert.NotEmpty(t, doc, "documentation of window kind %d", k)
		assert.Equal(t, 3, strings.Count(doc, "\n")+1, "one row of the windows table for kind %d", k)
	}
	for _, w := range []string{"agg:sum", "agg:count", "agg:avg", "agg:min", "agg:max", "agg:first", "agg:last",
		"type:money", "type:number", "type:count", "type:percent", "type:bool", "type:string", "type:time", "type:duration",
		"result:amount", "result:template", "result:points", "result:gems", "result:diamonds", "result:leaderboard", "player."} {
		assert.NotEmpty(t, d.keyword(w), "documentation of %s", w)
	}
}

func TestSpecTables(t *testing.T) {
	d := parseSpec("## 1. Things\n\nIntro.\n\n| a | b |\n|---|---|\n| `x` | one \\| two |\n| y | three |\n\n**x.** The x paragraph\ngoes on.\n\n```promo\nexample\n```\n")
	assert.Equal(t, "| a | b |\n|---|---|\n| `x` | one \\| two |", d.rows("Things", cellIs("x")))
	assert.Equal(t, "**x.** The x paragraph\ngoes on.", d.paragraph("Things", "**x.**"))
	assert.Equal(t, []string{"`x`", "one \\| two"}, cells("| `x` | one \\| two |"))
	assert.NotContains(t, d.intro("Things"), "example")
}
