package wal

import (
	"errors"
	"reflect"
	"testing"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// compositeIndexes has a multi-attribute GSI between plain indexes.
var compositeIndexes = []shard.IndexSchema{
	{Name: "plain", Key: shard.KeySchema{HashName: "a", HashType: attr.S}},
	{
		Name:       "multi",
		Key:        shard.KeySchema{HashName: "h1", HashType: attr.S, RangeName: "r1", RangeType: attr.S},
		HashAttrs:  []shard.KeyAttr{{Name: "h1", Type: attr.S}, {Name: "h2", Type: attr.N}},
		RangeAttrs: []shard.KeyAttr{{Name: "r1", Type: attr.S}, {Name: "r2", Type: attr.N}, {Name: "r3", Type: attr.B}},
		Projection: shard.ProjectKeysOnly,
	},
	{Name: "l", Local: true, Key: shard.KeySchema{HashName: "pk", HashType: attr.S, RangeName: "x", RangeType: attr.N}},
}

func TestRecordRoundTripMultiAttributeKeys(t *testing.T) {
	b, st := beginRecord(nil, recTable)
	b = finishRecord(appendTable(b, "t", testSchema, compositeIndexes, []byte("meta")), st)
	r, err := decodeRecord(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.indexes, compositeIndexes) || string(r.meta) != "meta" {
		t.Fatalf("%+v", r.indexes)
	}
	// Without the optional section (a record written before
	// multi-attribute keys), the same bytes less the section decode.
	plain, st := beginRecord(nil, recTable)
	plain = finishRecord(appendTable(plain, "t", testSchema, compositeIndexes[:1], []byte("meta")), st)
	if r, err := decodeRecord(plain); err != nil || len(r.indexes) != 1 || r.indexes[0].Composite() {
		t.Fatalf("%+v %v", r, err)
	}
	for i := range b {
		c := append([]byte(nil), b...)
		c[i] ^= 0x10
		if _, err := decodeRecord(c); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("bit flip at %d not detected: %v", i, err)
		}
	}
}

// A section that does not agree with the index it names is corrupt.
func TestRecordMultiAttributeKeysMismatch(t *testing.T) {
	bad := []shard.IndexSchema{compositeIndexes[1]}
	bad[0].HashAttrs = []shard.KeyAttr{{Name: "other", Type: attr.S}, {Name: "h2", Type: attr.N}}
	b, st := beginRecord(nil, recTable)
	b = finishRecord(appendTable(b, "t", testSchema, bad, nil), st)
	if _, err := decodeRecord(b); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("mismatched section decoded: %v", err)
	}
}
