package shard

import (
	"sync"
	"time"

	"github.com/dynacache/dynacache/shard/attr"
)

// Change capture: the store's side of DynamoDB Streams (package stream).
//
// A table with an enabled stream carries that stream's id (SetStream). Every
// item write to it that changes the item yields one Change: the key, the old
// and the new image, the write's time, and whether the service (TTL) made
// it. A write that leaves the item as it was (a put of the same image, a
// delete of nothing) yields none, as in DynamoDB.
//
// Who delivers changes to the ChangeSink, in commit order:
//   - with a log, the log: it carries each change inside the item's record
//     (so a change is durable exactly when its write is, and recovery can
//     deliver the changes a crash kept from the sink), and hands the changes
//     of a group to the sink once the group is written, before any of its
//     writers is acknowledged;
//   - without a log, the store itself, under the item's shard lock, right
//     after the write is applied.
//
// Either way, the changes of one item reach the sink in the order its
// writes were applied, and a write is acknowledged only after its change
// has reached the sink: a client that reads the stream after a write
// returned sees the write's record.

// Change is one captured item change.
type Change struct {
	Table  string
	Stream int64 // the stream's id (SetStream)
	Key    Key
	// Old and New are the encoded images (see attr/codec.go), nil when the
	// item did not exist before or does not after. Old is nil also when
	// the stream keeps no old images, but for a delete (OldExisted says
	// whether there was an item, which tells an INSERT from a MODIFY).
	Old, New   []byte
	OldExisted bool
	// Time is the write's time, Unix milliseconds; the log (or, without
	// one, the store) makes it non-decreasing in commit order.
	Time int64
	// Service marks a delete made by the service (time to live).
	Service bool
}

// ChangeSink receives committed changes (package stream implements it).
type ChangeSink interface {
	// Changes receives the changes of one log record (pos: its sequence
	// number in the log; without a log, an increasing counter), in commit
	// order. It must not block on anything a writer holds.
	Changes(pos uint64, cs []Change)
}

// TapOnly is the Stream of a change of a table without a stream, captured
// because the store's tap is on (SetTap) or because the table keeps a
// point-in-time history (SetPITR): no stream keeps it.
const TapOnly int64 = -1

// tapTag is the stream setting of a table without a stream while the tap
// is on.
var tapTag = &streamTag{id: TapOnly}

// SetTap sets the tap (nil: none): while it answers true, the writes of
// tables without a stream yield changes too (Stream TapOnly, no old image
// but for deletes), delivered as any change but kept by no stream: for
// live listeners, such as RESP subscribers to a table's channel. It is
// called on every such write, under the item's lock: it must be cheap
// (an atomic load when nobody listens).
func (s *Store) SetTap(on func() bool) {
	if on == nil {
		s.tap.Store(nil)
		return
	}
	s.tap.Store(&on)
}

// streamTag is a table's change capture: the id of its enabled stream (0:
// none; TapOnly: none, but pitr is set), whether that stream keeps old
// images, and whether the table keeps a point-in-time history (every
// write then yields a change, with its new image, for package pitr).
type streamTag struct {
	id   int64
	old  bool
	pitr bool
}

// setTag replaces t's capture with the result of edit on the current one.
func (t *Table) setTag(edit func(streamTag) streamTag) {
	for {
		cur := t.stream.Load()
		var v streamTag
		if cur != nil {
			v = *cur
		}
		v = edit(v)
		var next *streamTag
		switch {
		case v.id > 0:
			next = &v
		case v.pitr:
			next = &streamTag{id: TapOnly, pitr: true}
		}
		if t.stream.CompareAndSwap(cur, next) {
			return
		}
	}
}

// SetStream attaches the enabled stream id to t (0: no stream), whose
// records keep old images when oldImages is set. Writes applied after it
// returns carry the stream; a write racing with it may or may not, as in
// DynamoDB, where a stream starts shortly after it is enabled.
func (t *Table) SetStream(id int64, oldImages bool) {
	t.setTag(func(v streamTag) streamTag {
		v.id, v.old = id, oldImages && id != 0
		return v
	})
}

// SetPITR turns on (or off) the capture of every write to t for its
// point-in-time history: each write that changes an item then yields a
// change (Stream TapOnly when t has no stream), which the log carries in
// the write's record with its time. Writes applied under a shard lock
// taken after it returns carry it.
func (t *Table) SetPITR(on bool) {
	t.setTag(func(v streamTag) streamTag {
		v.pitr = on
		return v
	})
}

// StreamID returns the id of t's enabled stream, 0 when none.
func (t *Table) StreamID() int64 {
	if s := t.stream.Load(); s != nil && s.id > 0 {
		return s.id
	}
	return 0
}

// change returns the Change of replacing old by cur in t, false when t has
// no stream or the write changes nothing. Time is left to the caller.
func (t *Table) change(k Key, old, cur tableItem, service bool) (Change, bool) {
	tag := t.stream.Load()
	if tag == nil {
		if on := t.store.tap.Load(); on == nil || !(*on)() {
			return Change{}, false
		}
		tag = tapTag
	}
	o, c := old.entry(), cur.entry()
	if o.enc == nil && c.enc == nil {
		return Change{}, false // a delete of nothing
	}
	if o.enc != nil && c.enc != nil && sameImage(o, c) {
		return Change{}, false // the same item again
	}
	ch := Change{Table: t.name, Stream: tag.id, Key: k, New: c.enc, OldExisted: o.enc != nil, Service: service}
	if tag.old || c.enc == nil {
		ch.Old = o.enc // a delete keeps it always: the record's keys come from it
	}
	return ch, true
}

// sameImage reports whether two stored items are the same DynamoDB item:
// their encodings may differ in attribute and set order only (attr's
// EqualEncoded, which allocates nothing).
func sameImage(a, b Entry) bool { return attr.EqualEncoded(a.enc, b.enc) }

// Change returns the change the undone write made, false when there is
// none (see Table.change). The log records it with the write.
func (u *Undo) Change() (Change, bool) {
	if u.t == nil {
		return Change{}, false
	}
	if u.t.stream.Load() == nil {
		// Most tables: no stream and no tap, decided before the items are
		// copied into change's arguments (every logged write asks).
		if on := u.t.store.tap.Load(); on == nil || !(*on)() {
			return Change{}, false
		}
	}
	it := u.cur
	if !it.exists() {
		it = u.old
	}
	if !it.exists() {
		return Change{}, false
	}
	// The key is copied out of the stored item only for a change: most
	// tables have no stream, and this runs for every logged write.
	ch, ok := u.t.change(nil, u.old, u.cur, u.service)
	if ok {
		ch.Key = Key(it.key())
	}
	return ch, ok
}

// memChanges delivers the changes of a store without a log.
type memChanges struct {
	mu   sync.Mutex
	pos  uint64
	last int64
}

// SetChangeSink attaches the sink of t's store's changes. With a log the
// log delivers them (see the top of this file) and must be given the same
// sink.
func (s *Store) SetChangeSink(sink ChangeSink) {
	s.mu.Lock()
	s.sink = sink
	s.mu.Unlock()
}

// deliverLocked hands the change of a write to the sink when the store has
// no log. REQUIRES: the item's shard lock.
func (s *Store) deliverLocked(t *Table, k Key, old, cur tableItem, service bool) {
	if s.log != nil || s.sink == nil {
		return
	}
	ch, ok := t.change(k, old, cur, service)
	if !ok {
		return
	}
	m := &s.mem
	m.mu.Lock()
	m.pos++
	now := time.Now().UnixMilli()
	if now < m.last {
		now = m.last
	}
	m.last = now
	ch.Time = now
	s.sink.Changes(m.pos, []Change{ch})
	m.mu.Unlock()
}
