package wal

import (
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// BenchmarkLiveBytesPerItem loads 1M items of 100-byte values into a
// logged store (fsync no) as `dynacache bench --load-only` does over each
// port, and reports the live heap per item after a collection: the part
// of bench/RESULTS.md's RSS per item that the store's layout decides (RSS
// is about twice it at GOGC=100).
//
//	go test ./wal -run '^$' -bench LiveBytesPerItem -benchtime 1x
//
// DYNACACHE_HEAPPROFILE=/tmp/heap writes the heap profile of each loaded
// store to /tmp/heap.resp and /tmp/heap.dynamodb (go tool pprof
// -sample_index=inuse_space).
//
// resp: a RESP string (key "user" + 12 digits, attributes pk and val, as
// protocol/resp stores SET); dynamodb: the bench's DynamoDB items (pk
// "user" + 10 digits, sk 6 digits, v), 100 consecutive records per
// partition, each partition written in sort key order. 16 writers take
// runs of 25 records in order, as the load phase's connections do.
func BenchmarkLiveBytesPerItem(b *testing.B) {
	const items = 1_000_000
	value := strings.Repeat("v", 100)
	shapes := []struct {
		name   string
		schema shard.KeySchema
		item   func(i int) attr.Item
	}{
		{"resp", shard.KeySchema{HashName: "pk", HashType: attr.S}, func(i int) attr.Item {
			return attr.Item{"pk": attr.Str("user" + pad(i, 12)), "val": attr.Str(value)}
		}},
		{"dynamodb", shard.KeySchema{HashName: "pk", HashType: attr.S, RangeName: "sk", RangeType: attr.S}, func(i int) attr.Item {
			return attr.Item{"pk": attr.Str("user" + pad(i/100, 10)), "sk": attr.Str(pad(i%100, 6)), "v": attr.Str(value)}
		}},
	}
	for _, sh := range shapes {
		b.Run(sh.name, func(b *testing.B) {
			for range b.N {
				l, s := openT(b, b.TempDir(), Options{Policy: FsyncNo, SnapshotBytes: -1})
				tb, err := s.CreateTable("t", sh.schema, nil, nil)
				if err != nil {
					b.Fatal(err)
				}
				before := liveHeap()
				var next atomic.Int64
				var wg sync.WaitGroup
				for range 16 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							lo := int(next.Add(25)) - 25
							if lo >= items {
								return
							}
							for i := lo; i < min(lo+25, items); i++ {
								it := sh.item(i)
								k, err := sh.schema.EncodeKey(it)
								if err != nil {
									panic(err)
								}
								if _, _, err := tb.Mutate(k, func(shard.Entry) (shard.Write, error) { return shard.Write{Item: it}, nil }); err != nil {
									panic(err)
								}
							}
						}
					}()
				}
				wg.Wait()
				after := liveHeap()
				if n := tb.ItemCount(); n != items {
					b.Fatalf("%d items", n)
				}
				b.ReportMetric(float64(int64(after)-int64(before))/items, "live-B/item")
				if p := os.Getenv("DYNACACHE_HEAPPROFILE"); p != "" {
					f, err := os.Create(p + "." + sh.name)
					if err != nil {
						b.Fatal(err)
					}
					pprof.WriteHeapProfile(f)
					f.Close()
				}
				runtime.KeepAlive(tb)
				l.Close()
			}
		})
	}
}

func pad(v, width int) string {
	s := strconv.Itoa(v)
	return strings.Repeat("0", width-len(s)) + s
}

func liveHeap() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
