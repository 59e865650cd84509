package format

import (
	"bytes"
	"slices"

	"github.com/promoc/promoc/lang"
)

// Source parses src and returns it in the canonical layout. When the source
// does not parse without errors, Source returns nil and the diagnostics of
// [lang.Parse]: a broken file is never formatted.
func Source(name string, src []byte) ([]byte, lang.Diagnostics) {
	f, diags := lang.Parse(name, src)
	if diags.HasErrors() {
		return nil, diags
	}
	return File(f, src), diags
}

// File prints f, parsed from src without errors, in the canonical layout.
// Every comment of f.Comments is printed exactly once. The result is empty
// for a file without declarations or comments, and otherwise ends with one
// newline.
func File(f *lang.File, src []byte) []byte {
	p := &printer{src: src, comments: f.Comments, out: make([]byte, 0, len(src)+len(src)/8)}
	b := p.collect(0, len(src), 0, nodes(f.Decls))
	for i := range b.items {
		it := &b.items[i]
		switch {
		case i == 0:
			it.gaps[0] = false // no blank line at the top of the file
		case !oneLine(p, b.items[i-1].node) || !oneLine(p, it.node):
			it.gaps[0] = true
		}
	}
	p.items(b.items)
	p.item(&b.tail)
	if len(p.out) > 0 {
		p.out = append(p.out, '\n')
	}
	return p.out
}

// printer holds the output being built. It writes each line when it starts
// one: newline ends the previous line, so nothing ever follows a comment.
type printer struct {
	src      []byte
	comments []*lang.Comment // in source order
	out      []byte
	indent   int
	widths   []int // of the columns of the transactions table being printed
}

// An item is one line-level element of a block: a declaration, a field, a
// setting, a statement or a tier branch, with the comments that go with it.
// The tail of a block, its comments after the last element, is an item
// without a node.
type item struct {
	node lang.Node // nil for the tail of a block
	// lead are the comments printed on their own lines before the node:
	// those above it in the source, then those inside the part of it that is
	// printed on one line.
	lead []*lang.Comment
	// gaps[i] says whether a blank line comes before lead[i];
	// gaps[len(lead)] whether one comes before the node.
	gaps  []bool
	trail *lang.Comment // at the end of the node's last line
}

// body is the content of a braced block.
type body struct {
	open  *lang.Comment // on the line of "{", after it
	items []item
	tail  item // comments after the last item
}

func (b *body) empty() bool {
	return b.open == nil && len(b.items) == 0 && len(b.tail.lead) == 0
}

// collect sorts the comments between offsets lo and hi (the inside of a
// block: after its "{", before its "}") among kids, the block's elements in
// source order. A comment on the line of the end of an element, after it,
// trails it; one on the line of the "{", before any element, is the
// block's open comment (openLine is 0 for the file, which has no "{");
// others lead the next element, or make the tail. Comments inside an
// element are its own, except those inside its one-line part (see
// [printer.headEnd]), which lead it.
func (p *printer) collect(lo, hi, openLine int, kids []lang.Node) body {
	var b body
	b.items = make([]item, len(kids))
	ci := p.firstComment(lo)
	prevLine := openLine // the last line printed so far, in source lines
	for k := 0; k <= len(kids); k++ {
		it := &b.tail
		end := hi
		if k < len(kids) {
			it = &b.items[k]
			it.node = kids[k]
			end = kids[k].Span().Start.Offset
		}
		for ; ci < len(p.comments) && p.comments[ci].Start.Offset < end; ci++ {
			c := p.comments[ci]
			switch {
			case c.Start.Line == prevLine && k > 0:
				b.items[k-1].trail = c
			case c.Start.Line == prevLine && openLine > 0:
				b.open = c
			default:
				it.lead = append(it.lead, c)
				it.gaps = append(it.gaps, c.Start.Line > prevLine+1)
				prevLine = c.End.Line
			}
		}
		if k == len(kids) {
			break
		}
		sp := kids[k].Span()
		blank := sp.Start.Line > prevLine+1
		// The comments inside the one-line part lead the element, after the
		// blank line (if any) that came before the element itself.
		head := p.headEnd(kids[k])
		for ; ci < len(p.comments) && p.comments[ci].Start.Offset < head; ci++ {
			it.lead = append(it.lead, p.comments[ci])
			it.gaps = append(it.gaps, blank)
			blank = false
		}
		it.gaps = append(it.gaps, blank)
		// The element prints the rest of its comments.
		for ci < len(p.comments) && p.comments[ci].Start.Offset < sp.End.Offset {
			ci++
		}
		prevLine = sp.End.Line
	}
	if len(b.tail.lead) > 0 {
		b.tail.gaps = append(b.tail.gaps, false)
	}
	return b
}

// firstComment returns the index of the first comment at or after offset.
func (p *printer) firstComment(offset int) int {
	i, _ := slices.BinarySearchFunc(p.comments, offset, func(c *lang.Comment, off int) int {
		return c.Start.Offset - off
	})
	return i
}

// commentsIn reports whether a comment starts between offsets lo and hi.
func (p *printer) commentsIn(lo, hi int) bool {
	i := p.firstComment(lo)
	return i < len(p.comments) && p.comments[i].Start.Offset < hi
}

// headEnd returns the offset where the part of n printed on one line ends:
// the "{" of a declaration or statement with a block, the end of one
// without. The comments before it are printed above n.
func (p *printer) headEnd(n lang.Node) int {
	switch n := n.(type) {
	case *lang.KindDecl:
		return p.brace(n.Name.End.Offset)
	case *lang.PlayerDecl:
		return p.brace(n.Keyword.End.Offset)
	case *lang.RewardDecl:
		return p.brace(n.Result.End.Offset)
	case *lang.CheckStmt:
		return n.Body.Start.Offset
	case *lang.TierStmt:
		return p.brace(n.Subject.Span().End.Offset)
	case *lang.TierBranch:
		if !p.short(n) {
			return n.Body.Start.Offset
		}
	case lang.Setting, lang.Stmt, *lang.Field, *lang.ConstDecl, *lang.TemplateDecl, *lang.CurrenciesDecl:
	default:
		if end, ok := p.testHeadEnd(n); ok {
			return end
		}
		if end, ok := p.ruleHeadEnd(n); ok { // rule.go
			return end
		}
		if end, ok := p.offerHeadEnd(n); ok { // offer.go
			return end
		}
		return n.Span().Start.Offset // printed verbatim, comments included
	}
	return n.Span().End.Offset
}

// brace returns the offset of the first "{" from offset on, skipping
// blanks and comments, the only things the grammar allows before it.
func (p *printer) brace(offset int) int {
	for i := offset; i < len(p.src); i++ {
		switch p.src[i] {
		case '{':
			return i
		case '/':
			if j := bytes.IndexByte(p.src[i:], '\n'); j >= 0 {
				i += j
			} else {
				i = len(p.src)
			}
		}
	}
	return len(p.src)
}

// items prints the items of a block, each on its own lines.
func (p *printer) items(its []item) {
	for i := range its {
		p.item(&its[i])
	}
}

func (p *printer) item(it *item) {
	for i, c := range it.lead {
		p.newline(it.gaps[i])
		p.comment(c)
	}
	if it.node == nil {
		return
	}
	p.newline(it.gaps[len(it.lead)])
	p.node(it.node)
	if it.trail != nil {
		p.out = append(p.out, ' ')
		p.comment(it.trail)
	}
}

// newline starts a line at the current indentation, after a blank line
// when blank is set. At the start of the output it starts the first line.
func (p *printer) newline(blank bool) {
	if len(p.out) > 0 {
		p.out = append(p.out, '\n')
		if blank {
			p.out = append(p.out, '\n')
		}
	}
	for range p.indent {
		p.out = append(p.out, '\t')
	}
}

// comment prints a comment's text without its trailing blanks.
func (p *printer) comment(c *lang.Comment) {
	p.out = append(p.out, bytes.TrimRight([]byte(c.Text), " \t")...)
}

// block prints " {", the items of b indented, and "}" on a line of its
// own; " {}" when the block holds nothing, not even a comment.
func (p *printer) block(b *body, print func()) {
	if b.empty() {
		p.out = append(p.out, " {}"...)
		return
	}
	p.out = append(p.out, " {"...)
	if b.open != nil {
		p.out = append(p.out, ' ')
		p.comment(b.open)
	}
	p.indent++
	if len(b.items) > 0 {
		b.items[0].gaps[0] = false
	} else if len(b.tail.lead) > 0 {
		b.tail.gaps[0] = false
	}
	print()
	p.item(&b.tail)
	p.indent--
	p.newline(false)
	p.out = append(p.out, '}')
}

// simpleBlock prints a block whose elements are printed in source order.
func (p *printer) simpleBlock(lo, hi, openLine int, kids []lang.Node) {
	b := p.collect(lo, hi, openLine, kids)
	p.block(&b, func() { p.items(b.items) })
}

// braces returns the inside of the block that starts with the "{" at
// offset open and ends with n: after the "{", before the final "}".
func (p *printer) braces(open int, n lang.Node) (lo, hi, openLine int) {
	sp := n.Span()
	return open + 1, sp.End.Offset - 1, lineAt(p.src, sp, open)
}

// lineAt returns the line of offset, which lies within sp.
func lineAt(src []byte, sp lang.Span, offset int) int {
	return sp.Start.Line + bytes.Count(src[sp.Start.Offset:offset], []byte("\n"))
}

// oneLine reports whether declaration d is printed on one line: a const, a
// template, or a declaration with an empty block, or one printed verbatim
// that has no line break. Consecutive one-line declarations keep the blank
// line, or its absence, that the author put between them.
func oneLine(p *printer, d lang.Node) bool {
	switch d := d.(type) {
	case *lang.ConstDecl, *lang.TemplateDecl, *lang.CurrenciesDecl, *lang.AttributionDecl:
		return true
	case *lang.KindDecl:
		return len(d.Fields) == 0 && !p.commentsIn(p.headEnd(d), d.End.Offset)
	case *lang.PlayerDecl:
		return len(d.Fields) == 0 && !p.commentsIn(p.headEnd(d), d.End.Offset)
	case *lang.RewardDecl:
		return len(d.Settings)+len(d.Body) == 0 && !p.commentsIn(p.headEnd(d), d.End.Offset)
	case *lang.TestDecl:
		return len(d.Clauses) == 0 && !p.commentsIn(p.headEnd(d), d.End.Offset)
	case *lang.RuleDecl:
		return len(d.Clauses) == 0 && !p.commentsIn(p.headEnd(d), d.End.Offset)
	case *lang.OfferDecl:
		return len(d.Clauses) == 0 && !p.commentsIn(p.headEnd(d), d.End.Offset)
	}
	sp := d.Span()
	return bytes.IndexByte(p.src[sp.Start.Offset:sp.End.Offset], '\n') < 0
}

// nodes returns xs as a slice of nodes, for the blocks that print them.
func nodes[T lang.Node](xs []T) []lang.Node {
	out := make([]lang.Node, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
