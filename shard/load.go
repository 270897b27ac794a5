package shard

import (
	"runtime"
	"sync"
	"unsafe"
)

// Bulk loading and recovery.
//
// A snapshot holds each table's items in the table's own order (Dump
// walks the shards in order, each in key order), so loading one need not
// search: LoadItems appends each shard's run at the end of its tree
// (btree Load), fills the point index sized once, copies the items into
// shared blocks rather than one allocation each, and loads the shards on
// as many goroutines as there are cores. The copy is a step of its own
// (Imager, Image, LoadImages), so that a caller can copy items in the
// order it reads them (a log replay: log order) and load them in the
// table's order without reading their bytes again.
//
// Indexes wait for the end of recovery. While a store is recovering
// (BeginRecovery), RecoverTable records a table's index definitions
// without installing them, so neither a snapshot's items nor the log's
// replay maintain an index entry by entry, and an index that a later
// record drops costs nothing at all; EndRecovery installs each table's
// last definitions and backfills them once, in parallel.

// LoadItem is one item of a bulk load: its Key, encoding and DynamoDB
// size. LoadItems copies them.
type LoadItem struct {
	Key  Key
	Enc  []byte
	Size int
}

// loadBlock is the size of the blocks loaded items are copied into. An
// item is one slice of a block, so a block stays allocated while any of
// its items does (at most this many bytes held by items since replaced);
// in exchange a 1M-item load makes a few thousand allocations, not 1M.
const loadBlock = 64 << 10

// LoadItems installs items without logging, as RecoverItem does one by
// one (a key already present, or given twice, keeps its last image). It
// is fastest with items in the table's order, as a snapshot has them.
func (t *Table) LoadItems(items []LoadItem) {
	if len(items) == 0 {
		return
	}
	ims := make([]Image, len(items))
	parallel(min(runtime.GOMAXPROCS(0), 8), len(items), func(lo, hi int) {
		var m Imager
		for i := lo; i < hi; i++ {
			it := &items[i]
			ims[i] = m.Copy(t, PartitionHash(it.Key), it.Key, it.Enc, it.Size)
		}
	})
	t.LoadImages(ims)
}

// PartitionHash is the hash that places key in its table (Imager.Copy
// takes it).
func PartitionHash(key Key) uint64 { return hashPartition(key.Partition()) }

// An Image is an item copied into load blocks by an Imager, with what
// loading it needs (its place in the table's order, its point index tag)
// worked out, so that LoadImages reads none of its bytes: a log replay
// copies its items in log order, reading the log's bytes in order, and
// loads them in the table's order.
type Image struct {
	h, s8   uint64
	p       *byte
	base    *byte // the first byte of the load block holding the image
	n, klen uint32
	tag     uint32 // the point index's hash of the key
	size    uint32 // DynamoDB size
}

// An Imager copies items into shared blocks of loadBlock bytes. It is for
// one goroutine; its zero value is ready.
type Imager struct {
	block []byte
}

// Copy copies an item (as LoadItem's fields) of table t whose partition
// hash is h (PartitionHash(key)), laid out as t's images are (keyInside).
func (m *Imager) Copy(t *Table, h uint64, key Key, enc []byte, size int) Image {
	l := layoutOf(t.keyName, key, enc)
	if int(l.n) > cap(m.block)-len(m.block) {
		m.block = make([]byte, 0, max(loadBlock, int(l.n)))
	}
	start := len(m.block)
	var klen uint32
	m.block, klen = l.append(m.block, key, enc, size)
	k := str(key)
	return Image{h: h, s8: sortPrefix(k), p: &m.block[start], base: unsafe.SliceData(m.block), n: l.n, klen: klen, tag: uint32(keyHash(k)), size: uint32(size)}
}

// LoadImages installs images as LoadItems installs items. Each shard's
// images are loaded on one of as many goroutines as there are cores;
// images in the table's order are appended to an empty shard's tree
// without a search.
func (t *Table) LoadImages(ims []Image) {
	if len(ims) == 0 {
		return
	}
	workers := min(runtime.GOMAXPROCS(0), 8)
	var byShard [numShards][]int32
	var counts [numShards]int
	for i := range ims {
		counts[shardOf(ims[i].h)]++
	}
	for i := range byShard {
		byShard[i] = make([]int32, 0, counts[i])
	}
	for i := range ims {
		si := shardOf(ims[i].h)
		byShard[si] = append(byShard[si], int32(i))
	}
	var next sync.Mutex
	si := 0
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				next.Lock()
				i := si
				si++
				next.Unlock()
				if i >= numShards {
					return
				}
				t.loadShard(&t.shards[i], ims, byShard[i])
			}
		}()
	}
	wg.Wait()
}

// loadShard installs the images idx of one shard.
func (t *Table) loadShard(s *treeShard[treeItem], ims []Image, idx []int32) {
	if len(idx) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mu.points.reserve(len(idx))
	ixs := t.indexes.Load().ixs
	// On an empty shard without indexes, items in strictly increasing
	// order (a snapshot's) cannot replace one another: no lookup needed.
	fresh := s.mu.tree.Len() == 0 && len(ixs) == 0
	var prev tableItem
	a := s.mu.arena
	// The load blocks adopted as slabs of this shard (see Imager): the
	// images stay where the Imager copied them.
	blocks := &adopted{ids: make(map[*byte]uint32)}
	var count, bytes int64
	for _, i := range idx {
		im := &ims[i]
		cur := tableItem{h: im.h, s8: im.s8, p: im.p, n: im.n, klen: im.klen}
		if fresh && (!prev.exists() || lessTableItem(prev, cur)) {
			prev = cur
		} else {
			fresh = false
			if old, ok := getLocked(s, cur); ok || len(ixs) > 0 {
				// Replaced, or indexed: the general path.
				t.applyLocked(s, cur.pivot(), old, cur, nil)
				continue
			}
		}
		id := a.newCell()
		off := uint32(uintptr(unsafe.Pointer(im.p)) - uintptr(unsafe.Pointer(im.base)))
		*a.cellMut(id) = a.adopt(blocks, im.base, off, im.n, im.klen)
		s.mu.tree.Load(treeItem{h: cur.h, s8: cur.s8, id: id})
		s.mu.points.addTagged(id, im.tag)
		count++
		bytes += int64(im.size)
	}
	s.count.Add(count)
	s.bytes.Add(bytes)
}

// add stores cell id, whose key must not be present.
func (x *pointIndex) add(id uint32) {
	x.addTagged(id, uint32(keyHash(x.a.key(id))))
}

// addTagged is add with the key's hash (keyHash's low bits) known.
func (x *pointIndex) addTagged(id uint32, tag uint32) {
	if x.weak {
		tag &= 3
	}
	if (x.n+1)*5 > len(x.slots)*4 {
		x.grow()
	}
	x.insert(pointSlot{id: id, tag: tag})
	x.n++
}

// reserve makes room for n more keys without growing on the way.
func (x *pointIndex) reserve(n int) {
	if want := (x.n + n) * 5 / 3; (x.n+n)*5 > len(x.slots)*4 {
		x.resize(max(want, 8))
	}
}

// parallel runs fn over [0, n) split into workers ranges.
func parallel(workers, n int, fn func(lo, hi int)) {
	if workers <= 1 || n < 4096 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	step := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += step {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			fn(lo, hi)
		}(lo, min(lo+step, n))
	}
	wg.Wait()
}

// recoveryState is a recovering store's deferred index definitions.
type recoveryState struct {
	indexes map[*Table][]IndexSchema
}

// BeginRecovery puts a new store in recovery: RecoverTable defers index
// work to EndRecovery (see above).
func (s *Store) BeginRecovery() {
	s.mu.Lock()
	s.recovery = &recoveryState{indexes: map[*Table][]IndexSchema{}}
	s.mu.Unlock()
}

// deferIndexesLocked records t's index definitions for EndRecovery and
// reports whether the store is recovering.
// REQUIRES: s.mu held for writing.
func (s *Store) deferIndexesLocked(t *Table, indexes []IndexSchema) bool {
	if s.recovery == nil {
		return false
	}
	s.recovery.indexes[t] = indexes
	return true
}

// EndRecovery ends recovery: every table still in the store gets the
// index definitions it was last given, each new index backfilled before
// EndRecovery returns (table shards split among the cores).
func (s *Store) EndRecovery() {
	s.mu.Lock()
	rec := s.recovery
	s.recovery = nil
	if rec == nil {
		s.mu.Unlock()
		return
	}
	var work []struct {
		t  *Table
		ix *index
	}
	for t, schemas := range rec.indexes {
		if cur, ok := s.mu.tables[t.name]; !ok || cur != t {
			continue // dropped since
		}
		for _, ix := range t.installIndexes(schemas) {
			work = append(work, struct {
				t  *Table
				ix *index
			}{t, ix})
		}
	}
	s.mu.Unlock()
	workers := min(runtime.GOMAXPROCS(0), 8)
	for _, w := range work {
		parallel(workers, numShards*4096, func(lo, hi int) {
			w.t.backfillShards(w.ix, lo/4096, hi/4096, nil)
		})
		w.ix.ready.Store(true)
	}
}
