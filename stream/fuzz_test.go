package stream

import (
	"reflect"
	"testing"
)

// FuzzDecodeRecord: no bytes panic the record decoder, and what decodes
// encodes to bytes that decode to the same record (the decoder accepts
// varints longer than needed, so the bytes themselves may differ).
func FuzzDecodeRecord(f *testing.F) {
	f.Add(appendRecord(nil, &Record{Time: 1796399622257, New: []byte{1, 2}, pos: 7, sub: 1}))
	f.Add(appendRecord(nil, &Record{Time: 1, Old: []byte{3}, OldExisted: true, Service: true, pos: 1 << 40}))
	f.Add(appendRecord(nil, &Record{Time: 5, Old: []byte{}, New: []byte{9, 9, 9}, OldExisted: true}))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeRecord(b, 1)
		if err != nil {
			return
		}
		again, err := decodeRecord(appendRecord(nil, &r), 1)
		if err != nil || !reflect.DeepEqual(again, r) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, again, r)
		}
	})
}
