package shard

// ScanHash is the walk behind a stateless cursor (RESP SCAN): the items of
// a table in the order of their partition hash, from hash from on. It
// visits at least limit items when there are that many (more only to
// finish the items of the last hash, so that one hash is never split
// between two calls), and returns the hash to resume from and whether the
// walk has reached the end.
//
// The order is the shards' own (a shard is a contiguous range of hashes,
// kept in hash order), so a call costs O(limit + log N) whatever the table
// size and holds one shard's read lock for at most its own items. Since an
// item's hash never changes (xxhash of its partition key, across restarts
// too), every item present for a whole walk is visited, however many items
// come and go meanwhile: Redis's SCAN guarantee. An item may be visited
// twice only if it is deleted and added again.
// scanHashRoom bounds the room ScanHash makes for its items up front.
const scanHashRoom = 4096

func (t *Table) ScanHash(from uint64, limit int, fn func(k Key, e Entry)) (next uint64, done bool) {
	if limit < 1 {
		limit = 1
	}
	// Room for limit items and a few of the same hash after them, up to
	// a bound (a huge COUNT grows the buffer as it fills instead).
	buf := make([]tableItem, 0, min(limit, scanHashRoom)+4)
	full := false
	for si := shardOf(from); si < numShards && !full; si++ {
		s := &t.shards[si]
		pivot := treeItem{h: from}
		s.mu.RLock()
		a := s.mu.arena
		s.mu.tree.Ascend(pivot, func(it treeItem) bool {
			if len(buf) >= limit && it.h != buf[len(buf)-1].h {
				full = true
				return false
			}
			buf = append(buf, it.itemIn(a))
			return true
		})
		s.mu.RUnlock()
	}
	for _, it := range buf {
		fn(Key(bytesOf(it.key())), it.entry())
	}
	if !full || len(buf) == 0 {
		return 0, true
	}
	last := buf[len(buf)-1].h
	if last == ^uint64(0) {
		return 0, true
	}
	return last + 1, false
}
