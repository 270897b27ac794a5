package resp

import (
	"errors"
	"sync"
	"time"
	"unsafe"

	"github.com/cespare/xxhash/v2"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// Active expiry, as Redis does it (activeExpireCycle): every sweep interval,
// sample up to expireSample keys that carry an expiry; delete those that
// have expired; go on sampling while more than a quarter of a sample had
// expired, within a time budget of a quarter of the interval.
//
// The store has no index of items by expiry, so the RESP layer keeps one:
// store key -> exp, for every item of the RESP table that carries an exp
// (live or expired and not yet removed, as Redis's expires dictionary).
//
// Invariant: every RESP write changes a key's index entry under the same
// shard lock as the item (track, called from the write's decide callback),
// so for keys written through RESP the index equals the table: an entry
// exists exactly while the stored item carries that exp, whatever removed
// the key or its TTL (DEL, GETDEL, RENAME, an overwrite without expiry,
// PERSIST, the last HDEL, FLUSHDB, expiry). A write that fails after its
// decide callback ran is followed by reindex, which reads the item again
// under its shard lock. Writes through the DynamoDB API (HTTP or the
// DYNAMODB command) do not pass here: the scan of the table at start
// (after the log's replay) and every RescanInterval reindexes every item
// that carries an exp and every indexed key, under their shard locks, so
// such a change is reflected within one interval. Reads that meet an
// expired item also index it (a due entry the sweeper checks at once).
const (
	expireSample  = 20
	expireStripes = 64
)

type expireIndex struct {
	stripes [expireStripes]struct {
		mu sync.Mutex
		m  map[string]int64
		// peak is the most entries m has held since it was last
		// allocated: Go maps do not shrink, so compact reallocates a
		// stripe that has fallen far below it.
		peak int
	}
	next int // sweeper's round-robin position (sweeper goroutine only)
}

func (x *expireIndex) init() {
	for i := range x.stripes {
		x.stripes[i].m = make(map[string]int64)
	}
}

func (x *expireIndex) stripe(k []byte) int { return int(xxhash.Sum64(k) % expireStripes) }

// note records that store key k carries exp.
func (x *expireIndex) note(k shard.Key, exp int64) {
	st := &x.stripes[x.stripe(k)]
	st.mu.Lock()
	if old, ok := st.m[string(k)]; !ok || old != exp {
		st.m[string(k)] = exp
		st.peak = max(st.peak, len(st.m))
	}
	st.mu.Unlock()
}

// get returns k's entry (noExpiry: none).
func (x *expireIndex) get(k shard.Key) int64 {
	st := &x.stripes[x.stripe(k)]
	st.mu.Lock()
	exp, ok := st.m[string(k)]
	st.mu.Unlock()
	if !ok {
		return noExpiry
	}
	return exp
}

// drop removes k from the index.
func (x *expireIndex) drop(k shard.Key) {
	st := &x.stripes[x.stripe(k)]
	st.mu.Lock()
	delete(st.m, string(k))
	st.mu.Unlock()
}

// forget drops k from the index when it still records exp.
func (x *expireIndex) forget(k string, exp int64) {
	st := &x.stripes[x.stripe([]byte(k))]
	st.mu.Lock()
	if old, ok := st.m[k]; ok && old == exp {
		delete(st.m, k)
	}
	st.mu.Unlock()
}

// set makes k's entry exp (noExpiry: none).
func (x *expireIndex) set(k shard.Key, exp int64) {
	if exp == noExpiry {
		x.drop(k)
	} else {
		x.note(k, exp)
	}
}

// track updates k's entry for a write decided on k: oldExp is the exp of
// the item stored before it (noExpiry: none, or no item). A write that
// neither had nor gives an exp (the common SET) touches nothing.
// REQUIRES: k's shard lock held (called from a decide callback).
func (x *expireIndex) track(k shard.Key, oldExp int64, w shard.Write) {
	switch {
	case w.Skip:
	case w.Delete:
		x.drop(k) // even an entry the DynamoDB API left stale
	default:
		if exp := expOfItem(w.Item); exp != noExpiry || oldExp != noExpiry {
			x.set(k, exp)
		}
	}
}

// expOfItem returns the exp an item image carries, read as viewOf reads it
// from the encoding.
func expOfItem(it attr.Item) int64 {
	v, ok := it[attrExp]
	if !ok || v.Type != attr.N {
		return noExpiry
	}
	return parseExp(unsafe.Slice(unsafe.StringData(v.Str), len(v.Str)))
}

// expOfEntry returns the exp of a stored entry (noExpiry: none or absent).
func expOfEntry(e shard.Entry) int64 {
	if !e.Exists() {
		return noExpiry
	}
	return viewOf(e.Encoded()).exp
}

// mutate is t.Mutate for RESP writes outside a connection's mutate (multi-
// key commands, FLUSHDB, expiry): the expiry index follows the write under
// the shard lock, and is read again from the table if the write fails after
// its decision.
func (s *Server) mutate(t *shard.Table, k shard.Key, decide func(old shard.Entry) (shard.Write, error)) (old, cur shard.Entry, err error) {
	decided := false
	old, cur, err = t.Mutate(k, func(old shard.Entry) (shard.Write, error) {
		w, err := decide(old)
		if err == nil && !w.Skip {
			decided = true
			s.expires.track(k, expOfEntry(old), w)
		}
		return w, err
	})
	if err != nil && decided {
		s.reindex(t, k)
	}
	return old, cur, err
}

// reindex makes k's index entry what the table holds, under k's shard
// lock (a write that logs nothing).
func (s *Server) reindex(t *shard.Table, k shard.Key) {
	_, _, err := t.Mutate(k, func(old shard.Entry) (shard.Write, error) {
		s.expires.set(k, expOfEntry(old))
		return shard.Write{Skip: true}, nil
	})
	if err != nil { // the table is gone: so are its items
		s.expires.drop(k)
	}
}

// size returns the number of indexed keys (INFO's expires).
func (x *expireIndex) size() int {
	n := 0
	for i := range x.stripes {
		st := &x.stripes[i]
		st.mu.Lock()
		n += len(st.m)
		st.mu.Unlock()
	}
	return n
}

// keys returns the keys of stripe i.
func (x *expireIndex) keys(i int, dst []string) []string {
	st := &x.stripes[i]
	st.mu.Lock()
	for k := range st.m {
		dst = append(dst, k)
	}
	st.mu.Unlock()
	return dst
}

// compact reallocates the map of stripe i when it holds under a quarter of
// its peak (a burst of keys with a TTL has gone), so that the memory of
// the burst is returned.
func (x *expireIndex) compact(i int) {
	st := &x.stripes[i]
	st.mu.Lock()
	if st.peak >= 1024 && len(st.m) < st.peak/4 {
		m := make(map[string]int64, len(st.m))
		for k, v := range st.m {
			m[k] = v
		}
		st.m, st.peak = m, len(m)
	}
	st.mu.Unlock()
}

// sample returns up to n entries of one stripe that have expired at now,
// and how many entries it looked at. Map iteration starts at a random
// point, which makes it a sample.
func (x *expireIndex) sample(i int, now int64, n int, due []expiring) ([]expiring, int) {
	st := &x.stripes[i]
	st.mu.Lock()
	seen := 0
	for k, exp := range st.m {
		if seen == n {
			break
		}
		seen++
		if exp <= now {
			due = append(due, expiring{k, exp})
		}
	}
	st.mu.Unlock()
	return due, seen
}

type expiring struct {
	key string
	exp int64
}

// sweep is the sweeper goroutine.
func (s *Server) sweep() {
	defer s.sweepers.Done()
	s.rescan()
	tick := time.NewTicker(s.opts.SweepInterval)
	defer tick.Stop()
	lastScan := time.Now()
	for {
		select {
		case <-s.stop:
			return
		case <-tick.C:
		}
		s.expireCycle(s.opts.SweepInterval / 4)
		if s.opts.RescanInterval > 0 && time.Since(lastScan) >= s.opts.RescanInterval {
			s.rescan()
			lastScan = time.Now()
		}
	}
}

// rescan makes the index agree with the table for changes made outside
// RESP (the DynamoDB API, the log's replay at start): every item that
// carries an exp the index does not know, and every indexed key, is
// reindexed under its shard lock (a write lock that logs nothing: about
// one per key with a TTL per RescanInterval).
func (s *Server) rescan() {
	t, _ := s.readTable()
	if t == nil {
		// No table (or one RESP cannot use): no key carries an exp.
		var keys []string
		for i := range s.expires.stripes {
			keys = s.expires.keys(i, keys[:0])
			for _, k := range keys {
				s.expires.drop(shard.Key(k))
			}
			s.expires.compact(i)
		}
		return
	}
	if t.Dump(func(k shard.Key, e shard.Entry) error {
		select {
		case <-s.stop:
			return errStopped
		default:
		}
		// An item already indexed with its exp needs nothing: if it has
		// changed since the dump copied it, the change updated the index
		// (RESP), or the second pass below finds it (DynamoDB API).
		if exp := expOfEntry(e); exp != noExpiry && s.expires.get(k) != exp {
			s.reindex(t, k)
		}
		return nil
	}) != nil {
		return
	}
	var keys []string
	for i := range s.expires.stripes {
		keys = s.expires.keys(i, keys[:0])
		for _, k := range keys {
			s.reindex(t, shard.Key(k))
		}
		s.expires.compact(i)
		select {
		case <-s.stop:
			return
		default:
		}
	}
}

var errStopped = respErr("ERR server is shutting down")

// expireCycle runs one bounded round of active expiry and returns the
// number of keys it removed.
func (s *Server) expireCycle(budget time.Duration) int {
	deadline := time.Now().Add(budget)
	removed := 0
	var due []expiring
	for {
		now := nowMs()
		// Sample one stripe after another until expireSample entries were
		// looked at (or every stripe was).
		due = due[:0]
		seen := 0
		for i := 0; i < expireStripes && seen < expireSample; i++ {
			var n int
			due, n = s.expires.sample(s.expires.next, now, expireSample-seen, due)
			seen += n
			s.expires.next = (s.expires.next + 1) % expireStripes
		}
		for _, d := range due {
			if s.expireKey(shard.Key(d.key), d.exp, now) {
				removed++
			}
		}
		if seen == 0 || len(due)*4 <= seen || time.Now().After(deadline) {
			return removed
		}
		select {
		case <-s.stop:
			return removed
		default:
		}
	}
}

// expireKey deletes the item under k if it has expired at now (through
// Table.Mutate, so the removal is logged); the index entry follows the
// item (dropped, or the item's new exp if it was given another since).
func (s *Server) expireKey(k shard.Key, exp, now int64) bool {
	t, _ := s.readTable()
	if t == nil {
		s.expires.forget(string(k), exp)
		return false
	}
	st := s.locks.lock(k)
	defer s.locks.unlock(st)
	deleted := false
	_, _, err := s.mutate(t, k, func(old shard.Entry) (shard.Write, error) {
		if !old.Exists() || !viewOf(old.Encoded()).expiredAt(now) {
			s.expires.set(k, expOfEntry(old)) // gone, or re-expired since
			return shard.Write{Skip: true}, nil
		}
		deleted = true
		// The service removes it, as a DynamoDB time-to-live delete: a
		// stream on the keys' table records it so (userIdentity Service).
		return shard.Write{Delete: true, Service: true}, nil
	})
	if err != nil {
		if errors.Is(err, shard.ErrTableNotFound) {
			s.expires.forget(string(k), exp)
		}
		return false
	}
	if !deleted {
		return false
	}
	s.expired.Add(1)
	s.notifyExpired(k)
	return true
}
