package vm

import "math/bits"

// idSet finds repeated transaction ids: an open-addressing hash table of
// the ids' 64-bit hashes (linear probing, at most 3/4 full), each with the
// index of its id in the builder's ids, which is compared on a hash match.
// One probe sequence both finds an id and gives the slot to insert it, and
// a slot is 16 bytes in one array, so that a look-up is one cache miss at
// most even when a million ids do not fit the cache: several times faster
// than a Go map keyed by the hash, and than one keyed by the string.
type idSet struct {
	slots []idSlot // len a power of two, or 0
	shift uint     // 64 - log2(len(slots)): a hash's slot is its top bits, so that hashes in order fill slots in order
	n     int
	free  int // the slot the last miss of find ended on
}

type idSlot struct {
	h uint64 // the hash, never 0 in a used slot
	i int32  // the index of the id
}

// find reports whether id, with hash h, is among ids (indexed by the
// slots); on a miss it remembers where insert puts it.
func (s *idSet) find(h uint64, id string, ids []string) bool {
	if len(s.slots) == 0 {
		return false
	}
	if h == 0 {
		h = 1
	}
	mask := len(s.slots) - 1
	for j := int(h >> s.shift); ; j = (j + 1) & mask {
		sl := &s.slots[j]
		switch {
		case sl.h == 0:
			s.free = j
			return false
		case sl.h == h && ids[sl.i] == id:
			return true
		}
	}
}

// insert adds the id with hash h and index i; find(h, ...) must have missed
// just before, with no insert since.
func (s *idSet) insert(h uint64, i int32) {
	if len(s.slots) == 0 || (s.n+1)*4 > len(s.slots)*3 {
		s.add(h, i) // growing moves the slot find ended on
		return
	}
	if h == 0 {
		h = 1
	}
	s.slots[s.free] = idSlot{h, i}
	s.n++
}

// add inserts an id known to be absent, with hash h and index i.
func (s *idSet) add(h uint64, i int32) {
	if h == 0 {
		h = 1
	}
	if len(s.slots) == 0 || (s.n+1)*4 > len(s.slots)*3 {
		s.grow()
	}
	s.slots[s.empty(h)] = idSlot{h, i}
	s.n++
}

// empty returns the first empty slot of the probe sequence of hash h.
func (s *idSet) empty(h uint64) int {
	mask := len(s.slots) - 1
	j := int(h >> s.shift)
	for s.slots[j].h != 0 {
		j = (j + 1) & mask
	}
	return j
}

func (s *idSet) grow() { s.rehash(max(64, 2*len(s.slots))) }

// rehash moves the slots into a table of size slots, a power of two.
func (s *idSet) rehash(size int) {
	old := s.slots
	s.slots = make([]idSlot, size)
	s.shift = uint(64 - bits.TrailingZeros(uint(size)))
	for _, sl := range old {
		if sl.h != 0 {
			s.slots[s.empty(sl.h)] = sl
		}
	}
}

// reserve makes room for n ids in all without growing.
func (s *idSet) reserve(n int) {
	size := 64
	for size*3 < n*4 {
		size *= 2
	}
	if size > len(s.slots) {
		s.rehash(size)
	}
}

// reset empties the set, keeping its room unless it is much larger than
// what it held.
func (s *idSet) reset() {
	if s.n == 0 {
		return
	}
	if len(s.slots) > 1<<16 && s.n*16 < len(s.slots) {
		s.slots, s.shift = nil, 0
	} else {
		clear(s.slots)
	}
	s.n = 0
}
