package lsp

import (
	"unicode/utf8"

	protocol "github.com/tliron/glsp/protocol_3_16"

	"github.com/promoc/promoc/lang"
)

// mapper converts between the byte offsets of the compiler and the
// positions of the protocol: 0-based lines and UTF-16 code units within the
// line. It is the only place that knows about UTF-16. Lines end at "\n",
// "\r\n" or a lone "\r", as the protocol says.
type mapper struct {
	text  string
	lines []int // byte offset of each line's start; lines[0] == 0
}

func newMapper(text string) *mapper {
	m := &mapper{text: text, lines: make([]int, 1, len(text)/32+1)}
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '\n':
			m.lines = append(m.lines, i+1)
		case '\r':
			if i+1 < len(text) && text[i+1] == '\n' {
				i++
			}
			m.lines = append(m.lines, i+1)
		}
	}
	return m
}

// lineEnd returns the offset where line's content ends, before its line
// break.
func (m *mapper) lineEnd(line int) int {
	if line+1 >= len(m.lines) {
		return len(m.text)
	}
	end := m.lines[line+1] - 1
	if m.text[end] == '\n' && end > m.lines[line] && m.text[end-1] == '\r' {
		end--
	}
	return end
}

// position returns the position of a byte offset, clamped to the text. An
// offset inside a line break or inside a character is moved back to its
// start.
func (m *mapper) position(offset int) protocol.Position {
	offset = max(0, min(offset, len(m.text)))
	lo, hi := 0, len(m.lines)
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if m.lines[mid] <= offset {
			lo = mid
		} else {
			hi = mid
		}
	}
	line := lo
	offset = min(offset, m.lineEnd(line))
	var units int
	for i := m.lines[line]; i < offset; {
		r, size := utf8.DecodeRuneInString(m.text[i:])
		if i+size > offset {
			break
		}
		units += utf16Len(r)
		i += size
	}
	return protocol.Position{Line: protocol.UInteger(line), Character: protocol.UInteger(units)}
}

// offset returns the byte offset of a position. A line past the end gives
// the end of the text; a character past the end of its line gives the end
// of the line; one inside a surrogate pair gives the start of its character.
func (m *mapper) offset(p protocol.Position) int {
	line := int(p.Line)
	if line >= len(m.lines) {
		return len(m.text)
	}
	end := m.lineEnd(line)
	units := int(p.Character)
	i := m.lines[line]
	for i < end {
		r, size := utf8.DecodeRuneInString(m.text[i:])
		n := utf16Len(r)
		if units < n {
			break
		}
		units -= n
		i += size
	}
	return i
}

func utf16Len(r rune) int {
	if r >= 0x10000 && r <= utf8.MaxRune {
		return 2
	}
	return 1
}

// rangeOf returns the range of the bytes from start to end.
func (m *mapper) rangeOf(start, end int) protocol.Range {
	return protocol.Range{Start: m.position(start), End: m.position(end)}
}

// spanRange returns the range of a span of this text.
func (m *mapper) spanRange(sp lang.Span) protocol.Range {
	return m.rangeOf(sp.Start.Offset, sp.End.Offset)
}

// offsets returns the byte offsets of a range, start before end.
func (m *mapper) offsets(r protocol.Range) (start, end int) {
	start, end = m.offset(r.Start), m.offset(r.End)
	if end < start {
		start, end = end, start
	}
	return start, end
}
