package accel_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// scanAll reads table through c (every page) and returns its items as
// "pk=v", sorted.
func scanAll(t testing.TB, c *ddb.Client, table string, consistent bool) []string {
	t.Helper()
	var out []string
	p := ddb.NewScanPaginator(c, &ddb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(consistent)})
	for i := 0; p.HasMorePages(); i++ {
		if i > 1000 {
			t.Fatal("too many pages")
		}
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			v := ""
			if av, ok := it["v"].(*types.AttributeValueMemberS); ok {
				v = av.Value
			}
			out = append(out, it["pk"].(*types.AttributeValueMemberS).Value+"="+v)
		}
	}
	slices.Sort(out)
	return out
}

// cachedScan scans table through the accelerator until the reply is a
// query cache hit, and returns it.
func cachedScan(t *testing.T, e *env) []string {
	t.Helper()
	var got []string
	waitFor(t, "a query cache hit", func() bool {
		before := e.acc.Stats().QueryHits
		got = scanAll(t, e.c, "Tab", false)
		e.acc.Wait()
		return e.acc.Stats().QueryHits > before
	})
	return got
}

func TestQueryCacheHits(t *testing.T) {
	e := newEnv(t, envOpts{})
	createTable(t, e.c, "Tab")
	put(t, e.c, "Tab", map[string]types.AttributeValue{"pk": s("a"), "v": s("one")})
	q := `{"TableName":"Tab","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"}}}`
	// The same request with its members in another order and white space.
	q2 := `{ "ExpressionAttributeValues" : {":p":{"S":"a"}}, "KeyConditionExpression":"pk = :p", "TableName":"Tab" }`
	_, want := post(t, e.upstream, "DynamoDB_20120810.Query", q)
	waitFor(t, "a query hit", func() bool {
		st, got := post(t, e.front, "DynamoDB_20120810.Query", q)
		if st != 200 || got != want {
			t.Fatalf("query: %d %s, want %s", st, got, want)
		}
		e.acc.Wait()
		return e.acc.Stats().QueryHits > 0
	})
	calls := e.acc.Stats().UpstreamCalls
	for range 10 {
		for _, body := range []string{q, q2} {
			if st, got := post(t, e.front, "DynamoDB_20120810.Query", body); st != 200 || got != want {
				t.Fatalf("hit: %d %s, want %s", st, got, want)
			}
		}
	}
	if got := e.acc.Stats().UpstreamCalls; got != calls {
		t.Fatalf("hits went upstream: %d calls, then %d", calls, got)
	}
	// Another parameter is another entry: a projection.
	qp := `{"TableName":"Tab","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"}},"ProjectionExpression":"pk"}`
	_, wantP := post(t, e.upstream, "DynamoDB_20120810.Query", qp)
	if st, got := post(t, e.front, "DynamoDB_20120810.Query", qp); st != 200 || got != wantP || got == want {
		t.Fatalf("projected: %d %s, want %s", st, got, wantP)
	}
	// Errors are the upstream's and are not cached.
	bad := `{"TableName":"Tab","KeyConditionExpression":"nope = :p","ExpressionAttributeValues":{":p":{"S":"a"}}}`
	ws, wb := post(t, e.upstream, "DynamoDB_20120810.Query", bad)
	for range 2 {
		if gs, gb := post(t, e.front, "DynamoDB_20120810.Query", bad); gs != ws || gb != wb {
			t.Fatalf("error: %d %s, want %d %s", gs, gb, ws, wb)
		}
	}
	// A Scan too.
	if got := cachedScan(t, e); !slices.Equal(got, []string{"a=one"}) {
		t.Fatalf("scan: %v", got)
	}
	st := e.acc.Stats()
	if st.QueryEntries == 0 || st.QueryBytes == 0 || st.QueryMisses == 0 {
		t.Fatalf("stats: %+v", st)
	}
}

// TestQueryInvalidation: after each kind of write through the
// accelerator, the cached Scan is gone; a write straight to the upstream
// is not seen until then (the Scan is served from the cache).
func TestQueryInvalidation(t *testing.T) {
	e := newEnv(t, envOpts{})
	createTable(t, e.c, "Tab")
	ctx := context.Background()
	key := func(pk string) map[string]types.AttributeValue { return map[string]types.AttributeValue{"pk": s(pk)} }
	for _, tc := range []struct {
		name  string
		write func() error
		want  []string
	}{
		{"PutItem", func() error {
			_, err := e.c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("Tab"), Item: map[string]types.AttributeValue{"pk": s("a"), "v": s("1")}})
			return err
		}, []string{"a=1", "x=direct"}},
		{"UpdateItem", func() error {
			_, err := e.c.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String("Tab"), Key: key("a"),
				UpdateExpression: aws.String("SET v = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("2")}})
			return err
		}, []string{"a=2", "x=direct"}},
		{"DeleteItem", func() error {
			_, err := e.c.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: aws.String("Tab"), Key: key("a")})
			return err
		}, []string{"x=direct"}},
		{"BatchWriteItem", func() error {
			_, err := e.c.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"Tab": {
				{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"pk": s("b"), "v": s("3")}}}}}})
			return err
		}, []string{"b=3", "x=direct"}},
		{"TransactWriteItems", func() error {
			_, err := e.c.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Delete: &types.Delete{TableName: aws.String("Tab"), Key: key("b")}}}})
			return err
		}, []string{"x=direct"}},
		{"ExecuteStatement", func() error {
			_, err := e.c.ExecuteStatement(ctx, &ddb.ExecuteStatementInput{Statement: aws.String(`INSERT INTO "Tab" VALUE {'pk': 'c', 'v': '4'}`)})
			return err
		}, []string{"c=4", "x=direct"}},
		{"BatchExecuteStatement", func() error {
			_, err := e.c.BatchExecuteStatement(ctx, &ddb.BatchExecuteStatementInput{Statements: []types.BatchStatementRequest{
				{Statement: aws.String(`DELETE FROM "Tab" WHERE pk = 'c'`)}}})
			return err
		}, []string{"x=direct"}},
	} {
		// Reset x straight on the upstream: the cached Scan does not see it.
		if _, err := e.direct.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: aws.String("Tab"), Key: key("x")}); err != nil {
			t.Fatal(err)
		}
		before := cachedScan(t, e)
		put(t, e.direct, "Tab", map[string]types.AttributeValue{"pk": s("x"), "v": s("direct")})
		if got := scanAll(t, e.c, "Tab", false); !slices.Equal(got, before) {
			t.Fatalf("%s: a cached scan read %v, want %v (the cached result)", tc.name, got, before)
		}
		if err := tc.write(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := scanAll(t, e.c, "Tab", false); !slices.Equal(got, tc.want) {
			t.Fatalf("after %s: scan read %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestQueryTableChanges(t *testing.T) {
	e := newEnv(t, envOpts{})
	createTable(t, e.c, "Tab")
	put(t, e.c, "Tab", map[string]types.AttributeValue{"pk": s("a"), "v": s("1")})
	if got := cachedScan(t, e); len(got) != 1 {
		t.Fatalf("scan: %v", got)
	}
	if _, err := e.c.DeleteTable(context.Background(), &ddb.DeleteTableInput{TableName: aws.String("Tab")}); err != nil {
		t.Fatal(err)
	}
	_, err := e.c.Scan(context.Background(), &ddb.ScanInput{TableName: aws.String("Tab")})
	apiErr(t, err, "ResourceNotFoundException", "")
	createTable(t, e.c, "Tab")
	if got := scanAll(t, e.c, "Tab", false); len(got) != 0 {
		t.Fatalf("recreated table scanned %v", got)
	}
}

func TestQueryPagination(t *testing.T) {
	e := newEnv(t, envOpts{})
	createTable(t, e.c, "Tab")
	for i := range 7 {
		put(t, e.c, "Tab", map[string]types.AttributeValue{"pk": s(fmt.Sprint("k", i)), "v": s(fmt.Sprint(i))})
	}
	pages := func(c *ddb.Client) (out []string) {
		p := ddb.NewScanPaginator(c, &ddb.ScanInput{TableName: aws.String("Tab"), Limit: aws.Int32(2)})
		for i := 0; p.HasMorePages(); i++ {
			if i > 100 {
				t.Fatal("too many pages")
			}
			page, err := p.NextPage(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var ks []string
			for _, it := range page.Items {
				ks = append(ks, it["pk"].(*types.AttributeValueMemberS).Value)
			}
			out = append(out, strings.Join(ks, ","))
		}
		return out
	}
	want := pages(e.direct)
	if len(want) < 4 {
		t.Fatalf("want several pages, got %v", want)
	}
	if got := pages(e.c); !slices.Equal(got, want) {
		t.Fatalf("pages %v, want %v", got, want)
	}
	e.acc.Wait()
	calls := e.acc.Stats().UpstreamCalls
	hits := e.acc.Stats().QueryHits
	waitFor(t, "every page a hit", func() bool {
		if got := pages(e.c); !slices.Equal(got, want) {
			t.Fatalf("cached pages %v, want %v", got, want)
		}
		e.acc.Wait()
		st := e.acc.Stats()
		ok := st.QueryHits-hits == uint64(len(want)) && st.UpstreamCalls == calls
		hits, calls = st.QueryHits, st.UpstreamCalls
		return ok
	})
}

func TestQueryConsistentReadBypasses(t *testing.T) {
	e := newEnv(t, envOpts{})
	createTable(t, e.c, "Tab")
	before := cachedScan(t, e)
	put(t, e.direct, "Tab", map[string]types.AttributeValue{"pk": s("x"), "v": s("direct")})
	if got := scanAll(t, e.c, "Tab", false); !slices.Equal(got, before) {
		t.Fatalf("cached scan %v, want %v", got, before)
	}
	for range 2 {
		if got := scanAll(t, e.c, "Tab", true); !slices.Equal(got, []string{"x=direct"}) {
			t.Fatalf("consistent scan %v", got)
		}
	}
	// The consistent reads did not refresh the entry (nor were cached).
	if got := scanAll(t, e.c, "Tab", false); !slices.Equal(got, before) {
		t.Fatalf("cached scan after consistent ones %v, want %v", got, before)
	}
	if st := e.acc.Stats(); st.QueryConsistent != 2 {
		t.Fatalf("consistent queries: %+v", st)
	}
}

func TestQueryTTL(t *testing.T) {
	e := newEnv(t, envOpts{queryTTL: 100 * time.Millisecond})
	createTable(t, e.c, "Tab")
	cachedScan(t, e)
	put(t, e.direct, "Tab", map[string]types.AttributeValue{"pk": s("x"), "v": s("direct")})
	waitFor(t, "the entry to expire", func() bool {
		return slices.Equal(scanAll(t, e.c, "Tab", false), []string{"x=direct"})
	})
}

// TestQueryReadYourWritesConcurrent: Queries racing writes through the
// same node, the upstream answering Queries late with what it read
// early, never see a version older than one the node acknowledged.
func TestQueryReadYourWritesConcurrent(t *testing.T) {
	e := newEnv(t, envOpts{wrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Amz-Target") == "DynamoDB_20120810.Query" {
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
	var acked [keys]atomic.Int64
	errs := make(chan error, writers+readers)
	read := func(k int) (int64, error) {
		out, err := e.c.Query(context.Background(), &ddb.QueryInput{TableName: aws.String("Tab"),
			KeyConditionExpression:    aws.String("pk = :p"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s(fmt.Sprint("k", k))}})
		if err != nil || len(out.Items) == 0 {
			return 0, err
		}
		var v int64
		fmt.Sscan(out.Items[0]["v"].(*types.AttributeValueMemberN).Value, &v)
		return v, nil
	}
	check := func(who string, k int) bool {
		floor := acked[k].Load()
		got, err := read(k)
		if err == nil && got < floor {
			err = fmt.Errorf("%s: key k%d queried version %d after version %d was acknowledged", who, k, got, floor)
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
				v := int64(i*writers + w + 1)
				// Every write kind the query cache follows, in turn.
				item := map[string]types.AttributeValue{"pk": s(fmt.Sprint("k", k)), "v": n(fmt.Sprint(v))}
				var err error
				switch i % 3 {
				case 0:
					_, err = e.c.PutItem(context.Background(), &ddb.PutItemInput{TableName: aws.String("Tab"), Item: item,
						ConditionExpression:       aws.String("attribute_not_exists(v) OR v < :v"),
						ExpressionAttributeValues: map[string]types.AttributeValue{":v": n(fmt.Sprint(v))}})
				case 1:
					_, err = e.c.UpdateItem(context.Background(), &ddb.UpdateItemInput{TableName: aws.String("Tab"),
						Key:                       map[string]types.AttributeValue{"pk": item["pk"]},
						UpdateExpression:          aws.String("SET v = :v"),
						ConditionExpression:       aws.String("attribute_not_exists(v) OR v < :v"),
						ExpressionAttributeValues: map[string]types.AttributeValue{":v": n(fmt.Sprint(v))}})
				case 2:
					_, err = e.c.TransactWriteItems(context.Background(), &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
						{Put: &types.Put{TableName: aws.String("Tab"), Item: item,
							ConditionExpression:       aws.String("attribute_not_exists(v) OR v < :v"),
							ExpressionAttributeValues: map[string]types.AttributeValue{":v": n(fmt.Sprint(v))}}}}})
				}
				if err != nil && !strings.Contains(err.Error(), "ConditionalCheckFailed") && !strings.Contains(err.Error(), "TransactionCanceled") {
					errs <- err
					return
				}
				if err == nil {
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
	if st := e.acc.Stats(); st.QueryHits == 0 || st.QueryMisses == 0 {
		t.Fatalf("the test did not exercise the query cache: %+v", st)
	}
}
