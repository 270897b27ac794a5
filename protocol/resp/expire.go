package resp

import (
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/dynacache/dynacache/shard"
)

// Active expiry, as Redis does it (activeExpireCycle): every sweep interval,
// sample up to expireSample keys that carry an expiry; delete those that
// have expired; go on sampling while more than a quarter of a sample had
// expired, within a time budget of a quarter of the interval.
//
// The store has no index of items by expiry, so the RESP layer keeps one:
// store key -> exp, filled by every RESP write that leaves an exp, by reads
// that meet an expired item, and by a scan of the table at start and every
// RescanInterval (which finds items given an exp through the DynamoDB API
// or recovered from the log). The index may be stale (a key overwritten
// without exp, deleted, or renamed): the sweeper re-checks each item inside
// Table.Mutate and drops index entries that no longer match.
const (
	expireSample  = 20
	expireStripes = 64
)

type expireIndex struct {
	stripes [expireStripes]struct {
		mu sync.Mutex
		m  map[string]int64
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
	}
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

// clearAll empties the index (FLUSHDB).
func (x *expireIndex) clearAll() {
	for i := range x.stripes {
		st := &x.stripes[i]
		st.mu.Lock()
		clear(st.m)
		st.mu.Unlock()
	}
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

// rescan indexes every item of the RESP table that carries an exp.
func (s *Server) rescan() {
	t, _ := s.readTable()
	if t == nil {
		return
	}
	t.Dump(func(k shard.Key, e shard.Entry) error {
		select {
		case <-s.stop:
			return errStopped
		default:
		}
		if v := viewOf(e.Encoded()); v.exp != noExpiry {
			s.expires.note(k, v.exp)
		}
		return nil
	})
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
// Table.Mutate, so the removal is logged), and drops the index entry.
func (s *Server) expireKey(k shard.Key, exp, now int64) bool {
	defer s.expires.forget(string(k), exp)
	t, _ := s.readTable()
	if t == nil {
		return false
	}
	st := s.locks.lock(k)
	defer s.locks.unlock(st)
	deleted := false
	_, _, err := t.Mutate(k, func(old shard.Entry) (shard.Write, error) {
		if !old.Exists() {
			return shard.Write{Skip: true}, nil
		}
		v := viewOf(old.Encoded())
		if !v.expiredAt(now) {
			if v.exp != noExpiry && v.exp != exp {
				s.expires.note(k, v.exp) // re-expired since: track the new time
			}
			return shard.Write{Skip: true}, nil
		}
		deleted = true
		return shard.Write{Delete: true}, nil
	})
	if err != nil || !deleted {
		return false
	}
	s.expired.Add(1)
	return true
}
