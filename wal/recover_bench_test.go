package wal

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// fill writes n items with 100-byte values.
func fill(b *testing.B, tb *shard.Table, n int) {
	val := strings.Repeat("v", 100)
	for i := 0; i < n; i++ {
		it := attr.Item{"pk": attr.Str(fmt.Sprintf("user%08d", i)), "v": attr.Str(val)}
		k, _ := tb.Schema().EncodeKey(it)
		if _, _, err := tb.Mutate(k, func(shard.Entry) (shard.Write, error) { return shard.Write{Item: it}, nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecover measures a restart: opening a data directory of n items
// with 100-byte values, from a snapshot or from the log alone. cpu-ms/op
// is the process's CPU time during the restarts (all cores), steadier
// than their wall time on a shared machine.
//
//	go test -run '^$' -bench BenchmarkRecover -benchtime 3x ./wal
func BenchmarkRecover(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		for _, from := range []string{"snapshot", "log"} {
			b.Run(fmt.Sprintf("items=%d/from=%s", n, from), func(b *testing.B) {
				dir := b.TempDir()
				quiet := func(string, ...any) {}
				l, s, err := Open(dir, Options{Policy: FsyncNo, SnapshotBytes: -1, Logf: quiet})
				if err != nil {
					b.Fatal(err)
				}
				tb, _ := s.CreateTable("t", shard.KeySchema{HashName: "pk", HashType: attr.S}, nil, nil)
				began := time.Now()
				fill(b, tb, n)
				b.Logf("wrote %d items in %v", n, time.Since(began))
				if from == "snapshot" {
					began = time.Now()
					if err := l.Snapshot(); err != nil {
						b.Fatal(err)
					}
					b.Logf("snapshot in %v", time.Since(began))
				}
				if err := l.Close(); err != nil {
					b.Fatal(err)
				}
				var cpu time.Duration
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					c0 := processCPU()
					l, s, err := Open(dir, Options{SnapshotBytes: -1, Logf: quiet})
					cpu += processCPU() - c0
					if err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					if t, _ := s.Table("t"); t.ItemCount() != int64(n) {
						b.Fatalf("recovered %d items", t.ItemCount())
					}
					l.Close()
					b.StartTimer()
				}
				b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
			})
		}
	}
}
