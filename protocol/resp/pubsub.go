package resp

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Pub/sub (Redis's PUBLISH / SUBSCRIBE / PSUBSCRIBE, RESP2).
//
// The registry (pubsubRegistry) maps channels and patterns to the
// connections subscribed to them. A message is encoded once per channel
// (and once per matching pattern) and appended to each subscriber's
// outbox (pushBox): a byte buffer under a mutex of its own. The publisher
// never writes to a socket and never waits for a subscriber: it appends,
// and wakes the subscriber's event loop (or its pusher goroutine when the
// connection has a goroutine of its own), which moves the outbox into the
// connection's replies and writes them with its other output.
//
// Ordering, as Redis: a subscriber receives messages in publish order; a
// (P)SUBSCRIBE reply precedes every message it made the connection
// receive; an (P)UNSUBSCRIBE reply follows every message published before
// it took effect. Publishers append under the registry's read lock, and
// the subscription commands change the registry under its write lock and
// then move the outbox into their replies (pushBox.take) before adding
// their own reply.
//
// Memory: the bytes a subscriber has not yet taken (outbox, plus what its
// socket refused) are bounded as Redis's client-output-buffer-limit
// pubsub: past the hard limit, or past the soft limit for longer than the
// soft seconds, the connection is closed and its outbox dropped; messages
// for it are then discarded. Options.PubSubLimit sets the limits (Redis's
// 32mb 8mb 60 by default).

// OutputLimit is a client-output-buffer-limit class: a connection whose
// pending output reaches Hard bytes, or stays at or past Soft bytes for
// longer than SoftFor, is disconnected. Zero disables a limit.
type OutputLimit struct {
	Hard    int64
	Soft    int64
	SoftFor time.Duration
}

// DefaultPubSubLimit is Redis's "client-output-buffer-limit pubsub 32mb 8mb 60".
var DefaultPubSubLimit = OutputLimit{Hard: 32 << 20, Soft: 8 << 20, SoftFor: 60 * time.Second}

// subscribers is the set of connections subscribed to one channel or
// pattern: a slice for fast fan-out, an index for O(1) removal.
type subscribers struct {
	pat   []byte // the pattern (patterns only)
	list  []*conn
	index map[*conn]int
}

func (s *subscribers) add(c *conn) bool {
	if _, ok := s.index[c]; ok {
		return false
	}
	s.index[c] = len(s.list)
	s.list = append(s.list, c)
	return true
}

func (s *subscribers) remove(c *conn) bool {
	i, ok := s.index[c]
	if !ok {
		return false
	}
	last := len(s.list) - 1
	s.list[i] = s.list[last]
	s.index[s.list[i]] = i
	s.list[last] = nil
	s.list = s.list[:last]
	delete(s.index, c)
	return true
}

// pubsubRegistry holds every subscription of the server.
type pubsubRegistry struct {
	mu struct {
		sync.RWMutex
		channels map[string]*subscribers
		patterns map[string]*subscribers
		shards   map[string]*subscribers // shard channels (SSUBSCRIBE)
		// patList is the patterns in subscription order (PUBLISH
		// matches them in this order).
		patList []*subscribers
	}
	// subs counts every subscription (channel or pattern) of every
	// connection: zero lets PUBLISH and the notifications skip all work.
	subs atomic.Int64
	// version changes with every subscription change (HasSubscribers'
	// cache).
	version atomic.Uint64
	prefix  sync.Map // channel prefix -> *prefixAnswer

	published    atomic.Int64 // messages published while anyone subscribed
	disconnected atomic.Int64 // subscribers closed for their output
}

type prefixAnswer struct {
	version uint64
	yes     bool
}

func (r *pubsubRegistry) init() {
	r.mu.channels = make(map[string]*subscribers)
	r.mu.shards = make(map[string]*subscribers)
	r.mu.patterns = make(map[string]*subscribers)
}

// subState is a connection's side of pub/sub: its subscriptions (owned by
// the connection's goroutine) and its outbox (shared with publishers).
type subState struct {
	// channels and patterns map each subscription to its order of
	// subscription (UNSUBSCRIBE without arguments replies in that order).
	channels map[string]uint64
	patterns map[string]uint64
	shards   map[string]uint64
	seq      uint64
	stopped  bool // the connection closed: no more subscriptions

	box pushBox
}

// count is what (P)SUBSCRIBE's replies count: channels and patterns
// (shard channels are counted apart, as Redis 7.0).
func (ps *subState) count() int { return len(ps.channels) + len(ps.patterns) }

// total counts every subscription: any puts the connection in the
// subscriber context.
func (ps *subState) total() int { return ps.count() + len(ps.shards) }

// pushBox is a subscriber's outbox.
type pushBox struct {
	mu        sync.Mutex
	buf       []byte
	scheduled bool      // its owner was told to take buf
	killed    bool      // over its output limit: closed, buf dropped
	softSince time.Time // since when it is past the soft limit
	// held is what the connection holds of its output outside buf (a
	// socket's unsent bytes), counted against the limit.
	held atomic.Int64
	// signal wakes the pusher goroutine of a connection served without
	// an event loop; done stops it.
	signal chan struct{}
	done   chan struct{}
}

// pubsubState returns c's pub/sub state, creating it (and, without an
// event loop, the goroutine that writes its messages) on first use.
func (c *conn) pubsubState() *subState {
	if c.ps != nil {
		return c.ps
	}
	ps := &subState{channels: map[string]uint64{}, patterns: map[string]uint64{}, shards: map[string]uint64{}}
	if c.lp == nil {
		ps.box.signal = make(chan struct{}, 1)
		ps.box.done = make(chan struct{})
		go c.pusher(ps)
	}
	c.ps = ps
	return ps
}

// pusher writes the messages of a connection that has no event loop. It
// holds the connection's write lock while it writes, so its messages and
// the connection's replies never interleave.
func (c *conn) pusher(ps *subState) {
	done := ps.box.done
	for {
		select {
		case <-done:
			return
		case <-ps.box.signal:
		}
		c.wmu.Lock()
		c.takePushed()
		if len(c.out) > 0 {
			ps.box.held.Store(int64(len(c.out)))
			ok := c.flush()
			ps.box.held.Store(0)
			if !ok {
				c.nc.Close()
			}
		}
		c.wmu.Unlock()
	}
}

// takePushed moves the messages published to c into its replies.
func (c *conn) takePushed() {
	ps := c.ps
	if ps == nil {
		return
	}
	b := &ps.box
	b.mu.Lock()
	if len(b.buf) > 0 {
		if len(c.out) == 0 && cap(b.buf) >= cap(c.out) {
			c.out, b.buf = b.buf, c.out[:0]
		} else {
			c.out = append(c.out, b.buf...)
			b.buf = b.buf[:0]
		}
		if cap(b.buf) > maxPendingOutput {
			b.buf = nil
		}
	}
	b.scheduled = false
	b.mu.Unlock()
}

// killedByLimit reports whether c was closed for its output.
func (c *conn) killedByLimit() bool {
	if c.ps == nil {
		return false
	}
	c.ps.box.mu.Lock()
	defer c.ps.box.mu.Unlock()
	return c.ps.box.killed
}

// endPubSub drops every subscription of a closing connection and stops
// its pusher.
func (c *conn) endPubSub() {
	ps := c.ps
	if ps == nil {
		return
	}
	r := &c.s.pubsub
	r.mu.Lock()
	r.dropAllLocked(c, ps)
	r.mu.Unlock()
	c.noteSubs()
	if ps.box.done != nil && !ps.stopped {
		close(ps.box.done)
	}
	ps.stopped = true
	ps.box.mu.Lock()
	ps.box.buf = nil
	ps.box.mu.Unlock()
}

// dropAllLocked removes every subscription of c.
// REQUIRES: r.mu held for writing.
func (r *pubsubRegistry) dropAllLocked(c *conn, ps *subState) {
	for ch := range ps.channels {
		r.unsubscribeLocked(r.mu.channels, c, ch)
	}
	for ch := range ps.shards {
		r.unsubscribeLocked(r.mu.shards, c, ch)
	}
	for p := range ps.patterns {
		r.punsubscribeLocked(c, p)
	}
	clear(ps.channels)
	clear(ps.shards)
	clear(ps.patterns)
}

// subscribeLocked adds c to channel ch of m (r.mu.channels or r.mu.shards).
// REQUIRES: r.mu held for writing.
func (r *pubsubRegistry) subscribeLocked(m map[string]*subscribers, c *conn, ch string) bool {
	subs := m[ch]
	if subs == nil {
		subs = &subscribers{index: map[*conn]int{}}
		m[ch] = subs
	}
	if !subs.add(c) {
		return false
	}
	r.subs.Add(1)
	r.version.Add(1)
	return true
}

// REQUIRES: r.mu held for writing.
func (r *pubsubRegistry) unsubscribeLocked(m map[string]*subscribers, c *conn, ch string) bool {
	subs := m[ch]
	if subs == nil || !subs.remove(c) {
		return false
	}
	if len(subs.list) == 0 {
		delete(m, ch)
	}
	r.subs.Add(-1)
	r.version.Add(1)
	return true
}

// REQUIRES: r.mu held for writing.
func (r *pubsubRegistry) psubscribeLocked(c *conn, p string) bool {
	subs := r.mu.patterns[p]
	if subs == nil {
		subs = &subscribers{pat: []byte(p), index: map[*conn]int{}}
		r.mu.patterns[p] = subs
		r.mu.patList = append(r.mu.patList, subs)
	}
	if !subs.add(c) {
		return false
	}
	r.subs.Add(1)
	r.version.Add(1)
	return true
}

// REQUIRES: r.mu held for writing.
func (r *pubsubRegistry) punsubscribeLocked(c *conn, p string) bool {
	subs := r.mu.patterns[p]
	if subs == nil || !subs.remove(c) {
		return false
	}
	if len(subs.list) == 0 {
		delete(r.mu.patterns, p)
		for i, s := range r.mu.patList {
			if s == subs {
				r.mu.patList = append(r.mu.patList[:i], r.mu.patList[i+1:]...)
				break
			}
		}
	}
	r.subs.Add(-1)
	r.version.Add(1)
	return true
}

// Publish sends message to every connection subscribed to channel or to a
// pattern matching it, as Redis's PUBLISH, and returns how many received
// it. It is safe from any goroutine and never blocks on a subscriber.
func (s *Server) Publish(channel string, message []byte) int {
	return s.publish(nil, []byte(channel), message)
}

// HasSubscribers reports whether a channel starting with prefix could
// have a receiver now: a channel subscription with that prefix, or a
// pattern that matches some channel with it. It is cheap (one atomic load
// when nobody subscribes to anything; a cached answer until subscriptions
// change), so a publisher can skip building messages nobody would get.
// It may answer true for a pattern that matches no such channel; never
// false when one would receive.
func (s *Server) HasSubscribers(prefix string) bool {
	r := &s.pubsub
	if r.subs.Load() == 0 {
		return false
	}
	v := r.version.Load()
	if a, ok := r.prefix.Load(prefix); ok && a.(*prefixAnswer).version == v {
		return a.(*prefixAnswer).yes
	}
	r.mu.RLock()
	v = r.version.Load() // stable while the lock is held
	yes := false
	for ch := range r.mu.channels {
		if len(ch) >= len(prefix) && ch[:len(prefix)] == prefix {
			yes = true
			break
		}
	}
	if !yes {
		for _, subs := range r.mu.patList {
			if globMayMatchPrefix(subs.pat, []byte(prefix)) {
				yes = true
				break
			}
		}
	}
	r.mu.RUnlock()
	r.prefix.Store(prefix, &prefixAnswer{version: v, yes: yes})
	return yes
}

var msgPool = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// publish delivers message on channel; from is the publishing connection
// (nil: the server), which gets its own messages in its replies at once,
// as Redis (only possible inside EXEC).
func (s *Server) publish(from *conn, channel, message []byte) int {
	r := &s.pubsub
	if r.subs.Load() == 0 {
		return 0 // and no shared counter written: Publish may be on every write's path
	}
	r.published.Add(1)
	bp := msgPool.Get().(*[]byte)
	n := 0
	r.mu.RLock()
	if subs := r.mu.channels[bstr(channel)]; subs != nil {
		m := appendMessage((*bp)[:0], nil, channel, message)
		for _, c := range subs.list {
			s.deliver(from, c, m)
		}
		n += len(subs.list)
		*bp = m
	}
	for _, subs := range r.mu.patList {
		if !pubsubMatch(subs.pat, channel) {
			continue
		}
		m := appendMessage((*bp)[:0], subs.pat, channel, message)
		for _, c := range subs.list {
			s.deliver(from, c, m)
		}
		n += len(subs.list)
		*bp = m
	}
	r.mu.RUnlock()
	if cap(*bp) <= 64<<10 {
		msgPool.Put(bp)
	}
	return n
}

// spublish delivers message to the subscribers of shard channel channel
// (SPUBLISH).
func (s *Server) spublish(from *conn, channel, message []byte) int {
	r := &s.pubsub
	if r.subs.Load() == 0 {
		return 0
	}
	r.published.Add(1)
	n := 0
	r.mu.RLock()
	if subs := r.mu.shards[bstr(channel)]; subs != nil {
		m := append([]byte("*3\r\n$8\r\nsmessage\r\n"), appendBulk(appendBulk(nil, channel), message)...)
		for _, c := range subs.list {
			s.deliver(from, c, m)
		}
		n = len(subs.list)
	}
	r.mu.RUnlock()
	return n
}

// appendMessage encodes a message (pat nil) or a pmessage.
func appendMessage(b, pat, channel, message []byte) []byte {
	if pat == nil {
		b = append(b, "*3\r\n$7\r\nmessage\r\n"...)
	} else {
		b = append(b, "*4\r\n$8\r\npmessage\r\n"...)
		b = appendBulk(b, pat)
	}
	b = appendBulk(b, channel)
	return appendBulk(b, message)
}

func appendBulk(b, v []byte) []byte {
	b = append(b, '$')
	b = appendInt(b, int64(len(v)))
	b = append(b, '\r', '\n')
	b = append(b, v...)
	return append(b, '\r', '\n')
}

// deliver appends message m to c's outbox, or closes c when that would
// pass its output limit.
// REQUIRES: s.pubsub.mu held (read).
func (s *Server) deliver(from, c *conn, m []byte) {
	if c == from {
		c.out = append(c.out, m...)
		return
	}
	b := &c.ps.box
	b.mu.Lock()
	if b.killed {
		b.mu.Unlock()
		return
	}
	lim := s.opts.PubSubLimit
	used := int64(len(b.buf)) + b.held.Load() + int64(len(m))
	kill := lim.Hard > 0 && used >= lim.Hard
	if !kill && lim.Soft > 0 && used >= lim.Soft {
		now := time.Now()
		if b.softSince.IsZero() {
			b.softSince = now
		} else if now.Sub(b.softSince) > lim.SoftFor {
			kill = true
		}
	} else if !kill {
		b.softSince = time.Time{}
	}
	if kill {
		b.killed = true
		b.buf = nil
	} else {
		b.buf = append(b.buf, m...)
	}
	wake := !b.scheduled || kill
	b.scheduled = true
	b.mu.Unlock()
	if kill {
		s.pubsub.disconnected.Add(1)
		s.opts.Logf("resp: client %s closed for overcoming of output buffer limits (pubsub %d bytes pending)", c.addr, used)
	}
	if !wake {
		return
	}
	if c.lp != nil {
		c.lp.push(c)
		return
	}
	if kill {
		c.nc.Close() // its goroutine sees the error and ends the connection
		return
	}
	select {
	case b.signal <- struct{}{}:
	default:
	}
}

// sortedSubs returns the keys of m in subscription order.
func sortedSubs(m map[string]uint64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return m[out[i]] < m[out[j]] })
	return out
}

// PubSubStats are the pub/sub figures --metrics exports.
type PubSubStats struct {
	Channels, Patterns, ShardChannels int   // with at least one subscriber
	Messages                          int64 // PUBLISH, SPUBLISH, Publish and keyspace events while anyone subscribed
	Disconnected                      int64 // subscribers closed for their pending output
}

// PubSubStats returns the pub/sub figures.
func (s *Server) PubSubStats() PubSubStats {
	r := &s.pubsub
	r.mu.RLock()
	st := PubSubStats{Channels: len(r.mu.channels), Patterns: len(r.mu.patterns), ShardChannels: len(r.mu.shards)}
	r.mu.RUnlock()
	st.Messages = r.published.Load()
	st.Disconnected = r.disconnected.Load()
	return st
}
