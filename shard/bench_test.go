package shard

import (
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

// Benchmarks on a 1M-item table: 10,000 partitions of 100 items, each item
// with a 100-byte value and a GSI key (100 entries per GSI partition).
//
//	go test ./shard -run '^$' -bench . -benchmem
//
// Memory per item (1M items, 100-byte values), against the old map store:
//
//	DYNACACHE_MEMTEST=1 go test ./shard -run TestMemoryPerItem -v

const (
	benchItems      = 1_000_000
	benchPartitions = 10_000
)

var (
	benchOnce  sync.Once
	benchTable *Table
	benchKS    = KeySchema{HashName: "pk", HashType: attr.S, RangeName: "sk", RangeType: attr.N}
	benchGSI   = IndexSchema{Name: "g", Key: KeySchema{HashName: "gk", HashType: attr.S, RangeName: "sk", RangeType: attr.N},
		Projection: ProjectKeysOnly}
	benchValue = strings.Repeat("v", 100)
)

func benchItem(i int) attr.Item {
	return attr.Item{
		"pk": attr.Str("p" + strconv.Itoa(i%benchPartitions)),
		"sk": attr.Num(strconv.Itoa(i / benchPartitions)),
		"gk": attr.Str("g" + strconv.Itoa(i/100)),
		"v":  attr.Str(benchValue),
	}
}

func benchSetup(b *testing.B) *Table {
	benchOnce.Do(func() {
		s := New(nil)
		benchTable, _ = s.CreateTable("bench", benchKS, []IndexSchema{benchGSI}, nil)
		for i := 0; i < benchItems; i++ {
			it := benchItem(i)
			k, _ := benchKS.EncodeKey(it)
			benchTable.Mutate(k, func(Entry) (Write, error) { return Write{Item: it}, nil })
		}
	})
	return benchTable
}

func BenchmarkQuery100(b *testing.B) {
	tb := benchSetup(b)
	rng := rand.New(rand.NewSource(1))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := AppendKeyValue(nil, attr.Str("p"+strconv.Itoa(rng.Intn(benchPartitions))))
		n := 0
		tb.Query("", &Range{Partition: p}, nil, func(Hit) bool { n++; return true })
		if n != 100 {
			b.Fatalf("%d items", n)
		}
	}
}

func BenchmarkGSIQuery100(b *testing.B) {
	tb := benchSetup(b)
	rng := rand.New(rand.NewSource(1))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := AppendKeyValue(nil, attr.Str("g"+strconv.Itoa(rng.Intn(benchItems/100))))
		n := 0
		tb.Query("g", &Range{Partition: p}, nil, func(Hit) bool { n++; return true })
		if n != 100 {
			b.Fatalf("%d items", n)
		}
	}
}

// BenchmarkScanPage reads pages of 1000 items from random start keys.
func BenchmarkScanPage1000(b *testing.B) {
	tb := benchSetup(b)
	rng := rand.New(rand.NewSource(1))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k, _ := benchKS.EncodeKey(benchItem(rng.Intn(benchItems)))
		n := 0
		tb.Scan("", Segment{}, &Start{Key: k}, func(Hit) bool { n++; return n < 1000 })
	}
}

func BenchmarkGet(b *testing.B) {
	tb := benchSetup(b)
	keys := make([]Key, 1<<18)
	for i := range keys {
		keys[i], _ = benchKS.EncodeKey(benchItem(rand.Intn(benchItems)))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, ok := tb.Get(keys[i&(1<<18-1)]); !ok {
			b.Fatal("missing")
		}
	}
}

// mapStore is the store before the B-trees: per shard a map by key.
type mapStore struct {
	shards [numShards]struct {
		sync.RWMutex
		items map[string]Entry
	}
}

func (m *mapStore) put(k Key, it attr.Item) {
	s := &m.shards[hashPartition(k.Partition())&(numShards-1)]
	s.Lock()
	if s.items == nil {
		s.items = make(map[string]Entry)
	}
	s.items[string(k)] = Entry{enc: attr.EncodeItem(it), size: attr.ItemSize(it)}
	s.Unlock()
}

func (m *mapStore) get(k Key) (Entry, bool) {
	s := &m.shards[hashPartition(k.Partition())&(numShards-1)]
	s.RLock()
	e, ok := s.items[string(k)]
	s.RUnlock()
	return e, ok
}

var (
	mapOnce  sync.Once
	mapBench *mapStore
)

func BenchmarkGetOldMap(b *testing.B) {
	mapOnce.Do(func() {
		mapBench = &mapStore{}
		for i := 0; i < benchItems; i++ {
			it := benchItem(i)
			k, _ := benchKS.EncodeKey(it)
			mapBench.put(k, it)
		}
	})
	keys := make([]Key, 1<<18)
	for i := range keys {
		keys[i], _ = benchKS.EncodeKey(benchItem(rand.Intn(benchItems)))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, ok := mapBench.get(keys[i&(1<<18-1)]); !ok {
			b.Fatal("missing")
		}
	}
}

func BenchmarkPut(b *testing.B) {
	s := New(nil)
	tb, _ := s.CreateTable("put", benchKS, nil, nil)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		it := benchItem(i)
		k, _ := benchKS.EncodeKey(it)
		tb.Mutate(k, func(Entry) (Write, error) { return Write{Item: it}, nil })
	}
}

func heapAfterGC() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestMemoryPerItem measures the heap per item of 1M items with 100-byte
// values: in a table, in a table with a KEYS_ONLY GSI, and in the old map
// store.
func TestMemoryPerItem(t *testing.T) {
	if os.Getenv("DYNACACHE_MEMTEST") == "" {
		t.Skip("set DYNACACHE_MEMTEST=1 (needs about 2 GB and a minute)")
	}
	items := make([]attr.Item, benchItems)
	keys := make([]Key, benchItems)
	for i := range items {
		items[i] = benchItem(i)
		delete(items[i], "gk")
		keys[i], _ = benchKS.EncodeKey(items[i])
	}
	encSize := 0
	for _, it := range items[:1000] {
		encSize += attr.EncodedSize(it) + len(keys[0])
	}
	t.Logf("key + encoded item: about %d bytes", encSize/1000)
	measure := func(name string, fill func()) {
		before := heapAfterGC()
		fill()
		after := heapAfterGC()
		t.Logf("%-28s %6.1f bytes/item (heap %d -> %d MB)", name, float64(int64(after)-int64(before))/benchItems, before>>20, after>>20)
	}
	var keep []any
	measure("old map store", func() {
		m := &mapStore{}
		for i, it := range items {
			m.put(keys[i], it)
		}
		keep = append(keep, m)
	})
	measure("table (B-tree shards)", func() {
		s := New(nil)
		tb, _ := s.CreateTable("m", benchKS, nil, nil)
		for i, it := range items {
			tb.Mutate(keys[i], func(Entry) (Write, error) { return Write{Item: it}, nil })
		}
		keep = append(keep, s)
	})
	for i := range items {
		items[i]["gk"] = attr.Str("g" + strconv.Itoa(i/100))
	}
	measure("table + KEYS_ONLY GSI", func() {
		s := New(nil)
		tb, _ := s.CreateTable("m", benchKS, []IndexSchema{benchGSI}, nil)
		for i, it := range items {
			tb.Mutate(keys[i], func(Entry) (Write, error) { return Write{Item: it}, nil })
		}
		keep = append(keep, s)
	})
	runtime.KeepAlive(keep)
	runtime.KeepAlive(items)
	runtime.KeepAlive(keys)
	fmt.Fprint(os.Stderr)
}
