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
// Used memory is what Redis's used_memory means for us: the bytes of live
// heap objects. The collector measures them exactly when it marks
// (runtime/metrics' /gc/heap/live:bytes); Watch reads that every
// MeasureInterval into an atomic, so that a write pays one atomic load to
// know whether it is over the budget. Between two collections the store
// accounts for its own changes: a write that may grow memory is charged
// its size (Charge), an eviction credits the bytes it frees (Evicted), and
// Used is the last collection's live bytes plus the charges less the
// credits since it. So an evicting writer sees its own evictions at once,
// a burst of writes cannot pass the budget unseen, and garbage (a
// request's buffers, an overwritten value), which Redis's used_memory
// does not count either, is not mistaken for data to evict. When a new
// collection is seen, credits start again from zero and charges keep only
// those made since the reading before (they may postdate the mark): both
// err toward evicting (or refusing) a little early, never late.
//
// The Go runtime's memory limit follows the budget (SetMax): the
// collector then runs before the heap doubles past the budget (GOGC's
// default would let total memory reach twice the live heap). It is set
// above the budget, not below, because eviction keeps the live heap at
// about the budget: a limit under it would make the collector run without
// end ("death spiral") instead of letting eviction work.
type Budget struct {
	max      atomic.Int64 // 0: no budget
	measured atomic.Int64 // live heap bytes at the last collection
	credit   atomic.Int64 // bytes evicted since the last collection
	pending  atomic.Int64 // bytes charged to writes since the last collection

	mu       sync.Mutex // serialises SetMax and measure
	cycles   uint64     // GC cycles at the last reading (under mu)
	charged  int64      // pending at the last reading (under mu)
	read     bool       // a reading was made (under mu)
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
		b.samples = []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/cycles/total:gc-cycles"},
			{Name: "/memory/classes/heap/objects:bytes"}}
	}
	metrics.Read(b.samples)
	var live int64
	var cycles uint64
	if b.samples[0].Value.Kind() == metrics.KindUint64 {
		live = int64(b.samples[0].Value.Uint64())
	}
	if b.samples[1].Value.Kind() == metrics.KindUint64 {
		cycles = b.samples[1].Value.Uint64()
	}
	if cycles == 0 && b.samples[2].Value.Kind() == metrics.KindUint64 {
		// No collection yet: every object counts as live.
		live = int64(b.samples[2].Value.Uint64())
	}
	if cycles != b.cycles || !b.read {
		b.read = cycles != 0 // before a collection, every reading is taken
		// The collection counted what was written and not what was evicted
		// before its mark. Evictions are forgotten (those after the mark
		// too: at worst a little more is evicted); charges made since the
		// previous reading are kept (they may postdate the mark).
		b.cycles = cycles
		b.credit.Store(0)
		b.pending.Add(-b.charged)
		b.measured.Store(live)
	}
	b.charged = b.pending.Load()
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
