package accel

import (
	"bytes"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/dgraph-io/ristretto/v2"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard/attr"
)

// The item cache: whole items (and "no such item") by table and primary
// key, in ristretto, bounded in bytes, each entry living --item-ttl.
//
// Invariant (read-your-writes on one node): a hit never returns a value
// older than a write this node acknowledged. ristretto applies Sets
// asynchronously, may drop them, and may apply a late Set after a newer
// one, so its content alone cannot be trusted; validity is decided by
// generation counters instead:
//
//   - keys hash onto genStripes counters; an entry records the counter's
//     value (and the global epoch) it was made at, and a read uses it only
//     if both are still current. Bumping a counter thus invalidates every
//     entry of its stripe at once, whatever ristretto holds;
//   - a read miss snapshots the counter BEFORE asking the upstream, and
//     installs what it read under that snapshot: if a write on the stripe
//     began meanwhile, the entry is born invalid;
//   - a write bumps the counter BEFORE it is forwarded (entries made from
//     older reads die), and after the upstream acknowledged it installs the
//     new image only if the counter is still the one it set (CAS g -> g+1):
//     no other write or invalidation touched the stripe while it was in
//     flight, so no write the upstream may have ordered after it was
//     acknowledged here, or if only stream records of the key bumped it
//     meanwhile, the last of them with this very image (endWrite).
//     Otherwise, and for a failed or unknown write, it bumps the counter
//     again: the next read goes upstream.
//
// So every entry that passes the check was read from the upstream (or
// written to it) after the last write of its stripe this node began, and
// stayed current through that write's acknowledgment. Singleflight keys
// carry the snapshot, so a read never joins an upstream call that started
// before a write it must see.
//
// The epoch invalidates the whole cache at once: after table changes
// (CreateTable, DeleteTable, UpdateTable, restores) and PartiQL writes,
// whose keys the accelerator does not parse.
type itemCache struct {
	c     *ristretto.Cache[string, *entry]
	ttl   time.Duration
	gens  []atomic.Uint64
	epoch atomic.Uint64
	// tgens are generations by table (tables hash onto tableStripes):
	// bumping one drops a table's entries (invalidateTable).
	tgens []atomic.Uint64

	// ownAt is, by stripe, the wall-clock time (Unix nanoseconds) the
	// last write of the stripe this node forwarded was answered; ownAtAll
	// the same for writes whose keys are unknown here (PartiQL, table
	// changes). Stream records older than these must not install an image
	// (coherence.go).
	ownAt    []atomic.Int64
	ownAtAll atomic.Int64

	// index holds the key of every entry ristretto may hold, for
	// persistence (persist.go); nil without --dir.
	index *sync.Map

	// inflight holds this node's writes in flight, by key, so that a
	// stream record of the key applied meanwhile (typically the write's
	// own record, read before the write's reply was processed) is noted
	// on them as well as bumping the stripe (see endWrite).
	inflight struct {
		sync.Mutex
		m map[string][]*inflight
	}
	// written is, by stripe, the entry the stripe's last write installed
	// (endWrite): ristretto applies a Set asynchronously, so a stream
	// record (the write's own, typically) may be applied before the entry
	// is visible to get; apply then finds it here (coherence.go).
	written []atomic.Pointer[entry]
}

// inflight is one write in flight and the stream records of its key
// applied while it was (coherence.go).
type inflight struct {
	bumps     uint64 // stripe bumps made by those records
	lastKnown bool   // the last record's image is known
	lastFound bool   // the last record's image is an item
	lastJSON  []byte // its JSON
}

// genStripes is the number of generation counters: enough that writes to
// other keys rarely invalidate a hot key (a false sharing costs one miss),
// small enough to stay in cache (512 KiB).
const genStripes = 1 << 16

// entry is one cached lookup. It is immutable once made. It keeps the
// item as its JSON only, one pointer-free allocation: a cache of decoded
// items (maps of values) would cost the garbage collector a scan of
// every cached attribute, and most reads want the JSON as it is; a
// projection decodes it.
type entry struct {
	gen, epoch uint64
	tgen       uint64
	tctr       *atomic.Uint64 // the table's generation counter
	found      bool           // false: there is no such item
	json       []byte         // the whole item's JSON
	size       int            // attr.ItemSize of the item, for consumed capacity

	key     string // the entry's cache key (kept only for persistence)
	expires int64  // Unix nanoseconds when ristretto drops it
	at      int64  // Unix nanoseconds when it was made (its upstream state was read)
	// seq and shard name the stream record the entry was made from
	// (coherence.go); seq is 0 for an entry made from a read or a write.
	seq   seqNum
	shard string
}

// item decodes the entry's item (nil when there is none).
func (e *entry) item() attr.Item {
	if !e.found {
		return nil
	}
	it, _ := parseItemJSON(e.json) // written by AppendItemJSON
	return it
}

// parseItemJSON decodes an item's JSON.
func parseItemJSON(b []byte) (attr.Item, bool) {
	doc, ok := dynamodb.ParseDoc(b)
	if !ok {
		return nil, false
	}
	return doc.Item()
}

// token is a stripe's state taken before an upstream call.
type token struct {
	stripe     uint32
	gen, epoch uint64
	tctr       *atomic.Uint64
	tgen       uint64
	fly        *inflight // a write's registration (beginWrite)
}

// entryOverhead approximates ristretto's bookkeeping and the entry itself.
const entryOverhead = 200

// newItemCache returns a cache of maxBytes; indexed keeps the index of
// its keys that persistence needs.
func newItemCache(maxBytes int64, ttl time.Duration, indexed bool) (*itemCache, error) {
	c := &itemCache{ttl: ttl, gens: make([]atomic.Uint64, genStripes), ownAt: make([]atomic.Int64, genStripes),
		tgens: make([]atomic.Uint64, tableStripes), written: make([]atomic.Pointer[entry], genStripes)}
	c.inflight.m = map[string][]*inflight{}
	if maxBytes <= 0 {
		return c, nil
	}
	var onExit func(*entry)
	if indexed {
		c.index = &sync.Map{}
		onExit = func(e *entry) { c.index.CompareAndDelete(e.key, e) }
	}
	rc, err := newRistretto[*entry](maxBytes, maxBytes/64, onExit)
	if err != nil {
		return nil, err
	}
	c.c = rc
	return c, nil
}

func (c *itemCache) close() {
	if c.c != nil {
		c.c.Close()
	}
}

func stripeOf(key string) uint32 { return uint32(xxhash.Sum64String(key)) & (genStripes - 1) }

// get returns the valid entry for key, if any.
func (c *itemCache) get(key string) (*entry, bool) {
	if c.c == nil {
		return nil, false
	}
	e, ok := c.c.Get(key)
	if !ok || e.gen != c.gens[stripeOf(key)].Load() || e.epoch != c.epoch.Load() || e.tgen != e.tctr.Load() {
		return nil, false
	}
	return e, true
}

// snapshot returns key's stripe state, to be taken before a read is sent
// upstream.
func (c *itemCache) snapshot(key string) token {
	s := stripeOf(key)
	// The epoch first: an invalidation bumps the epoch and then nothing
	// else, so reading it first never pairs a new epoch with a stale gen.
	ep := c.epoch.Load()
	tc := c.tableGen(key)
	tg := tc.Load()
	return token{stripe: s, gen: c.gens[s].Load(), epoch: ep, tctr: tc, tgen: tg}
}

// tableGen returns the generation counter of key's table.
func (c *itemCache) tableGen(key string) *atomic.Uint64 {
	table, _, _ := strings.Cut(key, "\x00")
	return &c.tgens[xxhash.Sum64String(tableOf(table))&(tableStripes-1)]
}

// invalidateTable makes every entry of table invalid.
func (c *itemCache) invalidateTable(table string) {
	c.tgens[xxhash.Sum64String(tableOf(table))&(tableStripes-1)].Add(1)
}

// fill installs what a read found (item nil: no such item) under the
// snapshot taken before the read, and returns the entry.
func (c *itemCache) fill(key string, t token, item attr.Item, json []byte) *entry {
	e := newEntry(t, t.gen, item, json)
	c.set(key, e)
	return e
}

// beginWrite marks a write to key as begun, before it is forwarded.
func (c *itemCache) beginWrite(key string) token {
	s := stripeOf(key)
	ep := c.epoch.Load()
	tc := c.tableGen(key)
	tg := tc.Load()
	fly := &inflight{}
	c.inflight.Lock()
	c.inflight.m[key] = append(c.inflight.m[key], fly)
	c.inflight.Unlock()
	return token{stripe: s, gen: c.gens[s].Add(1), epoch: ep, tctr: tc, tgen: tg, fly: fly}
}

// endWrite ends a write begun with t. known says the upstream
// acknowledged it and item is the key's image now (nil: no item); else
// the key's entries are dropped.
//
// The image is installed if nothing touched the stripe since the write
// began (CAS g -> g+1), or if what touched it were only stream records of
// the key applied while the write was in flight (bumpForRecord), the
// last of which carries this very image: the upstream's state after that
// record is the image (whichever write the record is of, the write's
// own record typically, read before its reply was processed here), and
// any later change has a later record that bumps the stripe again. A
// record applied in the middle of the CAS makes it fail: the key drops.
func (c *itemCache) endWrite(key string, t token, known bool, item attr.Item, json []byte) {
	storeMax(&c.ownAt[t.stripe], time.Now().UnixNano())
	var fly inflight
	if t.fly != nil {
		c.inflight.Lock()
		fly = *t.fly
		list := c.inflight.m[key]
		for i, f := range list {
			if f == t.fly {
				list = append(list[:i:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(c.inflight.m, key)
		} else {
			c.inflight.m[key] = list
		}
		c.inflight.Unlock()
	}
	if fly.bumps > 0 && !(fly.lastKnown && fly.lastFound == (item != nil) && bytes.Equal(fly.lastJSON, json)) {
		known = false
	}
	g := t.gen + fly.bumps
	if known && c.gens[t.stripe].CompareAndSwap(g, g+1) {
		e := newEntry(t, g+1, item, json)
		e.key = key
		c.set(key, e)
		c.written[t.stripe].Store(e)
		return
	}
	c.gens[t.stripe].Add(1)
}

// getForRecord is get for a stream record of key: an entry a write
// installed that ristretto may not show yet counts too.
func (c *itemCache) getForRecord(key string) (*entry, bool) {
	if e, ok := c.get(key); ok {
		return e, true
	}
	if c.c == nil {
		return nil, false
	}
	e := c.written[stripeOf(key)].Load()
	if e == nil || e.key != key || e.gen != c.gens[stripeOf(key)].Load() || e.epoch != c.epoch.Load() ||
		e.tgen != e.tctr.Load() || e.expires <= time.Now().UnixNano() {
		return nil, false
	}
	return e, true
}

// bumpForRecord bumps key's stripe for a stream record of the key
// (coherence.go), noting the record on this node's writes of the key in
// flight (see endWrite), and returns the new generation.
func (c *itemCache) bumpForRecord(key string, s uint32, known, found bool, json []byte) uint64 {
	c.inflight.Lock()
	defer c.inflight.Unlock()
	for _, f := range c.inflight.m[key] {
		f.bumps++
		f.lastKnown, f.lastFound, f.lastJSON = known, found, json
	}
	return c.gens[s].Add(1)
}

// invalidateAll makes every entry invalid.
func (c *itemCache) invalidateAll() { c.epoch.Add(1) }

// unkeyedWritten notes that a write whose keys are unknown here was
// answered (after invalidateAll): stream records older than it must not
// install images anywhere.
func (c *itemCache) unkeyedWritten() {
	c.invalidateAll()
	storeMax(&c.ownAtAll, time.Now().UnixNano())
}

// ownSince returns the time of the last write this node forwarded that
// may have touched stripe s.
func (c *itemCache) ownSince(s uint32) int64 {
	return max(c.ownAt[s].Load(), c.ownAtAll.Load())
}

// storeMax raises v to at least x.
func storeMax(v *atomic.Int64, x int64) {
	for {
		cur := v.Load()
		if cur >= x || v.CompareAndSwap(cur, x) {
			return
		}
	}
}

// newEntry makes an entry valid at generation gen of t's stripe, and at
// t's epoch and table generation.
func newEntry(t token, gen uint64, item attr.Item, json []byte) *entry {
	e := &entry{gen: gen, epoch: t.epoch, tctr: t.tctr, tgen: t.tgen, found: item != nil, json: json, at: time.Now().UnixNano()}
	if item != nil {
		e.size = attr.ItemSize(item)
	}
	return e
}

func (c *itemCache) set(key string, e *entry) {
	c.setUntil(key, e, time.Now().Add(c.ttl).UnixNano())
}

// setUntil installs e until expires (Unix nanoseconds); false when
// ristretto dropped the Set (its buffer was full).
func (c *itemCache) setUntil(key string, e *entry, expires int64) bool {
	ttl := time.Duration(expires - time.Now().UnixNano())
	if c.c == nil || ttl <= 0 {
		return false
	}
	e.expires = expires
	if c.index != nil {
		e.key = key
		c.index.Store(key, e)
	}
	if !c.c.SetWithTTL(key, e, int64(len(key)+len(e.json)+entryOverhead), ttl) {
		if c.index != nil {
			c.index.CompareAndDelete(key, e)
		}
		return false
	}
	return true
}

// wait waits until ristretto has applied the Sets made so far (tests).
func (c *itemCache) wait() {
	if c.c != nil {
		c.c.Wait()
	}
}

// newRistretto returns a ristretto cache of string keys bounded to
// maxBytes (entries are charged their own costs), with counters (at
// least 1024) sized for the entries it is expected to hold, and metrics on
// (the accelerator reports them).
// onExit, when set, is called for every value that leaves the cache.
func newRistretto[V any](maxBytes, counters int64, onExit func(V)) (*ristretto.Cache[string, V], error) {
	return ristretto.NewCache(&ristretto.Config[string, V]{
		NumCounters:        max(counters, 1024),
		MaxCost:            maxBytes,
		BufferItems:        64,
		IgnoreInternalCost: true,
		Metrics:            true,
		OnExit:             onExit,
	})
}
