package dynamodb

import (
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/wal"
)

// BenchmarkExpireMillion measures what the expirer costs on a table of a
// million items of which 10% have expired: PutItem throughput (two
// writers, on live items) for two seconds without the expirer, then with it
// running at its defaults (1s interval, default budgets) until every expired
// item is gone, and how long that took. Run it once:
//
//	go test -run '^$' -bench ExpireMillion -benchtime 1x ./protocol/dynamodb/
//
// The store is in memory, or on a log (fsync everysec) in a temporary
// directory with DYNACACHE_BENCH_WAL=1.
func BenchmarkExpireMillion(b *testing.B) {
	const items, expired, writers = 1_000_000, 100_000, 2
	for i := 0; i < b.N; i++ {
		h := newTestHandler()
		if os.Getenv("DYNACACHE_BENCH_WAL") != "" {
			log, store, err := wal.Open(b.TempDir(), wal.Options{Policy: wal.FsyncEverySec})
			if err != nil {
				b.Fatal(err)
			}
			defer log.Close()
			h = NewHandler(store, Options{})
		}
		createTTLTable(b, h, "Ttl", "exp")
		tb, _ := h.store.Table("Ttl")
		now := time.Now().Unix()
		for j := 0; j < items; j++ {
			exp := now + 3600
			if j < expired {
				exp = now - 10
			}
			it := attr.Item{"id": attr.Str("item-" + strconv.Itoa(j)), "kind": attr.Str("k"),
				"exp": attr.Num(strconv.FormatInt(exp, 10)), "v": attr.Str("some payload of a few tens of bytes")}
			k, _ := tb.Schema().EncodeKey(it)
			if _, _, err := tb.Mutate(k, func(shard.Entry) (shard.Write, error) { return shard.Write{Item: it}, nil }); err != nil {
				b.Fatal(err)
			}
		}
		// puts runs the writers on live items until stop is closed.
		puts := func(stop <-chan struct{}) int64 {
			var n atomic.Int64
			var wg sync.WaitGroup
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					exp := strconv.FormatInt(now+3600, 10)
					for j := w; ; j += writers * 7919 {
						select {
						case <-stop:
							return
						default:
						}
						id := "item-" + strconv.Itoa(expired+j%(items-expired))
						r := call(b, h, "PutItem", `{"TableName":"Ttl","Item":{"id":{"S":"`+id+`"},"kind":{"S":"k"},"exp":{"N":"`+exp+`"},"v":{"S":"x"}}}`, nil)
						if r.status != 200 {
							b.Errorf("PutItem: %d %s", r.status, r.msg)
							return
						}
						n.Add(1)
					}
				}()
			}
			<-stop
			wg.Wait()
			return n.Load()
		}
		b.ResetTimer()
		stop := make(chan struct{})
		time.AfterFunc(2*time.Second, func() { close(stop) })
		start := time.Now()
		alone := float64(puts(stop)) / time.Since(start).Seconds()

		var ticks, longest atomic.Int64
		e := h.NewExpirer(ExpirerOptions{OnTick: func(st ExpireTick) {
			ticks.Add(1)
			if int64(st.Took) > longest.Load() {
				longest.Store(int64(st.Took))
			}
		}})
		stop = make(chan struct{})
		start = time.Now()
		e.Start()
		done := make(chan int64)
		go func() { done <- puts(stop) }()
		deadline := time.Now().Add(5 * time.Minute)
		for e.Deleted() < expired && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond) // polling the benchmark's end, not waiting for an effect
		}
		gone := time.Since(start)
		close(stop)
		with := float64(<-done) / gone.Seconds()
		e.Close()
		if e.Deleted() != expired || tb.ItemCount() != items-expired {
			b.Fatalf("deleted %d, %d items left", e.Deleted(), tb.ItemCount())
		}
		// An idle tick: a quarter of a pass with nothing to delete.
		idle := e.Tick()
		b.ReportMetric(float64(idle.Took.Microseconds())/1000, "ms-idle-tick")
		b.ReportMetric(float64(idle.Examined), "idle-examined")
		b.ReportMetric(alone, "puts/s-alone")
		b.ReportMetric(with, "puts/s-expiring")
		b.ReportMetric(gone.Seconds(), "s-to-expire-100k")
		b.ReportMetric(float64(ticks.Load()), "ticks")
		b.ReportMetric(time.Duration(longest.Load()).Seconds()*1000, "ms-longest-tick")
		h.Close()
	}
}
