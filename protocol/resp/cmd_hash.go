package resp

import (
	"bytes"
	"math"
	"math/big"
	"strings"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// Hash commands. A hash is an item without val; each field is an attribute
// (names escaped, see doc.go).

func hashCommands() []*command {
	w, r, f := flagWrite, flagReadonly, flagFast
	k1 := func(cmd *command) *command { cmd.first, cmd.last, cmd.step = 1, 1, 1; return cmd }
	return []*command{
		k1(&command{name: "hset", arity: -4, flags: w | f, fn: cmdHSet,
			doc: cmdDoc{"Creates or modifies the value of a field in a hash.", "2.0.0", "hash", "key field value [field value ...]"}}),
		k1(&command{name: "hmset", arity: -4, flags: w | f, fn: cmdHSet,
			doc: cmdDoc{"Sets the values of multiple fields.", "2.0.0", "hash", "key field value [field value ...]"}}),
		k1(&command{name: "hsetnx", arity: 4, flags: w | f, fn: cmdHSetNX,
			doc: cmdDoc{"Sets the value of a field in a hash only when the field doesn't exist.", "2.0.0", "hash", "key field value"}}),
		k1(&command{name: "hget", arity: 3, flags: r | f, fn: cmdHGet,
			doc: cmdDoc{"Returns the value of a field in a hash.", "2.0.0", "hash", "key field"}}),
		k1(&command{name: "hmget", arity: -3, flags: r | f, fn: cmdHMGet,
			doc: cmdDoc{"Returns the values of all fields in a hash.", "2.0.0", "hash", "key field [field ...]"}}),
		k1(&command{name: "hgetall", arity: 2, flags: r, fn: hashList(true, true),
			doc: cmdDoc{"Returns all fields and values in a hash.", "2.0.0", "hash", "key"}}),
		k1(&command{name: "hscan", arity: -3, flags: r, fn: cmdHScan,
			doc: cmdDoc{"Iterates over fields and values of a hash.", "2.8.0", "hash", "key cursor [MATCH pattern] [COUNT count]"}}),
		k1(&command{name: "hkeys", arity: 2, flags: r, fn: hashList(true, false),
			doc: cmdDoc{"Returns all fields in a hash.", "2.0.0", "hash", "key"}}),
		k1(&command{name: "hvals", arity: 2, flags: r, fn: hashList(false, true),
			doc: cmdDoc{"Returns all values in a hash.", "2.0.0", "hash", "key"}}),
		k1(&command{name: "hdel", arity: -3, flags: w | f, fn: cmdHDel,
			doc: cmdDoc{"Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.", "2.0.0", "hash", "key field [field ...]"}}),
		k1(&command{name: "hexists", arity: 3, flags: r | f, fn: cmdHExists,
			doc: cmdDoc{"Determines whether a field exists in a hash.", "2.0.0", "hash", "key field"}}),
		k1(&command{name: "hlen", arity: 2, flags: r | f, fn: cmdHLen,
			doc: cmdDoc{"Returns the number of fields in a hash.", "2.0.0", "hash", "key"}}),
		k1(&command{name: "hstrlen", arity: 3, flags: r | f, fn: cmdHStrlen,
			doc: cmdDoc{"Returns the length of the value of a field.", "3.2.0", "hash", "key field"}}),
		k1(&command{name: "hincrby", arity: 4, flags: w | f, fn: cmdHIncrBy,
			doc: cmdDoc{"Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.", "2.0.0", "hash", "key field increment"}}),
		k1(&command{name: "hincrbyfloat", arity: 4, flags: w | f, fn: cmdHIncrByFloat,
			doc: cmdDoc{"Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.", "2.6.0", "hash", "key field float-increment"}}),
	}
}

// isFieldAttr reports whether an attribute of a hash item is a field.
func isFieldAttr(name []byte) bool {
	return string(name) != attrKey && string(name) != attrExp
}

// hashField finds field (a Redis field name) in the encoded hash enc.
func (c *conn) hashField(enc, field []byte) (attr.Type, []byte, bool) {
	c.tmp = appendEscaped(c.tmp[:0], field, true)
	w := newWalker(enc)
	for {
		name, t, body, ok := w.next()
		if !ok {
			return 0, nil, false
		}
		if bytes.Equal(name, c.tmp) {
			return t, body, true
		}
	}
}

// lookupHash returns the encoded item of the hash at key, nil when there is
// none, or WRONGTYPE.
func (c *conn) lookupHash(key []byte) ([]byte, view, error) {
	if c.s.remote != nil {
		return c.remoteLookupHash(key)
	}
	t, err := c.readTable()
	if t == nil {
		if err == nil {
			c.keyMiss(key)
		}
		return nil, view{}, err
	}
	sk := c.storeKey(key)
	e := c.getEntry(t, sk)
	if !e.Exists() {
		c.keyMiss(key)
		return nil, view{}, nil
	}
	v := viewOf(e.Encoded())
	if v.expiredAt(nowMs()) {
		c.s.expires.note(sk, v.exp)
		c.keyMiss(key)
		return nil, view{}, nil
	}
	if v.kind != kindHash {
		return nil, v, errWrongType
	}
	return e.Encoded(), v, nil
}

func cmdHGet(c *conn, args [][]byte) error {
	enc, _, err := c.lookupHash(args[1])
	if err != nil {
		return err
	}
	if t, body, ok := c.hashField(enc, args[2]); ok {
		c.bulk(valueText(t, body))
	} else {
		c.null()
	}
	return nil
}

func cmdHMGet(c *conn, args [][]byte) error {
	enc, _, err := c.lookupHash(args[1])
	if err != nil {
		return err
	}
	c.array(len(args) - 2)
	for _, f := range args[2:] {
		if t, body, ok := c.hashField(enc, f); ok {
			c.bulk(valueText(t, body))
		} else {
			c.null()
		}
	}
	return nil
}

func cmdHExists(c *conn, args [][]byte) error {
	enc, _, err := c.lookupHash(args[1])
	if err != nil {
		return err
	}
	_, _, ok := c.hashField(enc, args[2])
	c.int(boolInt(ok))
	return nil
}

func cmdHStrlen(c *conn, args [][]byte) error {
	enc, _, err := c.lookupHash(args[1])
	if err != nil {
		return err
	}
	t, body, ok := c.hashField(enc, args[2])
	if !ok {
		c.int(0)
		return nil
	}
	c.int(int64(len(valueText(t, body))))
	return nil
}

func cmdHLen(c *conn, args [][]byte) error {
	enc, v, err := c.lookupHash(args[1])
	if err != nil {
		return err
	}
	if enc == nil {
		c.int(0)
	} else {
		c.int(int64(v.fields))
	}
	return nil
}

func hashList(names, values bool) func(c *conn, args [][]byte) error {
	return func(c *conn, args [][]byte) error {
		enc, v, err := c.lookupHash(args[1])
		if err != nil {
			return err
		}
		if enc == nil {
			c.array(0)
			return nil
		}
		n := v.fields
		if names && values {
			n *= 2
		}
		c.array(n)
		w := newWalker(enc)
		for {
			name, t, body, ok := w.next()
			if !ok {
				break
			}
			if !isFieldAttr(name) {
				continue
			}
			if names {
				c.tmp = appendUnescaped(c.tmp[:0], name)
				c.bulk(c.tmp)
			}
			if values {
				c.bulk(valueText(t, body))
			}
		}
		return nil
	}
}

// cmdHScan is HSCAN key cursor [MATCH pattern] [COUNT count]. A hash is
// one item of at most 400 KB, so the whole hash comes in one call with the
// cursor 0, as Redis answers for a hash in its compact (listpack)
// encoding, whatever the cursor and COUNT; MATCH filters field names.
func cmdHScan(c *conn, args [][]byte) error {
	if _, ok := parseCursor(args[2]); !ok {
		return errInvalidCursor
	}
	var match []byte
	for i := 3; i < len(args); i++ {
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
			i++
		case opt == "match" && more:
			match = args[i+1]
			i++
		default:
			return errSyntax
		}
	}
	enc, _, err := c.lookupHash(args[1])
	if err != nil {
		return err
	}
	type field struct{ name, value []byte }
	var fields []field
	if enc != nil {
		w := newWalker(enc)
		for {
			name, t, body, ok := w.next()
			if !ok {
				break
			}
			if !isFieldAttr(name) {
				continue
			}
			f := appendUnescaped(nil, name)
			if match != nil && !globMatch(match, f, false) {
				continue
			}
			fields = append(fields, field{f, append([]byte(nil), valueText(t, body)...)})
		}
	}
	c.array(2)
	c.bulkString("0")
	c.array(2 * len(fields))
	for _, f := range fields {
		c.bulk(f.name)
		c.bulk(f.value)
	}
	return nil
}

// hashImage fills c.item with the image of the hash v/old, or a new hash.
// It reports false (and sets WRONGTYPE) when the key holds a string.
func (c *conn) hashImage(v *view, old shard.Entry) bool {
	switch v.kind {
	case kindString:
		c.res.err = errWrongType
		return false
	case kindNone:
		clear(c.item)
		c.item[attrKey] = attr.Value{Type: attr.S, Str: bstr(c.sk.Partition())}
		return true
	}
	if err := fillItem(c.item, old.Encoded()); err != nil {
		c.res.err = storeError(err)
		return false
	}
	return true
}

// fieldName returns the attribute name of Redis field f, built in c.tmp.
func (c *conn) fieldName(f []byte) string {
	n := len(c.tmp)
	c.tmp = appendEscaped(c.tmp, f, true)
	return bstr(c.tmp[n:len(c.tmp):len(c.tmp)])
}

func decideHSet(c *conn, v *view, old shard.Entry) (shard.Write, error) {
	if !c.hashImage(v, old) {
		return shard.Write{Skip: true}, nil
	}
	nx := c.setp.flags&setNX != 0
	pairs := c.hargs
	for i := 0; i+1 < len(pairs); i += 2 {
		name := c.fieldName(pairs[i])
		if _, exists := c.item[name]; exists {
			if nx {
				return shard.Write{Skip: true}, nil
			}
		} else {
			c.res.n++
		}
		c.item[name] = textValue(pairs[i+1])
	}
	return shard.Write{Item: c.item}, nil
}

func cmdHSet(c *conn, args [][]byte) error {
	if len(args)%2 != 0 {
		return respErr(wrongArity(lowerName(args[0])))
	}
	c.hargs = args[2:]
	c.setp = setParams{}
	if err := c.mutate(args[1], decideHSet); err != nil {
		return err
	}
	c.notifyWrite(args[1], notifyHash, "hset")
	if len(args[0]) == 5 { // HMSET
		c.ok()
	} else {
		c.int(c.res.n)
	}
	return nil
}

func lowerName(b []byte) string {
	return string(bytes.ToLower(b))
}

func cmdHSetNX(c *conn, args [][]byte) error {
	c.hargs = args[2:]
	c.setp = setParams{flags: setNX}
	if err := c.mutate(args[1], decideHSet); err != nil {
		return err
	}
	c.notifyWrite(args[1], notifyHash, "hset")
	c.int(c.res.n)
	return nil
}

func decideHDel(c *conn, v *view, old shard.Entry) (shard.Write, error) {
	switch v.kind {
	case kindNone:
		return shard.Write{Skip: true}, nil
	case kindString:
		c.res.err = errWrongType
		return shard.Write{Skip: true}, nil
	}
	if !c.hashImage(v, old) {
		return shard.Write{Skip: true}, nil
	}
	for _, f := range c.hargs {
		name := c.fieldName(f)
		if _, ok := c.item[name]; ok {
			delete(c.item, name)
			c.res.n++
		}
	}
	if c.res.n == 0 {
		return shard.Write{Skip: true}, nil
	}
	if int64(v.fields) == c.res.n {
		return shard.Write{Delete: true}, nil // Redis has no empty hashes
	}
	return shard.Write{Item: c.item}, nil
}

func cmdHDel(c *conn, args [][]byte) error {
	c.hargs = args[2:]
	if err := c.mutate(args[1], decideHDel); err != nil {
		return err
	}
	if c.wr.wrote {
		c.notifyWrite(args[1], notifyHash, "hdel")
		if c.wr.deleted {
			c.notify(notifyGeneric, "del", args[1])
		}
	}
	c.int(c.res.n)
	return nil
}

func decideHIncrBy(c *conn, v *view, old shard.Entry) (shard.Write, error) {
	if !c.hashImage(v, old) {
		return shard.Write{Skip: true}, nil
	}
	name := c.fieldName(c.hargs[0])
	var n int64
	if cur, ok := c.item[name]; ok {
		var okInt bool
		if cur.Type == attr.S || cur.Type == attr.N || cur.Type == attr.B {
			n, okInt = parseInt64([]byte(cur.Str))
		}
		if !okInt {
			c.res.err = errHashNotInt
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
	start := len(c.tmp)
	c.tmp = appendInt(c.tmp, n)
	c.item[name] = attr.Value{Type: attr.N, Str: bstr(c.tmp[start:len(c.tmp):len(c.tmp)])}
	return shard.Write{Item: c.item}, nil
}

func cmdHIncrBy(c *conn, args [][]byte) error {
	n, ok := parseInt64(args[3])
	if !ok {
		return errNotInteger
	}
	c.hargs = args[2:3]
	c.setp = setParams{exp: n}
	if err := c.mutate(args[1], decideHIncrBy); err != nil {
		return err
	}
	c.notifyWrite(args[1], notifyHash, "hincrby")
	c.int(c.res.n)
	return nil
}

func decideHIncrByFloat(c *conn, v *view, old shard.Entry) (shard.Write, error) {
	if !c.hashImage(v, old) {
		return shard.Write{Skip: true}, nil
	}
	name := c.fieldName(c.hargs[0])
	var x *big.Rat
	if cur, ok := c.item[name]; ok {
		var err error
		if cur.Type == attr.S || cur.Type == attr.N || cur.Type == attr.B {
			x, err = parseFloat([]byte(cur.Str))
		} else {
			err = errNotFloat
		}
		if err == errInfinite {
			c.res.err = errNaN
			return shard.Write{Skip: true}, nil
		}
		if err != nil {
			c.res.err = errHashNotFloat
			return shard.Write{Skip: true}, nil
		}
	}
	sum := new(big.Rat).Set(c.incrF)
	if x != nil {
		sum.Add(sum, x)
	}
	if floatTooBig(sum) {
		c.res.err = errNaN
		return shard.Write{Skip: true}, nil
	}
	start := len(c.tmp)
	c.tmp = formatFloat(c.tmp, sum)
	text := c.tmp[start:len(c.tmp):len(c.tmp)]
	c.item[name] = floatValue(text)
	c.res.val = text
	return shard.Write{Item: c.item}, nil
}

func cmdHIncrByFloat(c *conn, args [][]byte) error {
	incr, err := parseFloat(args[3])
	if err == errInfinite {
		return respErr("ERR value is NaN or Infinity")
	}
	if err != nil {
		return err
	}
	c.hargs = args[2:3]
	c.incrF = incr
	if err := c.mutate(args[1], decideHIncrByFloat); err != nil {
		return err
	}
	c.notifyWrite(args[1], notifyHash, "hincrbyfloat")
	c.bulk(c.res.val)
	return nil
}
