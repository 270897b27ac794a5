package accel

import (
	"strconv"
	"strings"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/shard/expr"
)

// Item reads: GetItem and BatchGetItem from the item cache.
//
// A read is served here only when every member of its request is one the
// cache understands and holds a valid value; anything else passes through
// and the upstream answers (and words its errors). Consumed capacity on a
// hit is computed from the cached item's size as the local store and
// DynamoDB count it (ReadUnits: 4 KB units, halved for eventually
// consistent reads), so a client sees the capacity its read would have
// cost upstream; the upstream's own figure on a miss is not used (the
// forwarded request does not ask for it), so hits and misses answer alike.

// getItemMembers are the GetItem request members the cache understands.
var getItemMembers = map[string]bool{
	"TableName": true, "Key": true, "ConsistentRead": true, "ProjectionExpression": true,
	"AttributesToGet": true, "ExpressionAttributeNames": true, "ReturnConsumedCapacity": true,
}

// knownMembers reports whether doc is an object whose members are all in
// known.
func knownMembers(doc dynamodb.Doc, known map[string]bool) bool {
	if !doc.IsObject() {
		return false
	}
	for i := range doc.Len() {
		if name, _ := doc.At(i); !known[name] {
			return false
		}
	}
	return true
}

// readProjection parses a read's projection (nil: the whole item); ok is
// false when the request's projection members are not what the cache can
// serve (invalid, or both forms), so the read passes through.
func readProjection(doc dynamodb.Doc, ks shard.KeySchema) (*expr.Projection, bool) {
	pe, atg, names := doc.Get("ProjectionExpression"), doc.Get("AttributesToGet"), doc.Get("ExpressionAttributeNames")
	switch {
	case pe.Exists() && atg.Exists(), names.Exists() && !pe.Exists():
		return nil, false
	case atg.Exists():
		list, ok := atg.Strings()
		if !ok || len(list) == 0 || len(list) > 255 {
			return nil, false
		}
		seen := make(map[string]bool, len(list))
		for _, n := range list {
			if seen[n] {
				return nil, false
			}
			seen[n] = true
		}
		return expr.FromAttributesToGet(list), true
	case pe.Exists():
		src, ok := pe.Str()
		if !ok {
			return nil, false
		}
		var nm map[string]string
		if names.Exists() {
			if nm, ok = names.StringMap(); !ok || len(nm) == 0 {
				return nil, false
			}
			for k := range nm {
				if len(k) < 2 || k[0] != '#' {
					return nil, false
				}
			}
		}
		parsed, err := expr.Parse(expr.Input{ProjectionExpression: &src, Names: nm})
		if err != nil || parsed.Projection == nil {
			return nil, false
		}
		for _, p := range parsed.Projection.Paths() {
			if len(p) > 1 && (p[0].Name == ks.HashName || p[0].Name == ks.RangeName) {
				return nil, false
			}
		}
		return parsed.Projection, true
	}
	return nil, true
}

// capacityMode returns ReturnConsumedCapacity ("" when absent); ok is
// false for a value DynamoDB would refuse.
func capacityMode(doc dynamodb.Doc) (string, bool) {
	m := doc.Get("ReturnConsumedCapacity")
	if !m.Exists() {
		return "", true
	}
	s, ok := m.Str()
	return s, ok && (s == "NONE" || s == "TOTAL" || s == "INDEXES")
}

// optBool returns an optional boolean member.
func optBool(doc dynamodb.Doc, name string) (v, ok bool) {
	m := doc.Get(name)
	if !m.Exists() {
		return false, true
	}
	return m.Bool()
}

func (a *Accelerator) getItem(body []byte) ([]byte, *dynamodb.Error) {
	target := dynamodb.Target("GetItem")
	doc, ok := dynamodb.ParseDoc(body)
	if !ok || !knownMembers(doc, getItemMembers) {
		return a.passUncached(target, body)
	}
	table, ok1 := doc.Get("TableName").Str()
	keyItem, ok2 := doc.Get("Key").Item()
	consistent, ok3 := optBool(doc, "ConsistentRead")
	mode, ok4 := capacityMode(doc)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return a.passUncached(target, body)
	}
	ks, ok := a.schemas.get(table)
	if !ok {
		return a.passUncached(target, body)
	}
	key, ok := cacheKey(table, ks, keyItem)
	if !ok {
		return a.passMismatched(target, body, table)
	}
	proj, ok := readProjection(doc, ks)
	if !ok {
		return a.passUncached(target, body)
	}
	ent, e := a.readItem(table, key, keyItem, consistent)
	if e != nil {
		return nil, e
	}
	return getItemReply(table, ent, proj, mode, consistent), nil
}

// readItem returns key's entry: from the cache unless consistent, else
// (and on a miss) from the upstream, which refreshes the cache.
func (a *Accelerator) readItem(table, key string, keyItem attr.Item, consistent bool) (*entry, *dynamodb.Error) {
	if !consistent {
		if ent, ok := a.cache.get(key); ok {
			if !ent.found {
				a.stats.negativeHits.Add(1)
			} else {
				a.stats.hits.Add(1)
			}
			return ent, nil
		}
	}
	a.stats.misses.Add(1)
	tok := a.cache.snapshot(key)
	fetch := func() (*entry, *dynamodb.Error) {
		req := dynamodb.AppendJSONString([]byte(`{"TableName":`), table)
		req = append(req, `,"Key":`...)
		req = dynamodb.AppendItemJSON(req, keyItem)
		if consistent {
			req = append(req, `,"ConsistentRead":true`...)
		}
		req = append(req, '}')
		status, reply, e := a.up.call(dynamodb.Target("GetItem"), req)
		if e != nil {
			return nil, e
		}
		if status != 200 {
			a.upstreamRefused(table, status, reply)
			return nil, upstreamError(status, reply)
		}
		doc, ok := dynamodb.ParseDoc(reply)
		if !ok {
			return nil, internalError("upstream " + a.up.endpoint + " sent a malformed GetItem reply")
		}
		var item attr.Item
		if it := doc.Get("Item"); it.Exists() {
			if item, ok = it.Item(); !ok {
				return nil, internalError("upstream " + a.up.endpoint + " sent an invalid item")
			}
		}
		a.stats.fills.Add(1)
		return a.cache.fill(key, tok, item, itemJSON(item)), nil
	}
	if consistent {
		// Never shared: a strongly consistent read must start after the
		// request did.
		return fetch()
	}
	// The flight key carries the snapshot: a read joins only a call that
	// started after every write it must see began.
	fk := key + "\x00" + strconv.FormatUint(tok.gen, 36) + "." + strconv.FormatUint(tok.epoch, 36) + "." + strconv.FormatUint(tok.tgen, 36)
	v, _, _ := a.flight.Do(fk, func() (any, error) {
		ent, e := fetch()
		return flightResult{ent, e}, nil
	})
	r := v.(flightResult)
	return r.ent, r.err
}

type flightResult struct {
	ent *entry
	err *dynamodb.Error
}

// itemJSON returns an item's JSON (nil for no item).
func itemJSON(item attr.Item) []byte {
	if item == nil {
		return nil
	}
	return dynamodb.AppendItemJSON(nil, item)
}

// getItemReply is the GetItem reply for an entry.
func getItemReply(table string, ent *entry, proj *expr.Projection, mode string, consistent bool) []byte {
	out := make([]byte, 0, 16+len(ent.json)+64)
	out = append(out, '{')
	if ent.found {
		out = append(out, `"Item":`...)
		if proj == nil {
			out = append(out, ent.json...)
		} else {
			out = dynamodb.AppendItemJSON(out, proj.Apply(ent.item()))
		}
	}
	if mode == "TOTAL" || mode == "INDEXES" {
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = dynamodb.AppendConsumedCapacity(out, mode, table, attr.ReadUnits(ent.size, consistent))
	}
	return append(out, '}')
}

// passUncached passes a request the cache does not serve.
func (a *Accelerator) passUncached(target string, body []byte) ([]byte, *dynamodb.Error) {
	a.stats.passed.Add(1)
	reply, e := a.pass(target, body)
	if e != nil && e.Raw != nil && hasSuffix(e.Type, "#ResourceNotFoundException") {
		// The table may be gone behind this node.
		a.tableChanged(tableName(body))
	}
	return reply, e
}

// passMismatched passes a request whose key does not match the table's
// schema as known here. If the upstream accepts it, the table was
// recreated with another key behind this node: its schema and entries go.
func (a *Accelerator) passMismatched(target string, body []byte, table string) ([]byte, *dynamodb.Error) {
	reply, e := a.passUncached(target, body)
	if e == nil {
		a.tableChanged(table)
	}
	return reply, e
}

// upstreamRefused notes an upstream error reply to an item request whose
// key matched the schema known here: a validation error about the key
// schema, or a missing table, means the table changed behind this node.
func (a *Accelerator) upstreamRefused(table string, status int, reply []byte) {
	if status != 400 {
		return
	}
	e := upstreamError(status, reply)
	if hasSuffix(e.Type, "#ResourceNotFoundException") ||
		(hasSuffix(e.Type, "#ValidationException") && strings.Contains(e.Message, "schema")) {
		a.tableChanged(table)
	}
}

// tableChanged drops table's schema, and every entry, when the schema was
// known (a lookup that failed is retried by itself).
func (a *Accelerator) tableChanged(table string) {
	if table == "" || !a.schemas.known(table) {
		return
	}
	a.schemas.drop(table)
	a.co.forget(table) // its stream, if any, is learned again with the schema
	a.cache.invalidateAll()
	a.stats.invalidations.Add(1)
}

func hasSuffix(s, suffix string) bool { return strings.HasSuffix(s, suffix) }
