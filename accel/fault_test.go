package accel_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// An upstream that refuses connections: a clear ServiceUnavailable,
// naming the upstream, well within the timeout.
func TestUpstreamDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	e := newEnv(t, envOpts{timeout: time.Minute, upstream: "http://" + addr})
	st, body := post(t, e.front, "DynamoDB_20120810.GetItem", `{"TableName":"Tab","Key":{"pk":{"S":"k"}}}`)
	if st != 503 || !strings.Contains(body, "#ServiceUnavailable") || !strings.Contains(body, "upstream http://"+addr+"/ is unreachable") {
		t.Fatalf("%d %s", st, body)
	}
	st, body = post(t, e.front, "DynamoDB_20120810.PutItem", `{"TableName":"Tab","Item":{"pk":{"S":"k"}}}`)
	if st != 503 || !strings.Contains(body, "is unreachable") {
		t.Fatalf("%d %s", st, body)
	}
}

// An upstream slower than --upstream-timeout: the client gets
// ServiceUnavailable after the timeout, not a hang.
func TestUpstreamSlow(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	stop := func() { once.Do(func() { close(release) }) }
	e := newEnv(t, envOpts{timeout: 200 * time.Millisecond, wrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Amz-Target") == "DynamoDB_20120810.GetItem" {
				<-release
			}
			h.ServeHTTP(w, r)
		})
	}})
	defer stop()
	createTable(t, e.c, "Tab")
	st, body := post(t, e.front, "DynamoDB_20120810.GetItem", `{"TableName":"Tab","Key":{"pk":{"S":"k"}}}`)
	if st != 503 || !strings.Contains(body, "did not answer within 200ms") {
		t.Fatalf("%d %s", st, body)
	}
	if e.acc.Stats().UpstreamErrs == 0 {
		t.Fatal("the timeout was not counted")
	}
	stop()
	if v := get(t, e.c, "Tab", "k"); v != "" {
		t.Fatalf("read %q", v)
	}
}

// Throttling from the upstream reaches the client unchanged, and nothing
// is cached from it.
func TestUpstreamThrottles(t *testing.T) {
	const throttled = `{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."}`
	var throttle atomic.Bool
	e := newEnv(t, envOpts{wrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if throttle.Load() && r.Header.Get("X-Amz-Target") != "DynamoDB_20120810.DescribeTable" {
				w.Header().Set("Content-Type", "application/x-amz-json-1.0")
				w.WriteHeader(400)
				io.WriteString(w, throttled)
				return
			}
			h.ServeHTTP(w, r)
		})
	}})
	createTable(t, e.c, "Tab")
	throttle.Store(true)
	for _, tc := range []struct{ target, body string }{
		{"DynamoDB_20120810.GetItem", `{"TableName":"Tab","Key":{"pk":{"S":"k"}}}`},
		{"DynamoDB_20120810.PutItem", `{"TableName":"Tab","Item":{"pk":{"S":"k"},"v":{"S":"x"}}}`},
		{"DynamoDB_20120810.BatchGetItem", `{"RequestItems":{"Tab":{"Keys":[{"pk":{"S":"k"}}]}}}`},
		{"DynamoDB_20120810.Query", `{"TableName":"Tab","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"x"}}}`},
	} {
		st, body := post(t, e.front, tc.target, tc.body)
		if st != 400 || body != throttled {
			t.Fatalf("%s: %d %s", tc.target, st, body)
		}
	}
	_, err := e.c.GetItem(context.Background(), &ddb.GetItemInput{TableName: aws.String("Tab"), Key: map[string]types.AttributeValue{"pk": s("k")}})
	apiErr(t, err, "ProvisionedThroughputExceededException", "The level of configured provisioned throughput")
	throttle.Store(false)
	put(t, e.direct, "Tab", map[string]types.AttributeValue{"pk": s("k"), "v": s("x")})
	if v := get(t, e.c, "Tab", "k"); v != "x" {
		t.Fatalf("after throttling: %q", v)
	}
}

// BatchGetItem sends only the misses upstream, asks again for what the
// upstream left unprocessed, and merges.
func TestBatchGetItem(t *testing.T) {
	var mu sync.Mutex
	var batches []string
	var stall atomic.Int32 // BatchGetItems answered "all unprocessed"
	e := newEnv(t, envOpts{wrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Amz-Target") == "DynamoDB_20120810.BatchGetItem" {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				batches = append(batches, string(b))
				mu.Unlock()
				if stall.Add(-1) >= 0 {
					w.Header().Set("Content-Type", "application/x-amz-json-1.0")
					io.WriteString(w, `{"Responses":{},"UnprocessedKeys":`+strings.TrimPrefix(strings.TrimSuffix(string(b), "}"), `{"RequestItems":`)+`}`)
					return
				}
				r.Body = io.NopCloser(bytes.NewReader(b))
			}
			h.ServeHTTP(w, r)
		})
	}})
	createTable(t, e.c, "Tab")
	for i := range 4 {
		put(t, e.direct, "Tab", map[string]types.AttributeValue{"pk": s(fmt.Sprint("k", i)), "v": s(fmt.Sprint("v", i)), "w": s("w")})
	}
	// k0 and k9 cached (k9 as "no such item").
	get(t, e.c, "Tab", "k0")
	get(t, e.c, "Tab", "k9")
	e.acc.Wait()
	stall.Store(2)
	keys := []map[string]types.AttributeValue{{"pk": s("k0")}, {"pk": s("k1")}, {"pk": s("k2")}, {"pk": s("k9")}, {"pk": s("k8")}}
	out, err := e.c.BatchGetItem(context.Background(), &ddb.BatchGetItemInput{
		RequestItems:           map[string]types.KeysAndAttributes{"Tab": {Keys: keys, ProjectionExpression: aws.String("v")}},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range out.Responses["Tab"] {
		if len(it) != 1 {
			t.Fatalf("projection: %v", it)
		}
		got = append(got, it["v"].(*types.AttributeValueMemberS).Value)
	}
	if fmt.Sprint(got) != "[v0 v1 v2]" || len(out.UnprocessedKeys) != 0 || *out.ConsumedCapacity[0].CapacityUnits != 2.5 {
		t.Fatalf("got %v, unprocessed %v, capacity %v", got, out.UnprocessedKeys, *out.ConsumedCapacity[0].CapacityUnits)
	}
	mu.Lock()
	want := `{"RequestItems":{"Tab":{"Keys":[{"pk":{"S":"k1"}},{"pk":{"S":"k2"}},{"pk":{"S":"k8"}}]}}}`
	if len(batches) != 3 || batches[0] != want || batches[2] != want {
		t.Fatalf("upstream batches %q", batches)
	}
	batches = nil
	mu.Unlock()

	// An upstream that never processes: the keys come back unprocessed,
	// with the table's projection, after a bounded number of tries.
	e.acc.Wait()
	stall.Store(1000)
	keys = append(keys, map[string]types.AttributeValue{"pk": s("k3")})
	out, err = e.c.BatchGetItem(context.Background(), &ddb.BatchGetItemInput{
		RequestItems: map[string]types.KeysAndAttributes{"Tab": {Keys: keys, ProjectionExpression: aws.String("v")}}})
	if err != nil {
		t.Fatal(err)
	}
	left := out.UnprocessedKeys["Tab"]
	if len(out.Responses["Tab"]) != 3 || len(left.Keys) != 1 || *left.ProjectionExpression != "v" {
		t.Fatalf("responses %v unprocessed %+v", out.Responses, left)
	}
	mu.Lock()
	if len(batches) != 6 {
		t.Fatalf("%d upstream calls, want 1 + 5 retries", len(batches))
	}
	mu.Unlock()
}

// Read-your-writes through one node under concurrency: writers put
// increasing versions of shared keys while readers read them, and the
// upstream delays its GetItem replies at random so that miss fills land
// late, after newer writes. After a write is acknowledged, no read
// through the node returns an older version.
func TestReadYourWritesConcurrent(t *testing.T) {
	e := newEnv(t, envOpts{wrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Amz-Target") == "DynamoDB_20120810.GetItem" {
				// Read the item now, answer later: a stale fill.
				rec := &recorder{h: http.Header{}}
				h.ServeHTTP(rec, r)
				time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
				for k, v := range rec.h {
					w.Header()[k] = v
				}
				w.WriteHeader(rec.status)
				w.Write(rec.body.Bytes())
				return
			}
			h.ServeHTTP(w, r)
		})
	}})
	createTable(t, e.c, "Tab")
	const keys, writers, readers, versions = 4, 4, 8, 40
	// acked[k] is the highest version of key k acknowledged so far.
	var acked [keys]atomic.Int64
	errs := make(chan error, writers+readers)
	read := func(k int) (int64, error) {
		out, err := e.c.GetItem(context.Background(), &ddb.GetItemInput{TableName: aws.String("Tab"),
			Key: map[string]types.AttributeValue{"pk": s(fmt.Sprint("k", k))}})
		if err != nil || out.Item == nil {
			return 0, err
		}
		var v int64
		fmt.Sscan(out.Item["v"].(*types.AttributeValueMemberN).Value, &v)
		return v, nil
	}
	check := func(who string, k int) bool {
		floor := acked[k].Load()
		got, err := read(k)
		if err == nil && got < floor {
			err = fmt.Errorf("%s: key k%d read version %d after version %d was acknowledged", who, k, got, floor)
		}
		if err != nil {
			errs <- err
			return false
		}
		return true
	}
	var writing, reading sync.WaitGroup
	done := make(chan struct{})
	for w := range writers {
		writing.Add(1)
		go func() {
			defer writing.Done()
			for i := range versions {
				k := (w + i) % keys
				// Versions are unique and grow with i; a conditional put
				// never replaces a newer version by an older one.
				v := int64(i*writers + w + 1)
				_, err := e.c.PutItem(context.Background(), &ddb.PutItemInput{TableName: aws.String("Tab"),
					Item:                      map[string]types.AttributeValue{"pk": s(fmt.Sprint("k", k)), "v": n(fmt.Sprint(v))},
					ConditionExpression:       aws.String("attribute_not_exists(v) OR v < :v"),
					ExpressionAttributeValues: map[string]types.AttributeValue{":v": n(fmt.Sprint(v))}})
				if err != nil && !strings.Contains(err.Error(), "ConditionalCheckFailed") {
					errs <- err
					return
				}
				if err == nil {
					// The item holds v now (or a newer version).
					for {
						cur := acked[k].Load()
						if cur >= v || acked[k].CompareAndSwap(cur, v) {
							break
						}
					}
				}
				if !check("writer", k) {
					return
				}
			}
		}()
	}
	for r := range readers {
		reading.Add(1)
		go func() {
			defer reading.Done()
			for i := 0; i < 100000; i++ {
				select {
				case <-done:
					return
				default:
				}
				if !check("reader", (r+i)%keys) {
					return
				}
			}
		}()
	}
	writing.Wait()
	close(done)
	reading.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if st := e.acc.Stats(); st.Hits == 0 || st.Misses == 0 {
		t.Fatalf("the test did not exercise the cache: %+v", st)
	}
}

type recorder struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(s int)           { r.status = s }
