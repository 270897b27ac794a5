package shard

// pointIndex is Get's hash index beside a table shard's tree: the Key of
// every item -> the item's cell in the shard's arena (arena.go), in an
// open-addressing table with linear probing
// and backward-shift deletion (no tombstones).
//
// It shrinks too: once a delete leaves it under a fifth full, it is
// reallocated half full, so a mass delete returns its memory.
//
// It replaced a map[uint64]point (76 bytes per item: a 32-byte slot, the
// map's load factor and its control bytes) with 24-byte slots kept between
// 53% and 80% full (the table grows by half), about 36 bytes per item; the
// slots are now 16 bytes (the item's cell holds its length), about 24.
// Lookups compare whole keys, so there is no hash collision to fall back to
// the tree for; a slot's tag (the low 32 bits of the key's hash) gives its
// home slot back without rehashing (home scales the tag to the table's
// length) and lets most probes past other keys end without reading them.
type pointIndex struct {
	a     *arena // the shard's, where the cells are
	slots []pointSlot
	n     int // slots in use
	// weak is for tests: it makes every key hash into one of four home
	// slots, so probes walk past many keys.
	weak bool
}

// pointSlot is one item: its cell number in the shard's arena and the tag
// of its key. id == 0 is an empty slot. 8 bytes.
type pointSlot struct {
	id  uint32
	tag uint32
}

func (x *pointIndex) hash(k string) uint32 {
	h := uint32(keyHash(k))
	if x.weak {
		h &= 3
	}
	return h
}

// home returns the first slot to probe for tag.
func (x *pointIndex) home(tag uint32) int {
	return int(uint64(tag) * uint64(len(x.slots)) >> 32)
}

// next returns the slot after i, wrapping around.
func (x *pointIndex) next(i int) int {
	if i++; i == len(x.slots) {
		return 0
	}
	return i
}

// find returns the slot of key k, or -1.
func (x *pointIndex) find(k string) int {
	if len(x.slots) == 0 {
		return -1
	}
	tag := x.hash(k)
	a := x.a
	for i := x.home(tag); ; i = x.next(i) {
		s := &x.slots[i]
		if s.id == 0 {
			return -1
		}
		if s.tag == tag {
			if c := a.cell(s.id); int(keyLen(c.klen)) == len(k) && keyAt(a.ptr(c), c.klen) == k {
				return i
			}
		}
	}
}

// insert puts s in the first free slot from its home; the key must not be
// present and there must be a free slot.
func (x *pointIndex) insert(s pointSlot) {
	i := x.home(s.tag)
	for x.slots[i].id != 0 {
		i = x.next(i)
	}
	x.slots[i] = s
}

func (x *pointIndex) grow() {
	n := len(x.slots) + len(x.slots)/2
	if n < 8 {
		n = 8
	}
	x.resize(n)
}

// resize moves every key into a table of n slots (n > x.n); n == 0, for
// an empty index, frees the slots.
func (x *pointIndex) resize(n int) {
	old := x.slots
	if n == 0 {
		x.slots = nil
		return
	}
	x.slots = make([]pointSlot, n)
	for _, s := range old {
		if s.id != 0 {
			x.insert(s)
		}
	}
}

// shrinkBelow is the fill (in fifths) under which delete reallocates the
// table at half full: a table that held many more keys than it now does
// (a mass delete) gives its memory back, and one that hovers around a
// size does not reallocate back and forth (growth happens at 4/5 full,
// so a resized table is 2.5x from the next shrink and 1.6x from the next
// growth).
const shrinkBelow = 1

// maybeShrink reallocates a table that has become mostly empty.
func (x *pointIndex) maybeShrink() {
	if len(x.slots) <= 64 || x.n*5 >= len(x.slots)*shrinkBelow {
		return
	}
	n := x.n * 2
	if n > 0 && n < 8 {
		n = 8
	}
	x.resize(n)
}

// delete removes key k if present, shifting back the slots after it that
// would otherwise become unreachable.
func (x *pointIndex) delete(k string) {
	if f := x.find(k); f >= 0 {
		x.deleteAt(f)
	}
}

// deleteAt empties slot i (in use), shifting back the slots after it
// that would otherwise become unreachable.
func (x *pointIndex) deleteAt(i int) {
	for j := x.next(i); x.slots[j].id != 0; j = x.next(j) {
		home := x.home(x.slots[j].tag)
		// The slot at j may move to i when its home is not cyclically in
		// (i, j].
		var stays bool
		if i <= j {
			stays = i < home && home <= j
		} else {
			stays = i < home || home <= j
		}
		if !stays {
			x.slots[i] = x.slots[j]
			i = j
		}
	}
	x.slots[i] = pointSlot{}
	x.n--
	x.maybeShrink()
}
