package vm

import (
	"cmp"
	"context"
	"slices"

	"github.com/promoc/promoc/vm/num"
)

// appendRow appends the committed transaction tx to the columns of kind k.
func (b *Builder) appendRow(k int, tx *txn) {
	tb := &b.tabs[k]
	t := &tb.t
	n := len(t.time)
	if tb.sorted == n && (n == 0 || tx.ns >= t.time[n-1]) {
		tb.sorted++
	}
	t.time = append(t.time, tx.ns)
	t.id = append(t.id, tx.id)
	if tb.idStored {
		t.cols[tb.idCol].ints = append(t.cols[tb.idCol].ints, int64(b.intern(tx.id)))
	}
	if tb.timStored {
		t.cols[tb.timCol].ints = append(t.cols[tb.timCol].ints, tx.ns)
	}
	for _, sc := range tb.stored {
		col := &t.cols[sc.c]
		v := &tx.vals[sc.c]
		if !sc.num {
			col.ints = append(col.ints, v.I)
			continue
		}
		// The common case inline: an int64 column and a value at its scale.
		if x, ok := v.N.Coef64(); ok && col.dec == nil && v.N.Scale() == col.scale {
			col.ints = append(col.ints, x)
			tb.scales[sc.c] = append(tb.scales[sc.c], int16(col.scale))
			continue
		}
		tb.appendNum(sc.c, v.N)
	}
}

// appendNum appends v to number column c. The column keeps int64
// coefficients at the largest scale of its values while they all fit, with
// the scale each value had, and turns decimal for good when one does not:
// the representation [Prepare] chooses from all the values at once.
func (tb *tableBuilder) appendNum(c int, v num.Dec) {
	col := &tb.t.cols[c]
	if col.dec != nil {
		col.dec = append(col.dec, v)
		return
	}
	s := v.Scale()
	if s > col.scale {
		if !v.FitsInt64() || !rescale(col.ints, s-col.scale) {
			tb.toDec(c)
			col.dec = append(col.dec, v)
			return
		}
		col.scale = s
	}
	x, ok := v.Int64At(col.scale)
	if !ok {
		tb.toDec(c)
		col.dec = append(col.dec, v)
		return
	}
	col.ints = append(col.ints, x)
	tb.scales[c] = append(tb.scales[c], int16(s))
}

// rescale multiplies every value of ints by 10^by, in place, when all the
// results fit an int64; otherwise it changes nothing and reports false.
func rescale(ints []int64, by int32) bool {
	if by <= 0 {
		return true
	}
	if by > 18 {
		for _, x := range ints {
			if x != 0 {
				return false
			}
		}
		return true
	}
	f := pow10[by]
	lim := int64(1<<63-1) / f
	for _, x := range ints {
		if x > lim || x < -lim {
			return false
		}
	}
	for i := range ints {
		ints[i] *= f
	}
	return true
}

// pow10[i] is 10^i.
var pow10 = [19]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// toDec turns number column c into decimals, each with the scale it came
// with.
func (tb *tableBuilder) toDec(c int) {
	col := &tb.t.cols[c]
	scales := tb.scales[c]
	dec := make([]num.Dec, len(col.ints), max(cap(col.ints), 2*len(col.ints)+1))
	for r, x := range col.ints {
		dec[r] = orig(x, col.scale, int32(scales[r]))
	}
	col.dec, col.ints, col.scale = dec, nil, 0
	tb.scales[c] = scales[:0]
}

// sortTable puts the rows of tb in time order, stably: the rows after
// tb.sorted, sorted among themselves, are merged into the sorted ones
// before them, and only the rows from the first that moves are permuted.
func (b *Builder) sortTable(ctx context.Context, tb *tableBuilder) error {
	t := &tb.t
	n, s := len(t.time), tb.sorted
	if s >= n {
		return nil
	}
	times := t.time
	tail := b.perm[:0]
	if n-s < 256 {
		for i := s; i < n; i++ {
			tail = append(tail, int32(i))
		}
		slices.SortStableFunc(tail, func(x, y int32) int { return cmp.Compare(times[x], times[y]) })
	} else {
		// A radix sort, which checks ctx between its passes: the times
		// as unsigned keys in the same order (the sign bit flipped).
		keys := b.sortBuf[:0]
		for i := s; i < n; i++ {
			keys = append(keys, pendingID{h: uint64(times[i]) ^ 1<<63, i: int32(i)})
		}
		b.sortBuf = keys
		if err := radixSort(ctx, keys, &b.radixBuf, 0); err != nil {
			return err // nothing changed yet
		}
		for _, k := range keys {
			tail = append(tail, k.i)
		}
	}
	// The first row of the head that a tail row goes before.
	from := s
	if len(tail) > 0 {
		first := times[tail[0]]
		from, _ = slices.BinarySearchFunc(times[:s], first, func(x, y int64) int {
			if x <= y {
				return -1
			}
			return 1
		})
	}
	perm := make([]int32, 0, n-from)
	i, j := from, 0
	for i < s || j < len(tail) {
		if j == len(tail) || (i < s && times[i] <= times[tail[j]]) {
			perm = append(perm, int32(i))
			i++
		} else {
			perm = append(perm, tail[j])
			j++
		}
	}
	b.perm = tail[:0]
	permute(t.time[from:], perm, from)
	permute(t.id[from:], perm, from)
	for c := range t.cols {
		col := &t.cols[c]
		switch {
		case col.dec != nil:
			permute(col.dec[from:], perm, from)
		case len(col.ints) == n:
			permute(col.ints[from:], perm, from)
			if len(tb.scales[c]) == n {
				permute(tb.scales[c][from:], perm, from)
			}
		}
	}
	tb.sorted = n
	return nil
}

// permute sets s[i] to the old s[perm[i]-off].
func permute[T any](s []T, perm []int32, off int) {
	old := slices.Clone(s)
	for i, j := range perm {
		s[i] = old[int(j)-off]
	}
}
