package resp

import (
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// The system attributes of the RESP table (see doc.go).
const (
	attrKey = "pk"
	attrVal = "val"
	attrExp = "exp"
)

// Escape prefixes of names and keys that cannot be stored as they are.
const (
	escText   = `\s`
	escBinary = `\b`
)

// bstr returns a string sharing b's bytes. The caller guarantees b is not
// modified while the string is in use (and that the string is not retained).
func bstr(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// appendEscaped appends the stored form of a Redis key or field name.
// field: also escape the system attribute names.
func appendEscaped(dst, name []byte, field bool) []byte {
	if !utf8.Valid(name) {
		dst = append(dst, escBinary...)
		return base64.StdEncoding.AppendEncode(dst, name)
	}
	if len(name) == 0 || name[0] == '\\' || (field && isSystemName(name)) {
		dst = append(dst, escText...)
	}
	return append(dst, name...)
}

func isSystemName(name []byte) bool {
	switch string(name) {
	case attrKey, attrVal, attrExp:
		return true
	}
	return false
}

// appendUnescaped appends the Redis name stored as s. Names written through
// the DynamoDB API that merely look escaped are returned as they are.
func appendUnescaped(dst, s []byte) []byte {
	if len(s) >= 2 && s[0] == '\\' {
		switch s[1] {
		case 's':
			return append(dst, s[2:]...)
		case 'b':
			n := base64.StdEncoding.DecodedLen(len(s) - 2)
			start := len(dst)
			dst = append(dst, make([]byte, n)...)
			m, err := base64.StdEncoding.Decode(dst[start:], s[2:])
			if err == nil {
				return dst[:start+m]
			}
			dst = dst[:start]
		}
	}
	return append(dst, s...)
}

// appendKey appends the store key (shard.Key) of Redis key k: the pk value
// (type S) length-prefixed, as shard.KeySchema.EncodeKey lays it out for a
// hash-only schema. It also returns where the pk bytes start.
func appendKey(dst, k []byte) ([]byte, int) {
	// The escaped length is at most 2+len(base64) bytes; reserve the
	// uvarint for it, write the pk, then fix the prefix.
	var tmp [binary.MaxVarintLen64]byte
	start := len(dst)
	dst = appendEscaped(append(dst, tmp[:binary.MaxVarintLen64]...), k, false)
	pk := dst[start+binary.MaxVarintLen64:]
	n := binary.PutUvarint(tmp[:], uint64(len(pk)))
	copy(dst[start:], tmp[:n])
	copy(dst[start+n:], pk)
	dst = dst[:start+n+len(pk)]
	return dst, start + n
}

// redisKeyOf returns (appended to dst) the Redis key of a stored key.
func redisKeyOf(dst []byte, k shard.Key) []byte {
	return appendUnescaped(dst, k.Partition())
}

// kind is what a key holds.
type kind uint8

const (
	kindNone kind = iota
	kindString
	kindHash
)

func (k kind) String() string {
	switch k {
	case kindString:
		return "string"
	case kindHash:
		return "hash"
	}
	return "none"
}

// noExpiry is the exp of an item without one.
const noExpiry = int64(-1)

// view is what the RESP layer needs of a stored item, read from its encoding
// without decoding it.
type view struct {
	kind    kind
	valType attr.Type // the val attribute's type (strings)
	val     []byte    // S, N, B: the bytes; others: the whole value encoding
	exp     int64     // epoch ms, or noExpiry
	fields  int       // hash fields
}

// expiredAt reports whether the view's item has expired at now (epoch ms).
func (v view) expiredAt(now int64) bool { return v.exp != noExpiry && v.exp <= now }

// walker iterates over the attributes of an encoded item.
type walker struct {
	b   []byte
	off int
	n   int // attributes left
	bad bool
}

func newWalker(enc []byte) walker {
	w := walker{b: enc}
	n, ok := w.uvarint()
	w.n = n
	w.bad = !ok
	return w
}

func (w *walker) uvarint() (int, bool) {
	x, n := binary.Uvarint(w.b[w.off:])
	if n <= 0 || x > uint64(len(w.b)) {
		return 0, false
	}
	w.off += n
	return int(x), true
}

func (w *walker) bytes() ([]byte, bool) {
	n, ok := w.uvarint()
	if !ok || n > len(w.b)-w.off {
		return nil, false
	}
	s := w.b[w.off : w.off+n]
	w.off += n
	return s, true
}

// next returns the next attribute: its name, type, and body (S, N, B: the
// bytes; other types: the whole value encoding, type byte included).
func (w *walker) next() (name []byte, t attr.Type, body []byte, ok bool) {
	if w.bad || w.n == 0 {
		return nil, 0, nil, false
	}
	w.n--
	if name, ok = w.bytes(); !ok || w.off >= len(w.b) {
		w.bad = true
		return nil, 0, nil, false
	}
	start := w.off
	t = attr.Type(w.b[w.off])
	w.off++
	switch t {
	case attr.S, attr.N, attr.B:
		if body, ok = w.bytes(); !ok {
			w.bad = true
			return nil, 0, nil, false
		}
		return name, t, body, true
	}
	w.off = start
	if !w.skipValue(0) {
		w.bad = true
		return nil, 0, nil, false
	}
	return name, t, w.b[start:w.off], true
}

func (w *walker) skipValue(depth int) bool {
	if depth > attr.MaxNestingDepth+2 || w.off >= len(w.b) {
		return false
	}
	t := attr.Type(w.b[w.off])
	w.off++
	switch t {
	case attr.S, attr.N, attr.B:
		_, ok := w.bytes()
		return ok
	case attr.BOOL:
		w.off++
		return w.off <= len(w.b)
	case attr.NULL:
		return true
	case attr.L:
		n, ok := w.uvarint()
		for i := 0; ok && i < n; i++ {
			ok = w.skipValue(depth + 1)
		}
		return ok
	case attr.M:
		n, ok := w.uvarint()
		for i := 0; ok && i < n; i++ {
			if _, ok = w.bytes(); ok {
				ok = w.skipValue(depth + 1)
			}
		}
		return ok
	case attr.SS, attr.NS, attr.BS:
		n, ok := w.uvarint()
		for i := 0; ok && i < n; i++ {
			_, ok = w.bytes()
		}
		return ok
	}
	return false
}

// viewOf reads what the RESP layer needs of an encoded item.
func viewOf(enc []byte) view {
	v := view{exp: noExpiry}
	if enc == nil {
		return v
	}
	w := newWalker(enc)
	for {
		name, t, body, ok := w.next()
		if !ok {
			break
		}
		switch string(name) {
		case attrKey:
		case attrVal:
			v.kind = kindString
			v.valType, v.val = t, body
		case attrExp:
			if t == attr.N { // other types: not an expiry, not a field
				v.exp = parseExp(body)
			}
		default:
			v.fields++
		}
	}
	if v.kind == kindNone {
		v.kind = kindHash
	}
	return v
}

// parseExp reads an exp attribute (canonical N: digits, maybe a sign and a
// fraction) as epoch milliseconds; a fraction is dropped.
func parseExp(b []byte) int64 {
	var n int64
	neg := false
	for i, c := range b {
		if i == 0 && c == '-' {
			neg = true
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		if n > (1<<62)/10 {
			return 1 << 62 // far future
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		return -n
	}
	return n
}

// appendValueText appends the bytes a hash field or a string value reads
// as: S, N, B as they are, other types as their plain JSON text.
func appendValueText(dst []byte, t attr.Type, body []byte) []byte {
	switch t {
	case attr.S, attr.N, attr.B:
		return append(dst, body...)
	}
	v, _, err := attr.DecodeValue(body)
	if err != nil {
		return dst
	}
	return appendPlainJSON(dst, v)
}

// valueText is appendValueText without copying S, N and B.
func valueText(t attr.Type, body []byte) []byte {
	switch t {
	case attr.S, attr.N, attr.B:
		return body
	}
	return appendValueText(nil, t, body)
}

// textValue returns the attribute value storing Redis bytes b: S when b is
// valid UTF-8, B otherwise. The value shares b's bytes.
func textValue(b []byte) attr.Value {
	if utf8.Valid(b) {
		return attr.Value{Type: attr.S, Str: bstr(b)}
	}
	return attr.Value{Type: attr.B, Str: bstr(b)}
}

// fillItem decodes an encoded item into it (cleared first) without copying
// S, N and B bytes: their strings share enc, which the store never modifies.
func fillItem(it attr.Item, enc []byte) error {
	clear(it)
	w := newWalker(enc)
	for {
		name, t, body, ok := w.next()
		if !ok {
			break
		}
		switch t {
		case attr.S, attr.N, attr.B:
			it[bstr(name)] = attr.Value{Type: t, Str: bstr(body)}
		default:
			v, _, err := attr.DecodeValue(body)
			if err != nil {
				return err
			}
			it[bstr(name)] = v
		}
	}
	if w.bad {
		return attr.ErrCorrupt
	}
	return nil
}

// appendExp appends the text of an exp attribute.
func appendExp(dst []byte, ms int64) []byte { return strconv.AppendInt(dst, ms, 10) }
