package accel

import (
	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard/attr"
)

// Writes go through to the upstream. Around each, the keys it touches are
// marked (cache.go: beginWrite before it is forwarded, endWrite after the
// answer), so that once the upstream acknowledged it the cache holds the
// new image where that image is known without guessing, and drops the key
// otherwise:
//
//	PutItem         the item sent
//	DeleteItem      "no such item"
//	UpdateItem      the ALL_NEW image the upstream returns (asked for when
//	                the client wants NONE or ALL_NEW); for ALL_OLD,
//	                UPDATED_OLD and UPDATED_NEW the request is forwarded as
//	                is and the key dropped
//	BatchWriteItem  each processed put or delete as above; unprocessed
//	                ones dropped
//	TransactWriteItems  every key dropped
//
// A write whose key cannot be derived here (an unknown table schema, an
// item that does not parse) drops the whole cache if the upstream accepts
// it. A failed write (an error reply, no reply within the timeout: it may
// still have been applied) drops its keys.

// pendingWrite is one key a write touches.
type pendingWrite struct {
	key   string
	tok   token
	image attr.Item // the image after the write; nil: no item
}

// begin marks the write of key.
func (a *Accelerator) begin(key string, image attr.Item) pendingWrite {
	return pendingWrite{key: key, tok: a.cache.beginWrite(key), image: image}
}

// end ends a write; known says the upstream acknowledged it.
func (a *Accelerator) end(w pendingWrite, known bool) {
	if known {
		a.cache.endWrite(w.key, w.tok, true, w.image, itemJSON(w.image))
		return
	}
	a.cache.endWrite(w.key, w.tok, false, nil, nil)
}

// writeUnkeyed forwards a write whose keys are not known here; if the
// upstream accepts it, the whole cache is dropped.
func (a *Accelerator) writeUnkeyed(target string, body []byte) ([]byte, *dynamodb.Error) {
	a.cache.invalidateAll()
	a.stats.invalidations.Add(1)
	reply, e := a.passUncached(target, body)
	a.cache.unkeyedWritten()
	if e == nil {
		// Accepted: if its key did not match the schema known here, the
		// table changed behind this node.
		a.tableChanged(tableName(body))
	}
	return reply, e
}

// writeOne forwards a single-item write of key (body as sent, or
// rewritten) and ends it; image is the item after it when known.
func (a *Accelerator) writeOne(op, table, key string, body []byte, image attr.Item, imageKnown bool) (int, []byte, *dynamodb.Error) {
	w := a.begin(key, image)
	status, reply, e := a.up.call(dynamodb.Target(op), body)
	if e != nil {
		a.end(w, false)
		return 0, nil, e
	}
	if status != 200 {
		a.end(w, false)
		a.upstreamRefused(table, status, reply)
		return status, nil, upstreamError(status, reply)
	}
	if imageKnown {
		a.end(w, true)
	} else {
		a.end(w, false)
	}
	return status, reply, nil
}

// writeTarget parses the table and the key of a single-item write (the
// Key member, or the key attributes of Item).
func (a *Accelerator) writeTarget(doc dynamodb.Doc, itemMember string) (table, key string, item attr.Item, ok bool) {
	table, ok = doc.Get("TableName").Str()
	if !ok {
		return "", "", nil, false
	}
	ks, ok := a.schemas.get(table)
	if !ok {
		return "", "", nil, false
	}
	if item, ok = doc.Get(itemMember).Item(); !ok {
		return "", "", nil, false
	}
	if itemMember == "Item" {
		key, ok = itemKey(table, ks, item)
	} else {
		key, ok = cacheKey(table, ks, item)
	}
	return table, key, item, ok
}

func (a *Accelerator) putItem(body []byte) ([]byte, *dynamodb.Error) {
	return a.writeSimple("PutItem", "Item", body)
}

func (a *Accelerator) deleteItem(body []byte) ([]byte, *dynamodb.Error) {
	return a.writeSimple("DeleteItem", "Key", body)
}

// writeSimple is PutItem (member "Item": the item written is cached) and
// DeleteItem (member "Key": "no such item" is cached).
func (a *Accelerator) writeSimple(op, member string, body []byte) ([]byte, *dynamodb.Error) {
	target := dynamodb.Target(op)
	doc, ok := dynamodb.ParseDoc(body)
	if !ok {
		return a.passUncached(target, body)
	}
	table, key, item, ok := a.writeTarget(doc, member)
	if !ok {
		return a.writeUnkeyed(target, body)
	}
	if member != "Item" {
		item = nil
	}
	_, reply, e := a.writeOne(op, table, key, body, item, true)
	return reply, e
}

func (a *Accelerator) updateItem(body []byte) ([]byte, *dynamodb.Error) {
	target := dynamodb.Target("UpdateItem")
	doc, ok := dynamodb.ParseDoc(body)
	if !ok {
		return a.passUncached(target, body)
	}
	table, key, _, ok := a.writeTarget(doc, "Key")
	if !ok {
		return a.writeUnkeyed(target, body)
	}
	want := "NONE"
	if rv := doc.Get("ReturnValues"); rv.Exists() {
		if want, ok = rv.Str(); !ok {
			want = "" // invalid: forwarded as is, the upstream refuses it
		}
	}
	if want != "NONE" && want != "ALL_NEW" {
		// The image after the update is not in the reply: forward as is,
		// drop the key.
		_, reply, e := a.writeOne("UpdateItem", table, key, body, nil, false)
		return reply, e
	}
	req := rewriteObject(nil, doc, "ReturnValues", `"ALL_NEW"`)
	w := a.begin(key, nil)
	status, reply, e := a.up.call(target, req)
	if e != nil {
		a.end(w, false)
		return nil, e
	}
	if status != 200 {
		a.end(w, false)
		a.upstreamRefused(table, status, reply)
		return nil, upstreamError(status, reply)
	}
	rdoc, ok := dynamodb.ParseDoc(reply)
	var image attr.Item
	if ok {
		image, ok = rdoc.Get("Attributes").Item()
	}
	if !ok {
		a.end(w, false)
		if !rdoc.IsObject() {
			return nil, internalError("upstream " + a.up.endpoint + " sent a malformed UpdateItem reply")
		}
	} else {
		w.image = image
		a.end(w, true)
	}
	if want == "ALL_NEW" {
		return reply, nil
	}
	// The client asked for NONE: the reply without Attributes.
	return rewriteObject(nil, rdoc, "Attributes", ""), nil
}

// rewriteObject appends object doc with member name replaced by the JSON
// value (added last; removed when value is "").
func rewriteObject(dst []byte, doc dynamodb.Doc, name, value string) []byte {
	dst = append(dst, '{')
	n := 0
	for i := range doc.Len() {
		k, v := doc.At(i)
		if k == name {
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		dst = dynamodb.AppendJSONString(dst, k)
		dst = append(dst, ':')
		dst = v.AppendJSON(dst)
		n++
	}
	if value != "" {
		if n > 0 {
			dst = append(dst, ',')
		}
		dst = dynamodb.AppendJSONString(dst, name)
		dst = append(dst, ':')
		dst = append(dst, value...)
	}
	return append(dst, '}')
}

// batchWrites returns the writes of a BatchWriteItem's RequestItems (or
// UnprocessedItems) object; ok is false when one cannot be keyed.
func (a *Accelerator) batchWrites(items dynamodb.Doc) ([]pendingWrite, bool) {
	if !items.IsObject() {
		return nil, false
	}
	var out []pendingWrite
	for i := range items.Len() {
		table, reqs := items.At(i)
		ks, ok := a.schemas.get(table)
		if !ok {
			return nil, false
		}
		for j := range reqs.Len() {
			_, r := reqs.At(j)
			var key string
			var image attr.Item
			if put := r.Get("PutRequest"); put.Exists() {
				if image, ok = put.Get("Item").Item(); ok {
					key, ok = itemKey(table, ks, image)
				}
			} else if del := r.Get("DeleteRequest"); del.Exists() {
				var k attr.Item
				if k, ok = del.Get("Key").Item(); ok {
					key, ok = cacheKey(table, ks, k)
				}
			} else {
				ok = false
			}
			if !ok {
				return nil, false
			}
			out = append(out, pendingWrite{key: key, image: image})
		}
	}
	return out, true
}

func (a *Accelerator) batchWriteItem(body []byte) ([]byte, *dynamodb.Error) {
	target := dynamodb.Target("BatchWriteItem")
	doc, ok := dynamodb.ParseDoc(body)
	if !ok {
		return a.passUncached(target, body)
	}
	writes, ok := a.batchWrites(doc.Get("RequestItems"))
	if !ok {
		return a.writeUnkeyed(target, body)
	}
	for i := range writes {
		writes[i].tok = a.cache.beginWrite(writes[i].key)
	}
	status, reply, e := a.up.call(target, body)
	if e != nil || status != 200 {
		for _, w := range writes {
			a.end(w, false)
		}
		if e != nil {
			return nil, e
		}
		return nil, upstreamError(status, reply)
	}
	rdoc, ok := dynamodb.ParseDoc(reply)
	unprocessed := map[string]bool{}
	if ok {
		var left []pendingWrite
		if left, ok = a.batchWrites(rdoc.Get("UnprocessedItems")); ok || !rdoc.Get("UnprocessedItems").Exists() {
			ok = true
			for _, w := range left {
				unprocessed[w.key] = true
			}
		}
	}
	for _, w := range writes {
		a.end(w, ok && !unprocessed[w.key])
	}
	return reply, nil
}

func (a *Accelerator) transactWriteItems(body []byte) ([]byte, *dynamodb.Error) {
	target := dynamodb.Target("TransactWriteItems")
	doc, ok := dynamodb.ParseDoc(body)
	if !ok {
		return a.passUncached(target, body)
	}
	items := doc.Get("TransactItems")
	var writes []pendingWrite
	for i := range items.Len() {
		_, ti := items.At(i)
		var key string
		switch {
		case ti.Get("Put").Exists():
			p := ti.Get("Put")
			table, _ := p.Get("TableName").Str()
			ks, ok1 := a.schemas.get(table)
			it, ok2 := p.Get("Item").Item()
			if ok = ok1 && ok2; ok {
				key, ok = itemKey(table, ks, it)
			}
		case ti.Get("Update").Exists(), ti.Get("Delete").Exists():
			p := ti.Get("Update")
			if !p.Exists() {
				p = ti.Get("Delete")
			}
			table, _ := p.Get("TableName").Str()
			ks, ok1 := a.schemas.get(table)
			k, ok2 := p.Get("Key").Item()
			if ok = ok1 && ok2; ok {
				key, ok = cacheKey(table, ks, k)
			}
		case ti.Get("ConditionCheck").Exists():
			continue
		default:
			ok = false
		}
		if !ok {
			return a.writeUnkeyed(target, body)
		}
		writes = append(writes, a.begin(key, nil))
	}
	if len(writes) == 0 {
		return a.writeUnkeyed(target, body)
	}
	reply, e := a.pass(target, body)
	for _, w := range writes {
		a.end(w, false)
	}
	return reply, e
}
