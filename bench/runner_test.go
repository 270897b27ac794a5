package bench

import (
	"sync/atomic"
	"testing"
	"time"
)

// stubClient answers every request at once with a fixed latency.
type stubClient struct {
	latency int64
	calls   int
}

func (s *stubClient) run(reqs []request) {
	s.calls++
	for i := range reqs {
		reqs[i].reset()
		reqs[i].start = nanotime()
		reqs[i].end = reqs[i].start + s.latency
	}
}
func (s *stubClient) close() {}

func newTestWorker(c client, spec *phaseSpec, quota int64) *worker {
	cfg := &Config{ValueSize: 10, Batch: 1, ScanMax: 1}
	var stop atomic.Bool
	live := [numOpKinds]*liveHistogram{}
	for i := range live {
		live[i] = newLiveHistogram()
	}
	w := &worker{cfg: cfg, spec: spec, keys: newKeySpace(100), client: c, live: &live, stop: &stop,
		measureFrom: -1 << 62, deadline: nanotime() + int64(time.Minute), counted: true, quota: quota}
	w.rng = newTestRand()
	w.init()
	return w
}

// In rate mode a request's latency counts from when it was due: a worker
// that is 50 ms behind schedule records at least 50 ms for its first
// request although the server answered in 1 µs, and catches up without
// sleeping.
func TestRateModeCountsFromDueTime(t *testing.T) {
	c := &stubClient{latency: 1000}
	w := newTestWorker(c, &phaseSpec{name: "run", workload: ycsbWorkloads["c"], dist: "uniform", depth: 1}, 10)
	w.interval = int64(time.Millisecond)
	w.intended = nanotime() - int64(50*time.Millisecond)
	w.loop()
	h := w.res.ops[opRead].hist
	if h.Count() != 10 {
		t.Fatalf("%d requests recorded, want 10", h.Count())
	}
	if h.Max() < uint64(50*time.Millisecond) {
		t.Errorf("max %v: the 50 ms the worker was late are not counted", time.Duration(h.Max()))
	}
	if h.Min() < 1000 {
		t.Errorf("min %d below the server's latency", h.Min())
	}

	// Closed loop: the latency is the round trip only.
	w = newTestWorker(&stubClient{latency: 1000}, &phaseSpec{name: "run", workload: ycsbWorkloads["c"], dist: "uniform", depth: 1}, 10)
	w.loop()
	if h := w.res.ops[opRead].hist; h.Count() != 10 || h.Max() != 1000 {
		t.Errorf("closed loop: count %d max %d, want 10 and 1000", h.Count(), h.Max())
	}
}

// A worker with a zero share of --ops (fewer operations than connections)
// does nothing rather than run until the deadline.
func TestWorkerZeroQuota(t *testing.T) {
	c := &stubClient{latency: 5}
	w := newTestWorker(c, &phaseSpec{name: "run", workload: ycsbWorkloads["c"], dist: "uniform", depth: 1}, 0)
	w.loop()
	if c.calls != 0 {
		t.Errorf("%d calls, want none", c.calls)
	}
}

// A quota is met exactly, in batches of the pipeline depth.
func TestWorkerQuotaAndDepth(t *testing.T) {
	c := &stubClient{latency: 5}
	w := newTestWorker(c, &phaseSpec{name: "run", workload: ycsbWorkloads["a"], dist: "zipfian", depth: 8}, 100)
	w.loop()
	var n uint64
	for i := range w.res.ops {
		if h := w.res.ops[i].hist; h != nil {
			n += h.Count()
		}
	}
	if n != 100 || c.calls != 13 { // 12 batches of 8, then 4
		t.Errorf("%d requests in %d batches, want 100 in 13", n, c.calls)
	}
}
