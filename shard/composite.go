package shard

import (
	"encoding/binary"

	"github.com/dynacache/dynacache/shard/attr"
)

// Multi-attribute index keys.
//
// A global secondary index may have up to MaxKeyAttrs partition (HASH)
// attributes and up to MaxKeyAttrs sort (RANGE) attributes. Such an index
// (IndexSchema.Composite) keys its entries by a composite Key:
//
//	uvarint(len(P)) P S
//	P = for each partition attribute: uvarint(len(v)) v, v = AppendKeyValue
//	S = for each sort attribute: AppendSortPart
//
// P is injective (each part is length-prefixed), which is all equality
// needs. Each sort part is order-preserving and self-delimiting, so the
// byte order of S is the order of the tuple (sk1, sk2, ...) and an
// equality on the first k sort attributes is a byte prefix of S: a Query
// selects a composite range as a Range on S (see AppendSortPart,
// AppendSortPrefix and PrefixEnd). An item lacking any key attribute (or
// holding one of another type) is not in the index.

// MaxKeyAttrs is the most partition, and the most sort, attributes of a
// multi-attribute index key.
const MaxKeyAttrs = 4

// KeyAttr is one attribute of an index key.
type KeyAttr struct {
	Name string
	Type attr.Type
}

// Composite reports whether the index has a multi-attribute key
// (HashAttrs and RangeAttrs set).
func (s *IndexSchema) Composite() bool { return len(s.HashAttrs) > 0 }

// KeyAttrs returns the index's partition and sort key attributes in key
// schema order, for any index.
func (s *IndexSchema) KeyAttrs() (hash, rng []KeyAttr) {
	if s.Composite() {
		return s.HashAttrs, s.RangeAttrs
	}
	hash = []KeyAttr{{s.Key.HashName, s.Key.HashType}}
	if s.Key.HasRange() {
		rng = []KeyAttr{{s.Key.RangeName, s.Key.RangeType}}
	}
	return hash, rng
}

// KeyNames returns the names of the index's key attributes, partition
// attributes first.
func (s *IndexSchema) KeyNames() []string {
	hash, rng := s.KeyAttrs()
	out := make([]string, 0, len(hash)+len(rng))
	for _, a := range hash {
		out = append(out, a.Name)
	}
	for _, a := range rng {
		out = append(out, a.Name)
	}
	return out
}

// AppendPartitionPart appends one partition attribute's part of a
// composite partition (P above).
func AppendPartitionPart(dst []byte, v attr.Value) []byte {
	var tmp [64]byte
	enc := AppendKeyValue(tmp[:0], v)
	dst = binary.AppendUvarint(dst, uint64(len(enc)))
	return append(dst, enc...)
}

// AppendSortPart appends an order-preserving, self-delimiting encoding of
// a sort key value: for S and B the bytes with 0x00 escaped as 0x00 0xff,
// then 0x00 0x00; for N AppendKeyValue's encoding (zero and negatives
// delimit themselves), a positive number followed by 0x00 (below every
// digit, so a shorter digit string sorts first, as its value does).
func AppendSortPart(dst []byte, v attr.Value) []byte {
	if v.Type == attr.N {
		n := len(dst)
		dst = AppendKeyValue(dst, v)
		if dst[n] == 0x81 {
			dst = append(dst, 0)
		}
		return dst
	}
	return append(AppendSortPrefix(dst, v), 0, 0)
}

// AppendSortPrefix appends the part of AppendSortPart(v) that every S or B
// value beginning with v shares: the escaped bytes without terminator.
func AppendSortPrefix(dst []byte, v attr.Value) []byte {
	for i := 0; i < len(v.Str); i++ {
		if c := v.Str[i]; c == 0 {
			dst = append(dst, 0, 0xff)
		} else {
			dst = append(dst, c)
		}
	}
	return dst
}

// PrefixEnd returns the least byte string above every string that starts
// with p, and false when there is none (p empty or all 0xff).
func PrefixEnd(p []byte) ([]byte, bool) { return successor(p) }

// EncodeIndexKey returns the index key of an item (or of a key map, such
// as an ExclusiveStartKey), and false when it lacks a key attribute of the
// index's type.
func (s *IndexSchema) EncodeIndexKey(item attr.Item) (Key, bool) {
	if !s.Composite() {
		k, err := s.Key.EncodeKey(item)
		return k, err == nil
	}
	return s.compositeKey(func(a KeyAttr) (attr.Value, bool) {
		v, ok := item[a.Name]
		return keyValue(v, ok, a.Type)
	})
}

// compositeKey builds a composite index key from the values get returns
// (see keyValue); false when one is missing or over DynamoDB's key size
// limits.
func (s *IndexSchema) compositeKey(get func(KeyAttr) (attr.Value, bool)) (Key, bool) {
	var part, sort []byte
	for _, a := range s.HashAttrs {
		v, ok := get(a)
		if !ok || (v.Type != attr.N && len(v.Str) > attr.MaxHashKeySize) {
			return nil, false
		}
		part = AppendPartitionPart(part, v)
	}
	for _, a := range s.RangeAttrs {
		v, ok := get(a)
		if !ok || (v.Type != attr.N && len(v.Str) > attr.MaxRangeKeySize) {
			return nil, false
		}
		sort = AppendSortPart(sort, v)
	}
	k := heapBytes(binary.MaxVarintLen64 + len(part) + len(sort))[:0] // named by address: see encodeKey
	k = binary.AppendUvarint(k, uint64(len(part)))
	k = append(k, part...)
	return append(k, sort...), true
}
