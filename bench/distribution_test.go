package bench

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestUniformBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 1000
	var seen [n]int
	for range 200_000 {
		k := uniformChooser{}.next(rng, n)
		if k < 0 || k >= n {
			t.Fatalf("draw %d outside [0,%d)", k, n)
		}
		seen[k]++
	}
	lo, hi := slices.Min(seen[:]), slices.Max(seen[:])
	if lo < 100 || hi > 320 { // mean 200, sd ~14
		t.Errorf("uniform counts span %d..%d", lo, hi)
	}
	if (uniformChooser{}).next(rng, 0) != 0 {
		t.Error("empty key space must give 0")
	}
}

// The unscrambled zipfian gives item i probability 1/((i+1)^theta zeta(n)).
func TestZipfianProbabilities(t *testing.T) {
	const n = 1000
	z := newZipfian(n, zipfianConstant, zeta(0, n, zipfianConstant, 0))
	rng := rand.New(rand.NewPCG(5, 6))
	const draws = 500_000
	counts := make([]int, n)
	for range draws {
		k := z.draw(rng.Float64())
		if k < 0 || k >= n {
			t.Fatalf("draw %d outside [0,%d)", k, n)
		}
		counts[k]++
	}
	zn := zeta(0, n, zipfianConstant, 0)
	for _, i := range []int{0, 1} { // exact cases of the algorithm
		want := 1 / (math.Pow(float64(i+1), zipfianConstant) * zn)
		got := float64(counts[i]) / draws
		if math.Abs(got-want)/want > 0.03 {
			t.Errorf("item %d: %.4f, want %.4f", i, got, want)
		}
	}
	// Skew: the first 10% of the items take most of the draws.
	head := 0
	for _, c := range counts[:n/10] {
		head += c
	}
	if frac := float64(head) / draws; frac < 0.6 {
		t.Errorf("first 10%% of items drew %.2f, want > 0.6", frac)
	}
}

// Growing a zipfian incrementally equals computing it for the new size.
func TestZipfianGrow(t *testing.T) {
	z := newZipfian(1000, zipfianConstant, zeta(0, 1000, zipfianConstant, 0))
	z.grow(1500)
	fresh := newZipfian(1500, zipfianConstant, zeta(0, 1500, zipfianConstant, 0))
	if math.Abs(z.zetan-fresh.zetan) > 1e-9 || math.Abs(z.eta-fresh.eta) > 1e-9 {
		t.Errorf("grown zetan %v eta %v, fresh %v %v", z.zetan, z.eta, fresh.zetan, fresh.eta)
	}
}

// The scrambled zipfian stays in bounds, is skewed (the hottest key is
// drawn about 1/zeta(10^10) = 3.8% of the time, not 0.1%), and spreads
// its hot keys over the key space rather than at its start.
func TestScrambledZipfian(t *testing.T) {
	c, err := newChooser("zipfian", 1000)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	const n, draws = 1000, 300_000
	counts := make([]int, n)
	for range draws {
		k := c.next(rng, n)
		if k < 0 || k >= n {
			t.Fatalf("draw %d outside [0,%d)", k, n)
		}
		counts[k]++
	}
	sorted := slices.Clone(counts)
	slices.Sort(sorted)
	slices.Reverse(sorted)
	if top := float64(sorted[0]) / draws; top < 0.03 || top > 0.06 {
		t.Errorf("hottest key drew %.4f, want about 0.038", top)
	}
	top10 := 0
	for _, c := range sorted[:10] {
		top10 += c
	}
	if frac := float64(top10) / draws; frac < 0.12 {
		t.Errorf("10 hottest keys drew %.3f, want > 0.12", frac)
	}
	hottest := slices.Index(counts, sorted[0])
	if hottest < 10 {
		t.Logf("hottest key %d (scrambled keys may land anywhere)", hottest)
	}
	// Deterministic: the same seed draws the same keys.
	a, b := rand.New(rand.NewPCG(1, 1)), rand.New(rand.NewPCG(1, 1))
	for range 100 {
		if c.next(a, n) != c.next(b, n) {
			t.Fatal("not deterministic")
		}
	}
}

func TestFNVHash64(t *testing.T) {
	// FNV-1a of eight zero bytes, as a positive signed value.
	h := uint64(0xCBF29CE484222325)
	for range 8 {
		h *= 1099511628211
	}
	want := h
	if int64(want) < 0 {
		want = uint64(-int64(want))
	}
	if got := fnvhash64(0); got != want {
		t.Errorf("fnvhash64(0) = %d, want %d", got, want)
	}
	for v := range uint64(1000) {
		if int64(fnvhash64(v)) < 0 {
			t.Fatalf("fnvhash64(%d) negative", v)
		}
	}
}

// Latest favours the newest records, and follows the key space as it grows.
func TestLatest(t *testing.T) {
	c, err := newChooser("latest", 1000)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int64{1000, 1200} {
		const draws = 200_000
		newest, recent := 0, 0
		for range draws {
			k := c.next(rng, n)
			if k < 0 || k >= n {
				t.Fatalf("draw %d outside [0,%d)", k, n)
			}
			if k == n-1 {
				newest++
			}
			if k >= n-n/10 {
				recent++
			}
		}
		want := 1 / zeta(0, n, zipfianConstant, 0)
		if got := float64(newest) / draws; math.Abs(got-want)/want > 0.05 {
			t.Errorf("n=%d: newest drawn %.4f, want %.4f", n, got, want)
		}
		if frac := float64(recent) / draws; frac < 0.6 {
			t.Errorf("n=%d: newest 10%% drawn %.2f, want > 0.6", n, frac)
		}
	}
}

// The key space counts an insert only when every earlier one is answered.
func TestKeySpaceAck(t *testing.T) {
	k := newKeySpace(10)
	a, b, c := k.claim(), k.claim(), k.claim()
	if a != 10 || b != 11 || c != 12 {
		t.Fatalf("claims %d %d %d", a, b, c)
	}
	k.ack(c)
	k.ack(b)
	if k.count() != 10 {
		t.Fatalf("count %d before the first insert is answered", k.count())
	}
	k.ack(a)
	if k.count() != 13 || len(k.pending) != 0 {
		t.Fatalf("count %d, pending %d", k.count(), len(k.pending))
	}
}

func TestUnknownDistribution(t *testing.T) {
	if _, err := newChooser("gaussian", 10); err == nil {
		t.Error("unknown distribution accepted")
	}
}

func newTestRand() *rand.Rand { return rand.New(rand.NewPCG(11, 12)) }
