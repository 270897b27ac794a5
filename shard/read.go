package shard

import (
	"bytes"
	"math/bits"
	"runtime"
	"strings"
	"sync"
)

// Reading in key order: Query (one partition, by sort key) and Scan (the
// whole table or a segment of it), on a table or one of its indexes.
//
// A read walks its shard tree under the shard's read lock, copies a batch
// of at most readBatch entries and releases the lock before handing them to
// the caller; the next batch starts with a seek just past the last entry
// seen. Writers are therefore held up for one batch at most, and an item
// present throughout a paginated read (by ExclusiveStartKey, or across
// batches) is returned exactly once, whatever is written meanwhile.

// readBatch is how many entries a read copies per shard lock.
const readBatch = 128

// Bound is one end of a sort-key range: an encoded sort key value
// (AppendKeyValue) and whether the range includes it.
type Bound struct {
	Value     []byte
	Inclusive bool
}

// Range selects the items (or index entries) of one partition by sort key.
type Range struct {
	Partition []byte // the partition key value, encoded by AppendKeyValue
	Lo, Hi    *Bound // nil: unbounded
	Prefix    []byte // non-nil: only sort keys whose encoding starts with it (begins_with on S or B)
	Reverse   bool   // descending sort key order
}

// Segment is one share of a parallel Scan: segment Index of Total covers
// the items whose partition hash h lies in [Index*2^64/Total,
// (Index+1)*2^64/Total): the segments of one Total are contiguous, disjoint
// and cover everything. The zero Segment is the whole table.
type Segment struct {
	Index, Total int
}

// bounds returns the segment's hash range [lo, hi); end is true when hi is
// 2^64 (the last segment).
func (seg Segment) bounds() (lo, hi uint64, end bool) {
	if seg.Total <= 1 {
		return 0, 0, true
	}
	lo, _ = bits.Div64(uint64(seg.Index), 0, uint64(seg.Total))
	if seg.Index+1 >= seg.Total {
		return lo, 0, true
	}
	hi, _ = bits.Div64(uint64(seg.Index+1), 0, uint64(seg.Total))
	return lo, hi, false
}

func (seg Segment) contains(h uint64) bool {
	lo, hi, end := seg.bounds()
	return h >= lo && (end || h < hi)
}

// Start is an exclusive start position (DynamoDB's ExclusiveStartKey): the
// primary key of the last item read and, for an index, its index key.
type Start struct {
	Key      Key
	IndexKey Key
}

// Hit is one item read.
type Hit struct {
	Key   Key   // the item's primary key; read-only
	Entry Entry // the item; from an index, Size is the projected item's size
}

// node is an entry of a shard tree.
type node interface {
	treeItem | indexEntry
}

// verdict is what a walk does with an entry.
type verdict uint8

const (
	take verdict = iota
	skip
	stop
)

// space is one ordered space: a table's shards or an index's. Each
// function takes the arena of the shard the entry is in (nil for an
// index), read under the shard's lock.
//
// A table's pivots carry their key beside them (pkey; see treeItem); an
// index's name bytes that pkey holds (indexPivot).
type space[T node] struct {
	shards *[numShards]treeShard[T]
	// less returns the order of a shard's tree (its arena a) for a search
	// from a pivot with key pkey.
	less func(a *arena, pkey string) func(x, y T) bool
	// key returns the key a Range applies to (Key or IndexKey) and the hash.
	key func(a *arena, n T) (uint64, string)
	// hit returns n's key and hash (as key does) and n as a Hit, reading
	// a table element's cell once for both.
	hit func(a *arena, n T) (uint64, string, Hit)
	// pivot returns a search key (and its pkey) for n that stays valid
	// once the lock is released.
	pivot func(a *arena, n T) (T, string)
}

// bufHits holds a walk's batch of hits, taken under the shard's lock.
var bufHits = sync.Pool{New: func() any { b := make([]Hit, 0, readBatch); return &b }}

// walkShard visits shard i from pivot (excluded when exclusive), ascending
// or descending, classifying entries with check and handing those taken to
// fn outside the lock. It returns false when the walk is over (check said
// stop, or fn returned false), true when the shard is exhausted. The hits
// are taken under the lock (a table element's cell changes under it, and
// its number may be reused once the lock is released; see arena.go), and
// so is the pivot the next batch starts from (space.pivot).
func (sp *space[T]) walkShard(i int, pivot T, pkey string, exclusive, reverse bool, check func(h uint64, k string) verdict, fn func(Hit) bool) bool {
	s := &sp.shards[i]
	buf := bufHits.Get().(*[]Hit)
	defer func() {
		clear(*buf)
		*buf = (*buf)[:0]
		bufHits.Put(buf)
	}()
	for {
		*buf = (*buf)[:0]
		var last T
		var a *arena
		var less func(x, y T) bool
		first, stopped, full := true, false, false
		iter := func(n T) bool {
			if first {
				first = false
				if exclusive && !less(pivot, n) && !less(n, pivot) {
					return true
				}
			}
			last = n
			h, k, hit := sp.hit(a, n)
			switch check(h, k) {
			case skip:
				return true
			case stop:
				stopped = true
				return false
			}
			*buf = append(*buf, hit)
			if len(*buf) >= readBatch {
				full = true
				return false
			}
			return true
		}
		s.mu.RLock()
		a = s.mu.arena
		// The tree is called here, not through a function of sp, so
		// that iter and what it captures stay on the stack.
		less = sp.less(a, pkey)
		if reverse {
			s.mu.tree.DescendLess(pivot, less, iter)
		} else {
			s.mu.tree.AscendLess(pivot, less, iter)
		}
		// An index pivot names the bytes pkey holds (indexPivot).
		runtime.KeepAlive(pkey)
		var lastKey string
		if full {
			last, lastKey = sp.pivot(a, last)
		}
		s.mu.RUnlock()
		for _, h := range *buf {
			if !fn(h) {
				return false
			}
		}
		if stopped {
			return false
		}
		if !full {
			return true
		}
		pivot, pkey, exclusive = last, lastKey, true
	}
}

func tableSpace(t *Table) *space[treeItem] {
	return &space[treeItem]{
		shards: &t.shards,
		less:   pivotLess,
		key:    func(a *arena, it treeItem) (uint64, string) { return it.h, it.keyIn(a) },
		hit: func(a *arena, t treeItem) (uint64, string, Hit) {
			it := t.itemIn(a)
			k := it.key()
			return it.h, k, Hit{Key: Key(bytesOf(k)), Entry: it.entry()}
		},
		// The key's bytes in a slab, which the collector keeps while the
		// pivot lives (the cell's number may be reused).
		pivot: func(a *arena, t treeItem) (treeItem, string) { return treeItem{h: t.h, s8: t.s8}, t.keyIn(a) },
	}
}

func indexSpace(ix *index) *space[indexEntry] {
	return &space[indexEntry]{
		shards: &ix.shards,
		less:   func(*arena, string) func(x, y indexEntry) bool { return lessIndexEntry },
		key:    func(_ *arena, e indexEntry) (uint64, string) { return e.h, e.ikey() },
		hit: func(_ *arena, e indexEntry) (uint64, string, Hit) {
			return e.h, e.ikey(), Hit{Key: Key(bytesOf(e.baseKey())), Entry: e.entry()}
		},
		// The entry's keys copied: once the lock is released, its record
		// and its item may go.
		pivot: func(_ *arena, e indexEntry) (indexEntry, string) {
			return indexPivot(e.h, e.s8, e.bh, e.bs8, e.ikey(), e.baseKey())
		},
	}
}

// readIndex returns the named index, ready to be read.
func (t *Table) readIndex(name string) (*index, error) {
	ix := t.indexes.Load().find(name)
	if ix == nil {
		return nil, ErrIndexNotFound
	}
	if !ix.ready.Load() {
		return nil, ErrIndexBackfilling
	}
	return ix, nil
}

// Query calls fn with the items of one partition of the table (index "")
// or of the named index, in sort key order (Range.Reverse: descending),
// after start when given, until fn returns false. Index entries with equal
// index keys come in table key order. The cost is one seek per batch of
// readBatch items and a step per item.
func (t *Table) Query(index string, r *Range, start *Start, fn func(Hit) bool) error {
	if index == "" {
		sp := tableSpace(t)
		var piv treeItem
		var pkey string
		var excl bool
		if start != nil {
			piv, pkey, excl = pivotOf(hashPartition(start.Key.Partition()), start.Key).treePivot(), str(start.Key), true
		}
		query(sp, r, piv, pkey, excl, func(h, s8 uint64, k string) (treeItem, string) {
			return treeItem{h: h, s8: s8}, k
		}, fn)
		return nil
	}
	ix, err := t.readIndex(index)
	if err != nil {
		return err
	}
	var piv indexEntry
	var pkey string
	var excl bool
	if start != nil {
		piv, pkey = startEntry(start)
		excl = true
	}
	query(indexSpace(ix), r, piv, pkey, excl, func(h, s8 uint64, k string) (indexEntry, string) {
		return indexPivot(h, s8, 0, 0, k, "")
	}, fn)
	return nil
}

// startEntry returns the index pivot of start (see indexPivot).
func startEntry(start *Start) (indexEntry, string) {
	return indexPivot(hashPartition(start.IndexKey.Partition()), sortPrefix(str(start.IndexKey)),
		hashPartition(start.Key.Partition()), sortPrefix(str(start.Key)), str(start.IndexKey), str(start.Key))
}

// query walks one partition. mk builds a search key (h, s8, key) that
// sorts before every entry with that key, and its pkey.
func query[T node](sp *space[T], r *Range, piv T, pkey string, exclusive bool, mk func(h, s8 uint64, k string) (T, string), fn func(Hit) bool) {
	p := keyPrefix(r.Partition)
	h := hashPartition(r.Partition)
	var lo, hi []byte
	loIncl, hiIncl := true, true
	if r.Lo != nil {
		lo, loIncl = r.Lo.Value, r.Lo.Inclusive
	}
	if r.Hi != nil {
		hi, hiIncl = r.Hi.Value, r.Hi.Inclusive
	}
	below := func(s []byte) bool { // s sorts before the range's low end
		if r.Lo != nil {
			c := bytes.Compare(s, lo)
			if c < 0 || (c == 0 && !loIncl) {
				return true
			}
		}
		return r.Prefix != nil && !bytes.HasPrefix(s, r.Prefix) && bytes.Compare(s, r.Prefix) < 0
	}
	above := func(s []byte) bool { // s sorts after the range's high end
		if r.Hi != nil {
			c := bytes.Compare(s, hi)
			if c > 0 || (c == 0 && !hiIncl) {
				return true
			}
		}
		return r.Prefix != nil && !bytes.HasPrefix(s, r.Prefix) && bytes.Compare(s, r.Prefix) > 0
	}
	ps := str(p)
	check := func(nh uint64, k string) verdict {
		if nh != h {
			return stop
		}
		if !strings.HasPrefix(k, ps) {
			// Another partition with the same hash (a collision): its
			// items may interleave with ours (lessTableItem).
			return skip
		}
		s := bytesOf(k)[len(p):]
		switch {
		case below(s):
			if r.Reverse {
				return stop
			}
			return skip
		case above(s):
			if r.Reverse {
				return skip
			}
			return stop
		}
		return take
	}
	if !exclusive {
		var k []byte
		s8 := uint64(0)
		switch {
		case !r.Reverse && r.Lo != nil:
			k = append(p[:len(p):len(p)], lo...)
		case !r.Reverse && r.Prefix != nil:
			k = append(p[:len(p):len(p)], r.Prefix...)
		case !r.Reverse:
			k = p
		case r.Hi != nil:
			k = append(append(p[:len(p):len(p)], hi...), 0)
		case r.Prefix != nil:
			if succ, ok := successor(r.Prefix); ok {
				k = append(p[:len(p):len(p)], succ...)
				break
			}
			fallthrough
		default:
			// After the end of the partition: every key of the partition
			// is below successor(p), which exists since p's uvarint length
			// prefix ends with a byte below 0x80.
			k, _ = successor(p)
			s8 = ^uint64(0)
		}
		if s8 == 0 {
			s8 = sortPrefix(str(k))
		}
		piv, pkey = mk(h, s8, str(k))
	}
	sp.walkShard(shardOf(h), piv, pkey, exclusive, r.Reverse, check, fn)
}

// Scan calls fn with the items of the table (index "") or of the named
// index whose hash lies in seg, in key order, after start when given,
// until fn returns false.
func (t *Table) Scan(index string, seg Segment, start *Start, fn func(Hit) bool) error {
	if index == "" {
		var piv treeItem
		var pkey string
		if start != nil {
			piv, pkey = pivotOf(hashPartition(start.Key.Partition()), start.Key).treePivot(), str(start.Key)
		}
		scan(tableSpace(t), seg, start != nil, piv, pkey, func(h uint64) treeItem { return treeItem{h: h} }, fn)
		return nil
	}
	ix, err := t.readIndex(index)
	if err != nil {
		return err
	}
	var piv indexEntry
	var pkey string
	if start != nil {
		piv, pkey = startEntry(start)
	}
	scan(indexSpace(ix), seg, start != nil, piv, pkey, func(h uint64) indexEntry { return indexEntry{h: h} }, fn)
	return nil
}

func scan[T node](sp *space[T], seg Segment, resume bool, piv T, pkey string, mk func(uint64) T, fn func(Hit) bool) {
	lo, hi, end := seg.bounds()
	check := func(h uint64, _ string) verdict {
		if !end && h >= hi {
			return stop
		}
		return take
	}
	first := shardOf(lo)
	if resume {
		h, _ := sp.key(nil, piv) // a pivot: its own key
		if h < lo {
			piv, pkey, resume = mk(lo), "", false
		} else {
			first = shardOf(h)
		}
	} else {
		piv, pkey = mk(lo), ""
	}
	last := numShards - 1
	if !end {
		last = shardOf(hi - 1)
	}
	for i := first; i <= last; i++ {
		if i > first {
			piv, pkey, resume = mk(uint64(i)<<(64-shardBits)), "", false
		}
		if !sp.walkShard(i, piv, pkey, resume, false, check, fn) {
			return
		}
	}
}

// InSegment reports whether the start position lies in seg (the hash of
// its partition, or its index partition for an index read).
func (start *Start) InSegment(index bool, seg Segment) bool {
	k := start.Key
	if index {
		k = start.IndexKey
	}
	return seg.contains(hashPartition(k.Partition()))
}
