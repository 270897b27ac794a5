package shard

import (
	"math/rand"
	"strconv"
	"sync"
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

// Overwrites of existing keys in a 1M-item hash-only table (the layout of
// the RESP table: one item per partition, a 16-byte key, a 100-byte value):
//
//	go test ./shard -run '^$' -bench 'Overwrite|Get$|Put$' -benchmem

var (
	hashOnce  sync.Once
	hashTable *Table
	hashKS    = KeySchema{HashName: "pk", HashType: attr.S}
)

func hashItem(i int) attr.Item {
	return attr.Item{
		"pk":  attr.Str("key:" + strconv.FormatInt(int64(1e11+i), 10)), // 16 bytes
		"val": attr.Str(benchValue),
	}
}

func hashSetup() *Table {
	hashOnce.Do(func() {
		s := New(nil)
		hashTable, _ = s.CreateTable("hash", hashKS, nil, nil)
		for i := 0; i < benchItems; i++ {
			it := hashItem(i)
			k, _ := hashKS.EncodeKey(it)
			hashTable.Mutate(k, func(Entry) (Write, error) { return Write{Item: it}, nil })
		}
	})
	return hashTable
}

// BenchmarkOverwrite replaces random existing items of a 1M-item table.
func BenchmarkOverwrite(b *testing.B) {
	tb := hashSetup()
	const n = 1 << 16
	keys := make([]Key, n)
	items := make([]attr.Item, n)
	for i := range keys {
		items[i] = hashItem(rand.Intn(benchItems))
		keys[i], _ = hashKS.EncodeKey(items[i])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		it := items[i&(n-1)]
		if _, _, err := tb.Mutate(keys[i&(n-1)], func(Entry) (Write, error) { return Write{Item: it}, nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOverwriteParallel is BenchmarkOverwrite from every core.
func BenchmarkOverwriteParallel(b *testing.B) {
	tb := hashSetup()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewSource(rand.Int63()))
		for pb.Next() {
			it := hashItem(r.Intn(benchItems))
			k, _ := hashKS.EncodeKey(it)
			if _, _, err := tb.Mutate(k, func(Entry) (Write, error) { return Write{Item: it}, nil }); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkGetHash reads random items of the 1M-item hash-only table.
func BenchmarkGetHash(b *testing.B) {
	tb := hashSetup()
	const n = 1 << 18
	keys := make([]Key, n)
	for i := range keys {
		keys[i], _ = hashKS.EncodeKey(hashItem(rand.Intn(benchItems)))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, ok := tb.Get(keys[i&(n-1)]); !ok {
			b.Fatal("missing")
		}
	}
}
