package shard

import (
	"encoding/binary"
	"errors"
	"runtime"
	"slices"
	"sync/atomic"
	"unsafe"

	"github.com/dynacache/dynacache/shard/attr"
)

// Secondary indexes.
//
// An index is an ordered space of its own (order.go): numShards shards of
// entries (index hash, index key, table key) pointing at the item's
// encoding. Entries are derived from table images only, never logged:
// Mutate and RecoverItem maintain them in the table's apply path, and a
// new index is filled from the table by a backfill.
//
// Locking. An index entry changes only while the item's table shard is
// held (for writing by Mutate and RecoverItem, for reading by a backfill,
// which is enough to exclude the item's writers). Index shard locks are
// taken after that table shard lock and never the other way round; one
// writer holds at most the two shards of one index (old and new entry),
// taken in ascending shard order; readers hold one index shard at a time.
// So there is one global order -- table shard, then index shards of one
// index ascending -- and no deadlock.
//
// Consistency. Once Mutate returns, every index agrees with the table: the
// entries for the item's old image are gone and those for its new image in
// place. A backfill installs the empty index first, so that every write
// from then on maintains it, then copies the items shard by shard under the
// shard's lock: an item written before its shard is copied is copied in its
// current image, one written after is maintained by its writer, so the
// index ends exactly consistent with the table.

// Index errors.
var (
	ErrIndexNotFound    = errors.New("shard: index not found")
	ErrIndexBackfilling = errors.New("shard: index is being backfilled")
)

// indexSet is a table's indexes; replaced whole.
type indexSet struct {
	schemas []IndexSchema
	ixs     []*index // same order as schemas
}

func (set *indexSet) find(name string) *index {
	for _, ix := range set.ixs {
		if ix.schema.Name == name {
			return ix
		}
	}
	return nil
}

type index struct {
	schema IndexSchema
	// projected is the attributes counted in an entry's size, or nil when
	// the index projects every attribute.
	projected []string

	shards [numShards]treeShard[indexEntry]
	// keys is, by index shard (under its lock), where its entries' index
	// keys are (ikeys.go).
	keys [numShards]keyStore

	ready   atomic.Bool // backfilled: readable
	dropped atomic.Bool // removed from its table: stop backfilling
}

func newIndex(table KeySchema, schema IndexSchema) *index {
	ix := &index{schema: schema}
	if schema.Projection != ProjectAll {
		add := func(n string) {
			if n != "" && !slices.Contains(ix.projected, n) {
				ix.projected = append(ix.projected, n)
			}
		}
		add(table.HashName)
		add(table.RangeName)
		for _, n := range schema.KeyNames() {
			add(n)
		}
		if schema.Projection == ProjectInclude {
			for _, n := range schema.NonKeyAttributes {
				add(n)
			}
		}
	}
	for i := range ix.shards {
		ix.shards[i].mu.tree = newIndexTree()
	}
	return ix
}

// sameIndex reports whether a and b define the same index contents.
func sameIndex(a, b *IndexSchema) bool {
	return a.Name == b.Name && a.Local == b.Local && a.Key == b.Key && a.Projection == b.Projection &&
		slices.Equal(a.NonKeyAttributes, b.NonKeyAttributes) &&
		slices.Equal(a.HashAttrs, b.HashAttrs) && slices.Equal(a.RangeAttrs, b.RangeAttrs)
}

// keyValue is a key attribute's value if the item has it, of the key's
// type and, for S and B, not empty; an item without one is not in the
// index (sparse indexes), nor is one whose value has another type.
func keyValue(v attr.Value, ok bool, t attr.Type) (attr.Value, bool) {
	if !ok || v.Type != t || ((t == attr.S || t == attr.B) && v.Str == "") {
		return attr.Value{}, false
	}
	return v, true
}

// entryOf returns it's entry in the index, and false when the item has no
// index key. item is it decoded, or nil. The entry names its index key in
// the returned bytes (on the heap, see heapBytes), which the caller keeps
// alive while it uses the entry, and it's image.
func (ix *index) entryOf(it tableItem, item attr.Item) (indexEntry, []byte, bool) {
	ks := &ix.schema.Key
	enc := it.enc()
	get := func(name string, t attr.Type) (attr.Value, bool) {
		if item != nil {
			v, ok := item[name]
			return keyValue(v, ok, t)
		}
		v, ok := scalarAttr(enc, name, t)
		return keyValue(v, ok, t)
	}
	if ix.schema.Composite() {
		ikey, ok := ix.schema.compositeKey(func(a KeyAttr) (attr.Value, bool) { return get(a.Name, a.Type) })
		if !ok {
			return indexEntry{}, nil, false
		}
		return ix.entryWith(it, item, ikey), ikey, true
	}
	hv, ok := get(ks.HashName, ks.HashType)
	// A value over DynamoDB's key size limits (2048 bytes for a partition
	// key, 1024 for a sort key) cannot be in an index: writes refuse it,
	// and an item that had it before the index existed is left out of
	// the backfill (as DynamoDB does: ScyllaDB's test_gsi_updatetable.py).
	if ok && hv.Type != attr.N && len(hv.Str) > attr.MaxHashKeySize {
		ok = false
	}
	if !ok {
		return indexEntry{}, nil, false
	}
	var rv attr.Value
	if ks.HasRange() {
		if rv, ok = get(ks.RangeName, ks.RangeType); !ok || (rv.Type != attr.N && len(rv.Str) > attr.MaxRangeKeySize) {
			return indexEntry{}, nil, false
		}
	}
	ikey := encodeKey(hv, rv, ks.HasRange())
	return ix.entryWith(it, item, ikey), ikey, true
}

// entryWith returns it's entry in the index under index key ikey.
func (ix *index) entryWith(it tableItem, item attr.Item, ikey []byte) indexEntry {
	return indexEntry{
		h:    hashPartition(Key(ikey).Partition()),
		s8:   sortPrefix(str(ikey)),
		bh:   it.h,
		bs8:  it.s8,
		ik:   addr(ikey),
		bp:   uintptr(unsafe.Pointer(it.p)),
		ikn:  uint32(len(ikey)),
		bkn:  it.klen,
		bn:   it.n - sizeTrailer,
		size: uint32(ix.projectedSize(it, item)),
	}
}

// encodeKey returns the Key of a partition value and, when hasRange, a sort
// value, on the heap (an index entry names it by address).
func encodeKey(hv, rv attr.Value, hasRange bool) []byte {
	var tmp [64]byte
	hash := AppendKeyValue(tmp[:0], hv)
	buf := heapBytes(binary.MaxVarintLen64 + len(hash) + len(rv.Str) + 2)[:0]
	buf = binary.AppendUvarint(buf, uint64(len(hash)))
	buf = append(buf, hash...)
	if hasRange {
		buf = AppendKeyValue(buf, rv)
	}
	return buf
}

// projectedSize is the DynamoDB size of the item's projection into the
// index.
func (ix *index) projectedSize(it tableItem, item attr.Item) int {
	if ix.projected == nil {
		return int(it.size())
	}
	n := 0
	for _, name := range ix.projected {
		if item != nil {
			if v, ok := item[name]; ok {
				n += len(name) + attr.ValueSize(v)
			}
			continue
		}
		raw, ok := encodedAttr(it.enc(), name)
		if !ok {
			continue
		}
		if v, _, err := attr.DecodeValue(raw); err == nil {
			n += len(name) + attr.ValueSize(v)
		}
	}
	return n
}

// update replaces the entry of old (kv "": none) by that of cur (kv "":
// none). REQUIRES: the item's table shard locked (see Locking above).
func (ix *index) update(old, cur tableItem, curItem attr.Item) {
	var oe, ne indexEntry
	var ok, nk []byte
	var oldIn, newIn bool
	if old.exists() {
		oe, ok, oldIn = ix.entryOf(old, nil)
	}
	if cur.exists() {
		ne, nk, newIn = ix.entryOf(cur, curItem)
	}
	if !oldIn && !newIn {
		return
	}
	a, b := -1, -1
	if oldIn {
		a = shardOf(oe.h)
	}
	if newIn {
		b = shardOf(ne.h)
	}
	if a > b {
		a, b = b, a
	}
	if a >= 0 && a != b {
		ix.shards[a].mu.Lock()
	}
	ix.shards[b].mu.Lock()
	if ix.dropped.Load() {
		// Emptied (installIndexes): its entries are no longer kept.
		oldIn, newIn = false, false
	}
	// The same index key before and after: the entry is replaced, not
	// deleted (a write that left the key alone, compaction moving the
	// image).
	sameKey := oldIn && newIn && oe.h == ne.h && str(ok) == str(nk)
	if oldIn && !sameKey {
		i := shardOf(oe.h)
		s := &ix.shards[i]
		if prev, found := s.mu.tree.Delete(oe); found {
			ix.keys[i].release(prev)
			s.count.Add(-1)
			s.bytes.Add(-int64(prev.size))
			ix.keys[i].compactLocked(s.mu.tree)
		}
	}
	if newIn {
		i := shardOf(ne.h)
		s := &ix.shards[i]
		ks := &ix.keys[i]
		// The same index key, which interning does not hold: the entry
		// keeps its record, rather than copying the key into a new one
		// on every write.
		added := true
		if sameKey && !ks.interned(nk, ne.h, ne.s8) {
			if prev, found := s.mu.tree.Get(oe); found {
				ne.ik, added = prev.ik, false
			}
		}
		if added {
			ne.ik = ks.add(nk, ne.h, ne.s8)
		}
		prev, replaced := s.mu.tree.Set(ne)
		if replaced {
			if added {
				ks.release(prev)
			}
			s.bytes.Add(int64(ne.size) - int64(prev.size))
		} else {
			s.count.Add(1)
			s.bytes.Add(int64(ne.size))
		}
		ks.compactLocked(s.mu.tree)
	}
	ix.shards[b].mu.Unlock()
	if a >= 0 && a != b {
		ix.shards[a].mu.Unlock()
	}
	// The search keys named these by address: they, and the old image
	// until its entry was gone, must not be collected before here.
	runtime.KeepAlive(ok)
	runtime.KeepAlive(old.p)
	runtime.KeepAlive(cur.p)
}

// backfillBatch is how many items a backfill copies per table shard lock.
const backfillBatch = 256

// backfill fills ix from t's items (see Consistency above) and marks it
// ready. ix must already be in t's index set.
func (t *Table) backfill(ix *index) {
	if t.backfillShards(ix, 0, numShards, &Yielder{}) {
		ix.ready.Store(true)
	}
}

// backfillShards fills ix from the items of t's shards [lo, hi); it
// returns false when ix or t was dropped meanwhile. Between batches it
// yields through y (yield.go), or only with runtime.Gosched when y is nil
// (recovery: no client is waiting, and a sleep would only slow it).
func (t *Table) backfillShards(ix *index, lo, hi int, y *Yielder) bool {
	for i := lo; i < hi; i++ {
		s := &t.shards[i]
		var last tableItem
		first := true
		for {
			n := 0
			s.mu.RLock()
			// Under the table shard's lock: an index is dropped under
			// all of them (installIndexes).
			if t.dropped || ix.dropped.Load() {
				s.mu.RUnlock()
				return false
			}
			pivot, pkey := treeItem{h: uint64(i) << (64 - shardBits)}, ""
			resume := !first // the walk starts at last, copied already
			if resume {
				pivot, pkey = last.treePivot(), last.key()
			}
			s.mu.tree.AscendLess(pivot, pivotLess(s.mu.arena, pkey), func(t treeItem) bool {
				it := t.itemIn(s.mu.arena)
				if resume {
					resume = false
					if it.h == last.h && it.key() == last.key() {
						return true
					}
				}
				ix.update(tableItem{}, it, nil)
				last, n = it, n+1
				return n < backfillBatch
			})
			s.mu.RUnlock()
			first = false
			if n < backfillBatch {
				break
			}
			// Between batches, let other goroutines have the core: on
			// a machine with few, a request (DescribeTable, a Query of
			// another index) would otherwise wait for this one's time
			// slice to end (yield.go).
			if y != nil {
				y.Yield()
			} else {
				runtime.Gosched()
			}
		}
	}
	return true
}

// installIndexes makes schemas t's indexes: an index whose definition is
// unchanged keeps its contents, a new or changed one starts empty, and one
// no longer named is dropped. It returns the new indexes, to be backfilled
// (or marked ready when the table is known to be empty).
func (t *Table) installIndexes(schemas []IndexSchema) []*index {
	cur := t.indexes.Load()
	set := &indexSet{schemas: schemas, ixs: make([]*index, len(schemas))}
	var fresh []*index
	for i := range schemas {
		if ix := cur.find(schemas[i].Name); ix != nil && sameIndex(&ix.schema, &schemas[i]) {
			set.ixs[i] = ix
			continue
		}
		ix := newIndex(t.schema, schemas[i])
		set.ixs[i] = ix
		fresh = append(fresh, ix)
	}
	var gone []*index
	for _, ix := range cur.ixs {
		if set.find(ix.schema.Name) != ix {
			gone = append(gone, ix)
		}
	}
	if len(gone) == 0 {
		t.indexes.Store(set)
		return fresh
	}
	// An index entry names its item's image by address, which only the
	// writers maintaining the index keep alive (ikeys.go): so the dropped
	// indexes are emptied while no write to the table is in progress, and
	// every write after this maintains the new set only.
	t.lockAll()
	t.indexes.Store(set)
	for _, ix := range gone {
		ix.dropped.Store(true)
		for i := range ix.shards {
			s := &ix.shards[i]
			s.mu.Lock()
			s.mu.tree = newIndexTree()
			ix.keys[i] = keyStore{}
			s.count.Store(0)
			s.bytes.Store(0)
			s.mu.Unlock()
		}
	}
	t.unlockAll()
	return fresh
}

// IndexStats are an index's live figures.
type IndexStats struct {
	ItemCount int64
	SizeBytes int64 // projected item sizes summed
	// Backfilling is true while a new index is being filled from its
	// table (DynamoDB's IndexStatus CREATING); it cannot be read then.
	Backfilling bool
}

// IndexStats returns the figures of the named index.
func (t *Table) IndexStats(name string) (IndexStats, bool) {
	ix := t.indexes.Load().find(name)
	if ix == nil {
		return IndexStats{}, false
	}
	var st IndexStats
	for i := range ix.shards {
		st.ItemCount += ix.shards[i].count.Load()
		st.SizeBytes += ix.shards[i].bytes.Load()
	}
	st.Backfilling = !ix.ready.Load()
	return st, true
}

// WaitIndexes blocks until no index of t is backfilling, or done is
// closed. It is for tests and tools.
func (t *Table) WaitIndexes(done <-chan struct{}) bool {
	for {
		ch := t.store.backfilled()
		busy := false
		for _, ix := range t.indexes.Load().ixs {
			if !ix.ready.Load() {
				busy = true
			}
		}
		if !busy {
			return true
		}
		select {
		case <-done:
			return false
		case <-ch:
		}
	}
}
