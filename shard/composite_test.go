package shard

import (
	"bytes"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

// randomSortValue is an S, B or N value from a small alphabet, so that
// equal values, prefixes and zero bytes are frequent.
func randomSortValue(r *rand.Rand, t attr.Type) attr.Value {
	if t == attr.N {
		s := strconv.FormatFloat((r.Float64()-0.5)*float64(r.IntN(4)*1000+1), 'g', 1+r.IntN(4), 64)
		v, err := attr.CanonicalNumber(s)
		if err != nil {
			panic(err)
		}
		return attr.Num(v)
	}
	b := make([]byte, r.IntN(4))
	for i := range b {
		b[i] = []byte{0, 1, 'a', 'b', 0xfe, 0xff}[r.IntN(6)]
	}
	if t == attr.B {
		return attr.Value{Type: attr.B, Str: string(b)}
	}
	return attr.Str(string(b))
}

// TestSortPartOrder: the byte order of concatenated sort parts is the
// tuple order of the values, and a tuple's encoding is never a proper
// prefix of another's (self-delimiting).
func TestSortPartOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	types := []attr.Type{attr.S, attr.N, attr.B}
	type tuple struct {
		vals []attr.Value
		enc  []byte
	}
	for round := 0; round < 50; round++ {
		shape := []attr.Type{types[r.IntN(3)], types[r.IntN(3)], types[r.IntN(3)]}
		var ts []tuple
		for i := 0; i < 200; i++ {
			var tu tuple
			for _, ty := range shape {
				v := randomSortValue(r, ty)
				tu.vals = append(tu.vals, v)
				tu.enc = AppendSortPart(tu.enc, v)
			}
			ts = append(ts, tu)
		}
		cmpTuple := func(a, b tuple) int {
			for i := range a.vals {
				if c := attr.Compare(a.vals[i], b.vals[i]); c != 0 {
					return c
				}
			}
			return 0
		}
		sort.Slice(ts, func(i, j int) bool { return bytes.Compare(ts[i].enc, ts[j].enc) < 0 })
		for i := 1; i < len(ts); i++ {
			c := cmpTuple(ts[i-1], ts[i])
			if c > 0 {
				t.Fatalf("%v sorts before %v", ts[i-1].vals, ts[i].vals)
			}
			if (c == 0) != bytes.Equal(ts[i-1].enc, ts[i].enc) {
				t.Fatalf("%v and %v: equality differs", ts[i-1].vals, ts[i].vals)
			}
		}
		// Prefix: the first value's encoding starts every tuple that
		// shares it, and only those; PrefixEnd bounds them.
		for i := range ts {
			p := AppendSortPart(nil, ts[i].vals[0])
			end, ok := PrefixEnd(p)
			if !ok {
				t.Fatalf("no end for %x", p)
			}
			for j := range ts {
				same := attr.Compare(ts[i].vals[0], ts[j].vals[0]) == 0
				if bytes.HasPrefix(ts[j].enc, p) != same {
					t.Fatalf("prefix %x of %v vs %v", p, ts[i].vals, ts[j].vals)
				}
				if below := bytes.Compare(ts[j].enc, end) < 0; below != (attr.Compare(ts[j].vals[0], ts[i].vals[0]) <= 0) {
					t.Fatalf("end %x of %v vs %v", end, ts[i].vals, ts[j].vals)
				}
			}
		}
	}
}

// TestSortPrefixBeginsWith: AppendSortPrefix(p) is a byte prefix of
// AppendSortPart(v) exactly when v begins with p.
func TestSortPrefixBeginsWith(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 5000; i++ {
		v, p := randomSortValue(r, attr.S), randomSortValue(r, attr.S)
		got := bytes.HasPrefix(AppendSortPart(nil, v), AppendSortPrefix(nil, p))
		if want := len(p.Str) <= len(v.Str) && v.Str[:len(p.Str)] == p.Str; got != want {
			t.Fatalf("begins_with(%q, %q): %v, want %v", v.Str, p.Str, got, want)
		}
	}
}

// TestCompositeIndexKey: items missing any key attribute, or holding one
// of another type, have no index key; the partition of the key is the
// same for equal partition values whatever the sort values.
func TestCompositeIndexKey(t *testing.T) {
	ix := IndexSchema{Name: "g", Key: KeySchema{HashName: "h1", HashType: attr.S, RangeName: "r1", RangeType: attr.N},
		HashAttrs:  []KeyAttr{{"h1", attr.S}, {"h2", attr.S}},
		RangeAttrs: []KeyAttr{{"r1", attr.N}, {"r2", attr.S}}}
	full := attr.Item{"h1": attr.Str("a"), "h2": attr.Str("b"), "r1": attr.Num("1"), "r2": attr.Str("x")}
	k, ok := ix.EncodeIndexKey(full)
	if !ok {
		t.Fatal("full item has no key")
	}
	for _, drop := range []string{"h1", "h2", "r1", "r2"} {
		it := attr.Item{}
		for n, v := range full {
			if n != drop {
				it[n] = v
			}
		}
		if _, ok := ix.EncodeIndexKey(it); ok {
			t.Fatalf("item without %s has a key", drop)
		}
		it[drop] = attr.Value{Type: attr.BOOL}
		if _, ok := ix.EncodeIndexKey(it); ok {
			t.Fatalf("item with a BOOL %s has a key", drop)
		}
	}
	other := attr.Item{"h1": attr.Str("a"), "h2": attr.Str("b"), "r1": attr.Num("2"), "r2": attr.Str("")}
	k2, ok := ix.EncodeIndexKey(other)
	if ok {
		t.Fatalf("an empty S sort value has a key: %x", k2)
	}
	other["r2"] = attr.Str("y")
	k2, _ = ix.EncodeIndexKey(other)
	if !bytes.Equal(k.Partition(), k2.Partition()) {
		t.Fatalf("partitions differ: %x %x", k.Partition(), k2.Partition())
	}
	// ("ab","c") and ("a","bc") are different partitions.
	x, _ := ix.EncodeIndexKey(attr.Item{"h1": attr.Str("ab"), "h2": attr.Str("c"), "r1": attr.Num("1"), "r2": attr.Str("x")})
	y, _ := ix.EncodeIndexKey(attr.Item{"h1": attr.Str("a"), "h2": attr.Str("bc"), "r1": attr.Num("1"), "r2": attr.Str("x")})
	if bytes.Equal(x.Partition(), y.Partition()) {
		t.Fatal("partition parts are not delimited")
	}
}
