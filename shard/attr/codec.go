package attr

import (
	"encoding/binary"
	"errors"
)

// The item encoding, used in memory and in the log (it is part of the
// on-disk format: change it only with a new record version).
//
//	item  := uvarint(count) attr*
//	attr  := uvarint(len(name)) name value
//	value := type:byte body
//	body  := S, N, B:        uvarint(len) bytes        (N in canonical form)
//	         BOOL:           0x00 | 0x01
//	         NULL:           (empty)
//	         L:              uvarint(count) value*
//	         M:              uvarint(count) attr*
//	         SS, NS, BS:     uvarint(count) (uvarint(len) bytes)*
//
// The type byte is the Type constant.

// ErrCorrupt is returned when an encoded item cannot be decoded.
var ErrCorrupt = errors.New("attr: corrupt item encoding")

// EncodedSize returns the length of the encoding of it.
func EncodedSize(it Item) int {
	n := uvarintLen(uint64(len(it)))
	for k, v := range it {
		n += uvarintLen(uint64(len(k))) + len(k) + encodedValueSize(v)
	}
	return n
}

func encodedValueSize(v Value) int {
	n := 1
	switch v.Type {
	case S, N, B:
		n += uvarintLen(uint64(len(v.Str))) + len(v.Str)
	case BOOL:
		n++
	case L:
		n += uvarintLen(uint64(len(v.List)))
		for _, e := range v.List {
			n += encodedValueSize(e)
		}
	case M:
		n += uvarintLen(uint64(len(v.Map)))
		for k, e := range v.Map {
			n += uvarintLen(uint64(len(k))) + len(k) + encodedValueSize(e)
		}
	case SS, NS, BS:
		n += uvarintLen(uint64(len(v.Set)))
		for _, s := range v.Set {
			n += uvarintLen(uint64(len(s))) + len(s)
		}
	}
	return n
}

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

// AppendItem appends the encoding of it to dst.
func AppendItem(dst []byte, it Item) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(it)))
	for k, v := range it {
		dst = appendString(dst, k)
		dst = AppendValue(dst, v)
	}
	return dst
}

// AppendItemSized is AppendItem that also returns ItemSize(it), in the
// same walk of the item's attributes.
func AppendItemSized(dst []byte, it Item) ([]byte, int) {
	dst = binary.AppendUvarint(dst, uint64(len(it)))
	size := 0
	for k, v := range it {
		dst = appendString(dst, k)
		dst = AppendValue(dst, v)
		size += len(k) + ValueSize(v)
	}
	return dst, size
}

// EncodeItem returns the encoding of it in a buffer of exactly its size.
func EncodeItem(it Item) []byte {
	return AppendItem(make([]byte, 0, EncodedSize(it)), it)
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// AppendValue appends the encoding of one value to dst.
func AppendValue(dst []byte, v Value) []byte {
	dst = append(dst, byte(v.Type))
	switch v.Type {
	case S, N, B:
		dst = appendString(dst, v.Str)
	case BOOL:
		if v.Bool {
			dst = append(dst, 1)
		} else {
			dst = append(dst, 0)
		}
	case L:
		dst = binary.AppendUvarint(dst, uint64(len(v.List)))
		for _, e := range v.List {
			dst = AppendValue(dst, e)
		}
	case M:
		dst = binary.AppendUvarint(dst, uint64(len(v.Map)))
		for k, e := range v.Map {
			dst = appendString(dst, k)
			dst = AppendValue(dst, e)
		}
	case SS, NS, BS:
		dst = binary.AppendUvarint(dst, uint64(len(v.Set)))
		for _, s := range v.Set {
			dst = appendString(dst, s)
		}
	}
	return dst
}

// DecodeItem decodes an encoded item.
func DecodeItem(b []byte) (Item, error) {
	d := decoder{b: b}
	it := d.item(0)
	if d.err != nil {
		return nil, d.err
	}
	if d.off != len(d.b) {
		return nil, ErrCorrupt
	}
	return it, nil
}

// DecodeValue decodes one encoded value and returns it with the bytes
// consumed.
func DecodeValue(b []byte) (Value, int, error) {
	d := decoder{b: b}
	v := d.value(0)
	if d.err != nil {
		return Value{}, 0, d.err
	}
	return v, d.off, nil
}

type decoder struct {
	b   []byte
	off int
	err error
}

// maxDecodeDepth bounds recursion on corrupt input; valid items nest at
// most MaxNestingDepth levels.
const maxDecodeDepth = MaxNestingDepth + 2

func (d *decoder) fail() {
	if d.err == nil {
		d.err = ErrCorrupt
	}
	d.off = len(d.b)
}

func (d *decoder) uvarint() int {
	if d.err != nil {
		return 0
	}
	x, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 || x > 1<<31 {
		d.fail()
		return 0
	}
	d.off += n
	return int(x)
}

// count reads an element count and sanity-checks it against the bytes left
// (each element takes at least one byte), so corrupt input cannot force a
// huge allocation.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > len(d.b)-d.off {
		d.fail()
		return 0
	}
	return n
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > len(d.b)-d.off {
		d.fail()
		return ""
	}
	s := string(d.b[d.off : d.off+n])
	d.off += n
	return s
}

func (d *decoder) item(depth int) Item {
	n := d.count()
	if d.err != nil {
		return nil
	}
	it := make(Item, n)
	for i := 0; i < n && d.err == nil; i++ {
		k := d.str()
		v := d.value(depth)
		it[k] = v
	}
	return it
}

func (d *decoder) value(depth int) Value {
	if d.err != nil {
		return Value{}
	}
	if depth > maxDecodeDepth || d.off >= len(d.b) {
		d.fail()
		return Value{}
	}
	t := Type(d.b[d.off])
	d.off++
	v := Value{Type: t}
	switch t {
	case S, N, B:
		v.Str = d.str()
	case BOOL:
		if d.off >= len(d.b) {
			d.fail()
			break
		}
		v.Bool = d.b[d.off] != 0
		d.off++
	case NULL:
		v.Bool = true
	case L:
		n := d.count()
		if d.err != nil {
			break
		}
		v.List = make([]Value, 0, n)
		for i := 0; i < n && d.err == nil; i++ {
			v.List = append(v.List, d.value(depth+1))
		}
	case M:
		v.Map = d.item(depth + 1)
	case SS, NS, BS:
		n := d.count()
		if d.err != nil {
			break
		}
		v.Set = make([]string, 0, n)
		for i := 0; i < n && d.err == nil; i++ {
			v.Set = append(v.Set, d.str())
		}
	default:
		d.fail()
	}
	return v
}
