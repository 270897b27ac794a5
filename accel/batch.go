package accel

import (
	"time"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/shard/expr"
)

// BatchGetItem: hits are answered from the cache; only the misses go
// upstream, in one BatchGetItem of whole items (the projections are
// applied here), whose UnprocessedKeys are asked again a bounded number
// of times within the upstream timeout. What is still unprocessed then is
// given back to the client in UnprocessedKeys, with its table's own
// projection, as DynamoDB does. Items come back in the order their keys
// were asked, per table.

var batchTableMembers = map[string]bool{
	"Keys": true, "ConsistentRead": true, "ProjectionExpression": true,
	"AttributesToGet": true, "ExpressionAttributeNames": true,
}

var batchGetMembers = map[string]bool{"RequestItems": true, "ReturnConsumedCapacity": true}

// Retries of UnprocessedKeys: at most batchRetries more calls, backing off
// from batchBackoff, doubling, while within the upstream timeout.
const (
	batchRetries = 5
	batchBackoff = 5 * time.Millisecond
	maxBatchKeys = 100
	// maxBatchGetBytes is DynamoDB's bound on a BatchGetItem reply's
	// items; past it the remaining keys are given back unprocessed.
	maxBatchGetBytes = 16 << 20
)

// batchTable is one table of a BatchGetItem.
type batchTable struct {
	name       string
	doc        dynamodb.Doc // its KeysAndAttributes
	ks         shard.KeySchema
	proj       *expr.Projection
	consistent bool
	keys       []batchKey
}

type batchKey struct {
	item        attr.Item
	key         string
	tok         token
	ent         *entry // nil: not (yet) read
	unprocessed bool
}

func (a *Accelerator) batchGetItem(body []byte) ([]byte, *dynamodb.Error) {
	target := dynamodb.Target("BatchGetItem")
	doc, ok := dynamodb.ParseDoc(body)
	if !ok || !knownMembers(doc, batchGetMembers) {
		return a.passUncached(target, body)
	}
	mode, ok := capacityMode(doc)
	ri := doc.Get("RequestItems")
	if !ok || !ri.IsObject() || ri.Len() == 0 {
		return a.passUncached(target, body)
	}
	tables := make([]*batchTable, 0, ri.Len())
	total := 0
	for i := range ri.Len() {
		name, ka := ri.At(i)
		t, ok := a.batchTable(name, ka)
		if !ok {
			return a.passUncached(target, body)
		}
		total += len(t.keys)
		tables = append(tables, t)
	}
	if total > maxBatchKeys {
		return a.passUncached(target, body)
	}
	// Hits first; the rest is read upstream.
	var misses int
	for _, t := range tables {
		for i := range t.keys {
			k := &t.keys[i]
			if !t.consistent {
				if ent, ok := a.cache.get(k.key); ok {
					if !ent.found {
						a.stats.negativeHits.Add(1)
					} else {
						a.stats.hits.Add(1)
					}
					k.ent = ent
					continue
				}
			}
			a.stats.misses.Add(1)
			k.tok = a.cache.snapshot(k.key)
			misses++
		}
	}
	if misses > 0 {
		if e := a.batchFetch(tables); e != nil {
			return nil, e
		}
	}
	return batchReply(tables, mode), nil
}

// batchTable parses one table's KeysAndAttributes.
func (a *Accelerator) batchTable(name string, ka dynamodb.Doc) (*batchTable, bool) {
	if !knownMembers(ka, batchTableMembers) {
		return nil, false
	}
	ks, ok := a.schemas.get(name)
	if !ok {
		return nil, false
	}
	t := &batchTable{name: name, doc: ka, ks: ks}
	if t.consistent, ok = optBool(ka, "ConsistentRead"); !ok {
		return nil, false
	}
	if t.proj, ok = readProjection(ka, ks); !ok {
		return nil, false
	}
	keys := ka.Get("Keys")
	if keys.Len() == 0 {
		return nil, false
	}
	seen := make(map[string]bool, keys.Len())
	for j := range keys.Len() {
		_, kd := keys.At(j)
		item, ok := kd.Item()
		if !ok {
			return nil, false
		}
		key, ok := cacheKey(name, ks, item)
		if !ok || seen[key] {
			return nil, false // the upstream refuses duplicates
		}
		seen[key] = true
		t.keys = append(t.keys, batchKey{item: item, key: key})
	}
	return t, true
}

// batchFetch reads the keys without an entry from the upstream, retrying
// unprocessed keys a bounded number of times within the timeout.
func (a *Accelerator) batchFetch(tables []*batchTable) *dynamodb.Error {
	deadline := time.Now().Add(a.up.timeout)
	backoff := batchBackoff
	for attempt := 0; ; attempt++ {
		req, n := batchRequest(tables)
		if n == 0 {
			return nil
		}
		status, reply, e := a.up.call(dynamodb.Target("BatchGetItem"), req)
		if e != nil {
			return e
		}
		if status != 200 {
			for _, t := range tables {
				a.upstreamRefused(t.name, status, reply)
			}
			return upstreamError(status, reply)
		}
		doc, ok := dynamodb.ParseDoc(reply)
		if !ok {
			return internalError("upstream " + a.up.endpoint + " sent a malformed BatchGetItem reply")
		}
		if e := a.batchMerge(tables, doc); e != nil {
			return e
		}
		if attempt == batchRetries || time.Now().Add(backoff).After(deadline) {
			return nil
		}
		if _, n := batchRequest(tables); n == 0 || batchBytes(tables) >= maxBatchGetBytes {
			return nil
		}
		time.Sleep(backoff)
		backoff *= 2
	}
}

// batchBytes returns the size of the items read so far.
func batchBytes(tables []*batchTable) int {
	n := 0
	for _, t := range tables {
		for _, k := range t.keys {
			if k.ent != nil {
				n += k.ent.size
			}
		}
	}
	return n
}

// batchRequest builds the upstream request for the keys still to read
// (those without an entry), n of them.
func batchRequest(tables []*batchTable) ([]byte, int) {
	req := []byte(`{"RequestItems":{`)
	n, nt := 0, 0
	for _, t := range tables {
		first := true
		for i := range t.keys {
			k := &t.keys[i]
			if k.ent != nil {
				continue
			}
			if first {
				if nt > 0 {
					req = append(req, ',')
				}
				req = dynamodb.AppendJSONString(req, t.name)
				req = append(req, `:{"Keys":[`...)
				first = false
				nt++
			} else {
				req = append(req, ',')
			}
			req = dynamodb.AppendItemJSON(req, k.item)
			n++
		}
		if !first {
			req = append(req, ']')
			if t.consistent {
				req = append(req, `,"ConsistentRead":true`...)
			}
			req = append(req, '}')
		}
	}
	return append(req, "}}"...), n
}

// batchMerge takes an upstream reply: the items returned fill their keys,
// the unprocessed keys stay to be asked again, the other keys asked have
// no item.
func (a *Accelerator) batchMerge(tables []*batchTable, doc dynamodb.Doc) *dynamodb.Error {
	resp := doc.Get("Responses")
	left := doc.Get("UnprocessedKeys")
	for _, t := range tables {
		found := map[string]attr.Item{}
		items := resp.Get(t.name)
		for i := range items.Len() {
			_, d := items.At(i)
			it, ok := d.Item()
			if !ok {
				return internalError("upstream " + a.up.endpoint + " sent an invalid item")
			}
			if key, ok := itemKey(t.name, t.ks, it); ok {
				found[key] = it
			}
		}
		unprocessed := map[string]bool{}
		keys := left.Get(t.name).Get("Keys")
		for i := range keys.Len() {
			_, d := keys.At(i)
			if k, ok := d.Item(); ok {
				if key, ok := cacheKey(t.name, t.ks, k); ok {
					unprocessed[key] = true
				}
			}
		}
		for i := range t.keys {
			k := &t.keys[i]
			if k.ent != nil {
				continue
			}
			k.unprocessed = unprocessed[k.key]
			if k.unprocessed {
				continue
			}
			item := found[k.key]
			a.stats.fills.Add(1)
			k.ent = a.cache.fill(k.key, k.tok, item, itemJSON(item))
		}
	}
	return nil
}

// batchReply is the BatchGetItem reply.
func batchReply(tables []*batchTable, mode string) []byte {
	out := make([]byte, 0, 256)
	out = append(out, `{"Responses":{`...)
	var unprocessed []byte
	total := 0
	for i, t := range tables {
		if i > 0 {
			out = append(out, ',')
		}
		out = dynamodb.AppendJSONString(out, t.name)
		out = append(out, ":["...)
		n := 0
		var left []byte
		over := false
		for j := range t.keys {
			k := &t.keys[j]
			var item attr.Item
			size := 0
			if k.ent != nil && k.ent.found && !over {
				size = k.ent.size
				if t.proj != nil {
					item = t.proj.Apply(k.ent.item())
					size = attr.ItemSize(item)
				}
				// DynamoDB's reply limit: past it, the table's remaining
				// keys are unprocessed.
				over = total+size > maxBatchGetBytes
			}
			if k.ent == nil || over {
				k.ent = nil
				if len(left) > 0 {
					left = append(left, ',')
				}
				left = dynamodb.AppendItemJSON(left, k.item)
				continue
			}
			if !k.ent.found {
				continue
			}
			total += size
			if n > 0 {
				out = append(out, ',')
			}
			if t.proj == nil {
				out = append(out, k.ent.json...)
			} else {
				out = dynamodb.AppendItemJSON(out, item)
			}
			n++
		}
		out = append(out, ']')
		if left != nil {
			if len(unprocessed) > 0 {
				unprocessed = append(unprocessed, ',')
			}
			unprocessed = dynamodb.AppendJSONString(unprocessed, t.name)
			unprocessed = append(unprocessed, ':')
			unprocessed = rewriteObject(unprocessed, t.doc, "Keys", "["+string(left)+"]")
		}
	}
	out = append(out, `},"UnprocessedKeys":{`...)
	out = append(out, unprocessed...)
	out = append(out, '}')
	if mode == "TOTAL" || mode == "INDEXES" {
		out = append(out, `,"ConsumedCapacity":[`...)
		for i, t := range tables {
			if i > 0 {
				out = append(out, ',')
			}
			var units float64
			for _, k := range t.keys {
				if k.ent != nil {
					units += attr.ReadUnits(k.ent.size, t.consistent)
				}
			}
			out = dynamodb.AppendTableCapacity(out, mode, t.name, units)
		}
		out = append(out, ']')
	}
	return append(out, '}')
}
