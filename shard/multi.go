package shard

import (
	"errors"
	"slices"
	"sync/atomic"
)

// Many items at once: a set of conditional writes over items of one or more
// tables, decided and applied all or nothing (DynamoDB transactions, RESP
// MSET and MULTI/EXEC), and a set of reads that sees one serializable state
// of all of them (TransactGetItems).
//
// The lock order. Every lock of a table shard taken by this package is
// taken either alone (Mutate, Get, the read walks: one shard at a time) or
// as one of a set taken in lockOrder: by the table's id (its creation
// order), then by shard index. Index shard locks are taken only while a
// table shard lock is held and never wait for one, so they cannot close a
// cycle. Hence no deadlock: this file is the one place that knows the
// order.

// tableIDs numbers tables in creation order, for the lock order.
var tableIDs atomic.Uint64

// ErrCanceled is returned by MutateMany when a decision failed: nothing
// was written, and Decisions tells which.
var ErrCanceled = errors.New("shard: multi-item write canceled")

// Op is one item of a multi-item write: the table, the item's key and its
// decision, called under the locks of every item of the write with the
// item's current entry.
type Op struct {
	Table  *Table
	Key    Key
	Decide func(old Entry) (Write, error)
}

// Ref names one item of a multi-item read.
type Ref struct {
	Table *Table
	Key   Key
}

// lockRef is one table shard to lock.
type lockRef struct {
	t *Table
	i int
}

func lockOrder(a, b lockRef) int {
	if a.t.id != b.t.id {
		if a.t.id < b.t.id {
			return -1
		}
		return 1
	}
	return a.i - b.i
}

// shardSet returns the distinct table shards of the items, in lock order.
func shardSet(n int, at func(int) (*Table, Key)) []lockRef {
	set := make([]lockRef, 0, n)
	for i := range n {
		t, k := at(i)
		set = append(set, lockRef{t, shardOf(hashPartition(k.Partition()))})
	}
	slices.SortFunc(set, lockOrder)
	return slices.CompactFunc(set, func(a, b lockRef) bool { return lockOrder(a, b) == 0 })
}

// MutateMany decides and applies writes to several items atomically. Under
// the locks of every item's shard, taken in lockOrder, it calls each op's
// Decide with the item's current entry, in op order. When any Decide
// returns an error, nothing is written and it returns ErrCanceled with
// every op's error (nil for those that passed) in errs. Otherwise the new
// images are logged as ONE record (so a crash recovers all of them or
// none), applied with their index entries, and, once the locks are
// released, waited for under the log's policy. The same item must not
// appear twice. Single-item writes and reads, and GetMany, see all of the
// write or none of it.
//
// It returns the old and new entry of every op.
func (s *Store) MutateMany(ops []Op) (olds, curs []Entry, errs []error, err error) {
	refs := make([]Ref, len(ops))
	for i, op := range ops {
		refs[i] = Ref{op.Table, op.Key}
	}
	olds, curs, wait, err := s.MutateAll(refs, func(olds []Entry) ([]Write, error) {
		writes := make([]Write, len(ops))
		for i, op := range ops {
			w, derr := op.Decide(olds[i])
			if derr != nil {
				if errs == nil {
					errs = make([]error, len(ops))
				}
				errs[i] = derr
				continue
			}
			writes[i] = w
		}
		if errs != nil {
			return nil, ErrCanceled
		}
		return writes, nil
	})
	if err != nil {
		return olds, olds, errs, err
	}
	if wait != nil {
		if err := wait(); err != nil {
			return olds, olds, nil, err
		}
	}
	return olds, curs, nil, nil
}

// GetMany reads several items as one serializable state: under the read
// locks of every item's shard, taken in lockOrder, so no write of
// MutateMany is seen in part.
func (s *Store) GetMany(refs []Ref) []Entry {
	set := shardSet(len(refs), func(i int) (*Table, Key) { return refs[i].Table, refs[i].Key })
	for _, r := range set {
		r.t.shards[r.i].mu.RLock()
	}
	out := make([]Entry, len(refs))
	for i, r := range refs {
		h, sh := r.Table.locate(r.Key)
		it, _ := getLocked(sh, pivotOf(h, r.Key))
		out[i] = it.entry()
	}
	for _, r := range set {
		r.t.shards[r.i].mu.RUnlock()
	}
	return out
}
