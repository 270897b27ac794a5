package shard

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/cespare/xxhash/v2"
	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/shard/btree"
)

// Table is one table's items, spread over lock-striped shards by the
// xxhash of the partition key and kept in key order (see order.go), with
// its secondary indexes.
type Table struct {
	id     uint64 // creation order, for the lock order of multi.go
	name   string
	schema KeySchema
	store  *Store
	// keyName is the partition attribute's name when the table's images
	// keep their Key inside the encoding (its Key is that attribute alone,
	// of type S or B: see keyInside), "" when they keep it in front.
	keyName string

	// meta is the table's description, opaque to the store: the protocol
	// layer owns its format. Replaced whole, never modified in place.
	meta atomic.Pointer[[]byte]
	// indexes is the table's secondary indexes with their contents;
	// replaced whole (see index.go).
	indexes atomic.Pointer[indexSet]

	shards [numShards]treeShard[treeItem]

	// stream is the table's enabled stream (changes.go); nil: none.
	stream atomic.Pointer[streamTag]

	// dropped is set, with every shard lock held, when the table is
	// deleted; Mutate checks it under its shard lock, so no write to a
	// dropped table is logged after the drop record.
	dropped bool
}

// treeShard is one lock stripe of a table or an index: a contiguous range
// of the hash space, in key order.
type treeShard[T any] struct {
	mu struct {
		sync.RWMutex
		tree *btree.BTreeG[T]
		// points is, for table shards, Get's hash index beside the tree:
		// Key -> the item's cell (see getLocked, points.go).
		points pointIndex
		// arena is, for table shards, where the items' images and cells
		// are (arena.go); the tree and points name cells by number.
		arena *arena
	}
	count atomic.Int64 // items
	bytes atomic.Int64 // DynamoDB item sizes summed
}

func newTable(s *Store, name string, schema KeySchema) *Table {
	t := &Table{id: tableIDs.Add(1), name: name, schema: schema, store: s}
	if !schema.HasRange() && (schema.HashType == attr.S || schema.HashType == attr.B) {
		t.keyName = schema.HashName
	}
	for i := range t.shards {
		t.shards[i].reset()
	}
	t.indexes.Store(&indexSet{})
	return t
}

// reset gives a table shard an empty arena, tree and point index.
func (s *treeShard[T]) reset() {
	ts := any(s).(*treeShard[treeItem])
	ts.mu.arena = newArena()
	ts.mu.tree = newTableTree(ts.mu.arena)
	ts.mu.points = pointIndex{a: ts.mu.arena}
}

// Entry is a stored item: its encoding and its DynamoDB size. The encoding
// is immutable once stored, so an Entry may be used after the lock that
// produced it is released.
type Entry struct {
	enc  []byte
	size int // sizeInTrailer: in the trailer after enc (see tableItem)
}

// sizeInTrailer is Entry.size for an item whose size follows its encoding
// in memory: reading it touches the item, which a Query or Scan that only
// counts or pages items would not otherwise do.
const sizeInTrailer = -1

// Exists reports whether the entry holds an item.
func (e Entry) Exists() bool { return e.enc != nil }

// Encoded returns the item's encoding (see attr/codec.go); do not modify it.
func (e Entry) Encoded() []byte { return e.enc }

// Size returns the item's DynamoDB size (0 when there is no item). For an
// entry read from a secondary index it is the size of the projected item.
func (e Entry) Size() int {
	if e.size == sizeInTrailer {
		return int(binary.LittleEndian.Uint32(unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(e.enc)), len(e.enc))), sizeTrailer)))
	}
	return e.size
}

// Item decodes the item; it returns nil when there is none.
func (e Entry) Item() (attr.Item, error) {
	if e.enc == nil {
		return nil, nil
	}
	return attr.DecodeItem(e.enc)
}

// Name returns the table's name.
func (t *Table) Name() string { return t.name }

// Schema returns the table's key schema.
func (t *Table) Schema() KeySchema { return t.schema }

// Meta returns the table's description bytes.
func (t *Table) Meta() []byte {
	if p := t.meta.Load(); p != nil {
		return *p
	}
	return nil
}

// Indexes returns the table's secondary indexes; do not modify the slice.
func (t *Table) Indexes() []IndexSchema { return t.indexes.Load().schemas }

// ItemCount returns the number of items in the table.
func (t *Table) ItemCount() int64 {
	var n int64
	for i := range t.shards {
		n += t.shards[i].count.Load()
	}
	return n
}

// SizeBytes returns the sum of the table's item sizes.
func (t *Table) SizeBytes() int64 {
	var n int64
	for i := range t.shards {
		n += t.shards[i].bytes.Load()
	}
	return n
}

// locate returns the hash and the shard of key k.
func (t *Table) locate(k Key) (uint64, *treeShard[treeItem]) {
	h := hashPartition(k.Partition())
	return h, &t.shards[shardOf(h)]
}

// pivotOf is a search key for k; it aliases k.
func pivotOf(h uint64, k Key) tableItem {
	return tableItem{h: h, s8: sortPrefix(str(k)), p: unsafe.StringData(str(k)), n: uint32(len(k)), klen: uint32(len(k))}
}

// Get returns the item stored under k.
func (t *Table) Get(k Key) (Entry, bool) {
	h, s := t.locate(k)
	s.mu.RLock()
	it, ok := getLocked(s, pivotOf(h, k))
	s.mu.RUnlock()
	return it.entry(), ok
}

// getLocked looks an item up by its pivot in the hash index.
//
// Why a hash index beside the tree: a point lookup in the tree walks three
// or four nodes of a 15,000-item shard (a 1M-item table) with a cache miss
// or more per node, 2.6us against 0.3us for a hash lookup when the working
// set is out of cache (BenchmarkGet, BenchmarkGetOldMap). The index costs
// about 36 bytes per item (pointIndex).
// REQUIRES: s.mu held.
func getLocked(s *treeShard[treeItem], pivot tableItem) (tableItem, bool) {
	i := s.mu.points.find(pivot.key())
	if i < 0 {
		return tableItem{}, false
	}
	return slotItem(s, pivot, i), true
}

// slotItem returns the item in slot i of the point index, whose key is
// pivot's.
// REQUIRES: s.mu held.
func slotItem(s *treeShard[treeItem], pivot tableItem, i int) tableItem {
	a := s.mu.arena
	c := a.cell(s.mu.points.slots[i].id)
	return tableItem{h: pivot.h, s8: pivot.s8, p: a.ptr(c), n: c.n, klen: c.klen}
}

func keyHash(k string) uint64 { return xxhash.Sum64String(k) }

// Write is what a mutation decides to do with an item.
type Write struct {
	// Skip leaves the item as it is.
	Skip bool
	// Delete removes the item.
	Delete bool
	// Item is the new image when neither Skip nor Delete.
	Item attr.Item
	// Encoded, when Item is nil (neither Skip nor Delete), is the new
	// image already encoded (attr.AppendItem's encoding, attributes in
	// any order) and Size its DynamoDB size (attr.ItemSize): a caller
	// that builds images of a fixed shape (RESP strings) saves the
	// attr.Item and its walks. Only Mutate and MutateDeferred take it; it
	// is copied before they return.
	Encoded []byte
	Size    int
	// Service marks a delete the service makes (time to live): its stream
	// record names the service as the writer.
	Service bool
}

// encScratch holds buffers newTableItem encodes into.
var encScratch = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// newTableItem encodes item under k as storedItem lays it out, in
// room(a, n). The item is walked once: encoded and sized together into a
// scratch buffer, then copied into room of its exact size (instead of a
// walk to size the encoding, one to encode it and one for its DynamoDB
// size).
func newTableItem(a *arena, name string, h, s8 uint64, k Key, item attr.Item) tableItem {
	bp := encScratch.Get().(*[]byte)
	b, size := attr.AppendItemSized((*bp)[:0], item)
	it := storedItem(a, name, h, s8, k, b, size)
	if cap(b) <= 64<<10 { // do not keep a huge item's buffer
		*bp = b[:0]
		encScratch.Put(bp)
	}
	return it
}

// Mutate is the one apply path of every item write. Under the shard's lock
// it calls decide with the current entry, encodes the image decide returns,
// hands it to the log and applies it to memory and to every secondary
// index; it then waits, outside the lock, until the log has made the write
// durable under its policy.
//
// Invariants: log order equals apply order for one key (both happen under
// the shard lock); a write is acknowledged (Mutate returns) only after the
// record holding it is durable under the configured policy; an error from
// decide leaves the item untouched; the indexes change under the same
// table shard lock as the item, so once Mutate returns every index agrees
// with the table.
//
// It returns the old and the new entry.
func (t *Table) Mutate(k Key, decide func(old Entry) (Write, error)) (old, cur Entry, err error) {
	old, cur, wait, err := t.MutateDeferred(k, decide)
	if err == nil && wait != nil {
		err = wait()
	}
	return old, cur, err
}

// MutateDeferred is Mutate without its last step: when it returns, the
// write is logged and applied (other readers see it), and wait, when not
// nil, blocks until the log has made it durable. The caller must not
// acknowledge the write before wait has returned nil. A connection that
// runs a pipeline of writes calls their waits once the pipeline has run,
// so the writes share one log write (and one fsync): a record's wait
// returning nil means every record logged before it is durable too.
func (t *Table) MutateDeferred(k Key, decide func(old Entry) (Write, error)) (old, cur Entry, wait func() error, err error) {
	h, s := t.locate(k)
	pivot := pivotOf(h, k)
	s.mu.Lock()
	if t.dropped {
		s.mu.Unlock()
		return Entry{}, Entry{}, nil, ErrTableNotFound
	}
	// One probe of the hash index for the read and the apply: nothing
	// moves the key's slot while s.mu is held (decide and the log do not
	// touch the table).
	slot := s.mu.points.find(pivot.key())
	var oldIt tableItem
	if slot >= 0 {
		oldIt = slotItem(s, pivot, slot)
	}
	old = oldIt.entry()
	w, err := decide(old)
	if err != nil || w.Skip {
		s.mu.Unlock()
		return old, old, nil, err
	}
	var curIt tableItem
	switch {
	case w.Delete:
	case w.Item == nil && w.Encoded != nil:
		// Written straight into the shard's arena (applySlotLocked
		// places it without a copy), as is the default case's.
		curIt = storedItem(s.mu.arena, t.keyName, h, pivot.s8, k, w.Encoded, w.Size)
		cur = curIt.entry()
	default:
		curIt = newTableItem(s.mu.arena, t.keyName, h, pivot.s8, k, w.Item)
		cur = curIt.entry()
	}
	wait, err = t.store.logItem(t, k, oldIt, curIt, w.Service)
	if err != nil {
		s.mu.arena.abandon()
		s.mu.Unlock()
		return old, old, nil, err
	}
	t.applySlotLocked(s, pivot, slot, oldIt, curIt, w.Item)
	t.store.deliverLocked(t, k, oldIt, curIt, w.Service)
	s.mu.Unlock()
	return old, cur, wait, nil
}

// setDropped marks the table and its indexes dropped (or not).
// REQUIRES: every shard lock of t held for writing.
func (t *Table) setDropped(dropped bool) {
	t.dropped = dropped
	for _, ix := range t.indexes.Load().ixs {
		ix.dropped.Store(dropped)
	}
}

// Undo reverts one item write in memory: the log calls Revert when it
// refuses the write's record (see Log). It is a value, kept by the log
// beside the record until the record is written.
type Undo struct {
	t        *Table
	old, cur tableItem
	service  bool // Write.Service
}

// Revert puts back the item that the write replaced, with its index
// entries, unless the item has changed since; that does not happen when
// the log reverts newest first, since every write after a refused one is
// refused too (it is the check that keeps a misuse harmless).
func (u Undo) Revert() {
	it := u.cur
	if !it.exists() {
		it = u.old
	}
	if !it.exists() || u.t == nil {
		return // a delete of nothing changed nothing
	}
	pivot := it.pivot()
	s := &u.t.shards[shardOf(it.h)]
	s.mu.Lock()
	now, _ := getLocked(s, pivot)
	// The item is still the write's if it holds the write's image: the
	// same bytes, since the shard keeps its own copy (arena.go).
	if now.exists() == u.cur.exists() && (!now.exists() || unsafe.String(now.p, now.n) == unsafe.String(u.cur.p, u.cur.n)) {
		u.t.applyLocked(s, pivot, now, u.old, nil)
	}
	s.mu.Unlock()
}

// applyLocked replaces old (kv "" when there was no item) by cur (kv ""
// to remove the item) in the table and its indexes. curItem is cur
// decoded, or nil when only the encoding is at hand.
//
// An overwrite (old and cur both items) changes the key's cell in place
// and leaves the tree as it is. cur's image is copied into the shard's
// arena; the indexes get the copy.
// REQUIRES: s.mu held for writing.
func (t *Table) applyLocked(s *treeShard[treeItem], pivot, old, cur tableItem, curItem attr.Item) {
	if !old.exists() && !cur.exists() {
		return
	}
	// The key's slot, looked up even when old is no item: a multi-item
	// write may name one key twice, each time with the image read before
	// either applied.
	t.applySlotLocked(s, pivot, s.mu.points.find(pivot.key()), old, cur, curItem)
}

// applySlotLocked is applyLocked with the key's slot in the hash index
// (pointIndex.find's, -1: none) already at hand.
// REQUIRES: s.mu held for writing; i is the key's slot now.
func (t *Table) applySlotLocked(s *treeShard[treeItem], pivot tableItem, i int, old, cur tableItem, curItem attr.Item) {
	if !old.exists() && !cur.exists() {
		return
	}
	x := &s.mu.points
	a := s.mu.arena
	switch {
	case cur.exists() && i >= 0:
		c := a.cellMut(x.slots[i].id)
		a.release(c)
		a.place(c, cur)
		cur.p = a.ptr(c)
	case cur.exists():
		id := a.newCell()
		c := a.cellMut(id)
		a.place(c, cur)
		cur.p = a.ptr(c)
		s.mu.tree.Set(treeItem{h: cur.h, s8: cur.s8, id: id})
		x.add(id)
	case i >= 0:
		id := x.slots[i].id
		s.mu.tree.Delete(treeItem{h: pivot.h, s8: pivot.s8, id: id})
		x.deleteAt(i)
		a.freeCell(id)
	}
	var db int64
	if old.exists() {
		db -= int64(old.size())
	}
	if cur.exists() {
		db += int64(cur.size())
	}
	dc := int64(0)
	if old.exists() {
		dc--
	}
	if cur.exists() {
		dc++
	}
	if dc != 0 {
		s.count.Add(dc)
	}
	if db != 0 {
		s.bytes.Add(db)
	}
	ixs := t.indexes.Load().ixs
	for _, ix := range ixs {
		ix.update(old, cur, curItem)
	}
	if a.compacting || a.wantsCompaction() {
		t.compactLocked(s, ixs)
	}
}

// compactLocked runs a step of the shard's compaction (arena.go), moving
// the index entries of the images it moves.
// REQUIRES: s.mu held for writing.
func (t *Table) compactLocked(s *treeShard[treeItem], ixs []*index) {
	a := s.mu.arena
	if !a.compacting {
		a.startCompaction()
		if !a.compacting {
			return
		}
	}
	a.compactStep(func(id uint32, old tableItem) {
		if len(ixs) == 0 {
			return
		}
		k := old.key()
		old.h, old.s8 = hashPartition(Key(k).Partition()), sortPrefix(k)
		c := a.cell(id)
		cur := old
		cur.p = a.ptr(c)
		for _, ix := range ixs {
			ix.update(old, cur, nil)
		}
	})
}

// RecoverItem installs an item image (enc nil: removes the item) without
// logging, maintaining the indexes. It is for replaying the log and
// loading snapshots.
func (t *Table) RecoverItem(k Key, enc []byte, size int) {
	h, s := t.locate(k)
	pivot := pivotOf(h, k)
	s.mu.Lock()
	var cur tableItem
	if enc != nil {
		cur = storedItem(s.mu.arena, t.keyName, h, pivot.s8, k, enc, size)
	}
	old, _ := getLocked(s, pivot)
	t.applyLocked(s, pivot, old, cur, nil)
	s.mu.Unlock()
}

// Dump calls fn for every item, one shard at a time, in key order. Each
// shard's entries are copied under its read lock and fn runs outside it, so
// writers are held up only for the copy. Items written during the dump may
// or may not be seen: the dump is fuzzy, which the snapshot protocol allows
// for.
func (t *Table) Dump(fn func(k Key, e Entry) error) error {
	var buf []tableItem
	for i := range t.shards {
		s := &t.shards[i]
		buf = buf[:0]
		s.mu.RLock()
		a := s.mu.arena
		s.mu.tree.Scan(func(it treeItem) bool {
			buf = append(buf, it.itemIn(a))
			return true
		})
		s.mu.RUnlock()
		for _, it := range buf {
			if err := fn(Key(bytesOf(it.key())), it.entry()); err != nil {
				return err
			}
		}
	}
	return nil
}
