package wal

import (
	"fmt"
	"testing"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// TestRecoverIndexes: after a restart from the log alone, or from a
// snapshot and the log, an index the log later dropped is gone, one it
// added and kept is complete and ready, whatever the order of the item
// writes and the definitions.
func TestRecoverIndexes(t *testing.T) {
	for _, snap := range []bool{false, true} {
		t.Run(fmt.Sprint("snapshot=", snap), func(t *testing.T) {
			dir := t.TempDir()
			l, s := openT(t, dir, Options{SnapshotBytes: -1})
			tb, err := s.CreateTable("t", testSchema, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 3000; i++ {
				put(t, tb, fmt.Sprint("k", i), fmt.Sprint("v", i%10))
			}
			byV := shard.IndexSchema{Name: "byV", Key: shard.KeySchema{HashName: "v", HashType: attr.S}}
			dropped := shard.IndexSchema{Name: "dropped", Key: shard.KeySchema{HashName: "v", HashType: attr.S}, Projection: shard.ProjectKeysOnly}
			if err := s.UpdateTable(tb, []shard.IndexSchema{dropped}, nil); err != nil {
				t.Fatal(err)
			}
			tb.WaitIndexes(nil)
			if snap {
				if err := l.Snapshot(); err != nil {
					t.Fatal(err)
				}
			}
			for i := 3000; i < 4000; i++ {
				put(t, tb, fmt.Sprint("k", i), fmt.Sprint("v", i%10))
			}
			if err := s.UpdateTable(tb, []shard.IndexSchema{byV}, []byte("m")); err != nil {
				t.Fatal(err)
			}
			tb.WaitIndexes(nil)
			del(t, tb, "k1")
			want := contents(t, s)
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			l2, s2 := openT(t, dir, Options{})
			defer l2.Close()
			if got := contents(t, s2); got != want {
				t.Fatalf("after reopen:\n%.400s\nwant:\n%.400s", got, want)
			}
			tb2, _ := s2.Table("t")
			if ix := tb2.Indexes(); len(ix) != 1 || ix[0].Name != "byV" {
				t.Fatalf("recovered indexes %+v", ix)
			}
			if _, ok := tb2.IndexStats("dropped"); ok {
				t.Fatal("the dropped index was recovered")
			}
			st, _ := tb2.IndexStats("byV")
			if st.Backfilling || st.ItemCount != 3999 {
				t.Fatalf("byV recovered as %+v, want 3999 entries, ready", st)
			}
			n := 0
			if err := tb2.Query("byV", &shard.Range{Partition: shard.AppendKeyValue(nil, attr.Str("v3"))}, nil, func(shard.Hit) bool { n++; return true }); err != nil {
				t.Fatal(err)
			}
			if n != 400 {
				t.Fatalf("Query of byV v3: %d items, want 400", n)
			}
		})
	}
}
