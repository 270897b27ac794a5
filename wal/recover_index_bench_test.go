package wal

import (
	"fmt"
	"testing"
	"time"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// BenchmarkRecoverDroppedIndex: a restart from the log alone of n items
// to which a GSI was added (backfilled) and then dropped: recovery should
// cost what it costs without the index (BenchmarkRecover, from=log).
//
//	go test -run '^$' -bench RecoverDroppedIndex -benchtime 3x ./wal
func BenchmarkRecoverDroppedIndex(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			quiet := func(string, ...any) {}
			l, s, err := Open(dir, Options{Policy: FsyncNo, SnapshotBytes: -1, Logf: quiet})
			if err != nil {
				b.Fatal(err)
			}
			tb, _ := s.CreateTable("t", shard.KeySchema{HashName: "pk", HashType: attr.S}, nil, nil)
			fill(b, tb, n)
			gsi := shard.IndexSchema{Name: "g", Key: shard.KeySchema{HashName: "v", HashType: attr.S}, Projection: shard.ProjectKeysOnly}
			if err := s.UpdateTable(tb, []shard.IndexSchema{gsi}, nil); err != nil {
				b.Fatal(err)
			}
			tb.WaitIndexes(nil)
			if err := s.UpdateTable(tb, nil, nil); err != nil {
				b.Fatal(err)
			}
			if err := l.Close(); err != nil {
				b.Fatal(err)
			}
			var cpu time.Duration
			runs := 0
			for b.Loop() {
				c0 := processCPU()
				l, s, err := Open(dir, Options{SnapshotBytes: -1, Logf: quiet})
				cpu += processCPU() - c0
				runs++
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if t, _ := s.Table("t"); t.ItemCount() != int64(n) || len(t.Indexes()) != 0 {
					b.Fatalf("recovered %d items, %d indexes", t.ItemCount(), len(t.Indexes()))
				}
				l.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(cpu.Milliseconds())/float64(runs), "cpu-ms/op")
		})
	}
}
