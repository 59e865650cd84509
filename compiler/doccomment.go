package compiler

import (
	"sort"
	"strings"

	"github.com/promoc/promoc/lang"
)

// docOf returns the doc comment of n: the comments on the lines right above
// it, one per line with no blank line between, without their // and outer
// blanks, joined by newlines.
//
// It finds the last comment before n by a binary search over f.Comments,
// which are in source order, and reads only the comments of the doc: the
// docs of a file cost O(declarations × log comments + doc lines), not
// O(declarations × comments).
func docOf(f *lang.File, n lang.Node) string {
	start := n.Span().Start
	cs := f.Comments
	// end is one past the last comment that ends before n starts.
	end := sort.Search(len(cs), func(i int) bool { return cs[i].End.Offset > start.Offset })
	// A comment runs to the end of its line, so none ends before n on n's
	// own line; skip such comments all the same.
	for end > 0 && cs[end-1].Start.Line >= start.Line {
		end--
	}
	first := end
	for line := start.Line - 1; first > 0 && cs[first-1].Start.Line == line; line-- {
		first--
	}
	switch first {
	case end:
		return ""
	case end - 1:
		return docLine(cs[first])
	}
	var b strings.Builder
	for i, cm := range cs[first:end] {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(docLine(cm))
	}
	return b.String()
}

func docLine(cm *lang.Comment) string {
	return strings.TrimSpace(strings.TrimPrefix(cm.Text, "//"))
}
