package shard

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

// Budget is the store's memory budget (--maxmemory) and its measure of
// used memory, which means what Redis's used_memory means: the bytes the
// process holds for the data set plus everything else it allocates (here:
// on the Go heap).
//
// Used memory is account + pending + correction:
//
//   - account is exact bookkeeping, not a heap reading: every table's and
//     index's item bytes as the store counts them under its shard locks
//     (DynamoDB item sizes; ItemCost adds allocation rounding and the
//     per-item overhead of the B-tree, the hash index and the headers),
//     plus the costs of the caches registered with AddCost (the read
//     cache, the accelerator's item and query caches). Refresh sums the
//     per-shard counters (not per write: a few hundred atomic loads); an
//     eviction lowers it at once by exactly what the evicted item counted
//     for (Free).
//   - pending is what writes added since the last Refresh, charged after
//     they applied (Charge): an estimate from the request's size, which
//     Refresh replaces by the exact figure.
//   - correction is the live heap the collector measured at its last cycle
//     (runtime/metrics' /gc/heap/live:bytes) less the account then: the
//     runtime, connection buffers, the access clocks, and whatever the
//     per-item estimate misses. Garbage is not in it: Redis's used_memory
//     does not count freed memory either. It changes only when a new
//     collection is seen (Watch, Measure).
//
// The invariant eviction keeps (Free): holding the eviction lock, Free
// refreshes the account and evicts until used <= max, lowering the account
// by each evicted item's ItemCost; so a command runs only when used memory
// is within the budget at that instant, and it adds only its own write;
// or, when its eviction is bounded (a jump of the correction at a
// collection may need more evictions than one command makes), when its
// evictions freed at least what it writes: while over the budget, used
// memory does not grow. Used memory therefore stays within max plus the
// writes of the commands in flight (one command's for one client), plus
// the correction's error: what the per-item estimate misses for the items
// written since the last collection (the correction catches up at each
// collection; the tests measure it).
//
// Why the orders are safe (each can only overstate used memory, so a
// write is refused or evicts a little early, never late): a write is
// charged after it applied, and Refresh reads pending before it sums the
// counters and subtracts only that, so a charge is dropped only when its
// write is in the sum. Evictions and Refresh hold the same lock, so an
// eviction is either in the sum or subtracted, not both. Deletes that are
// not evictions (DEL, DeleteItem, expiry) are seen at the next Refresh.
// The account at the collector's mark is unknown; the correction uses the
// smaller of the accounts read before and after the cycle, which makes it
// the larger.
//
// The Go runtime's memory limit follows the budget (SetMax): the
// collector then runs before the heap doubles past the budget (GOGC's
// default would let total memory reach twice the live heap). It is set
// above the budget, not below, because eviction keeps the live heap at
// about the budget: a limit under it would make the collector run without
// end ("death spiral") instead of letting eviction work.
type Budget struct {
	max        atomic.Int64 // 0: no budget
	account    atomic.Int64 // the account at the last Refresh, less evictions since
	pending    atomic.Int64 // bytes charged to writes since the last Refresh
	correction atomic.Int64 // live heap at the last collection less the account then
	wantGC     atomic.Bool  // a write was refused: Watch runs a collection

	store *Store // nil: a budget of no store (tests): the account is the costs

	// evictMu serialises Refresh with the evictions of Free.
	evictMu sync.Mutex
	costs   atomic.Pointer[[]func() int64] // AddCost

	mu       sync.Mutex // serialises SetMax and measure
	cycles   uint64     // GC cycles at the last reading (under mu)
	read     bool       // a reading was made (under mu)
	lastAcc  int64      // the account at the last reading (under mu)
	lastGC   time.Time  // the last collection Watch ran (under mu)
	prevLim  int64      // the runtime's limit before the first SetMax (under mu)
	limitSet bool       // SetMax has set the runtime's limit (under mu)
	samples  []metrics.Sample
}

const (
	// ItemOverhead is what an item costs beyond its DynamoDB size: its
	// B-tree entry, its hash index slot, its cell and its share of its
	// slab's dead bytes (arena.go), about 80 bytes
	// measured per RESP string with a 10- to 100-byte value since the Key
	// is stored once (keyInside; it was about 90-100 with the Key in front
	// of the encoding, about 120 before shard/btree filled its nodes), 80
	// more with an expiry (the RESP expiry index), which the correction
	// covers; 100 keeps both within TestItemCost's 30% (go test -run
	// TestItemCost ./protocol/resp -v).
	ItemOverhead = 100
	// roundingShift: allocation size classes round an item up by 1/16 on
	// average (at most 1/8).
	roundingShift = 4
	// MeasureInterval is how often Watch reads the heap and the account:
	// the readings around a collection bound the account at its mark (see
	// measureLocked), so the shorter, the closer the correction (a reading
	// is a few hundred atomic loads).
	MeasureInterval = 25 * time.Millisecond
	// forcedGCInterval bounds how often Watch runs a collection because a
	// write was refused (the correction may be stale after a flush).
	forcedGCInterval = time.Second
)

// ItemCost is what an item of DynamoDB size size counts for in the
// account.
func ItemCost(size int) int64 { return int64(size) + int64(size)>>roundingShift + ItemOverhead }

// Budget returns the store's memory budget.
func (s *Store) Budget() *Budget { return &s.budget }

// Max returns the budget in bytes (0: none).
func (b *Budget) Max() int64 { return b.max.Load() }

// Used returns used memory in bytes (see Budget).
func (b *Budget) Used() int64 {
	u := b.account.Load() + b.pending.Load() + b.correction.Load()
	if u < 0 {
		return 0
	}
	return u
}

// Over reports whether used memory passes a budget: the check of every
// write, three atomic loads.
func (b *Budget) Over() bool {
	m := b.max.Load()
	return m > 0 && b.Used() > m
}

// Charge counts n bytes a write added, until the next Refresh. Call it
// after the write applied (see Budget for why).
func (b *Budget) Charge(n int64) { b.pending.Add(n) }

// AddCost counts cost() in the account: the bytes a cache holds (it must
// be cheap; it is read at every Refresh).
func (b *Budget) AddCost(cost func() int64) {
	b.evictMu.Lock()
	defer b.evictMu.Unlock()
	var costs []func() int64
	if p := b.costs.Load(); p != nil {
		costs = append(costs, *p...)
	}
	costs = append(costs, cost)
	b.costs.Store(&costs)
	b.refreshLocked()
}

// Refused records that a write was refused for want of memory: Watch runs
// a collection soon (at most one per forcedGCInterval), so that a
// correction made stale by a flush or a delete does not refuse writes
// until the runtime's next own collection.
func (b *Budget) Refused() { b.wantGC.Store(true) }

// Account returns the exact account now: the items' costs of every table
// and index plus the registered costs.
func (b *Budget) Account() int64 {
	var n int64
	if s := b.store; s != nil {
		for _, t := range s.Tables() {
			n += t.accountBytes()
		}
	}
	if p := b.costs.Load(); p != nil {
		for _, cost := range *p {
			n += cost()
		}
	}
	return n
}

// accountBytes is the sum of ItemCost over t's items and its indexes'
// (up to rounding: the 1/16 is taken of the sum).
func (t *Table) accountBytes() int64 {
	var count, bytes int64
	for i := range t.shards {
		count += t.shards[i].count.Load()
		bytes += t.shards[i].bytes.Load()
	}
	for _, ix := range t.indexes.Load().ixs {
		for i := range ix.shards {
			count += ix.shards[i].count.Load()
			bytes += ix.shards[i].bytes.Load()
		}
	}
	return bytes + bytes>>roundingShift + count*ItemOverhead
}

// Refresh replaces the account's estimate by the exact figure.
func (b *Budget) Refresh() {
	b.evictMu.Lock()
	b.refreshLocked()
	b.evictMu.Unlock()
}

// REQUIRES: b.evictMu held.
func (b *Budget) refreshLocked() int64 {
	p := b.pending.Load() // before the sum: see Budget
	acc := b.Account()
	b.account.Store(acc)
	b.pending.Add(-p)
	return acc
}

// Free evicts, by calling evict, while used memory is over the budget, at
// most limit times; evict returns the ItemCost of the item it removed,
// and false when it found none. Free reports whether the command that
// needs need bytes may run: used memory is within the budget (the
// invariant, see Budget), or, when the limit was reached, the evictions
// freed at least need (so that while used memory is over the budget, an
// admitted command does not make it grow; Redis lets a command run while
// its eviction is still catching up too, EVICT_RUNNING). When nothing is
// left to evict while over the budget, the command may not run (Redis's
// EVICT_FAIL). With limit 0, Free refreshes the account and reports
// whether used memory is within the budget.
func (b *Budget) Free(limit int, need int64, evict func() (int64, bool)) bool {
	b.evictMu.Lock()
	defer b.evictMu.Unlock()
	b.refreshLocked()
	var freed int64
	for n := 0; b.Over(); n++ {
		if n == limit {
			return freed > 0 && freed >= need
		}
		f, ok := evict()
		if !ok {
			return false // as Redis's EVICT_FAIL
		}
		freed += f
		b.account.Add(-f)
	}
	return true
}

// LimitHeadroom is what the runtime's memory limit allows beyond the
// budget: a quarter of it, plus 64 MiB (the runtime's own memory,
// stacks and fragmentation are not counted in used memory).
func LimitHeadroom(max int64) int64 { return max/4 + 64<<20 }

// SetMax sets the budget (0: none) and the runtime's memory limit with it
// (max + LimitHeadroom(max); back to what it was without a budget), and
// measures at once.
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

// Measure refreshes the account and reads the heap now.
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
	b.evictMu.Lock()
	acc := b.refreshLocked()
	b.evictMu.Unlock()
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
		// The collection's mark fell between the last reading and this
		// one: the account then was at least the smaller of the two.
		at := acc
		if b.read && b.lastAcc < at {
			at = b.lastAcc
		}
		b.correction.Store(live - at)
		b.cycles = cycles
		b.read = cycles != 0 // before a collection, every reading is taken
	}
	b.lastAcc = acc
}

// Watch measures every MeasureInterval while a budget is set, until stop
// is closed; after a refused write (Refused) it runs a collection first,
// at most once per forcedGCInterval.
func (b *Budget) Watch(stop <-chan struct{}) {
	t := time.NewTicker(MeasureInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if b.max.Load() == 0 {
			continue
		}
		if b.wantGC.Load() {
			b.mu.Lock()
			due := time.Since(b.lastGC) >= forcedGCInterval
			if due {
				b.lastGC = time.Now()
			}
			b.mu.Unlock()
			if due {
				b.wantGC.Store(false)
				runtime.GC()
			}
		}
		b.Measure()
	}
}
