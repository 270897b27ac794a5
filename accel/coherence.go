package accel

import (
	"bytes"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dynacache/dynacache/shard/attr"
)

// Coherence across nodes and around writers that bypass this node
// (--coherence streams): the accelerator tails the DynamoDB Stream of
// every table whose key schema it has learned (DescribeTable's
// LatestStreamArn, streams.go walks the shards) and applies each record
// to its caches:
//
//   - the query cache drops the table's results (a record may change any
//     page of the table: queryCache.touch);
//   - the item cache takes the record's image (NewImage for INSERT and
//     MODIFY when the stream's view carries it, "no such item" for
//     REMOVE) over a key it holds, or drops the key.
//
// A tailed table's entries thus follow the upstream within the stream's
// lag; a table without a stream (or --coherence ttl) keeps TTL coherence.
// When a tail starts, once its iterators at the stream's tip are taken,
// the table's entries and query results are dropped (they may hold what
// was read before that tip); so they are after records may have been
// lost (streams.go).
//
// Ordering. The item cache's invariant (cache.go) is that a read on this
// node never returns a value older than a write this node acknowledged.
// A stream record may be older than such a write (the record of another
// writer's earlier write, delivered after the node's own write was
// acknowledged), and the node cannot learn the sequence number of its own
// writes (the write API does not return it). Dropping a key is always
// safe (the next read asks the upstream, after the write); installing an
// image is not. So apply decides, per key:
//
//  1. An entry that came from a record of the same shard with a sequence
//     number at or past the record's already reflects it: nothing to do
//     (a replayed record after a warm restart).
//  2. An entry whose item equals the record's image is left as it is
//     (typically the record of this node's own write): nothing changes.
//  3. Otherwise the key's stripe generation is bumped, which drops the
//     entry and makes any read or write in flight on the stripe install
//     nothing (cache.go), but for this node's write of the key in flight
//     whose image is the record's (typically the record of that very
//     write, read before its reply was processed: itemCache.endWrite).
//     Then, only if the key was held (the stream does
//     not fill the cache with keys nobody read), the record carries an
//     image, and the record was created more than clockMargin after the
//     last write this node forwarded on the key's stripe was answered
//     (itemCache.ownSince), and, over an entry read from the upstream or
//     written (not from the stream), no more than freshSlack before that
//     entry was made, the image
//     is installed under the new generation, with the record's sequence
//     number. A record older than one of the node's own writes therefore
//     never overwrites it; at worst it drops it. Nor does a record older
//     than what the node read (a tail far behind, catching up).
//
// The comparison in 3 sets the record's ApproximateCreationDateTime (the
// upstream's clock, rounded down by DynamoDB to the second, which only
// errs on the safe side) against this node's clock: it assumes the two
// clocks agree within clockMargin. The comparison with an entry's own
// time guards no promise, only freshness, and allows freshSlack (DynamoDB
// rounds the creation time down to the second): a record up to that much
// older than a value read may replace it for a while; records of one key
// arrive in the upstream's order (a key's records are in one shard at a
// time, and a child shard is read only once its parent is drained), so
// the record of the value read follows, and the node converges within the
// stream's lag.
type coherence struct {
	a       *Accelerator
	streams *upstream // the Streams API endpoint
	on      bool      // --coherence streams
	poll    time.Duration
	logger  *slog.Logger
	// follower, when set, applies the records a reader node relays
	// (fanout.go) instead of tails.
	follower *follower

	mu struct {
		sync.Mutex
		tails  map[string]*tail       // tailed tables
		ttl    map[string]string      // tables coherent by TTL only: why
		resume map[string]*tableState // persisted positions not yet resumed
		closed bool
	}
}

// clockMargin is how far the upstream's clock and this node's may
// disagree (see the ordering rule above): NTP keeps hosts within
// milliseconds; a second more covers DynamoDB's rounding.
const clockMargin = 2 * time.Second

// freshSlack is how much older than an entry read from the upstream a
// record may be and still replace it (see the ordering rule above).
const freshSlack = time.Second

// Coherence modes.
const (
	CoherenceStreams = "streams"
	CoherenceTTL     = "ttl"
)

func newCoherence(a *Accelerator, streams *upstream, on bool, poll time.Duration, logger *slog.Logger) *coherence {
	co := &coherence{a: a, streams: streams, on: on, poll: poll, logger: logger}
	co.mu.tails = map[string]*tail{}
	co.mu.ttl = map[string]string{}
	co.mu.resume = map[string]*tableState{}
	return co
}

// learned is told of a table's schema (schemas.learned): it starts or
// restarts the table's tail, or notes that the table is coherent by TTL.
func (co *coherence) learned(table string, ts *tableSchema) {
	var old *tail
	defer func() {
		if old != nil {
			old.close() // outside the lock: it may wait for a call in flight
		}
	}()
	co.mu.Lock()
	defer co.mu.Unlock()
	if co.mu.closed {
		return
	}
	why := ""
	switch {
	case co.follower != nil:
		why = reasonFanout
	case !co.on:
		why = "--coherence ttl"
	case ts.stream == "":
		why = "no stream"
	}
	if why != "" {
		if t := co.mu.tails[table]; t != nil {
			old = t
			t.stop()
			delete(co.mu.tails, table)
		}
		if _, said := co.mu.ttl[table]; !said && co.on {
			co.logger.Info(fmt.Sprintf("accelerator: table %s has no stream: its cache is coherent by TTL only (--item-ttl, --query-ttl)", table))
		}
		co.mu.ttl[table] = why
		return
	}
	delete(co.mu.ttl, table)
	if t := co.mu.tails[table]; t != nil {
		if t.stream == ts.stream && !t.ended() {
			return
		}
		old = t
		t.stop()
	}
	var resume *tableState
	if r := co.mu.resume[table]; r != nil {
		delete(co.mu.resume, table)
		if r.Stream == ts.stream {
			resume = r
		}
	}
	t := newTail(co, table, ts, resume)
	co.mu.tails[table] = t
	go t.run()
}

// forget stops tailing table ("": every table) and forgets its
// coherence, until its schema is learned again.
func (co *coherence) forget(table string) {
	co.mu.Lock()
	var stopped []*tail
	for name, t := range co.mu.tails {
		if table == "" || name == table {
			t.stop()
			stopped = append(stopped, t)
			delete(co.mu.tails, name)
		}
	}
	if table == "" {
		clear(co.mu.ttl)
	} else {
		delete(co.mu.ttl, table)
	}
	co.mu.Unlock()
	for _, t := range stopped {
		t.close()
	}
}

// reasonFanout marks, among the tables without a tail, those a follower
// keeps coherent with its reader's records.
const reasonFanout = "fanout"

// close stops every tail and waits for them.
func (co *coherence) close() {
	if co.follower != nil {
		co.follower.close()
	}
	co.mu.Lock()
	co.mu.closed = true
	tails := make([]*tail, 0, len(co.mu.tails))
	for _, t := range co.mu.tails {
		tails = append(tails, t)
	}
	co.mu.Unlock()
	for _, t := range tails {
		t.stop()
	}
	for _, t := range tails {
		t.close()
	}
}

// tail returns table's tail (nil when it is not tailed).
func (co *coherence) tail(table string) *tail {
	co.mu.Lock()
	defer co.mu.Unlock()
	return co.mu.tails[table]
}

// dropTable drops table's item entries and query results.
func (a *Accelerator) dropTable(table string) {
	a.cache.invalidateTable(table)
	a.queries.touch([]string{table})
	a.stats.invalidations.Add(1)
}

// record is one stream record, as apply needs it.
type record struct {
	shard   string
	seq     seqNum
	created int64     // ApproximateCreationDateTime, Unix nanoseconds
	keys    attr.Item // the item's key attributes
	image   attr.Item // the item after the change (nil: no item)
	known   bool      // image is known (REMOVE, or a NewImage in the record)
}

// apply applies one record of t's table to the item cache (the query
// cache is touched once per batch by the caller). An entry a write just
// installed counts as held even before ristretto shows it
// (itemCache.getForRecord).
func (co *coherence) apply(t *tail, r *record) {
	c := co.a.cache
	if c.c == nil {
		return
	}
	key, ok := cacheKey(t.table, t.ks, r.keys)
	if !ok {
		// Keys that do not fit the schema known here: whatever changed,
		// the table's entries go.
		co.a.dropTable(t.table)
		return
	}
	s := stripeOf(key)
	tk := c.snapshot(key)
	e, held := c.getForRecord(key)
	var json []byte
	if r.known {
		json = itemJSON(r.image)
	}
	if held {
		if e.seq != "" && e.shard == r.shard && !e.seq.less(r.seq) {
			return // rule 1
		}
		if r.known && e.found == (r.image != nil) && bytes.Equal(e.json, json) {
			return // rule 2
		}
	}
	g := c.bumpForRecord(key, s, r.known, r.image != nil, json)
	if !held || !r.known || r.created <= c.ownSince(s)+int64(clockMargin) || (e.seq == "" && r.created <= e.at-int64(freshSlack)) {
		return
	}
	ne := newEntry(tk, g, r.image, json)
	ne.seq, ne.shard = r.seq, r.shard
	c.set(key, ne)
}

// seqNum is a stream record's SequenceNumber: a string of decimal digits
// (DynamoDB's have 21 to 40; dynacache pads them with zeros) ("" when
// unknown).
type seqNum string

// less orders sequence numbers numerically.
func (a seqNum) less(b seqNum) bool {
	x, y := strings.TrimLeft(string(a), "0"), strings.TrimLeft(string(b), "0")
	if len(x) != len(y) {
		return len(x) < len(y)
	}
	return x < y
}

// validSeq reports whether s is a sequence number: 1 to 64 digits.
func validSeq(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// TableCoherence is one table's coherence, as Stats reports it.
type TableCoherence struct {
	Table string
	// Mode is "streams" for a tailed table, "ttl" otherwise.
	Mode string
	// Reason says why a table is coherent by TTL only ("no stream",
	// "--coherence ttl", "stream gone").
	Reason string
	// Records is the number of stream records applied.
	Records uint64
	// Lag: behind the stream's tip, now minus the
	// ApproximateCreationDateTime of the last record applied; at the tip,
	// that record's lag when it was applied.
	Lag time.Duration
	// CaughtUp says the last read of every shard reached its tip.
	CaughtUp bool
	Shards   int    // shards being read
	Errors   uint64 // Streams API errors (each is retried)
}

// tables returns the coherence of every table known here, by name.
func (co *coherence) tables() []TableCoherence {
	co.mu.Lock()
	out := make([]TableCoherence, 0, len(co.mu.tails)+len(co.mu.ttl))
	for name, t := range co.mu.tails {
		out = append(out, t.stats(name))
	}
	for name, why := range co.mu.ttl {
		mode := CoherenceTTL
		if why == reasonFanout {
			mode = CoherenceFanout
		}
		out = append(out, TableCoherence{Table: name, Mode: mode, Reason: why})
	}
	co.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Table < out[j].Table })
	return out
}

// infoName returns table as an INFO field name (characters outside
// [A-Za-z0-9_.-] as '_': DynamoDB's table names have none).
func infoName(table string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r == '.' || r == '-' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return '_'
	}, table)
}
