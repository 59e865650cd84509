package lang

import "fmt"

// Pos is a position in a source file. Offset is authoritative; Line and Col
// are 1-based and count bytes, derived from Offset for display.
type Pos struct {
	Offset int
	Line   int
	Col    int
}

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// IsValid reports whether p was set by the parser.
func (p Pos) IsValid() bool { return p.Line > 0 }

// Span is a half-open range of source: End is exclusive.
type Span struct {
	Start, End Pos
}

// Contains reports whether offset lies within s (End exclusive).
func (s Span) Contains(offset int) bool {
	return s.Start.Offset <= offset && offset < s.End.Offset
}

// Covers reports whether t lies entirely within s.
func (s Span) Covers(t Span) bool {
	return s.Start.Offset <= t.Start.Offset && t.End.Offset <= s.End.Offset
}

func (s Span) String() string { return s.Start.String() + "-" + s.End.String() }
