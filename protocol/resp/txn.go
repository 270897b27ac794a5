package resp

import (
	"errors"
	"slices"

	"github.com/tidwall/redcon"

	"github.com/dynacache/dynacache/shard"
)

// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH, with Redis 7's
// replies, and multi-key writes (MSET, MSETNX, RENAME, RENAMENX, DEL,
// UNLINK) on the same path.
//
// The design. Every command a transaction may queue names its keys at
// fixed argument positions (COMMAND's first, last, step), so the key set of
// an EXEC is known before anything runs; the few RESP commands that reach
// keys they do not name (KEYS, SCAN, DBSIZE, FLUSHDB, DYNAMODB) are refused
// inside MULTI. EXEC then:
//
//  1. takes the RESP stripe locks of every key of the queue and every
//     WATCHed key (keylock.go: RESP writers stay out, stripes before
//     shard locks as everywhere);
//  2. calls shard.Store.MutateAll on those keys: under the shard lock of
//     every one of them (the store's one lock order), with their current
//     entries, it checks that every WATCHed key is still the version WATCH
//     saw (else nothing runs and EXEC answers a null array), then runs the
//     queued commands in order against an overlay (txRun): a command reads
//     the overlay's entry of a key, so it sees what an earlier command of
//     the queue wrote, and its write replaces the overlay's entry;
//  3. MutateAll applies the overlay's final entries as ONE log record and
//     releases the locks.
//
// Isolation: nobody (a RESP client, the DynamoDB API on either port, the
// expiry sweeper) can write or read an involved item between the first
// read and the last write of the queue, since all of them take those
// shard locks; single-item reads and GetMany (MGET) see all of the EXEC or
// none of it. So the result is that of running the queue alone, at the
// moment of MutateAll: serializable without retries (no optimistic read
// set to validate; the price is that the shards of an EXEC's keys are
// locked while its queue runs, as Redis runs a whole EXEC alone).
// Atomicity across a crash: one record (wal's recBatch), replayed all or
// nothing; a record the log refuses is reverted in memory whole.
//
// The expiry index (expire.go) stays exact: every queued write, and every
// write of writeKeys, is tracked from its decision, under the shard locks
// MutateAll holds; when the log refuses the record, every key written is
// reindexed from the table.
//
// Keyless commands of the queue (PING, ECHO, INFO, TIME, CLIENT, ...) do
// not touch items: they run after the commit, their replies put at their
// place in EXEC's array.
//
// A WATCHed key's version is the address of its stored encoding (every
// write stores a new one, and the watch holds the old one, so its address
// cannot be reused while watched; a write the log refused and reverted
// puts the same one back) and whether it was live: EXEC aborts when a key
// live at WATCH is now gone, expired, or another image, or when a key
// absent (or expired) at WATCH is now live. Unlike Redis, a key created and
// deleted again between WATCH and EXEC (absent both times) does not abort.

// multiState is a connection's transaction: the queue between MULTI and
// EXEC, and the WATCHed keys (which outlive neither EXEC nor DISCARD).
type multiState struct {
	active  bool // between MULTI and EXEC/DISCARD
	failed  bool // a command was refused at queue time: EXEC aborts
	queue   []queued
	watched []watchedKey
}

type queued struct {
	cmd  *command
	args [][]byte // copies: the reader's buffer is reused
}

type watchedKey struct {
	key  string // store key
	enc  []byte // the encoding seen (nil: absent)
	live bool
}

// notInMulti are the commands that read or write keys they do not name:
// refused inside MULTI, with Redis's message for its own such commands.
var notInMulti = map[string]bool{"keys": true, "scan": true, "dbsize": true, "flushdb": true, "flushall": true, "dynamodb": true}

var (
	errMultiNested      = respErr("ERR MULTI calls can not be nested")
	errExecWithoutMulti = respErr("ERR EXEC without MULTI")
	errDiscardNoMulti   = respErr("ERR DISCARD without MULTI")
	errWatchInMulti     = respErr("ERR WATCH inside MULTI is not allowed")
	errExecAbort        = respErr("EXECABORT Transaction discarded because of previous errors.")
	errNotInMulti       = respErr("ERR Command not allowed inside a transaction")
	errWatchChanged     = errors.New("resp: a watched key changed")
	errTxOutside        = respErr("ERR a queued command reached a key it does not name: transaction discarded")
)

func transactionCommands() []*command {
	f := flagFast | flagNoScript | flagLoading | flagStale | flagAllowBusy
	return []*command{
		{name: "multi", arity: 1, flags: f, fn: cmdMulti,
			doc: cmdDoc{"Starts a transaction.", "1.2.0", "transactions", ""}},
		{name: "exec", arity: 1, flags: flagNoScript | flagLoading | flagStale | flagSkipSlowlog, fn: cmdExec,
			doc: cmdDoc{"Executes all commands in a transaction.", "1.2.0", "transactions", ""}},
		{name: "discard", arity: 1, flags: f, fn: cmdDiscard,
			doc: cmdDoc{"Discards a transaction.", "2.0.0", "transactions", ""}},
		{name: "watch", arity: -2, flags: f, fn: cmdWatch, first: 1, last: -1, step: 1,
			doc: cmdDoc{"Monitors changes to keys to determine the execution of a transaction.", "2.2.0", "transactions", "key [key ...]"}},
		{name: "unwatch", arity: 1, flags: f, fn: cmdUnwatch,
			doc: cmdDoc{"Forgets about watched keys of a transaction.", "2.2.0", "transactions", ""}},
	}
}

// inMulti reports whether the connection is between MULTI and EXEC.
func (c *conn) inMulti() bool { return c.multi != nil && c.multi.active }

// runsInMulti: the commands that run at once inside MULTI (Redis's list,
// every other one is queued.
func runsInMulti(cmd *command) bool {
	switch cmd.name {
	case "exec", "discard", "multi", "watch", "quit", "reset":
		return true
	}
	return false
}

// flagTransaction marks the transaction failed after a command was refused
// at queue time (unknown, wrong arity, NOAUTH, not allowed).
func (c *conn) flagTransaction() {
	if c.inMulti() {
		c.multi.failed = true
	}
}

// execAbort answers an EXEC refused before it ran (its arity), as Redis
// does, in MULTI or not: the transaction (if any) is discarded.
func (c *conn) execAbort(reason string) {
	c.multi = nil
	c.out = redcon.AppendError(c.out, "EXECABORT Transaction discarded because of: "+reason)
}

// enqueue queues a command inside MULTI.
func (c *conn) enqueue(cmd *command, args [][]byte) {
	if notInMulti[cmd.name] {
		c.multi.failed = true
		c.writeError(errNotInMulti)
		return
	}
	n := 0
	for _, a := range args {
		n += len(a)
	}
	buf := make([]byte, 0, n)
	cp := make([][]byte, len(args))
	for i, a := range args {
		buf = append(buf, a...)
		cp[i] = buf[len(buf)-len(a) : len(buf) : len(buf)]
	}
	c.multi.queue = append(c.multi.queue, queued{cmd, cp})
	c.status("QUEUED")
}

func cmdMulti(c *conn, args [][]byte) error {
	if c.inMulti() {
		return errMultiNested
	}
	if c.multi == nil {
		c.multi = &multiState{}
	}
	c.multi.active = true
	c.ok()
	return nil
}

func cmdDiscard(c *conn, args [][]byte) error {
	if !c.inMulti() {
		return errDiscardNoMulti
	}
	c.multi = nil // unwatches too
	c.ok()
	return nil
}

func cmdUnwatch(c *conn, args [][]byte) error {
	if c.multi != nil {
		c.multi.watched = nil
		if !c.multi.active {
			c.multi = nil
		}
	}
	c.ok()
	return nil
}

func cmdWatch(c *conn, args [][]byte) error {
	if c.inMulti() {
		return errWatchInMulti
	}
	t, err := c.s.readTable()
	if err != nil {
		return err
	}
	if c.multi == nil {
		c.multi = &multiState{}
	}
	now := nowMs()
	for _, k := range args[1:] {
		sk := c.storeKey(k)
		if slices.ContainsFunc(c.multi.watched, func(w watchedKey) bool { return w.key == string(sk) }) {
			continue
		}
		w := watchedKey{key: string(sk)}
		if t != nil {
			st := c.s.locks.rlock(sk)
			e, _ := t.Get(sk)
			c.s.locks.runlock(st)
			w.enc = e.Encoded()
			w.live = e.Exists() && !viewOf(w.enc).expiredAt(now)
		}
		c.multi.watched = append(c.multi.watched, w)
	}
	c.ok()
	return nil
}

// changed reports whether e is not the version of w (see the design).
func (w *watchedKey) changed(e shard.Entry, now int64) bool {
	live := e.Exists() && !viewOf(e.Encoded()).expiredAt(now)
	if live != w.live {
		return true
	}
	if !live {
		return false
	}
	enc := e.Encoded()
	return len(enc) != len(w.enc) || &enc[0] != &w.enc[0]
}

// keysOf appends the key arguments of a command (COMMAND's key positions).
func keysOf(dst [][]byte, cmd *command, args [][]byte) [][]byte {
	if cmd.first <= 0 || cmd.first >= len(args) {
		return dst
	}
	last := cmd.last
	if last < 0 {
		last += len(args)
	}
	last = min(last, len(args)-1)
	step := max(cmd.step, 1)
	for i := cmd.first; i <= last; i += step {
		dst = append(dst, args[i])
	}
	return dst
}

// txRun is the overlay an EXEC runs its queue against (see the design):
// the current entry of every key of the transaction.
type txRun struct {
	t     *shard.Table
	index map[string]int // store key -> position in refs
	refs  []shard.Ref
	cur   []shard.Entry
	dirty []bool
	// outside: a command reached a key outside the set (a bug): the
	// EXEC writes nothing and fails.
	outside bool
}

// pos returns the position of store key k in the transaction, or -1.
// Every key a queued command reaches is in it (keysOf); a miss would be a
// bug, which fails the EXEC (outside) rather than the server, since the
// shard locks are held.
func (x *txRun) pos(k shard.Key) int {
	i, ok := x.index[string(k)]
	if !ok {
		x.outside = true
		return -1
	}
	return i
}

func (x *txRun) get(k shard.Key) shard.Entry {
	if i := x.pos(k); i >= 0 {
		return x.cur[i]
	}
	return shard.Entry{}
}

// put applies w to the overlay entry of k.
func (x *txRun) put(k shard.Key, w shard.Write) {
	i := x.pos(k)
	if w.Skip || i < 0 {
		return
	}
	x.dirty[i] = true
	if w.Delete {
		x.cur[i] = shard.Entry{}
	} else {
		x.cur[i] = shard.DetachedEntry(w.Item)
	}
}

// writes returns the overlay's final entries as the writes of MutateAll.
func (x *txRun) writes() ([]shard.Write, error) {
	if x.outside {
		return nil, errTxOutside
	}
	ws := make([]shard.Write, len(x.refs))
	for i := range ws {
		switch {
		case !x.dirty[i]:
			ws[i].Skip = true
		case !x.cur[i].Exists():
			ws[i].Delete = true
		default:
			it, err := x.cur[i].Item()
			if err != nil {
				return nil, err
			}
			ws[i].Item = it
		}
	}
	return ws, nil
}

func cmdExec(c *conn, args [][]byte) error {
	if !c.inMulti() {
		return errExecWithoutMulti
	}
	m := c.multi
	c.multi = nil // EXEC ends the transaction and forgets the WATCHed keys
	if m.failed {
		return errExecAbort
	}
	return c.execQueue(m)
}

// execQueue runs a transaction's queue (see the design) and writes EXEC's
// reply.
func (c *conn) execQueue(m *multiState) error {
	c.execing = true
	defer func() { c.execing = false }()
	writes := false
	var names [][]byte
	for _, q := range m.queue {
		names = keysOf(names, q.cmd, q.args)
		writes = writes || q.cmd.flags&flagWrite != 0
	}
	x := &txRun{index: make(map[string]int)}
	var keys []shard.Key
	add := func(sk shard.Key) {
		if _, ok := x.index[string(sk)]; !ok {
			x.index[string(sk)] = len(keys)
			keys = append(keys, sk)
		}
	}
	for _, n := range names {
		sk, _ := appendKey(nil, n)
		add(sk)
	}
	for _, w := range m.watched {
		add(shard.Key(w.key))
	}
	var err error
	if writes {
		x.t, err = c.s.writeTable()
	} else {
		x.t, err = c.s.readTable()
	}
	if err != nil {
		return err
	}
	x.refs = make([]shard.Ref, len(keys))
	for i, k := range keys {
		x.refs[i] = shard.Ref{Table: x.t, Key: k}
	}
	x.cur = make([]shard.Entry, len(keys))
	x.dirty = make([]bool, len(keys))

	replies := make([][]byte, len(m.queue))
	base := len(c.out)
	ran := false
	run := func(olds []shard.Entry) ([]shard.Write, error) {
		copy(x.cur, olds)
		now := nowMs()
		for i := range m.watched {
			if m.watched[i].changed(olds[x.index[m.watched[i].key]], now) {
				return nil, errWatchChanged
			}
		}
		ran = true
		c.tx = x
		defer func() { c.tx = nil }()
		for i, q := range m.queue {
			if q.cmd.first > 0 {
				replies[i] = c.runQueued(q, base)
			}
		}
		return x.writes()
	}
	var wait func() error
	if x.t == nil {
		// No table (a read-only transaction): every key is absent.
		_, err = run(x.cur)
	} else {
		c.stripe = c.s.locks.lockAll(c.stripe, keys, true)
		_, _, wait, err = c.s.store.MutateAll(x.refs, run)
		c.s.locks.unlockAll(c.stripe, true)
	}
	if wait != nil {
		c.waits = append(c.waits, pendingWrite{wait: wait})
	}
	c.flushTxEvents(err == nil)
	if errors.Is(err, errWatchChanged) {
		c.nullArray()
		return nil
	}
	if err != nil {
		if ran { // the expiry index followed writes the log refused
			for i, d := range x.dirty {
				if d {
					c.s.reindex(x.t, keys[i])
				}
			}
		}
		return storeError(err)
	}
	for i, q := range m.queue {
		if q.cmd.first <= 0 {
			replies[i] = c.runQueued(q, base)
		}
	}
	c.array(len(replies))
	for _, r := range replies {
		c.out = append(c.out, r...)
	}
	return nil
}

// runQueued runs one queued command and returns its reply (taken off
// c.out, which it leaves at base).
func (c *conn) runQueued(q queued, base int) []byte {
	if err := q.cmd.fn(c, q.args); err != nil {
		c.writeError(err)
	}
	r := slices.Clone(c.out[base:])
	c.out = c.out[:base]
	return r
}

// writeKeys decides and applies, in one step, writes on distinct store keys
// of the RESP table t: decide gets every key's current entry (expired items
// included) and returns one write per key. Outside a transaction that is
// one shard.Store.MutateAll under the keys' stripes: atomic for every
// reader and across a crash (one log record), and the expiry index follows
// each write under its shard lock. Inside EXEC it applies to the overlay.
// An error from decide is returned as it is, and nothing is written.
func (c *conn) writeKeys(t *shard.Table, keys []shard.Key, decide func(olds []shard.Entry) ([]shard.Write, error)) error {
	track := func(olds []shard.Entry) ([]shard.Write, error) {
		ws, err := decide(olds)
		if err != nil {
			return nil, err
		}
		for i, w := range ws {
			c.s.expires.track(keys[i], expOfEntry(olds[i]), w)
		}
		c.noteOutcomes(olds, ws)
		return ws, nil
	}
	if c.tx != nil {
		olds := make([]shard.Entry, len(keys))
		for i, k := range keys {
			olds[i] = c.tx.get(k)
		}
		ws, err := track(olds)
		if err != nil {
			return err
		}
		for i, k := range keys {
			c.tx.put(k, ws[i])
		}
		return nil
	}
	refs := make([]shard.Ref, len(keys))
	for i, k := range keys {
		refs[i] = shard.Ref{Table: t, Key: k}
	}
	var derr error
	decided := false
	c.stripe = c.s.locks.lockAll(c.stripe, keys, true)
	_, _, wait, err := c.s.store.MutateAll(refs, func(olds []shard.Entry) ([]shard.Write, error) {
		ws, err := track(olds)
		derr, decided = err, err == nil
		return ws, err
	})
	c.s.locks.unlockAll(c.stripe, true)
	if wait != nil {
		c.waits = append(c.waits, pendingWrite{wait: wait})
	}
	switch {
	case err == nil:
		return nil
	case derr != nil:
		return derr
	case decided:
		for _, k := range keys {
			c.s.reindex(t, k)
		}
	}
	return storeError(err)
}

// readTable and writeTable are the server's, or, inside EXEC, the
// transaction's table (the store's table map must not be read under the
// shard locks EXEC holds: DeleteTable takes them under its own lock).
func (c *conn) readTable() (*shard.Table, error) {
	if c.tx != nil {
		return c.tx.t, nil
	}
	return c.s.readTable()
}

func (c *conn) writeTable() (*shard.Table, error) {
	if c.tx != nil {
		return c.tx.t, nil
	}
	return c.s.writeTable()
}

// getEntry reads store key k: from the overlay inside EXEC, else under
// k's stripe (read) lock.
func (c *conn) getEntry(t *shard.Table, k shard.Key) shard.Entry {
	if c.tx != nil {
		return c.tx.get(k)
	}
	st := c.s.locks.rlock(k)
	e, _ := t.Get(k)
	c.s.locks.runlock(st)
	return e
}
