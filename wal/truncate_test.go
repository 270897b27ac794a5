package wal

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// TestTruncateRecovers: a truncated table comes back empty with its
// definition (indexes, description), with the writes made after the
// truncation, from the log and from a snapshot taken after it.
func TestTruncateRecovers(t *testing.T) {
	for _, snap := range []bool{false, true} {
		t.Run(fmt.Sprint("snapshot=", snap), func(t *testing.T) {
			dir := t.TempDir()
			l, s := openT(t, dir, Options{Policy: FsyncAlways, SnapshotBytes: -1})
			gsi := []shard.IndexSchema{{Name: "g", Key: shard.KeySchema{HashName: "v", HashType: attr.S}}}
			tb, err := s.CreateTable("t", testSchema, gsi, []byte("m1"))
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 200; i++ {
				put(t, tb, fmt.Sprint("k", i), fmt.Sprint("v", i))
			}
			if _, err := s.TruncateTable(tb, nil); err != nil {
				t.Fatal(err)
			}
			put(t, tb, "after", "truncate")
			if snap {
				if err := l.Snapshot(); err != nil {
					t.Fatal(err)
				}
			}
			want := contents(t, s)
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			l2, s2 := openT(t, dir, Options{})
			defer l2.Close()
			if got := contents(t, s2); got != want {
				t.Fatalf("after reopen:\n%s\nwant:\n%s", got, want)
			}
			tb2, _ := s2.Table("t")
			if !reflect.DeepEqual(tb2.Indexes(), gsi) || tb2.ItemCount() != 1 {
				t.Fatalf("recovered %d items, indexes %+v", tb2.ItemCount(), tb2.Indexes())
			}
			tb2.WaitIndexes(nil)
			if st, _ := tb2.IndexStats("g"); st.ItemCount != 1 {
				t.Fatalf("index recovered with %d entries", st.ItemCount)
			}
		})
	}
}
