package wal

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

func seedRecords() [][]byte {
	var out [][]byte
	mk := func(typ byte, fill func([]byte) []byte) {
		b, st := beginRecord(nil, typ)
		out = append(out, finishRecord(fill(b), st))
	}
	item := attr.EncodeItem(attr.Item{"pk": attr.Str("a"), "v": attr.Num("1")})
	mk(recPut, func(b []byte) []byte { return appendPut(b, "t", shard.Key("\x01a"), 5, item) })
	mk(recDelete, func(b []byte) []byte { return appendDelete(b, "t", shard.Key("\x01a")) })
	mk(recTable, func(b []byte) []byte {
		return appendTable(b, "t", testSchema, []shard.IndexSchema{{Name: "g", Key: testSchema}}, []byte(`{}`))
	})
	mk(recTable, func(b []byte) []byte { return appendTable(b, "t", testSchema, compositeIndexes, []byte(`{}`)) })
	mk(recDropTable, func(b []byte) []byte { return appendStr(b, []byte("t")) })
	ch := shard.Change{Stream: 1796399621773, Time: 1796399622257, Old: item, OldExisted: true}
	mk(recChange, func(b []byte) []byte {
		return appendPut(append(appendChange(b, &ch), recPut), "t", shard.Key("\x01a"), 5, item)
	})
	svc := shard.Change{Stream: 7, Time: 9, Service: true, OldExisted: true}
	mk(recChange, func(b []byte) []byte {
		return appendDelete(append(appendChange(b, &svc), recDelete), "t", shard.Key("\x01a"))
	})
	mk(recBatch, func(b []byte) []byte {
		items := []shard.BatchItem{{Table: "t", Key: shard.Key("\x01a"), Enc: item, Size: 5}, {Table: "t", Key: shard.Key("\x01b")}}
		return appendBatch(b, items, []shard.Change{ch, {}})
	})
	return out
}

// FuzzDecodeRecord: no input panics the record decoder; what decodes
// re-encodes to the same bytes (for the types that have an encoder).
func FuzzDecodeRecord(f *testing.F) {
	for _, r := range seedRecords() {
		f.Add(r)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeRecord(b)
		if err != nil {
			return
		}
		var again []byte
		var st int
		if r.change != nil {
			again, st = beginRecord(nil, recChange)
			ch := *r.change
			again = appendChange(again, &ch)
			if r.typ == recPut {
				again = appendPut(append(again, recPut), r.table, r.key, r.size, r.item)
			} else {
				again = appendDelete(append(again, recDelete), r.table, r.key)
			}
			again = finishRecord(again, st)
			if string(again) != string(b) {
				t.Fatalf("re-encoding differs:\n%x\n%x", again, b)
			}
			return
		}
		switch r.typ {
		case recPut:
			again, st = beginRecord(nil, recPut)
			again = appendPut(again, r.table, r.key, r.size, r.item)
		case recDelete:
			again, st = beginRecord(nil, recDelete)
			again = appendDelete(again, r.table, r.key)
		case recTable:
			// A decoded table record re-encodes to the same bytes, with
			// or without its multi-attribute key section.
			again, st = beginRecord(nil, recTable)
			again = appendTable(again, r.table, r.schema, r.indexes, r.meta)
		default:
			return
		}
		again = finishRecord(again, st)
		if string(again) != string(b) {
			t.Fatalf("re-encoding differs:\n%x\n%x", again, b)
		}
	})
}

// FuzzRecover: whatever bytes the last segment holds, Open either
// recovers (repairing a torn tail) or fails with an error; it never panics.
func FuzzRecover(f *testing.F) {
	var seg []byte
	for _, r := range seedRecords() {
		seg = append(seg, byte(len(r)))
		seg = append(seg, r...)
	}
	f.Add(seg)
	f.Add(seg[:len(seg)-3])
	f.Add([]byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "wal"), 0o755)
		os.WriteFile(filepath.Join(dir, "wal", "00000000000000000001"), b, 0o644)
		l, _, err := Open(dir, Options{SnapshotBytes: -1})
		if err == nil {
			l.Close()
		}
	})
}
