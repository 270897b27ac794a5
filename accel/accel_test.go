package accel_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/dynacache/dynacache/accel"
	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard"
)

// env is an accelerator in front of a standalone dynacache, both on
// 127.0.0.1:0, with SDK clients for each.
type env struct {
	acc      *accel.Accelerator
	front    string      // the accelerator's URL
	upstream string      // the upstream's URL
	c        *ddb.Client // through the accelerator
	direct   *ddb.Client // straight to the upstream
}

type envOpts struct {
	ttl       time.Duration
	queryTTL  time.Duration
	timeout   time.Duration
	wrap      func(http.Handler) http.Handler // around the upstream
	transport http.RoundTripper
	upstream  string // when set, the upstream's URL (no upstream is started)
	coherence string // --coherence
	dir       string // --dir
	poll      time.Duration
	replay    time.Duration
}

func newEnv(t testing.TB, o envOpts) *env {
	t.Helper()
	upURL := o.upstream
	if upURL == "" {
		var h http.Handler = dynamodb.NewHandler(shard.New(nil), dynamodb.Options{})
		if o.wrap != nil {
			h = o.wrap(h)
		}
		up := httptest.NewServer(h)
		t.Cleanup(up.Close)
		upURL = up.URL
	}
	acc, err := accel.New(accel.Options{
		Upstream:      upURL,
		Region:        "us-east-1",
		Timeout:       o.timeout,
		ItemTTL:       o.ttl,
		QueryTTL:      o.queryTTL,
		CacheBytes:    8 << 20,
		Credentials:   credentials.NewStaticCredentialsProvider("test", "test", ""),
		Transport:     o.transport,
		Coherence:     o.coherence,
		Dir:           o.dir,
		StreamPoll:    o.poll,
		SaveEvery:     -1,
		ReplayTimeout: o.replay,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(acc.Close)
	if err := acc.Start(); err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(dynamodb.NewHandler(shard.New(nil), dynamodb.Options{Backend: acc}))
	t.Cleanup(front.Close)
	return &env{acc: acc, front: front.URL, upstream: upURL, c: client(front.URL), direct: client(upURL)}
}

func client(url string) *ddb.Client {
	return ddb.New(ddb.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		RetryMaxAttempts: 1,
	})
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

// createTable creates table T (partition key pk, S) through c.
func createTable(t testing.TB, c *ddb.Client, name string) {
	t.Helper()
	_, err := c.CreateTable(context.Background(), &ddb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
}

func put(t testing.TB, c *ddb.Client, table string, item map[string]types.AttributeValue) {
	t.Helper()
	if _, err := c.PutItem(context.Background(), &ddb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatal(err)
	}
}

// get reads pk's attribute v (eventually consistent): "" when there is
// no item.
func get(t testing.TB, c *ddb.Client, table, pk string) string {
	t.Helper()
	out, err := c.GetItem(context.Background(), &ddb.GetItemInput{TableName: aws.String(table),
		Key: map[string]types.AttributeValue{"pk": s(pk)}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Item == nil {
		return ""
	}
	return out.Item["v"].(*types.AttributeValueMemberS).Value
}

// post sends a raw request and returns the status and body.
func post(t testing.TB, url, target, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func apiErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s error, got %v", code, err)
	}
	if ae.ErrorCode() != code || (msg != "" && !strings.Contains(ae.ErrorMessage(), msg)) {
		t.Fatalf("want %s: %q\n got %s: %q", code, msg, ae.ErrorCode(), ae.ErrorMessage())
	}
}

// waitFor polls cond until it holds or a deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestHitsAndNegativeEntries(t *testing.T) {
	e := newEnv(t, envOpts{})
	createTable(t, e.c, "Tab")
	if v := get(t, e.c, "Tab", "a"); v != "" {
		t.Fatalf("missing item read %q", v)
	}
	// The negative entry answers without the upstream once ristretto has
	// taken it.
	waitFor(t, "a negative hit", func() bool {
		get(t, e.c, "Tab", "a")
		return e.acc.Stats().NegativeHits > 0
	})
	// A write through the accelerator replaces the negative entry.
	put(t, e.c, "Tab", map[string]types.AttributeValue{"pk": s("a"), "v": s("one")})
	if v := get(t, e.c, "Tab", "a"); v != "one" {
		t.Fatalf("after put: %q", v)
	}
	waitFor(t, "a hit", func() bool {
		if v := get(t, e.c, "Tab", "a"); v != "one" {
			t.Fatalf("read %q", v)
		}
		return e.acc.Stats().Hits > 0
	})
	calls := e.acc.Stats().UpstreamCalls
	for range 10 {
		if v := get(t, e.c, "Tab", "a"); v != "one" {
			t.Fatalf("hit read %q", v)
		}
	}
	if got := e.acc.Stats().UpstreamCalls; got != calls {
		t.Fatalf("hits went upstream: %d calls, then %d", calls, got)
	}
	// Delete: a negative entry again.
	if _, err := e.c.DeleteItem(context.Background(), &ddb.DeleteItemInput{TableName: aws.String("Tab"),
		Key: map[string]types.AttributeValue{"pk": s("a")}}); err != nil {
		t.Fatal(err)
	}
	if v := get(t, e.c, "Tab", "a"); v != "" {
		t.Fatalf("after delete: %q", v)
	}
	st := e.acc.Stats()
	if st.Entries <= 0 || st.Bytes <= 0 || st.Misses == 0 || st.UpstreamMean <= 0 {
		t.Fatalf("stats: %+v", st)
	}
	if info := strings.Join(st.Info(), "\n"); !strings.Contains(info, "accel_hits:") {
		t.Fatalf("info: %s", info)
	}
}

// A write straight to the upstream is not seen through the accelerator
// while the entry lives (coherence across writers is by TTL in this
// increment), and is seen once it expired.
func TestDirectWriteSeenAfterTTL(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ttl   time.Duration
		stale bool
	}{{"long ttl", time.Hour, true}, {"short ttl", 50 * time.Millisecond, false}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOpts{ttl: tc.ttl})
			createTable(t, e.c, "Tab")
			put(t, e.c, "Tab", map[string]types.AttributeValue{"pk": s("k"), "v": s("old")})
			waitFor(t, "a hit", func() bool {
				get(t, e.c, "Tab", "k")
				return e.acc.Stats().Hits > 0
			})
			put(t, e.direct, "Tab", map[string]types.AttributeValue{"pk": s("k"), "v": s("new")})
			if tc.stale {
				if v := get(t, e.c, "Tab", "k"); v != "old" {
					t.Fatalf("read %q: want the cached value until the TTL", v)
				}
				return
			}
			waitFor(t, "the entry to expire", func() bool { return get(t, e.c, "Tab", "k") == "new" })
		})
	}
}

// Projections are served from the cached whole item and answer what the
// upstream answers.
func TestProjections(t *testing.T) {
	e := newEnv(t, envOpts{})
	createTable(t, e.c, "Tab")
	item := map[string]types.AttributeValue{"pk": s("p"), "v": s("x"), "n": n("1.50"),
		"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"a": s("1"), "b": n("2")}},
		"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{s("e0"), s("e1"), s("e2")}}}
	put(t, e.c, "Tab", item)
	bodies := []string{
		`{"TableName":"Tab","Key":{"pk":{"S":"p"}}}`,
		`{"TableName":"Tab","Key":{"pk":{"S":"p"}},"ProjectionExpression":"v, m.b, l[1]"}`,
		`{"TableName":"Tab","Key":{"pk":{"S":"p"}},"ProjectionExpression":"#n, #m.a","ExpressionAttributeNames":{"#n":"n","#m":"m"}}`,
		`{"TableName":"Tab","Key":{"pk":{"S":"p"}},"AttributesToGet":["n","nope"]}`,
		`{"TableName":"Tab","Key":{"pk":{"S":"p"}},"ProjectionExpression":"v","ReturnConsumedCapacity":"TOTAL"}`,
		`{"TableName":"Tab","Key":{"pk":{"S":"q"}},"ProjectionExpression":"v","ReturnConsumedCapacity":"INDEXES"}`,
		`{"TableName":"Tab","Key":{"pk":{"S":"p"}},"ConsistentRead":true,"ReturnConsumedCapacity":"TOTAL"}`,
		// Invalid requests pass through: the upstream's own errors.
		`{"TableName":"Tab","Key":{"pk":{"S":"p"}},"ProjectionExpression":"#x"}`,
		`{"TableName":"Tab","Key":{"pk":{"S":"p"}},"ProjectionExpression":"v","AttributesToGet":["v"]}`,
		`{"TableName":"Tab","Key":{"pk":{"N":"1"}}}`,
		`{"TableName":"Tab","Key":{"pk":{"S":"p"},"x":{"S":"y"}}}`,
		`{"TableName":"Nope","Key":{"pk":{"S":"p"}}}`,
		`{"TableName":"Tab","Key":{"pk":{"S":""}}}`,
	}
	for round := range 2 {
		for _, b := range bodies {
			ws, wb := post(t, e.upstream, "DynamoDB_20120810.GetItem", b)
			gs, gb := post(t, e.front, "DynamoDB_20120810.GetItem", b)
			if ws != gs || wb != gb {
				t.Fatalf("round %d, %s:\n upstream %d %s\n accel    %d %s", round, b, ws, wb, gs, gb)
			}
		}
		e.acc.Wait()
	}
	if e.acc.Stats().Hits == 0 {
		t.Fatal("no hits")
	}
}

// UpdateItem answers what the client asked for and leaves the cache with
// the new image.
func TestUpdateItemReturnValues(t *testing.T) {
	e := newEnv(t, envOpts{})
	createTable(t, e.c, "Tab")
	for _, rv := range []string{"", "NONE", "ALL_NEW", "ALL_OLD", "UPDATED_OLD", "UPDATED_NEW", "BOGUS"} {
		pk := "k" + rv
		seed := `{"TableName":"Tab","Item":{"pk":{"S":"` + pk + `"},"v":{"S":"a"},"c":{"N":"1"}}}`
		for _, u := range []string{e.upstream, e.front} {
			if st, b := post(t, u, "DynamoDB_20120810.PutItem", seed); st != 200 {
				t.Fatal(b)
			}
		}
		get(t, e.c, "Tab", pk) // cached
		e.acc.Wait()
		body := `{"TableName":"Tab","Key":{"pk":{"S":"` + pk + `"}},"UpdateExpression":"SET v = :v ADD c :one",` +
			`"ExpressionAttributeValues":{":v":{"S":"b"},":one":{"N":"1"}}`
		if rv != "" {
			body += `,"ReturnValues":"` + rv + `"`
		}
		body += `}`
		// The same update on the upstream directly (another copy of the
		// item would do; here the accelerator's goes to the same item, so
		// compare against a reply computed on a twin key).
		twin := strings.Replace(body, `"`+pk+`"`, `"twin`+rv+`"`, 1)
		post(t, e.upstream, "DynamoDB_20120810.PutItem", strings.Replace(seed, `"`+pk+`"`, `"twin`+rv+`"`, 1))
		ws, wb := post(t, e.upstream, "DynamoDB_20120810.UpdateItem", twin)
		gs, gb := post(t, e.front, "DynamoDB_20120810.UpdateItem", body)
		if ws != gs || strings.ReplaceAll(wb, "twin"+rv, pk) != gb {
			t.Fatalf("ReturnValues %q:\n upstream %d %s\n accel    %d %s", rv, ws, wb, gs, gb)
		}
		if ws == 200 {
			if v := get(t, e.c, "Tab", pk); v != "b" {
				t.Fatalf("ReturnValues %q: read %q after the update", rv, v)
			}
		}
	}
}

// A conditional write that fails drops the key's entry; the reply is the
// upstream's.
func TestConditionalFailure(t *testing.T) {
	e := newEnv(t, envOpts{})
	createTable(t, e.c, "Tab")
	put(t, e.c, "Tab", map[string]types.AttributeValue{"pk": s("k"), "v": s("one")})
	get(t, e.c, "Tab", "k")
	_, err := e.c.PutItem(context.Background(), &ddb.PutItemInput{TableName: aws.String("Tab"),
		Item:                map[string]types.AttributeValue{"pk": s("k"), "v": s("two")},
		ConditionExpression: aws.String("attribute_not_exists(pk)")})
	apiErr(t, err, "ConditionalCheckFailedException", "The conditional request failed")
	if v := get(t, e.c, "Tab", "k"); v != "one" {
		t.Fatalf("read %q", v)
	}
}

// Table changes through the accelerator drop what it cached of the table.
func TestTableChangesInvalidate(t *testing.T) {
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	createTable(t, e.c, "Tab")
	put(t, e.c, "Tab", map[string]types.AttributeValue{"pk": s("k"), "v": s("one")})
	waitFor(t, "a hit", func() bool {
		get(t, e.c, "Tab", "k")
		return e.acc.Stats().Hits > 0
	})
	if _, err := e.c.DeleteTable(ctx, &ddb.DeleteTableInput{TableName: aws.String("Tab")}); err != nil {
		t.Fatal(err)
	}
	_, err := e.c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("Tab"), Key: map[string]types.AttributeValue{"pk": s("k")}})
	apiErr(t, err, "ResourceNotFoundException", "")
	createTable(t, e.c, "Tab")
	if v := get(t, e.c, "Tab", "k"); v != "" {
		t.Fatalf("recreated table: read %q", v)
	}
}

// Operations the cache does not handle pass through unchanged, whatever
// their target.
func TestPassThrough(t *testing.T) {
	e := newEnv(t, envOpts{})
	createTable(t, e.c, "Tab")
	for _, tc := range []struct{ target, body string }{
		{"DynamoDB_20120810.DescribeTable", `{"TableName":"Tab"}`},
		{"DynamoDB_20120810.DescribeTable", `{"TableName":"Nope"}`},
		{"DynamoDB_20120810.ListTables", `{}`},
		{"DynamoDB_20120810.Query", `{"TableName":"Tab","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"x"}}}`},
		{"DynamoDB_20120810.TagResource", `{"ResourceArn":"arn:aws:dynamodb:us-east-1:000000000000:table/Tab","Tags":[]}`},
		{"DynamoDB_20120810.TransactWriteItems", `{"TransactItems":[{"Delete":{"TableName":"Tab","Key":{"pk":{"S":"x"}}}}]}`},
		{"DynamoDBStreams_20120810.ListStreams", `{}`},
		{"Bogus", `{}`},
		{"DynamoDB_20120810.PutItem", `{"TableName":"Tab","Item":{"pk":{"N":"1"}}}`},
		{"DynamoDB_20120810.BatchGetItem", `{"RequestItems":{"Tab":{"Keys":[{"pk":{"S":"a"}},{"pk":{"S":"a"}}]}}}`},
	} {
		ws, wb := post(t, e.upstream, tc.target, tc.body)
		gs, gb := post(t, e.front, tc.target, tc.body)
		if ws != gs || wb != gb {
			t.Fatalf("%s %s:\n upstream %d %s\n accel    %d %s", tc.target, tc.body, ws, wb, gs, gb)
		}
	}
	// The front door stays the accelerator's: no signature, no request.
	req, _ := http.NewRequest("POST", e.front, strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !bytes.Contains(b, []byte("MissingAuthenticationTokenException")) {
		t.Fatalf("unsigned: %d %s", resp.StatusCode, b)
	}
}

func ExampleStats_Info() {
	fmt.Println(accel.Stats{Upstream: "http://127.0.0.1:8000", Hits: 3}.Info()[:2])
	// Output: [accel_upstream:http://127.0.0.1:8000 accel_hits:3]
}

func ExampleStats_Info_tables() {
	st := accel.Stats{Coherence: "streams", Tables: []accel.TableCoherence{
		{Table: "Music", Mode: "streams", Records: 42, Lag: 18 * time.Millisecond, CaughtUp: true, Shards: 1},
		{Table: "Plain", Mode: "ttl", Reason: "no stream"},
	}}
	lines := st.Info()
	for _, l := range lines[len(lines)-5:] {
		fmt.Println(l)
	}
	// Output:
	// accel_coherence:streams
	// accel_stream_calls:0
	// accel_stream_errors:0
	// accel_table_Music:coherence=streams,records=42,lag_ms=18,caught_up=1,shards=1,errors=0
	// accel_table_Plain:coherence=ttl,reason=no_stream
}

// TestTableArnsShareEntries: a table named by its ARN is the same table
// for the caches: a write by ARN is read back by name, a write by name by
// ARN, and a Query cached by name is dropped by a write by ARN.
func TestTableArnsShareEntries(t *testing.T) {
	e := newEnv(t, envOpts{coherence: "ttl"})
	ctx := context.Background()
	createTable(t, e.c, "Music")
	arn := "arn:aws:dynamodb:us-east-1:000000000000:table/Music"
	put(t, e.c, "Music", map[string]types.AttributeValue{"pk": s("a"), "v": s("1")})
	waitFor(t, "a hit by name", func() bool {
		get(t, e.c, "Music", "a")
		return e.acc.Stats().Hits > 0
	})
	if _, err := e.c.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String(arn), Key: map[string]types.AttributeValue{"pk": s("a")},
		UpdateExpression: aws.String("SET v = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("2")}}); err != nil {
		t.Fatal(err)
	}
	if v := get(t, e.c, "Music", "a"); v != "2" {
		t.Fatalf("by name after a write by ARN: %q", v)
	}
	if v := get(t, e.c, arn, "a"); v != "2" {
		t.Fatalf("by ARN: %q", v)
	}
	put(t, e.c, "Music", map[string]types.AttributeValue{"pk": s("a"), "v": s("3")})
	if v := get(t, e.c, arn, "a"); v != "3" {
		t.Fatalf("by ARN after a write by name: %q", v)
	}
	query := func(table string) int {
		out, err := e.c.Query(ctx, &ddb.QueryInput{TableName: aws.String(table), KeyConditionExpression: aws.String("pk = :p"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("b")}})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.Items)
	}
	if query("Music") != 0 || query("Music") != 0 {
		t.Fatal("query before the write")
	}
	put(t, e.c, arn, map[string]types.AttributeValue{"pk": s("b"), "v": s("x")})
	if got := query("Music"); got != 1 {
		t.Fatalf("a Query cached by name after a write by ARN: %d items", got)
	}
}
