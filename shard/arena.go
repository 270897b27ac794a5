package shard

import (
	"unsafe"
)

// The arena: where a table shard keeps its items, so that the collector
// has almost nothing to trace.
//
// Before it, every item was two heap objects (its image and its cell)
// and three pointers (the tree element, the point index slot, the cell),
// and a collection of a 3M-item table traced 6M objects and 9M pointers
// at a cache miss or more each: 186 ms of marking on both cores, 389 ms
// with one index, and since Go's fractional mark workers take a P for up
// to 10 ms at a time, clients stalled whenever the heap was marked
// (issue 19). Now:
//
//   - images (encoding, size trailer and Key: see keyInside) are carved
//     one after another from slabs: large byte blocks, allocated from the
//     heap but holding no pointers, so the collector marks a slab as one
//     object and never reads it;
//   - a key's cell (which slab, where in it, how long) lives in chunks of
//     cells that hold no pointers either;
//   - the tree element and the point index slot name the cell by its
//     number (uint32), not by a pointer.
//
// So the tree nodes, the point index and the cell chunks are not scanned,
// and a shard's pointers are one per slab and one per chunk.
//
// Invariants (all under the shard's write lock, or read under its lock):
//
//   - An image, once written into a slab, never changes, and slab memory
//     is never reused: a slab only takes new images at its end (bump
//     allocation) and, once it holds no live image, is dropped from the
//     shard and left to the collector, which frees it when no Entry,
//     tableItem, index entry, log record or cache entry points into it
//     any more. So everything the old design promised about images holds
//     unchanged: an Entry stays valid for as long as it is held, and the
//     same encoding address means the same version (the read cache's
//     proof, protocol/dynamodb/cache.go). No version number is needed
//     because no address is reused while anything can still see it.
//   - A cell is changed in place by an overwrite and by compaction (which
//     moves an image to a new slab); readers copy what they need out of
//     it (a tableItem) before they release the lock. Freed cell numbers
//     are reused. A frozen copy of the tree (freeze.go) therefore gets a
//     copy of the slab table and shares the chunks of cells copy-on-write:
//     the live arena clones a chunk before it changes a cell of it the
//     first time after a Freeze (cellMut, chunkGen).
//   - Compaction: the dead bytes of the shard's slabs (images overwritten
//     or deleted) are counted; when they pass a quarter of the slab bytes
//     (and compactMinDead), every slab less than half live is evacuated:
//     its live images are copied to the current slab, their cells and the
//     index entries pointing at them updated, and the slab dropped. The
//     walk over the cells runs in steps of compactStep cells, one step
//     per write to the shard, so no write waits on more than one step.
//
// The cost of an image in a slab is its exact size (no allocator size
// class, no object header); a slab at the end of a shard is partly empty
// (slabs grow from slabMin to slabMax bytes as the shard does).

const (
	cellBits  = 7
	cellChunk = 1 << cellBits

	// A new slab is a sixteenth of the shard's live bytes, a power of two
	// from slabMin to slabMax: the part of the current slab not yet used
	// is at most a sixteenth of the shard (half that on average), and a
	// table of few items costs 64 small slabs, not 64 large ones.
	slabMin = 4 << 10
	slabMax = 256 << 10

	compactMinDead = 16 << 10
	// A compaction step walks up to compactStep cells and moves up to
	// compactMoves images (each of which, in a table with indexes, also
	// moves its index entries: about a microsecond each).
	compactStep  = 4096
	compactMoves = 256
)

// cell is one key's current image: bytes [off, off+n) of slab, its Key
// where klen says (keyAt). 16 bytes, no pointers.
type cell struct {
	slab uint32
	off  uint32
	n    uint32
	klen uint32
}

// slab is a block images are carved from. base is its first byte; cap is
// its length when images are still appended at used (the shard's current
// slab), 0 for a block filled elsewhere (a recovery's load block, shared
// by several shards, which this shard only reads).
type slab struct {
	base *byte
	cap  uint32
	used uint32 // bytes of this shard's images placed in the slab
	live uint32 // of which still some key's image
	evac bool   // being evacuated by the compaction round in progress
}

// arena is a table shard's slabs and cells. The zero value is not ready:
// use newArena.
type arena struct {
	slabs     []slab // by number; slab 0 is never used (a zero cell is no image)
	freeSlabs []uint32
	bump      uint32 // the slab new images go to (0: none yet)
	chunks    []*[cellChunk]cell
	// chunkGen is, by chunk, the gen at which the live arena last made
	// or cloned it: a chunk of an older gen may be a frozen copy's too,
	// and is cloned before a cell of it changes (cellMut).
	chunkGen  []uint32
	gen       uint32 // frozen copies taken (mod 2^32)
	freeCells []uint32
	next      uint32 // cells handed out so far, 0 included (never used)
	used      int64  // summed over slabs
	live      int64
	// The compaction round in progress (compacting), at cell cursor.
	compacting bool
	cursor     uint32
	lookedAt   int64 // the dead bytes when a look found nothing to evacuate
	rounds     int   // compaction rounds started (for tests and stats)
	// The room reserve handed out last (resv: its first byte), and, for a
	// large image, the slab of its own it is in.
	resv    *byte
	resvN   uint32
	resvOwn []byte
}

func newArena() *arena {
	return &arena{slabs: make([]slab, 1), next: 1}
}

// cell returns cell id, to read.
func (a *arena) cell(id uint32) *cell {
	return &a.chunks[id>>cellBits][id&(cellChunk-1)]
}

// cellMut returns cell id, to change: its chunk cloned first if a frozen
// copy may share it.
func (a *arena) cellMut(id uint32) *cell {
	k := id >> cellBits
	if a.chunkGen[k] != a.gen {
		cp := *a.chunks[k]
		a.chunks[k] = &cp
		a.chunkGen[k] = a.gen
	}
	return &a.chunks[k][id&(cellChunk-1)]
}

// ptr returns the first byte of c's image.
func (a *arena) ptr(c *cell) *byte {
	// No bounds check: c.slab is a slab of the arena's (see arena's
	// invariants), so this costs two loads.
	sl := (*slab)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(a.slabs)), uintptr(c.slab)*unsafe.Sizeof(slab{})))
	return (*byte)(unsafe.Add(unsafe.Pointer(sl.base), c.off))
}

// key returns the Key of cell id.
func (a *arena) key(id uint32) string {
	c := a.cell(id)
	return keyAt(a.ptr(c), c.klen)
}

// newCell returns the number of a cell for the caller to fill.
func (a *arena) newCell() uint32 {
	if n := len(a.freeCells); n > 0 {
		id := a.freeCells[n-1]
		a.freeCells = a.freeCells[:n-1]
		return id
	}
	id := a.next
	if int(id>>cellBits) == len(a.chunks) {
		a.chunks = append(a.chunks, new([cellChunk]cell))
		a.chunkGen = append(a.chunkGen, a.gen)
	}
	a.next++
	return id
}

// freeCell releases cell id and its image.
func (a *arena) freeCell(id uint32) {
	c := a.cellMut(id)
	a.release(c)
	*c = cell{}
	a.freeCells = append(a.freeCells, id)
}

// reserve returns room for an image of n bytes (len 0, cap n) where place
// would copy it: an image written there is placed without a copy, if it
// is the next image placed. Room not placed is taken again by the next
// reserve (use abandon when something may still read the bytes).
func (a *arena) reserve(n uint32) []byte {
	a.resvOwn = nil
	if size := a.slabSize(); n > size/4 {
		// A large image gets a slab of its own, which it does not share
		// with small ones: no slab ends mostly unused, and the slab goes
		// when the image does.
		a.resvOwn = make([]byte, 0, n)
		a.resv, a.resvN = unsafe.SliceData(a.resvOwn), n
		return a.resvOwn
	}
	id := a.bump
	if id == 0 || a.slabs[id].cap-a.slabs[id].used < n {
		id = a.newBump(a.slabSize())
	}
	s := &a.slabs[id]
	b := unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(s.base), s.used)), n)[:0]
	a.resv, a.resvN = unsafe.SliceData(b), n
	return b
}

// abandon gives up the room of the last reserve: counted used and dead,
// never handed out again (a log may have read it).
func (a *arena) abandon() {
	if a.resv == nil {
		return
	}
	if a.resvOwn == nil {
		s := &a.slabs[a.bump]
		s.used += a.resvN
		a.used += int64(a.resvN)
	}
	a.resv, a.resvN, a.resvOwn = nil, 0, nil
}

// place copies image it (a tableItem's n bytes at p) into the current slab
// and points c at the copy, unless it was written where the last reserve
// said: then it stays there. c's old image, if any, is the caller's to
// release first.
func (a *arena) place(c *cell, it tableItem) {
	n := it.n
	if it.p != a.resv || n != a.resvN {
		it.p = unsafe.SliceData(append(a.reserve(n), unsafe.Slice(it.p, n)...))
	}
	id := a.bump
	if a.resvOwn != nil {
		id = a.addSlab(a.resvOwn[:n], 0)
	}
	a.resv, a.resvN, a.resvOwn = nil, 0, nil
	s := &a.slabs[id]
	off := s.used
	s.used += n
	s.live += n
	a.used += int64(n)
	a.live += int64(n)
	*c = cell{slab: id, off: off, n: n, klen: it.klen}
}

// slabSize is the size of the next slab (see slabMin).
func (a *arena) slabSize() uint32 {
	size := uint32(slabMin)
	for int64(size)*16 < a.live && size < slabMax {
		size *= 2
	}
	return size
}

// newBump starts a new current slab of size bytes.
func (a *arena) newBump(size uint32) uint32 {
	if a.bump != 0 {
		old := a.bump
		a.bump = 0
		a.maybeDrop(old)
	}
	id := a.addSlab(make([]byte, size), size)
	a.bump = id
	return id
}

// addSlab adds b as a slab; capacity is how much of it place may fill
// (0: none, the caller fills it).
func (a *arena) addSlab(b []byte, capacity uint32) uint32 {
	s := slab{base: unsafe.SliceData(b), cap: capacity}
	if n := len(a.freeSlabs); n > 0 {
		id := a.freeSlabs[n-1]
		a.freeSlabs = a.freeSlabs[:n-1]
		a.slabs[id] = s
		return id
	}
	a.slabs = append(a.slabs, s)
	return uint32(len(a.slabs) - 1)
}

// release counts c's image dead.
func (a *arena) release(c *cell) {
	if c.slab == 0 {
		return
	}
	s := &a.slabs[c.slab]
	s.live -= c.n
	a.live -= int64(c.n)
	a.maybeDrop(c.slab)
}

// maybeDrop drops slab id when no image in it is live and it is not the
// current slab: the shard forgets it and the collector frees it once
// nothing points into it.
func (a *arena) maybeDrop(id uint32) {
	s := &a.slabs[id]
	if s.live != 0 || id == a.bump {
		return
	}
	a.used -= int64(s.used)
	a.slabs[id] = slab{}
	a.freeSlabs = append(a.freeSlabs, id)
}

// adopted maps the load blocks a load has adopted so far to their slab
// numbers; consecutive images are mostly in one block, so the last is
// kept beside the map.
type adopted struct {
	ids      map[*byte]uint32
	last     uint32
	lastBase *byte
}

// adopt records that an image of n bytes at offset off of block base (a
// recovery's load block, see Imager) is a key's image in this shard, and
// returns its cell contents. blocks is the caller's, for one load.
func (a *arena) adopt(blocks *adopted, base *byte, off, n, klen uint32) cell {
	id, ok := blocks.last, base == blocks.lastBase && base != nil
	if !ok {
		if id, ok = blocks.ids[base]; !ok {
			id = a.addSlab(nil, 0)
			a.slabs[id].base = base
			blocks.ids[base] = id
		}
		blocks.last, blocks.lastBase = id, base
	}
	s := &a.slabs[id]
	s.used += n
	s.live += n
	a.used += int64(n)
	a.live += int64(n)
	return cell{slab: id, off: off, n: n, klen: klen}
}

// wantsCompaction reports whether a compaction round should start: dead
// bytes are over a quarter of the slab bytes, and over compactMinDead
// (and, after a look that found no slab to evacuate, a slabMin more).
func (a *arena) wantsCompaction() bool {
	dead := a.used - a.live
	return !a.compacting && dead >= compactMinDead && dead*4 > a.used && dead >= a.lookedAt+slabMin
}

// startCompaction marks the slabs to evacuate: those less than three
// quarters live (never the current one). Since the shard as a whole is
// less than three quarters live when a round starts, there is one unless
// the dead bytes are in the current slab.
func (a *arena) startCompaction() {
	any := false
	for id := 1; id < len(a.slabs); id++ {
		s := &a.slabs[id]
		if s.base != nil && uint32(id) != a.bump && uint64(s.live)*4 < uint64(s.used)*3 {
			s.evac = true
			any = true
		}
	}
	a.lookedAt = 0
	if !any {
		a.lookedAt = a.used - a.live
		return
	}
	a.compacting, a.cursor = true, 1
	a.rounds++
}

// compactStep moves the images of the next cells (up to compactStep
// cells, compactMoves images) out of the slabs being evacuated, calling
// moved(id, old) for each after its cell points at the copy (old is its
// image before), and ends the round at the last cell.
func (a *arena) compactStep(moved func(id uint32, old tableItem)) {
	end := min(a.cursor+compactStep, a.next)
	moves := 0
	for id := a.cursor; id < end; id++ {
		if moves == compactMoves {
			end = id
			break
		}
		if c := a.cell(id); c.slab == 0 || !a.slabs[c.slab].evac {
			continue
		}
		c := a.cellMut(id)
		old := tableItem{p: a.ptr(c), n: c.n, klen: c.klen}
		a.release(c)
		a.place(c, old)
		moved(id, old)
		moves++
	}
	a.cursor = end
	if end == a.next {
		a.compacting = false
		for i := range a.slabs {
			a.slabs[i].evac = false
		}
	}
}

// frozen returns a copy of the arena that later changes to a do not
// touch: the slab table copied (the slabs shared: their images never
// change), the chunks of cells shared until a changes a cell of one
// (cellMut clones it then). O(slabs + chunks): 16 pointers per 2,048
// items.
func (a *arena) frozen() *arena {
	a.gen++
	return &arena{
		slabs:  append([]slab(nil), a.slabs...),
		chunks: append([]*[cellChunk]cell(nil), a.chunks...),
		next:   a.next,
	}
}
