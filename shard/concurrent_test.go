package shard

import (
	"fmt"
	"math/rand"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

// Reads and backfills while writers run: a paginated Scan (whole or by
// segment) returns every item present throughout exactly once, and an
// index backfilled under writes ends equal to one built from the table.
func TestConcurrentScanAndBackfill(t *testing.T) {
	s := New(nil)
	ks := KeySchema{HashName: "pk", HashType: attr.S}
	tb, _ := s.CreateTable("c", ks, nil, nil)
	put := func(pk string, g int) {
		it := attr.Item{"pk": attr.Str(pk), "g": attr.Str("g" + strconv.Itoa(g))}
		k, _ := ks.EncodeKey(it)
		tb.Mutate(k, func(Entry) (Write, error) { return Write{Item: it}, nil })
	}
	const stable = 3000
	for i := 0; i < stable; i++ {
		put("s"+strconv.Itoa(i), i%7)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(w)))
			for !stop.Load() {
				if rng.Intn(2) == 0 { // rewrite a stable item (its index key moves)
					put("s"+strconv.Itoa(rng.Intn(stable)), rng.Intn(7))
					continue
				}
				pk := fmt.Sprintf("v%d-%d", w, rng.Intn(500))
				k, _ := ks.EncodeKey(attr.Item{"pk": attr.Str(pk)})
				if rng.Intn(2) == 0 {
					put(pk, rng.Intn(7))
				} else {
					tb.Mutate(k, func(old Entry) (Write, error) { return Write{Delete: old.Exists(), Skip: !old.Exists()}, nil })
				}
			}
		}(w)
	}
	scanAll := func(seg Segment) map[string]int {
		seen := map[string]int{}
		var start *Start
		for {
			n := 0
			var last Key
			tb.Scan("", seg, start, func(h Hit) bool {
				seen[string(h.Key)]++
				last = append(last[:0], h.Key...)
				n++
				return n < 37
			})
			if n < 37 {
				return seen
			}
			start = &Start{Key: append(Key(nil), last...)}
		}
	}
	check := func(seen map[string]int, want func(i int) bool) {
		t.Helper()
		for k, n := range seen {
			if n != 1 {
				t.Fatalf("key %q seen %d times", k, n)
			}
		}
		for i := 0; i < stable; i++ {
			k, _ := ks.EncodeKey(attr.Item{"pk": attr.Str("s" + strconv.Itoa(i))})
			if want(i) && seen[string(k)] != 1 {
				t.Fatalf("stable item %d seen %d times", i, seen[string(k)])
			}
		}
	}
	check(scanAll(Segment{}), func(int) bool { return true })
	union := map[string]int{}
	for i := 0; i < 5; i++ {
		for k, n := range scanAll(Segment{Index: i, Total: 5}) {
			union[k] += n
		}
	}
	check(union, func(int) bool { return true })

	// Backfill a GSI while the writers run.
	gsi := IndexSchema{Name: "byg", Key: KeySchema{HashName: "g", HashType: attr.S}}
	if err := s.UpdateTable(tb, []IndexSchema{gsi}, nil); err != nil {
		t.Fatal(err)
	}
	tb.WaitIndexes(nil)
	stop.Store(true)
	wg.Wait()
	want := map[string]string{}
	tb.Dump(func(k Key, e Entry) error {
		it, _ := e.Item()
		want[string(k)] = it["g"].Str
		return nil
	})
	got := map[string]string{}
	tb.Scan("byg", Segment{}, nil, func(h Hit) bool {
		it, _ := h.Entry.Item()
		if _, dup := got[string(h.Key)]; dup {
			t.Fatalf("index holds %q twice", h.Key)
		}
		got[string(h.Key)] = it["g"].Str
		return true
	})
	if len(got) != len(want) {
		t.Fatalf("index has %d entries, table %d items", len(got), len(want))
	}
	for k, g := range want {
		if got[k] != g {
			t.Fatalf("item %q: index says g=%q, table g=%q", k, got[k], g)
		}
	}
	for g := 0; g < 7; g++ {
		n := 0
		tb.Query("byg", &Range{Partition: AppendKeyValue(nil, attr.Str("g"+strconv.Itoa(g)))}, nil, func(h Hit) bool {
			it, _ := h.Entry.Item()
			if it["g"].Str != "g"+strconv.Itoa(g) {
				t.Fatalf("query g%d returned %v", g, it)
			}
			n++
			return true
		})
		m := 0
		for _, v := range want {
			if v == "g"+strconv.Itoa(g) {
				m++
			}
		}
		if n != m {
			t.Fatalf("query g%d: %d items, want %d", g, n, m)
		}
	}
	if st, _ := tb.IndexStats("byg"); st.ItemCount != int64(len(want)) || st.Backfilling {
		t.Fatalf("stats %+v, want %d items", st, len(want))
	}
}
