package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

// Key distributions, as YCSB's core workload draws them. Every chooser
// returns a record number in [0, n) where n is the number of records that
// exist when it is called (it grows with inserts in workloads D and E).

// keyChooser draws the next record number, given how many records exist.
type keyChooser interface {
	next(rng *rand.Rand, n int64) int64
}

// uniformChooser draws every existing record with the same probability.
type uniformChooser struct{}

func (uniformChooser) next(rng *rand.Rand, n int64) int64 {
	if n <= 0 {
		return 0
	}
	return rng.Int64N(n)
}

// zipfianConstant is YCSB's default skew.
const zipfianConstant = 0.99

// zipfian is YCSB's ZipfianGenerator (Gray et al., "Quickly generating
// billion-record synthetic databases", SIGMOD 1994): item 0 is the most
// popular, item i has probability proportional to 1/(i+1)^theta. zetan is
// extended incrementally when the item count grows (inserts), so a worker
// keeps its own copy.
type zipfian struct {
	items      int64 // items zetan covers
	theta      float64
	alpha      float64
	zeta2theta float64
	zetan      float64
	eta        float64
}

func newZipfian(items int64, theta, zetan float64) *zipfian {
	z := &zipfian{items: items, theta: theta, alpha: 1 / (1 - theta), zeta2theta: zeta(0, 2, theta, 0), zetan: zetan}
	z.setEta()
	return z
}

// zeta returns sum_{i=from+1}^{to} 1/i^theta added to initial.
func zeta(from, to int64, theta, initial float64) float64 {
	sum := initial
	for i := from; i < to; i++ {
		sum += 1 / math.Pow(float64(i+1), theta)
	}
	return sum
}

func (z *zipfian) setEta() {
	z.eta = (1 - math.Pow(2/float64(z.items), 1-z.theta)) / (1 - z.zeta2theta/z.zetan)
}

// grow extends the generator to n items (n larger than before).
func (z *zipfian) grow(n int64) {
	if n <= z.items {
		return
	}
	z.zetan = zeta(z.items, n, z.theta, z.zetan)
	z.items = n
	z.setEta()
}

// draw returns an item in [0, n): YCSB's nextLong(itemcount).
func (z *zipfian) draw(u float64) int64 {
	uz := u * z.zetan
	if uz < 1 {
		return 0
	}
	if uz < 1+math.Pow(0.5, z.theta) {
		return 1
	}
	return int64(float64(z.items) * math.Pow(z.eta*u-z.eta+1, z.alpha))
}

// Scrambled zipfian: YCSB draws from a zipfian over 10^10 items with a
// precomputed zeta and hashes the result onto the key space, so the popular
// keys are spread over it rather than packed at its start.
const (
	scrambledItems = 10_000_000_000
	scrambledZetan = 26.46902820178302 // zeta(10^10, 0.99), YCSB's constant
)

// scrambledZipfianChooser is YCSB's ScrambledZipfianGenerator. The zipfian
// it hashes from is fixed, so it is shared read-only by all workers.
type scrambledZipfianChooser struct {
	z *zipfian
}

func newScrambledZipfian() scrambledZipfianChooser {
	return scrambledZipfianChooser{z: newZipfian(scrambledItems+1, zipfianConstant, scrambledZetan)}
}

func (s scrambledZipfianChooser) next(rng *rand.Rand, n int64) int64 {
	if n <= 0 {
		return 0
	}
	return int64(fnvhash64(uint64(s.z.draw(rng.Float64()))) % uint64(n))
}

// fnvhash64 is YCSB's Utils.fnvhash64: FNV-1a over the 8 bytes of v, low
// byte first, then the absolute value of the signed result.
func fnvhash64(v uint64) uint64 {
	h := uint64(0xCBF29CE484222325)
	for range 8 {
		h ^= v & 0xff
		v >>= 8
		h *= 1099511628211
	}
	if s := int64(h); s < 0 {
		if s == math.MinInt64 {
			return 0
		}
		return uint64(-s)
	}
	return h
}

// latestChooser is YCSB's SkewedLatestGenerator: a zipfian over the
// distance from the newest record, so the most recent inserts are the
// most read. Its zipfian grows with the records; each worker has its own.
type latestChooser struct {
	z *zipfian
}

func (l *latestChooser) next(rng *rand.Rand, n int64) int64 {
	if n <= 0 {
		return 0
	}
	l.z.grow(n)
	d := l.z.draw(rng.Float64())
	if d >= n {
		d = n - 1
	}
	return n - 1 - d
}

// zetaCache computes zeta(n, theta) once per n for all workers: for a
// million records it is a million pow calls, not worth repeating per
// worker.
var zetaCache struct {
	sync.Mutex
	m map[int64]float64
}

func cachedZeta(n int64) float64 {
	zetaCache.Lock()
	defer zetaCache.Unlock()
	if v, ok := zetaCache.m[n]; ok {
		return v
	}
	if zetaCache.m == nil {
		zetaCache.m = map[int64]float64{}
	}
	v := zeta(0, n, zipfianConstant, 0)
	zetaCache.m[n] = v
	return v
}

// newChooser returns a chooser for a distribution name; records is the
// number of records at the start (for latest's initial zeta).
func newChooser(dist string, records int64) (keyChooser, error) {
	switch dist {
	case "uniform":
		return uniformChooser{}, nil
	case "zipfian":
		return newScrambledZipfian(), nil
	case "latest":
		n := max(records, 2)
		return &latestChooser{z: newZipfian(n, zipfianConstant, cachedZeta(n))}, nil
	}
	return nil, fmt.Errorf("unknown distribution %q (uniform, zipfian or latest)", dist)
}

// keySpace tracks how many records exist: the loaded ones plus the inserts
// acknowledged. An insert takes the next record number from next; reads
// choose among records below done, every one of which has been answered
// (YCSB's acknowledged counter), so they do not look for a record whose
// insert is still in flight. Inserts complete nearly in order; the ones
// that complete early wait in pending (a few, at most one per worker).
// The mutex is taken once per insert, after its round trip.
type keySpace struct {
	next atomic.Int64 // next record number to insert
	done atomic.Int64 // records below done are all acknowledged

	mu      sync.Mutex
	pending map[int64]struct{} // acknowledged, at or above done
}

func newKeySpace(records int64) *keySpace {
	k := &keySpace{pending: map[int64]struct{}{}}
	k.next.Store(records)
	k.done.Store(records)
	return k
}

func (k *keySpace) claim() int64 { return k.next.Add(1) - 1 }

// ack acknowledges record rec (inserted, or failed: either way answered).
func (k *keySpace) ack(rec int64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	d := k.done.Load()
	if rec != d {
		k.pending[rec] = struct{}{}
		return
	}
	d++
	for {
		if _, ok := k.pending[d]; !ok {
			break
		}
		delete(k.pending, d)
		d++
	}
	k.done.Store(d)
}

func (k *keySpace) count() int64 { return k.done.Load() }
