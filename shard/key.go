package shard

import (
	"encoding/binary"
	"errors"

	"github.com/dynacache/dynacache/shard/attr"
)

// KeySchema is a table's primary key: a partition (hash) attribute and an
// optional sort (range) attribute, each of type S, N or B.
type KeySchema struct {
	HashName  string
	HashType  attr.Type
	RangeName string    // "" when the table has no sort key
	RangeType attr.Type // TypeInvalid when RangeName is ""
}

// IndexSchema is a secondary index's key: GSIs have their own partition key
// (and maybe sort key); LSIs share the table's partition key (Key.HashName
// is the table's). Projection and NonKeyAttributes say which attributes the
// index holds; the store uses them for the projected item sizes it counts
// (Entry.Size of an index entry, IndexStats.Bytes). An index entry always
// shares the whole item's encoding with the table: projecting it to the
// index's attributes is the reader's job.
type IndexSchema struct {
	Name  string
	Local bool
	Key   KeySchema
	// HashAttrs and RangeAttrs are a multi-attribute key (composite.go),
	// in key schema order: set, both, when a GSI has more than one
	// partition or more than one sort attribute, nil otherwise. Key then
	// holds the first of each.
	HashAttrs        []KeyAttr
	RangeAttrs       []KeyAttr
	Projection       ProjectionType
	NonKeyAttributes []string // ProjectInclude only
}

// ProjectionType is an index's projection. The zero value is ProjectAll.
type ProjectionType uint8

// The projection types.
const (
	ProjectAll ProjectionType = iota
	ProjectKeysOnly
	ProjectInclude
)

// HasRange reports whether the schema has a sort key.
func (ks KeySchema) HasRange() bool { return ks.RangeName != "" }

// ErrKeyMismatch means an item or key lacks a key attribute of the schema's
// type; the protocol layer words DynamoDB's message itself.
var ErrKeyMismatch = errors.New("shard: key does not match the schema")

// Key is an encoded primary key: the partition key's order-preserving
// encoding, length-prefixed, followed by the sort key's. The partition part
// alone picks the shard, so one partition lives in one shard.
type Key []byte

// EncodeKey returns the encoded primary key of item (or of a key map).
func (ks KeySchema) EncodeKey(item attr.Item) (Key, error) {
	hv, ok := item[ks.HashName]
	if !ok || hv.Type != ks.HashType {
		return nil, ErrKeyMismatch
	}
	var rv attr.Value
	if ks.HasRange() {
		rv, ok = item[ks.RangeName]
		if !ok || rv.Type != ks.RangeType {
			return nil, ErrKeyMismatch
		}
	}
	buf := make([]byte, 0, 8+len(hv.Str)+len(rv.Str))
	hash := AppendKeyValue(nil, hv)
	buf = binary.AppendUvarint(buf, uint64(len(hash)))
	buf = append(buf, hash...)
	if ks.HasRange() {
		buf = AppendKeyValue(buf, rv)
	}
	return buf, nil
}

// Partition returns the encoded partition key part of k.
func (k Key) Partition() []byte {
	n, w := binary.Uvarint(k)
	if w <= 0 || int(n) > len(k)-w {
		return nil
	}
	return k[w : w+int(n)]
}

// AppendKeyValue appends an order-preserving encoding of a scalar key value:
// the byte order of encodings equals DynamoDB's order of the values (numbers
// numerically, strings and binaries by unsigned bytes).
//
//	S, B      the raw bytes
//	N zero    0x80
//	N > 0     0x81, e, digits
//	N < 0     0x7f, 255-e, complemented digits, 0xff
//
// where e is the exponent of the leading digit less attr.MinExponent
// (0..255) and digits are the significant digits in ASCII. Having no
// trailing zeros, positive digit strings compare correctly as prefixes; a
// negative's digits are complemented ('9'-d) and terminated by 0xff so that
// a shorter magnitude sorts after a longer one with the same prefix.
func AppendKeyValue(dst []byte, v attr.Value) []byte {
	if v.Type != attr.N {
		return append(dst, v.Str...)
	}
	digits, exp, neg := attr.NumberDigits(v.Str)
	if digits == 0 {
		return append(dst, 0x80)
	}
	ds := significantDigits(v.Str)
	e := byte(exp - attr.MinExponent)
	if !neg {
		dst = append(dst, 0x81, e)
		return append(dst, ds...)
	}
	dst = append(dst, 0x7f, 255-e)
	for i := 0; i < len(ds); i++ {
		dst = append(dst, '9'-ds[i]+'0')
	}
	return append(dst, 0xff)
}

// significantDigits returns the digits of canonical number n without sign,
// point, leading or trailing zeros.
func significantDigits(n string) string {
	b := make([]byte, 0, len(n))
	for i := 0; i < len(n); i++ {
		if c := n[i]; c >= '0' && c <= '9' {
			if len(b) == 0 && c == '0' {
				continue
			}
			b = append(b, c)
		}
	}
	end := len(b)
	for end > 0 && b[end-1] == '0' {
		end--
	}
	return string(b[:end])
}
