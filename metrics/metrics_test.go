package metrics

import (
	"sync"
	"testing"
	"time"
)

func TestHistogram(t *testing.T) {
	h := NewHistogram([]float64{1, 2, 5})
	for _, v := range []float64{0.5, 1, 1.5, 3, 10} {
		h.Observe(v)
	}
	n, sum, b := h.Snapshot()
	if n != 5 || sum != 16 || b[1] != 2 || b[2] != 3 || b[5] != 4 {
		t.Fatalf("count %d sum %v buckets %v", n, sum, b)
	}
}

func TestRequestsConcurrent(t *testing.T) {
	r := NewRequests([]string{"GetItem", "PutItem"})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				outcome := "ok"
				if i%10 == 0 {
					outcome = "ValidationException"
				}
				r.Observe("GetItem", outcome, time.Microsecond)
				r.Observe("Unknown", "ok", time.Microsecond)
			}
		}()
	}
	wg.Wait()
	got := map[string]uint64{}
	ops := 0
	r.Each(func(op string, s *OpStats) {
		ops++
		s.Outcomes(func(o string, n uint64) { got[op+"/"+o] = n })
	})
	if ops != 1 || got["GetItem/ok"] != 7200 || got["GetItem/ValidationException"] != 800 {
		t.Fatalf("%d ops, %v", ops, got)
	}
}
