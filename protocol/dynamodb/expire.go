package dynamodb

import (
	"errors"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynacache/dynacache/shard"
)

// Time to live: the background expirer.
//
// Every interval (--ttl-interval, 1s by default) the expirer looks at the
// tables whose time to live is enabled and deletes the items whose TTL
// attribute is a Number of epoch seconds in the past: within seconds, where
// DynamoDB takes up to two days. What it leaves alone, as DynamoDB does: a
// TTL attribute that is missing or not a Number (a String, a Number Set...),
// a time in the future, and a time more than five years in the past.
//
// How it finds them: a scan that resumes where the previous tick stopped.
// Each tick examines at most ScanBudget items (over every table) and
// deletes at most DeleteBudget, so a tick's work is bounded whatever the
// table holds (a million items expiring at once are deleted over several
// ticks, never in one long pause), and a full pass over a table of N items
// takes N/ScanBudget ticks. The alternative, an expiry index kept in the
// apply path (an ordered (expiry time, key) tree per shard), finds expired
// items in O(expired) instead of O(N) per pass, but costs every write an
// extra tree update under the shard lock and some 50 bytes per item, and
// makes the store know each table's TTL attribute (the store knows nothing
// of table descriptions: this package owns them). The scan costs nothing on
// the write path, runs under read locks in batches of 128 (shard.Table.Scan)
// and reads only the TTL attribute from each item's encoding, without
// allocating. Measured (BenchmarkExpireMillion, 2 shared cores): a run
// over 100,000 items with nothing to delete takes about 60 ms, so a table
// of a million items costs some 6% of a core for as long as TTL is
// enabled, a pass takes ten runs (10 s), and two PutItem writers lose about
// 12% of their throughput while 100,000 expired items are deleted. The
// index is the right move once tables reach tens of millions of items, or
// once that steady scan cost matters.
//
// How it deletes: through Table.Mutate, the one apply path, so a delete is
// logged (it survives a restart), every secondary index drops the item at
// once, and the read cache needs nothing (see cache.go). decide re-checks,
// under the shard lock, that the item there now still has an expired TTL: a
// write that refreshed or removed the TTL between the scan and the delete
// wins, and a live item is never deleted.
//
// Reads: as in DynamoDB, an expired item is returned by reads until the
// expirer has deleted it (at most one pass, a few seconds, here).
// Applications that must not see one filter on the TTL attribute, as
// DynamoDB's documentation advises.

// Default budgets of one expirer tick.
const (
	DefaultExpireScanBudget   = 100_000
	DefaultExpireDeleteBudget = 50_000
)

// ttlIgnoredAge is how far in the past a TTL value may lie and still expire
// its item: DynamoDB ignores values more than five years old (they are most
// likely not epoch seconds: milliseconds, or a wrong unit).
const ttlIgnoredAge = 5 * 365 * 24 * time.Hour

// expireChunk is how many expired items the expirer collects before it
// deletes them (and how often it re-reads the table's TTL setting).
const expireChunk = 1024

// ExpirerOptions configure an Expirer.
type ExpirerOptions struct {
	// Interval between ticks; 0 means 1s.
	Interval time.Duration
	// ScanBudget is the most items one tick examines; 0: the default.
	ScanBudget int
	// DeleteBudget is the most items one tick deletes; 0: the default.
	DeleteBudget int
	// Now is the clock (tests); nil: time.Now.
	Now func() time.Time
	// OnTick, when set, is called after every tick with what it did
	// (tests, metrics).
	OnTick func(ExpireTick)
}

// ExpireTick is what one expirer tick did.
type ExpireTick struct {
	Examined int // items looked at
	Deleted  int // items deleted
	Errors   int // deletes the store refused (logged nothing, changed nothing)
	Took     time.Duration
}

// Expirer deletes expired items in the background; see the top of this file.
type Expirer struct {
	h    *Handler
	opts ExpirerOptions

	mu struct {
		sync.Mutex
		// cursors is, per table, the key of the last item examined: the
		// next tick resumes after it. Absent: start of the table.
		cursors map[*shard.Table]shard.Key
		next    int // the table the next tick starts with, round robin
	}

	deleted atomic.Uint64 // items deleted since start

	// beforeDelete, when set (tests), runs between the scan that found an
	// expired item and the delete that re-checks it.
	beforeDelete func(k shard.Key)

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// NewExpirer returns an expirer of h's tables; Start runs it.
func (h *Handler) NewExpirer(opts ExpirerOptions) *Expirer {
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.ScanBudget <= 0 {
		opts.ScanBudget = DefaultExpireScanBudget
	}
	if opts.DeleteBudget <= 0 {
		opts.DeleteBudget = DefaultExpireDeleteBudget
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	e := &Expirer{h: h, opts: opts, stop: make(chan struct{}), done: make(chan struct{})}
	e.mu.cursors = make(map[*shard.Table]shard.Key)
	return e
}

// Start runs a tick every interval until Close.
func (e *Expirer) Start() {
	go func() {
		defer close(e.done)
		tk := time.NewTicker(e.opts.Interval)
		defer tk.Stop()
		for {
			select {
			case <-e.stop:
				return
			case <-tk.C:
				e.Tick()
			}
		}
	}()
}

// Close stops the expirer and waits for a running tick to end. It is for
// a started expirer.
func (e *Expirer) Close() {
	e.once.Do(func() { close(e.stop) })
	<-e.done
}

// Deleted returns the number of items deleted since the expirer was made.
func (e *Expirer) Deleted() uint64 { return e.deleted.Load() }

// Tick runs one bounded round: it examines at most ScanBudget items of the
// tables with time to live enabled, resuming each table where the last
// round stopped, and deletes at most DeleteBudget expired ones.
func (e *Expirer) Tick() ExpireTick {
	e.mu.Lock()
	defer e.mu.Unlock()
	began := time.Now()
	var st ExpireTick
	tables := e.h.store.Tables()
	live := make(map[*shard.Table]bool, len(tables))
	var ttl []*shard.Table
	for _, t := range tables {
		live[t] = true
		if name := ttlAttribute(t); name != "" {
			ttl = append(ttl, t)
		}
	}
	for t := range e.mu.cursors {
		if !live[t] {
			delete(e.mu.cursors, t) // dropped
		}
	}
	if len(ttl) > 0 {
		first := e.mu.next % len(ttl)
		e.mu.next = first + 1
		for i := range ttl {
			if st.Examined >= e.opts.ScanBudget || st.Deleted >= e.opts.DeleteBudget {
				break
			}
			e.expireTable(ttl[(first+i)%len(ttl)], &st)
		}
	}
	e.deleted.Add(uint64(st.Deleted))
	st.Took = time.Since(began)
	if e.opts.OnTick != nil {
		e.opts.OnTick(st)
	}
	return st
}

// ttlAttribute returns t's TTL attribute when time to live is enabled, ""
// otherwise.
func ttlAttribute(t *shard.Table) string {
	m := loadMeta(t)
	if m.TTL == nil || !m.TTL.Enabled {
		return ""
	}
	return m.TTL.AttributeName
}

// expireTable scans t from its cursor within what is left of the tick's
// budgets, deleting the expired items it finds chunk by chunk.
// REQUIRES: e.mu held.
func (e *Expirer) expireTable(t *shard.Table, st *ExpireTick) {
	name := ttlAttribute(t)
	if name == "" {
		return
	}
	var start *shard.Start
	if k, ok := e.mu.cursors[t]; ok {
		start = &shard.Start{Key: k}
	}
	for {
		now := e.opts.Now()
		var (
			expired  []shard.Key
			last     shard.Key
			examined int
		)
		scanLimit := e.opts.ScanBudget - st.Examined
		deleteLimit := min(e.opts.DeleteBudget-st.Deleted, expireChunk)
		complete := true
		t.Scan("", shard.Segment{}, start, func(hit shard.Hit) bool {
			if examined >= scanLimit || len(expired) >= deleteLimit {
				complete = false
				return false
			}
			examined++
			last = hit.Key
			if isExpired(hit.Entry, name, now) {
				expired = append(expired, append(shard.Key(nil), hit.Key...))
			}
			return true
		})
		st.Examined += examined
		e.deleteExpired(t, name, expired, st)
		if complete {
			delete(e.mu.cursors, t) // a pass is over: the next starts afresh
			return
		}
		if last != nil {
			k := append(shard.Key(nil), last...)
			e.mu.cursors[t] = k
			start = &shard.Start{Key: k}
		}
		if st.Examined >= e.opts.ScanBudget || st.Deleted >= e.opts.DeleteBudget {
			return
		}
		// The time to live may have been disabled, or the table dropped,
		// while this chunk was deleted.
		if name = ttlAttribute(t); name == "" {
			return
		}
	}
}

// deleteExpired deletes the items under keys whose TTL attribute name is
// still expired when the delete holds their shard lock, and waits until
// the deletes are durable.
func (e *Expirer) deleteExpired(t *shard.Table, name string, keys []shard.Key, st *ExpireTick) {
	var lastWait func() error
	for _, k := range keys {
		if e.beforeDelete != nil {
			e.beforeDelete(k)
		}
		now := e.opts.Now()
		del := false
		old, _, wait, err := t.MutateDeferred(k, func(old shard.Entry) (shard.Write, error) {
			// Under the shard lock: a concurrent write may have refreshed
			// the TTL, removed it or deleted the item since the scan.
			del = old.Exists() && isExpired(old, name, now)
			if !del {
				return shard.Write{Skip: true}, nil
			}
			return shard.Write{Delete: true, Service: true}, nil
		})
		if errors.Is(err, shard.ErrTableNotFound) {
			break // dropped meanwhile: nothing left to delete
		}
		if err != nil {
			st.Errors++
			continue
		}
		if !del {
			continue
		}
		if wait != nil {
			lastWait = wait
		}
		st.Deleted++
		_ = old // the deleted image: what a REMOVE stream record carries
		// Streams hook: this is where the REMOVE record of a TTL delete is
		// produced, with the old image old and the service identity
		// userIdentity {"Type":"Service","PrincipalId":"dynamodb.amazonaws.com"},
		// once streams exist (they should come from the apply path, like
		// every other change record: pass the identity down with the write).
	}
	// Records are made durable in log order: the last wait returning nil
	// means every delete of the chunk is durable.
	if lastWait != nil {
		if err := lastWait(); err != nil {
			st.Errors++
		}
	}
}

// isExpired reports whether the entry's attribute name is a Number of
// epoch seconds before now and no more than five years before it.
func isExpired(e shard.Entry, name string, now time.Time) bool {
	s, ok := e.NumberAttr(name)
	if !ok {
		return false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return false
	}
	nowSec := float64(now.UnixNano()) / 1e9
	return v < nowSec && v >= nowSec-ttlIgnoredAge.Seconds()
}
