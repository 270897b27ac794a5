package shard

import (
	"runtime"

	"github.com/dynacache/dynacache/shard/btree"
)

// Truncation: a table emptied at once (RESP FLUSHDB).
//
// Deleting N items one by one costs N log records and N tree deletes
// under the shard locks (13-18 s at 3M items, issue 19). TruncateTable
// instead swaps every shard of the table and of its indexes for an empty
// one, under all the table's shard locks: O(shards) whatever N, and no
// reader ever sees half of the table gone. The old contents come back as
// a Truncated, which holds the only references to them: once it is
// released (Free), the garbage collector reclaims them.
//
// In the log a truncation is the table's drop followed by its definition
// (existing record types, replayed as an empty table with the same
// indexes and description). Both are appended under the shard locks, so
// no write to the table can be logged between them, and a write logged
// after them is replayed into the empty table. A crash that keeps the
// drop but loses the definition (a torn tail between the two) restarts
// without the table: its keys are gone as the truncation meant, but so is
// its definition.

// Truncated is the contents a truncation removed from its table.
type Truncated struct {
	t       *Table
	trees   [numShards]*btree.BTreeG[treeItem]
	points  [numShards]pointIndex
	arenas  [numShards]*arena
	counts  [numShards]int64
	bytes   [numShards]int64
	ixs     []*index
	ixTrees [][numShards]*btree.BTreeG[indexEntry]
	ixKeys  [][numShards]keyStore
	ixCount [][numShards]int64
	ixBytes [][numShards]int64
	items   int64
}

// Items returns how many items the truncation removed.
func (d *Truncated) Items() int64 { return d.items }

// Free drops the removed contents and waits until the garbage collector
// has reclaimed their memory (one collection, which runs concurrently
// with other goroutines). Call it once, from a goroutine of its own when
// the caller must not wait.
func (d *Truncated) Free() {
	*d = Truncated{items: d.items}
	runtime.GC()
}

// TruncateTable removes every item of t at once (see above). locked, when
// not nil, runs while every shard of t is held, after the swap: a caller
// clears there what it keeps about the items (a key's expiry), with no
// write to t in between. It returns ErrTableNotFound when t is no longer
// the store's table of that name.
func (s *Store) TruncateTable(t *Table, locked func()) (*Truncated, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur, ok := s.mu.tables[t.name]; !ok || cur != t {
		return nil, ErrTableNotFound
	}
	t.lockAll()
	var waits []func() error
	if s.log != nil {
		w, err := s.log.LogTable(t.name, t.schema, nil, nil, true)
		if err == nil {
			waits = append(waits, w)
			w, err = s.log.LogTable(t.name, t.schema, t.indexes.Load().schemas, t.Meta(), false)
			waits = append(waits, w)
		}
		if err != nil {
			t.unlockAll()
			return nil, err
		}
	}
	d := &Truncated{t: t}
	t.swapLocked(d)
	if locked != nil {
		locked()
	}
	t.unlockAll()
	for _, w := range waits {
		if w == nil {
			continue
		}
		if err := w(); err != nil {
			// Refused: every write logged after the truncation was
			// refused and reverted too, so the empty shards are empty
			// again and the old contents go back.
			t.lockAll()
			t.swapLocked(d)
			t.unlockAll()
			return nil, err
		}
	}
	return d, nil
}

func (t *Table) lockAll() {
	for i := range t.shards {
		t.shards[i].mu.Lock()
	}
}

func (t *Table) unlockAll() {
	for i := range t.shards {
		t.shards[i].mu.Unlock()
	}
}

// swapLocked exchanges the contents of t (its shards and its indexes')
// with those d holds: empty ones the first time (d zero).
// REQUIRES: every shard lock of t held for writing.
func (t *Table) swapLocked(d *Truncated) {
	if d.ixs == nil {
		d.ixs = t.indexes.Load().ixs
		if d.ixs == nil {
			d.ixs = []*index{}
		}
		d.ixTrees = make([][numShards]*btree.BTreeG[indexEntry], len(d.ixs))
		d.ixKeys = make([][numShards]keyStore, len(d.ixs))
		d.ixCount = make([][numShards]int64, len(d.ixs))
		d.ixBytes = make([][numShards]int64, len(d.ixs))
	}
	var items int64
	for i := range t.shards {
		s := &t.shards[i]
		if d.trees[i] == nil {
			d.arenas[i] = newArena()
			d.trees[i] = newTableTree(d.arenas[i])
			d.points[i] = pointIndex{a: d.arenas[i]}
		}
		s.mu.tree, d.trees[i] = d.trees[i], s.mu.tree
		s.mu.points, d.points[i] = d.points[i], s.mu.points
		s.mu.arena, d.arenas[i] = d.arenas[i], s.mu.arena
		c := s.count.Swap(d.counts[i])
		d.counts[i] = c
		items += c
		d.bytes[i] = s.bytes.Swap(d.bytes[i])
	}
	d.items = items
	for j, ix := range d.ixs {
		for i := range ix.shards {
			s := &ix.shards[i]
			s.mu.Lock()
			if d.ixTrees[j][i] == nil {
				d.ixTrees[j][i] = newIndexTree()
			}
			s.mu.tree, d.ixTrees[j][i] = d.ixTrees[j][i], s.mu.tree
			d.ixCount[j][i] = s.count.Swap(d.ixCount[j][i])
			d.ixBytes[j][i] = s.bytes.Swap(d.ixBytes[j][i])
			// The entries name their keys in the store and their
			// images in the arenas swapped above: all go together.
			ix.keys[i], d.ixKeys[j][i] = d.ixKeys[j][i], ix.keys[i]
			s.mu.Unlock()
		}
	}
}
