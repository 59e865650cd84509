package vm

import (
	"cmp"
	"context"
	"hash/maphash"
	"math/bits"
	"slices"
	"strings"

	"github.com/promoc/promoc/vm/num"
)

// Deduplication is deferred: Commit appends a transaction and notes its
// id's hash in b.pend; Data removes the rows whose id was committed before
// (the first committed wins). Probing a hash table per transaction costs a
// cache miss each once the table outgrows the cache (a third of a
// bulk decode's time at 100,000 transactions); sorting the new hashes
// instead reads and writes memory in order, and the table is then filled
// in the order of its slots. A few new ids against a large table (a
// service appending one event) are probed directly.
//
// Hosts often number their transactions in order (a database sequence, a
// time-ordered id such as a ULID): then each id is greater than every id
// before it, in the order of idLess, and cannot be a repeat. While nothing
// is pending, Commit compares the id with the greatest so far and, while
// the ids keep rising, does nothing more: no hash, no table, no sort. The
// first id that does not rise ends the run: the run's ids go into the
// table (they are unique, so nothing is compared), and that id and the
// ones after it are pending, as above, until Data.

// pendingID is a transaction committed since the last dedupe: its id's
// hash, the index of the id in b.ids, and its kind.
type pendingID struct {
	h    uint64
	i    int32
	kind int32
}

// committed reports whether id was committed before, deduplicated or not:
// Commit drops a transaction that fails when its id is a repeat. It is on
// the error path only, so it may scan the ids not yet deduplicated.
func (b *Builder) committed(id string) bool {
	if len(b.ids) == 0 {
		return false
	}
	if len(b.pend) == 0 {
		// The run is sorted.
		if _, ok := slices.BinarySearchFunc(b.ids[b.runFrom:], id, idCmp); ok {
			return true
		}
	}
	if len(b.pend) > directProbes {
		b.dedupe(context.Background()) // so that many failures do not scan many ids each
	}
	if b.set.n > 0 && b.set.find(b.hash(id), id, b.ids) {
		return true
	}
	for _, p := range b.pend {
		if b.ids[p.i] == id {
			return true
		}
	}
	return false
}

// idLess reports whether id a comes before id b: the shorter first, and
// ids of one length in byte order, so that numbers without leading zeros
// come in their numeric order.
func idLess(a, b string) bool {
	return len(a) < len(b) || (len(a) == len(b) && a < b)
}

// idCmp is the comparison of idLess.
func idCmp(a, b string) int {
	if len(a) != len(b) {
		return cmp.Compare(len(a), len(b))
	}
	return strings.Compare(a, b)
}

// note records the committed id of a transaction of kind k: as part of the
// run when it is greater than every id before it and nothing is pending,
// as pending otherwise.
func (b *Builder) note(id string, k int) {
	rises := idLess(b.maxID, id)
	if rises {
		b.maxID = id
	}
	if !rises || len(b.pend) > 0 {
		if len(b.pend) == 0 {
			b.endRun()
		}
		b.pend = append(b.pend, pendingID{b.hash(id), int32(len(b.ids)), int32(k)})
	}
	b.ids = append(b.ids, id)
}

// endRun puts the ids of the run into the table: they are unique and not
// in it, so they are added without a comparison, in the order of their
// slots when there are many.
func (b *Builder) endRun() {
	run := b.ids[b.runFrom:]
	b.runFrom = len(b.ids)
	if len(run) <= directProbes {
		for x, id := range run {
			b.set.add(b.hash(id), int32(b.runFrom-len(run)+x))
		}
		return
	}
	sorted := b.sortBuf[:0]
	for x, id := range run {
		sorted = append(sorted, pendingID{h: b.hash(id), i: int32(b.runFrom - len(run) + x)})
	}
	b.sortBuf = sorted
	from := 64 - sortBits(b.set.n+len(sorted))
	radixSort(context.Background(), sorted, &b.radixBuf, from) // no context to give up with: it cannot fail
	b.set.reserve(b.set.n + len(sorted))
	for _, p := range sorted {
		b.set.add(p.h, p.i)
	}
}

// sortBits returns the number of top bits of the hashes that dedupe sorts
// n ids by: a whole number of bytes (one radix pass each) of at least
// log2(n)+4 bits, so that an id shares its top bits with n/2^bits < 1/16
// others on average, and at least the bits of a slot of the id set (which
// has fewer than 4n slots).
func sortBits(n int) uint {
	need := uint(bits.Len(uint(n))) + 4
	return min(64, (need+7)/8*8)
}

// directProbes is the number of new ids up to which dedupe probes the
// table for each rather than sorting them.
const directProbes = 64

// dedupe drops the rows of the transactions committed since the last call
// whose ids were committed before them.
func (b *Builder) dedupe(ctx context.Context) error {
	pend := b.pend
	if len(pend) == 0 {
		return nil
	}
	first := pend[0].i // the pending ids are b.ids[first:]
	var dead []bool    // by pending position, made on the first repeat
	kill := func(i int32) {
		if dead == nil {
			dead = make([]bool, len(pend))
		}
		dead[i-first] = true
	}
	if b.set.n > 0 && len(pend) <= directProbes {
		for _, p := range pend {
			if b.set.find(p.h, b.ids[p.i], b.ids) {
				kill(p.i)
			} else {
				b.set.insert(p.h, p.i)
			}
		}
	} else {
		sorted := append(b.sortBuf[:0], pend...)
		b.sortBuf = sorted
		// By the top bits of the hashes, as many as sortBits says: enough
		// to bring equal hashes together (a group of the same top bits is
		// a few hashes at most) and to fill the table in slot order, in
		// fewer passes than all 64 bits.
		from := 64 - sortBits(b.set.n+len(sorted))
		if err := radixSort(ctx, sorted, &b.radixBuf, from); err != nil {
			return err // nothing changed yet
		}
		// Equal hashes are in one group, in commit order: the first of
		// each id wins, and so does an id already in the table. The ids
		// that are not repeats go into the table in the same pass.
		had := b.set.n > 0 // ids of earlier calls in the table
		b.set.reserve(b.set.n + len(sorted))
		for g := 0; g < len(sorted); {
			e := g + 1
			for e < len(sorted) && sorted[e].h>>from == sorted[g].h>>from {
				e++
			}
			if e-g == 1 && !had {
				b.set.add(sorted[g].h, sorted[g].i) // a hash of its own: no id to read
				g = e
				continue
			}
			for x := g; x < e; x++ {
				id := b.ids[sorted[x].i]
				repeat := had && b.set.find(sorted[x].h, id, b.ids)
				for y := g; y < x && !repeat; y++ {
					repeat = sorted[y].h == sorted[x].h && b.ids[sorted[y].i] == id && (dead == nil || !dead[sorted[y].i-first])
				}
				if repeat {
					kill(sorted[x].i)
				} else {
					b.set.add(sorted[x].h, sorted[x].i)
				}
			}
			g = e
		}
	}
	b.pend = pend[:0]
	b.runFrom = len(b.ids) // a new run begins
	if dead != nil {
		b.dropRows(pend, dead)
	}
	return nil
}

// dropRows removes the rows of the pending transactions marked dead: each
// kind's rows of pend are the last of its table, in commit order.
func (b *Builder) dropRows(pend []pendingID, dead []bool) {
	counts := make([]int, len(b.tabs))
	for _, p := range pend {
		counts[p.kind]++
	}
	for k := range b.tabs {
		if counts[k] == 0 {
			continue
		}
		tb := &b.tabs[k]
		t := &tb.t
		start := len(t.time) - counts[k]
		keep := make([]bool, 0, counts[k])
		any := false
		for x, p := range pend {
			if int(p.kind) == k {
				keep = append(keep, !dead[x])
				any = any || dead[x]
			}
		}
		if !any {
			continue
		}
		t.time = compact(t.time, start, keep)
		t.id = compact(t.id, start, keep)
		for c := range t.cols {
			col := &t.cols[c]
			if !b.keep[k][c] {
				continue
			}
			switch {
			case col.dec != nil:
				col.dec = compact(col.dec, start, keep)
			case col.typ.numeric():
				col.ints = compact(col.ints, start, keep)
				tb.scales[c] = compact(tb.scales[c], start, keep)
			default:
				col.ints = compact(col.ints, start, keep)
			}
			if col.typ.numeric() {
				tb.renum(c)
			}
		}
		tb.sorted = min(tb.sorted, start)
	}
}

// compact removes the elements of s from start on whose keep is false.
func compact[T any](s []T, start int, keep []bool) []T {
	out := s[:start]
	for x, k := range keep {
		if k {
			out = append(out, s[start+x])
		}
	}
	clear(s[len(out):])
	return out
}

// renum rebuilds number column c from its values, so that its
// representation (int64 at the largest scale, or decimals) is the one its
// remaining values make, as if the dropped rows had never come.
func (tb *tableBuilder) renum(c int) {
	col := &tb.t.cols[c]
	n := len(col.ints)
	if col.dec != nil {
		n = len(col.dec)
	}
	vals := make([]num.Dec, n)
	for r := range vals {
		if col.dec != nil {
			vals[r] = col.dec[r]
		} else {
			vals[r] = orig(col.ints[r], col.scale, int32(tb.scales[c][r]))
		}
	}
	col.ints, col.dec, col.scale = col.ints[:0], nil, 0
	tb.scales[c] = tb.scales[c][:0]
	for _, v := range vals {
		tb.appendNum(c, v)
	}
}

// hash returns the hash of an id, for the id set.
func (b *Builder) hash(id string) uint64 { return maphash.String(b.seed, id) }

// orig is the value x × 10^-scale as it was given, with scale s.
func orig(x int64, scale, s int32) num.Dec {
	if x != 0 {
		x /= pow10[scale-s] // exact: x was the value times 10^(scale-s), and fits
	}
	return num.New(x, s)
}

// radixSort sorts ps by h, stably (so equal keys keep their order), with
// buf as scratch space. It gives up with ctx's error between its passes
// over the data (each some milliseconds for millions of elements).
// Only the bits from bit from up are sorted on.
func radixSort(ctx context.Context, ps []pendingID, buf *[]pendingID, from uint) error {
	if len(ps) < 256 {
		slices.SortStableFunc(ps, func(a, b pendingID) int { return cmp.Compare(a.h>>from, b.h>>from) })
		return nil
	}
	if cap(*buf) < len(ps) {
		*buf = make([]pendingID, len(ps))
	}
	src, dst := ps, (*buf)[:len(ps)]
	for shift := from; shift < 64; shift += 8 {
		if err := ctx.Err(); err != nil {
			return err
		}
		var counts [256]int
		for _, p := range src {
			counts[byte(p.h>>shift)]++
		}
		if counts[byte(src[0].h>>shift)] == len(src) {
			continue // every hash has this byte: nothing moves
		}
		pos := 0
		for i, c := range counts {
			counts[i] = pos
			pos += c
		}
		for _, p := range src {
			d := byte(p.h >> shift)
			dst[counts[d]] = p
			counts[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &ps[0] {
		copy(ps, src)
	}
	return nil
}
