package resp

import (
	"strings"

	"github.com/dynacache/dynacache/shard"
)

// Keyspace notifications (Redis's notify-keyspace-events).
//
// With K, a change to key k is published on __keyspace@0__:k with the
// event's name as the message; with E, on __keyevent@0__:<event> with the
// key as the message; the other letters choose the classes of events
// (g generic, $ string, h hash, x expired, m key miss, n new key, A all
// but m and n). Events carry Redis's names and follow Redis's conditions:
// one per key the command changed (no "del" for DEL of a missing key), in
// the order Redis sends them ("expired" for an expired item a write
// replaced, "new" when the key is created, then the command's own).
//
// Events are published after the write is applied (inside EXEC: after the
// transaction's one apply, transaction order kept), never under a shard
// lock, and cost one atomic load when no event is enabled.

// Event classes (Redis's NOTIFY_* bits; the values are ours).
const (
	notifyKeyspace = 1 << iota // K
	notifyKeyevent             // E
	notifyGeneric              // g
	notifyString               // $
	notifyList                 // l
	notifySet                  // s
	notifyHash                 // h
	notifyZSet                 // z
	notifyExpired              // x
	notifyEvicted              // e
	notifyStream               // t
	notifyKeyMiss              // m
	notifyModule               // d
	notifyNew                  // n

	notifyAll = notifyGeneric | notifyString | notifyList | notifySet | notifyHash | notifyZSet |
		notifyExpired | notifyEvicted | notifyStream | notifyModule
)

// parseNotifyFlags is Redis's keyspaceEventsStringToFlags: -1 for a
// character that is not a class.
func parseNotifyFlags(s []byte) int {
	flags := 0
	for _, c := range s {
		switch c {
		case 'A':
			flags |= notifyAll
		case 'g':
			flags |= notifyGeneric
		case '$':
			flags |= notifyString
		case 'l':
			flags |= notifyList
		case 's':
			flags |= notifySet
		case 'h':
			flags |= notifyHash
		case 'z':
			flags |= notifyZSet
		case 'x':
			flags |= notifyExpired
		case 'e':
			flags |= notifyEvicted
		case 'K':
			flags |= notifyKeyspace
		case 'E':
			flags |= notifyKeyevent
		case 't':
			flags |= notifyStream
		case 'm':
			flags |= notifyKeyMiss
		case 'd':
			flags |= notifyModule
		case 'n':
			flags |= notifyNew
		default:
			return -1
		}
	}
	return flags
}

// notifyFlagsString is Redis 7.0's keyspaceEventsFlagsToString, the form
// CONFIG GET answers (7.0 leaves n out of it, and so do we).
func notifyFlagsString(flags int) string {
	var b strings.Builder
	if flags&notifyAll == notifyAll {
		b.WriteByte('A')
	} else {
		for _, x := range []struct {
			f int
			c byte
		}{{notifyGeneric, 'g'}, {notifyString, '$'}, {notifyList, 'l'}, {notifySet, 's'}, {notifyHash, 'h'},
			{notifyZSet, 'z'}, {notifyExpired, 'x'}, {notifyEvicted, 'e'}, {notifyStream, 't'}, {notifyModule, 'd'}} {
			if flags&x.f != 0 {
				b.WriteByte(x.c)
			}
		}
	}
	if flags&notifyKeyspace != 0 {
		b.WriteByte('K')
	}
	if flags&notifyKeyevent != 0 {
		b.WriteByte('E')
	}
	if flags&notifyKeyMiss != 0 {
		b.WriteByte('m')
	}
	return b.String()
}

// notifying reports whether events of class would reach anyone.
func (s *Server) notifying(class int) bool {
	f := int(s.notify.Load())
	return f&class != 0 && f&(notifyKeyspace|notifyKeyevent) != 0 && s.pubsub.subs.Load() != 0
}

// keyEvent is an event held back until the transaction that made it is
// applied.
type keyEvent struct {
	class int
	event string
	key   string
}

// notifyKey publishes event (of class) on key, as Redis's
// notifyKeyspaceEvent; from is the connection whose command caused it
// (nil: the server's expirer). Inside EXEC the event waits for the
// transaction's apply (flushTxEvents).
func (s *Server) notifyKey(from *conn, class int, event string, key []byte) {
	if !s.notifying(class) {
		return
	}
	if from != nil && from.tx != nil {
		from.txEvents = append(from.txEvents, keyEvent{class, event, string(key)})
		return
	}
	flags := int(s.notify.Load())
	bp := msgPool.Get().(*[]byte)
	b := *bp
	if flags&notifyKeyspace != 0 {
		b = append(append(b[:0], "__keyspace@0__:"...), key...)
		s.publish(from, b, []byte(event))
	}
	if flags&notifyKeyevent != 0 {
		b = append(append(b[:0], "__keyevent@0__:"...), event...)
		s.publish(from, b, key)
	}
	*bp = b
	msgPool.Put(bp)
}

// flushTxEvents publishes the events of a transaction once it is applied
// (or drops them when it was not).
func (c *conn) flushTxEvents(applied bool) {
	evs := c.txEvents
	c.txEvents = nil
	if !applied {
		return
	}
	for _, e := range evs {
		c.s.notifyKey(c, e.class, e.event, []byte(e.key))
	}
}

// notify publishes one event of c's command on key.
func (c *conn) notify(class int, event string, key []byte) {
	if c.s.notify.Load() != 0 {
		c.s.notifyKey(c, class, event, key)
	}
}

// notifyWrite publishes the events of the single-key write c just made on
// key (c.wr, set by decideEntry), then event when it is not empty:
// "expired" when it replaced an item that had expired, "new" when it
// created the key.
func (c *conn) notifyWrite(key []byte, class int, event string) {
	if c.s.notify.Load() == 0 || !c.wr.wrote {
		return
	}
	if c.wr.expiredOld {
		c.s.notifyKey(c, notifyExpired, "expired", key)
	}
	if c.wr.created {
		c.s.notifyKey(c, notifyNew, "new", key)
	}
	if event != "" {
		c.s.notifyKey(c, class, event, key)
	}
}

// writeOutcome is what the last single-key write did, for its events.
type writeOutcome struct {
	wrote      bool // a write was decided (not skipped)
	created    bool // the key did not exist (or had expired) and now does
	deleted    bool // the write deletes the key
	expiredOld bool // the stored item had expired (the write replaced it)
}

// noteOutcome records a decided write (decideEntry, under the shard lock).
func (c *conn) noteOutcome(stored, live bool, w shard.Write) {
	c.wr = writeOutcome{wrote: true, deleted: w.Delete, created: !live && !w.Delete, expiredOld: stored && !live}
}

// notifyExpired publishes "expired" for a store key the expirer removed.
func (s *Server) notifyExpired(k shard.Key) {
	if s.notifying(notifyExpired) {
		s.notifyKey(nil, notifyExpired, "expired", redisKeyOf(nil, k))
	}
}

// keyMiss publishes "keymiss" for a read of a missing key (class m).
func (c *conn) keyMiss(key []byte) {
	if c.s.notify.Load()&notifyKeyMiss != 0 {
		c.s.notifyKey(c, notifyKeyMiss, "keymiss", key)
	}
}

// cmdConfigSet is CONFIG SET: notify-keyspace-events, maxmemory and
// maxmemory-policy (maxmemory.go) change at run time; the others
// CONFIG GET shows are fixed by
// dynacache's flags (Redis's "can't set immutable config"). Several
// parameters are set all or none, as Redis 7.
func cmdConfigSet(c *conn, args [][]byte) error {
	if len(args)%2 != 0 {
		return errSyntax
	}
	params := c.s.configParams()
	var unknown, failedArg, why string
	seen := map[string]bool{}
	for i := 2; i < len(args); i += 2 {
		name := strings.ToLower(string(args[i]))
		if _, ok := params[name]; !ok {
			if unknown == "" && why == "" {
				unknown = string(args[i])
			}
			continue
		}
		if unknown != "" || why != "" {
			continue
		}
		switch {
		case !runtimeConfig[name]:
			failedArg, why = string(args[i]), "can't set immutable config"
		case seen[name]:
			failedArg, why = string(args[i]), "duplicate parameter"
		}
		seen[name] = true
	}
	switch {
	case unknown != "":
		return respErr(sanitize("ERR Unknown option or number of arguments for CONFIG SET - '" + unknown + "'"))
	case why != "":
		return configSetFailed(failedArg, why)
	}
	// Every value is checked before any is set: all or none.
	apply := make([]func(), 0, len(args)/2)
	for i := 2; i < len(args); i += 2 {
		set, err := c.s.configSetter(strings.ToLower(string(args[i])), args[i+1])
		if err != nil {
			return err
		}
		apply = append(apply, set)
	}
	for _, set := range apply {
		set()
	}
	c.ok()
	return nil
}

func configSetFailed(name, why string) error {
	return respErr(sanitize("ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + why))
}

// NotifyKeyspaceEvents sets notify-keyspace-events as CONFIG SET does
// (the --notify-keyspace-events flag); it returns false for a bad flag.
func (s *Server) NotifyKeyspaceEvents(flags string) bool {
	f := parseNotifyFlags([]byte(flags))
	if f < 0 {
		return false
	}
	s.notify.Store(int32(f))
	return true
}

// noteOutcomes records what writeKeys' writes do, key by key, when events
// are enabled (under the shard locks; c.outs follows the keys' order).
func (c *conn) noteOutcomes(olds []shard.Entry, ws []shard.Write) {
	c.outs = c.outs[:0]
	if c.s.notify.Load() == 0 {
		return
	}
	now := nowMs()
	for i, w := range ws {
		var o writeOutcome
		if !w.Skip {
			stored := olds[i].Exists()
			live := stored && !viewOf(olds[i].Encoded()).expiredAt(now)
			o = writeOutcome{wrote: true, deleted: w.Delete, created: !live && !w.Delete, expiredOld: stored && !live}
		}
		c.outs = append(c.outs, o)
	}
}

// outcomeOf returns the outcome writeKeys noted for Redis key name among
// the store keys keys.
func (c *conn) outcomeOf(keys []shard.Key, name []byte) writeOutcome {
	sk, _ := appendKey(nil, name)
	for i, k := range keys {
		if string(k) == string(sk) && i < len(c.outs) {
			return c.outs[i]
		}
	}
	return writeOutcome{}
}

// notifySet publishes the events of a SET-family write: "set", and
// "expire" when it gave the key a time to live.
func (c *conn) notifySet(key []byte, exp int64) {
	if c.s.notify.Load() == 0 || !c.wr.wrote {
		return
	}
	c.notifyWrite(key, notifyString, "set")
	if exp != noExpiry {
		c.notify(notifyGeneric, "expire", key)
	}
}

// notifyMSet publishes MSET's (MSETNX's) events: "set" for every pair in
// order (a key given twice gets two), "expired" and "new" before a key's
// first.
func (c *conn) notifyMSet(args [][]byte, keys []shard.Key) {
	defer c.consumeOutcomes()
	if c.s.notify.Load() == 0 {
		return
	}
	seen := map[string]bool{}
	for i := 1; i < len(args); i += 2 {
		o := c.outcomeOf(keys, args[i])
		if !o.wrote {
			continue
		}
		if !seen[string(args[i])] {
			seen[string(args[i])] = true
			c.wr = o
			c.notifyWrite(args[i], notifyString, "set")
			continue
		}
		c.notify(notifyString, "set", args[i])
	}
}

// notifyDeletes publishes DEL's (UNLINK's) events: "del" for each key it
// removed, "expired" for an expired item it removed (Redis removes it on
// lookup and then finds nothing to delete).
func (c *conn) notifyDeletes(names [][]byte) {
	defer c.consumeOutcomes()
	if c.s.notify.Load() == 0 {
		return
	}
	keys := make([]shard.Key, 0, len(names))
	for _, n := range names {
		sk, _ := appendKey(nil, n)
		keys = append(keys, sk)
	}
	idx := lastOccurrences(keys)
	distinct := make([]shard.Key, len(idx))
	for j, i := range idx {
		distinct[j] = keys[i]
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[string(n)] {
			continue
		}
		seen[string(n)] = true
		o := c.outcomeOf(distinct, n)
		switch {
		case !o.wrote:
		case o.expiredOld:
			c.notify(notifyExpired, "expired", n)
		default:
			c.notify(notifyGeneric, "del", n)
		}
	}
}

// notifyRename publishes RENAME's (RENAMENX's) events when it moved the
// key: "expired" for an expired destination it replaced, "new" for the
// destination, then "rename_from" and "rename_to".
func (c *conn) notifyRename(args [][]byte, moved int64) {
	defer c.consumeOutcomes()
	if c.s.notify.Load() == 0 || moved == 0 || string(args[1]) == string(args[2]) || len(c.outs) < 2 {
		return
	}
	if c.outs[1].expiredOld {
		c.notify(notifyExpired, "expired", args[2])
	}
	c.notify(notifyNew, "new", args[2])
	c.notify(notifyGeneric, "rename_from", args[1])
	c.notify(notifyGeneric, "rename_to", args[2])
}

// consumeOutcomes forgets writeKeys' outcomes once their command has
// published its events (a later command that does not call writeKeys
// must not see them).
func (c *conn) consumeOutcomes() { c.outs = c.outs[:0] }
