package shard

import "github.com/dynacache/dynacache/shard/btree"

// Frozen is one table's items as they were at one instant, for an
// on-demand backup (package backup): every write acknowledged before the
// instant is in it, none begun after it, and a multi-item write is in it
// whole or not at all.
//
// How it is taken without stopping writers: Freeze takes the write lock
// of every shard of the table, in shard order (a subset of multi.go's
// lockOrder, so it cannot deadlock with a transaction), copies each
// shard's tree with btree's Copy, which is O(1) (the copy shares every
// node; the live tree clones a node the first time it writes to one, so
// the copy never changes), and releases them. Writers wait for 64 lock
// handovers and 64 pointer copies: microseconds, whatever the table's
// size. The write lock, not the read lock, because Copy writes the
// source tree's copy-on-write generation, which readers holding the read
// lock of the same shard must not see change under them.
//
// The copy stays valid after the locks are released because it comes
// with a copy of each shard's arena (arena.go): its slab table copied and
// its chunks of cells shared (a few pointers per thousand items), the
// live shard cloning a chunk before it changes a cell of one (cellMut),
// and the slabs shared, since an image in a slab never changes and a slab
// the live shard drops stays alive while the copy points into it.
//
// The items are the table's as applied in memory: a write the log has
// accepted but not yet made durable may be in the copy. The caller makes
// the log durable up to now (wal.Log.Sync) before it declares the backup
// complete; should the log refuse such a write instead, the log has
// failed and the backup must be abandoned.
type Frozen struct {
	name    string
	schema  KeySchema
	indexes []IndexSchema
	meta    []byte
	trees   [numShards]*btree.BTreeG[treeItem]
	arenas  [numShards]*arena
	count   int64
	bytes   int64
}

// Freeze returns the table's items at this instant (see Frozen). It
// returns ErrTableNotFound when the table has been deleted.
func (t *Table) Freeze() (*Frozen, error) {
	f := &Frozen{name: t.name, schema: t.schema}
	for i := range t.shards {
		t.shards[i].mu.Lock()
	}
	dropped := t.dropped
	if !dropped {
		for i := range t.shards {
			s := &t.shards[i]
			// The copy is only scanned, never searched: its comparisons
			// would read the live arena (treeLess).
			f.trees[i] = s.mu.tree.Copy()
			f.arenas[i] = s.mu.arena.frozen()
			// count and bytes change only under the shard's write lock.
			f.count += s.count.Load()
			f.bytes += s.bytes.Load()
		}
		// The description and indexes change under the store's lock
		// (UpdateTable), not the shards': these are the ones current at
		// the instant, which is as good as any since item writes do not
		// depend on them.
		f.meta = t.Meta()
		f.indexes = t.Indexes()
	}
	for i := range t.shards {
		t.shards[i].mu.Unlock()
	}
	if dropped {
		return nil, ErrTableNotFound
	}
	return f, nil
}

// Name returns the table's name.
func (f *Frozen) Name() string { return f.name }

// Schema returns the table's key schema.
func (f *Frozen) Schema() KeySchema { return f.schema }

// Indexes returns the table's secondary indexes; do not modify the slice.
func (f *Frozen) Indexes() []IndexSchema { return f.indexes }

// Meta returns the table's description bytes at the instant.
func (f *Frozen) Meta() []byte { return f.meta }

// ItemCount returns the number of items.
func (f *Frozen) ItemCount() int64 { return f.count }

// SizeBytes returns the sum of the items' DynamoDB sizes.
func (f *Frozen) SizeBytes() int64 { return f.bytes }

// Items calls fn for every item, in the table's order, until fn returns
// an error, which it returns. It takes no lock: any number of goroutines
// may read a Frozen at once, while the table goes on changing.
func (f *Frozen) Items(fn func(k Key, e Entry) error) error {
	var err error
	for i, tr := range f.trees {
		a := f.arenas[i]
		tr.Scan(func(t treeItem) bool {
			it := t.itemIn(a)
			err = fn(Key(bytesOf(it.key())), it.entry())
			return err == nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
