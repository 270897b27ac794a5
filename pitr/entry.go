package pitr

import (
	"encoding/binary"
	"errors"

	"github.com/dynacache/dynacache/shard"
)

// ErrCorrupt is returned for a log entry or a directory that does not
// decode.
var ErrCorrupt = errors.New("pitr: corrupt history")

// entry is one decoded log entry.
type entry struct {
	pos  uint64
	time int64
	// writes: key and new image (nil: a delete); the slices point into
	// the entry's bytes.
	writes []write
}

type write struct {
	key []byte
	enc []byte
}

const flagPut = 1

// appendEntry encodes the changes cs (all of one table, of the record at
// pos) as an entry.
func appendEntry(b []byte, pos uint64, t int64, cs []*shard.Change) []byte {
	b = binary.AppendUvarint(b, pos)
	b = binary.AppendUvarint(b, uint64(t))
	b = binary.AppendUvarint(b, uint64(len(cs)))
	for _, c := range cs {
		if c.New != nil {
			b = append(b, flagPut)
		} else {
			b = append(b, 0)
		}
		b = appendStr(b, c.Key)
		if c.New != nil {
			b = appendStr(b, c.New)
		}
	}
	return b
}

func appendStr(b, s []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// entryHead decodes an entry's position and time only.
func entryHead(b []byte) (pos uint64, t int64, err error) {
	pos, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, 0, ErrCorrupt
	}
	tm, m := binary.Uvarint(b[n:])
	if m <= 0 || tm > 1<<62 {
		return 0, 0, ErrCorrupt
	}
	return pos, int64(tm), nil
}

// decodeEntry decodes an entry; its writes point into b.
func decodeEntry(b []byte) (entry, error) {
	var e entry
	pos, n := binary.Uvarint(b)
	if n <= 0 {
		return e, ErrCorrupt
	}
	b = b[n:]
	tm, n := binary.Uvarint(b)
	if n <= 0 || tm > 1<<62 {
		return e, ErrCorrupt
	}
	b = b[n:]
	count, n := binary.Uvarint(b)
	if n <= 0 || count > uint64(len(b)) {
		return e, ErrCorrupt
	}
	b = b[n:]
	e.pos, e.time = pos, int64(tm)
	e.writes = make([]write, 0, count)
	for i := uint64(0); i < count; i++ {
		if len(b) == 0 || b[0] > flagPut {
			return e, ErrCorrupt
		}
		put := b[0] == flagPut
		var w write
		var ok bool
		if w.key, b, ok = str(b[1:]); !ok || len(w.key) == 0 {
			return e, ErrCorrupt
		}
		if put {
			if w.enc, b, ok = str(b); !ok || w.enc == nil {
				return e, ErrCorrupt
			}
		}
		e.writes = append(e.writes, w)
	}
	if len(b) != 0 {
		return e, ErrCorrupt
	}
	return e, nil
}

// str splits a uvarint-length-prefixed string off b (never nil when ok).
func str(b []byte) (s, rest []byte, ok bool) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)-w) {
		return nil, nil, false
	}
	return b[w : w+int(n) : w+int(n)], b[w+int(n):], true
}
