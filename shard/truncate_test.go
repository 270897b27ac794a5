package shard

import (
	"fmt"
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

// TestTruncateTable: every item and index entry leaves at once, the table
// keeps its definition and takes writes again, and Free drops the old
// contents.
func TestTruncateTable(t *testing.T) {
	s := New(nil)
	gsi := IndexSchema{Name: "g", Key: KeySchema{HashName: "gk", HashType: attr.S}}
	tb, err := s.CreateTable("t", KeySchema{HashName: "pk", HashType: attr.S}, []IndexSchema{gsi}, []byte("meta"))
	if err != nil {
		t.Fatal(err)
	}
	put := func(i int) Key {
		it := attr.Item{"pk": attr.Str(fmt.Sprint("k", i)), "gk": attr.Str(fmt.Sprint("g", i%7))}
		k, _ := tb.Schema().EncodeKey(it)
		if _, _, err := tb.Mutate(k, func(Entry) (Write, error) { return Write{Item: it}, nil }); err != nil {
			t.Fatal(err)
		}
		return k
	}
	var keys []Key
	for i := 0; i < 5000; i++ {
		keys = append(keys, put(i))
	}
	ran := false
	d, err := s.TruncateTable(tb, func() { ran = true })
	if err != nil {
		t.Fatal(err)
	}
	if !ran || d.Items() != 5000 {
		t.Fatalf("locked ran %v, %d items removed", ran, d.Items())
	}
	if tb.ItemCount() != 0 || tb.SizeBytes() != 0 {
		t.Fatalf("after truncate: %d items, %d bytes", tb.ItemCount(), tb.SizeBytes())
	}
	for _, k := range keys[:100] {
		if _, ok := tb.Get(k); ok {
			t.Fatal("item survived the truncation")
		}
	}
	if st, _ := tb.IndexStats("g"); st.ItemCount != 0 || st.SizeBytes != 0 {
		t.Fatalf("index after truncate: %+v", st)
	}
	if _, done := tb.ScanHash(0, 10, func(Key, Entry) { t.Fatal("scan found an item") }); !done {
		t.Fatal("scan of the empty table not done")
	}
	if got, _ := s.Table("t"); got != tb || string(tb.Meta()) != "meta" || len(tb.Indexes()) != 1 {
		t.Fatal("truncation changed the table's definition")
	}
	put(1)
	if tb.ItemCount() != 1 {
		t.Fatalf("write after truncate: %d items", tb.ItemCount())
	}
	if st, _ := tb.IndexStats("g"); st.ItemCount != 1 {
		t.Fatalf("index after a write: %+v", st)
	}
	d.Free()
	if d.trees[0] != nil || d.ixTrees != nil {
		t.Fatal("Free kept the old contents")
	}
	if _, err := s.DeleteTable("t"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TruncateTable(tb, nil); err != ErrTableNotFound {
		t.Fatalf("truncate of a dropped table: %v", err)
	}
}
