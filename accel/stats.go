package accel

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// counters are the accelerator's own counts (the upstream and ristretto
// keep theirs).
type counters struct {
	hits          atomic.Uint64 // reads answered from the cache with an item
	negativeHits  atomic.Uint64 // reads answered from the cache with "no such item"
	misses        atomic.Uint64 // reads of keys the cache did not hold
	fills         atomic.Uint64 // entries installed after an upstream read
	passed        atomic.Uint64 // requests passed through uncached
	invalidations atomic.Uint64 // invalidations of the whole cache or of one table

	queryHits       atomic.Uint64 // Query and Scan replies served from the query cache
	queryMisses     atomic.Uint64 // eventually consistent Query and Scan sent upstream
	queryConsistent atomic.Uint64 // strongly consistent Query and Scan (never cached)
}

// Stats is a snapshot of the accelerator's counters.
type Stats struct {
	Upstream      string
	Hits          uint64 // item reads served from the cache (an item)
	NegativeHits  uint64 // item reads served from the cache ("no such item")
	Misses        uint64 // item reads that went upstream
	Fills         uint64 // entries installed from upstream reads
	Passed        uint64 // requests passed through uncached
	Invalidations uint64 // invalidations: whole-cache (table changes, PartiQL), one table's (a stream's tail starts, records lost)
	Entries       int64  // entries held (ristretto's count, approximate)
	Bytes         int64  // cost held (ristretto's count, approximate)
	Evictions     uint64 // entries evicted for room or expiry
	UpstreamCalls uint64 // requests sent upstream
	UpstreamErrs  uint64 // upstream requests without a reply (unreachable, timeout)
	// UpstreamMean is the mean time of an upstream call that got a reply.
	UpstreamMean time.Duration
	// UpstreamReplied is the number of upstream calls that got a reply,
	// UpstreamTime their total time.
	UpstreamReplied uint64
	UpstreamTime    time.Duration

	QueryHits       uint64 // Query and Scan replies served from the query cache
	QueryMisses     uint64 // eventually consistent Query and Scan sent upstream
	QueryConsistent uint64 // strongly consistent Query and Scan (passed, not cached)
	QueryEntries    int64  // query cache entries held (approximate)
	QueryBytes      int64  // query cache cost held (approximate)
	QueryEvictions  uint64 // query cache entries evicted for room or expiry

	// Coherence is the --coherence mode; Tables each known table's
	// (tailed, or coherent by TTL), by name.
	Coherence string
	Tables    []TableCoherence
	// StreamCalls and StreamErrs count the Streams API calls and those
	// without a reply.
	StreamCalls, StreamErrs uint64
	// Fan-out (a follower, Options.CoherenceFrom): the reader's address,
	// whether connected, records applied, connections made, and the lag
	// of the last record applied.
	FanoutFrom       string
	FanoutConnected  bool
	FanoutRecords    uint64
	FanoutReconnects uint64
	FanoutLag        time.Duration
}

// Stats returns the current counters.
func (a *Accelerator) Stats() Stats {
	s := Stats{
		Upstream:      a.up.endpoint,
		Hits:          a.stats.hits.Load(),
		NegativeHits:  a.stats.negativeHits.Load(),
		Misses:        a.stats.misses.Load(),
		Fills:         a.stats.fills.Load(),
		Passed:        a.stats.passed.Load(),
		Invalidations: a.stats.invalidations.Load(),
		UpstreamCalls: a.up.calls.Load(),
		UpstreamErrs:  a.up.errs.Load(),
	}
	n, nanos := a.up.replied.Load(), a.up.nanos.Load()
	s.UpstreamReplied, s.UpstreamTime = n, time.Duration(nanos)
	if n > 0 {
		s.UpstreamMean = time.Duration(nanos / n)
	}
	if c := a.cache.c; c != nil && c.Metrics != nil {
		m := c.Metrics
		s.Evictions = m.KeysEvicted()
		s.Entries = int64(m.KeysAdded()) - int64(m.KeysEvicted())
		s.Bytes = int64(m.CostAdded()) - int64(m.CostEvicted())
	}
	s.Coherence = a.opts.Coherence
	s.Tables = a.co.tables()
	s.StreamCalls, s.StreamErrs = a.co.streams.calls.Load(), a.co.streams.errs.Load()
	if f := a.co.follower; f != nil {
		s.FanoutFrom, s.FanoutConnected = f.name, f.connected.Load()
		s.FanoutRecords, s.FanoutReconnects = f.records.Load(), f.reconnect.Load()
		s.FanoutLag = time.Duration(f.lastLag.Load())
	}
	s.QueryHits = a.stats.queryHits.Load()
	s.QueryMisses = a.stats.queryMisses.Load()
	s.QueryConsistent = a.stats.queryConsistent.Load()
	if c := a.queries.c; c != nil && c.Metrics != nil {
		m := c.Metrics
		s.QueryEvictions = m.KeysEvicted()
		s.QueryEntries = int64(m.KeysAdded()) - int64(m.KeysEvicted())
		s.QueryBytes = int64(m.CostAdded()) - int64(m.CostEvicted())
	}
	return s
}

// Info returns the counters as the lines of an INFO section
// ("name:value"), in a fixed order.
func (s Stats) Info() []string {
	lines := []string{
		"accel_upstream:" + s.Upstream,
		fmt.Sprintf("accel_hits:%d", s.Hits),
		fmt.Sprintf("accel_negative_hits:%d", s.NegativeHits),
		fmt.Sprintf("accel_misses:%d", s.Misses),
		fmt.Sprintf("accel_fills:%d", s.Fills),
		fmt.Sprintf("accel_passed:%d", s.Passed),
		fmt.Sprintf("accel_invalidations:%d", s.Invalidations),
		fmt.Sprintf("accel_entries:%d", s.Entries),
		fmt.Sprintf("accel_bytes:%d", s.Bytes),
		fmt.Sprintf("accel_evictions:%d", s.Evictions),
		fmt.Sprintf("accel_upstream_calls:%d", s.UpstreamCalls),
		fmt.Sprintf("accel_upstream_errors:%d", s.UpstreamErrs),
		fmt.Sprintf("accel_upstream_mean_us:%d", s.UpstreamMean.Microseconds()),
		fmt.Sprintf("accel_query_hits:%d", s.QueryHits),
		fmt.Sprintf("accel_query_misses:%d", s.QueryMisses),
		fmt.Sprintf("accel_query_consistent:%d", s.QueryConsistent),
		fmt.Sprintf("accel_query_entries:%d", s.QueryEntries),
		fmt.Sprintf("accel_query_bytes:%d", s.QueryBytes),
		fmt.Sprintf("accel_query_evictions:%d", s.QueryEvictions),
		"accel_coherence:" + s.Coherence,
		fmt.Sprintf("accel_stream_calls:%d", s.StreamCalls),
		fmt.Sprintf("accel_stream_errors:%d", s.StreamErrs),
	}
	if s.FanoutFrom != "" {
		connected := 0
		if s.FanoutConnected {
			connected = 1
		}
		lines = append(lines, fmt.Sprintf("accel_fanout:from=%s,connected=%d,records=%d,reconnects=%d,lag_ms=%d",
			s.FanoutFrom, connected, s.FanoutRecords, s.FanoutReconnects, s.FanoutLag.Milliseconds()))
	}
	for _, t := range s.Tables {
		if t.Mode == CoherenceFanout {
			lines = append(lines, fmt.Sprintf("accel_table_%s:coherence=fanout", infoName(t.Table)))
			continue
		}
		if t.Mode == CoherenceTTL {
			lines = append(lines, fmt.Sprintf("accel_table_%s:coherence=ttl,reason=%s", infoName(t.Table), strings.ReplaceAll(t.Reason, " ", "_")))
			continue
		}
		caught := 0
		if t.CaughtUp {
			caught = 1
		}
		lines = append(lines, fmt.Sprintf("accel_table_%s:coherence=streams,records=%d,lag_ms=%d,caught_up=%d,shards=%d,errors=%d",
			infoName(t.Table), t.Records, t.Lag.Milliseconds(), caught, t.Shards, t.Errors))
	}
	return lines
}
