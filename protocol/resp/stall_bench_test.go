package resp

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
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
			stallDuring(b, "tcp", ts.addr, func() { time.Sleep(time.Second) })
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
				ks := shard.KeySchema{HashName: "pk", HashType: attr.S}
				tb, err := ts.store.CreateTable("big", ks, nil, nil)
				if err != nil {
					b.Fatal(err)
				}
				for i := range n {
					it := attr.Item{"pk": attr.Str("key:" + strconv.Itoa(i)), "v": attr.Str("value")}
					k, _ := ks.EncodeKey(it)
					tb.Mutate(k, func(shard.Entry) (shard.Write, error) { return shard.Write{Item: it}, nil })
				}
				runtime.GC()
				b.StartTimer()
				stallDuring(b, "tcp", ts.addr, func() {
					if _, e := ts.handler.Do("DeleteTable", []byte(`{"TableName":"big"}`)); e != nil {
						b.Fatal(e.Message)
					}
					tb = nil
					runtime.GC() // the reclamation is part of the drop's cost
				})
				reportHeap(b)
			}
		})
	}
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
		stallDuring(b, network, addr, func() {
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
			c.do("FLUSHALL")
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

// stallDuring runs op while a prober PINGs the server on a connection of
// its own, one PING at a time, and reports the longest round trip.
func stallDuring(b *testing.B, network, addr string, op func()) {
	nc, err := net.Dial(network, addr)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	br := bufio.NewReader(nc)
	ping := encodeCommand("PING")
	var stop atomic.Bool
	var opStart atomic.Int64 // UnixNano; 0 until op starts
	var worst time.Duration
	pings := 0
	var wg sync.WaitGroup
	ready := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		nc.SetDeadline(time.Now().Add(10 * time.Minute))
		for i := 0; !stop.Load(); i++ {
			start := time.Now()
			if _, err := nc.Write(ping); err != nil {
				return
			}
			if _, err := br.ReadSlice('\n'); err != nil {
				return
			}
			if os := opStart.Load(); os != 0 && time.Now().UnixNano() > os {
				worst = max(worst, time.Since(start))
				pings++
			}
			if i == 10 {
				close(ready)
			}
		}
	}()
	<-ready
	start := time.Now()
	opStart.Store(start.UnixNano())
	op()
	took := time.Since(start)
	stop.Store(true)
	wg.Wait()
	b.ReportMetric(float64(worst.Microseconds())/1000, "ping-max-ms")
	b.ReportMetric(float64(pings), "pings")
	b.ReportMetric(float64(took.Microseconds())/1000, "op-ms")
}
