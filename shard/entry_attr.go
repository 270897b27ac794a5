package shard

import (
	"unsafe"

	"github.com/dynacache/dynacache/shard/attr"
)

// NumberAttr returns the top-level attribute name of the entry's item, in
// canonical form, when it is a Number; it reads the encoding without
// decoding the item or allocating (the time-to-live expirer calls it on
// every item it scans). The string aliases the entry's encoding, which is
// immutable (Entry), so it stays valid.
func (e Entry) NumberAttr(name string) (string, bool) {
	v, ok := encodedAttr(e.enc, name)
	if !ok || len(v) == 0 || attr.Type(v[0]) != attr.N {
		return "", false
	}
	l, o, ok := uvarintAt(v, 1)
	if !ok || l != uint64(len(v)-o) || l == 0 {
		return "", false
	}
	return unsafe.String(&v[o], int(l)), true
}
