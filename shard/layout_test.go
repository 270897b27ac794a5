package shard

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/dynacache/dynacache/shard/attr"
)

// appendTestAttr appends one attribute's encoding (name, then value).
func appendTestAttr(dst []byte, name string, v attr.Value) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(name)))
	dst = append(dst, name...)
	return attr.AppendValue(dst, v)
}

// encodeInOrder encodes attributes in the order given (AppendItem's
// order is the map's).
func encodeInOrder(names []string, vals []attr.Value) []byte {
	b := binary.AppendUvarint(nil, uint64(len(names)))
	for i, n := range names {
		b = appendTestAttr(b, n, vals[i])
	}
	return b
}

// TestImageLayout checks where storedItem puts an image's Key (keyInside):
// inside the encoding, with its attribute moved first, only when the table
// allows and the encoding holds exactly the Key's bytes; in front
// otherwise. Either way the image gives back the Key, an encoding of the
// same item, and the size.
func TestImageLayout(t *testing.T) {
	s := attr.Str
	keyOf := func(v attr.Value) Key {
		k, err := KeySchema{HashName: "pk", HashType: v.Type}.EncodeKey(attr.Item{"pk": v})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	many := []string{"pk"}
	manyVals := []attr.Value{s("k")}
	for i := range 130 {
		many = append(many, "a"+strconv.Itoa(i))
		manyVals = append(manyVals, attr.Num("1"))
	}
	long := strings.Repeat("n", 128)
	cases := []struct {
		name   string
		table  string // the table's keyName
		key    Key
		names  []string
		vals   []attr.Value
		inside bool
	}{
		{"first", "pk", keyOf(s("user#1")), []string{"pk", "v"}, []attr.Value{s("user#1"), s("x")}, true},
		{"last", "pk", keyOf(s("user#1")), []string{"a", "b", "pk"}, []attr.Value{attr.Num("3"), {Type: attr.L, List: []attr.Value{s("z")}}, s("user#1")}, true},
		{"middle", "pk", keyOf(s("u")), []string{"a", "pk", "b"}, []attr.Value{s("1"), s("u"), s("2")}, true},
		{"binary", "pk", keyOf(attr.Bin([]byte{0, 1, 255})), []string{"v", "pk"}, []attr.Value{s("x"), attr.Bin([]byte{0, 1, 255})}, true},
		{"long key", "pk", keyOf(s(strings.Repeat("k", 300))), []string{"v", "pk"}, []attr.Value{s("x"), s(strings.Repeat("k", 300))}, true},
		{"sort key table", "", keyOf(s("u")), []string{"pk", "v"}, []attr.Value{s("u"), s("x")}, false},
		{"130 attributes", "pk", keyOf(s("k")), many, manyVals, false},
		{"long name", long, keyOf(s("k")), []string{long}, []attr.Value{s("k")}, false},
		{"other bytes", "pk", keyOf(s("u1")), []string{"pk"}, []attr.Value{s("u2")}, false},
		{"other type", "pk", keyOf(s("1")), []string{"pk"}, []attr.Value{attr.Num("1")}, false},
		{"no attribute", "pk", keyOf(s("u")), []string{"v"}, []attr.Value{s("u")}, false},
	}
	for _, c := range cases {
		enc := encodeInOrder(c.names, c.vals)
		want, err := attr.DecodeItem(enc)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []*arena{nil, newArena()} {
			it := storedItem(a, c.table, 0, 0, c.key, enc, 1234)
			if got := it.klen&keyInside != 0; got != c.inside {
				t.Fatalf("%s: Key inside %v, want %v", c.name, got, c.inside)
			}
			if it.key() != string(c.key) || keyLen(it.klen) != uint32(len(c.key)) {
				t.Fatalf("%s: Key %q, want %q", c.name, it.key(), c.key)
			}
			if it.size() != 1234 || int(it.n) != len(it.enc())+sizeTrailer+int(encOff(it.klen)) {
				t.Fatalf("%s: size %d, n %d", c.name, it.size(), it.n)
			}
			if !c.inside && !bytes.Equal(it.enc(), enc) {
				t.Fatalf("%s: encoding changed with the Key in front", c.name)
			}
			got, err := attr.DecodeItem(it.enc())
			if err != nil || !attr.Equal(attr.Value{Type: attr.M, Map: got}, attr.Value{Type: attr.M, Map: want}) {
				t.Fatalf("%s: image holds %v (%v), want %v", c.name, got, err, want)
			}
			if c.inside && it.n != uint32(len(enc)+sizeTrailer) {
				t.Fatalf("%s: %d bytes with the Key inside, want %d", c.name, it.n, len(enc)+sizeTrailer)
			}
			if a != nil {
				id := a.newCell()
				a.place(a.cellMut(id), it)
				if a.key(id) != string(c.key) {
					t.Fatalf("%s: the arena's Key %q, want %q", c.name, a.key(id), c.key)
				}
			}
		}
	}
}

// FuzzImageLayout: for any encoding, Key and partition attribute name,
// laying out an image never panics, gives back the Key and the size, and
// with the Key inside keeps the encoding's bytes (reordered) and decodes
// to the same item whenever the encoding decodes.
func FuzzImageLayout(f *testing.F) {
	// The seed corpus is in testdata/fuzz/FuzzImageLayout: Keys inside
	// (first, last, binary), a Key of another type, 129 attributes.
	f.Fuzz(func(t *testing.T, enc, key []byte, name string) {
		l := layoutOf(name, Key(key), enc)
		img, klen := l.append(nil, Key(key), enc, 77)
		if len(img) != int(l.n) {
			t.Fatalf("image of %d bytes, layout says %d", len(img), l.n)
		}
		it := tableItem{p: unsafe.SliceData(img), n: l.n, klen: klen}
		if it.key() != string(key) || it.size() != 77 {
			t.Fatalf("Key %q size %d, want %q 77", it.key(), it.size(), key)
		}
		if !l.inside {
			if !bytes.Equal(it.enc(), enc) {
				t.Fatal("encoding changed")
			}
			return
		}
		if len(it.enc()) != len(enc) || it.enc()[0] != enc[0] {
			t.Fatal("inside: encoding length or count changed")
		}
		want, err := attr.DecodeItem(enc)
		if err != nil {
			return
		}
		got, err := attr.DecodeItem(it.enc())
		if err != nil || !attr.Equal(attr.Value{Type: attr.M, Map: got}, attr.Value{Type: attr.M, Map: want}) {
			t.Fatalf("inside: decodes to %v (%v), want %v", got, err, want)
		}
	})
}
