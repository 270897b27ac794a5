package bench

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// Every value lies in the bucket bucketIndex gives it, and buckets tile the
// range without gaps.
func TestHistogramBuckets(t *testing.T) {
	for _, sub := range []uint8{fineSub, coarseSub} {
		prevHigh := int64(-1)
		for i := range bucketCount(sub) {
			hi := bucketHigh(i, sub)
			if int64(hi) <= prevHigh {
				t.Fatalf("sub %d: bucket %d high %d not above %d", sub, i, hi, prevHigh)
			}
			lo := uint64(prevHigh + 1)
			if bucketIndex(lo, sub) != i || bucketIndex(hi, sub) != i {
				t.Fatalf("sub %d: bucket %d [%d,%d] maps to %d,%d", sub, i, lo, hi, bucketIndex(lo, sub), bucketIndex(hi, sub))
			}
			// Relative width bounds the error of a reported value.
			if lo >= 1<<sub && float64(hi-lo+1)/float64(lo) > 1/float64(uint64(1)<<(sub-1))+1e-12 {
				t.Fatalf("sub %d: bucket %d [%d,%d] too wide", sub, i, lo, hi)
			}
			prevHigh = int64(hi)
		}
		if top := bucketHigh(bucketCount(sub)-1, sub); top != 1<<topBits-1 {
			t.Errorf("sub %d: top %d, want 2^%d-1", sub, top, topBits)
		}
		if bucketIndex(math.MaxUint64, sub) != bucketCount(sub)-1 {
			t.Errorf("sub %d: huge values must clamp into the last bucket", sub)
		}
	}
}

// Quantiles are within the layout's precision of the exact ones.
func TestHistogramQuantiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	h := NewHistogram()
	var vals []int64
	for range 100_000 {
		v := int64(math.Exp(rng.NormFloat64()*1.5+11)) + 1 // log-normal around 60µs
		vals = append(vals, v)
		h.Record(v)
	}
	slices.Sort(vals)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		exact := vals[int(math.Ceil(q*float64(len(vals))))-1]
		got := h.Quantile(q)
		if rel := math.Abs(float64(got)-float64(exact)) / float64(exact); rel > 0.002 {
			t.Errorf("q%.3f: got %d, exact %d (%.4f off)", q, got, exact, rel)
		}
	}
	if h.Max() != uint64(vals[len(vals)-1]) || h.Min() != uint64(vals[0]) {
		t.Errorf("min/max %d/%d, want %d/%d", h.Min(), h.Max(), vals[0], vals[len(vals)-1])
	}
	if h.Quantile(1) != h.Max() || h.Quantile(0) != h.Min() {
		t.Error("q0/q1 must be min/max")
	}
}

// Merging per-worker histograms gives exactly the histogram of all values.
func TestHistogramMerge(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	all := NewHistogram()
	parts := []*Histogram{NewHistogram(), NewHistogram(), NewHistogram(), NewHistogram()}
	for i := range 50_000 {
		v := rng.Int64N(1 << 30)
		all.Record(v)
		parts[i%len(parts)].Record(v)
	}
	merged := NewHistogram()
	merged.Merge(nil)
	merged.Merge(NewHistogram()) // empty: no effect
	for _, p := range parts {
		merged.Merge(p)
	}
	if merged.Count() != all.Count() || merged.Mean() != all.Mean() || merged.Min() != all.Min() || merged.Max() != all.Max() {
		t.Fatalf("merged count/mean/min/max differ")
	}
	if !slices.Equal(merged.counts, all.counts) {
		t.Fatal("merged counts differ")
	}
	for _, q := range []float64{0.5, 0.99, 0.9999} {
		if merged.Quantile(q) != all.Quantile(q) {
			t.Errorf("q%v differs", q)
		}
	}
	merged.Reset()
	if merged.Count() != 0 || merged.Quantile(0.5) != 0 {
		t.Error("Reset left values")
	}
}

// A live histogram drained while being written loses and doubles nothing.
func TestLiveHistogramDrain(t *testing.T) {
	l := newLiveHistogram()
	const writers, per = 4, 20_000
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				l.record(int64(w*1000 + i))
				if i%100 == 0 {
					l.errors.Add(1)
				}
			}
		}()
	}
	total := newCoarseHistogram()
	var errs uint64
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		h := newCoarseHistogram()
		errs += l.drainInto(h)
		total.Merge(h)
	}
	errs += l.drainInto(total)
	if total.Count() != writers*per || errs != writers*per/100 {
		t.Fatalf("drained %d values and %d errors, want %d and %d", total.Count(), errs, writers*per, writers*per/100)
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	h := NewHistogram()
	l := newLiveHistogram()
	b.ReportAllocs()
	var v int64 = 12345
	for b.Loop() {
		h.Record(v)
		l.record(v)
		v = v*7 + 13&(1<<24-1)
	}
}
