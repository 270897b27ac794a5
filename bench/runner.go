package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

const (
	protoHTTP = 0
	protoRESP = 1
)

// request is one operation a worker hands its client, and its outcome.
type request struct {
	op    opKind
	keys  []int64 // record numbers: one, or a batch's; a scan's first record
	n     int     // scan length
	value []byte  // value to write (a slice of the worker's pool)

	start, end int64  // nanotime around the round trip
	errClass   string // "" when it succeeded
	errMsg     string
	miss       bool // a read found nothing
}

func (r *request) reset() {
	r.start, r.end, r.errClass, r.errMsg, r.miss = 0, 0, "", "", false
}

func (r *request) fail(class, msg string) {
	r.errClass, r.errMsg = class, msg
}

// client is one worker's connection to a target.
type client interface {
	// run runs the requests (pipelined where the protocol allows) and fills
	// in their outcomes.
	run(reqs []request)
	close()
}

// target is one server under test.
type target interface {
	String() string
	proto() int
	// prepare makes the target ready (the table exists), within timeout.
	prepare(ctx context.Context, timeout time.Duration) error
	newClient(worker int) (client, error)
}

var clockBase = time.Now()

// nanotime is a monotonic clock in nanoseconds.
func nanotime() int64 { return int64(time.Since(clockBase)) }

// errKey is one kind of failure of one operation.
type errKey struct {
	op    opKind
	class string
}

// opStats are one operation's figures in one phase.
type opStats struct {
	hist   *Histogram // latencies of successes
	errors uint64
	misses uint64
}

// workerResult is what one worker measured; the phase merges them when the
// workers are done (nothing is shared while they run but the live
// histograms' atomics).
type workerResult struct {
	ops     [numOpKinds]opStats
	records uint64 // records written by successful load requests
	errs    map[errKey]uint64
	samples map[errKey]string
}

func (w *workerResult) record(r *request) {
	st := &w.ops[r.op]
	if r.errClass != "" {
		st.errors++
		k := errKey{r.op, r.errClass}
		if w.errs == nil {
			w.errs, w.samples = map[errKey]uint64{}, map[errKey]string{}
		}
		if w.errs[k]++; w.errs[k] == 1 {
			w.samples[k] = r.errMsg
		}
		return
	}
	if st.hist == nil {
		st.hist = NewHistogram()
	}
	st.hist.Record(r.end - r.start)
	if r.miss {
		st.misses++
	}
}

// tick is one second of a phase: per operation, the successes, errors and
// latency quantiles of that second (coarse histograms).
type tick struct {
	At   float64 // seconds since the phase started, at the end of the tick
	Secs float64 // length of the tick
	Ops  map[string]tickOp
}

type tickOp struct {
	Ops    uint64  `json:"ops"`
	Errors uint64  `json:"errors"`
	P50us  float64 `json:"p50_us"`
	P99us  float64 `json:"p99_us"`
}

// phaseResult is one run of a workload (or the load) against one target.
type phaseResult struct {
	Target   string
	Round    int
	Elapsed  time.Duration // the measured part (after warm-up)
	Ops      [numOpKinds]opStats
	Records  uint64 // load: records written
	Errs     map[errKey]uint64
	Samples  map[errKey]string
	Timeline []tick
	proto    int
}

func (p *phaseResult) merge(w *workerResult) {
	p.Records += w.records
	for i := range w.ops {
		src, dst := &w.ops[i], &p.Ops[i]
		if src.hist != nil {
			if dst.hist == nil {
				dst.hist = NewHistogram()
			}
			dst.hist.Merge(src.hist)
		}
		dst.errors += src.errors
		dst.misses += src.misses
	}
	for k, n := range w.errs {
		if p.Errs == nil {
			p.Errs, p.Samples = map[errKey]uint64{}, map[errKey]string{}
		}
		if _, ok := p.Samples[k]; !ok {
			p.Samples[k] = w.samples[k]
		}
		p.Errs[k] += n
	}
}

// successes returns the successful operations of the phase.
func (p *phaseResult) successes() uint64 {
	var n uint64
	for i := range p.Ops {
		if h := p.Ops[i].hist; h != nil {
			n += h.Count()
		}
	}
	return n
}

func (p *phaseResult) errors() uint64 {
	var n uint64
	for i := range p.Ops {
		n += p.Ops[i].errors
	}
	return n
}

// phaseSpec says what a phase runs.
type phaseSpec struct {
	name     string // "load" or "run"
	workload Workload
	dist     string
	warmup   time.Duration
	duration time.Duration // bound on the measured part
	ops      int64         // measured operations (0: duration only)
	depth    int           // requests per batch (pipeline depth)
	rate     float64       // ops/s over all workers (0: closed loop)
	loadFrom int64         // load: record numbers [loadFrom, loadTo)
	loadTo   int64
}

// runPhase runs one phase against one target with cfg.Conns workers.
func runPhase(ctx context.Context, cfg *Config, t target, spec phaseSpec, keys *keySpace, round int, live io.Writer) (*phaseResult, error) {
	conns := cfg.Conns
	clients := make([]client, conns)
	for i := range clients {
		c, err := t.newClient(i)
		if err != nil {
			for _, c := range clients[:i] {
				c.close()
			}
			return nil, err
		}
		clients[i] = c
	}
	defer func() {
		for _, c := range clients {
			c.close()
		}
	}()

	lives := make([][numOpKinds]*liveHistogram, conns)
	for i := range lives {
		for op := range lives[i] {
			lives[i][op] = newLiveHistogram()
		}
	}

	start := nanotime()
	measureFrom := start + int64(spec.warmup)
	deadline := measureFrom + int64(spec.duration)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var stop atomic.Bool
	go func() {
		<-ctx.Done()
		stop.Store(true)
	}()

	// Work split: a load gives each worker a contiguous slice of records;
	// an operation count gives each worker its share.
	results := make([]*workerResult, conns)
	var lastEnd atomic.Int64
	var wg sync.WaitGroup
	for w := range conns {
		wk := &worker{
			cfg: cfg, spec: &spec, keys: keys, client: clients[w], live: &lives[w],
			rng:         rand.New(rand.NewPCG(cfg.Seed, uint64(w)*0x9E3779B97F4A7C15+uint64(round)+1)),
			measureFrom: measureFrom, deadline: deadline, stop: &stop,
		}
		if spec.rate > 0 && spec.name != "load" {
			// Each worker sends at rate/conns, the workers staggered.
			wk.interval = int64(float64(conns) * 1e9 / spec.rate)
			wk.intended = start + wk.interval*int64(w)/int64(conns)
		}
		if spec.name == "load" {
			n := spec.loadTo - spec.loadFrom
			wk.loadFrom = spec.loadFrom + n*int64(w)/int64(conns)
			wk.loadTo = spec.loadFrom + n*int64(w+1)/int64(conns)
		} else if spec.ops > 0 {
			wk.counted = true
			wk.quota = spec.ops / int64(conns)
			if int64(w) < spec.ops%int64(conns) {
				wk.quota++
			}
		}
		results[w] = &wk.res
		wg.Add(1)
		go func() {
			defer wg.Done()
			wk.init()
			wk.loop()
			for {
				e := lastEnd.Load()
				if wk.lastEnd <= e || lastEnd.CompareAndSwap(e, wk.lastEnd) {
					break
				}
			}
		}()
	}

	// The reporter: drain the live histograms every second into the
	// timeline (and the live line), until the workers are done.
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	res := &phaseResult{Target: t.String(), Round: round, proto: t.proto()}
	names := opNamesFor(t.proto())
	tk := time.NewTicker(time.Second)
	defer tk.Stop()
	lastAt := 0.0
	drain := func() {
		at := float64(nanotime()-start) / 1e9
		tc := tick{At: at, Secs: at - lastAt, Ops: map[string]tickOp{}}
		warming := start+int64(lastAt*1e9) < measureFrom-int64(time.Millisecond) // the tick began in the warm-up
		lastAt = at
		total := newCoarseHistogram()
		var totalErr uint64
		for op := range numOpKinds {
			h := newCoarseHistogram()
			var errs uint64
			for w := range lives {
				errs += lives[w][op].drainInto(h)
			}
			if h.Count() == 0 && errs == 0 {
				continue
			}
			tc.Ops[names[op]] = tickOp{Ops: h.Count(), Errors: errs, P50us: us(h.Quantile(0.5)), P99us: us(h.Quantile(0.99))}
			total.Merge(h)
			totalErr += errs
		}
		res.Timeline = append(res.Timeline, tc)
		if live != nil {
			phase := spec.name
			if warming {
				phase = "warm-up"
			}
			fmt.Fprintf(live, "[%-7s %4.0fs] %-28s %9.0f ops/s  p50 %8s  p99 %8s  errors %d\n",
				phase, at, truncate(t.String(), 28), float64(total.Count())/max(tc.Secs, 1e-3), fmtDur(total.Quantile(0.5)), fmtDur(total.Quantile(0.99)), totalErr)
		}
	}
	for running := true; running; {
		select {
		case <-done:
			running = false
		case <-tk.C:
			drain()
		}
	}
	if last := res.Timeline; len(last) == 0 || float64(nanotime()-start)/1e9-last[len(last)-1].At > 0.2 {
		drain() // the partial last second
	}
	end := lastEnd.Load()
	if end < measureFrom {
		end = measureFrom
	}
	res.Elapsed = time.Duration(end - measureFrom)
	for _, r := range results {
		res.merge(r)
	}
	return res, ctx.Err()
}

func opNamesFor(proto int) [numOpKinds]string {
	var out [numOpKinds]string
	for i := range out {
		out[i] = opNames[i][proto]
	}
	return out
}

// worker is one connection's loop.
type worker struct {
	cfg    *Config
	spec   *phaseSpec
	keys   *keySpace
	client client
	live   *[numOpKinds]*liveHistogram
	rng    *rand.Rand
	stop   *atomic.Bool

	measureFrom, deadline int64
	counted               bool  // the phase runs a number of operations
	quota                 int64 // measured operations to run, when counted
	loadFrom, loadTo      int64 // load: records to write
	lastEnd               int64

	// Rate mode (--rate): the worker sends request i at intended +
	// i*interval, sleeping when early, and measures each latency from that
	// intended time, so a stall counts for every request it delayed, not
	// only the one it caught (coordinated omission).
	interval int64
	intended int64

	chooser keyChooser
	opc     *opChooser
	pool    *valuePool
	reqs    []request
	res     workerResult
}

func (w *worker) init() {
	depth := max(w.spec.depth, 1)
	w.reqs = make([]request, depth)
	batch := max(w.cfg.Batch, 1)
	for i := range w.reqs {
		w.reqs[i].keys = make([]int64, 0, batch)
	}
	w.pool = newValuePool(w.rng, w.cfg.ValueSize)
	if w.spec.name != "load" {
		w.opc = newOpChooser(w.spec.workload)
		w.chooser, _ = newChooser(w.spec.dist, w.keys.count())
	}
}

// loop runs batches until the deadline, the quota, the load range or a
// stop, whichever comes first.
func (w *worker) loop() {
	next := w.loadFrom
	var measured int64
	for range maxBatches {
		if w.stop.Load() {
			return
		}
		now := nanotime()
		if now >= w.deadline {
			return
		}
		n := len(w.reqs)
		if w.spec.name == "load" {
			if next >= w.loadTo {
				return
			}
			per := int64(max(w.cfg.LoadBatch, 1))
			n = 0
			for ; n < len(w.reqs) && next < w.loadTo; n++ {
				r := &w.reqs[n]
				k := min(per, w.loadTo-next)
				r.op, r.keys, r.value = opPut, r.keys[:0], w.pool.value(w.rng)
				if per > 1 {
					r.op = opBatchWrite
				}
				for j := range k {
					r.keys = append(r.keys, next+j)
				}
				next += k
			}
		} else {
			if w.counted && now >= w.measureFrom {
				if measured >= w.quota {
					return
				}
				n = int(min(int64(n), w.quota-measured))
			}
			for i := range n {
				w.fill(&w.reqs[i])
			}
		}
		if w.interval > 0 {
			if w.intended >= w.deadline {
				return
			}
			if d := w.intended - now; d > 0 {
				time.Sleep(time.Duration(d))
			}
		}
		reqs := w.reqs[:n]
		w.client.run(reqs)
		for i := range reqs {
			r := &reqs[i]
			if w.interval > 0 {
				if it := w.intended + int64(i)*w.interval; r.start > it {
					r.start = it
				}
			}
			if r.op == opInsert {
				w.keys.ack(r.keys[0])
			}
			lh := w.live[r.op]
			if r.errClass != "" {
				lh.errors.Add(1)
				if r.errClass == "transport" {
					// The target is down or refusing: do not spin.
					time.Sleep(10 * time.Millisecond)
				}
			} else {
				lh.record(r.end - r.start)
			}
			if r.start >= w.measureFrom || (r.errClass != "" && now >= w.measureFrom) {
				w.res.record(r)
				measured++
				if w.spec.name == "load" && r.errClass == "" {
					w.res.records += uint64(len(r.keys))
				}
			}
			if r.end > w.lastEnd {
				w.lastEnd = r.end
			}
		}
		w.intended += int64(n) * w.interval
	}
}

// maxBatches bounds a worker's loop in count (time bounds it first).
const maxBatches = 1 << 40

// fill draws the next operation and its keys.
func (w *worker) fill(r *request) {
	r.op = w.opc.next(w.rng)
	r.keys = r.keys[:0]
	r.value = nil
	n := w.keys.count()
	switch r.op {
	case opInsert:
		r.keys = append(r.keys, w.keys.claim())
		r.value = w.pool.value(w.rng)
	case opScan:
		r.keys = append(r.keys, w.chooser.next(w.rng, n))
		r.n = 1 + w.rng.IntN(max(w.cfg.ScanMax, 1))
	case opBatchRead, opBatchWrite, opTxWrite, opTxGet:
		r.keys = w.distinctKeys(r.keys, n, w.cfg.Batch)
		if r.op == opBatchWrite || r.op == opTxWrite {
			r.value = w.pool.value(w.rng)
		}
	default:
		r.keys = append(r.keys, w.chooser.next(w.rng, n))
		if r.op != opRead {
			r.value = w.pool.value(w.rng)
		}
	}
}

// distinctKeys draws k distinct records (DynamoDB rejects a batch naming a
// key twice); under a skewed distribution it falls back to neighbours of
// a drawn key after a bounded number of draws.
func (w *worker) distinctKeys(dst []int64, n int64, k int) []int64 {
	k = int(min(int64(k), n))
	for tries := 0; len(dst) < k && tries < 10*k; tries++ {
		c := w.chooser.next(w.rng, n)
		if !slices.Contains(dst, c) {
			dst = append(dst, c)
		}
	}
	for c := int64(0); len(dst) < k && c < n; c++ {
		if !slices.Contains(dst, c) {
			dst = append(dst, c)
		}
	}
	return dst
}

func us(ns uint64) float64 { return float64(ns) / 1e3 }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

// fmtDur formats nanoseconds for people: 812µs, 1.25ms, 2.1s.
func fmtDur(ns uint64) string {
	switch {
	case ns < 1_000:
		return fmt.Sprintf("%dns", ns)
	case ns < 1_000_000:
		return fmt.Sprintf("%.0fµs", float64(ns)/1e3)
	case ns < 1_000_000_000:
		return fmt.Sprintf("%.2fms", float64(ns)/1e6)
	}
	return fmt.Sprintf("%.2fs", float64(ns)/1e9)
}
