// Package metrics holds the counters and histograms that dynacache's
// subsystems own: plain atomics on their hot paths, with no dependency on
// any metrics library. server/ reads them when Prometheus scrapes
// (--metrics) and exports them with prometheus/client_golang, so a
// subsystem pays only for its atomic adds.
package metrics

import (
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Histogram counts observations into fixed buckets, lock-free.
type Histogram struct {
	bounds []float64 // upper bounds, ascending; the last bucket is +Inf
	counts []atomic.Uint64
	sum    atomic.Uint64 // float64 bits
	count  atomic.Uint64
}

// NewHistogram returns a histogram with the given ascending upper bounds.
func NewHistogram(bounds []float64) *Histogram {
	return &Histogram{bounds: bounds, counts: make([]atomic.Uint64, len(bounds)+1)}
}

// LatencyBounds are the buckets of latency histograms, in seconds: 10µs to
// 10s.
var LatencyBounds = []float64{1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// NewLatency returns a histogram of LatencyBounds.
func NewLatency() *Histogram { return NewHistogram(LatencyBounds) }

// Observe records v.
func (h *Histogram) Observe(v float64) {
	i := sort.SearchFloat64s(h.bounds, v)
	h.counts[i].Add(1)
	h.count.Add(1)
	for {
		old := h.sum.Load()
		if h.sum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

// Since records the seconds elapsed since t.
func (h *Histogram) Since(t time.Time) { h.Observe(time.Since(t).Seconds()) }

// Snapshot returns the count, the sum and the cumulative count at each
// upper bound (Prometheus's form).
func (h *Histogram) Snapshot() (count uint64, sum float64, buckets map[float64]uint64) {
	buckets = make(map[float64]uint64, len(h.bounds))
	var cum uint64
	for i, b := range h.bounds {
		cum += h.counts[i].Load()
		buckets[b] = cum
	}
	return h.count.Load(), math.Float64frombits(h.sum.Load()), buckets
}

// Requests counts requests by operation and outcome, with a latency
// histogram per operation. Operations are registered up front (Register);
// outcomes are found on the fly.
type Requests struct {
	ops map[string]*OpStats
}

// OpStats are one operation's figures.
type OpStats struct {
	Latency  *Histogram
	ok       atomic.Uint64 // outcome "ok", the common case, without a map
	outcomes sync.Map      // other outcome -> *atomic.Uint64
}

// NewRequests returns counters for the given operations.
func NewRequests(ops []string) *Requests {
	r := &Requests{ops: make(map[string]*OpStats, len(ops))}
	for _, op := range ops {
		r.ops[op] = &OpStats{Latency: NewLatency()}
	}
	return r
}

// Observe records one request of op with its outcome ("ok" or an error's
// name) and duration. An operation not registered is not counted.
func (r *Requests) Observe(op, outcome string, d time.Duration) {
	s := r.ops[op]
	if s == nil {
		return
	}
	s.Latency.Observe(d.Seconds())
	s.Count(outcome)
}

// Op returns an operation's figures (nil when not registered).
func (r *Requests) Op(op string) *OpStats { return r.ops[op] }

// CountOK counts one request that succeeded, without a latency.
func (s *OpStats) CountOK() { s.ok.Add(1) }

// Count counts one request with its outcome, without a latency (for a
// caller that times only a sample of its requests).
func (s *OpStats) Count(outcome string) {
	if outcome == "ok" {
		s.ok.Add(1)
		return
	}
	c, ok := s.outcomes.Load(outcome)
	if !ok {
		c, _ = s.outcomes.LoadOrStore(outcome, new(atomic.Uint64))
	}
	c.(*atomic.Uint64).Add(1)
}

// Each calls fn for every operation that has seen a request.
func (r *Requests) Each(fn func(op string, s *OpStats)) {
	for op, s := range r.ops {
		seen := s.ok.Load() > 0 || s.Latency.count.Load() > 0
		s.outcomes.Range(func(any, any) bool { seen = true; return false })
		if seen {
			fn(op, s)
		}
	}
}

// Outcomes calls fn with the count of every outcome of the operation.
func (s *OpStats) Outcomes(fn func(outcome string, n uint64)) {
	if n := s.ok.Load(); n > 0 {
		fn("ok", n)
	}
	s.outcomes.Range(func(k, v any) bool {
		fn(k.(string), v.(*atomic.Uint64).Load())
		return true
	})
}
