package wal

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// BenchmarkWriteLatencyUnderSnapshots offers writes at a fixed rate (as
// `dynacache bench --rate` does: latency counts from when each write was
// due) to a log that snapshots, truncates and moves to a new segment
// every few hundred milliseconds, and reports the latency percentiles of
// the writes: a write that waits for a snapshot, a truncation or an fsync
// shows in p99 and max.
//
//	go test ./wal -run '^$' -bench WriteLatencyUnderSnapshots -benchtime 1x
func BenchmarkWriteLatencyUnderSnapshots(b *testing.B) {
	const (
		items   = 100_000
		writers = 16
		rate    = 8000 // writes/s over all writers
		runFor  = 8 * time.Second
	)
	for _, snapshots := range []bool{false, true} {
		b.Run(fmt.Sprintf("snapshots=%v", snapshots), func(b *testing.B) {
			for range b.N {
				dir := b.TempDir()
				opts := Options{Policy: FsyncEverySec, SnapshotBytes: -1, SegmentBytes: 1 << 20, Logf: func(string, ...any) {}}
				if snapshots {
					opts.SnapshotBytes = 4 << 20
				}
				l, s, err := Open(dir, opts)
				if err != nil {
					b.Fatal(err)
				}
				tb, _ := s.CreateTable("t", shard.KeySchema{HashName: "pk", HashType: attr.S}, nil, nil)
				val := strings.Repeat("v", 100)
				write := func(i int) {
					it := attr.Item{"pk": attr.Str(fmt.Sprintf("user%08d", i%items)), "v": attr.Str(val)}
					k, _ := tb.Schema().EncodeKey(it)
					if _, _, err := tb.Mutate(k, func(shard.Entry) (shard.Write, error) { return shard.Write{Item: it}, nil }); err != nil {
						b.Error(err)
					}
				}
				for i := range items {
					write(i)
				}
				snaps0, _, _ := l.Stats().Snapshot.Snapshot()
				interval := time.Second * writers / rate
				began := time.Now()
				lat := make([][]time.Duration, writers)
				var wg sync.WaitGroup
				b.ResetTimer()
				for w := range writers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						due := began.Add(interval * time.Duration(w) / writers)
						for i := w; time.Since(began) < runFor; i += writers {
							if d := time.Until(due); d > 0 {
								time.Sleep(d)
							}
							write(i * 7919)
							lat[w] = append(lat[w], time.Since(due))
							due = due.Add(interval)
						}
					}()
				}
				wg.Wait()
				b.StopTimer()
				all := slices.Concat(lat...)
				slices.Sort(all)
				q := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))]) / 1e6 }
				b.ReportMetric(q(0.5), "p50-ms")
				b.ReportMetric(q(0.99), "p99-ms")
				b.ReportMetric(q(0.999), "p99.9-ms")
				b.ReportMetric(float64(all[len(all)-1])/1e6, "max-ms")
				b.ReportMetric(float64(len(all))/runFor.Seconds(), "writes/s")
				snaps, _, _ := l.Stats().Snapshot.Snapshot()
				b.ReportMetric(float64(snaps-snaps0), "snapshots")
				l.Close()
			}
		})
	}
}
