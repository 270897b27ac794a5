package resp

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cespare/xxhash/v2"
)

// Access clocks for the LRU and LFU eviction policies, kept compactly as
// Redis keeps 24 bits per object: a fixed table of accessSlots 32-bit
// slots (4 MiB, allocated when such a policy is first chosen), indexed
// by the hash of the Redis key. Keys whose hashes share a slot share its
// clock: a cold key may then look as recent (or as frequent) as a hot
// one, never the reverse; with fewer keys than slots that is rare, and
// eviction is an approximation in Redis too (it compares a sample).
//
// Every command that names keys touches their slots after it runs (one
// hash and one atomic store per key, only while an LRU or LFU policy is
// set). A slot of 0 was never touched: a key loaded from the log, or
// written through the DynamoDB API, looks the oldest and least used.
//
// LRU: a slot holds the server's access counter at the key's last access
// (a logical clock: one increment per touch, exact order, no ties; it
// wraps after 2^32 touches, comparisons are modular). LFU: as Redis's
// (evict.c's LFULogIncr and LFUDecrAndReturn), the slot holds the minute
// of the last decrement (16 bits) and a logarithmic counter (8 bits): a
// new key starts at lfuInit, an access increments the counter with
// probability 1/((counter-lfuInit)*lfuLogFactor+1), and each minute
// without access takes one off.
const (
	accessSlots  = 1 << 20
	lfuInit      = 5
	lfuLogFactor = 10
)

type accessClocks struct {
	once  sync.Once
	slots []atomic.Uint32
	clock atomic.Uint32 // LRU's logical clock
	start time.Time     // LFU's minutes count from here
}

func (a *accessClocks) init() {
	a.once.Do(func() {
		a.slots = make([]atomic.Uint32, accessSlots)
		a.start = time.Now()
	})
}

func slotOf(key []byte) int { return int(xxhash.Sum64(key) & (accessSlots - 1)) }

// touch records an access of Redis key key under policy.
func (a *accessClocks) touch(key []byte, policy maxmemoryPolicy) {
	sl := &a.slots[slotOf(key)]
	switch policy {
	case policyAllKeysLRU, policyVolatileLRU:
		sl.Store(a.clock.Add(1))
	case policyAllKeysLFU, policyVolatileLFU:
		v := sl.Load()
		now := a.minutes()
		if v == 0 {
			sl.Store(now<<16 | lfuInit)
			return
		}
		c := a.lfuDecay(v, now)
		if c < 255 {
			base := float64(int(c) - lfuInit)
			if base < 0 {
				base = 0
			}
			if rand.Float64() < 1/(base*lfuLogFactor+1) {
				c++
			}
		}
		sl.Store(now<<16 | c)
	}
}

// forget clears key's slot (the key was evicted).
func (a *accessClocks) forget(key []byte) { a.slots[slotOf(key)].Store(0) }

// minutes is the LFU clock: minutes since start, in 16 bits.
func (a *accessClocks) minutes() uint32 { return uint32(time.Since(a.start)/time.Minute) & 0xffff }

// lfuDecay returns the counter of slot value v at minute now.
func (a *accessClocks) lfuDecay(v, now uint32) uint32 {
	c := v & 0xff
	elapsed := (now - v>>16) & 0xffff
	if elapsed >= c {
		return 0
	}
	return c - elapsed
}

// coldness orders eviction candidates: the larger, the sooner evicted
// (LRU: accesses since the key's last; LFU: 255 less its counter).
func (a *accessClocks) coldness(key []byte, policy maxmemoryPolicy) uint32 {
	v := a.slots[slotOf(key)].Load()
	switch policy {
	case policyAllKeysLRU, policyVolatileLRU:
		if v == 0 {
			return ^uint32(0)
		}
		return a.clock.Load() - v
	default:
		if v == 0 {
			return 255
		}
		return 255 - a.lfuDecay(v, a.minutes())
	}
}
