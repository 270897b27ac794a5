package resp

import (
	"math"
	"math/big"
	"strings"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// String commands.

func stringCommands() []*command {
	w, r, f := flagWrite, flagReadonly, flagFast
	k1 := func(cmd *command) *command { cmd.first, cmd.last, cmd.step = 1, 1, 1; return cmd }
	return []*command{
		k1(&command{name: "get", arity: 2, flags: r | f, fn: cmdGet,
			doc: cmdDoc{"Returns the string value of a key.", "1.0.0", "string", "key"}}),
		k1(&command{name: "set", arity: -3, flags: w, fn: cmdSet,
			doc: cmdDoc{"Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", "1.0.0", "string",
				"key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]"}}),
		k1(&command{name: "setnx", arity: 3, flags: w | f, fn: cmdSetNX,
			doc: cmdDoc{"Set the string value of a key only when the key doesn't exist.", "1.0.0", "string", "key value"}}),
		k1(&command{name: "setex", arity: 4, flags: w, fn: cmdSetEX,
			doc: cmdDoc{"Sets the string value and expiration time of a key. Creates the key if it doesn't exist.", "2.0.0", "string", "key seconds value"}}),
		k1(&command{name: "psetex", arity: 4, flags: w, fn: cmdPSetEX,
			doc: cmdDoc{"Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.", "2.6.0", "string", "key milliseconds value"}}),
		k1(&command{name: "getset", arity: 3, flags: w | f, fn: cmdGetSet,
			doc: cmdDoc{"Returns the previous string value of a key after setting it to a new value.", "1.0.0", "string", "key value"}}),
		k1(&command{name: "getdel", arity: 2, flags: w | f, fn: cmdGetDel,
			doc: cmdDoc{"Returns the string value of a key after deleting the key.", "6.2.0", "string", "key"}}),
		k1(&command{name: "getex", arity: -2, flags: w | f, fn: cmdGetEx,
			doc: cmdDoc{"Returns the string value of a key after setting its expiration time.", "6.2.0", "string",
				"key [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|PERSIST]"}}),
		{name: "mget", arity: -2, flags: r | f, fn: cmdMGet, first: 1, last: -1, step: 1,
			doc: cmdDoc{"Atomically returns the string values of one or more keys.", "1.0.0", "string", "key [key ...]"}},
		{name: "mset", arity: -3, flags: w, fn: cmdMSet, first: 1, last: -1, step: 2,
			doc: cmdDoc{"Atomically creates or modifies the string values of one or more keys.", "1.0.1", "string", "key value [key value ...]"}},
		{name: "msetnx", arity: -3, flags: w, fn: cmdMSetNX, first: 1, last: -1, step: 2,
			doc: cmdDoc{"Atomically modifies the string values of one or more keys only when all keys don't exist.", "1.0.1", "string", "key value [key value ...]"}},
		k1(&command{name: "append", arity: 3, flags: w, fn: cmdAppend,
			doc: cmdDoc{"Appends a string to the value of a key. Creates the key if it doesn't exist.", "2.0.0", "string", "key value"}}),
		k1(&command{name: "strlen", arity: 2, flags: r | f, fn: cmdStrlen,
			doc: cmdDoc{"Returns the length of a string value.", "2.2.0", "string", "key"}}),
		k1(&command{name: "getrange", arity: 4, flags: r, fn: cmdGetRange,
			doc: cmdDoc{"Returns a substring of the string stored at a key.", "2.4.0", "string", "key start end"}}),
		k1(&command{name: "setrange", arity: 4, flags: w, fn: cmdSetRange,
			doc: cmdDoc{"Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.", "2.2.0", "string", "key offset value"}}),
		k1(&command{name: "incr", arity: 2, flags: w | f, fn: cmdIncr,
			doc: cmdDoc{"Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", "1.0.0", "string", "key"}}),
		k1(&command{name: "decr", arity: 2, flags: w | f, fn: cmdDecr,
			doc: cmdDoc{"Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", "1.0.0", "string", "key"}}),
		k1(&command{name: "incrby", arity: 3, flags: w | f, fn: cmdIncrBy,
			doc: cmdDoc{"Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.", "1.0.0", "string", "key increment"}}),
		k1(&command{name: "decrby", arity: 3, flags: w | f, fn: cmdDecrBy,
			doc: cmdDoc{"Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.", "1.0.0", "string", "key decrement"}}),
		k1(&command{name: "incrbyfloat", arity: 3, flags: w | f, fn: cmdIncrByFloat,
			doc: cmdDoc{"Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.", "2.6.0", "string", "key float-increment"}}),
	}
}

// stringValue returns the readable bytes of a string view.
func stringValue(v *view) []byte { return valueText(v.valType, v.val) }

func cmdGet(c *conn, args [][]byte) error {
	v, err := c.lookupKey(args[1])
	switch {
	case err != nil:
		return err
	case v.kind == kindNone:
		c.null()
	case v.kind != kindString:
		return errWrongType
	default:
		c.bulk(stringValue(&v))
	}
	return nil
}

// SET's options.
const (
	setNX = 1 << iota
	setXX
	setGet
	setKeepTTL
	setPersist
	setEX
	setPX
	setEXAT
	setPXAT
)

const setExpireFlags = setEX | setPX | setEXAT | setPXAT

// parseSetOptions parses SET's (getex: GETEX's) options as Redis's
// parseExtendedStringArgumentsOrReply does, and returns the flags and the
// absolute expiry (noExpiry when none).
func parseSetOptions(args [][]byte, getex bool, cmd string) (int, int64, error) {
	flags := 0
	var expArg []byte
	for j := 0; j < len(args); j++ {
		opt := strings.ToLower(bstr(args[j]))
		hasNext := j+1 < len(args)
		switch {
		case opt == "nx" && flags&setXX == 0 && !getex:
			flags |= setNX
		case opt == "xx" && flags&setNX == 0 && !getex:
			flags |= setXX
		case opt == "get" && !getex:
			flags |= setGet
		case opt == "keepttl" && flags&(setPersist|setExpireFlags) == 0 && !getex:
			flags |= setKeepTTL
		case opt == "persist" && getex && flags&(setExpireFlags|setKeepTTL) == 0:
			flags |= setPersist
		case opt == "ex" && flags&(setKeepTTL|setPersist|setExpireFlags&^setEX) == 0 && hasNext:
			flags |= setEX
			expArg = args[j+1]
			j++
		case opt == "px" && flags&(setKeepTTL|setPersist|setExpireFlags&^setPX) == 0 && hasNext:
			flags |= setPX
			expArg = args[j+1]
			j++
		case opt == "exat" && flags&(setKeepTTL|setPersist|setExpireFlags&^setEXAT) == 0 && hasNext:
			flags |= setEXAT
			expArg = args[j+1]
			j++
		case opt == "pxat" && flags&(setKeepTTL|setPersist|setExpireFlags&^setPXAT) == 0 && hasNext:
			flags |= setPXAT
			expArg = args[j+1]
			j++
		default:
			return 0, 0, errSyntax
		}
	}
	if expArg == nil {
		return flags, noExpiry, nil
	}
	n, ok := parseInt64(expArg)
	if !ok {
		return 0, 0, errNotInteger
	}
	seconds := flags&(setEX|setEXAT) != 0
	if n <= 0 || (seconds && n > math.MaxInt64/1000) {
		return 0, 0, errInvalidExpire(cmd)
	}
	if seconds {
		n *= 1000
	}
	if flags&(setEX|setPX) != 0 {
		if n > math.MaxInt64-nowMs() {
			return 0, 0, errInvalidExpire(cmd)
		}
		n += nowMs()
	}
	return flags, n, nil
}

// The SET family: c.args[2] (or the value argument) is the value; c.flags
// and c.exp the options.
type setParams struct {
	value []byte
	flags int
	exp   int64
}

func (c *conn) set(key []byte, p setParams) error {
	c.setp = p
	return c.mutate(key, decideSet)
}

func decideSet(c *conn, v *view, old shard.Entry) (shard.Write, error) {
	p := &c.setp
	if p.flags&setGet != 0 {
		if v.kind == kindHash {
			c.res.err = errWrongType
			return shard.Write{Skip: true}, nil
		}
		c.res.null = v.kind == kindNone
		c.res.val = stringValue(v)
	}
	if (p.flags&setNX != 0 && v.kind != kindNone) || (p.flags&setXX != 0 && v.kind == kindNone) {
		return shard.Write{Skip: true}, nil
	}
	exp := p.exp
	if p.flags&setKeepTTL != 0 {
		exp = v.exp
	}
	c.res.ok = true
	return shard.Write{Item: c.stringItem(textValue(p.value), exp)}, nil
}

func cmdSet(c *conn, args [][]byte) error {
	flags, exp, err := parseSetOptions(args[3:], false, "set")
	if err != nil {
		return err
	}
	if err := c.set(args[1], setParams{args[2], flags, exp}); err != nil {
		return err
	}
	c.notifySet(args[1], exp)
	switch {
	case flags&setGet != 0:
		c.bulkOrNull(c.res.null, c.res.val)
	case c.res.ok:
		c.ok()
	default:
		c.null()
	}
	return nil
}

func (c *conn) bulkOrNull(null bool, b []byte) {
	if null {
		c.null()
	} else {
		c.bulk(b)
	}
}

func cmdSetNX(c *conn, args [][]byte) error {
	if err := c.set(args[1], setParams{args[2], setNX, noExpiry}); err != nil {
		return err
	}
	c.notifySet(args[1], noExpiry)
	c.int(boolInt(c.res.ok))
	return nil
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func setexCommon(c *conn, args [][]byte, ms bool, cmd string) error {
	n, ok := parseInt64(args[2])
	if !ok {
		return errNotInteger
	}
	if n <= 0 || (!ms && n > math.MaxInt64/1000) {
		return errInvalidExpire(cmd)
	}
	if !ms {
		n *= 1000
	}
	now := nowMs()
	if n > math.MaxInt64-now {
		return errInvalidExpire(cmd)
	}
	if err := c.set(args[1], setParams{args[3], 0, now + n}); err != nil {
		return err
	}
	c.notifySet(args[1], now+n)
	c.ok()
	return nil
}

func cmdSetEX(c *conn, args [][]byte) error  { return setexCommon(c, args, false, "setex") }
func cmdPSetEX(c *conn, args [][]byte) error { return setexCommon(c, args, true, "psetex") }

func cmdGetSet(c *conn, args [][]byte) error {
	if err := c.set(args[1], setParams{args[2], setGet, noExpiry}); err != nil {
		return err
	}
	c.notifySet(args[1], noExpiry)
	c.bulkOrNull(c.res.null, c.res.val)
	return nil
}

func decideGetDel(c *conn, v *view, old shard.Entry) (shard.Write, error) {
	switch v.kind {
	case kindNone:
		c.res.null = true
		return shard.Write{Skip: true}, nil
	case kindHash:
		c.res.err = errWrongType
		return shard.Write{Skip: true}, nil
	}
	c.res.val = stringValue(v)
	return shard.Write{Delete: true}, nil
}

func cmdGetDel(c *conn, args [][]byte) error {
	if err := c.mutate(args[1], decideGetDel); err != nil {
		return err
	}
	c.notifyWrite(args[1], notifyGeneric, "del")
	c.bulkOrNull(c.res.null, c.res.val)
	return nil
}

func decideGetEx(c *conn, v *view, old shard.Entry) (shard.Write, error) {
	switch v.kind {
	case kindNone:
		c.res.null = true
		return shard.Write{Skip: true}, nil
	case kindHash:
		c.res.err = errWrongType
		return shard.Write{Skip: true}, nil
	}
	c.res.val = stringValue(v)
	p := &c.setp
	if p.flags&setPersist != 0 {
		if v.exp == noExpiry {
			return shard.Write{Skip: true}, nil
		}
		return shard.Write{Item: c.withExp(old, noExpiry)}, nil
	}
	if p.exp <= c.now {
		return shard.Write{Delete: true}, nil
	}
	return shard.Write{Item: c.withExp(old, p.exp)}, nil
}

// withExp returns the image of old (any kind) with expiry exp.
func (c *conn) withExp(old shard.Entry, exp int64) attr.Item {
	it := c.item
	if err := fillItem(it, old.Encoded()); err != nil {
		c.res.err = storeError(err)
	}
	if exp == noExpiry {
		delete(it, attrExp)
	} else {
		n := len(c.tmp)
		c.tmp = appendExp(c.tmp, exp)
		it[attrExp] = attr.Value{Type: attr.N, Str: bstr(c.tmp[n:])}
	}
	return it
}

func cmdGetEx(c *conn, args [][]byte) error {
	flags, exp, err := parseSetOptions(args[2:], true, "getex")
	if err != nil {
		return err
	}
	if flags == 0 {
		return cmdGet(c, args[:2])
	}
	c.setp = setParams{flags: flags, exp: exp}
	c.tmp = c.tmp[:0]
	if err := c.mutate(args[1], decideGetEx); err != nil {
		return err
	}
	switch {
	case c.wr.deleted:
		c.notifyWrite(args[1], notifyGeneric, "del")
	case flags&setPersist != 0:
		c.notifyWrite(args[1], notifyGeneric, "persist")
	default:
		c.notifyWrite(args[1], notifyGeneric, "expire")
	}
	c.bulkOrNull(c.res.null, c.res.val)
	return nil
}

// MGET reads its keys as one serializable state (shard.Store.GetMany):
// it sees all of an MSET, a RENAME or an EXEC, or none of it.
func cmdMGet(c *conn, args [][]byte) error {
	t, err := c.readTable()
	if err != nil {
		return err
	}
	keys := c.storeKeys(args[1:], 1)
	var entries []shard.Entry
	switch {
	case t == nil:
		entries = make([]shard.Entry, len(keys))
	case c.tx != nil:
		entries = make([]shard.Entry, len(keys))
		for i, k := range keys {
			entries[i] = c.tx.get(k)
		}
	default:
		c.refs = c.refs[:0]
		for _, k := range keys {
			c.refs = append(c.refs, shard.Ref{Table: t, Key: k})
		}
		entries = c.s.store.GetMany(c.refs)
		clear(c.refs)
	}
	now := nowMs()
	c.array(len(keys))
	for i, e := range entries {
		if !e.Exists() {
			c.keyMiss(args[1+i])
			c.null()
			continue
		}
		v := viewOf(e.Encoded())
		if v.expiredAt(now) {
			c.keyMiss(args[1+i])
		}
		if v.kind != kindString || v.expiredAt(now) {
			c.null()
			continue
		}
		c.bulk(stringValue(&v))
	}
	return nil
}

// msetArgs checks MSET's pairs.
func msetArgs(args [][]byte, name string) error {
	if len(args)%2 == 0 {
		return respErr(wrongArity(name))
	}
	return nil
}

// msetnxWrites decides MSETNX over the current images of keys: every key
// set to its value when none of them exists, else nothing; *wrote says
// which. Standalone and in accelerator mode alike.
func (c *conn) msetnxWrites(keys []shard.Key, vals [][]byte, wrote *bool) func(olds []shard.Entry) ([]shard.Write, error) {
	return func(olds []shard.Entry) ([]shard.Write, error) {
		now := nowMs()
		*wrote = false
		ws := make([]shard.Write, len(keys))
		for _, old := range olds {
			if old.Exists() && !viewOf(old.Encoded()).expiredAt(now) {
				for i := range ws {
					ws[i].Skip = true
				}
				return ws, nil
			}
		}
		*wrote = true
		return c.stringImages(keys, vals), nil
	}
}

// msetKeys returns MSET's distinct store keys and their values (a key
// given twice takes its last value, as in Redis).
func (c *conn) msetKeys(args [][]byte) ([]shard.Key, [][]byte, error) {
	keys := c.storeKeys(args[1:], 2)
	vals := msetValues(args)
	if err := checkSizes(keys, vals); err != nil {
		return nil, nil, err
	}
	idx := lastOccurrences(keys)
	if len(idx) == len(keys) {
		return keys, vals, nil
	}
	ks := make([]shard.Key, len(idx))
	vs := make([][]byte, len(idx))
	for j, i := range idx {
		ks[j], vs[j] = keys[i], vals[i]
	}
	return ks, vs, nil
}

// stringImages returns the writes of string values vals under keys (no
// expiry), in c.writes and c.images (valid until the next call: the store
// encodes them before MutateAll returns, and the overlay of EXEC at once).
func (c *conn) stringImages(keys []shard.Key, vals [][]byte) []shard.Write {
	c.writes = c.writes[:0]
	for i, k := range keys {
		if i == len(c.images) {
			c.images = append(c.images, make(attr.Item, 2))
		}
		it := c.images[i]
		clear(it)
		it[attrKey] = attr.Value{Type: attr.S, Str: bstr(k.Partition())}
		it[attrVal] = textValue(vals[i])
		c.writes = append(c.writes, shard.Write{Item: it})
	}
	return c.writes
}

// releaseImages drops what c.images refer to (the request's bytes), and
// the images themselves after a large MSET.
func (c *conn) releaseImages() {
	for _, it := range c.images {
		clear(it)
	}
	clear(c.writes)
	if len(c.images) > 256 {
		c.images, c.writes = nil, nil
	}
}

// MSET and MSETNX are one shard.Store.MutateAll (writeKeys): every reader
// (RESP or the DynamoDB API) sees all of the keys written or none, and a
// crash recovers all of them or none (one log record).
func cmdMSet(c *conn, args [][]byte) error {
	if err := msetArgs(args, "mset"); err != nil {
		return err
	}
	t, err := c.msetTable()
	if err != nil {
		return err
	}
	keys, vals, err := c.msetKeys(args)
	if err != nil {
		return err
	}
	err = c.writeMSet(t, "mset", true, keys, func([]shard.Entry) ([]shard.Write, error) {
		return c.stringImages(keys, vals), nil
	})
	c.releaseImages()
	if err != nil {
		return err
	}
	c.notifyMSet(args, keys)
	c.ok()
	return nil
}

// msetTable returns the table MSET and MSETNX write to: the RESP table,
// or nil in accelerator mode (writeMSet).
func (c *conn) msetTable() (*shard.Table, error) {
	if c.s.remote != nil {
		return nil, nil
	}
	return c.writeTable()
}

// writeMSet writes keys with decide: to t, or in accelerator mode as one
// TransactWriteItems (blind: MSET, which reads nothing first).
func (c *conn) writeMSet(t *shard.Table, name string, blind bool, keys []shard.Key, decide func([]shard.Entry) ([]shard.Write, error)) error {
	if c.s.remote != nil {
		return c.remoteWriteKeys(name, keys, blind, decide)
	}
	return c.writeKeys(t, keys, decide)
}

// msetValues returns the values of MSET's pairs.
func msetValues(args [][]byte) [][]byte {
	vals := make([][]byte, 0, len(args)/2)
	for i := 2; i < len(args); i += 2 {
		vals = append(vals, args[i])
	}
	return vals
}

// MSETNX decides under the locks of all its keys: it writes every key if
// none is live, else none.
func cmdMSetNX(c *conn, args [][]byte) error {
	if err := msetArgs(args, "msetnx"); err != nil {
		return err
	}
	t, err := c.msetTable()
	if err != nil {
		return err
	}
	keys, vals, err := c.msetKeys(args)
	if err != nil {
		return err
	}
	wrote := false
	err = c.writeMSet(t, "msetnx", false, keys, c.msetnxWrites(keys, vals, &wrote))
	c.releaseImages()
	if err != nil {
		return err
	}
	c.notifyMSet(args, keys)
	c.int(boolInt(wrote))
	return nil
}

// stringOf returns a string view's value, or an error for a hash.
func stringOf(c *conn, v *view) ([]byte, bool) {
	if v.kind == kindHash {
		c.res.err = errWrongType
		return nil, false
	}
	return stringValue(v), true
}

func decideAppend(c *conn, v *view, old shard.Entry) (shard.Write, error) {
	cur, ok := stringOf(c, v)
	if !ok {
		return shard.Write{Skip: true}, nil
	}
	if int64(len(cur)+len(c.setp.value)) > c.s.opts.ProtoMaxBulkLen {
		c.res.err = errStringTooBig
		return shard.Write{Skip: true}, nil
	}
	c.tmp = append(append(c.tmp[:0], cur...), c.setp.value...)
	n := len(c.tmp)
	c.res.n = int64(n)
	return shard.Write{Item: c.stringItem(textValue(c.tmp[:n:n]), v.exp)}, nil
}

func cmdAppend(c *conn, args [][]byte) error {
	c.setp = setParams{value: args[2]}
	if err := c.mutate(args[1], decideAppend); err != nil {
		return err
	}
	c.notifyWrite(args[1], notifyString, "append")
	c.int(c.res.n)
	return nil
}

func cmdStrlen(c *conn, args [][]byte) error {
	v, err := c.lookupKey(args[1])
	switch {
	case err != nil:
		return err
	case v.kind == kindNone:
		c.int(0)
	case v.kind != kindString:
		return errWrongType
	default:
		c.int(int64(len(stringValue(&v))))
	}
	return nil
}

func cmdGetRange(c *conn, args [][]byte) error {
	start, ok1 := parseInt64(args[2])
	end, ok2 := parseInt64(args[3])
	if !ok1 || !ok2 {
		return errNotInteger
	}
	v, err := c.lookupKey(args[1])
	switch {
	case err != nil:
		return err
	case v.kind == kindNone:
		c.bulk(nil)
		return nil
	case v.kind != kindString:
		return errWrongType
	}
	s := stringValue(&v)
	n := int64(len(s))
	if start < 0 && end < 0 && start > end {
		c.bulk(nil)
		return nil
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	if start < 0 {
		start = 0
	}
	if end < 0 {
		end = 0
	}
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		c.bulk(nil)
		return nil
	}
	c.bulk(s[start : end+1])
	return nil
}

func decideSetRange(c *conn, v *view, old shard.Entry) (shard.Write, error) {
	cur, ok := stringOf(c, v)
	if !ok {
		return shard.Write{Skip: true}, nil
	}
	off, val := c.setp.exp, c.setp.value
	if v.kind == kindNone && len(val) == 0 {
		return shard.Write{Skip: true}, nil
	}
	if len(val) == 0 {
		c.res.n = int64(len(cur))
		return shard.Write{Skip: true}, nil
	}
	if off+int64(len(val)) > c.s.opts.ProtoMaxBulkLen {
		c.res.err = errStringTooBig
		return shard.Write{Skip: true}, nil
	}
	size := max(int(off)+len(val), len(cur))
	c.tmp = append(c.tmp[:0], cur...)
	for len(c.tmp) < size {
		c.tmp = append(c.tmp, 0)
	}
	copy(c.tmp[off:], val)
	c.res.n = int64(size)
	return shard.Write{Item: c.stringItem(textValue(c.tmp[:size:size]), v.exp)}, nil
}

func cmdSetRange(c *conn, args [][]byte) error {
	off, ok := parseInt64(args[2])
	if !ok {
		return errNotInteger
	}
	if off < 0 {
		return errOffset
	}
	c.setp = setParams{value: args[3], exp: off}
	if err := c.mutate(args[1], decideSetRange); err != nil {
		return err
	}
	c.notifyWrite(args[1], notifyString, "setrange")
	c.int(c.res.n)
	return nil
}

// decideIncr adds c.setp.exp (the increment) to an integer value and stores
// the result as N.
func decideIncr(c *conn, v *view, old shard.Entry) (shard.Write, error) {
	cur, ok := stringOf(c, v)
	if !ok {
		return shard.Write{Skip: true}, nil
	}
	var n int64
	if v.kind == kindString {
		if n, ok = parseInt64(cur); !ok {
			c.res.err = errNotInteger
			return shard.Write{Skip: true}, nil
		}
	}
	incr := c.setp.exp
	if (incr < 0 && n < 0 && incr < math.MinInt64-n) || (incr > 0 && n > 0 && incr > math.MaxInt64-n) {
		c.res.err = errOverflow
		return shard.Write{Skip: true}, nil
	}
	n += incr
	c.res.n = n
	c.tmp = appendInt(c.tmp[:0], n)
	end := len(c.tmp)
	return shard.Write{Item: c.stringItem(attr.Value{Type: attr.N, Str: bstr(c.tmp[:end:end])}, v.exp)}, nil
}

func (c *conn) incr(key []byte, by int64) error {
	c.setp = setParams{exp: by}
	if err := c.mutate(key, decideIncr); err != nil {
		return err
	}
	c.notifyWrite(key, notifyString, "incrby")
	c.int(c.res.n)
	return nil
}

func cmdIncr(c *conn, args [][]byte) error { return c.incr(args[1], 1) }
func cmdDecr(c *conn, args [][]byte) error { return c.incr(args[1], -1) }

func cmdIncrBy(c *conn, args [][]byte) error {
	n, ok := parseInt64(args[2])
	if !ok {
		return errNotInteger
	}
	return c.incr(args[1], n)
}

func cmdDecrBy(c *conn, args [][]byte) error {
	n, ok := parseInt64(args[2])
	if !ok {
		return errNotInteger
	}
	if n == math.MinInt64 {
		return errDecrOverflow
	}
	return c.incr(args[1], -n)
}

// floatValue returns the attribute value of a float result: N when the
// text is a canonical DynamoDB number, S otherwise.
func floatValue(text []byte) attr.Value {
	if canon, err := attr.CanonicalNumber(bstr(text)); err == nil && canon == bstr(text) {
		return attr.Value{Type: attr.N, Str: bstr(text)}
	}
	return textValue(text)
}

// sumFloat adds x (nil: 0) and incr and leaves the result text in c.tmp.
func (c *conn) sumFloat(x, incr *big.Rat) ([]byte, error) {
	sum := new(big.Rat).Set(incr)
	if x != nil {
		sum.Add(sum, x)
	}
	if floatTooBig(sum) {
		return nil, errNaN
	}
	c.tmp = formatFloat(c.tmp[:0], sum)
	end := len(c.tmp)
	return c.tmp[:end:end], nil
}

func decideIncrByFloat(c *conn, v *view, old shard.Entry) (shard.Write, error) {
	cur, ok := stringOf(c, v)
	if !ok {
		return shard.Write{Skip: true}, nil
	}
	if v.kind == kindNone {
		cur = nil
	}
	var x *big.Rat
	if cur != nil {
		var err error
		if x, err = parseFloat(cur); err != nil && err != errInfinite {
			c.res.err = errNotFloat
			return shard.Write{Skip: true}, nil
		}
	}
	incr, err := parseFloat(c.setp.value)
	if err == errInfinite || (x == nil && cur != nil) {
		c.res.err = errNaN // inf plus anything, as long double
		return shard.Write{Skip: true}, nil
	}
	if err != nil {
		c.res.err = errNotFloat
		return shard.Write{Skip: true}, nil
	}
	text, err := c.sumFloat(x, incr)
	if err != nil {
		c.res.err = err
		return shard.Write{Skip: true}, nil
	}
	c.res.val = text
	return shard.Write{Item: c.stringItem(floatValue(text), v.exp)}, nil
}

// cmdIncrByFloat checks, as Redis, the key's type, then its value, then
// the increment.
func cmdIncrByFloat(c *conn, args [][]byte) error {
	c.setp = setParams{value: args[2]}
	if err := c.mutate(args[1], decideIncrByFloat); err != nil {
		return err
	}
	c.notifyWrite(args[1], notifyString, "incrbyfloat")
	c.bulk(c.res.val)
	return nil
}

// appendInt appends n in decimal.
func appendInt(dst []byte, n int64) []byte {
	if n >= 0 && n < 10 {
		return append(dst, byte('0'+n))
	}
	var b [20]byte
	i := len(b)
	u := uint64(n)
	if n < 0 {
		u = uint64(-n)
	}
	for u > 0 {
		i--
		b[i] = byte('0' + u%10)
		u /= 10
	}
	if n < 0 {
		dst = append(dst, '-')
	}
	return append(dst, b[i:]...)
}
