package accel

import (
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/dgraph-io/ristretto/v2"

	"github.com/dynacache/dynacache/protocol/dynamodb"
)

// The query cache: the upstream's raw replies to eventually consistent
// Query and Scan requests, keyed by the canonical request, each living
// --query-ttl.
//
// A result depends on every item of its table (a Query's page may gain or
// lose an item from any write to its partition, a Scan's from any write
// at all), so coherence is per table, on the item cache's design
// (cache.go) with the table in the place of the key stripe:
//
//   - each table has a generation counter (tables hash onto a fixed set); an entry records the
//     counter's value (and the item cache's epoch) it was made at, and a
//     read uses it only if both are still current;
//   - a read miss snapshots the table's counter BEFORE asking the
//     upstream and installs the reply under that snapshot;
//   - a write to the table (PutItem, UpdateItem, DeleteItem, each table
//     of a BatchWriteItem or TransactWriteItems) bumps the counter BEFORE
//     it is forwarded and again once it is answered (acknowledged, failed
//     or unknown alike). A read whose snapshot was taken before the first
//     bump, or between the two, thus installs an entry that is born
//     invalid; only a read begun after the write was answered installs a
//     valid one, and that read was sent after the upstream acknowledged
//     the write.
//
// A write whose tables cannot be named here (a body that does not parse),
// PartiQL statements and table changes bump the epoch instead, which
// drops every entry of both caches.
//
// A query's reply is not patched from the write's image, as an item
// entry is: whether an item enters a page (key condition, filter, limit,
// the page's boundaries) is the upstream's to decide.
type queryCache struct {
	c     *ristretto.Cache[string, *queryEntry]
	ttl   time.Duration
	epoch *atomic.Uint64 // the item cache's epoch

	gens []atomic.Uint64 // generation by table stripe
}

// queryEntry is one cached reply. It is immutable once made.
type queryEntry struct {
	gen, epoch uint64
	reply      []byte
}

// queryShareDiv is the query cache's share of --cache-bytes: a quarter.
// The two caches are separate ristretto instances so that a few large
// Scan pages cannot evict the item working set (and item fills cannot
// churn out query pages); items get the larger share because GetItem is
// the hot path an accelerator exists for and a query result duplicates
// items that are often in the item cache too.
const queryShareDiv = 4

func newQueryCache(maxBytes int64, ttl time.Duration, epoch *atomic.Uint64) (*queryCache, error) {
	q := &queryCache{ttl: ttl, epoch: epoch, gens: make([]atomic.Uint64, tableStripes)}
	if maxBytes <= 0 {
		return q, nil
	}
	// Query replies are larger than items: ten counters per 1 KiB.
	rc, err := newRistretto[*queryEntry](maxBytes, maxBytes/1024*10, nil)
	if err != nil {
		return nil, err
	}
	q.c = rc
	return q, nil
}

func (q *queryCache) close() {
	if q.c != nil {
		q.c.Close()
	}
}

// tableStripes is the number of table generation counters. Tables hash
// onto them, so memory stays bounded whatever table names clients send;
// two tables sharing a stripe only cost each other misses.
const tableStripes = 1 << 10

// gen returns table's generation counter.
func (q *queryCache) gen(table string) *atomic.Uint64 {
	return &q.gens[xxhash.Sum64String(tableOf(table))&(tableStripes-1)]
}

// get returns the valid reply for key, a request on table, if any.
func (q *queryCache) get(table, key string) ([]byte, bool) {
	if q.c == nil {
		return nil, false
	}
	e, ok := q.c.Get(key)
	if !ok || e.gen != q.gen(table).Load() || e.epoch != q.epoch.Load() {
		return nil, false
	}
	return e.reply, true
}

// snapshot returns table's state, to be taken before a read is sent
// upstream (the epoch first, as in itemCache.snapshot).
func (q *queryCache) snapshot(table string) (gen, epoch uint64) {
	epoch = q.epoch.Load()
	return q.gen(table).Load(), epoch
}

// fill installs a reply read under the snapshot (gen, epoch).
func (q *queryCache) fill(key string, gen, epoch uint64, reply []byte) {
	if q.c == nil {
		return
	}
	q.c.SetWithTTL(key, &queryEntry{gen: gen, epoch: epoch, reply: reply}, int64(len(key)+len(reply)+entryOverhead), q.ttl)
}

// touch bumps the generation of each table: called before a write to
// them is forwarded and again after it was answered.
func (q *queryCache) touch(tables []string) {
	for _, t := range tables {
		q.gen(t).Add(1)
	}
}

func (q *queryCache) wait() {
	if q.c != nil {
		q.c.Wait()
	}
}

// queryMembers and scanMembers are the request members the query cache
// understands; a request with any other passes through uncached.
var (
	queryMembers = map[string]bool{
		"TableName": true, "IndexName": true, "Select": true, "AttributesToGet": true, "Limit": true,
		"ConsistentRead": true, "KeyConditions": true, "QueryFilter": true, "ConditionalOperator": true,
		"ScanIndexForward": true, "ExclusiveStartKey": true, "ReturnConsumedCapacity": true,
		"ProjectionExpression": true, "FilterExpression": true, "KeyConditionExpression": true,
		"ExpressionAttributeNames": true, "ExpressionAttributeValues": true,
	}
	scanMembers = map[string]bool{
		"TableName": true, "IndexName": true, "AttributesToGet": true, "Limit": true, "Select": true,
		"ScanFilter": true, "ConditionalOperator": true, "ExclusiveStartKey": true,
		"ReturnConsumedCapacity": true, "TotalSegments": true, "Segment": true,
		"ProjectionExpression": true, "FilterExpression": true, "ExpressionAttributeNames": true,
		"ExpressionAttributeValues": true, "ConsistentRead": true,
	}
)

// canonical appends d as JSON with every object's members in name order
// (DynamoDB's request objects are unordered), so requests that differ
// only in member order or white space share a key. Arrays keep their
// order.
func canonical(dst []byte, d dynamodb.Doc) []byte {
	switch {
	case d.IsObject():
		n := d.Len()
		idx := make([]int, n)
		names := make([]string, n)
		for i := range n {
			idx[i] = i
			names[i], _ = d.At(i)
		}
		slices.SortFunc(idx, func(a, b int) int {
			switch {
			case names[a] < names[b]:
				return -1
			case names[a] > names[b]:
				return 1
			}
			return a - b
		})
		dst = append(dst, '{')
		for k, i := range idx {
			if k > 0 {
				dst = append(dst, ',')
			}
			name, v := d.At(i)
			dst = dynamodb.AppendJSONString(dst, name)
			dst = append(dst, ':')
			dst = canonical(dst, v)
		}
		return append(dst, '}')
	case d.Len() > 0: // a non-empty array
		dst = append(dst, '[')
		for i := range d.Len() {
			if i > 0 {
				dst = append(dst, ',')
			}
			_, v := d.At(i)
			dst = canonical(dst, v)
		}
		return append(dst, ']')
	}
	return d.AppendJSON(dst)
}

// query serves Query (op "Query") and Scan (op "Scan") requests: an
// eventually consistent one from the query cache, or from the upstream
// and then cached; anything else passes through.
func (a *Accelerator) query(op string, body []byte) ([]byte, *dynamodb.Error) {
	target := dynamodb.Target(op)
	known := queryMembers
	if op == "Scan" {
		known = scanMembers
	}
	doc, ok := dynamodb.ParseDoc(body)
	if !ok || !knownMembers(doc, known) || a.queries.c == nil {
		return a.passUncached(target, body)
	}
	table, ok1 := doc.Get("TableName").Str()
	consistent, ok2 := optBool(doc, "ConsistentRead")
	if !ok1 || !ok2 || table == "" {
		return a.passUncached(target, body)
	}
	if consistent {
		// Strongly consistent: the upstream answers, and its answer is
		// not kept (a later eventually consistent read may as well ask).
		a.stats.queryConsistent.Add(1)
		return a.passUncached(target, body)
	}
	key := string(canonical(append([]byte(op), 0), doc))
	if reply, ok := a.queries.get(table, key); ok {
		a.stats.queryHits.Add(1)
		return reply, nil
	}
	a.stats.queryMisses.Add(1)
	gen, epoch := a.queries.snapshot(table)
	fetch := func() ([]byte, *dynamodb.Error) {
		status, reply, e := a.up.call(target, body)
		if e != nil {
			return nil, e
		}
		if status != 200 {
			e := upstreamError(status, reply)
			if e.Raw != nil && hasSuffix(e.Type, "#ResourceNotFoundException") {
				a.tableChanged(table)
			}
			return nil, e
		}
		a.queries.fill(key, gen, epoch, reply)
		return reply, nil
	}
	// As for items, the flight key carries the snapshot: a read joins
	// only a call that started after every write it must see began.
	fk := key + "\x00" + strconv.FormatUint(gen, 36) + "." + strconv.FormatUint(epoch, 36)
	v, _, _ := a.qflight.Do(fk, func() (any, error) {
		reply, e := fetch()
		return queryResult{reply, e}, nil
	})
	r := v.(queryResult)
	return r.reply, r.err
}

type queryResult struct {
	reply []byte
	err   *dynamodb.Error
}

// writeTables returns the tables a write request (PutItem, UpdateItem,
// DeleteItem, BatchWriteItem, TransactWriteItems) writes; ok is false
// when they cannot be named from body.
func writeTables(op string, body []byte) (tables []string, ok bool) {
	doc, ok := dynamodb.ParseDoc(body)
	if !ok {
		return nil, false
	}
	switch op {
	case "BatchWriteItem":
		ri := doc.Get("RequestItems")
		if !ri.IsObject() {
			return nil, false
		}
		for i := range ri.Len() {
			name, _ := ri.At(i)
			tables = append(tables, name)
		}
		return tables, true
	case "TransactWriteItems":
		items := doc.Get("TransactItems")
		if items.IsObject() {
			return nil, false
		}
		for i := range items.Len() {
			_, it := items.At(i)
			if !it.IsObject() {
				return nil, false
			}
			for j := range it.Len() {
				_, action := it.At(j)
				name, ok := action.Get("TableName").Str()
				if !ok {
					return nil, false
				}
				tables = append(tables, name)
			}
		}
		return tables, true
	}
	name, ok := doc.Get("TableName").Str()
	if !ok {
		return nil, false
	}
	return []string{name}, true
}

// writeQueries wraps a write (serve) with the query cache's marks: the
// tables it writes are touched before it is forwarded and after it is
// answered; a write whose tables are not known here drops every entry.
func (a *Accelerator) writeQueries(op string, body []byte, serve func([]byte) ([]byte, *dynamodb.Error)) ([]byte, *dynamodb.Error) {
	tables, ok := writeTables(op, body)
	if !ok {
		a.cache.invalidateAll()
		reply, e := serve(body)
		a.cache.unkeyedWritten()
		return reply, e
	}
	a.queries.touch(tables)
	reply, e := serve(body)
	a.queries.touch(tables)
	return reply, e
}
