package lang

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestSourceText checks what Parse accepts as source text: a byte order
// mark at the start, three conventions of line endings, and nowhere a NUL
// or a byte that is not UTF-8, not even in strings and comments.
func TestSourceText(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		decls []string // "name line:col" of each declaration
		diags []string // "line:col-endcol: message [code]"
	}{
		{"byte order mark", "\xEF\xBB\xBFconst a = 1\nconst b = 2\n", []string{"a 1:4", "b 2:1"}, nil},
		{"byte order mark only at the start", "const a = 1\n\xEF\xBB\xBFconst b = 2\n", []string{"a 1:1"},
			[]string{`2:1-2:4: unexpected U+FEFF, a byte order mark, which is skipped only at the start of a file: delete it [bad-syntax]`}},
		{"newlines", "const a = 1\nconst b = 2\nconst c = @\n", []string{"a 1:1", "b 2:1"},
			[]string{`3:11-3:12: unexpected character "@" [bad-syntax]`}},
		{"carriage returns and newlines", "const a = 1\r\nconst b = 2\r\nconst c = @\r\n", []string{"a 1:1", "b 2:1"},
			[]string{`3:11-3:12: unexpected character "@" [bad-syntax]`}},
		{"carriage returns alone", "const a = 1\rconst b = 2\r// note\rconst c = @\r", []string{"a 1:1", "b 2:1"},
			[]string{`4:11-4:12: unexpected character "@" [bad-syntax]`}},
		{"a string across a carriage return", "const a = 1\rconst b = \"x\ry\"\r", []string{"a 1:1"},
			[]string{`2:11-2:13: unterminated string: missing closing " before the end of the line [bad-syntax]`}},
		{"NUL in a comment", "const a = 1 // a\x00b\nconst b = 2\n", []string{"a 1:1"},
			[]string{`1:17-1:18: unexpected control character U+0000 in a comment [bad-syntax]`}},
		{"NUL in a string", "const a = 1\nconst b = \"a\x00b\"\n", []string{"a 1:1"},
			[]string{`2:13-2:14: unexpected control character U+0000 in a string [bad-syntax]`}},
		{"NUL outside", "const a = 1\x00\n", []string{"a 1:1"},
			[]string{`1:12-1:13: unexpected control character U+0000 [bad-syntax]`}},
		{"invalid UTF-8 in a comment", "// caf\xe9\nconst a = 1\n", nil,
			[]string{`1:7-1:8: invalid UTF-8 byte 0xe9 in a comment [bad-syntax]`}},
		{"invalid UTF-8 in a string", "const a = \"é\xff\"\n", nil,
			[]string{`1:14-1:15: invalid UTF-8 byte 0xff in a string [bad-syntax]`}},
		{"valid UTF-8 in strings and comments", "// café ✓\nconst a = \"naïve 🎰\"\n", []string{"a 2:1"}, nil},
		// Trojan Source: a bidirectional control makes the text shown differ
		// from the text read, so a reviewer would approve another rule.
		{"bidirectional override in a comment", "const a = 1 // x \u202e } y\n", []string{"a 1:1"},
			[]string{`1:18-1:21: unexpected U+202E, a bidirectional control character, in a comment: it makes the text shown differ from the text read; delete it [bad-syntax]`}},
		{"bidirectional isolate in a string", "const a = \"ab\u2066c\"\n", nil,
			[]string{`1:14-1:17: unexpected U+2066, a bidirectional control character, in a string: it makes the text shown differ from the text read; delete it [bad-syntax]`}},
		{"bidirectional override between tokens", "const a = 1 \u202e+ 2\n", []string{"a 1:1"},
			[]string{`1:13-1:16: unexpected U+202E, a bidirectional control character: it makes the text shown differ from the text read; delete it [bad-syntax]`}},
		{"zero-width space in a string", "const a = \"Gold\u200bQuest\"\n", nil,
			[]string{`1:16-1:19: unexpected U+200B, an invisible character, in a string: the string would never equal the text it looks like; delete it [bad-syntax]`}},
		{"zero-width space in a comment", "// Gold\u200bQuest\nconst a = 1\n", []string{"a 2:1"}, nil},
		{"soft hyphen in a string", "const a = \"Gold\u00adQuest\"\n", nil,
			[]string{`1:16-1:18: unexpected U+00AD, an invisible character, in a string: the string would never equal the text it looks like; delete it [bad-syntax]`}},
		{"right-to-left text and joiners in strings", "const a = \"שלום مرحبا 👨\u200d👩\u200d👧 می\u200cخواهم\"\n", []string{"a 1:1"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, diags := Parse("s.promo", []byte(tt.src))
			var decls, got []string
			for _, d := range f.Decls {
				if c, ok := d.(*ConstDecl); ok {
					decls = append(decls, fmt.Sprintf("%s %d:%d", c.Name.Name, c.Start.Line, c.Start.Col))
				}
			}
			for _, d := range diags {
				got = append(got, fmt.Sprintf("%d:%d-%d:%d: %s [%s]", d.Span.Start.Line, d.Span.Start.Col, d.Span.End.Line, d.Span.End.Col, d.Message, d.Code))
			}
			assert.Equal(t, tt.decls, decls, "declarations")
			assert.Equal(t, tt.diags, got, "diagnostics")
		})
	}
}
