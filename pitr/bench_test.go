package pitr

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/wal"
)

// BenchmarkImage measures reading a table of N items (100,000, or
// DYNACACHE_BENCH_ITEMS) back from its history at a point in time, apart
// from the store's write path a restore then takes: from-log has every
// item in the log (recovery enabled on the empty table), from-base has
// them in a base and N/10 overwrites in the log. log-bytes-per-write is
// the history log's size over the N writes.
func BenchmarkImage(b *testing.B) {
	items := 100_000
	if n, err := strconv.Atoi(os.Getenv("DYNACACHE_BENCH_ITEMS")); err == nil && n > 0 {
		items = n
	}
	k, err := Open(Options{Dir: b.TempDir(), MaintainEvery: -1, BaseLogBytes: 1 << 40})
	if err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	store := shard.New(nil)
	store.SetChangeSink(k)
	k.Attach(store, nil)
	tb, _ := store.CreateTable("T", schema, nil, nil)
	if err := k.Enable(tb, 1, 24*time.Hour); err != nil {
		b.Fatal(err)
	}
	put := func(from, to, round int) {
		for i := from; i < to; i++ {
			pk := "user" + strconv.Itoa(i)
			it := attr.Item{"pk": attr.Str(pk), "name": attr.Str("name of " + strconv.Itoa(i)), "n": attr.Num(strconv.Itoa(i + round))}
			if _, _, err := tb.Mutate(key(b, pk), func(shard.Entry) (shard.Write, error) { return shard.Write{Item: it}, nil }); err != nil {
				b.Fatal(err)
			}
		}
	}
	before := k.Stats().Bytes
	put(0, items, 0)
	perWrite := float64(k.Stats().Bytes-before) / float64(items)
	at1 := afterNow()
	read := func(at int64) time.Duration {
		start := time.Now()
		img, err := k.Image("T", at)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		err = img.Items(func(shard.Key, []byte) error { n++; return nil })
		img.Close()
		if err != nil || n != items {
			b.Fatalf("%d items, %v", n, err)
		}
		return time.Since(start)
	}
	var fromLog, fromBase time.Duration
	b.ResetTimer()
	for range b.N {
		fromLog += read(at1)
	}
	b.StopTimer()
	h := k.history("T")
	if err := h.takeBase(tb); err != nil {
		b.Fatal(err)
	}
	put(0, items/10, 1)
	at2 := afterNow()
	b.StartTimer()
	for range b.N {
		fromBase += read(at2)
	}
	b.ReportMetric(float64(fromLog.Milliseconds())/float64(b.N), "from-log-ms")
	b.ReportMetric(float64(fromBase.Milliseconds())/float64(b.N), "from-base-ms")
	b.ReportMetric(perWrite, "log-bytes-per-write")
}

// BenchmarkWrite is the write path of a table with a write-ahead log
// (fsync no), without and with a point-in-time history: the cost PITR
// adds to a write (a change record, the history's entry and its write).
func BenchmarkWrite(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run("pitr="+strconv.FormatBool(on), func(b *testing.B) {
			dir := b.TempDir()
			k, err := Open(Options{Dir: dir + "/pitr", MaintainEvery: -1})
			if err != nil {
				b.Fatal(err)
			}
			defer k.Close()
			log, store, err := wal.Open(dir, wal.Options{Policy: wal.FsyncNo, SnapshotBytes: -1, Changes: k})
			if err != nil {
				b.Fatal(err)
			}
			defer log.Close()
			k.Attach(store, log.Sync)
			tb, _ := store.CreateTable("T", schema, nil, nil)
			if on {
				if err := k.Enable(tb, 1, time.Hour); err != nil {
					b.Fatal(err)
				}
			}
			keys := make([]shard.Key, 1000)
			items := make([]attr.Item, len(keys))
			for i := range keys {
				pk := "user" + strconv.Itoa(i)
				keys[i] = key(b, pk)
				items[i] = attr.Item{"pk": attr.Str(pk), "name": attr.Str("name of " + pk)}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				j := i % len(keys)
				it := items[j]
				it["n"] = attr.Num(strconv.Itoa(i))
				if _, _, err := tb.Mutate(keys[j], func(shard.Entry) (shard.Write, error) { return shard.Write{Item: it}, nil }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
