package shard

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/dynacache/dynacache/shard/attr"
)

// BenchmarkBackfill: filling a new GSI from a table of n items (the bench
// items: 100 items per GSI partition, all with the same index sort key, so
// every comparison between them falls to the tie-breaker), and the
// longest DescribeTable-style read of the table's figures meanwhile.
// cpu-ms/op is the process's CPU time (user + system) per backfill, less
// sensitive than ns/op to other processes on a shared machine.
//
//	go test ./shard -run '^$' -bench Backfill -benchtime 3x
func BenchmarkBackfill(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			s := New(nil)
			tb, _ := s.CreateTable("bf", benchKS, nil, nil)
			for i := 0; i < n; i++ {
				it := benchItem(i)
				k, _ := benchKS.EncodeKey(it)
				tb.Mutate(k, func(Entry) (Write, error) { return Write{Item: it}, nil })
			}
			gsi := IndexSchema{Name: "g", Key: KeySchema{HashName: "gk", HashType: attr.S, RangeName: "sk", RangeType: attr.N},
				Projection: ProjectKeysOnly}
			var worst time.Duration
			var cpu time.Duration
			for b.Loop() {
				cpu0 := cpuTime()
				if err := s.UpdateTable(tb, []IndexSchema{gsi}, nil); err != nil {
					b.Fatal(err)
				}
				// What DescribeTable reads, polled until the backfill ends.
				for {
					start := time.Now()
					st, _ := tb.IndexStats("g")
					_ = tb.ItemCount()
					worst = max(worst, time.Since(start))
					if !st.Backfilling {
						break
					}
					time.Sleep(time.Millisecond)
				}
				cpu += cpuTime() - cpu0
				b.StopTimer()
				if st, _ := tb.IndexStats("g"); st.ItemCount != int64(n) {
					b.Fatalf("%d index entries, want %d", st.ItemCount, n)
				}
				s.UpdateTable(tb, nil, nil)
				b.StartTimer()
			}
			b.ReportMetric(float64(worst.Microseconds())/1000, "describe-max-ms")
			b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}

// cpuTime returns the process's CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
