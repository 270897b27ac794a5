package attr

import (
	"bytes"
	"encoding/binary"
)

// EqualEncoded reports whether two encoded items are the same DynamoDB
// item, as Equal would on their decodings, without decoding them: the
// encoding of one item is not unique (attributes and map entries come in
// map order, set elements in the order given), but its numbers are
// canonical, so values compare as bytes once order is set aside. It
// allocates nothing; malformed encodings are unequal.
func EqualEncoded(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	if len(a) != len(b) {
		return false // the same attributes and values encode to the same length
	}
	ea, na, ok1 := skipEntries(a, 0, 0)
	eb, nb, ok2 := skipEntries(b, 0, 0)
	return ok1 && ok2 && ea == len(a) && eb == len(b) && na == nb && entriesEqual(a, b, na)
}

// scan reads a uvarint at off.
func scan(b []byte, off int) (uint64, int, bool) {
	if off >= len(b) {
		return 0, off, false
	}
	x, n := binary.Uvarint(b[off:])
	if n <= 0 {
		return 0, off, false
	}
	return x, off + n, true
}

// skipStr skips a length-prefixed string at off.
func skipStr(b []byte, off int) (start, end int, ok bool) {
	n, off, ok := scan(b, off)
	if !ok || n > uint64(len(b)-off) {
		return 0, 0, false
	}
	return off, off + int(n), true
}

// skipValue returns the end of the value at off.
func skipValue(b []byte, off, depth int) (int, bool) {
	if off >= len(b) || depth > maxDepth {
		return 0, false
	}
	typ := Type(b[off])
	off++
	switch typ {
	case S, N, B:
		_, end, ok := skipStr(b, off)
		return end, ok
	case BOOL:
		return off + 1, off < len(b)
	case NULL:
		return off, true
	case L:
		n, off, ok := scan(b, off)
		for i := uint64(0); ok && i < n; i++ {
			off, ok = skipValue(b, off, depth+1)
		}
		return off, ok
	case M:
		end, _, ok := skipEntries(b, off, depth+1)
		return end, ok
	case SS, NS, BS:
		n, off, ok := scan(b, off)
		for i := uint64(0); ok && i < n; i++ {
			_, off, ok = skipStr(b, off)
		}
		return off, ok
	}
	return 0, false
}

// maxDepth bounds the nesting EqualEncoded follows.
const maxDepth = 64

// skipEntries returns the end of the count-prefixed name/value entries at
// off, and their count.
func skipEntries(b []byte, off, depth int) (int, int, bool) {
	n, off, ok := scan(b, off)
	if !ok || n > uint64(len(b)) {
		return 0, 0, false
	}
	for i := uint64(0); ok && i < n; i++ {
		if _, off, ok = skipStr(b, off); ok {
			off, ok = skipValue(b, off, depth)
		}
	}
	return off, int(n), ok
}

// entriesEqual compares the n entries that follow the count at the start
// of a and of b (both well formed, same count): each name of a has the
// same value in b. Names are unique, so that is equality.
func entriesEqual(a, b []byte, n int) bool {
	_, ao, _ := scan(a, 0)
	_, bstart, _ := scan(b, 0)
	for i := 0; i < n; i++ {
		ns, ne, _ := skipStr(a, ao)
		vend, _ := skipValue(a, ne, 0)
		found := false
		bo := bstart
		for j := 0; j < n; j++ {
			ms, me, _ := skipStr(b, bo)
			wend, _ := skipValue(b, me, 0)
			if bytes.Equal(a[ns:ne], b[ms:me]) {
				if !valueEqual(a[ne:vend], b[me:wend]) {
					return false
				}
				found = true
				break
			}
			bo = wend
		}
		if !found {
			return false
		}
		ao = vend
	}
	return true
}

// valueEqual compares two well-formed encoded values.
func valueEqual(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	if len(a) != len(b) || a[0] != b[0] {
		return false
	}
	switch Type(a[0]) {
	case L:
		n, ao, _ := scan(a, 1)
		_, bo, _ := scan(b, 1)
		for i := uint64(0); i < n; i++ {
			ae, _ := skipValue(a, ao, 0)
			be, _ := skipValue(b, bo, 0)
			if !valueEqual(a[ao:ae], b[bo:be]) {
				return false
			}
			ao, bo = ae, be
		}
		return true
	case M:
		_, na, _ := skipEntries(a, 1, 0)
		_, nb, _ := skipEntries(b, 1, 0)
		return na == nb && entriesEqual(a[1:], b[1:], na)
	case SS, NS, BS:
		// Same count, and each element of a is in b (elements are unique).
		n, ao, _ := scan(a, 1)
		m, bstart, _ := scan(b, 1)
		if n != m {
			return false
		}
		for i := uint64(0); i < n; i++ {
			s, e, _ := skipStr(a, ao)
			found := false
			bo := bstart
			for j := uint64(0); j < m; j++ {
				t, f, _ := skipStr(b, bo)
				if bytes.Equal(a[s:e], b[t:f]) {
					found = true
					break
				}
				bo = f
			}
			if !found {
				return false
			}
			ao = e
		}
		return true
	}
	return false // scalars: bytes differ
}
