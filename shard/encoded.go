package shard

import (
	"encoding/binary"

	"github.com/dynacache/dynacache/shard/attr"
)

// Reading single attributes out of an item's encoding (attr/codec.go)
// without decoding the whole item: index maintenance needs an old image's
// index key attributes on every write, and the projected size of an image.

// encodedAttr returns the encoding (type byte and body) of the top-level
// attribute name of the encoded item enc.
func encodedAttr(enc []byte, name string) ([]byte, bool) {
	n, off, ok := uvarintAt(enc, 0)
	if !ok {
		return nil, false
	}
	for i := uint64(0); i < n; i++ {
		l, o, ok := uvarintAt(enc, off)
		if !ok || l > uint64(len(enc)-o) {
			return nil, false
		}
		k := enc[o : o+int(l)]
		end, ok := skipValue(enc, o+int(l), 0)
		if !ok {
			return nil, false
		}
		if string(k) == name {
			return enc[o+int(l) : end], true
		}
		off = end
	}
	return nil, false
}

// scalarAttr returns the top-level attribute name of enc when it is a
// scalar of type t.
func scalarAttr(enc []byte, name string, t attr.Type) (attr.Value, bool) {
	v, ok := encodedAttr(enc, name)
	if !ok || len(v) == 0 || attr.Type(v[0]) != t {
		return attr.Value{}, false
	}
	l, o, ok := uvarintAt(v, 1)
	if !ok || l != uint64(len(v)-o) {
		return attr.Value{}, false
	}
	return attr.Value{Type: t, Str: string(v[o:])}, true
}

func uvarintAt(b []byte, off int) (uint64, int, bool) {
	if off > len(b) {
		return 0, 0, false
	}
	x, n := binary.Uvarint(b[off:])
	if n <= 0 {
		return 0, 0, false
	}
	return x, off + n, true
}

// skipValue returns the offset just past the value encoded at off.
func skipValue(b []byte, off, depth int) (int, bool) {
	if off >= len(b) || depth > attr.MaxNestingDepth+2 {
		return 0, false
	}
	t := attr.Type(b[off])
	off++
	skipStr := func(off int) (int, bool) {
		l, o, ok := uvarintAt(b, off)
		if !ok || l > uint64(len(b)-o) {
			return 0, false
		}
		return o + int(l), true
	}
	switch t {
	case attr.S, attr.N, attr.B:
		return skipStr(off)
	case attr.BOOL:
		if off >= len(b) {
			return 0, false
		}
		return off + 1, true
	case attr.NULL:
		return off, true
	case attr.L:
		n, o, ok := uvarintAt(b, off)
		if !ok {
			return 0, false
		}
		for i := uint64(0); i < n; i++ {
			if o, ok = skipValue(b, o, depth+1); !ok {
				return 0, false
			}
		}
		return o, true
	case attr.M:
		n, o, ok := uvarintAt(b, off)
		if !ok {
			return 0, false
		}
		for i := uint64(0); i < n; i++ {
			if o, ok = skipStr(o); !ok {
				return 0, false
			}
			if o, ok = skipValue(b, o, depth+1); !ok {
				return 0, false
			}
		}
		return o, true
	case attr.SS, attr.NS, attr.BS:
		n, o, ok := uvarintAt(b, off)
		if !ok {
			return 0, false
		}
		for i := uint64(0); i < n; i++ {
			if o, ok = skipStr(o); !ok {
				return 0, false
			}
		}
		return o, true
	}
	return 0, false
}
