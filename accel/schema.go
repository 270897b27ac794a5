package accel

import (
	"strings"
	"sync"
	"time"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// Tables' key schemas, learned from the upstream's DescribeTable: the
// cache key of an item is its table and its primary key in shard's
// canonical encoding (numbers by value, so "1.0" and "1" are one key).
//
// A schema is kept until the table changes: CreateTable, UpdateTable,
// DeleteTable (and restores) through this node drop it, and so do, on an
// item request of the table, an upstream ValidationException about the
// key schema or a ResourceNotFoundException, and an upstream that accepts
// a key which does not match the schema known here (the table was
// recreated behind this node). Dropping a schema drops every entry. A failed lookup
// (no such table, no permission to describe it) is remembered for
// schemaRetry, during which the table's requests pass through uncached.
type schemas struct {
	up *upstream
	// learned, when set, is told of every schema learned (coherence.go
	// starts tailing the table's stream).
	learned func(table string, ts *tableSchema)
	mu      struct {
		sync.RWMutex
		tables map[string]*tableSchema
	}
}

// tableSchema is one table's key schema, or a failed lookup.
type tableSchema struct {
	key    shard.KeySchema
	ok     bool      // false: the lookup failed
	failed time.Time // when it failed
	// stream is the table's enabled stream's ARN ("" when it has none),
	// view its StreamViewType.
	stream, view string
}

// schemaRetry is how long a failed lookup is remembered.
const schemaRetry = time.Second

func newSchemas(up *upstream) *schemas {
	s := &schemas{up: up}
	s.mu.tables = map[string]*tableSchema{}
	return s
}

// get returns table's key schema; ok is false when it is not known (the
// table's requests then pass through).
func (s *schemas) get(table string) (shard.KeySchema, bool) {
	table = tableOf(table)
	s.mu.RLock()
	ts := s.mu.tables[table]
	s.mu.RUnlock()
	if ts != nil && (ts.ok || time.Since(ts.failed) < schemaRetry) {
		return ts.key, ts.ok
	}
	ts = s.describe(table)
	s.mu.Lock()
	s.mu.tables[table] = ts
	s.mu.Unlock()
	if ts.ok && s.learned != nil {
		s.learned(table, ts)
	}
	return ts.key, ts.ok
}

// lookup returns table's schema if it is known (without asking).
func (s *schemas) lookup(table string) (shard.KeySchema, bool) {
	table = tableOf(table)
	s.mu.RLock()
	defer s.mu.RUnlock()
	ts := s.mu.tables[table]
	if ts == nil || !ts.ok {
		return shard.KeySchema{}, false
	}
	return ts.key, true
}

// learn records a schema described elsewhere (persist.go).
func (s *schemas) learn(table string, ts *tableSchema) {
	table = tableOf(table)
	s.mu.Lock()
	s.mu.tables[table] = ts
	s.mu.Unlock()
	if ts.ok && s.learned != nil {
		s.learned(table, ts)
	}
}

// known reports whether table's schema is known (without asking).
func (s *schemas) known(table string) bool {
	table = tableOf(table)
	s.mu.RLock()
	defer s.mu.RUnlock()
	ts := s.mu.tables[table]
	return ts != nil && ts.ok
}

// drop forgets table's schema (all tables when table is "").
func (s *schemas) drop(table string) {
	table = tableOf(table)
	s.mu.Lock()
	defer s.mu.Unlock()
	if table == "" {
		clear(s.mu.tables)
		return
	}
	delete(s.mu.tables, table)
}

// describe asks the upstream for table's key schema. Concurrent first
// requests of a table may each ask: that is rare and harmless.
func (s *schemas) describe(table string) *tableSchema {
	body := dynamodb.AppendJSONString([]byte(`{"TableName":`), table)
	body = append(body, '}')
	status, reply, e := s.up.call(dynamodb.Target("DescribeTable"), body)
	failed := &tableSchema{failed: time.Now()}
	if e != nil || status != 200 {
		return failed
	}
	doc, ok := dynamodb.ParseDoc(reply)
	if !ok {
		return failed
	}
	t := doc.Get("Table")
	types := map[string]attr.Type{}
	defs := t.Get("AttributeDefinitions")
	for i := range defs.Len() {
		_, d := defs.At(i)
		name, _ := d.Get("AttributeName").Str()
		typ, _ := d.Get("AttributeType").Str()
		types[name] = attr.ParseType(typ)
	}
	var ks shard.KeySchema
	key := t.Get("KeySchema")
	for i := range key.Len() {
		_, k := key.At(i)
		name, _ := k.Get("AttributeName").Str()
		switch kt, _ := k.Get("KeyType").Str(); kt {
		case "HASH":
			ks.HashName, ks.HashType = name, types[name]
		case "RANGE":
			ks.RangeName, ks.RangeType = name, types[name]
		}
	}
	if ks.HashName == "" || !ks.HashType.IsScalar() || (ks.RangeName != "" && !ks.RangeType.IsScalar()) {
		return failed
	}
	ts := &tableSchema{key: ks, ok: true}
	spec := t.Get("StreamSpecification")
	if on, _ := spec.Get("StreamEnabled").Bool(); on {
		ts.stream, _ = t.Get("LatestStreamArn").Str()
		ts.view, _ = spec.Get("StreamViewType").Str()
	}
	return ts
}

// tableOf returns the table a request's TableName (or RequestItems key)
// names: the name itself, or the name in a table ARN, which DynamoDB
// accepts in its place. Every cache and schema identity goes through it,
// so that a write addressed by ARN invalidates what a read by name cached
// (and the other way round); requests and replies keep what the client
// sent.
func tableOf(name string) string {
	if !strings.HasPrefix(name, "arn:") {
		return name
	}
	// arn:<partition>:dynamodb:<region>:<account>:table/<name>
	parts := strings.SplitN(name, ":", 6)
	if len(parts) != 6 || parts[2] != "dynamodb" {
		return name
	}
	t, ok := strings.CutPrefix(parts[5], "table/")
	if !ok || t == "" || strings.Contains(t, "/") {
		return name
	}
	return t
}

// cacheKey returns the item cache's key of key (a request's Key map) in
// table, or ok false when key is not exactly the schema's attributes with
// their types and valid key values (the request then passes through, and
// the upstream words the error).
func cacheKey(table string, ks shard.KeySchema, key attr.Item) (string, bool) {
	table = tableOf(table)
	want := 1
	if ks.HasRange() {
		want = 2
	}
	if len(key) != want {
		return "", false
	}
	for _, v := range key {
		if (v.Type == attr.S || v.Type == attr.B) && v.Str == "" {
			return "", false // DynamoDB refuses empty key values
		}
	}
	k, err := ks.EncodeKey(key)
	if err != nil {
		return "", false
	}
	b := make([]byte, 0, len(table)+1+len(k))
	b = append(b, table...)
	b = append(b, 0)
	b = append(b, k...)
	return string(b), true
}

// itemKey is cacheKey for a whole item: its key attributes are picked out.
func itemKey(table string, ks shard.KeySchema, item attr.Item) (string, bool) {
	key := attr.Item{}
	if v, ok := item[ks.HashName]; ok {
		key[ks.HashName] = v
	}
	if ks.HasRange() {
		if v, ok := item[ks.RangeName]; ok {
			key[ks.RangeName] = v
		}
	}
	return cacheKey(table, ks, key)
}
