package shard

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

// Budget is the store's memory budget (--maxmemory): the most bytes of Go
// heap the process should hold, and how much it holds now.
//
// Used memory is what Redis's used_memory means for us: the bytes of heap
// objects (runtime/metrics' /memory/classes/heap/objects:bytes, live
// objects and dead ones not yet swept), read by Watch every
// MeasureInterval into an atomic, so that a write pays one atomic load to
// know whether it is over the budget. Dead objects stay counted until the
// next collection; so an eviction credits the bytes it frees (Evicted),
// and Used is the last reading less the credits since the last completed
// collection: an evicting writer sees its own evictions at once and does
// not evict again for bytes it has already freed. Likewise a write that
// may grow memory is charged its size (Charge) until the next reading, so
// that writes between two readings do not pass the budget unseen. Both
// corrections err toward evicting (or refusing) a little early.
//
// The Go runtime's memory limit follows the budget (SetMax): the
// collector then runs before the heap doubles past the budget (GOGC's
// default would let total memory reach twice the live heap). It is set
// above the budget, not below, because eviction keeps the live heap at
// about the budget: a limit under it would make the collector run without
// end ("death spiral") instead of letting eviction work.
type Budget struct {
	max      atomic.Int64 // 0: no budget
	measured atomic.Int64 // last reading of heap objects bytes
	credit   atomic.Int64 // bytes evicted since the last completed collection
	pending  atomic.Int64 // bytes charged to writes since the last reading

	mu       sync.Mutex // serialises SetMax and measure
	cycles   uint64     // GC cycles at the last reading (under mu)
	prevLim  int64      // the runtime's limit before the first SetMax (under mu)
	limitSet bool       // SetMax has set the runtime's limit (under mu)
	samples  []metrics.Sample
}

// MeasureInterval is how often Watch reads the heap.
const MeasureInterval = 100 * time.Millisecond

// Budget returns the store's memory budget.
func (s *Store) Budget() *Budget { return &s.budget }

// Max returns the budget in bytes (0: none).
func (b *Budget) Max() int64 { return b.max.Load() }

// Used returns the estimate of used memory in bytes.
func (b *Budget) Used() int64 {
	u := b.measured.Load() + b.pending.Load() - b.credit.Load()
	if u < 0 {
		return 0
	}
	return u
}

// Over reports whether used memory passes a budget: the check of every
// write, one or two atomic loads.
func (b *Budget) Over() bool {
	m := b.max.Load()
	return m > 0 && b.Used() > m
}

// Charge counts n bytes a write may add, until the next reading.
func (b *Budget) Charge(n int64) { b.pending.Add(n) }

// Evicted credits n bytes freed by an eviction.
func (b *Budget) Evicted(n int64) { b.credit.Add(n) }

// LimitHeadroom is what the runtime's memory limit allows beyond the
// budget: a quarter of it, plus 64 MiB (the runtime's own memory,
// stacks and fragmentation are not counted in used memory).
func LimitHeadroom(max int64) int64 { return max/4 + 64<<20 }

// SetMax sets the budget (0: none) and the runtime's memory limit with it
// (max + LimitHeadroom(max); back to what it was without a budget), and
// reads the heap at once.
func (b *Budget) SetMax(max int64) {
	if max < 0 {
		max = 0
	}
	b.mu.Lock()
	if !b.limitSet {
		b.prevLim = debug.SetMemoryLimit(-1)
	}
	switch {
	case max > 0:
		lim := max + LimitHeadroom(max)
		if lim < 0 { // overflow
			lim = math.MaxInt64
		}
		debug.SetMemoryLimit(lim)
		b.limitSet = true
	case b.limitSet:
		debug.SetMemoryLimit(b.prevLim)
		b.limitSet = false
	}
	b.max.Store(max)
	b.measureLocked()
	b.mu.Unlock()
}

// Measure reads the heap now.
func (b *Budget) Measure() {
	b.mu.Lock()
	b.measureLocked()
	b.mu.Unlock()
}

// REQUIRES: b.mu held.
func (b *Budget) measureLocked() {
	if b.samples == nil {
		b.samples = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/cycles/total:gc-cycles"}}
	}
	// Charges made from here on are counted twice at worst (in the
	// reading and in pending), never missed.
	b.pending.Store(0)
	metrics.Read(b.samples)
	var heap int64
	var cycles uint64
	if b.samples[0].Value.Kind() == metrics.KindUint64 {
		heap = int64(b.samples[0].Value.Uint64())
	}
	if b.samples[1].Value.Kind() == metrics.KindUint64 {
		cycles = b.samples[1].Value.Uint64()
	}
	if cycles != b.cycles {
		// A collection has freed what was evicted before it (evictions
		// during it are forgotten too: at worst a little more is evicted).
		b.cycles = cycles
		b.credit.Store(0)
	}
	b.measured.Store(heap)
}

// Watch reads the heap every MeasureInterval while a budget is set, until
// stop is closed.
func (b *Budget) Watch(stop <-chan struct{}) {
	t := time.NewTicker(MeasureInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if b.max.Load() > 0 {
			b.Measure()
		}
	}
}
