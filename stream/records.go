package stream

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Record is one stream record as the hub keeps it: what the write changed,
// independent of the stream's view type (applied when a record is read).
type Record struct {
	Seq  uint64 // the stream's sequence number: 1, 2, ...
	Time int64  // Unix milliseconds, non-decreasing in Seq
	// Old and New are the attr encodings of the item before and after
	// (nil: none). Old is kept only when the stream's view has old images,
	// or for a delete (its keys come from it).
	Old, New   []byte
	OldExisted bool
	Service    bool // a delete by time to live

	// pos and sub place the record's write in the write-ahead log (its
	// record's sequence number, and the change's index in that record).
	pos, sub uint64
}

// EventName returns INSERT, MODIFY or REMOVE.
func (r *Record) EventName() string {
	switch {
	case r.New == nil:
		return "REMOVE"
	case r.OldExisted:
		return "MODIFY"
	default:
		return "INSERT"
	}
}

// Flags of an encoded record.
const (
	flagService = 1 << iota
	flagOldExisted
	flagOld
	flagNew
)

var errBadRecord = errors.New("stream: malformed record")

// appendRecord encodes r (but its Seq, which is its place in the log).
func appendRecord(dst []byte, r *Record) []byte {
	dst = binary.AppendUvarint(dst, r.pos)
	dst = binary.AppendUvarint(dst, r.sub)
	dst = binary.AppendUvarint(dst, uint64(r.Time))
	var f byte
	if r.Service {
		f |= flagService
	}
	if r.OldExisted {
		f |= flagOldExisted
	}
	if r.Old != nil {
		f |= flagOld
	}
	if r.New != nil {
		f |= flagNew
	}
	dst = append(dst, f)
	if r.Old != nil {
		dst = binary.AppendUvarint(dst, uint64(len(r.Old)))
		dst = append(dst, r.Old...)
	}
	if r.New != nil {
		dst = binary.AppendUvarint(dst, uint64(len(r.New)))
		dst = append(dst, r.New...)
	}
	return dst
}

// decodeRecord decodes an encoded record; its byte slices alias b.
func decodeRecord(b []byte, seq uint64) (Record, error) {
	r := Record{Seq: seq}
	var ok bool
	next := func() uint64 {
		x, n := binary.Uvarint(b)
		if n <= 0 {
			ok = false
			return 0
		}
		b = b[n:]
		return x
	}
	ok = true
	r.pos = next()
	r.sub = next()
	r.Time = int64(next())
	if !ok || len(b) < 1 {
		return Record{}, fmt.Errorf("%w at %d", errBadRecord, seq)
	}
	f := b[0]
	b = b[1:]
	if f&^(flagService|flagOldExisted|flagOld|flagNew) != 0 {
		return Record{}, fmt.Errorf("%w at %d", errBadRecord, seq)
	}
	r.Service, r.OldExisted = f&flagService != 0, f&flagOldExisted != 0
	image := func() []byte {
		n := next()
		if !ok || n > uint64(len(b)) {
			ok = false
			return nil
		}
		s := b[:n:n]
		b = b[n:]
		return s
	}
	if f&flagOld != 0 {
		r.Old = image()
	}
	if f&flagNew != 0 {
		r.New = image()
	}
	if !ok || len(b) != 0 {
		return Record{}, fmt.Errorf("%w at %d", errBadRecord, seq)
	}
	return r, nil
}

// store holds one stream's encoded records, numbered from 1: a Records log
// in the data directory (package wal), or memory.
type store interface {
	First() uint64 // First = Last+1 when empty
	Last() uint64
	Append(entries ...[]byte) error
	Read(i uint64) ([]byte, error)
	TruncateFront(i uint64) error
	TruncateBack(i uint64) error
	Sync() error
	Close() error
}

// memStore is the store of a hub without a directory.
type memStore struct {
	first uint64
	recs  [][]byte
}

func newMemStore() *memStore { return &memStore{first: 1} }

func (m *memStore) First() uint64 { return m.first }
func (m *memStore) Last() uint64  { return m.first + uint64(len(m.recs)) - 1 }

func (m *memStore) Append(entries ...[]byte) error {
	for _, e := range entries {
		m.recs = append(m.recs, append([]byte(nil), e...))
	}
	return nil
}

func (m *memStore) Read(i uint64) ([]byte, error) {
	if i < m.first || i > m.Last() {
		return nil, fmt.Errorf("stream: record %d out of range", i)
	}
	return m.recs[i-m.first], nil
}

func (m *memStore) TruncateFront(i uint64) error {
	if i <= m.first {
		return nil
	}
	if i > m.Last()+1 {
		i = m.Last() + 1
	}
	n := int(i - m.first)
	clear(m.recs[:n])
	m.recs = append([][]byte(nil), m.recs[n:]...)
	m.first = i
	return nil
}

func (m *memStore) TruncateBack(i uint64) error {
	if i >= m.Last() {
		return nil
	}
	n := int(i + 1 - m.first)
	if i+1 < m.first {
		n = 0
	}
	clear(m.recs[n:])
	m.recs = m.recs[:n]
	return nil
}

func (m *memStore) Sync() error  { return nil }
func (m *memStore) Close() error { return nil }
