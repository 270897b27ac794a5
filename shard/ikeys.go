package shard

import (
	"cmp"
	"encoding/binary"
	"slices"
	"unsafe"

	"github.com/dynacache/dynacache/shard/btree"
)

// The index key store: where an index shard keeps its entries' index keys,
// so that an index entry, like a table's tree element, holds no pointer
// and the collector does not scan the index's tree nodes (arena.go says
// why that matters: a 3M-entry index with a string and an image pointer
// per entry took 90 ms of the 109 ms a collection of its table marked,
// and kept a GSI backfill's client stalls over 10 ms, issue 19).
//
// An index entry names its index key and its item's image by address
// (uintptr, which the collector does not trace) and length. That is safe
// because of who keeps the bytes alive, and when an entry may be read:
//
//   - The index key lives in a record of this store: records are carved
//     one after another from slabs (heap byte blocks, no pointers) held by
//     the store, which drops a slab only once no entry of the shard names
//     a record in it. Entries with equal index keys share one record
//     (interning): they then compare equal on the address alone, and the
//     key costs its bytes once. A record counts the entries naming it.
//   - The image lives in a slab of the item's table shard (arena.go),
//     which holds it while the item's cell names it. An entry leaves the
//     index (or is re-pointed) in the same write that changes the cell,
//     before that write lets go of the old image: index.update keeps its
//     old image alive until its entry is gone (runtime.KeepAlive).
//   - Entries are read under the index shard's lock, and turned into
//     pointers (a Hit's Key and Entry) there; a pointer the collector can
//     see then keeps the slab alive for as long as it is held.
//   - A search key (a pivot) that outlives the lock (a read resumes after
//     a batch) copies its keys into an allocation of its own, which its
//     holder keeps alive (indexPivot).
//   - An index dropped from its table is emptied under its table's shard
//     locks (installIndexes), so no reader meets an entry whose item
//     stopped being maintained, and a truncation moves the index's trees
//     and key stores together with the table's arenas.
//
// Compaction: when a quarter of the store's slab bytes (and at least
// keysMinDead) are dead, the slabs less than three quarters live are
// evacuated, the sparsest first and at most keysEvacMax live bytes a
// round, in one walk over the shard's tree that re-points every entry
// naming a record there. It runs under the shard's write lock, from a
// write that made the dead bytes; a shard holds a sixty-fourth of the
// index, and the walk costs about 20 ns per entry it passes.

const (
	keyHdr       = 8 // before a record's key bytes: its slab number, its entry count
	keySlabMin   = 4 << 10
	keySlabMax   = 64 << 10
	keysMinDead  = 16 << 10
	keysEvacMax  = 128 << 10 // live bytes a compaction round copies at most
	internMin    = 512       // live record bytes before a shard interns
	internSlots  = 1024      // slots per shard (a power of two)
	keyInternTag = 0x9e3779b97f4a7c15
)

type keySlab struct {
	b    []byte // nil: a free number
	used uint32
	live uint32
	evac bool
}

type internSlot struct {
	p uintptr
	n uint32
}

// keyStore is one index shard's index keys. The zero value is an empty
// store. Everything is under the index shard's lock (written under the
// write lock).
type keyStore struct {
	slabs    []keySlab // by number; 0 is never used
	free     []uint32
	bump     uint32
	used     int64
	live     int64
	lookedAt int64
	intern   []internSlot
	rounds   int // compactions (for tests)
}

// ptrOf returns address p as a pointer. (Read through memory, not
// converted: the conversion's usual form is for pointer arithmetic, and
// vet would flag it.)
// REQUIRES: the memory at p alive (see above).
func ptrOf(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }

// at returns the n bytes at address p as a string.
// REQUIRES: as ptrOf.
func at(p uintptr, n uint32) string {
	if n == 0 {
		return ""
	}
	return unsafe.String((*byte)(ptrOf(p)), n)
}

// addr returns the address of b's first byte (0 for an empty b).
func addr(b []byte) uintptr {
	if len(b) == 0 {
		return 0
	}
	return uintptr(unsafe.Pointer(unsafe.SliceData(b)))
}

// heapBytes returns n zero bytes that are always allocated on the heap: a
// search key's bytes are named by address, and a stack may move.
//
//go:noinline
func heapBytes(n int) []byte { return make([]byte, n) }

// hdrOf returns the header of the record whose key bytes are at p.
func hdrOf(p uintptr) []byte { return unsafe.Slice((*byte)(ptrOf(p-keyHdr)), keyHdr) }

// slot returns the intern slot of a key of n bytes in an entry with
// hashes h and s8, or nil while the shard does not intern.
func (ks *keyStore) slot(h, s8 uint64, n int) *internSlot {
	if ks.intern == nil {
		return nil
	}
	return &ks.intern[((h^s8^uint64(n))*keyInternTag)>>(64-10)&(internSlots-1)]
}

// interned reports whether add would take k's interned record.
func (ks *keyStore) interned(k []byte, h, s8 uint64) bool {
	c := ks.slot(h, s8, len(k))
	return c != nil && c.p != 0 && c.n == uint32(len(k)) && at(c.p, c.n) == str(k)
}

// ref counts one more entry naming the record at p.
func ref(p uintptr) {
	hdr := hdrOf(p)
	binary.LittleEndian.PutUint32(hdr[4:], binary.LittleEndian.Uint32(hdr[4:])+1)
}

// unref counts one entry fewer naming the record at p (n key bytes) and
// returns its slab; once none does, the record is dead (live no more).
func (ks *keyStore) unref(p uintptr, n uint32) (id uint32, dead bool) {
	hdr := hdrOf(p)
	refs := binary.LittleEndian.Uint32(hdr[4:]) - 1
	binary.LittleEndian.PutUint32(hdr[4:], refs)
	id = binary.LittleEndian.Uint32(hdr)
	if refs != 0 {
		return id, false
	}
	ks.slabs[id].live -= keyHdr + n
	ks.live -= int64(keyHdr + n)
	return id, true
}

// add returns the address of a record holding k, counting one more entry
// naming it: an interned record with the same bytes, or a new one. h and
// s8 are the entry's.
func (ks *keyStore) add(k []byte, h, s8 uint64) uintptr {
	if ks.intern == nil && ks.live >= internMin {
		ks.intern = make([]internSlot, internSlots)
	}
	if ks.interned(k, h, s8) {
		p := ks.slot(h, s8, len(k)).p
		ref(p)
		return p
	}
	p := ks.place(k, 1)
	if c := ks.slot(h, s8, len(k)); c != nil {
		*c = internSlot{p: p, n: uint32(len(k))}
	}
	return p
}

// place appends a record of k counting refs entries and returns its key
// bytes' address.
func (ks *keyStore) place(k []byte, refs uint32) uintptr {
	need := uint32(keyHdr + len(k))
	id := ks.bump
	if id == 0 || uint32(len(ks.slabs[id].b))-ks.slabs[id].used < need {
		size := uint32(keySlabMin)
		for int64(size)*16 < ks.live && size < keySlabMax {
			size *= 2
		}
		id = ks.newBump(max(size, need))
	}
	s := &ks.slabs[id]
	rec := s.b[s.used : s.used+need]
	binary.LittleEndian.PutUint32(rec, id)
	binary.LittleEndian.PutUint32(rec[4:], refs)
	copy(rec[keyHdr:], k)
	s.used += need
	s.live += need
	ks.used += int64(need)
	ks.live += int64(need)
	return addr(rec[keyHdr:])
}

func (ks *keyStore) newBump(size uint32) uint32 {
	if old := ks.bump; old != 0 {
		ks.bump = 0
		ks.maybeDrop(old)
	}
	s := keySlab{b: make([]byte, size)}
	var id uint32
	if n := len(ks.free); n > 0 {
		id = ks.free[n-1]
		ks.free = ks.free[:n-1]
		ks.slabs[id] = s
	} else {
		if len(ks.slabs) == 0 {
			ks.slabs = append(ks.slabs, keySlab{})
		}
		ks.slabs = append(ks.slabs, s)
		id = uint32(len(ks.slabs) - 1)
	}
	ks.bump = id
	return id
}

// release counts entry e, gone from the tree, off its record.
func (ks *keyStore) release(e indexEntry) {
	id, dead := ks.unref(e.ik, e.ikn)
	if !dead {
		return
	}
	if c := ks.slot(e.h, e.s8, int(e.ikn)); c != nil && c.p == e.ik {
		*c = internSlot{}
	}
	ks.maybeDrop(id)
}

// maybeDrop forgets slab id once no record in it is live and it is not the
// current slab.
func (ks *keyStore) maybeDrop(id uint32) {
	s := &ks.slabs[id]
	if s.live != 0 || id == ks.bump || s.evac {
		return
	}
	ks.used -= int64(s.used)
	ks.slabs[id] = keySlab{}
	ks.free = append(ks.free, id)
}

// compactLocked evacuates the store's sparse slabs when it is due (see
// above); tr is the shard's tree, whose entries it re-points. A round
// evacuates the sparsest slabs up to keysEvacMax live bytes, so that it
// copies a bounded amount; what it leaves is the next round's.
func (ks *keyStore) compactLocked(tr *btree.BTreeG[indexEntry]) {
	dead := ks.used - ks.live
	if dead < keysMinDead || dead*4 <= ks.used || dead < ks.lookedAt+keySlabMin {
		return
	}
	type span struct {
		lo, hi uintptr
		id     uint32
	}
	var cands []span
	for id := 1; id < len(ks.slabs); id++ {
		s := &ks.slabs[id]
		if s.b != nil && uint32(id) != ks.bump && uint64(s.live)*4 < uint64(s.used)*3 {
			cands = append(cands, span{addr(s.b), addr(s.b) + uintptr(len(s.b)), uint32(id)})
		}
	}
	ks.lookedAt = 0
	if len(cands) == 0 {
		ks.lookedAt = dead
		return
	}
	ks.rounds++
	// The sparsest first: the most dead bytes freed per byte copied.
	live := func(sp span) uint64 { return uint64(ks.slabs[sp.id].live) * 1024 / uint64(ks.slabs[sp.id].used) }
	slices.SortFunc(cands, func(a, b span) int { return cmp.Compare(live(a), live(b)) })
	var evac []span
	var taken uint32
	for _, sp := range cands {
		if len(evac) > 0 && taken+ks.slabs[sp.id].live > keysEvacMax {
			break
		}
		taken += ks.slabs[sp.id].live
		ks.slabs[sp.id].evac = true
		evac = append(evac, sp)
	}
	slices.SortFunc(evac, func(a, b span) int { return cmp.Compare(a.lo, b.lo) })
	in := func(p uintptr) bool {
		j, _ := slices.BinarySearchFunc(evac, p, func(s span, p uintptr) int {
			if s.hi <= p {
				return -1
			}
			if s.lo > p {
				return 1
			}
			return 0
		})
		return j < len(evac) && evac[j].lo <= p && p < evac[j].hi
	}
	// The walk is in the tree's order, where the entries of one index key
	// are consecutive: they go to one new record (merging records that
	// interning missed), each entry counted off its old record and onto
	// the new one.
	var cur uintptr
	var curN uint32
	tr.WalkMut(func(items []indexEntry) bool {
		for i := range items {
			e := &items[i]
			if !in(e.ik) {
				continue
			}
			k := at(e.ik, e.ikn)
			if cur != 0 && curN == e.ikn && at(cur, curN) == k {
				ref(cur)
			} else {
				cur, curN = ks.place(bytesOf(k), 1), e.ikn
			}
			ks.unref(e.ik, e.ikn) // its slab, evacuated, is dropped below
			e.ik = cur
		}
		return true
	})
	// The evacuated records are dead: no slot may name them.
	for i, c := range ks.intern {
		if c.p != 0 && in(c.p) {
			ks.intern[i] = internSlot{}
		}
	}
	for _, sp := range evac {
		ks.slabs[sp.id].evac = false
		ks.maybeDrop(sp.id)
	}
}
