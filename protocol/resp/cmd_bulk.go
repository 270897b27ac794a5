package resp

import (
	"errors"
	"slices"
	"strings"

	"github.com/tidwall/redcon"

	"github.com/dynacache/dynacache/shard"
)

// Commands over the whole key space: KEYS, FLUSHDB and FLUSHALL. Their
// cost grows with the number of keys, so their work runs aside from the
// event loop (aside.go) and holds no lock for long: KEYS walks the table
// in steps of keysStep items, one shard read lock at a time; FLUSHDB swaps
// the table's shards for empty ones (shard.Store.TruncateTable). DBSIZE
// sums the shards' counters (O(shards)).

// keysStep is how many items KEYS reads per shard read lock.
const keysStep = 1024

func cmdKeys(c *conn, args [][]byte) error {
	t, err := c.s.readTable()
	if t == nil {
		if err != nil {
			return err
		}
		c.array(0)
		return nil
	}
	pattern := slices.Clone(args[1]) // args alias the read buffer
	return c.runAside(func() func(c *conn) error {
		o, out := keysReply(t, pattern, nowMs())
		return ownReply(o, out)
	})
}

// keysReply walks t in hash order (Table.ScanHash), in steps, and returns
// the encoded reply, every live key matching pattern, built in o off the
// heap (offheap.go): out is its bytes.
//
// Redis's KEYS blocks the server, so its reply is one instant of the key
// space. This one does not stop writers: a key present for the whole walk
// is returned, exactly once (the walk moves forward through the hashes,
// and a key's hash never changes); a key added or removed during the walk
// may or may not be. That is SCAN's guarantee, without duplicates.
func keysReply(t *shard.Table, pattern []byte, now int64) (o *offBuf, out []byte) {
	all := string(pattern) == "*"
	// The array header goes in front once the count is known, in room
	// kept for it, so that the reply is never copied whole.
	const room = 24
	o = newOffBuf()
	o.reserve(room)
	o.b = o.b[:room]
	var key []byte
	n := 0
	cursor := uint64(0)
	var y shard.Yielder
	for {
		next, done := t.ScanHash(cursor, keysStep, func(k shard.Key, e shard.Entry) {
			v := viewOf(e.Encoded())
			if v.expiredAt(now) {
				return
			}
			key = redisKeyOf(key[:0], k)
			if all || globMatch(pattern, key, false) {
				o.reserve(len(key) + 32) // "$", the length, two CRLFs
				o.b = redcon.AppendBulk(o.b, key)
				n++
			}
		})
		if done {
			break
		}
		cursor = next
		// Let the event loops and the goroutines waiting for the
		// network in between steps: on a machine with few cores this
		// goroutine would otherwise keep a core for its whole time slice
		// (10 ms) while they wait (shard/yield.go).
		y.Yield()
	}
	var hb [room]byte
	head := redcon.AppendArray(hb[:0], n)
	off := room - len(head)
	copy(o.b[off:], head)
	return o, o.b[off:]
}

// cmdFlushDB empties the RESP table at once: its items and index entries
// leave together (one truncation, logged as two records), the table keeps
// its DynamoDB definition. As Redis: FLUSHDB SYNC (the default, as Redis's
// lazyfree-lazy-user-flush no) replies once the memory is reclaimed;
// ASYNC replies as soon as the keys are gone and reclaims the memory in
// the background. FLUSHALL does the same: the RESP port has one database.
func cmdFlushDB(c *conn, args [][]byte) error {
	if len(args) > 2 {
		return errSyntax
	}
	async := false
	if len(args) == 2 {
		switch strings.ToLower(string(args[1])) {
		case "sync":
		case "async":
			async = true
		default:
			return errSyntax
		}
	}
	t, err := c.s.readTable()
	if err != nil {
		return err
	}
	if t == nil {
		c.ok()
		return nil
	}
	s := c.s
	return c.runAside(func() func(c *conn) error {
		d, err := s.truncate(t)
		switch {
		case errors.Is(err, shard.ErrTableNotFound):
			// Dropped meanwhile: no keys left.
		case err != nil:
			return replyErr(storeError(err))
		case async:
			go d.Free()
		default:
			d.Free()
		}
		return func(c *conn) error { c.ok(); return nil }
	})
}

// truncate empties t holding every key stripe, so that it falls between
// (never inside) the multi-key commands and transactions, which decide
// under their stripes; the expiry index is emptied with the table.
func (s *Server) truncate(t *shard.Table) (*shard.Truncated, error) {
	for i := range s.locks.stripes {
		s.locks.stripes[i].Lock()
	}
	defer func() {
		for i := range s.locks.stripes {
			s.locks.stripes[i].Unlock()
		}
	}()
	return s.store.TruncateTable(t, s.expires.reset)
}

// reset empties the index, giving its memory back.
// REQUIRES: every shard lock of the table held (no write tracks a key
// meanwhile).
func (x *expireIndex) reset() {
	for i := range x.stripes {
		st := &x.stripes[i]
		st.mu.Lock()
		st.m = make(map[string]int64)
		st.peak = 0
		st.mu.Unlock()
	}
}
