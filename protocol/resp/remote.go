package resp

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// Redis keys in accelerator mode (--upstream).
//
// The RESP table (--resp-table) is then a table of the upstream, and the
// key commands reach it through the same backend as the DynamoDB API (the
// accelerator: its item cache, write-through, stream coherence), with
// the item layout of layout.go unchanged: a key SET through a standalone
// dynacache and through an accelerator in front of it is the same
// upstream item.
//
// exec runs, in accelerator mode, the function remoteCommand picks for a
// command (chosen at startup: Server.remote is set when the handler has a
// backend). Most commands run their own code unchanged, and seams at the
// bottom decide where their items come from; the multi-key commands have
// versions of their own here (cmdRemote*):
//
//   - reads (lookupKey, lookupHash): an eventually consistent GetItem,
//     answered from the item cache when it holds the key;
//   - single-key writes (mutate): optimistic concurrency on the upstream.
//     The item is read with ConsistentRead, the command's decide
//     function computes the new image exactly as on a stored item, and
//     the write is sent with a ConditionExpression that the attributes
//     the decision read (pk, val, exp) and those the write changes still
//     hold the values read: PutItem if there was no item, UpdateItem
//     (SET the attributes that change, REMOVE those that go) if there
//     was, DeleteItem to delete. A ConditionalCheckFailedException means
//     another writer came first: read again and decide again (up to
//     remoteAttempts times, with a short random backoff; this node's
//     writers of one key take turns on its stripe lock, so they do not
//     make each other read again). So INCR, APPEND,
//     SETNX, SET NX/XX/GET, HINCRBY, ... are atomic on the upstream
//     whatever the number of nodes, and never a read followed by a blind
//     write. A plain SET, which replaces whatever is there, is one
//     PutItem (remoteBlindSet);
//   - multi-key writes (DEL, UNLINK, MSET, MSETNX, RENAME, RENAMENX): the
//     same, for every key at once, in one TransactWriteItems (at most
//     maxTransactItems keys), keys left as they are guarded by a
//     ConditionCheck.
//
// Commands that walk the whole keyspace (KEYS, SCAN, DBSIZE, FLUSHDB,
// FLUSHALL, RANDOMKEY), transactions (MULTI, EXEC, WATCH) and any other
// command naming keys are refused with errRemoteRefused: none of them may
// silently use a local table. MGET reads its keys one by one (through the
// cache), not as one snapshot. Expiry: an item whose exp has passed does
// not exist for any command, as in standalone mode; the expiry sweeper
// does not run on upstream items (a dynacache upstream removes them
// itself).

// remoteKeys is the RESP table on the upstream.
type remoteKeys struct {
	api   *dynamodb.Handler // reaches the backend
	table string
}

// remoteAttempts bounds the optimistic retries of one write; each costs a
// consistent read and a conditional write.
const remoteAttempts = 64

// maxTransactItems is DynamoDB's limit on the items of TransactWriteItems.
const maxTransactItems = 100

func errRemoteRefused(name string) respErr {
	return respErr("ERR '" + name + "' is not available in accelerator mode: the keys live in an upstream table (use DYNAMODB Scan or Query to walk it)")
}

var errRemoteContention = respErr("ERR accelerator: the key kept changing upstream under this write; try again")

func errRemoteTooMany(name string) respErr {
	return respErr("ERR '" + name + "' takes at most " + strconv.Itoa(maxTransactItems) + " keys in accelerator mode (one DynamoDB transaction)")
}

// remoteRouted says how each command runs in accelerator mode: its own
// function through the seams above (true), or a function of this file.
// Commands naming keys that are not here are refused; commands without
// keys (PING, INFO, CLIENT, PUBLISH, DYNAMODB, ...) run as they are,
// except those in remoteRefusedNames.
var remoteRouted = func() map[string]func(c *conn, args [][]byte) error {
	m := map[string]func(c *conn, args [][]byte) error{
		"mget": cmdRemoteMGet,
	}
	for _, name := range strings.Fields(`mset msetnx get set setnx setex psetex getset getdel getex append strlen getrange setrange
		incr decr incrby decrby incrbyfloat exists type expire pexpire expireat pexpireat ttl pttl expiretime pexpiretime persist
		hget hmget hexists hstrlen hlen hkeys hvals hgetall hscan hset hmset hsetnx hdel hincrby hincrbyfloat rename renamenx del unlink`) {
		m[name] = nil // the command's own function
	}
	return m
}()

// remoteRefusedNames are commands without key arguments that reach the
// whole keyspace or a transaction's keys.
var remoteRefusedNames = map[string]bool{
	"keys": true, "scan": true, "dbsize": true, "flushdb": true, "flushall": true, "randomkey": true,
	"multi": true, "exec": true, "discard": true, "watch": true, "unwatch": true,
}

// remoteCommand returns the function cmd runs in accelerator mode.
func remoteCommand(cmd *command) func(c *conn, args [][]byte) error {
	if fn, ok := remoteRouted[cmd.name]; ok {
		if fn == nil {
			return cmd.fn
		}
		return fn
	}
	if cmd.first != 0 || remoteRefusedNames[cmd.name] {
		return func(c *conn, args [][]byte) error { return errRemoteRefused(strings.ToUpper(cmd.name)) }
	}
	return cmd.fn
}

// keyJSON appends `"Key":{"pk":{"S":<pk>}}` for the stored (escaped) pk.
func keyJSON(dst []byte, pk string) []byte {
	dst = append(dst, `"Key":{"`+attrKey+`":{"S":`...)
	dst = dynamodb.AppendJSONString(dst, pk)
	return append(dst, "}}"...)
}

// get reads the item of the stored pk: its encoding (nil: none) and the
// item itself.
func (r *remoteKeys) get(pk string, consistent bool) ([]byte, attr.Item, error) {
	body := append(dynamodb.AppendJSONString([]byte(`{"TableName":`), r.table), ',')
	body = keyJSON(body, pk)
	if consistent {
		body = append(body, `,"ConsistentRead":true`...)
	}
	body = append(body, '}')
	reply, e := r.api.Do("GetItem", body)
	if e != nil {
		return nil, nil, r.error(e)
	}
	doc, ok := dynamodb.ParseDoc(reply)
	if !ok {
		return nil, nil, respErr("ERR accelerator: a GetItem reply that does not parse")
	}
	it := doc.Get("Item")
	if !it.Exists() {
		return nil, nil, nil
	}
	item, ok := it.Item()
	if !ok {
		return nil, nil, respErr("ERR accelerator: a GetItem reply whose item does not parse")
	}
	return attr.AppendItem(nil, item), item, nil
}

// error words an upstream error; a missing table says what to do.
func (r *remoteKeys) error(e *dynamodb.Error) error {
	if exceptionName(e.Type) == "ResourceNotFoundException" {
		return respErr(sanitize("ERR table '" + r.table + "' not found upstream: create it with the key schema " + attrKey +
			" (S, HASH), with a stream for coherence across nodes, or name another with --resp-table"))
	}
	return dynamoError(e)
}

// retryable reports whether a conditional write lost a race: read again.
func retryable(e *dynamodb.Error) bool {
	switch exceptionName(e.Type) {
	case "ConditionalCheckFailedException", "TransactionConflictException":
		return true
	case "TransactionCanceledException":
		return strings.Contains(e.Message, "ConditionalCheckFailed") || strings.Contains(e.Message, "TransactionConflict")
	}
	return false
}

// backoff waits a little before attempt i+1, more as attempts fail.
func backoff(i int) {
	d := time.Duration(min(i+1, 20)) * 200 * time.Microsecond
	time.Sleep(d/2 + rand.N(d))
}

// remoteLookupKey is lookupKey in accelerator mode.
func (c *conn) remoteLookupKey(k []byte) (view, error) {
	enc, _, err := c.s.remote.get(bstr(appendEscaped(nil, k, false)), false)
	if err != nil {
		return view{exp: noExpiry}, err
	}
	if enc == nil {
		c.keyMiss(k)
		return view{exp: noExpiry}, nil
	}
	v := viewOf(enc)
	if v.expiredAt(nowMs()) {
		c.keyMiss(k)
		return view{exp: noExpiry}, nil
	}
	return v, nil
}

// remoteLookupHash is lookupHash in accelerator mode.
func (c *conn) remoteLookupHash(key []byte) ([]byte, view, error) {
	enc, _, err := c.s.remote.get(bstr(appendEscaped(nil, key, false)), false)
	if err != nil {
		return nil, view{}, err
	}
	if enc == nil {
		c.keyMiss(key)
		return nil, view{}, nil
	}
	v := viewOf(enc)
	if v.expiredAt(nowMs()) {
		c.keyMiss(key)
		return nil, view{}, nil
	}
	if v.kind != kindHash {
		return nil, v, errWrongType
	}
	return enc, v, nil
}

// remoteOld is a key's item as read for a write.
type remoteOld struct {
	enc  []byte
	item attr.Item // nil: none
}

// decideRemote runs fn on the item read, as decideEntry does on a stored
// one (an expired item is absent to fn).
func (c *conn) decideRemote(sk shard.Key, old remoteOld, fn func(c *conn, v *view, old shard.Entry) (shard.Write, error)) (shard.Write, error) {
	c.sk = sk
	c.res = result{}
	c.now = nowMs()
	c.tmp = c.tmp[:0]
	c.wr = writeOutcome{}
	e := shard.EntryOf(old.enc, attr.ItemSize(old.item))
	v := viewOf(old.enc)
	stored := e.Exists()
	if stored && v.expiredAt(c.now) {
		v = view{exp: noExpiry}
		e = shard.Entry{}
	} else if !stored {
		v.kind = kindNone
	}
	w, err := fn(c, &v, e)
	if err != nil {
		return w, err
	}
	if !w.Skip && !w.Delete && w.Item != nil && attr.ItemSize(w.Item) > attr.MaxItemSize {
		c.res = result{err: errItemTooLarge}
		return shard.Write{Skip: true}, nil
	}
	if !w.Skip {
		c.noteOutcome(stored, e.Exists(), w)
	}
	return w, nil
}

// remoteMutate is mutate in accelerator mode: read, decide, write on the
// condition that what was read still holds; again if it did not.
func (c *conn) remoteMutate(k []byte, fn func(c *conn, v *view, old shard.Entry) (shard.Write, error)) error {
	r := c.s.remote
	sk := shard.Key(append([]byte(nil), c.storeKey(k)...))
	pk := string(sk.Partition())
	c.fn = fn
	if c.setp.flags&(setNX|setXX|setGet|setKeepTTL) == 0 && reflect.ValueOf(fn).Pointer() == decideSetPC {
		return c.remoteBlindSet(sk, pk) // reads nothing: takes no turn
	}
	// This node's writers of the key take turns (they would only make
	// each other read again); the condition keeps other nodes' out.
	st := c.s.locks.lock(sk)
	defer c.s.locks.unlock(st)
	for i := range remoteAttempts {
		enc, item, err := r.get(pk, true)
		if err != nil {
			return err
		}
		w, err := c.decideRemote(sk, remoteOld{enc, item}, fn)
		if err != nil {
			clear(c.item)
			return storeError(err)
		}
		if w.Skip {
			clear(c.item)
			return c.res.err
		}
		op, body, ok := r.writeRequest(pk, item, w, false, false)
		clear(c.item)
		if !ok { // the image equals the item: nothing to write
			return c.res.err
		}
		if _, e := r.api.Do(op, body); e != nil {
			if retryable(e) {
				backoff(i)
				continue
			}
			return r.error(e)
		}
		return c.res.err
	}
	return errRemoteContention
}

// decideSetPC identifies SET's decide function: a plain SET (SETEX,
// PSETEX, SET with EX, PX, EXAT or PXAT alone) replaces whatever the key
// holds without looking at it, so it needs no read.
var decideSetPC = reflect.ValueOf(decideSet).Pointer()

// remoteBlindSet is a plain SET in accelerator mode: one PutItem, its old
// item returned (ALL_OLD) only for the keyspace events.
func (c *conn) remoteBlindSet(sk shard.Key, pk string) error {
	r := c.s.remote
	w, err := c.decideRemote(sk, remoteOld{}, decideSet)
	if err != nil || w.Skip {
		clear(c.item)
		if err != nil {
			return storeError(err)
		}
		return c.res.err
	}
	body := append(dynamodb.AppendJSONString([]byte(`{"TableName":`), r.table), `,"Item":`...)
	body = dynamodb.AppendItemJSON(body, w.Item)
	body = append(body, `,"ReturnValues":"ALL_OLD"}`...)
	clear(c.item)
	reply, e := r.api.Do("PutItem", body)
	if e != nil {
		return r.error(e)
	}
	stored, live := false, false
	if doc, ok := dynamodb.ParseDoc(reply); ok {
		if old, ok := doc.Get("Attributes").Item(); ok && old != nil {
			stored = true
			live = !viewOf(attr.AppendItem(nil, old)).expiredAt(c.now)
		}
	}
	c.noteOutcome(stored, live, w)
	return c.res.err
}

// condition builds a ConditionExpression with its names and values.
type condition struct {
	expr   []byte
	update []byte // UpdateExpression: SET part
	remove []byte // and REMOVE part
	names  []string
	values attr.Item
}

func (x *condition) name(n string) string {
	x.names = append(x.names, n)
	return "#n" + strconv.Itoa(len(x.names)-1)
}

func (x *condition) value(v attr.Value) string {
	p := ":v" + strconv.Itoa(len(x.values))
	x.values[p] = v
	return p
}

func (x *condition) and(clause string) {
	if len(x.expr) > 0 {
		x.expr = append(x.expr, " AND "...)
	}
	x.expr = append(x.expr, clause...)
}

// holds adds "attribute a is as it was in old".
func (x *condition) holds(old attr.Item, a string) {
	n := x.name(a)
	if v, ok := old[a]; ok {
		x.and(n + " = " + x.value(v))
	} else {
		x.and("attribute_not_exists(" + n + ")")
	}
}

// members appends the condition's request members (after a comma).
func (x *condition) members(dst []byte) []byte {
	if len(x.update) > 0 || len(x.remove) > 0 {
		dst = append(dst, `,"UpdateExpression":`...)
		var u []byte
		if len(x.update) > 0 {
			u = append(append(u, "SET "...), x.update...)
		}
		if len(x.remove) > 0 {
			if len(u) > 0 {
				u = append(u, ' ')
			}
			u = append(append(u, "REMOVE "...), x.remove...)
		}
		dst = dynamodb.AppendJSONString(dst, string(u))
	}
	dst = append(dst, `,"ConditionExpression":`...)
	dst = dynamodb.AppendJSONString(dst, string(x.expr))
	dst = append(dst, `,"ExpressionAttributeNames":{`...)
	for i, n := range x.names {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = dynamodb.AppendJSONString(dst, "#n"+strconv.Itoa(i))
		dst = append(dst, ':')
		dst = dynamodb.AppendJSONString(dst, n)
	}
	dst = append(dst, '}')
	if len(x.values) > 0 {
		dst = append(dst, `,"ExpressionAttributeValues":`...)
		dst = dynamodb.AppendItemJSON(dst, x.values)
	}
	return dst
}

// writeRequest returns the conditional write taking the key of stored pk
// from old (nil: no item) to w: its operation and JSON body (inner: the
// members only, for TransactWriteItems). ok is false when w leaves the
// item as it is.
func (r *remoteKeys) writeRequest(pk string, old attr.Item, w shard.Write, inner, blind bool) (op string, body []byte, ok bool) {
	x := &condition{values: attr.Item{}}
	keyName := x.name(attrKey)
	switch {
	case blind && !w.Delete:
		op = "PutItem"
	case w.Delete:
		op = "DeleteItem"
		x.and("attribute_exists(" + keyName + ")")
		for a := range old {
			if a != attrKey {
				x.holds(old, a)
			}
		}
	case old == nil:
		op = "PutItem"
		x.and("attribute_not_exists(" + keyName + ")")
	default:
		op = "UpdateItem"
		x.and("attribute_exists(" + keyName + ")")
		x.holds(old, attrVal)
		x.holds(old, attrExp)
		changed := false
		for a, v := range w.Item {
			if a == attrKey {
				continue
			}
			if ov, ok := old[a]; ok && attr.Equal(ov, v) {
				continue
			}
			changed = true
			if a != attrVal && a != attrExp {
				x.holds(old, a)
			}
			n := x.name(a)
			if len(x.update) > 0 {
				x.update = append(x.update, ", "...)
			}
			x.update = append(x.update, n+" = "+x.value(v)...)
		}
		for a := range old {
			if _, kept := w.Item[a]; kept || a == attrKey {
				continue
			}
			changed = true
			if a != attrVal && a != attrExp {
				x.holds(old, a)
			}
			if len(x.remove) > 0 {
				x.remove = append(x.remove, ", "...)
			}
			x.remove = append(x.remove, x.name(a)...)
		}
		if !changed {
			return "", nil, false
		}
	}
	if !inner {
		body = append(body, '{')
	}
	body = append(dynamodb.AppendJSONString(append(body, `"TableName":`...), r.table), ',')
	if op == "PutItem" {
		body = append(body, `"Item":`...)
		body = dynamodb.AppendItemJSON(body, w.Item)
	} else {
		body = keyJSON(body, pk)
	}
	if !blind {
		body = x.members(body)
	}
	if !inner {
		body = append(body, '}')
	}
	return op, body, true
}

// checkRequest returns the members of a ConditionCheck that the key of
// stored pk is still as read (old nil: still absent).
func (r *remoteKeys) checkRequest(pk string, old attr.Item) []byte {
	x := &condition{values: attr.Item{}}
	keyName := x.name(attrKey)
	if old == nil {
		x.and("attribute_not_exists(" + keyName + ")")
	} else {
		x.and("attribute_exists(" + keyName + ")")
		x.holds(old, attrVal)
		x.holds(old, attrExp)
	}
	body := append(dynamodb.AppendJSONString([]byte(`"TableName":`), r.table), ',')
	body = keyJSON(body, pk)
	return x.members(body)
}

// remoteWriteKeys is writeKeys in accelerator mode: read every key
// (consistently; not when blind, for writes that do not look), decide,
// and write all of them in one TransactWriteItems on the condition that
// each is as read; again if one was not.
func (c *conn) remoteWriteKeys(name string, keys []shard.Key, blind bool, decide func(olds []shard.Entry) ([]shard.Write, error)) error {
	if len(keys) > maxTransactItems {
		return errRemoteTooMany(name)
	}
	r := c.s.remote
	pks := make([]string, len(keys))
	for i, k := range keys {
		pks[i] = string(k.Partition())
	}
	olds := make([]shard.Entry, len(keys))
	items := make([]attr.Item, len(keys))
	c.stripe = c.s.locks.lockAll(c.stripe, keys, true) // as remoteMutate
	defer c.s.locks.unlockAll(c.stripe, true)
	for i := range remoteAttempts {
		for j, pk := range pks {
			olds[j], items[j] = shard.Entry{}, nil
			if blind {
				continue
			}
			enc, item, err := r.get(pk, true)
			if err != nil {
				return err
			}
			olds[j], items[j] = shard.EntryOf(enc, attr.ItemSize(item)), item
		}
		ws, err := decide(olds)
		if err != nil {
			return err
		}
		var body []byte
		n, single := 0, -1
		for j, w := range ws {
			if !w.Skip {
				n++
				single = j
			}
		}
		if n == 0 {
			return nil
		}
		op := "TransactWriteItems"
		if len(keys) == 1 || (n == 1 && blind) {
			if op, body, _ = r.writeRequest(pks[single], items[single], ws[single], false, blind); body == nil {
				return nil
			}
		} else {
			body = append(body, `{"TransactItems":[`...)
			first := true
			for j, w := range ws {
				var member []byte
				var wop string
				if w.Skip {
					if blind {
						continue
					}
					wop, member = "ConditionCheck", r.checkRequest(pks[j], items[j])
				} else {
					var ok bool
					if wop, member, ok = r.writeRequest(pks[j], items[j], w, true, blind); !ok {
						continue
					}
					wop = strings.TrimSuffix(wop, "Item")
				}
				if !first {
					body = append(body, ',')
				}
				first = false
				body = append(append(append(append(body, `{"`...), wop...), `":{`...), member...)
				body = append(body, "}}"...)
			}
			body = append(body, "]}"...)
		}
		c.noteOutcomes(olds, ws)
		if _, e := r.api.Do(op, body); e != nil {
			if retryable(e) {
				backoff(i)
				continue
			}
			return r.error(e)
		}
		return nil
	}
	return errRemoteContention
}

// The multi-key commands in accelerator mode: the same decisions as
// their standalone versions (cmd_key.go, cmd_string.go), applied by
// remoteWriteKeys.

// cmdRemoteMGet reads the keys one by one, each through the item cache.
func cmdRemoteMGet(c *conn, args [][]byte) error {
	vals := make([][]byte, len(args)-1)
	found := make([]bool, len(args)-1)
	for i, k := range args[1:] {
		v, err := c.remoteLookupKey(k)
		if err != nil {
			return err
		}
		if v.kind == kindString {
			vals[i], found[i] = stringValue(&v), true
		}
	}
	c.array(len(vals))
	for i, v := range vals {
		c.bulkOrNull(!found[i], v)
	}
	return nil
}

// remoteRename is rename in accelerator mode: dst's new image and src's
// deletion are one TransactWriteItems.
func (c *conn) remoteRename(args [][]byte, nx bool) (int64, error) {
	keys := c.storeKeys(args[1:3], 1)
	src, dst := keys[0], keys[1]
	same := string(src) == string(dst)
	if same {
		keys = keys[:1]
	}
	var n int64
	name := "rename"
	if nx {
		name = "renamenx"
	}
	err := c.remoteWriteKeys(name, keys, false, c.renameWrites(keys, dst, same, nx, &n))
	clear(c.item)
	if err != nil {
		return 0, err
	}
	return n, nil
}

// keySchema returns an upstream table's key attributes and their types
// (DescribeTable; empty names when it cannot be described), for the
// DYNAMODB QUERY short form.
func (r *remoteKeys) keySchema(table string) (hashName string, hashType attr.Type, rangeName string, rangeType attr.Type) {
	hashType, rangeType = attr.TypeInvalid, attr.TypeInvalid
	body := append(dynamodb.AppendJSONString([]byte(`{"TableName":`), table), '}')
	reply, e := r.api.Do("DescribeTable", body)
	if e != nil {
		return
	}
	var out struct {
		Table struct {
			AttributeDefinitions []struct{ AttributeName, AttributeType string }
			KeySchema            []struct{ AttributeName, KeyType string }
		}
	}
	if json.Unmarshal(reply, &out) != nil {
		return
	}
	typeOf := func(name string) attr.Type {
		for _, d := range out.Table.AttributeDefinitions {
			if d.AttributeName == name {
				return attr.ParseType(d.AttributeType)
			}
		}
		return attr.TypeInvalid
	}
	for _, k := range out.Table.KeySchema {
		switch k.KeyType {
		case "HASH":
			hashName, hashType = k.AttributeName, typeOf(k.AttributeName)
		case "RANGE":
			rangeName, rangeType = k.AttributeName, typeOf(k.AttributeName)
		}
	}
	return
}
