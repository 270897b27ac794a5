package resp

import (
	"encoding/binary"
	"errors"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidwall/redcon"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// maxPendingOutput is the reply bytes after which a batch's replies are
// written before the batch ends, bounding a connection's memory.
const maxPendingOutput = 256 << 10

// conn is one client connection. Its goroutine owns every field but the
// counters read by CLIENT and INFO.
type conn struct {
	s      *Server
	nc     net.Conn
	rd     *reader
	out    []byte
	id     int64
	name   string
	addr   string
	authed bool
	quit   bool // QUIT: close after this batch's replies
	since  time.Time
	cmds   atomic.Int64 // commands run; added to the server's total at close
	fd     *fdConn      // nc when the connection is served by an event loop (loop_linux.go)
	lp     *loop        // the event loop serving it, nil for a goroutine of its own

	touched [][]byte // touchKeys' scratch (maxmemory.go)

	// Pub/sub (pubsub.go): the subscriptions and the outbox, nil until the
	// first (P)SUBSCRIBE; nsub and npsub count them for CLIENT LIST.
	ps                 *subState
	nsub, npsub, nssub atomic.Int32
	// wmu orders a goroutine-served connection's replies with the
	// messages its pusher writes: held through a batch and its flush.
	wmu sync.Mutex
	// wr is what the last single-key write did; txEvents the keyspace
	// events of a running EXEC, published once it is applied (notify.go).
	execing  bool // EXEC is running its queue (SSUBSCRIBE refuses to run there)
	wr       writeOutcome
	outs     []writeOutcome // of writeKeys' keys, when events are on
	txEvents []keyEvent

	// aborted: a request looked like HTTP (security.go); the connection is
	// closed without the replies it has not been sent (quit is set too).
	aborted bool

	// Scratch reused by every command, so the GET and SET paths allocate
	// nothing of their own.
	key    []byte    // encoded store key
	sk     shard.Key // the key of the mutation in progress
	arena  []byte    // store keys of a multi-key command
	tmp    []byte    // numbers, values being built
	item   attr.Item // the image handed to Table.Mutate
	keys   []shard.Key
	stripe []int
	refs   []shard.Ref // MGET's
	images []attr.Item // MSET's, reused: MutateAll encodes them before it returns
	writes []shard.Write

	// The current mutation: decide is bound once to c.decideEntry, which
	// calls fn; fn leaves its results in res.
	decide func(old shard.Entry) (shard.Write, error)
	fn     func(c *conn, v *view, old shard.Entry) (shard.Write, error)
	setp   setParams // SET family parameters
	hargs  [][]byte  // hash fields (and values) of the command
	incrF  *big.Rat  // float increment
	// held is the stripe a single-key write holds until its decide runs
	// (holding says whether it still does).
	held    int
	holding bool
	// decided: the write in progress was decided (and tracked in the
	// expiry index).
	decided bool

	res result
	now int64
	// dv is decideEntry's view of the current item; strBound bounds the
	// size of the string image stringItem built in this decide (-1: none
	// built, or no bound).
	dv       view
	strBound int
	// direct: the write in progress is a single-key write outside EXEC
	// (runMutate), whose string image stringItem leaves in strVal and
	// strExp (strImage set) for decideEntry to encode into enc, instead
	// of building it in c.item (see directImage).
	direct   bool
	strImage bool
	strVal   attr.Value
	strExp   int64
	strExpN  []byte // strExp's text, in c.tmp
	enc      []byte

	// multi: the transaction (MULTI's queue, WATCHed keys), nil when
	// there is none; tx: the overlay the queued commands run against
	// while EXEC runs them (txn.go).
	multi *multiState
	tx    *txRun

	// aside is the work a command has set aside from the event loop
	// (aside.go), until the loop takes it.
	aside asideWork
	// owned is the off-heap buffer c.out or the socket's pending bytes
	// may point into (a long reply built aside, offheap.go); freed once
	// they are written (releaseOwned) or the connection ends.
	owned *offBuf

	// waits are the batch's writes that are logged and applied but not
	// yet durable, with the replies they were given; flush waits for them
	// before it sends any reply (settle).
	waits []pendingWrite
}

// pendingWrite is a write whose reply is c.out[start:end], to be sent only
// once wait has returned nil.
type pendingWrite struct {
	wait       func() error
	start, end int
	err        error
}

// result is what a decide function reports back to its command.
type result struct {
	n    int64
	ok   bool
	null bool
	val  []byte // shares the old item's encoding or c.tmp
	typ  attr.Type
	err  error
}

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{
		s:     s,
		nc:    nc,
		rd:    newReader(nc, s.opts.ProtoMaxBulkLen),
		id:    s.nextID.Add(1),
		addr:  nc.RemoteAddr().String(),
		since: time.Now(),
		item:  make(attr.Item, 8),
	}
	c.authed = s.opts.RequirePass == "" && len(s.opts.Credentials) == 0
	c.rd.unauth = !c.authed
	c.decide = c.decideEntry
	return c
}

// serve runs the connection: read what has arrived, run every complete
// request (a pipeline is one batch), write the batch's replies at once.
//
// A batch's writes do not wait for the log one by one: each is logged and
// applied in order (so log order, apply order and what every client can
// read follow the pipeline), and flush waits once for all of them before
// any reply leaves. A pipeline of N writes then costs one log write (and,
// under --fsync always, one fsync) instead of N, and no reply acknowledges
// a write before it is durable under the policy.
func (c *conn) serve() {
	s := c.s
	s.totalConns.Add(1)
	s.clients.Add(1)
	defer s.clients.Add(-1)
	defer c.nc.Close()
	defer func() { c.wmu.Lock(); c.dropOwned(); c.wmu.Unlock() }()
	defer func() { s.totalCmds.Add(c.cmds.Swap(0)) }()
	defer c.endPubSub()
	for {
		c.wmu.Lock()
		switch c.runBatch() {
		case batchClose:
			c.flush()
			c.wmu.Unlock()
			return
		case batchFailed:
			c.wmu.Unlock()
			return
		}
		if len(c.out) > 0 && !c.flush() {
			c.wmu.Unlock()
			return
		}
		c.wmu.Unlock()
		if s.isClosing() {
			return
		}
		if err := c.rd.fill(); err != nil {
			c.readFailed(err)
			return
		}
		s.netIn.Add(int64(c.rd.end - c.rd.start))
	}
}

// readFailed reports why reading from the client ended, when it was the
// query buffer limit (Redis logs it too; an EOF is not worth a line).
func (c *conn) readFailed(err error) {
	if errors.Is(err, errQueryBufferTooLong) {
		c.s.opts.Logf("resp: closing client %s that reached max query buffer length (client-query-buffer-limit %d bytes)", c.addr, c.rd.maxQuery)
	}
}

// batchEnd says why runBatch stopped.
type batchEnd int

const (
	batchDone   batchEnd = iota // no complete request is buffered: read more
	batchClose                  // QUIT or a protocol error: flush, then close
	batchFailed                 // writing to the client failed: close
	batchPaused                 // (event loop) the client does not read its replies: wait until it does
	batchAside                  // (event loop) a command set its work aside (aside.go): run it, then resume
)

// runBatch runs every complete request already buffered, appending the
// replies to c.out (written early when they pass maxPendingOutput).
func (c *conn) runBatch() batchEnd {
	for {
		args, err := c.rd.next()
		if err != nil {
			var pe *protocolError
			if errors.As(err, &pe) {
				c.out = redcon.AppendError(c.out, "ERR "+pe.Error())
			}
			return batchClose
		}
		if args == nil {
			return batchDone
		}
		start, n := len(c.out), len(c.waits)
		c.exec(args)
		for i := n; i < len(c.waits); i++ {
			c.waits[i].start, c.waits[i].end = start, len(c.out)
		}
		if c.quit {
			return batchClose
		}
		if c.aside != nil {
			return batchAside
		}
		if len(c.out) > maxPendingOutput {
			if !c.flush() {
				return batchFailed
			}
			if c.fd != nil && c.fd.backlogged() {
				return batchPaused
			}
		}
	}
}

func (c *conn) flush() bool {
	c.settle()
	if len(c.out) == 0 {
		return true
	}
	if c.fd == nil { // an event loop's socket never blocks: no deadline, no clock read
		c.nc.SetWriteDeadline(time.Now().Add(time.Minute))
	}
	var n int
	var err error
	if c.fd != nil && cap(c.out) > maxPendingOutput {
		n, err = c.fd.writeOwned(c.out) // c.out is dropped below
	} else {
		n, err = c.nc.Write(c.out)
	}
	c.s.netOut.Add(int64(n))
	if cap(c.out) > maxPendingOutput {
		c.out = nil
	} else {
		c.out = c.out[:0]
	}
	if c.owned != nil {
		c.releaseOwned()
	}
	return err == nil
}

// settle waits until every write of the batch so far is durable. A write
// the log failed to make durable is answered with the error in place of
// the reply it was given (the log then refuses every later write).
func (c *conn) settle() {
	if len(c.waits) == 0 {
		return
	}
	failed := false
	for i := range c.waits {
		if err := c.waits[i].wait(); err != nil {
			c.waits[i].err = storeError(err)
			failed = true
		}
	}
	if failed {
		c.replaceFailedReplies()
	}
	clear(c.waits)
	c.waits = c.waits[:0]
}

// replaceFailedReplies rebuilds c.out with an error reply for each command
// whose write failed (a command with several writes gets one).
func (c *conn) replaceFailedReplies() {
	out := c.out
	c.out = make([]byte, 0, len(out))
	last := 0
	for _, w := range c.waits {
		if w.err == nil || w.start < last {
			continue
		}
		c.out = append(c.out, out[last:w.start]...)
		c.writeError(w.err)
		last = w.end
	}
	c.out = append(c.out, out[last:]...)
}

// exec runs one request, in Redis's order of checks: cross protocol
// scripting (security.go), command lookup, arity, authentication.
func (c *conn) exec(args [][]byte) {
	c.cmds.Add(1) // the connection's own counter: no shared cache line
	if isCrossProtocol(args[0]) {
		c.abortCrossProtocol()
		return
	}
	cmd := lookup(args[0])
	if cmd == nil {
		c.s.rejected.Add(1)
		c.flagTransaction()
		c.out = redcon.AppendError(c.out, unknownCommand(args))
		return
	}
	if !cmd.arityOK(len(args)) {
		c.s.rejected.Add(1)
		if cmd.name == "exec" { // as Redis, in MULTI or not
			c.execAbort(wrongArity(cmd.name)[len("ERR "):])
			return
		}
		c.flagTransaction()
		c.out = redcon.AppendError(c.out, wrongArity(cmd.name))
		return
	}
	if !c.authed && cmd.flags&flagNoAuth == 0 {
		c.s.rejected.Add(1)
		c.flagTransaction()
		c.out = redcon.AppendError(c.out, string(errNoAuth))
		return
	}
	if c.ps != nil {
		// Messages published before this command precede its reply.
		c.takePushed()
		if c.subscribed() {
			if err := refuseInPubSub(cmd, args); err != nil {
				c.s.rejected.Add(1)
				c.writeError(err)
				return
			}
		}
	}
	var charge int64 // what the command adds to used memory (maxmemory.go)
	if b := c.s.store.Budget(); b.Max() > 0 && c.s.remote == nil && c.denyOOM(cmd) {
		charge = c.writeCharge(cmd, args)
		if b.Over() {
			if err := c.s.freeMemory(charge); err != nil {
				c.s.rejected.Add(1)
				c.flagTransaction()
				if cmd.name == "exec" {
					c.execAbort(err.Error()) // Redis's rejectCommand
					return
				}
				c.writeError(err)
				return
			}
		}
	}
	if c.inMulti() && !runsInMulti(cmd) {
		c.enqueue(cmd, args)
		return
	}
	// Every command is counted; one in latencySample is timed (two clock
	// reads cost about a third of a GET).
	st := c.s.cmdStats[cmd.id]
	var start time.Time
	timed := c.cmds.Load()%latencySample == 0
	if timed {
		start = time.Now()
	}
	fn := cmd.fn
	if c.s.remote != nil {
		fn = remoteCommand(cmd) // remote.go
	}
	err := fn(c, args)
	if timed {
		st.Latency.Since(start)
	}
	if charge > 0 {
		c.s.store.Budget().Charge(charge) // after the write applied: see shard.Budget
	}
	c.touchKeys(cmd, args)
	if err == nil {
		st.CountOK()
	} else {
		st.Count(outcome(err))
		c.writeError(err)
	}
}

// latencySample: one command in this many is timed for the latency
// histograms of --metrics.
const latencySample = 16

// outcome names a command's outcome for metrics: "ok" or the first word of
// its error (ERR, WRONGTYPE, ...).
func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	msg := err.Error()
	if i := strings.IndexByte(msg, ' '); i > 0 {
		msg = msg[:i]
	}
	return strings.TrimPrefix(msg, "-")
}

// Reply helpers: handlers append replies to c.out; errors are returned and
// written by exec through writeError, the one error table.

func (c *conn) ok()                 { c.out = append(c.out, "+OK\r\n"...) }
func (c *conn) null()               { c.out = append(c.out, "$-1\r\n"...) }
func (c *conn) nullArray()          { c.out = append(c.out, "*-1\r\n"...) }
func (c *conn) int(n int64)         { c.out = redcon.AppendInt(c.out, n) }
func (c *conn) bulk(b []byte)       { c.out = redcon.AppendBulk(c.out, b) }
func (c *conn) bulkString(s string) { c.out = redcon.AppendBulkString(c.out, s) }
func (c *conn) status(s string)     { c.out = redcon.AppendString(c.out, s) }
func (c *conn) array(n int)         { c.out = redcon.AppendArray(c.out, n) }

// bulkInt writes n as a bulk string.
func (c *conn) bulkInt(n int64) {
	c.tmp = strconv.AppendInt(c.tmp[:0], n, 10)
	c.bulk(c.tmp)
}

// storeKey encodes Redis key k into c.key and returns it.
func (c *conn) storeKey(k []byte) shard.Key {
	c.key, _ = appendKey(c.key[:0], k)
	return c.key
}

// storeKeys encodes Redis keys into c.arena and returns them in c.keys.
func (c *conn) storeKeys(keys [][]byte, step int) []shard.Key {
	c.arena = c.arena[:0]
	var ends [64]int
	offs := ends[:0]
	for i := 0; i < len(keys); i += step {
		c.arena, _ = appendKey(c.arena, keys[i])
		offs = append(offs, len(c.arena))
	}
	c.keys = c.keys[:0]
	start := 0
	for _, end := range offs {
		c.keys = append(c.keys, shard.Key(c.arena[start:end:end]))
		start = end
	}
	return c.keys
}

// nowMs is the current time in epoch milliseconds.
func nowMs() int64 { return time.Now().UnixMilli() }

// lookupKey returns the view of key k (kindNone when absent or expired).
// The stripe lock for k is held only for the read. v.val shares the stored
// encoding, which is never modified.
func (c *conn) lookupKey(k []byte) (view, error) {
	if c.s.remote != nil {
		return c.remoteLookupKey(k)
	}
	t, err := c.readTable()
	if t == nil {
		if err == nil {
			c.keyMiss(k)
		}
		return view{exp: noExpiry}, err
	}
	sk := c.storeKey(k)
	e := c.getEntry(t, sk)
	if !e.Exists() {
		c.keyMiss(k)
		return view{exp: noExpiry}, nil
	}
	v := viewOf(e.Encoded())
	if v.expiredAt(nowMs()) {
		c.s.expires.note(sk, v.exp)
		c.keyMiss(k)
		return view{exp: noExpiry}, nil
	}
	return v, nil
}

// decideEntry is the decide callback of every RESP write: it reads the
// current item (absent when expired) and calls the command's fn.
func (c *conn) decideEntry(old shard.Entry) (shard.Write, error) {
	if c.holding {
		// The shard lock now orders this write: whoever takes the stripe
		// next must also take the shard lock, so it sees this write
		// applied. Waiting for the log need not hold the stripe.
		c.s.locks.unlock(c.held)
		c.holding = false
	}
	// The view lives in c: a local would escape through c.fn and cost an
	// allocation per write.
	v := &c.dv
	*v = viewOf(old.Encoded())
	oldExp := noExpiry // of the stored item, even expired
	stored := old.Exists()
	if stored {
		oldExp = v.exp
	}
	if old.Exists() && v.expiredAt(c.now) {
		*v = view{exp: noExpiry}
		old = shard.Entry{}
	} else if !old.Exists() {
		v.kind = kindNone
	}
	c.strBound = -1
	c.strImage = false
	w, err := c.fn(c, v, old)
	if c.strImage && err == nil && !w.Skip && !w.Delete && len(w.Item) == 0 {
		return c.directImage(oldExp, stored, old.Exists())
	}
	if !w.Skip && !w.Delete && w.Item != nil && !c.smallString() && attr.ItemSize(w.Item) > attr.MaxItemSize {
		// Keep every item writable through the DynamoDB API too, and the
		// cost of a write (a whole new image, logged) bounded.
		c.res = result{err: errItemTooLarge}
		return shard.Write{Skip: true}, nil
	}
	if err == nil && !w.Skip {
		c.s.expires.track(c.sk, oldExp, w) // under the shard lock (expire.go)
		c.decided = true
		c.noteOutcome(stored, old.Exists(), w)
	}
	return w, err
}

// directImage is decideEntry's end for a string image stringItem left in
// c.strVal and c.strExp: it encodes the image into c.enc (the encoding
// and size Table.MutateDeferred would make of the attr.Item) and does
// what decideEntry does with any other image.
func (c *conn) directImage(oldExp int64, stored, live bool) (shard.Write, error) {
	var size int
	c.enc, size = appendStringImage(c.enc[:0], bstr(c.sk.Partition()), c.strVal, c.strExpN)
	if size > attr.MaxItemSize {
		c.res = result{err: errItemTooLarge}
		return shard.Write{Skip: true}, nil
	}
	w := shard.Write{Encoded: c.enc, Size: size}
	if c.strExp != noExpiry || oldExp != noExpiry {
		c.s.expires.set(c.sk, c.strExp) // as expireIndex.track, under the shard lock
	}
	c.decided = true
	c.noteOutcome(stored, live, w)
	return w, nil
}

// appendStringImage appends the encoding (attr.AppendItem's) of the
// string image of partition pk, value val and expiry text exp (nil: none)
// to dst, and returns it with the image's DynamoDB size (attr.ItemSize's).
func appendStringImage(dst []byte, pk string, val attr.Value, exp []byte) ([]byte, int) {
	n := uint64(2)
	if exp != nil {
		n = 3
	}
	dst = binary.AppendUvarint(dst, n)
	pkv := attr.Value{Type: attr.S, Str: pk}
	dst = appendAttr(dst, attrKey, pkv)
	dst = appendAttr(dst, attrVal, val)
	size := len(attrKey) + attr.ValueSize(pkv) + len(attrVal) + attr.ValueSize(val)
	if exp != nil {
		ev := attr.Value{Type: attr.N, Str: bstr(exp)}
		dst = appendAttr(dst, attrExp, ev)
		size += len(attrExp) + attr.ValueSize(ev)
	}
	return dst, size
}

// appendAttr appends one attribute's encoding: its name, then its value.
func appendAttr(dst []byte, name string, v attr.Value) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(name)))
	dst = append(dst, name...)
	return attr.AppendValue(dst, v)
}

// mutate runs fn on key k inside one Table.Mutate (one shard lock). It
// holds k's stripe lock until fn is called under the shard lock, so that
// multi-key commands, which hold their stripes throughout, never interleave
// with it. fn's results are in c.res.
func (c *conn) mutate(k []byte, fn func(c *conn, v *view, old shard.Entry) (shard.Write, error)) error {
	if c.s.remote != nil {
		return c.remoteMutate(k, fn)
	}
	t, err := c.writeTable()
	if err != nil {
		return err
	}
	sk := c.storeKey(k)
	if c.tx != nil { // inside EXEC, which holds every stripe
		return c.runMutate(t, sk, fn)
	}
	c.held, c.holding = c.s.locks.lock(sk), true
	err = c.runMutate(t, sk, fn)
	if c.holding { // decide was not called
		c.s.locks.unlock(c.held)
		c.holding = false
	}
	return err
}

// runMutate runs fn on store key sk in one Table.Mutate.
func (c *conn) runMutate(t *shard.Table, sk shard.Key, fn func(c *conn, v *view, old shard.Entry) (shard.Write, error)) error {
	c.fn = fn
	c.sk = sk
	c.res = result{}
	c.now = nowMs()
	c.tmp = c.tmp[:0]
	c.decided = false
	c.wr = writeOutcome{}
	if c.tx != nil {
		// Inside EXEC: decide on the overlay's entry (txn.go).
		w, err := c.decide(c.tx.get(sk))
		if err == nil {
			c.tx.put(sk, w)
		}
		clear(c.item)
		if err != nil {
			return storeError(err)
		}
		return c.res.err
	}
	c.direct = true
	_, _, wait, err := t.MutateDeferred(sk, c.decide)
	if errors.Is(err, shard.ErrTableNotFound) {
		// The table was dropped under us: create it again and retry.
		if t, err = c.s.writeTable(); err == nil {
			c.res = result{}
			_, _, wait, err = t.MutateDeferred(sk, c.decide)
		}
	}
	c.direct = false
	if wait != nil {
		// Logged and applied; flush waits for it before any reply.
		c.waits = append(c.waits, pendingWrite{wait: wait})
	}
	clear(c.item)
	if err != nil {
		if c.decided { // the log refused the write decide tracked
			c.s.reindex(t, sk)
		}
		return storeError(err)
	}
	return c.res.err
}

// Item images. They share the command's argument bytes and c.tmp, which
// Table.Mutate copies when it encodes the image.

// stringItem fills c.item with a string image of value val (already a
// Value) and expiry exp.
//
// It leaves in c.strBound a bound on the image's DynamoDB size (see
// smallString): each attribute is its name and a value of at most its
// text's length plus four (a number's size, attr.ValueSize, is at most
// half its digits plus three).
//
// In a direct write (c.direct) of a value of one text, it builds nothing:
// it leaves the image in c.strVal and c.strExp, and returns c.item empty,
// for decideEntry to encode (directImage).
func (c *conn) stringItem(val attr.Value, exp int64) attr.Item {
	if c.direct && (val.Type == attr.S || val.Type == attr.N || val.Type == attr.B) {
		c.strImage, c.strVal, c.strExp, c.strExpN = true, val, exp, nil
		if exp != noExpiry {
			n := len(c.tmp)
			c.tmp = appendExp(c.tmp, exp)
			c.strExpN = c.tmp[n:len(c.tmp):len(c.tmp)]
		}
		clear(c.item)
		return c.item
	}
	it := c.item
	clear(it)
	pk := bstr(c.sk.Partition())
	it[attrKey] = attr.Value{Type: attr.S, Str: pk}
	it[attrVal] = val
	bound := len(attrKey) + len(pk) + 4 + len(attrVal) + len(val.Str) + 4
	if exp != noExpiry {
		n := len(c.tmp)
		c.tmp = appendExp(c.tmp, exp)
		it[attrExp] = attr.Value{Type: attr.N, Str: bstr(c.tmp[n:])}
		bound += len(attrExp) + len(c.tmp) - n + 4
	}
	if val.Type != attr.S && val.Type != attr.N && val.Type != attr.B {
		bound = -1 // not a value of one text: no bound
	}
	c.strBound = bound
	return it
}

// smallString reports whether the image the write in progress decided on
// is the one stringItem built last, and is below attr.MaxItemSize by its
// bound, so that decideEntry need not walk it with attr.ItemSize. Every
// decide that returns stringItem's image returns it as built.
func (c *conn) smallString() bool {
	return c.strBound >= 0 && c.strBound <= attr.MaxItemSize
}
