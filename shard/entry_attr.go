package shard

import "github.com/dynacache/dynacache/shard/attr"

// NumberAttr returns the top-level attribute name of the entry's item, in
// canonical form, when it is a Number; it reads the encoding without
// decoding the item (the time-to-live expirer calls it on every item it
// scans).
func (e Entry) NumberAttr(name string) (string, bool) {
	v, ok := scalarAttr(e.enc, name, attr.N)
	if !ok {
		return "", false
	}
	return v.Str, true
}
