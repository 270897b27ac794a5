package shard

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

// dumpString renders a table's items in order.
func dumpString(t *testing.T, tb *Table) string {
	var b strings.Builder
	tb.Dump(func(k Key, e Entry) error {
		fmt.Fprintf(&b, "%q=%x/%d\n", k, e.Encoded(), e.Size())
		return nil
	})
	fmt.Fprintf(&b, "count=%d bytes=%d", tb.ItemCount(), tb.SizeBytes())
	return b.String()
}

// TestLoadItems: a bulk load, in the table's order or shuffled, with keys
// given twice and keys already present, ends as the same writes applied
// one by one with RecoverItem; an indexed table's index agrees too.
func TestLoadItems(t *testing.T) {
	ks := KeySchema{HashName: "pk", HashType: attr.S, RangeName: "sk", RangeType: attr.N}
	var items []LoadItem
	for i := 0; i < 20000; i++ {
		it := attr.Item{"pk": attr.Str(fmt.Sprint("p", i%500)), "sk": attr.Num(fmt.Sprint(i / 500)), "g": attr.Str(fmt.Sprint("g", i%37))}
		k, _ := ks.EncodeKey(it)
		items = append(items, LoadItem{Key: k, Enc: attr.AppendItem(nil, it), Size: attr.ItemSize(it)})
	}
	// In the table's order, as a snapshot has them.
	ref := New(nil)
	rt, _ := ref.CreateTable("t", ks, nil, nil)
	for _, it := range items {
		rt.RecoverItem(it.Key, it.Enc, it.Size)
	}
	var ordered []LoadItem
	rt.Dump(func(k Key, e Entry) error {
		ordered = append(ordered, LoadItem{Key: k, Enc: e.Encoded(), Size: e.Size()})
		return nil
	})
	want := dumpString(t, rt)
	shuffled := append([]LoadItem(nil), items...)
	rand.New(rand.NewSource(1)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	gsi := IndexSchema{Name: "g", Key: KeySchema{HashName: "g", HashType: attr.S}}
	for _, c := range []struct {
		name    string
		items   []LoadItem
		indexes []IndexSchema
		pre     int // items written before the load
	}{
		{"ordered", ordered, nil, 0},
		{"shuffled", shuffled, nil, 0},
		{"twice", append(append([]LoadItem(nil), ordered[:7000]...), ordered...), nil, 0},
		{"present", ordered, nil, 3000},
		{"indexed", ordered, []IndexSchema{gsi}, 100},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := New(nil)
			tb, _ := s.CreateTable("t", ks, c.indexes, nil)
			for _, it := range items[:c.pre] {
				tb.RecoverItem(it.Key, []byte("stale"), 1)
			}
			tb.LoadItems(c.items)
			if got := dumpString(t, tb); got != want {
				t.Fatalf("after LoadItems:\n%.300s\nwant:\n%.300s", got, want)
			}
			for _, it := range items[:50] {
				if e, ok := tb.Get(it.Key); !ok || string(e.Encoded()) != string(it.Enc) {
					t.Fatalf("Get after load: %v", ok)
				}
			}
			if c.indexes != nil {
				if st, _ := tb.IndexStats("g"); st.ItemCount != int64(len(items)) {
					t.Fatalf("index holds %d entries, want %d", st.ItemCount, len(items))
				}
			}
		})
	}
}

// TestRecoveryDefersIndexes: while recovering, index definitions wait for
// EndRecovery; an index dropped by a later definition is never built, the
// last definitions are installed and backfilled.
func TestRecoveryDefersIndexes(t *testing.T) {
	s := New(nil)
	s.BeginRecovery()
	ks := KeySchema{HashName: "pk", HashType: attr.S}
	g1 := IndexSchema{Name: "g1", Key: KeySchema{HashName: "a", HashType: attr.S}}
	g2 := IndexSchema{Name: "g2", Key: KeySchema{HashName: "b", HashType: attr.S}}
	tb := s.RecoverTable("t", ks, []IndexSchema{g1}, nil)
	if len(tb.Indexes()) != 0 {
		t.Fatal("index installed during recovery")
	}
	var items []LoadItem
	for i := 0; i < 10000; i++ {
		it := attr.Item{"pk": attr.Str(fmt.Sprint("k", i)), "a": attr.Str("x"), "b": attr.Str(fmt.Sprint("b", i%3))}
		k, _ := ks.EncodeKey(it)
		items = append(items, LoadItem{Key: k, Enc: attr.AppendItem(nil, it), Size: attr.ItemSize(it)})
	}
	tb.LoadItems(items)
	s.RecoverTable("t", ks, []IndexSchema{g2}, []byte("m2"))
	gone := s.RecoverTable("gone", ks, []IndexSchema{g1}, nil)
	s.RecoverDropTable("gone")
	s.EndRecovery()
	if len(gone.Indexes()) != 0 {
		t.Fatal("a dropped table's index was installed")
	}
	if ix := tb.Indexes(); len(ix) != 1 || ix[0].Name != "g2" {
		t.Fatalf("indexes after recovery: %+v", ix)
	}
	if _, ok := tb.IndexStats("g1"); ok {
		t.Fatal("dropped index g1 exists")
	}
	if st, _ := tb.IndexStats("g2"); st.Backfilling || st.ItemCount != 10000 {
		t.Fatalf("g2 after recovery: %+v", st)
	}
	// After recovery, RecoverTable backfills at once again.
	s.RecoverTable("t", ks, []IndexSchema{g2, g1}, nil)
	if st, _ := tb.IndexStats("g1"); st.Backfilling || st.ItemCount != 10000 {
		t.Fatalf("g1 after recovery: %+v", st)
	}
}
