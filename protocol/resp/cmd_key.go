package resp

import (
	"math"
	"strconv"
	"strings"

	"github.com/tidwall/redcon"

	"github.com/dynacache/dynacache/shard"
)

// Key commands.

func keyCommands() []*command {
	w, r, f := flagWrite, flagReadonly, flagFast
	k1 := func(cmd *command) *command { cmd.first, cmd.last, cmd.step = 1, 1, 1; return cmd }
	expireDoc := func(name, summary, since, arg string) *command {
		return k1(&command{name: name, arity: -3, flags: w | f, fn: expireCommand(name),
			doc: cmdDoc{summary, since, "generic", "key " + arg + " [NX|XX|GT|LT]"}})
	}
	return []*command{
		{name: "del", arity: -2, flags: w, fn: cmdDel, first: 1, last: -1, step: 1,
			doc: cmdDoc{"Deletes one or more keys.", "1.0.0", "generic", "key [key ...]"}},
		{name: "unlink", arity: -2, flags: w | f, fn: cmdDel, first: 1, last: -1, step: 1,
			doc: cmdDoc{"Deletes one or more keys.", "4.0.0", "generic", "key [key ...]"}},
		{name: "exists", arity: -2, flags: r | f, fn: cmdExists, first: 1, last: -1, step: 1,
			doc: cmdDoc{"Determines whether one or more keys exist.", "1.0.0", "generic", "key [key ...]"}},
		k1(&command{name: "type", arity: 2, flags: r | f, fn: cmdType,
			doc: cmdDoc{"Determines the type of value stored at a key.", "1.0.0", "generic", "key"}}),
		{name: "keys", arity: 2, flags: r, fn: cmdKeys,
			doc: cmdDoc{"Returns all key names that match a pattern.", "1.0.0", "generic", "pattern"}},
		{name: "scan", arity: -2, flags: r, fn: cmdScan,
			doc: cmdDoc{"Iterates over the key names in the database.", "2.8.0", "generic", "cursor [MATCH pattern] [COUNT count] [TYPE type]"}},
		{name: "rename", arity: 3, flags: w, fn: cmdRename, first: 1, last: 2, step: 1,
			doc: cmdDoc{"Renames a key and overwrites the destination.", "1.0.0", "generic", "key newkey"}},
		{name: "renamenx", arity: 3, flags: w | f, fn: cmdRenameNX, first: 1, last: 2, step: 1,
			doc: cmdDoc{"Renames a key only when the target key name doesn't exist.", "1.0.0", "generic", "key newkey"}},
		expireDoc("expire", "Sets the expiration time of a key in seconds.", "1.0.0", "seconds"),
		expireDoc("pexpire", "Sets the expiration time of a key in milliseconds.", "2.6.0", "milliseconds"),
		expireDoc("expireat", "Sets the expiration time of a key to a Unix timestamp.", "1.2.0", "unix-time-seconds"),
		expireDoc("pexpireat", "Sets the expiration time of a key to a Unix milliseconds timestamp.", "2.6.0", "unix-time-milliseconds"),
		k1(&command{name: "ttl", arity: 2, flags: r | f, fn: ttlCommand(false, false),
			doc: cmdDoc{"Returns the expiration time in seconds of a key.", "1.0.0", "generic", "key"}}),
		k1(&command{name: "pttl", arity: 2, flags: r | f, fn: ttlCommand(true, false),
			doc: cmdDoc{"Returns the expiration time in milliseconds of a key.", "2.6.0", "generic", "key"}}),
		k1(&command{name: "expiretime", arity: 2, flags: r | f, fn: ttlCommand(false, true),
			doc: cmdDoc{"Returns the expiration time of a key as a Unix timestamp.", "7.0.0", "generic", "key"}}),
		k1(&command{name: "pexpiretime", arity: 2, flags: r | f, fn: ttlCommand(true, true),
			doc: cmdDoc{"Returns the expiration time of a key as a Unix milliseconds timestamp.", "7.0.0", "generic", "key"}}),
		k1(&command{name: "persist", arity: 2, flags: w | f, fn: cmdPersist,
			doc: cmdDoc{"Removes the expiration time of a key.", "2.2.0", "generic", "key"}}),
	}
}

// deleteKeys deletes keys (holding their stripes) and returns how many
// existed. A key named twice counts once, as in Redis.
// It is one shard.Store.MutateAll (writeKeys): atomic for readers and
// across a crash; in accelerator mode one TransactWriteItems
// (remoteWriteKeys, whose errors name cmd).
func (c *conn) deleteKeys(cmd []byte, keys []shard.Key) (int64, error) {
	if idx := lastOccurrences(keys); len(idx) < len(keys) {
		ks := make([]shard.Key, len(idx))
		for j, i := range idx {
			ks[j] = keys[i]
		}
		keys = ks
	}
	var n int64
	decide := func(olds []shard.Entry) ([]shard.Write, error) {
		now := nowMs()
		n = 0
		ws := make([]shard.Write, len(olds))
		for i, old := range olds {
			if !old.Exists() {
				ws[i].Skip = true
				continue
			}
			if !viewOf(old.Encoded()).expiredAt(now) {
				n++
			}
			ws[i].Delete = true // expired items go too
		}
		return ws, nil
	}
	var err error
	if c.s.remote != nil {
		err = c.remoteWriteKeys(strings.ToLower(string(cmd)), keys, false, decide)
	} else {
		t, terr := c.readTable()
		if t == nil {
			return 0, terr
		}
		err = c.writeKeys(t, keys, decide)
	}
	if err != nil {
		return 0, err
	}
	return n, nil
}

func cmdDel(c *conn, args [][]byte) error {
	n, err := c.deleteKeys(args[0], c.storeKeys(args[1:], 1))
	if err != nil {
		return err
	}
	c.notifyDeletes(args[1:])
	c.int(n)
	return nil
}

func cmdExists(c *conn, args [][]byte) error {
	var n int64
	for _, k := range args[1:] {
		v, err := c.lookupKey(k)
		if err != nil {
			return err
		}
		if v.kind != kindNone {
			n++
		}
	}
	c.int(n)
	return nil
}

func cmdType(c *conn, args [][]byte) error {
	v, err := c.lookupKey(args[1])
	if err != nil {
		return err
	}
	c.status(v.kind.String())
	return nil
}

// eachKey calls fn with the Redis key and view of every live item.
func (c *conn) eachKey(fn func(key []byte, v *view)) error {
	t, err := c.s.readTable()
	if t == nil {
		return err
	}
	now := nowMs()
	var buf []byte
	return t.Dump(func(k shard.Key, e shard.Entry) error {
		v := viewOf(e.Encoded())
		if v.expiredAt(now) {
			return nil
		}
		buf = redisKeyOf(buf[:0], k)
		fn(buf, &v)
		return nil
	})
}

// SCAN. The cursor is stateless: the partition hash to resume from, in the
// store's own order (shard.Table.ScanHash), so a call costs O(COUNT) at any
// table size, nothing is kept between calls, any number of iterations may
// run at once, and Redis's guarantee holds across inserts, deletes and
// restarts: every key present for the whole iteration is returned (a key is
// returned twice only if deleted and added again meanwhile). A full
// iteration ends with cursor 0.

func cmdScan(c *conn, args [][]byte) error {
	cursor, ok := parseCursor(args[1])
	if !ok {
		return errInvalidCursor
	}
	count := int64(10)
	var match, typ []byte
	for i := 2; i < len(args); i++ {
		opt := strings.ToLower(string(args[i]))
		more := i+1 < len(args)
		switch {
		case opt == "count" && more:
			n, ok := parseInt64(args[i+1])
			if !ok {
				return errNotInteger
			}
			if n < 1 {
				return errSyntax
			}
			count = n
			i++
		case opt == "match" && more:
			match = args[i+1]
			i++
		case opt == "type" && more:
			typ = args[i+1]
			i++
		default:
			return errSyntax
		}
	}
	t, err := c.s.readTable()
	if err != nil {
		return err
	}
	now := nowMs()
	// The keys are encoded as they come, into one buffer (no key is
	// copied on its own), and the reply is written once they are counted.
	var body, key []byte
	n := 0
	next := uint64(0)
	if t != nil {
		limit := int(min(count, 1<<20))
		body = make([]byte, 0, min(limit, 4096)*24)
		next, _ = t.ScanHash(cursor, limit, func(k shard.Key, e shard.Entry) {
			v := viewOf(e.Encoded())
			if v.expiredAt(now) {
				return
			}
			if typ != nil && !strings.EqualFold(string(typ), v.kind.String()) {
				return
			}
			key = redisKeyOf(key[:0], k)
			if match != nil && !globMatch(match, key, false) {
				return
			}
			body = redcon.AppendBulk(body, key)
			n++
		})
	}
	c.array(2)
	c.tmp = strconv.AppendUint(c.tmp[:0], next, 10)
	c.bulk(c.tmp)
	c.array(n)
	c.out = append(c.out, body...)
	return nil
}

// parseCursor parses a SCAN cursor as Redis does (strtoul): decimal
// digits after an optional sign, a minus wrapping around (-1 is 2^64-1);
// no spaces, nothing after the digits, no overflow.
func parseCursor(b []byte) (uint64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil || b[0] == '+' || b[0] == '-' {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// renameImage fills c.item with src's image under the pk of dst.
func (c *conn) renameImage(src shard.Entry, dst shard.Key) error {
	if err := fillItem(c.item, src.Encoded()); err != nil {
		return storeError(err)
	}
	c.item[attrKey] = textValue(dst.Partition())
	return nil
}

// renameWrites decides RENAME (RENAMENX with nx) over the current images
// of keys (src, and dst unless same): src's deletion and dst's new image
// (in c.item), or nothing; *n is the reply. Standalone and in accelerator
// mode alike.
func (c *conn) renameWrites(keys []shard.Key, dst shard.Key, same, nx bool, n *int64) func(olds []shard.Entry) ([]shard.Write, error) {
	return func(olds []shard.Entry) ([]shard.Write, error) {
		now := nowMs()
		ws := make([]shard.Write, len(keys))
		for i := range ws {
			ws[i].Skip = true
		}
		se := olds[0]
		if !se.Exists() || viewOf(se.Encoded()).expiredAt(now) {
			return nil, errNoSuchKey
		}
		if same {
			*n = boolInt(!nx)
			return ws, nil
		}
		if de := olds[1]; nx && de.Exists() && !viewOf(de.Encoded()).expiredAt(now) {
			*n = 0
			return ws, nil
		}
		if err := c.renameImage(se, dst); err != nil {
			return nil, err
		}
		*n = 1
		ws[0] = shard.Write{Delete: true}
		ws[1] = shard.Write{Item: c.item}
		return ws, nil
	}
}

// rename moves src to dst (with its TTL) in one shard.Store.MutateAll
// (writeKeys): dst's new image and src's deletion are one log record, so
// neither a reader nor a crash sees one without the other.
func (c *conn) rename(args [][]byte, nx bool) (int64, error) {
	if c.s.remote != nil {
		return c.remoteRename(args, nx)
	}
	t, err := c.readTable()
	if err != nil {
		return 0, err
	}
	keys := c.storeKeys(args[1:3], 1)
	src, dst := keys[0], keys[1]
	if t == nil {
		return 0, errNoSuchKey
	}
	same := string(src) == string(dst)
	if same {
		keys = keys[:1]
	}
	var n int64
	err = c.writeKeys(t, keys, c.renameWrites(keys, dst, same, nx, &n))
	clear(c.item)
	if err != nil {
		return 0, err
	}
	return n, nil
}

func cmdRename(c *conn, args [][]byte) error {
	n, err := c.rename(args, false)
	if err != nil {
		return err
	}
	c.notifyRename(args, n)
	c.ok()
	return nil
}

func cmdRenameNX(c *conn, args [][]byte) error {
	n, err := c.rename(args, true)
	if err != nil {
		return err
	}
	c.notifyRename(args, n)
	c.int(n)
	return nil
}

// EXPIRE's conditions.
const (
	expNX = 1 << iota
	expXX
	expGT
	expLT
)

func expireCommand(name string) func(c *conn, args [][]byte) error {
	ms := name == "pexpire" || name == "pexpireat"
	abs := name == "expireat" || name == "pexpireat"
	return func(c *conn, args [][]byte) error {
		flags := 0
		for _, a := range args[3:] {
			switch strings.ToLower(string(a)) {
			case "nx":
				flags |= expNX
			case "xx":
				flags |= expXX
			case "gt":
				flags |= expGT
			case "lt":
				flags |= expLT
			default:
				return respErr(sanitize("ERR Unsupported option " + string(a)))
			}
		}
		if flags&expNX != 0 && flags&(expXX|expGT|expLT) != 0 {
			return errNXAndXX
		}
		if flags&expGT != 0 && flags&expLT != 0 {
			return errGTAndLT
		}
		when, ok := parseInt64(args[2])
		if !ok {
			return errNotInteger
		}
		if !ms {
			if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
				return errInvalidExpire(name)
			}
			when *= 1000
		}
		if !abs {
			now := nowMs()
			if when > math.MaxInt64-now {
				return errInvalidExpire(name)
			}
			when += now
		}
		c.setp = setParams{flags: flags, exp: when}
		if err := c.mutate(args[1], decideExpire); err != nil {
			return err
		}
		if c.wr.deleted {
			c.notifyWrite(args[1], notifyGeneric, "del")
		} else {
			c.notifyWrite(args[1], notifyGeneric, "expire")
		}
		c.int(c.res.n)
		return nil
	}
}

func decideExpire(c *conn, v *view, old shard.Entry) (shard.Write, error) {
	if v.kind == kindNone {
		return shard.Write{Skip: true}, nil
	}
	flags, when := c.setp.flags, c.setp.exp
	cur := v.exp
	switch {
	case flags&expNX != 0 && cur != noExpiry,
		flags&expXX != 0 && cur == noExpiry,
		flags&expGT != 0 && (cur == noExpiry || when <= cur),
		flags&expLT != 0 && cur != noExpiry && when >= cur:
		return shard.Write{Skip: true}, nil
	}
	c.res.n = 1
	if when <= c.now {
		return shard.Write{Delete: true}, nil
	}
	return shard.Write{Item: c.withExp(old, when)}, nil
}

func ttlCommand(ms, abs bool) func(c *conn, args [][]byte) error {
	return func(c *conn, args [][]byte) error {
		v, err := c.lookupKey(args[1])
		switch {
		case err != nil:
			return err
		case v.kind == kindNone:
			c.int(-2)
		case v.exp == noExpiry:
			c.int(-1)
		default:
			n := v.exp
			if !abs {
				n = max(v.exp-nowMs(), 0)
			}
			if !ms {
				n = (n + 500) / 1000
			}
			c.int(n)
		}
		return nil
	}
}

func decidePersist(c *conn, v *view, old shard.Entry) (shard.Write, error) {
	if v.kind == kindNone || v.exp == noExpiry {
		return shard.Write{Skip: true}, nil
	}
	c.res.n = 1
	return shard.Write{Item: c.withExp(old, noExpiry)}, nil
}

func cmdPersist(c *conn, args [][]byte) error {
	if err := c.mutate(args[1], decidePersist); err != nil {
		return err
	}
	c.notifyWrite(args[1], notifyGeneric, "persist")
	c.int(c.res.n)
	return nil
}
