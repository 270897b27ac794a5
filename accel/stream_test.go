package accel_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynacache/dynacache/accel"
)

// fakeStream is an upstream's DynamoDB Streams API under the test's
// control, in front of a standalone dynacache (which serves the tables):
// DescribeTable replies gain the stream, and the test adds records,
// shards and errors.
type fakeStream struct {
	mu     sync.Mutex
	arn    string
	shards []*fakeShard
	fail   map[string]string // operation -> error type, once
	gone   bool              // the table's stream no longer exists
	seq    int
	// iterators lists the GetShardIterator requests (type, sequence
	// number).
	iterators []string
}

type fakeShard struct {
	id, parent string
	recs       []fakeRecord
	closed     bool
}

type fakeRecord struct {
	seq  string
	json string
}

func newFakeStream() *fakeStream {
	return &fakeStream{arn: "arn:aws:dynamodb:us-east-1:000000000000:table/Tab/stream/fake",
		shards: []*fakeShard{{id: "shard-0"}}, fail: map[string]string{}}
}

// add appends a record to shard i: event INSERT, MODIFY or REMOVE of pk,
// with attribute v (no NewImage for REMOVE or v ""), created at created.
func (f *fakeStream) add(i int, event, pk, v string, created time.Time) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	seq := strconv.Itoa(100000000000000000 + f.seq)
	img := ""
	if event != "REMOVE" && v != "" { // v "": a view without new images (KEYS_ONLY, OLD_IMAGE)
		img = fmt.Sprintf(`,"NewImage":{"pk":{"S":%q},"v":{"S":%q}}`, pk, v)
	}
	rec := fmt.Sprintf(`{"eventName":%q,"dynamodb":{"ApproximateCreationDateTime":%.3f,"Keys":{"pk":{"S":%q}}%s,"SequenceNumber":%q,"StreamViewType":"NEW_IMAGE"}}`,
		event, float64(created.UnixMilli())/1000, pk, img, seq)
	f.shards[i].recs = append(f.shards[i].recs, fakeRecord{seq, rec})
	return seq
}

// split closes shard i and opens a child of it; it returns the child's
// index.
func (f *fakeStream) split(i int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.shards[i].closed = true
	f.shards = append(f.shards, &fakeShard{id: fmt.Sprintf("shard-%d", len(f.shards)), parent: f.shards[i].id})
	return len(f.shards) - 1
}

func (f *fakeStream) failOnce(op, typ string) {
	f.mu.Lock()
	f.fail[op] = typ
	f.mu.Unlock()
}

func (f *fakeStream) setGone() {
	f.mu.Lock()
	f.gone = true
	f.mu.Unlock()
}

func (f *fakeStream) iteratorRequests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.iterators...)
}

func streamErr(w http.ResponseWriter, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(400)
	fmt.Fprintf(w, `{"__type":"com.amazonaws.dynamodb.v20120810#%s","message":%q}`, typ, msg)
}

func (f *fakeStream) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := r.Header.Get("X-Amz-Target")
		if op, ok := strings.CutPrefix(target, "DynamoDBStreams_20120810."); ok {
			body, _ := io.ReadAll(r.Body)
			f.serve(w, op, body)
			return
		}
		if target != "DynamoDB_20120810.DescribeTable" {
			h.ServeHTTP(w, r)
			return
		}
		rec := &recorder{h: http.Header{}, status: 200}
		h.ServeHTTP(rec, r)
		f.mu.Lock()
		gone := f.gone
		f.mu.Unlock()
		var doc map[string]map[string]any
		if rec.status != 200 || gone || json.Unmarshal(rec.body.Bytes(), &doc) != nil {
			w.WriteHeader(rec.status)
			w.Write(rec.body.Bytes())
			return
		}
		doc["Table"]["StreamSpecification"] = map[string]any{"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"}
		doc["Table"]["LatestStreamArn"] = f.arn
		out, _ := json.Marshal(doc)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Write(out)
	})
}

func (f *fakeStream) serve(w http.ResponseWriter, op string, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var req struct {
		StreamArn, ShardId, ShardIteratorType, SequenceNumber, ShardIterator string
		Limit                                                                int
	}
	json.Unmarshal(body, &req)
	if f.gone {
		streamErr(w, "ResourceNotFoundException", "Requested resource not found")
		return
	}
	if typ := f.fail[op]; typ != "" {
		delete(f.fail, op)
		streamErr(w, typ, "injected")
		return
	}
	shardOf := func(id string) (int, *fakeShard) {
		for i, s := range f.shards {
			if s.id == id {
				return i, s
			}
		}
		return -1, nil
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	switch op {
	case "DescribeStream":
		var shards []map[string]any
		for _, s := range f.shards {
			rng := map[string]any{"StartingSequenceNumber": "1"}
			if s.closed {
				rng["EndingSequenceNumber"] = "99999999999999999999999"
			}
			sh := map[string]any{"ShardId": s.id, "SequenceNumberRange": rng}
			if s.parent != "" {
				sh["ParentShardId"] = s.parent
			}
			shards = append(shards, sh)
		}
		out, _ := json.Marshal(map[string]any{"StreamDescription": map[string]any{"StreamArn": f.arn, "StreamStatus": "ENABLED", "Shards": shards}})
		w.Write(out)
	case "GetShardIterator":
		i, s := shardOf(req.ShardId)
		if s == nil {
			streamErr(w, "ResourceNotFoundException", "no such shard")
			return
		}
		f.iterators = append(f.iterators, req.ShardIteratorType+" "+req.SequenceNumber)
		pos := 0
		switch req.ShardIteratorType {
		case "LATEST":
			pos = len(s.recs)
		case "AFTER_SEQUENCE_NUMBER":
			for j, r := range s.recs {
				if r.seq == req.SequenceNumber {
					pos = j + 1
				}
			}
		}
		fmt.Fprintf(w, `{"ShardIterator":"it|%d|%d"}`, i, pos)
	case "GetRecords":
		var i, pos int
		if _, err := fmt.Sscanf(req.ShardIterator, "it|%d|%d", &i, &pos); err != nil || i >= len(f.shards) {
			streamErr(w, "ValidationException", "bad iterator")
			return
		}
		s := f.shards[i]
		recs := s.recs[pos:]
		parts := make([]string, len(recs))
		for j, r := range recs {
			parts[j] = r.json
		}
		next := ""
		if !s.closed {
			next = fmt.Sprintf(`,"NextShardIterator":"it|%d|%d"`, i, len(s.recs))
		}
		fmt.Fprintf(w, `{"Records":[%s]%s}`, strings.Join(parts, ","), next)
	default:
		streamErr(w, "UnknownOperationException", op)
	}
}

// tableCoherence returns table's coherence as the node reports it.
func tableCoherence(acc *accel.Accelerator, table string) accel.TableCoherence {
	for _, tc := range acc.Stats().Tables {
		if tc.Table == table {
			return tc
		}
	}
	return accel.TableCoherence{}
}

// streamEnv is a node in front of a dynacache upstream with a fake
// stream; table T exists and is tailed from the stream's tip.
func streamEnv(t *testing.T) (*env, *fakeStream) {
	t.Helper()
	fs := newFakeStream()
	e := newEnv(t, envOpts{wrap: fs.wrap, poll: time.Millisecond, ttl: time.Hour})
	createTable(t, e.c, "Tab")
	get(t, e.c, "Tab", "learn") // learns the schema: the tail starts
	waitFor(t, "the tail to reach the tip", func() bool { return tableCoherence(e.acc, "Tab").CaughtUp })
	return e, fs
}

// waitRecords waits until n records of T were applied.
func waitRecords(t *testing.T, e *env, n uint64) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d records applied", n), func() bool { return tableCoherence(e.acc, "Tab").Records >= n })
}

// A stream record older than a write this node acknowledged never
// overwrites it; a newer record of a key the node holds replaces the
// entry (here with an item the upstream does not even have: it can only
// have come from the stream).
func TestStreamLateRecordKeepsOwnWrite(t *testing.T) {
	e, fs := streamEnv(t)
	before := time.Now()
	put(t, e.c, "Tab", map[string]types.AttributeValue{"pk": s("k"), "v": s("mine")})
	if got := get(t, e.c, "Tab", "k"); got != "mine" {
		t.Fatalf("read %q after writing mine", got)
	}
	fs.add(0, "MODIFY", "k", "older", before)
	fs.add(0, "INSERT", "k", "older-too", time.Now())
	waitRecords(t, e, 2)
	e.acc.Wait()
	if got := get(t, e.c, "Tab", "k"); got != "mine" {
		t.Fatalf("a late stream record overwrote this node's write: read %q", got)
	}

	if got := get(t, e.c, "Tab", "other"); got != "" {
		t.Fatalf("other: %q", got)
	}
	e.acc.Wait()
	misses := e.acc.Stats().Misses
	fs.add(0, "INSERT", "other", "from-stream", time.Now())
	waitRecords(t, e, 3)
	e.acc.Wait()
	if got := get(t, e.c, "Tab", "other"); got != "from-stream" {
		t.Fatalf("the negative entry was not replaced by the stream's image: %q", got)
	}
	if m := e.acc.Stats().Misses; m != misses {
		t.Fatalf("the read after the record went upstream (%d misses, was %d)", m, misses)
	}
	fs.add(0, "REMOVE", "other", "", time.Now())
	waitRecords(t, e, 4)
	e.acc.Wait()
	if got := get(t, e.c, "Tab", "other"); got != "" {
		t.Fatalf("after REMOVE: %q", got)
	}
	if m := e.acc.Stats().Misses; m != misses {
		t.Fatalf("the read after REMOVE went upstream (%d misses, was %d)", m, misses)
	}
}

// A record changes the table's query results: the query cache drops
// them.
func TestStreamInvalidatesQueries(t *testing.T) {
	e, fs := streamEnv(t)
	put(t, e.direct, "Tab", map[string]types.AttributeValue{"pk": s("a"), "v": s("1")})
	if got := scanAll(t, e.c, "Tab", false); len(got) != 1 {
		t.Fatalf("scan: %v", got)
	}
	put(t, e.direct, "Tab", map[string]types.AttributeValue{"pk": s("b"), "v": s("2")})
	e.acc.Wait()
	if got := scanAll(t, e.c, "Tab", false); len(got) != 1 {
		t.Fatalf("the scan was not served from the query cache: %v", got)
	}
	fs.add(0, "INSERT", "b", "2", time.Now())
	waitRecords(t, e, 1)
	if got := scanAll(t, e.c, "Tab", false); len(got) != 2 {
		t.Fatalf("the scan after the record: %v", got)
	}
}

// An expired iterator is taken again after the last record applied.
func TestStreamExpiredIterator(t *testing.T) {
	e, fs := streamEnv(t)
	get(t, e.c, "Tab", "k")
	seq := fs.add(0, "INSERT", "k", "1", time.Now())
	waitRecords(t, e, 1)
	fs.failOnce("GetRecords", "ExpiredIteratorException")
	waitFor(t, "the injected error", func() bool {
		return tableCoherence(e.acc, "Tab").Errors > 0 || strings.Contains(strings.Join(fs.iteratorRequests(), ";"), seq)
	})
	fs.add(0, "MODIFY", "k", "2", time.Now())
	waitRecords(t, e, 2)
	e.acc.Wait()
	if got := get(t, e.c, "Tab", "k"); got != "2" {
		t.Fatalf("after the expired iterator: %q", got)
	}
	want := "AFTER_SEQUENCE_NUMBER " + seq
	reqs := fs.iteratorRequests()
	if reqs[len(reqs)-1] != want {
		t.Fatalf("iterator requests %q: want the last %q", reqs, want)
	}
}

// Trimmed records may be lost: the caches are dropped and the tail goes
// on from the stream's tip.
func TestStreamTrimmed(t *testing.T) {
	e, fs := streamEnv(t)
	put(t, e.direct, "Tab", map[string]types.AttributeValue{"pk": s("k"), "v": s("1")})
	get(t, e.c, "Tab", "k")
	e.acc.Wait()
	inv := e.acc.Stats().Invalidations
	fs.failOnce("GetRecords", "TrimmedDataAccessException")
	waitFor(t, "the caches to be dropped", func() bool { return e.acc.Stats().Invalidations > inv })
	misses := e.acc.Stats().Misses
	if got := get(t, e.c, "Tab", "k"); got != "1" {
		t.Fatalf("k: %q", got)
	}
	if e.acc.Stats().Misses != misses+1 {
		t.Fatal("the entry survived a loss of records")
	}
	waitFor(t, "the tail to reach the tip again", func() bool { return tableCoherence(e.acc, "Tab").CaughtUp })
	fs.add(0, "MODIFY", "k", "2", time.Now())
	waitRecords(t, e, 1)
	e.acc.Wait()
	if got := get(t, e.c, "Tab", "k"); got != "2" {
		t.Fatalf("after the loss, the stream is not applied: %q", got)
	}
	if reqs := fs.iteratorRequests(); reqs[len(reqs)-1] != "LATEST " {
		t.Fatalf("after the loss, iterators %q: want LATEST last", reqs)
	}
}

// A deleted table's stream is gone: the tail ends, the table's schema is
// forgotten, and the table is coherent by TTL (INFO says so) until it has
// a stream again.
func TestStreamTableDeleted(t *testing.T) {
	e, fs := streamEnv(t)
	fs.setGone()
	waitFor(t, "the tail to end", func() bool { return tableCoherence(e.acc, "Tab").Reason == "stream gone" })
	get(t, e.c, "Tab", "k") // learns the schema again: no stream now
	tc := tableCoherence(e.acc, "Tab")
	if tc.Mode != accel.CoherenceTTL || tc.Reason != "no stream" {
		t.Fatalf("after the stream went: %+v", tc)
	}
	if info := strings.Join(e.acc.Stats().Info(), "\n"); !strings.Contains(info, "accel_table_Tab:coherence=ttl,reason=no_stream") {
		t.Fatalf("INFO does not say T is coherent by TTL:\n%s", info)
	}
}

// A child shard is read after its parent is drained, from its start.
func TestStreamShardChildren(t *testing.T) {
	e, fs := streamEnv(t)
	get(t, e.c, "Tab", "k")
	fs.add(0, "INSERT", "k", "parent", time.Now())
	child := fs.split(0)
	fs.add(child, "MODIFY", "k", "child", time.Now())
	waitRecords(t, e, 2)
	e.acc.Wait()
	if got := get(t, e.c, "Tab", "k"); got != "child" {
		t.Fatalf("after a parent's and its child's records: %q", got)
	}
	if reqs := fs.iteratorRequests(); reqs[len(reqs)-1] != "TRIM_HORIZON " {
		t.Fatalf("iterators %q: want the child's from TRIM_HORIZON", reqs)
	}
}

// Stream errors that lose nothing (throttling) are retried.
func TestStreamThrottled(t *testing.T) {
	e, fs := streamEnv(t)
	get(t, e.c, "Tab", "k")
	fs.failOnce("GetRecords", "LimitExceededException")
	fs.add(0, "INSERT", "k", "1", time.Now())
	waitRecords(t, e, 1)
	e.acc.Wait()
	if got := get(t, e.c, "Tab", "k"); got != "1" {
		t.Fatalf("k: %q", got)
	}
}

// A table without a stream, and --coherence ttl: TTL coherence, said in
// INFO.
func TestNoStreamFallsBackToTTL(t *testing.T) {
	e := newEnv(t, envOpts{})
	createTable(t, e.c, "Plain")
	get(t, e.c, "Plain", "k")
	st := e.acc.Stats()
	if st.Coherence != accel.CoherenceStreams {
		t.Fatalf("default coherence %q", st.Coherence)
	}
	if tc := tableCoherence(e.acc, "Plain"); tc.Mode != accel.CoherenceTTL || tc.Reason != "no stream" {
		t.Fatalf("Plain: %+v", tc)
	}

	fs := newFakeStream()
	e2 := newEnv(t, envOpts{wrap: fs.wrap, coherence: accel.CoherenceTTL})
	createTable(t, e2.c, "Tab")
	get(t, e2.c, "Tab", "k")
	if tc := tableCoherence(e2.acc, "Tab"); tc.Mode != accel.CoherenceTTL || tc.Reason != "--coherence ttl" {
		t.Fatalf("T with --coherence ttl: %+v", tc)
	}
	if _, err := accel.New(accel.Options{Upstream: "http://127.0.0.1:1", Region: "r", Coherence: "sometimes",
		Credentials: aws.AnonymousCredentials{}}); err == nil || !strings.Contains(err.Error(), "--coherence") {
		t.Fatalf("invalid --coherence: %v", err)
	}
}

// Read-your-writes under -race while the stream delivers, late, the
// records of every earlier version of the keys being written (as it
// would after other writers' writes, or this node's own, ordered before
// the acknowledged one): a writer never reads back a version older than
// the one it was acknowledged.
func TestStreamReadYourWritesConcurrent(t *testing.T) {
	e, fs := streamEnv(t)
	const keys, versions = 6, 60
	type written struct {
		at time.Time // when the version was sent
		v  int
	}
	var mu sync.Mutex
	history := make([][]written, keys)
	stop := make(chan struct{})
	var injecting sync.WaitGroup
	injecting.Add(1)
	go func() {
		defer injecting.Done()
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			k := n % keys
			mu.Lock()
			h := history[k]
			var w written
			if len(h) > 0 {
				w = h[(n/keys)%len(h)]
			}
			mu.Unlock()
			if w.v > 0 {
				fs.add(0, "MODIFY", fmt.Sprint("k", k), strconv.Itoa(w.v), w.at)
			}
			time.Sleep(200 * time.Microsecond) // pace the injector: a few thousand records a second
		}
	}()
	errs := make(chan error, keys)
	var writing sync.WaitGroup
	for k := range keys {
		writing.Add(1)
		go func() {
			defer writing.Done()
			pk := fmt.Sprint("k", k)
			for v := 1; v <= versions; v++ {
				at := time.Now()
				if _, err := e.c.PutItem(context.Background(), &ddb.PutItemInput{TableName: aws.String("Tab"),
					Item: map[string]types.AttributeValue{"pk": s(pk), "v": s(strconv.Itoa(v))}}); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				history[k] = append(history[k], written{at, v})
				mu.Unlock()
				for range 3 {
					out, err := e.c.GetItem(context.Background(), &ddb.GetItemInput{TableName: aws.String("Tab"),
						Key: map[string]types.AttributeValue{"pk": s(pk)}})
					if err != nil {
						errs <- err
						return
					}
					got, _ := strconv.Atoi(out.Item["v"].(*types.AttributeValueMemberS).Value)
					if got < v {
						errs <- fmt.Errorf("%s: read version %d after version %d was acknowledged", pk, got, v)
						return
					}
				}
			}
		}()
	}
	writing.Wait()
	close(stop)
	injecting.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if tc := tableCoherence(e.acc, "Tab"); tc.Records == 0 {
		t.Fatalf("no stale record was applied: %+v", tc)
	}
}

// Warm restart: the stream positions are saved with the entries, and the
// node resumes each shard after the last record it applied, applying
// what came while it was down before it serves.
func TestStreamWarmRestartResumes(t *testing.T) {
	fs := newFakeStream()
	dir := t.TempDir()
	e := newEnv(t, envOpts{wrap: fs.wrap, poll: time.Millisecond, ttl: time.Hour, dir: dir})
	createTable(t, e.c, "Tab")
	get(t, e.c, "Tab", "k")
	waitFor(t, "the tail to reach the tip", func() bool { return tableCoherence(e.acc, "Tab").CaughtUp })
	get(t, e.c, "Tab", "k")
	seq := fs.add(0, "INSERT", "k", "1", time.Now())
	waitRecords(t, e, 1)
	e.acc.Close()
	fs.add(0, "MODIFY", "k", "2", time.Now())

	r := newEnv(t, envOpts{upstream: e.upstream, poll: time.Millisecond, ttl: time.Hour, dir: dir})
	reqs := fs.iteratorRequests()
	if want := "AFTER_SEQUENCE_NUMBER " + seq; reqs[len(reqs)-1] != want {
		t.Fatalf("iterators %q: want the last %q", reqs, want)
	}
	if got := get(t, r.c, "Tab", "k"); got != "2" {
		t.Fatalf("after the restart k = %q, want the record applied while the node was down", got)
	}
	if st := r.acc.Stats(); st.Misses != 0 || st.Hits != 1 {
		t.Fatalf("the read after the restart was not a hit: %+v", st)
	}
}

// A record without a new image (a KEYS_ONLY or OLD_IMAGE stream) drops
// the key's entry: the next read asks the upstream.
func TestStreamKeysOnlyDrops(t *testing.T) {
	e, fs := streamEnv(t)
	put(t, e.direct, "Tab", map[string]types.AttributeValue{"pk": s("k"), "v": s("1")})
	if got := get(t, e.c, "Tab", "k"); got != "1" {
		t.Fatalf("k: %q", got)
	}
	put(t, e.direct, "Tab", map[string]types.AttributeValue{"pk": s("k"), "v": s("2")})
	e.acc.Wait()
	if got := get(t, e.c, "Tab", "k"); got != "1" {
		t.Fatalf("k was not cached: %q", got)
	}
	fs.add(0, "MODIFY", "k", "", time.Now())
	waitRecords(t, e, 1)
	if got := get(t, e.c, "Tab", "k"); got != "2" {
		t.Fatalf("after a keys-only record: %q", got)
	}
}

// A table deleted through this node stops being tailed at once.
func TestStreamDeleteTableThroughNode(t *testing.T) {
	e, _ := streamEnv(t)
	if _, err := e.c.DeleteTable(context.Background(), &ddb.DeleteTableInput{TableName: aws.String("Tab")}); err != nil {
		t.Fatal(err)
	}
	if tc := tableCoherence(e.acc, "Tab"); tc.Table != "" {
		t.Fatalf("still tailed after DeleteTable: %+v", tc)
	}
}

// A tail far behind (records minutes older than what the node read) does
// not put old images over fresh reads: it drops them.
func TestStreamOldRecordDropsFreshRead(t *testing.T) {
	e, fs := streamEnv(t)
	put(t, e.direct, "Tab", map[string]types.AttributeValue{"pk": s("k"), "v": s("now")})
	if got := get(t, e.c, "Tab", "k"); got != "now" {
		t.Fatalf("k: %q", got)
	}
	e.acc.Wait()
	misses := e.acc.Stats().Misses
	fs.add(0, "MODIFY", "k", "minutes-ago", time.Now().Add(-5*time.Minute))
	waitRecords(t, e, 1)
	if got := get(t, e.c, "Tab", "k"); got != "now" {
		t.Fatalf("an old record replaced a fresh read: %q", got)
	}
	if m := e.acc.Stats().Misses; m != misses+1 {
		t.Fatalf("the entry was not dropped (%d misses, was %d)", m, misses)
	}
}
