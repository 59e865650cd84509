package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/runtime"
)

func TestCaret(t *testing.T) {
	src := "reward r: amount {\n\tgive \u00e9t\u00e9 + x\r\n\n}"
	tests := []struct {
		name string
		pos  lang.Pos
		want string
	}{
		{"first column", lang.Pos{Line: 1, Col: 1}, "    reward r: amount {\n    ^\n"},
		{"after a tab", lang.Pos{Line: 2, Col: 2}, "    \tgive \u00e9t\u00e9 + x\n    \t^\n"},
		{"after multibyte characters", lang.Pos{Line: 2, Col: 13}, "    \tgive \u00e9t\u00e9 + x\n    \t         ^\n"},
		{"past the end of the line", lang.Pos{Line: 1, Col: 21}, "    reward r: amount {\n    " + strings.Repeat(" ", 20) + "^\n"},
		{"blank line", lang.Pos{Line: 3, Col: 1}, ""},
		{"past the end of the file", lang.Pos{Line: 9, Col: 1}, ""},
		{"no position", lang.Pos{}, ""},
	}
	sl := newSourceLines([]runtime.Source{{Name: "r.promo", Text: []byte(src)}})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			sl.caret(&b, "r.promo", tt.pos)
			assert.Equal(t, tt.want, b.String(), "caret(%v)", tt.pos)
		})
	}
}

func TestSummary(t *testing.T) {
	diag := func(s lang.Severity) lang.Diagnostic { return lang.Diagnostic{Severity: s} }
	tests := []struct {
		name string
		ds   lang.Diagnostics
		want string
	}{
		{"none", nil, "0 errors, 0 warnings"},
		{"one of each", lang.Diagnostics{diag(lang.Error), diag(lang.Warning)}, "1 error, 1 warning"},
		{"several", lang.Diagnostics{diag(lang.Error), diag(lang.Error), diag(lang.Warning), diag(lang.Warning), diag(lang.Info)}, "2 errors, 2 warnings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, summary(tt.ds), "summary(%v)", tt.ds)
		})
	}
}
