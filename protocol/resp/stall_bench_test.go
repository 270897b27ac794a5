package resp

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/trace"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// BenchmarkStall: the longest wait of a PING on another connection while
// one command over the whole key space runs (KEYS *, FLUSHDB SYNC and
// ASYNC), on dynacache and on redis-server (when installed) holding the
// same keys; and, on dynacache, while DeleteTable drops a DynamoDB table
// of as many items and the garbage collector reclaims it.
//
//	go test ./protocol/resp -run '^$' -bench Stall -benchtime 1x -timeout 30m
//	DYNACACHE_BENCH_3M=1 ... (adds 3M keys)
//
// Metrics: ping-max-ms (the longest PING round trip during the command),
// pings (how many PINGs ended during the command), op-ms (the command),
// heap-MB (dynacache: the live heap once the command is done).
func BenchmarkStall(b *testing.B) {
	sizes := []int{100_000, 1_000_000}
	if os.Getenv("DYNACACHE_BENCH_3M") != "" {
		sizes = append(sizes, 3_000_000)
	}
	ops := [][]string{{"KEYS", "*"}, {"FLUSHDB", "SYNC"}, {"FLUSHDB", "ASYNC"}}
	b.Run("idle/dynacache", func(b *testing.B) {
		// The noise floor: the longest PING while nothing else runs.
		ts := startServer(b, Options{SweepInterval: -1})
		for b.Loop() {
			stallDuring(b, "tcp", ts.addr, true, func() { time.Sleep(time.Second) })
		}
	})
	b.Run("busy/dynacache", func(b *testing.B) {
		// The floor under load: the longest PING while a goroutine of
		// this process computes for 2 s (allocating nothing, yielding as
		// KEYS does), so that one of the two cores is taken as during
		// KEYS, without the collector.
		ts := startServer(b, Options{SweepInterval: -1})
		for b.Loop() {
			stallDuring(b, "tcp", ts.addr, true, func() { spin(2 * time.Second) })
		}
	})
	for _, n := range sizes {
		for _, op := range ops {
			b.Run(fmt.Sprintf("keys=%d/%s_%s/dynacache", n, op[0], op[1]), func(b *testing.B) {
				ts := startServer(b, Options{SweepInterval: -1})
				stallRun(b, "tcp", ts.addr, n, op)
			})
			b.Run(fmt.Sprintf("keys=%d/%s_%s/redis", n, op[0], op[1]), func(b *testing.B) {
				sock := startRedis(b)
				stallRun(b, "unix", sock, n, op)
			})
		}
		b.Run(fmt.Sprintf("keys=%d/DeleteTable/dynacache", n), func(b *testing.B) {
			ts := startServer(b, Options{SweepInterval: -1})
			for b.Loop() {
				b.StopTimer()
				tb := bigTable(b, ts, n)
				b.StartTimer()
				stallDuring(b, "tcp", ts.addr, true, func() {
					if _, e := ts.handler.Do("DeleteTable", []byte(`{"TableName":"big"}`)); e != nil {
						b.Fatal(e.Message)
					}
					runtime.KeepAlive(tb)
					tb = nil
					runtime.GC() // the reclamation is part of the drop's cost
				})
				reportHeap(b)
			}
		})
		b.Run(fmt.Sprintf("keys=%d/GSIBackfill/dynacache", n), func(b *testing.B) {
			// UpdateTable adds a GSI on g (1000 distinct values, so
			// index partitions of n/1000 items); the command ends when
			// DescribeTable shows the index ACTIVE.
			ts := startServer(b, Options{SweepInterval: -1})
			for b.Loop() {
				b.StopTimer()
				bigTable(b, ts, n)
				b.StartTimer()
				stallDuring(b, "tcp", ts.addr, true, func() {
					req := `{"TableName":"big","AttributeDefinitions":[{"AttributeName":"g","AttributeType":"S"}],` +
						`"GlobalSecondaryIndexUpdates":[{"Create":{"IndexName":"by-g","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],` +
						`"Projection":{"ProjectionType":"KEYS_ONLY"}}}]}`
					if _, e := ts.handler.Do("UpdateTable", []byte(req)); e != nil {
						b.Fatal(e.Message)
					}
					waitActive(b, ts, "big")
				})
				b.StopTimer()
				if _, e := ts.handler.Do("DeleteTable", []byte(`{"TableName":"big"}`)); e != nil {
					b.Fatal(e.Message)
				}
				runtime.GC()
				b.StartTimer()
			}
		})
	}
}

// bigTable creates the DynamoDB table "big" with n items {pk, g, v}.
func bigTable(b *testing.B, ts *testServer, n int) *shard.Table {
	ks := shard.KeySchema{HashName: "pk", HashType: attr.S}
	tb, err := ts.store.CreateTable("big", ks, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		it := attr.Item{"pk": attr.Str("key:" + strconv.Itoa(i)), "g": attr.Str("g" + strconv.Itoa(i%1000)), "v": attr.Str("value")}
		k, _ := ks.EncodeKey(it)
		tb.Mutate(k, func(shard.Entry) (shard.Write, error) { return shard.Write{Item: it}, nil })
	}
	runtime.GC()
	return tb
}

// waitActive polls DescribeTable until every GSI of table is ACTIVE (an
// hour at most).
func waitActive(b *testing.B, ts *testServer, table string) {
	req := []byte(`{"TableName":"` + table + `"}`)
	for deadline := time.Now().Add(time.Hour); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		out, e := ts.handler.Do("DescribeTable", req)
		if e != nil {
			b.Fatal(e.Message)
		}
		if !strings.Contains(string(out), `"CREATING"`) {
			return
		}
	}
	b.Fatal("the GSI backfill did not end within an hour")
}

// spin computes for d, yielding between steps of about 0.5 ms as
// keysReply does.
func spin(d time.Duration) uint64 {
	var x uint64 = 1
	for end := time.Now().Add(d); time.Now().Before(end); {
		for range 200_000 {
			x = x*6364136223846793005 + 1442695040888963407
		}
		runtime.Gosched()
	}
	return x
}

// stallRun fills the server at addr with n keys (pipelined SETs), then
// runs op with a PING prober on another connection.
func stallRun(b *testing.B, network, addr string, n int, op []string) {
	for b.Loop() {
		b.StopTimer()
		fill(b, network, addr, n)
		runtime.GC()
		b.StartTimer()
		c := dialRaw(b, network, addr)
		stallDuring(b, network, addr, network == "tcp", func() {
			c.nc.SetDeadline(time.Now().Add(10 * time.Minute))
			c.nc.Write(encodeCommand(op...))
			if err := discardReply(c.br); err != nil {
				b.Fatal(err)
			}
		})
		if network == "tcp" { // dynacache, in this process
			reportHeap(b)
		}
		if op[0] == "KEYS" {
			c.do("FLUSHALL", "ASYNC") // a SYNC one of 3M keys may outlast the 10 s deadline of do
		}
	}
}

// fill sets key:0 .. key:n-1 in pipelines of 10,000.
func fill(b *testing.B, network, addr string, n int) {
	c := dialRaw(b, network, addr)
	c.nc.SetDeadline(time.Now().Add(10 * time.Minute))
	const batch = 10_000
	var buf []byte
	for i := 0; i < n; i += batch {
		buf = buf[:0]
		m := min(batch, n-i)
		for j := range m {
			buf = append(buf, encodeCommand("SET", "key:"+strconv.Itoa(i+j), "value")...)
		}
		if _, err := c.nc.Write(buf); err != nil {
			b.Fatal(err)
		}
		for range m {
			if err := discardReply(c.br); err != nil {
				b.Fatal(err)
			}
		}
	}
	if got := c.do("DBSIZE"); got != ":"+strconv.Itoa(n)+"\r\n" {
		b.Fatalf("DBSIZE after fill: %q", got)
	}
}

// reportHeap reports the live heap after a collection (heap-MB): what the
// process keeps once a command is done.
func reportHeap(b *testing.B) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
}

// discardReply reads one reply (of any size) and drops it.
func discardReply(br *bufio.Reader) error {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return err
	}
	switch line[0] {
	case '$':
		n, _ := strconv.Atoi(string(line[1 : len(line)-2]))
		if n >= 0 {
			_, err = br.Discard(n + 2)
		}
		return err
	case '*':
		n, _ := strconv.Atoi(string(line[1 : len(line)-2]))
		for range n {
			if err := discardReply(br); err != nil {
				return err
			}
		}
	}
	return nil
}

// stallDuring runs op (on dynacache in this process when inproc) while two probers PING the server, one PING at a
// time, each on a connection of its own: one in another process (what a
// client of the server sees: ping-max-ms, pings) and one in this process
// (ping-inproc-max-ms: it also waits for this process's network poller,
// which a goroutine busy on the other core delays; that is what a client
// of the DynamoDB port, served on goroutines, would see).
func stallDuring(b *testing.B, network, addr string, inproc bool, op func()) {
	ext := startProber(b, network, addr)
	in := newPinger(b, network, addr)
	go in.run()
	<-in.ready
	before := readRuntime()
	stopTrace := startTrace(b)
	start := time.Now()
	in.opStart.Store(start.UnixNano())
	ext.start()
	op()
	took := time.Since(start)
	extWorst, extPings := ext.stop()
	in.stop.Store(true)
	<-in.done
	stopTrace()
	b.ReportMetric(float64(extWorst.Microseconds())/1000, "ping-max-ms")
	b.ReportMetric(float64(extPings), "pings")
	b.ReportMetric(float64(in.worst.Microseconds())/1000, "ping-inproc-max-ms")
	b.ReportMetric(float64(took.Microseconds())/1000, "op-ms")
	if inproc { // dynacache, in this process
		readRuntime().report(b, before)
	}
}

// pinger sends PINGs one at a time and keeps the longest round trip of
// those that end after opStart.
type pinger struct {
	nc          net.Conn
	br          *bufio.Reader
	stop        atomic.Bool
	opStart     atomic.Int64 // UnixNano; 0 until the command starts
	worst       time.Duration
	pings       int
	ready, done chan struct{}
}

func newPinger(tb testing.TB, network, addr string) *pinger {
	nc, err := net.Dial(network, addr)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { nc.Close() })
	return &pinger{nc: nc, br: bufio.NewReader(nc), ready: make(chan struct{}), done: make(chan struct{})}
}

func (p *pinger) run() {
	defer close(p.done)
	ping := encodeCommand("PING")
	p.nc.SetDeadline(time.Now().Add(60 * time.Minute))
	for i := 0; !p.stop.Load(); i++ {
		start := time.Now()
		if _, err := p.nc.Write(ping); err != nil {
			break
		}
		if _, err := p.br.ReadSlice('\n'); err != nil {
			break
		}
		if os := p.opStart.Load(); os != 0 && time.Now().UnixNano() > os {
			p.worst = max(p.worst, time.Since(start))
			p.pings++
		}
		if i == 10 {
			close(p.ready)
		}
	}
	select {
	case <-p.ready:
	default:
		close(p.ready)
	}
}

// prober is a pinger in a child process (this test binary, running
// TestStallProber), driven through its standard input and output.
type prober struct {
	tb  testing.TB
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

const proberEnv = "DYNACACHE_STALL_PROBER"

func startProber(tb testing.TB, network, addr string) *prober {
	cmd := exec.Command(os.Args[0], "-test.run=^TestStallProber$", "-test.count=1")
	cmd.Env = append(os.Environ(), proberEnv+"="+network+" "+addr)
	in, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { in.Close(); cmd.Process.Kill(); cmd.Wait() })
	p := &prober{tb: tb, cmd: cmd, in: in, out: bufio.NewReader(out)}
	p.expect("ready")
	return p
}

// expect reads lines until one starts with prefix and returns the rest.
func (p *prober) expect(prefix string) string {
	for range 100 {
		line, err := p.out.ReadString('\n')
		if err != nil {
			p.tb.Fatalf("prober: %v", err)
		}
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), prefix); ok {
			return strings.TrimSpace(rest)
		}
	}
	p.tb.Fatalf("prober: no %q line", prefix)
	return ""
}

func (p *prober) start() {
	if _, err := io.WriteString(p.in, "start\n"); err != nil {
		p.tb.Fatal(err)
	}
}

// stop ends the probe and returns the longest PING and how many ended
// during the command.
func (p *prober) stop() (time.Duration, int) {
	if _, err := io.WriteString(p.in, "stop\n"); err != nil {
		p.tb.Fatal(err)
	}
	var us, n int64
	if _, err := fmt.Sscan(p.expect("probe"), &us, &n); err != nil {
		p.tb.Fatal(err)
	}
	return time.Duration(us) * time.Microsecond, int(n)
}

// TestStallProber is the child process of a prober (stallDuring); it
// does nothing unless started as one. It PINGs the server named by
// $DYNACACHE_STALL_PROBER ("network address"), prints "ready", counts the
// PINGs between the lines "start" and "stop" on its input, and prints
// "probe <longest round trip in µs> <pings>".
func TestStallProber(t *testing.T) {
	env := os.Getenv(proberEnv)
	if env == "" {
		t.Skip("the child process of a stall benchmark")
	}
	network, addr, _ := strings.Cut(env, " ")
	p := newPinger(t, network, addr)
	go p.run()
	<-p.ready
	fmt.Println("ready")
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		switch in.Text() {
		case "start":
			p.opStart.Store(time.Now().UnixNano())
		case "stop":
			p.stop.Store(true)
			<-p.done
			fmt.Printf("probe %d %d\n", p.worst.Microseconds(), p.pings)
			return
		}
	}
}

// runtimeSample is what the Go runtime says about the collector and the
// scheduler (runtime/metrics), to tell what a PING waited on: a
// stop-the-world pause, a goroutine waiting for a core (scheduling
// latency), the collector's CPU (mark assists charged to the goroutines
// that allocate, background and idle mark workers).
type runtimeSample []metrics.Sample

var runtimeMetrics = []string{
	"/gc/cycles/total:gc-cycles",
	"/cpu/classes/gc/mark/assist:cpu-seconds",
	"/cpu/classes/gc/mark/dedicated:cpu-seconds",
	"/cpu/classes/gc/mark/idle:cpu-seconds",
	"/sched/pauses/total/gc:seconds",
	"/sched/latencies:seconds",
}

func readRuntime() runtimeSample {
	s := make(runtimeSample, len(runtimeMetrics))
	for i, name := range runtimeMetrics {
		s[i].Name = name
	}
	metrics.Read(s)
	return s
}

// report reports what changed since before: gc-cycles, the collector's
// CPU (assist-ms, mark-ms for the dedicated and idle workers), and the
// longest stop-the-world pause (stw-max-ms) and scheduling latency
// (sched-max-ms) that occurred in between (the upper bound of the
// histogram's highest bucket that grew).
func (s runtimeSample) report(b *testing.B, before runtimeSample) {
	b.ReportMetric(float64(s[0].Value.Uint64()-before[0].Value.Uint64()), "gc-cycles")
	b.ReportMetric((s[1].Value.Float64()-before[1].Value.Float64())*1000, "assist-ms")
	b.ReportMetric((s[2].Value.Float64()+s[3].Value.Float64()-before[2].Value.Float64()-before[3].Value.Float64())*1000, "mark-ms")
	b.ReportMetric(histMaxDelta(s[4].Value.Float64Histogram(), before[4].Value.Float64Histogram())*1000, "stw-max-ms")
	b.ReportMetric(histMaxDelta(s[5].Value.Float64Histogram(), before[5].Value.Float64Histogram())*1000, "sched-max-ms")
}

// histMaxDelta returns the upper bound of the highest bucket of h that
// grew since before (0 when none did).
func histMaxDelta(h, before *metrics.Float64Histogram) float64 {
	for i := len(h.Counts) - 1; i >= 0; i-- {
		if h.Counts[i] > before.Counts[i] {
			up := h.Buckets[i+1]
			if math.IsInf(up, 1) {
				up = h.Buckets[i]
			}
			return up
		}
	}
	return 0
}

// startTrace writes an execution trace of the command (runtime/trace) to
// $DYNACACHE_BENCH_TRACE/<benchmark>.trace when that variable names a
// directory; it returns the function that stops it. A long command's
// trace is too large to read: $DYNACACHE_BENCH_TRACE_WINDOW ("10s,3s")
// traces only that long from that far into the command.
func startTrace(b *testing.B) func() {
	dir := os.Getenv("DYNACACHE_BENCH_TRACE")
	if dir == "" {
		return func() {}
	}
	var after, span time.Duration
	if w := os.Getenv("DYNACACHE_BENCH_TRACE_WINDOW"); w != "" {
		a, s, _ := strings.Cut(w, ",")
		var err1, err2 error
		after, err1 = time.ParseDuration(a)
		span, err2 = time.ParseDuration(s)
		if err1 != nil || err2 != nil {
			b.Fatalf("DYNACACHE_BENCH_TRACE_WINDOW=%q: want after,span (10s,3s)", w)
		}
	}
	name := strings.NewReplacer("/", "_", "*", "all", "=", "").Replace(b.Name())
	f, err := os.Create(filepath.Join(dir, name+".trace"))
	if err != nil {
		b.Fatal(err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			trace.Stop()
			f.Close()
		})
	}
	start := func() {
		if err := trace.Start(f); err != nil {
			b.Error(err)
		}
	}
	if span == 0 {
		start()
		return stop
	}
	cancel := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-time.After(after):
		case <-cancel:
			f.Close()
			return
		}
		start()
		select {
		case <-time.After(span):
		case <-cancel:
		}
		stop()
	}()
	return func() {
		close(cancel)
		<-done
	}
}
