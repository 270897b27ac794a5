package backup

import (
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// BenchmarkFreeze is the pause a backup imposes on writers: Freeze holds
// every shard lock of the table for its duration (ns/op, and the longest
// in max-freeze-us), with a writer running beside it. It reports the
// writer's 99th and 99.9th percentile and longest write while copies are
// taken (p99-write-us, p999-write-us, max-write-us) against the same
// without any copy (base-p99-write-us, base-p999-write-us,
// base-max-write-us): on a loaded machine the longest are the
// scheduler's and the collector's, not the copy's.
func BenchmarkFreeze(b *testing.B) {
	tb := table(b, 100_000)
	schema := tb.Schema()
	write := func(i int) time.Duration {
		it := attr.Item{"id": attr.Str("k" + strconv.Itoa(i%100_000)), "v": attr.Num(strconv.Itoa(i))}
		k, _ := schema.EncodeKey(it)
		start := time.Now()
		tb.Mutate(k, func(shard.Entry) (shard.Write, error) { return shard.Write{Item: it}, nil })
		return time.Since(start)
	}
	writer := func(stop *atomic.Bool, lat *[]time.Duration, wg *sync.WaitGroup) {
		defer wg.Done()
		for i := 0; i < 100_000_000 && !stop.Load(); i++ {
			*lat = append(*lat, write(i))
		}
	}
	report := func(prefix string, lat []time.Duration) {
		if len(lat) == 0 {
			return
		}
		slices.Sort(lat)
		at := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))]) / 1e3 }
		b.ReportMetric(at(0.99), prefix+"p99-write-us")
		b.ReportMetric(at(0.999), prefix+"p999-write-us")
		b.ReportMetric(at(1), prefix+"max-write-us")
	}
	// The writer alone.
	var stop atomic.Bool
	var base, during []time.Duration
	var wg sync.WaitGroup
	wg.Add(1)
	go writer(&stop, &base, &wg)
	time.Sleep(300 * time.Millisecond)
	stop.Store(true)
	wg.Wait()

	stop.Store(false)
	wg.Add(1)
	go writer(&stop, &during, &wg)
	b.ResetTimer()
	var longest time.Duration
	for range b.N {
		start := time.Now()
		if _, err := tb.Freeze(); err != nil {
			b.Fatal(err)
		}
		if d := time.Since(start); d > longest {
			longest = d
		}
		b.StopTimer()
		time.Sleep(time.Millisecond) // a writer's turn between copies
		b.StartTimer()
	}
	b.StopTimer()
	stop.Store(true)
	wg.Wait()
	b.ReportMetric(float64(longest)/1e3, "max-freeze-us")
	report("base-", base)
	report("", during)
}

// BenchmarkFreezeIdle is Freeze's own cost on a 100,000-item table with
// no writer contending for the locks.
func BenchmarkFreezeIdle(b *testing.B) {
	tb := table(b, 100_000)
	b.ResetTimer()
	for range b.N {
		if _, err := tb.Freeze(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBackupFile is the time from CreateBackup to AVAILABLE for a
// table of 100,000 items of about 20 bytes, written to a file and
// fsynced.
func BenchmarkBackupFile(b *testing.B) {
	tb := table(b, 100_000)
	dir := b.TempDir()
	c, err := Open(Options{Dir: dir})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		f, _ := tb.Freeze()
		h := header("01700000000000-" + strconv.Itoa(10000000+i))
		if _, err := c.Create(h, f); err != nil {
			b.Fatal(err)
		}
		c.Close()
		if v, ok := c.Get(h.ARN); !ok || v.Status != Available {
			b.Fatalf("backup %+v", v)
		}
	}
}
