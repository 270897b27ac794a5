package shard

import "unsafe"

// pointIndex is Get's hash index beside a table shard's tree: the Key of
// every item -> the item, in an open-addressing table with linear probing
// and backward-shift deletion (no tombstones).
//
// It replaced a map[uint64]point (76 bytes per item: a 32-byte slot, the
// map's load factor and its control bytes) with 24-byte slots kept between
// 40% and 80% full, about 40 bytes per item. Lookups compare whole keys,
// so there is no hash collision to fall back to the tree for; a slot's tag
// (the low 32 bits of the key's hash) gives its home slot back without
// rehashing and lets most probes past other keys end without reading them.
type pointIndex struct {
	slots []pointSlot // len a power of two, or 0
	n     int         // slots in use
	// weak is for tests: it makes every key hash into one of four home
	// slots, so probes walk past many keys.
	weak bool
}

// pointSlot is one item: its tableItem's p, n and klen; kv == nil is an
// empty slot.
type pointSlot struct {
	kv   *byte
	n    uint32
	klen uint32
	tag  uint32
}

func (s *pointSlot) key() string { return unsafe.String(s.kv, s.klen) }

func (x *pointIndex) hash(k string) uint32 {
	h := uint32(keyHash(k))
	if x.weak {
		h &= 3
	}
	return h
}

// find returns the slot of key k, or -1.
func (x *pointIndex) find(k string) int {
	if len(x.slots) == 0 {
		return -1
	}
	tag := x.hash(k)
	mask := uint32(len(x.slots) - 1)
	for i := tag & mask; ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.kv == nil {
			return -1
		}
		if s.tag == tag && int(s.klen) == len(k) && s.key() == k {
			return int(i)
		}
	}
}

// get returns the p and n of the item stored under key k.
func (x *pointIndex) get(k string) (p *byte, n uint32, ok bool) {
	i := x.find(k)
	if i < 0 {
		return nil, 0, false
	}
	s := &x.slots[i]
	return s.kv, s.n, true
}

// set stores it, replacing the item with the same key.
func (x *pointIndex) set(it tableItem) {
	k := it.key()
	slot := pointSlot{kv: it.p, n: it.n, klen: it.klen, tag: x.hash(k)}
	if i := x.find(k); i >= 0 {
		x.slots[i] = slot
		return
	}
	if (x.n+1)*5 > len(x.slots)*4 {
		x.grow()
	}
	x.insert(slot)
	x.n++
}

// insert puts s in the first free slot from its home; the key must not be
// present and there must be a free slot.
func (x *pointIndex) insert(s pointSlot) {
	mask := uint32(len(x.slots) - 1)
	i := s.tag & mask
	for x.slots[i].kv != nil {
		i = (i + 1) & mask
	}
	x.slots[i] = s
}

func (x *pointIndex) grow() {
	old := x.slots
	n := 2 * len(old)
	if n == 0 {
		n = 8
	}
	x.slots = make([]pointSlot, n)
	for _, s := range old {
		if s.kv != nil {
			x.insert(s)
		}
	}
}

// delete removes key k if present, shifting back the slots after it that
// would otherwise become unreachable.
func (x *pointIndex) delete(k string) {
	f := x.find(k)
	if f < 0 {
		return
	}
	mask := uint32(len(x.slots) - 1)
	i := uint32(f)
	for j := (i + 1) & mask; x.slots[j].kv != nil; j = (j + 1) & mask {
		home := x.slots[j].tag & mask
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
}
