package bench

import (
	"math"
	"math/bits"
	"sync/atomic"
)

// Histogram counts latencies (nanoseconds) in HDR buckets: values below
// 2^sub are counted exactly; above, every power of two is split into
// 2^(sub-1) equal buckets, so a reported value is within 2^-(sub-1) of the
// true one (0.2% for the fine layout, 1.6% for the coarse one). It is not
// safe for concurrent use: each worker records into its own and they are
// merged when the workers are done.
//
// The layout is HdrHistogram's (a sub-bucket array per power of two, the
// lower half of each shared with the one below), sized for 1 ns .. 137 s.
// Values beyond the top are clamped into the last bucket; max stays exact.
type Histogram struct {
	sub    uint8    // log2 of the exact range (see above)
	counts []uint64 // allocated on the first Record
	total  uint64
	sum    uint64 // nanoseconds; wraps after 584 years of latency
	min    uint64
	max    uint64
}

const (
	fineSub   = 10 // 0.2%: the final report
	coarseSub = 7  // 1.6%: the per-second live line and timeline
	topBits   = 37 // 2^37 ns = 137 s
)

// NewHistogram returns an empty fine histogram.
func NewHistogram() *Histogram { return &Histogram{sub: fineSub} }

func newCoarseHistogram() *Histogram { return &Histogram{sub: coarseSub} }

// bucketCount is the number of buckets of a layout.
func bucketCount(sub uint8) int {
	half := 1 << (sub - 1)
	return 1<<sub + (topBits-int(sub))*half
}

// bucketIndex returns the bucket of v.
func bucketIndex(v uint64, sub uint8) int {
	full := uint64(1) << sub
	if v < full {
		return int(v)
	}
	half := int(full >> 1)
	shift := bits.Len64(v) - int(sub)
	if shift > topBits-int(sub) {
		return bucketCount(sub) - 1
	}
	return int(full) + (shift-1)*half + int(v>>uint(shift)) - half
}

// bucketHigh returns the highest value bucket i holds.
func bucketHigh(i int, sub uint8) uint64 {
	full := 1 << sub
	if i < full {
		return uint64(i)
	}
	half := full >> 1
	j := i - full
	shift := uint(j/half + 1)
	low := uint64(j%half+half) << shift
	return low + (uint64(1) << shift) - 1
}

// Record counts one latency of ns nanoseconds (negative counts as 0).
func (h *Histogram) Record(ns int64) {
	v := uint64(0)
	if ns > 0 {
		v = uint64(ns)
	}
	if h.counts == nil {
		h.counts = make([]uint64, bucketCount(h.sub))
	}
	h.counts[bucketIndex(v, h.sub)]++
	if h.total == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.total++
	h.sum += v
}

// Merge adds o's counts to h. Both must have the same layout.
func (h *Histogram) Merge(o *Histogram) {
	if o == nil || o.total == 0 {
		return
	}
	if h.sub != o.sub {
		panic("bench: merging histograms of different layouts")
	}
	if h.counts == nil {
		h.counts = make([]uint64, len(o.counts))
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.total == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.total += o.total
	h.sum += o.sum
}

// Reset empties h, keeping its buckets.
func (h *Histogram) Reset() {
	clear(h.counts)
	h.total, h.sum, h.min, h.max = 0, 0, 0, 0
}

// Count returns the number of recorded values.
func (h *Histogram) Count() uint64 { return h.total }

// Max returns the largest recorded value (exact).
func (h *Histogram) Max() uint64 { return h.max }

// Min returns the smallest recorded value (exact).
func (h *Histogram) Min() uint64 { return h.min }

// Mean returns the mean of the recorded values (exact).
func (h *Histogram) Mean() float64 {
	if h.total == 0 {
		return 0
	}
	return float64(h.sum) / float64(h.total)
}

// Quantile returns the value at quantile q (0..1): the highest value of the
// bucket holding the ceil(q*count)-th smallest value, capped at the exact
// max (HdrHistogram's "highest equivalent value").
func (h *Histogram) Quantile(q float64) uint64 {
	if h.total == 0 {
		return 0
	}
	if q <= 0 {
		return h.min
	}
	if q >= 1 {
		return h.max
	}
	rank := uint64(math.Ceil(q * float64(h.total)))
	if rank == 0 {
		rank = 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			v := bucketHigh(i, h.sub)
			if v > h.max {
				v = h.max
			}
			if v < h.min {
				v = h.min
			}
			return v
		}
	}
	return h.max
}

// liveHistogram is a coarse histogram one worker records into with atomic
// adds while the reporter drains it every second with atomic swaps: every
// value lands in exactly one drained interval, and the worker never waits
// (its adds are uncontended but for the one drain a second).
type liveHistogram struct {
	counts []atomic.Uint64
	errors atomic.Uint64
}

func newLiveHistogram() *liveHistogram {
	return &liveHistogram{counts: make([]atomic.Uint64, bucketCount(coarseSub))}
}

func (l *liveHistogram) record(ns int64) {
	v := uint64(0)
	if ns > 0 {
		v = uint64(ns)
	}
	l.counts[bucketIndex(v, coarseSub)].Add(1)
}

// drainInto moves l's counts into h (a coarse histogram) and returns the
// errors counted since the last drain. Values are approximated by their
// bucket's highest value (min, max and mean are then approximate too).
func (l *liveHistogram) drainInto(h *Histogram) uint64 {
	for i := range l.counts {
		c := l.counts[i].Swap(0)
		if c == 0 {
			continue
		}
		if h.counts == nil {
			h.counts = make([]uint64, len(l.counts))
		}
		v := bucketHigh(i, coarseSub)
		h.counts[i] += c
		if h.total == 0 || v < h.min {
			h.min = v
		}
		if v > h.max {
			h.max = v
		}
		h.total += c
		h.sum += c * v
	}
	return l.errors.Swap(0)
}
