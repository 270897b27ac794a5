package shard

import (
	"fmt"
	"math/rand"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynacache/dynacache/shard/attr"
)

var ikeyIndex = IndexSchema{
	Name:       "byu",
	Key:        KeySchema{HashName: "g", HashType: attr.S, RangeName: "u", RangeType: attr.S},
	Projection: ProjectKeysOnly,
}

func ikeyItem(k, step int, u string) attr.Item {
	it := arenaItem(k, step, 0)
	it["u"] = attr.Str(u)
	return it
}

// collectWhile runs a collection every 2 ms until stop is set: index
// entries name bytes by address, so a slab collected while an entry still
// names it would be read after it is freed. Run these tests with
// GODEBUG=clobberfree=1 as well: the collector then overwrites what it
// frees, and such a read returns garbage that the checks see.
func collectWhile(stop *atomic.Bool, wg *sync.WaitGroup) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 5000 && !stop.Load(); i++ {
			runtime.GC()
			time.Sleep(2 * time.Millisecond)
		}
	}()
}

// readIndexOrdered queries every partition of index byu and fails unless
// each returns its items in strictly ascending u, each item of its own
// partition; it returns how many it read.
func readIndexOrdered(t *testing.T, tb *Table) (int, error) {
	n := 0
	for g := 0; g < 7; g++ {
		part := fmt.Sprint("g", g)
		prev := ""
		var bad error
		err := tb.Query("byu", &Range{Partition: []byte(part)}, nil, func(h Hit) bool {
			it, err := h.Entry.Item()
			if err != nil {
				bad = err
				return false
			}
			u := it["u"].Str
			if it["g"].Str != part || u <= prev {
				bad = fmt.Errorf("partition %s: item %q (g %q) after u %q", part, u, it["g"].Str, prev)
				return false
			}
			prev = u
			n++
			return true
		})
		if err != nil {
			return n, err
		}
		if bad != nil {
			return n, bad
		}
	}
	return n, nil
}

// TestIndexKeyStoreCompaction rewrites the index key of random items (a
// sort key unique to each write) until the index shards' key stores have
// compacted many times, while readers query the index: reads come in
// index order and of the right partition, the stores' accounts hold,
// every entry names a record holding its key, and in the end the index
// holds exactly the model's items.
func TestIndexKeyStoreCompaction(t *testing.T) {
	s := New(nil)
	tb, _ := s.CreateTable("a", arenaKS, []IndexSchema{ikeyIndex}, nil)
	rng := rand.New(rand.NewSource(11))
	const keys = 5000
	model := map[int]string{}
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	collectWhile(&stop, &wg)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000 && !stop.Load(); i++ {
				if _, err := readIndexOrdered(t, tb); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for step := 0; step < 60000; step++ {
		k := rng.Intn(keys)
		key := arenaKey(t, k)
		if rng.Intn(8) == 0 {
			tb.Mutate(key, func(Entry) (Write, error) { return Write{Delete: true}, nil })
			delete(model, k)
			continue
		}
		u := fmt.Sprintf("u%06d-%d", rng.Intn(1000000), step)
		it := ikeyItem(k, step, u)
		tb.Mutate(key, func(Entry) (Write, error) { return Write{Item: it}, nil })
		model[k] = u
		if step%15000 == 14999 {
			checkArena(t, tb)
		}
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	checkArena(t, tb)
	ix := tb.indexes.Load().ixs[0]
	rounds := 0
	var used, live int64
	for i := range ix.keys {
		rounds += ix.keys[i].rounds
		used += ix.keys[i].used
		live += ix.keys[i].live
	}
	if rounds < numShards {
		t.Fatalf("%d key store compactions in %d shards", rounds, numShards)
	}
	t.Logf("%d key store compactions; %d of %d bytes live", rounds, live, used)
	if dead := used - live; dead > used/2+numShards*keysMinDead {
		t.Fatalf("%d dead key bytes of %d", dead, used)
	}
	n, err := readIndexOrdered(t, tb)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(model) {
		t.Fatalf("index holds %d entries, want %d", n, len(model))
	}
	st, _ := tb.IndexStats("byu")
	if st.ItemCount != int64(len(model)) {
		t.Fatalf("IndexStats counts %d, want %d", st.ItemCount, len(model))
	}
}

// TestIndexKeysInterned: entries with equal index keys share one record,
// which lives until the last of them goes.
func TestIndexKeysInterned(t *testing.T) {
	s := New(nil)
	tb, _ := s.CreateTable("a", arenaKS, []IndexSchema{{Name: "byg", Key: KeySchema{HashName: "g", HashType: attr.S}, Projection: ProjectKeysOnly}}, nil)
	const keys = 20000
	for k := range keys {
		it := arenaItem(k, 0, 0)
		tb.Mutate(arenaKey(t, k), func(Entry) (Write, error) { return Write{Item: it}, nil })
	}
	checkArena(t, tb)
	ix := tb.indexes.Load().ixs[0]
	records := 0
	for i := range ix.shards {
		seen := map[uintptr]bool{}
		ix.shards[i].mu.tree.Scan(func(e indexEntry) bool {
			seen[e.ik] = true
			return true
		})
		records += len(seen)
	}
	// 7 index keys; a shard interns once it holds internMin bytes of
	// records, and a key's slot may be taken by another key meanwhile:
	// a few records per key, not one per entry.
	if records > 7*64 {
		t.Fatalf("%d records for 7 index keys over %d entries", records, keys)
	}
	for k := range keys {
		tb.Mutate(arenaKey(t, k), func(Entry) (Write, error) { return Write{Delete: true}, nil })
	}
	checkArena(t, tb)
	for i := range ix.keys {
		if ks := &ix.keys[i]; ks.live != 0 {
			t.Fatalf("shard %d: %d live key bytes with an empty index", i, ks.live)
		}
	}
}

// TestDropIndexUnderLoad drops an index while writers change its items
// and readers query it: reads either succeed in order or find the index
// gone, nothing the dropped index named is read after its items change,
// and the dropped index is emptied.
func TestDropIndexUnderLoad(t *testing.T) {
	for round := range 5 {
		s := New(nil)
		tb, _ := s.CreateTable("a", arenaKS, []IndexSchema{ikeyIndex}, nil)
		for k := range 2000 {
			it := ikeyItem(k, 0, fmt.Sprint("u", k))
			tb.Mutate(arenaKey(t, k), func(Entry) (Write, error) { return Write{Item: it}, nil })
		}
		var stop atomic.Bool
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		collectWhile(&stop, &wg)
		for w := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewSource(int64(round*10 + w)))
				for step := 0; step < 20000 && !stop.Load(); step++ {
					k := rng.Intn(2000)
					it := ikeyItem(k, step, fmt.Sprintf("u%06d-%d-%d", rng.Intn(1000000), w, step))
					tb.Mutate(arenaKey(t, k), func(Entry) (Write, error) { return Write{Item: it}, nil })
				}
			}()
		}
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 200 && !stop.Load(); i++ {
					if _, err := readIndexOrdered(t, tb); err != nil {
						if err != ErrIndexNotFound {
							errs <- err
						}
						return
					}
				}
			}()
		}
		ix := tb.indexes.Load().ixs[0]
		if err := s.UpdateTable(tb, nil, nil); err != nil {
			t.Fatal(err)
		}
		stop.Store(true)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for i := range ix.shards {
			if n := ix.shards[i].mu.tree.Len(); n != 0 {
				t.Fatalf("dropped index: shard %d holds %d entries", i, n)
			}
		}
		checkArena(t, tb)
	}
}

// TestIndexKeyKeptOnOverwrite: a write that leaves an item's index key
// alone (or compaction moving its image) keeps the entry's record, even
// for keys interning does not share: overwrites add no record.
func TestIndexKeyKeptOnOverwrite(t *testing.T) {
	s := New(nil)
	tb, _ := s.CreateTable("a", arenaKS, []IndexSchema{ikeyIndex}, nil)
	const keys = 5000
	for k := range keys {
		it := ikeyItem(k, 0, fmt.Sprint("u", k))
		tb.Mutate(arenaKey(t, k), func(Entry) (Write, error) { return Write{Item: it}, nil })
	}
	ix := tb.indexes.Load().ixs[0]
	records := func() (map[string]uintptr, int64) {
		m := map[string]uintptr{}
		var used int64
		for i := range ix.shards {
			ix.shards[i].mu.tree.Scan(func(e indexEntry) bool {
				m[e.baseKey()] = e.ik
				return true
			})
			used += ix.keys[i].used
		}
		return m, used
	}
	before, usedBefore := records()
	for step := 1; step <= 3; step++ {
		for k := range keys {
			it := ikeyItem(k, step, fmt.Sprint("u", k)) // a new v, the same u
			tb.Mutate(arenaKey(t, k), func(Entry) (Write, error) { return Write{Item: it}, nil })
		}
	}
	checkArena(t, tb)
	after, usedAfter := records()
	if usedAfter != usedBefore {
		t.Fatalf("key stores grew from %d to %d bytes on overwrites that kept every index key", usedBefore, usedAfter)
	}
	for k, p := range before {
		if after[k] != p {
			t.Fatalf("entry of %q moved to another record", k)
		}
	}
	if n, err := readIndexOrdered(t, tb); err != nil || n != keys {
		t.Fatalf("index reads %d entries (%v), want %d", n, err, keys)
	}
}
