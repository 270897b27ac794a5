package shard

import "github.com/dynacache/dynacache/shard/attr"

// MutateAll is MutateMany for a caller whose decisions depend on one
// another (RESP's EXEC: a queued command reads what an earlier one wrote):
// under the locks of every item's shard, taken in lockOrder, it calls
// decide ONCE with the current entry of every ref, and applies the writes
// it returns (one per ref, in ref order) as MutateMany does: one log
// record, so a crash recovers all of them or none, applied with their
// index entries, reverted whole if the log refuses the record. When decide
// returns an error nothing is written. The same item must not appear
// twice, and decide must not read or write the store (it runs under the
// shard locks). The locks are MutateMany's, taken by shardSet (multi.go
// stays the one place that knows the lock order).
//
// Like MutateDeferred, it returns once the writes are logged and applied:
// wait, when not nil, blocks until the log has made them durable, and the
// caller must not acknowledge them before it has returned nil.
//
// It returns the old and new entry of every ref.
func (s *Store) MutateAll(refs []Ref, decide func(olds []Entry) ([]Write, error)) (olds, curs []Entry, wait func() error, err error) {
	set := shardSet(len(refs), func(i int) (*Table, Key) { return refs[i].Table, refs[i].Key })
	for _, r := range set {
		r.t.shards[r.i].mu.Lock()
	}
	unlock := func() {
		for _, r := range set {
			r.t.shards[r.i].mu.Unlock()
		}
	}
	for _, r := range set {
		if r.t.dropped {
			unlock()
			return nil, nil, nil, ErrTableNotFound
		}
	}
	olds = make([]Entry, len(refs))
	oldIts := make([]tableItem, len(refs))
	for i, r := range refs {
		h, sh := r.Table.locate(r.Key)
		oldIts[i], _ = getLocked(sh, pivotOf(h, r.Key))
		olds[i] = oldIts[i].entry()
	}
	writes, err := decide(olds)
	if err != nil {
		unlock()
		return olds, olds, nil, err
	}
	curs = make([]Entry, len(refs))
	curIts := make([]tableItem, len(refs))
	var batch []BatchItem
	for i, r := range refs {
		curs[i] = olds[i]
		if i >= len(writes) || writes[i].Skip {
			continue
		}
		h, _ := r.Table.locate(r.Key)
		if !writes[i].Delete {
			// Not in the arena: several may be applied to one shard.
			curIts[i] = newTableItem(nil, r.Table.keyName, h, sortPrefix(str(r.Key)), r.Key, writes[i].Item)
		}
		curs[i] = curIts[i].entry()
		batch = append(batch, BatchItem{Table: r.Table.name, Key: r.Key, Enc: curs[i].enc, Size: curs[i].Size(),
			Undo: Undo{t: r.Table, old: oldIts[i], cur: curIts[i], service: writes[i].Service}})
	}
	if len(batch) > 0 && s.log != nil {
		if wait, err = s.log.LogBatch(batch); err != nil {
			unlock()
			return olds, olds, nil, err
		}
	}
	for i, r := range refs {
		if i >= len(writes) || writes[i].Skip {
			continue
		}
		h, sh := r.Table.locate(r.Key)
		r.Table.applyLocked(sh, pivotOf(h, r.Key), oldIts[i], curIts[i], writes[i].Item)
		s.deliverLocked(r.Table, r.Key, oldIts[i], curIts[i], writes[i].Service)
	}
	unlock()
	return olds, curs, wait, nil
}

// DetachedEntry returns an entry holding item that is stored nowhere: the
// image a write would give, for a caller that decides several writes in a
// row on one item before applying the last (RESP's EXEC).
func DetachedEntry(item attr.Item) Entry {
	return Entry{enc: attr.EncodeItem(item), size: attr.ItemSize(item)}
}
