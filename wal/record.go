package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// Record types (part of the on-disk format).
const (
	recPut       byte = 1
	recDelete    byte = 2
	recTable     byte = 3
	recDropTable byte = 4
	recBatch     byte = 5
	recEnd       byte = 6 // snapshot trailer
	recChange    byte = 7 // a recPut or recDelete with its stream change
)

// Flags of a recChange.
const (
	chgService    = 1 << iota // made by the service (time to live)
	chgOldExisted             // the item existed before the write
	chgOldImage               // the old image follows
)

const recordVersion = 1

// headerLen is crc32c + version + type.
const headerLen = 6

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Sentinel errors.
var (
	// ErrCorrupt marks a record or file that fails its checks.
	ErrCorrupt = errors.New("wal: corrupt record")
	// ErrClosed is returned by appends after Close.
	ErrClosed = errors.New("wal: log closed")
	// ErrReadOnly is returned by appends to a log started read-only.
	ErrReadOnly = errors.New("wal: started read-only")
)

// beginRecord appends a record header (checksum placeholder) to dst and
// returns the offset of the record start.
func beginRecord(dst []byte, typ byte) ([]byte, int) {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0, recordVersion, typ)
	return dst, start
}

// finishRecord fills in the checksum of the record starting at start.
func finishRecord(dst []byte, start int) []byte {
	sum := crc32.Checksum(dst[start+4:], castagnoli)
	binary.LittleEndian.PutUint32(dst[start:], sum)
	return dst
}

func appendStr(dst []byte, s []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func appendPut(dst []byte, table string, key shard.Key, size int, enc []byte) []byte {
	dst = appendStr(dst, []byte(table))
	dst = appendStr(dst, key)
	dst = binary.AppendUvarint(dst, uint64(size))
	return appendStr(dst, enc)
}

func appendDelete(dst []byte, table string, key shard.Key) []byte {
	dst = appendStr(dst, []byte(table))
	return appendStr(dst, key)
}

// appendChange appends the head of a recChange body: what the stream
// needs beyond the put or delete that follows it.
func appendChange(dst []byte, ch *shard.Change) []byte {
	dst = binary.AppendUvarint(dst, uint64(ch.Stream))
	dst = binary.AppendUvarint(dst, uint64(ch.Time))
	var flags byte
	if ch.Service {
		flags |= chgService
	}
	if ch.OldExisted {
		flags |= chgOldExisted
	}
	if ch.Old != nil {
		flags |= chgOldImage
	}
	dst = append(dst, flags)
	if ch.Old != nil {
		dst = appendStr(dst, ch.Old)
	}
	return dst
}

// appendBatch appends a recBatch body. changes is nil, or holds each
// item's change (Stream 0: none).
func appendBatch(dst []byte, items []shard.BatchItem, changes []shard.Change) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(items)))
	for i, it := range items {
		if changes != nil && changes[i].Stream != 0 {
			dst = append(dst, recChange)
			dst = appendChange(dst, &changes[i])
		}
		if it.Enc == nil {
			dst = append(dst, recDelete)
			dst = appendDelete(dst, it.Table, it.Key)
		} else {
			dst = append(dst, recPut)
			dst = appendPut(dst, it.Table, it.Key, it.Size, it.Enc)
		}
	}
	return dst
}

func appendSchema(dst []byte, ks shard.KeySchema) []byte {
	dst = appendStr(dst, []byte(ks.HashName))
	dst = append(dst, byte(ks.HashType))
	dst = appendStr(dst, []byte(ks.RangeName))
	return append(dst, byte(ks.RangeType))
}

func appendTable(dst []byte, table string, ks shard.KeySchema, indexes []shard.IndexSchema, meta []byte) []byte {
	dst = appendStr(dst, []byte(table))
	dst = appendSchema(dst, ks)
	dst = binary.AppendUvarint(dst, uint64(len(indexes)))
	for _, ix := range indexes {
		dst = appendStr(dst, []byte(ix.Name))
		if ix.Local {
			dst = append(dst, 1)
		} else {
			dst = append(dst, 0)
		}
		dst = appendSchema(dst, ix.Key)
		dst = append(dst, byte(ix.Projection))
		dst = binary.AppendUvarint(dst, uint64(len(ix.NonKeyAttributes)))
		for _, a := range ix.NonKeyAttributes {
			dst = appendStr(dst, []byte(a))
		}
	}
	dst = appendStr(dst, meta)
	return appendKeyAttrs(dst, indexes)
}

// appendKeyAttrs appends the optional trailing section of a recTable
// record, present when an index has a multi-attribute key (records
// written before such keys end at the meta, and still decode):
//
//	uvarint(count) { uvarint(index position) attrs(hash) attrs(range) }
//	attrs = uvarint(n) { str(name) type }
func appendKeyAttrs(dst []byte, indexes []shard.IndexSchema) []byte {
	n := 0
	for i := range indexes {
		if indexes[i].Composite() {
			n++
		}
	}
	if n == 0 {
		return dst
	}
	dst = binary.AppendUvarint(dst, uint64(n))
	for i := range indexes {
		if !indexes[i].Composite() {
			continue
		}
		dst = binary.AppendUvarint(dst, uint64(i))
		for _, list := range [][]shard.KeyAttr{indexes[i].HashAttrs, indexes[i].RangeAttrs} {
			dst = binary.AppendUvarint(dst, uint64(len(list)))
			for _, a := range list {
				dst = appendStr(dst, []byte(a.Name))
				dst = append(dst, byte(a.Type))
			}
		}
	}
	return dst
}

// keyAttrs decodes appendKeyAttrs' section into indexes, if present.
func (d *reader) keyAttrs(indexes []shard.IndexSchema) {
	if d.err != nil || d.off == len(d.b) {
		return
	}
	n := d.uvarint()
	if n == 0 || n > uint64(len(indexes)) {
		d.fail()
		return
	}
	for i := uint64(0); i < n && d.err == nil; i++ {
		pos := d.uvarint()
		if pos >= uint64(len(indexes)) || indexes[pos].Composite() {
			d.fail()
			return
		}
		ix := &indexes[pos]
		var lists [2][]shard.KeyAttr
		for j := range lists {
			na := d.uvarint()
			if na > shard.MaxKeyAttrs {
				d.fail()
				return
			}
			for k := uint64(0); k < na && d.err == nil; k++ {
				name := string(d.bytes())
				lists[j] = append(lists[j], shard.KeyAttr{Name: name, Type: attr.Type(d.byte())})
			}
		}
		if d.err != nil {
			return
		}
		if len(lists[0]) == 0 || lists[0][0].Name != ix.Key.HashName || lists[0][0].Type != ix.Key.HashType ||
			(len(lists[1]) > 0) != ix.Key.HasRange() ||
			(len(lists[1]) > 0 && (lists[1][0].Name != ix.Key.RangeName || lists[1][0].Type != ix.Key.RangeType)) {
			d.fail()
			return
		}
		ix.HashAttrs, ix.RangeAttrs = lists[0], lists[1]
	}
}

// record is a decoded record. Byte slices alias the input.
type record struct {
	typ     byte
	table   string
	key     []byte
	size    int
	item    []byte
	schema  shard.KeySchema
	indexes []shard.IndexSchema
	meta    []byte
	count   uint64   // recEnd
	batch   []record // recBatch
	// change is set on a put or delete that was logged as a recChange:
	// its stream change, with Table, Key and New left to the record.
	change *shard.Change
}

// changes appends r's stream changes (those of its batch items) to dst.
// They alias r.
func (r *record) changes(dst []shard.Change) []shard.Change {
	if r.change != nil {
		ch := *r.change
		ch.Table, ch.Key = r.table, shard.Key(r.key)
		if r.typ == recPut {
			ch.New = r.item
		}
		dst = append(dst, ch)
	}
	for i := range r.batch {
		dst = r.batch[i].changes(dst)
	}
	return dst
}

// checkRecord verifies a record's header and checksum and returns its type
// and body.
func checkRecord(b []byte) (typ byte, body []byte, err error) {
	if len(b) < headerLen {
		return 0, nil, fmt.Errorf("%w: %d bytes, shorter than a header", ErrCorrupt, len(b))
	}
	if crc32.Checksum(b[4:], castagnoli) != binary.LittleEndian.Uint32(b) {
		return 0, nil, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	if b[4] != recordVersion {
		return 0, nil, fmt.Errorf("%w: unknown record version %d", ErrCorrupt, b[4])
	}
	return b[5], b[6:], nil
}

// decodeRecord verifies and decodes one record.
func decodeRecord(b []byte) (record, error) {
	typ, body, err := checkRecord(b)
	if err != nil {
		return record{}, err
	}
	d := reader{b: body}
	r := d.body(typ, 0)
	if d.err != nil || d.off != len(d.b) {
		return record{}, fmt.Errorf("%w: malformed record of type %d", ErrCorrupt, typ)
	}
	return r, nil
}

type reader struct {
	b   []byte
	off int
	err error
}

func (d *reader) fail() {
	if d.err == nil {
		d.err = ErrCorrupt
	}
	d.off = len(d.b)
}

func (d *reader) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail()
		return 0
	}
	d.off += n
	return x
}

func (d *reader) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)-d.off) {
		d.fail()
		return nil
	}
	s := d.b[d.off : d.off+int(n)]
	d.off += int(n)
	return s
}

func (d *reader) byte() byte {
	if d.err != nil || d.off >= len(d.b) {
		d.fail()
		return 0
	}
	c := d.b[d.off]
	d.off++
	return c
}

func (d *reader) schema() shard.KeySchema {
	var ks shard.KeySchema
	ks.HashName = string(d.bytes())
	ks.HashType = attr.Type(d.byte())
	ks.RangeName = string(d.bytes())
	ks.RangeType = attr.Type(d.byte())
	return ks
}

func (d *reader) body(typ byte, depth int) record {
	r := record{typ: typ}
	switch typ {
	case recPut:
		r.table = string(d.bytes())
		r.key = d.bytes()
		r.size = int(d.uvarint())
		r.item = d.bytes()
	case recDelete:
		r.table = string(d.bytes())
		r.key = d.bytes()
	case recTable:
		r.table = string(d.bytes())
		r.schema = d.schema()
		n := d.uvarint()
		if n > uint64(len(d.b)) {
			d.fail()
			break
		}
		for i := uint64(0); i < n && d.err == nil; i++ {
			var ix shard.IndexSchema
			ix.Name = string(d.bytes())
			ix.Local = d.byte() == 1
			ix.Key = d.schema()
			ix.Projection = shard.ProjectionType(d.byte())
			na := d.uvarint()
			if na > uint64(len(d.b)) {
				d.fail()
				break
			}
			for j := uint64(0); j < na && d.err == nil; j++ {
				ix.NonKeyAttributes = append(ix.NonKeyAttributes, string(d.bytes()))
			}
			r.indexes = append(r.indexes, ix)
		}
		r.meta = d.bytes()
		d.keyAttrs(r.indexes)
	case recDropTable:
		r.table = string(d.bytes())
	case recEnd:
		r.count = d.uvarint()
	case recChange:
		if depth > 1 {
			d.fail()
			break
		}
		var ch shard.Change
		ch.Stream = int64(d.uvarint())
		ch.Time = int64(d.uvarint())
		flags := d.byte()
		if flags&^(chgService|chgOldExisted|chgOldImage) != 0 {
			d.fail()
			break
		}
		ch.Service = flags&chgService != 0
		ch.OldExisted = flags&chgOldExisted != 0
		if flags&chgOldImage != 0 {
			ch.Old = d.bytes()
		}
		inner := d.byte()
		if inner != recPut && inner != recDelete {
			d.fail()
			break
		}
		r = d.body(inner, depth+1)
		r.change = &ch
	case recBatch:
		if depth > 0 {
			d.fail()
			break
		}
		n := d.uvarint()
		if n > uint64(len(d.b)) {
			d.fail()
			break
		}
		for i := uint64(0); i < n && d.err == nil; i++ {
			r.batch = append(r.batch, d.body(d.byte(), depth+1))
		}
	default:
		d.fail()
	}
	return r
}
