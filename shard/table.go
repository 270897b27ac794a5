package shard

import (
	"sync"
	"sync/atomic"

	"github.com/cespare/xxhash/v2"
	"github.com/dynacache/dynacache/shard/attr"
)

// numShards is the number of lock stripes per table (a power of two).
const numShards = 64

// Table is one table's items, spread over lock-striped shards by the xxhash
// of the partition key.
type Table struct {
	name   string
	schema KeySchema
	store  *Store

	// meta is the table's description, opaque to the store: the protocol
	// layer owns its format. Replaced whole, never modified in place.
	meta atomic.Pointer[[]byte]
	// indexes is the table's secondary indexes; replaced whole.
	indexes atomic.Pointer[[]IndexSchema]

	shards [numShards]shard

	// dropped is set, with every shard lock held, when the table is
	// deleted; Mutate checks it under its shard lock, so no write to a
	// dropped table is logged after the drop record.
	dropped bool
}

type shard struct {
	mu struct {
		sync.RWMutex
		items map[string]Entry // by string(Key)
	}
	count atomic.Int64 // items
	bytes atomic.Int64 // DynamoDB item sizes summed
}

// Entry is a stored item: its encoding and its DynamoDB size. The encoding
// is immutable once stored, so an Entry may be used after the lock that
// produced it is released.
type Entry struct {
	enc  []byte
	size int
}

// Exists reports whether the entry holds an item.
func (e Entry) Exists() bool { return e.enc != nil }

// Encoded returns the item's encoding (see attr/codec.go); do not modify it.
func (e Entry) Encoded() []byte { return e.enc }

// Size returns the item's DynamoDB size (0 when there is no item).
func (e Entry) Size() int { return e.size }

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
func (t *Table) Indexes() []IndexSchema {
	if p := t.indexes.Load(); p != nil {
		return *p
	}
	return nil
}

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

func (t *Table) shardFor(k Key) *shard {
	h := xxhash.Sum64(k.Partition())
	return &t.shards[h&(numShards-1)]
}

// Get returns the item stored under k.
func (t *Table) Get(k Key) (Entry, bool) {
	s := t.shardFor(k)
	s.mu.RLock()
	e, ok := s.mu.items[string(k)]
	s.mu.RUnlock()
	return e, ok
}

// Write is what a mutation decides to do with an item.
type Write struct {
	// Skip leaves the item as it is.
	Skip bool
	// Delete removes the item.
	Delete bool
	// Item is the new image when neither Skip nor Delete.
	Item attr.Item
}

// Mutate is the one apply path of every item write. Under the shard's lock
// it calls decide with the current entry, encodes the image decide returns,
// hands it to the log and applies it to memory; it then waits, outside the
// lock, until the log has made the write durable under its policy.
//
// Invariants: log order equals apply order for one key (both happen under
// the shard lock); a write is acknowledged (Mutate returns) only after the
// record holding it is durable under the configured policy; an error from
// decide leaves the item untouched.
//
// It returns the old and the new entry.
func (t *Table) Mutate(k Key, decide func(old Entry) (Write, error)) (old, cur Entry, err error) {
	s := t.shardFor(k)
	s.mu.Lock()
	if t.dropped {
		s.mu.Unlock()
		return Entry{}, Entry{}, ErrTableNotFound
	}
	old = s.mu.items[string(k)]
	w, err := decide(old)
	if err != nil || w.Skip {
		s.mu.Unlock()
		return old, old, err
	}
	if !w.Delete {
		cur = Entry{enc: attr.EncodeItem(w.Item), size: attr.ItemSize(w.Item)}
	}
	wait, err := t.store.logItem(t, k, cur)
	if err != nil {
		s.mu.Unlock()
		return old, old, err
	}
	s.applyLocked(k, old, cur)
	s.mu.Unlock()
	if wait != nil {
		if err := wait(); err != nil {
			return old, cur, err
		}
	}
	return old, cur, nil
}

// applyLocked installs cur (or removes the item when cur is empty).
// REQUIRES: s.mu held for writing.
func (s *shard) applyLocked(k Key, old, cur Entry) {
	if s.mu.items == nil {
		s.mu.items = make(map[string]Entry)
	}
	if cur.Exists() {
		s.mu.items[string(k)] = cur
	} else {
		delete(s.mu.items, string(k))
	}
	dc, db := int64(0), int64(cur.size-old.size)
	if old.Exists() {
		dc--
	}
	if cur.Exists() {
		dc++
	}
	if dc != 0 {
		s.count.Add(dc)
	}
	if db != 0 {
		s.bytes.Add(db)
	}
}

// RecoverItem installs an item image (enc nil: removes the item) without
// logging. It is for replaying the log and loading snapshots; enc must not
// be modified afterwards.
func (t *Table) RecoverItem(k Key, enc []byte, size int) {
	s := t.shardFor(k)
	s.mu.Lock()
	old := s.mu.items[string(k)]
	s.applyLocked(k, old, Entry{enc: enc, size: size})
	s.mu.Unlock()
}

// Dump calls fn for every item, one shard at a time. Each shard's entries
// are copied under its read lock and fn runs outside it, so writers are
// held up only for the copy. Items written during the dump may or may not
// be seen: the dump is fuzzy, which the snapshot protocol allows for.
func (t *Table) Dump(fn func(k Key, e Entry) error) error {
	type pair struct {
		k string
		e Entry
	}
	var buf []pair
	for i := range t.shards {
		s := &t.shards[i]
		buf = buf[:0]
		s.mu.RLock()
		for k, e := range s.mu.items {
			buf = append(buf, pair{k, e})
		}
		s.mu.RUnlock()
		for _, p := range buf {
			if err := fn(Key(p.k), p.e); err != nil {
				return err
			}
		}
	}
	return nil
}
