package pitr

import (
	"bytes"
	"testing"

	"github.com/dynacache/dynacache/shard"
)

// FuzzDecodeEntry: any bytes decode to an entry or ErrCorrupt, never a
// panic; an entry that decodes encodes back to the same bytes.
func FuzzDecodeEntry(f *testing.F) {
	f.Add(appendEntry(nil, 7, 1700000000000, []*shard.Change{{Key: shard.Key("\x01a"), New: []byte("\x01\x01v\x01\x01x")}, {Key: shard.Key("\x01b")}}))
	f.Add(appendEntry(nil, 1, 0, nil))
	f.Add([]byte{0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeEntry(b)
		if err != nil {
			return
		}
		cs := make([]*shard.Change, len(e.writes))
		for i, w := range e.writes {
			cs[i] = &shard.Change{Key: shard.Key(w.key), New: w.enc}
		}
		if again := appendEntry(nil, e.pos, e.time, cs); !bytes.Equal(again, b) {
			// Non-minimal uvarints decode too; the entry must still
			// decode to the same thing.
			e2, err := decodeEntry(again)
			if err != nil || e2.pos != e.pos || e2.time != e.time || len(e2.writes) != len(e.writes) {
				t.Fatalf("re-encoding %x gives %x (%v)", b, again, err)
			}
		}
		if pos, tm, err := entryHead(b); err != nil || pos != e.pos || tm != e.time {
			t.Fatalf("head %d %d %v, entry %d %d", pos, tm, err, e.pos, e.time)
		}
	})
}
