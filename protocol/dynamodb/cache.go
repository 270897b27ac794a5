package dynamodb

import (
	"sync/atomic"
	"unsafe"

	"github.com/cespare/xxhash/v2"
	"github.com/dgraph-io/ristretto/v2"

	"github.com/dynacache/dynacache/shard"
)

// The read cache: the JSON of hot items (what appendItem writes for a
// whole, unprojected item), in a ristretto cache bounded in bytes.
//
// Safety (never a value older than a completed write). A cached entry is
// keyed by hash(table, key) but is valid only for one stored version: it
// holds the very encoding (shard.Entry.Encoded) its JSON was made from,
// and a read uses it only when that encoding is the one the store returns
// now, compared by address and length:
//
//   - the store's Get reads the current Entry under the shard lock, and a
//     write replaces an item's encoding by a new allocation under that lock
//     (encodings are immutable once stored, shard.Entry). So a read that
//     starts after a write completed gets that write's encoding or a later
//     one, whatever the cache holds;
//   - the cached entry references its encoding, so the garbage collector
//     cannot free it and its address cannot be reused by a later write's
//     encoding while the entry lives: the same address means the same
//     allocation, hence the same bytes, hence the same JSON.
//
// This rests on one property of shard, stated on shard.Entry: a stored
// encoding is never modified and its memory is never reused while
// referenced (it is garbage-collected memory, not an arena with a free
// list). A store that recycled encodings would need a version number here.
//
// So a hit is only possible for the current version, and there is nothing
// to invalidate: a stale entry (an older version, or a Set that ristretto
// applies late, after a newer one) is a miss and is replaced on the next
// read. Deletes need nothing either: Get finds no item and the cache is
// not asked.
//
// Cost: an entry is charged its JSON, the encoding it pins (which an
// overwritten item would otherwise free) and a fixed overhead, so the
// bound holds for the memory the cache keeps alive.
type readCache struct {
	c *ristretto.Cache[uint64, *cachedItem]
	// hits and misses count reads of whole items (metrics).
	hits, misses atomic.Uint64
}

// cachedItem is one item's JSON and the stored encoding it was made from.
type cachedItem struct {
	enc  []byte
	json []byte
}

// cacheEntryOverhead approximates ristretto's per-entry bookkeeping plus
// the cachedItem itself, in bytes.
const cacheEntryOverhead = 160

// newReadCache returns a cache of at most maxBytes, or nil when maxBytes
// is not positive.
func newReadCache(maxBytes int64) (*readCache, error) {
	if maxBytes <= 0 {
		return nil, nil
	}
	// ristretto wants about ten counters per item the cache can hold; hot
	// items of a few hundred bytes are the case it is for.
	counters := max(maxBytes/64, 1024)
	c, err := ristretto.NewCache(&ristretto.Config[uint64, *cachedItem]{
		NumCounters:        counters,
		MaxCost:            maxBytes,
		BufferItems:        64,
		IgnoreInternalCost: true,
	})
	if err != nil {
		return nil, err
	}
	return &readCache{c: c}, nil
}

// CacheStats returns the read cache's hits and misses and its cost in
// bytes (zeros when it is off).
func (h *Handler) CacheStats() (hits, misses uint64, bytes int64) {
	rc := h.cache
	if rc == nil {
		return 0, 0, 0
	}
	return rc.hits.Load(), rc.misses.Load(), int64(rc.c.MaxCost()) - int64(rc.c.RemainingCost())
}

// WaitCache waits until the read cache has applied the entries set so far
// (ristretto applies them asynchronously): a test's next read of such an
// item is then a hit.
func (h *Handler) WaitCache() {
	if h.cache != nil {
		h.cache.c.Wait()
	}
}

// close stops the cache's goroutines.
func (rc *readCache) close() {
	if rc != nil {
		rc.c.Close()
	}
}

// cacheKey hashes (table, key) without allocating.
func cacheKey(table string, k shard.Key) uint64 {
	var d xxhash.Digest
	d.Reset()
	d.WriteString(table)
	d.Write([]byte{0})
	d.Write(k)
	return d.Sum64()
}

// sameEncoding reports whether a and b are the same stored encoding (one
// allocation), not merely equal bytes.
func sameEncoding(a, b []byte) bool {
	return len(a) == len(b) && unsafe.SliceData(a) == unsafe.SliceData(b)
}

// appendEntryJSON appends the JSON of the whole stored item ent, read under
// key k of table, from the cache when it holds this very version, and
// offers it to the cache otherwise. ent must exist.
func (h *Handler) appendEntryJSON(dst []byte, table string, k shard.Key, ent shard.Entry) ([]byte, *Error) {
	rc := h.cache
	var ck uint64
	if rc != nil {
		ck = cacheKey(table, k)
		if ci, ok := rc.c.Get(ck); ok && sameEncoding(ci.enc, ent.Encoded()) {
			rc.hits.Add(1)
			return append(dst, ci.json...), nil
		}
		rc.misses.Add(1)
	}
	it, err := ent.Item()
	if err != nil {
		return nil, internalError("stored item is unreadable: " + err.Error())
	}
	start := len(dst)
	dst = appendItem(dst, it)
	if rc != nil {
		js := dst[start:]
		ci := &cachedItem{enc: ent.Encoded(), json: append(make([]byte, 0, len(js)), js...)}
		rc.c.Set(ck, ci, int64(len(ci.json)+len(ci.enc)+cacheEntryOverhead))
	}
	return dst, nil
}
