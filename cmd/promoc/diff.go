package main

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// The diff of promoc fmt -d is written here rather than taken from a
// module: it is one small algorithm, Myers' O(ND) diff in linear space
// ("An O(ND) Difference Algorithm and Its Variations", 1986), and the
// anchored diff promoc used before (go-internal's, which matches unique
// lines only) printed whole blocks as changed when one line had moved.

// unifiedContext is the number of unchanged lines around each change.
const unifiedContext = 3

// diffBudget bounds the work of a minimal diff, in steps along the
// diagonals (about 50 ms). Formatting changes are local and stay far below
// it. Past it, the diff is computed again between anchors, the lines that
// occur once in each file (as patience diff does), with gapBudget for each
// gap: close to minimal, never a hang. A gap that exhausts even that is
// printed as deleted and inserted whole, still a correct diff.
const (
	diffBudget = 1 << 24
	gapBudget  = 1 << 18
)

// An edit is one line of an edit script.
type edit struct {
	op   byte // ' ' both files have the line, '-' only the old one, '+' only the new one
	a, b int  // the line's index in the old file and the new file (the one its op has)
}

// unifiedDiff returns the unified diff turning old into new, named oldName
// and newName in its header, or nil when they are equal.
func unifiedDiff(oldName string, old []byte, newName string, new []byte) []byte {
	if bytes.Equal(old, new) {
		return nil
	}
	a, b := splitLines(old), splitLines(new)
	edits := diffLines(a, b)
	var out bytes.Buffer
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", oldName, newName)
	for _, h := range hunks(edits) {
		writeHunk(&out, h, a, b)
	}
	return out.Bytes()
}

// splitLines splits text after each newline; the last line has none when
// the text does not end with one.
func splitLines(text []byte) []string {
	var lines []string
	for len(text) > 0 {
		i := bytes.IndexByte(text, '\n')
		if i < 0 {
			lines = append(lines, string(text))
			break
		}
		lines = append(lines, string(text[:i+1]))
		text = text[i+1:]
	}
	return lines
}

// diffLines returns a shortest edit script turning a into b (within
// diffBudget): its keeps are a longest common subsequence of the lines.
func diffLines(a, b []string) []edit {
	// Lines are compared as numbers, one per distinct line.
	ids := map[string]int32{}
	intern := func(lines []string) []int32 {
		out := make([]int32, len(lines))
		for i, l := range lines {
			id, ok := ids[l]
			if !ok {
				id = int32(len(ids))
				ids[l] = id
			}
			out[i] = id
		}
		return out
	}
	d := &differ{a: intern(a), b: intern(b), budget: diffBudget}
	d.diff(0, len(a), 0, len(b))
	if d.budget >= 0 {
		return d.edits
	}
	d.edits = d.edits[:0]
	x, y := 0, 0
	for _, p := range anchors(d.a, d.b) {
		d.budget = gapBudget
		d.diff(x, p[0], y, p[1])
		d.edits = append(d.edits, edit{' ', p[0], p[1]})
		x, y = p[0]+1, p[1]+1
	}
	d.budget = gapBudget
	d.diff(x, len(a), y, len(b))
	return d.edits
}

// anchors returns the pairs (i, j) with a[i] == b[j] of the lines that
// occur once in a and once in b, the longest run of them in the same
// order in both: the anchors of patience diff.
func anchors(a, b []int32) [][2]int {
	type count struct{ a, b, ai, bj int }
	counts := map[int32]*count{}
	for i, l := range a {
		c := counts[l]
		if c == nil {
			c = &count{}
			counts[l] = c
		}
		c.a++
		c.ai = i
	}
	for j, l := range b {
		if c := counts[l]; c != nil {
			c.b++
			c.bj = j
		}
	}
	var pairs [][2]int // in the order of a
	for i, l := range a {
		if c := counts[l]; c.a == 1 && c.b == 1 && c.ai == i {
			pairs = append(pairs, [2]int{i, c.bj})
		}
	}
	// The longest increasing subsequence of the js, by patience sorting:
	// tails[k] is the pair ending the best run of length k+1 so far.
	var tails []int
	prev := make([]int, len(pairs))
	for p, pr := range pairs {
		k := sort.Search(len(tails), func(k int) bool { return pairs[tails[k]][1] > pr[1] })
		prev[p] = -1
		if k > 0 {
			prev[p] = tails[k-1]
		}
		if k == len(tails) {
			tails = append(tails, p)
		} else {
			tails[k] = p
		}
	}
	out := make([][2]int, len(tails))
	for k, p := len(tails)-1, -1; k >= 0; k-- {
		if p < 0 {
			p = tails[len(tails)-1]
		} else {
			p = prev[p]
		}
		out[k] = pairs[p]
	}
	return out
}

type differ struct {
	a, b   []int32
	edits  []edit
	budget int
}

// diff appends the edits turning a[a0:a1] into b[b0:b1].
func (d *differ) diff(a0, a1, b0, b1 int) {
	for a0 < a1 && b0 < b1 && d.a[a0] == d.b[b0] {
		d.edits = append(d.edits, edit{' ', a0, b0})
		a0++
		b0++
	}
	suffix := 0
	for a0 < a1-suffix && b0 < b1-suffix && d.a[a1-1-suffix] == d.b[b1-1-suffix] {
		suffix++
	}
	a1, b1 = a1-suffix, b1-suffix
	switch x, y, ok := d.bisect(a0, a1, b0, b1); {
	case a0 == a1 || b0 == b1 || !ok || x == a0 && y == b0 || x == a1 && y == b1:
		// One side is empty, nothing is common within the budget, or (not
		// expected) the split would not shrink the problem.
		for i := a0; i < a1; i++ {
			d.edits = append(d.edits, edit{'-', i, b0})
		}
		for j := b0; j < b1; j++ {
			d.edits = append(d.edits, edit{'+', a1, j})
		}
	default:
		d.diff(a0, x, b0, y)
		d.diff(x, a1, y, b1)
	}
	for i := range suffix {
		d.edits = append(d.edits, edit{' ', a1 + i, b1 + i})
	}
}

// bisect finds the middle of a shortest edit script from a[a0:a1] to
// b[b0:b1], by searching from both ends at once until the two searches
// meet, and returns the point (x, y) where they do: the problem splits
// there into two smaller ones. ok is false when a side is empty or the
// budget runs out first.
func (d *differ) bisect(a0, a1, b0, b1 int) (x, y int, ok bool) {
	n, m := a1-a0, b1-b0
	if n == 0 || m == 0 {
		return 0, 0, false
	}
	a, b := d.a[a0:a1], d.b[b0:b1]
	maxD := (n + m + 1) / 2
	off := maxD
	// v1[off+k] is the furthest x of the forward search on diagonal k
	// (x-y = k); v2 likewise for the reverse search, counted from the ends.
	v1 := make([]int, 2*maxD+2)
	v2 := make([]int, 2*maxD+2)
	for i := range v1 {
		v1[i], v2[i] = -1, -1
	}
	v1[off+1], v2[off+1] = 0, 0
	delta := n - m
	// With an odd delta the forward search meets the reverse one; with an
	// even one, the reverse meets the forward.
	front := delta%2 != 0
	// Diagonals that ran off the edges are not searched again.
	k1start, k1end, k2start, k2end := 0, 0, 0, 0
	for dd := 0; dd < maxD; dd++ {
		for k1 := -dd + k1start; k1 <= dd-k1end; k1 += 2 {
			i := off + k1
			var x1 int
			if k1 == -dd || k1 != dd && v1[i-1] < v1[i+1] {
				x1 = v1[i+1]
			} else {
				x1 = v1[i-1] + 1
			}
			y1 := x1 - k1
			from := x1
			for x1 < n && y1 < m && a[x1] == b[y1] {
				x1++
				y1++
			}
			d.budget -= 1 + x1 - from
			v1[i] = x1
			switch {
			case x1 > n:
				k1end += 2
			case y1 > m:
				k1start += 2
			case front:
				if j := off + delta - k1; j >= 0 && j < len(v2) && v2[j] != -1 && x1 >= n-v2[j] {
					return a0 + x1, b0 + y1, true
				}
			}
		}
		for k2 := -dd + k2start; k2 <= dd-k2end; k2 += 2 {
			i := off + k2
			var x2 int
			if k2 == -dd || k2 != dd && v2[i-1] < v2[i+1] {
				x2 = v2[i+1]
			} else {
				x2 = v2[i-1] + 1
			}
			y2 := x2 - k2
			from := x2
			for x2 < n && y2 < m && a[n-x2-1] == b[m-y2-1] {
				x2++
				y2++
			}
			d.budget -= 1 + x2 - from
			v2[i] = x2
			switch {
			case x2 > n:
				k2end += 2
			case y2 > m:
				k2start += 2
			case !front:
				if j := off + delta - k2; j >= 0 && j < len(v1) && v1[j] != -1 {
					x1 := v1[j]
					y1 := off + x1 - j
					if x1 >= n-x2 {
						return a0 + x1, b0 + y1, true
					}
				}
			}
		}
		if d.budget < 0 {
			return 0, 0, false
		}
	}
	return 0, 0, false
}

// A hunk is a run of edits with their context.
type hunk []edit

// hunks groups the changes of an edit script, each with unifiedContext
// unchanged lines around it; changes closer than twice that share a hunk.
func hunks(edits []edit) []hunk {
	var out []hunk
	start, end := -1, -1 // the hunk being built: edits[start:end]
	for i, e := range edits {
		if e.op == ' ' {
			continue
		}
		lo := max(i-unifiedContext, 0)
		if start >= 0 && lo > end {
			out = append(out, hunk(edits[start:end]))
			start = -1
		}
		if start < 0 {
			start = lo
		}
		end = min(i+1+unifiedContext, len(edits))
	}
	if start >= 0 {
		out = append(out, hunk(edits[start:end]))
	}
	return out
}

// writeHunk writes one hunk: its header, then its lines.
func writeHunk(out *bytes.Buffer, h hunk, a, b []string) {
	var aStart, aLen, bStart, bLen int
	aStart, bStart = h[0].a, h[0].b
	for _, e := range h {
		switch e.op {
		case ' ':
			aLen++
			bLen++
		case '-':
			aLen++
		case '+':
			bLen++
		}
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
	for _, e := range h {
		line := b[e.b]
		if e.op != '+' {
			line = a[e.a]
		}
		out.WriteByte(e.op)
		out.WriteString(line)
		if !strings.HasSuffix(line, "\n") {
			out.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// hunkRange is the range of a hunk header: "start,len" with 1-based start,
// "start" alone for one line, and the line before it for none.
func hunkRange(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}
