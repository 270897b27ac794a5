package wal

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

func putOp(tb *shard.Table, key, val string) shard.Op {
	it := attr.Item{"pk": attr.Str(key), "v": attr.Str(val)}
	k, _ := tb.Schema().EncodeKey(it)
	return shard.Op{Table: tb, Key: k, Decide: func(shard.Entry) (shard.Write, error) { return shard.Write{Item: it}, nil }}
}

func delOp(tb *shard.Table, key string) shard.Op {
	k, _ := tb.Schema().EncodeKey(attr.Item{"pk": attr.Str(key)})
	return shard.Op{Table: tb, Key: k, Decide: func(shard.Entry) (shard.Write, error) { return shard.Write{Delete: true}, nil }}
}

// TestBatchRecord: a multi-item write over two tables is one log record:
// it is recovered whole, a torn copy of it is cut whole, and a refused one
// is reverted whole.
func TestBatchRecord(t *testing.T) {
	dir := t.TempDir()
	l, s := openT(t, dir, Options{Policy: FsyncAlways, SnapshotBytes: -1})
	t1, _ := s.CreateTable("t1", testSchema, gsiSchema, nil)
	t2, _ := s.CreateTable("t2", testSchema, nil, nil)
	put(t, t1, "gone", "x")
	if _, _, _, err := s.MutateMany([]shard.Op{putOp(t1, "a", "1"), putOp(t2, "b", "1"), delOp(t1, "gone")}); err != nil {
		t.Fatal(err)
	}
	whole := contents(t, s)
	if _, _, _, err := s.MutateMany([]shard.Op{putOp(t1, "a", "2"), putOp(t2, "c", "2")}); err != nil {
		t.Fatal(err)
	}
	l.Close()

	l, s = openT(t, dir, Options{SnapshotBytes: -1})
	t1, _ = s.Table("t1")
	if v, _ := get(t, t1, "a"); v != "2" {
		t.Fatalf("recovered a=%q, want 2", v)
	}
	l.Close()

	// Tear the last record (the second batch) in the middle.
	segs, _ := filepath.Glob(filepath.Join(dir, "wal", "0*"))
	last := segs[len(segs)-1]
	offs := entryOffsets(t, last)
	fi, _ := os.Stat(last)
	cut := offs[len(offs)-1] + int(fi.Size()-int64(offs[len(offs)-1]))/2
	if err := os.Truncate(last, int64(cut)); err != nil {
		t.Fatal(err)
	}
	l, s = openT(t, dir, Options{SnapshotBytes: -1})
	if got := contents(t, s); got != whole {
		t.Fatalf("after a torn batch:\n%s\nwant the first batch whole and none of the second:\n%s", got, whole)
	}

	// A refused batch leaves nothing behind, in any table or index.
	t1, _ = s.Table("t1")
	t2, _ = s.Table("t2")
	files := &switchFiles{segmentLog: l.files}
	l.files = files
	files.full.Store(true)
	if _, _, _, err := s.MutateMany([]shard.Op{putOp(t1, "a", "3"), putOp(t2, "new", "3"), delOp(t2, "b")}); err == nil {
		t.Fatal("a batch on a full disk was acknowledged")
	}
	if got := contents(t, s); got != whole {
		t.Fatalf("after a refused batch:\n%s\nwant:\n%s", got, whole)
	}
	if got := indexed(t, t1, "3"); len(got) != 0 {
		t.Fatalf("index lists a refused write: %v", got)
	}
	l.Close()
	l, s = openT(t, dir, Options{SnapshotBytes: -1})
	defer l.Close()
	if got := contents(t, s); got != whole {
		t.Fatalf("recovered after a refused batch:\n%s\nwant:\n%s", got, whole)
	}
}
