// Package accel is dynacache's accelerator: run with --upstream, the
// server stands in front of a DynamoDB-compatible endpoint (AWS DynamoDB,
// a ScyllaDB Alternator node, another dynacache, dynalite) and serves the
// DynamoDB API from an item cache, writing through.
//
// The accelerator is a protocol/dynamodb Backend: the HTTP front door
// (envelope, authentication check, error shapes) stays that package's,
// and every request that passes it arrives here as its X-Amz-Target and
// raw JSON body. Then:
//
//   - GetItem and BatchGetItem (eventually consistent) are answered from
//     the item cache; misses go upstream and are cached for --item-ttl,
//     "no such item" too. A projection is applied locally to the cached
//     whole item. ConsistentRead reads go upstream and refresh the cache.
//   - PutItem, UpdateItem, DeleteItem and BatchWriteItem go upstream; once
//     the upstream acknowledges, the cache holds the new image where it is
//     known (see cache.go for the invariant that keeps a node's reads from
//     going back before its own acknowledged writes).
//   - Query and Scan (eventually consistent) are answered from the query
//     cache (query.go): the upstream's reply as it came, keyed by the
//     canonical request, for --query-ttl; any write this node forwards to
//     a table drops the table's results.
//   - Everything else (table operations, transactional reads,
//     PartiQL, tags, TTL, backups, the streams API, operations unknown
//     here) passes through unchanged: the upstream's status and body reach
//     the client as they came. Writes among them that the cache cannot
//     follow item by item invalidate what they may touch.
//
// The request is forwarded as its raw bytes where nothing needs changing,
// re-signed with SigV4 (aws-sdk-go-v2's signer and the default credential
// chain); the accelerator decodes only what a cache needs, and a request
// whose shape it does not fully understand passes through uncached, so
// the upstream validates and words every error.
//
// Coherence across nodes, and around writers that bypass this node, is
// by the tables' DynamoDB Streams (coherence.go, streams.go), or by TTL
// for a table without a stream. With --dir the item cache and the stream
// positions survive a restart (persist.go).
package accel

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"golang.org/x/sync/singleflight"

	"github.com/dynacache/dynacache/protocol/dynamodb"
)

// Options configure an Accelerator.
type Options struct {
	// Upstream is the endpoint's URL, e.g. https://dynamodb.eu-west-1.amazonaws.com.
	Upstream string
	// Region signs the upstream requests.
	Region string
	// Timeout bounds one upstream call (default DefaultTimeout).
	Timeout time.Duration
	// ItemTTL is how long a cached item lives (default DefaultItemTTL).
	ItemTTL time.Duration
	// QueryTTL is how long a cached Query or Scan reply lives (default
	// DefaultQueryTTL).
	QueryTTL time.Duration
	// CacheBytes bounds the item and query caches together (0: no cache,
	// pass through only): the query cache has a quarter (queryShareDiv),
	// the item cache the rest.
	CacheBytes int64
	// Credentials sign the upstream requests.
	Credentials aws.CredentialsProvider
	// Transport, when set, replaces the pooled HTTP transport (tests).
	Transport http.RoundTripper

	// CoherenceFrom, when set, is the RESP address of the node that reads
	// the streams: this node reads none and applies the records that node
	// relays instead (fanout.go).
	CoherenceFrom string
	// PublishRecord, when set, is given every stream record this node
	// applies (its table, shard id and GetRecords JSON), for the server
	// to relay to the nodes that follow this one (fanout.go).
	PublishRecord func(table, shard string, record []byte)
	// Coherence is CoherenceStreams (the default: a table with a stream
	// is kept coherent by tailing it, others by TTL) or CoherenceTTL.
	Coherence string
	// Streams is the DynamoDB Streams API's URL ("": derived from
	// Upstream, see streamsEndpoint).
	Streams string
	// StreamPoll is how long a tail waits at the tip before asking again
	// (default DefaultStreamPoll).
	StreamPoll time.Duration
	// Dir, when set, is where the item cache and the stream positions are
	// kept across restarts (persist.go).
	Dir string
	// SaveEvery is how often they are saved besides at Close (default
	// DefaultSaveEvery; negative: only at Close).
	SaveEvery time.Duration
	// ReplayTimeout bounds Start's replay of the streams (default
	// DefaultReplayTimeout).
	ReplayTimeout time.Duration
	// Logger logs the coherence's events (nil: slog.Default()).
	Logger *slog.Logger
}

// Defaults.
const (
	// DefaultTimeout is long enough for any healthy DynamoDB call (item
	// operations take milliseconds, a 1 MB Scan page or a table operation
	// well under a second) and for an SDK's own retry of a throttled one,
	// yet short enough that a dead upstream frees the caller while it can
	// still retry within the SDK's usual budget.
	DefaultTimeout = 10 * time.Second
	DefaultItemTTL = 5 * time.Minute
	// DefaultQueryTTL equals DefaultItemTTL: a query result is as stale
	// as an item can be on a node that did not see the write.
	DefaultQueryTTL = 5 * time.Minute
)

// Accelerator serves DynamoDB requests from its cache and its upstream.
// It is safe for concurrent use.
type Accelerator struct {
	up        *upstream
	opts      Options
	co        *coherence
	saver     *saver // nil without Dir
	closeOnce sync.Once
	cache     *itemCache
	queries   *queryCache
	schemas   *schemas
	flight    singleflight.Group // item reads
	qflight   singleflight.Group // Query and Scan (a group of its own: no key can meet an item read's)
	stats     counters
}

// New returns an accelerator for opts.
func New(opts Options) (*Accelerator, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.ItemTTL <= 0 {
		opts.ItemTTL = DefaultItemTTL
	}
	if opts.QueryTTL <= 0 {
		opts.QueryTTL = DefaultQueryTTL
	}
	if opts.StreamPoll <= 0 {
		opts.StreamPoll = DefaultStreamPoll
	}
	if opts.SaveEvery == 0 {
		opts.SaveEvery = DefaultSaveEvery
	}
	if opts.ReplayTimeout <= 0 {
		opts.ReplayTimeout = DefaultReplayTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	switch opts.Coherence {
	case "":
		opts.Coherence = CoherenceStreams
	case CoherenceStreams, CoherenceTTL:
	default:
		return nil, fmt.Errorf("invalid --coherence %q: want streams or ttl", opts.Coherence)
	}
	if opts.Credentials == nil {
		return nil, fmt.Errorf("accel: no credentials provider")
	}
	if opts.Region == "" {
		return nil, fmt.Errorf("accel: no region to sign upstream requests for")
	}
	up, err := newUpstream(opts.Upstream, opts.Region, opts.Timeout, opts.Credentials, opts.Transport)
	if err != nil {
		return nil, err
	}
	if opts.Streams == "" {
		opts.Streams = streamsEndpoint(up.endpoint)
	}
	streams, err := newUpstream(opts.Streams, opts.Region, opts.Timeout, opts.Credentials, opts.Transport)
	if err != nil {
		return nil, fmt.Errorf("--upstream-streams: %w", err)
	}
	streams.client = up.client // one connection pool
	queryBytes := opts.CacheBytes / queryShareDiv
	cache, err := newItemCache(opts.CacheBytes-queryBytes, opts.ItemTTL, opts.Dir != "")
	if err != nil {
		return nil, fmt.Errorf("accel: item cache: %w", err)
	}
	queries, err := newQueryCache(queryBytes, opts.QueryTTL, &cache.epoch)
	if err != nil {
		cache.close()
		return nil, fmt.Errorf("accel: query cache: %w", err)
	}
	a := &Accelerator{up: up, opts: opts, cache: cache, queries: queries, schemas: newSchemas(up)}
	a.co = newCoherence(a, streams, opts.Coherence == CoherenceStreams && cache.c != nil && opts.CoherenceFrom == "", opts.StreamPoll, opts.Logger)
	if opts.CoherenceFrom != "" && cache.c != nil {
		a.co.follower = newFollower(a.co, opts.CoherenceFrom)
	}
	a.schemas.learned = a.co.learned
	return a, nil
}

// Close stops the streams' tails, saves the cache (with --dir) and
// releases the caches. The accelerator must not serve afterwards.
func (a *Accelerator) Close() {
	a.closeOnce.Do(func() {
		a.co.close()
		if a.saver != nil {
			a.saver.close()
		}
		a.cache.close()
		a.queries.close()
	})
}

// Endpoint returns the upstream URL.
func (a *Accelerator) Endpoint() string { return a.up.endpoint }

const (
	dynamoPrefix = "DynamoDB_20120810."
)

// Serve runs one request (dynamodb.Backend).
func (a *Accelerator) Serve(target string, body []byte) ([]byte, *dynamodb.Error) {
	op, ok := strings.CutPrefix(target, dynamoPrefix)
	if !ok || a.cache.c == nil {
		return a.pass(target, body)
	}
	switch op {
	case "GetItem":
		return a.getItem(body)
	case "BatchGetItem":
		return a.batchGetItem(body)
	case "Query", "Scan":
		return a.query(op, body)
	case "PutItem":
		return a.writeQueries(op, body, a.putItem)
	case "DeleteItem":
		return a.writeQueries(op, body, a.deleteItem)
	case "UpdateItem":
		return a.writeQueries(op, body, a.updateItem)
	case "BatchWriteItem":
		return a.writeQueries(op, body, a.batchWriteItem)
	case "TransactWriteItems":
		return a.writeQueries(op, body, a.transactWriteItems)
	case "CreateTable", "UpdateTable", "DeleteTable", "RestoreTableFromBackup",
		"RestoreTableToPointInTime", "ImportTable":
		// Table changes alter or drop what is cached under the table's
		// name, and maybe its key schema.
		return a.invalidating(target, body, true)
	case "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction":
		// PartiQL statements may write items whose keys are not parsed
		// here.
		return a.invalidating(target, body, false)
	}
	return a.pass(target, body)
}

// pass forwards a request unchanged and returns the upstream's reply or
// error as it came.
func (a *Accelerator) pass(target string, body []byte) ([]byte, *dynamodb.Error) {
	status, reply, e := a.up.call(target, body)
	if e != nil {
		return nil, e
	}
	if status != 200 {
		return nil, upstreamError(status, reply)
	}
	return reply, nil
}

// invalidating passes a request on and drops the whole cache before it
// is forwarded (entries filled meanwhile are born invalid) and after it
// was answered; with schema, the request's table's key schema too.
func (a *Accelerator) invalidating(target string, body []byte, schema bool) ([]byte, *dynamodb.Error) {
	name := ""
	if schema {
		name = tableName(body)
	}
	a.cache.invalidateAll()
	a.stats.invalidations.Add(1)
	reply, e := a.pass(target, body)
	if schema {
		a.cache.invalidateAll()
	} else {
		a.cache.unkeyedWritten()
	}
	if schema {
		a.schemas.drop(name)
		if target == dynamodb.Target("DeleteTable") && e == nil {
			a.co.forget(name) // its stream ends: no more tailing
		}
	}
	return reply, e
}

// tableName returns a request's TableName ("" when it has none).
func tableName(body []byte) string {
	doc, ok := dynamodb.ParseDoc(body)
	if !ok {
		return ""
	}
	name, _ := doc.Get("TableName").Str()
	return name
}

// Wait waits until the cache has applied the entries installed so far
// (ristretto applies them asynchronously); tests use it to make the next
// read a hit.
func (a *Accelerator) Wait() {
	a.cache.wait()
	a.queries.wait()
}
