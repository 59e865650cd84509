package lsp

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	protocol "github.com/tliron/glsp/protocol_3_16"
)

func TestMapper(t *testing.T) {
	text := "ab\r\né🎰x\rz\n\n"
	m := newMapper(text)
	tests := []struct {
		offset int
		line   protocol.UInteger
		char   protocol.UInteger
	}{
		{0, 0, 0},
		{2, 0, 2},  // before \r\n
		{3, 0, 2},  // inside \r\n: its start
		{4, 1, 0},  // é
		{6, 1, 1},  // 🎰: after é, one unit
		{7, 1, 1},  // inside 🎰: its start
		{10, 1, 3}, // x: 🎰 is two units
		{11, 1, 4}, // the lone \r
		{12, 2, 0}, // z
		{14, 3, 0},
		{15, 4, 0}, // the end
		{99, 4, 0}, // past the end
		{-1, 0, 0},
	}
	for _, tt := range tests {
		got := m.position(tt.offset)
		assert.Equal(t, protocol.Position{Line: tt.line, Character: tt.char}, got, "position(%d)", tt.offset)
	}
	offsets := []struct {
		line, char protocol.UInteger
		want       int
	}{
		{0, 0, 0}, {0, 2, 2}, {0, 9, 2}, // past the end of the line: its end
		{1, 1, 6}, {1, 2, 6}, // inside the surrogate pair: the character's start
		{1, 3, 10}, {2, 0, 12}, {4, 0, 15}, {9, 9, 15},
	}
	for _, tt := range offsets {
		assert.Equal(t, tt.want, m.offset(protocol.Position{Line: tt.line, Character: tt.char}), "offset(%d:%d)", tt.line, tt.char)
	}
}

func FuzzMapper(f *testing.F) {
	f.Add("ab\r\né🎰x\rz\n\n", 3)
	f.Fuzz(func(t *testing.T, text string, offset int) {
		m := newMapper(text)
		p := m.position(offset)
		back := m.offset(p)
		if back < 0 || back > len(text) {
			t.Fatalf("offset(position(%d)) = %d, outside the text", offset, back)
		}
		if offset >= 0 && offset <= len(text) && utf8.ValidString(text) && utf8.RuneStart(text[min(offset, len(text)-1)]) && offset < len(text) && text[offset] != '\r' && text[offset] != '\n' {
			if back != offset {
				t.Fatalf("offset(position(%d)) = %d", offset, back)
			}
		}
	})
}

func TestDiffEdits(t *testing.T) {
	tests := []struct{ old, new string }{
		{"", ""}, {"a\n", "a\n"}, {"", "x\n"}, {"x\n", ""},
		{"a\nb\nc\n", "a\nB\nc\n"}, {"a\nb\nc\n", "a\nc\n"}, {"a\nc\n", "a\nb\nc\n"},
		{"é\n🎰 b\n", "é\n🎰  b\n"}, {"aaa", "aa"}, {"a\na\n", "a\n"},
	}
	for _, tt := range tests {
		edits := diffEdits(tt.old, tt.new)
		assert.Equal(t, tt.new, applyEdits(tt.old, edits), "diffEdits(%q, %q)", tt.old, tt.new)
		assert.LessOrEqual(t, len(edits), 1)
	}
}

func FuzzDiffEdits(f *testing.F) {
	f.Add("a\nb\n", "a\nc\n")
	f.Fuzz(func(t *testing.T, old, new string) {
		if !utf8.ValidString(old) || !utf8.ValidString(new) {
			return
		}
		if got := applyEdits(old, diffEdits(old, new)); got != new {
			t.Fatalf("applying diffEdits(%q, %q) gives %q", old, new, got)
		}
	})
}
