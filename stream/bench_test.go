package stream_test

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/stream"
	"github.com/dynacache/dynacache/wal"
)

// BenchmarkStreamWrite measures item writes through the write-ahead log
// (--fsync everysec) to a table without a stream and with a
// NEW_AND_OLD_IMAGES stream: parallel overwrites of 10,000 keys of 100-byte
// items, so most writes are MODIFY records carrying two images.
func BenchmarkStreamWrite(b *testing.B) {
	for _, view := range []string{"none", "KEYS_ONLY", "NEW_AND_OLD_IMAGES"} {
		b.Run(view, func(b *testing.B) {
			dir := b.TempDir()
			hub, err := stream.Open(stream.Options{Dir: filepath.Join(dir, "streams")})
			if err != nil {
				b.Fatal(err)
			}
			log, store, err := wal.Open(dir, wal.Options{Policy: wal.FsyncEverySec, Changes: hub})
			if err != nil {
				b.Fatal(err)
			}
			store.SetChangeSink(hub)
			tb, err := store.CreateTable("bench", schema, nil, nil)
			if err != nil {
				b.Fatal(err)
			}
			if view != "none" {
				id := time.Now().UnixMilli()
				if _, err := hub.Create(stream.Info{Table: "bench", ID: id, ViewType: view, Key: schema}); err != nil {
					b.Fatal(err)
				}
				tb.SetStream(id, stream.OldImages(view))
			}
			const keys = 10000
			ks := make([]shard.Key, keys)
			for i := range ks {
				ks[i], _ = schema.EncodeKey(attr.Item{"pk": attr.Str(fmt.Sprintf("key-%05d", i))})
			}
			payload := attr.Str(string(make([]byte, 80)))
			var seq atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := seq.Add(1)
					k := ks[i%keys]
					item := attr.Item{"pk": attr.Str(fmt.Sprintf("key-%05d", i%keys)), "v": payload, "n": attr.Num(fmt.Sprint(i))}
					if _, _, err := tb.Mutate(k, func(shard.Entry) (shard.Write, error) { return shard.Write{Item: item}, nil }); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.StopTimer()
			log.Close()
			hub.Close()
		})
	}
}
