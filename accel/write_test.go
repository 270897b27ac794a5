package accel_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// cacheOld puts v=old through the accelerator and makes it a hit, then
// writes v=new straight to the upstream: a read through the accelerator
// returns old until something refreshes or drops the entry.
func cacheOld(t *testing.T, e *env, pk string) {
	t.Helper()
	put(t, e.c, "Tab", map[string]types.AttributeValue{"pk": s(pk), "v": s("old")})
	hits := e.acc.Stats().Hits
	waitFor(t, "a hit", func() bool {
		get(t, e.c, "Tab", pk)
		return e.acc.Stats().Hits > hits
	})
	put(t, e.direct, "Tab", map[string]types.AttributeValue{"pk": s(pk), "v": s("new")})
	if v := get(t, e.c, "Tab", pk); v != "old" {
		t.Fatalf("setup: read %q", v)
	}
}

// A strongly consistent read goes upstream and refreshes the cache.
func TestConsistentReadRefreshes(t *testing.T) {
	e := newEnv(t, envOpts{})
	createTable(t, e.c, "Tab")
	cacheOld(t, e, "k")
	out, err := e.c.GetItem(context.Background(), &ddb.GetItemInput{TableName: aws.String("Tab"), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"pk": s("k")}})
	if err != nil || out.Item["v"].(*types.AttributeValueMemberS).Value != "new" {
		t.Fatalf("consistent read %v %v", out, err)
	}
	e.acc.Wait()
	if v := get(t, e.c, "Tab", "k"); v != "new" {
		t.Fatalf("after the consistent read: %q", v)
	}
}

// Writes whose keys the accelerator does not follow item by item
// (PartiQL, transactions) drop what they may touch, whether or not the
// upstream accepts them.
func TestUnfollowedWritesInvalidate(t *testing.T) {
	e := newEnv(t, envOpts{})
	createTable(t, e.c, "Tab")
	for i, tc := range []struct{ target, body string }{
		{"DynamoDB_20120810.ExecuteStatement", `{"Statement":"UPDATE Tab SET v='x' WHERE pk='k0'"}`},
		{"DynamoDB_20120810.TransactWriteItems", `{"TransactItems":[{"Delete":{"TableName":"Tab","Key":{"pk":{"S":"k1"}}}}]}`},
		{"DynamoDB_20120810.UpdateItem", `{"TableName":"Tab","Key":{"pk":{"S":"k2"}},"UpdateExpression":"SET w = :w","ExpressionAttributeValues":{":w":{"S":"w"}},"ReturnValues":"UPDATED_OLD"}`},
	} {
		pk := "k" + string(rune('0'+i))
		cacheOld(t, e, pk)
		ws, wb := post(t, e.front, tc.target, tc.body)
		if ws != 200 && !strings.Contains(wb, "__type") {
			t.Fatalf("%s: %d %s", tc.target, ws, wb)
		}
		// The upstream holds "new" (written past the accelerator) or what
		// the write made of it; either way not the "old" cached.
		want := get(t, e.direct, "Tab", pk)
		if v := get(t, e.c, "Tab", pk); v != want || v == "old" {
			t.Fatalf("after %s (%d %s): read %q, upstream holds %q", tc.target, ws, wb, v, want)
		}
	}
}

// BatchWriteItem: processed puts and deletes are cached as written;
// unprocessed ones are dropped, not guessed.
func TestBatchWriteItem(t *testing.T) {
	var leave atomic.Bool
	e := newEnv(t, envOpts{wrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if leave.Load() && r.Header.Get("X-Amz-Target") == "DynamoDB_20120810.BatchWriteItem" {
				// Process nothing: everything comes back unprocessed.
				b, _ := io.ReadAll(r.Body)
				w.Header().Set("Content-Type", "application/x-amz-json-1.0")
				io.WriteString(w, `{"UnprocessedItems":`+strings.TrimSuffix(strings.TrimPrefix(string(b), `{"RequestItems":`), "}")+`}`)
				return
			}
			h.ServeHTTP(w, r)
		})
	}})
	createTable(t, e.c, "Tab")
	ctx := context.Background()
	cacheOld(t, e, "a")
	cacheOld(t, e, "b")
	_, err := e.c.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"Tab": {
		{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"pk": s("a"), "v": s("batch")}}},
		{DeleteRequest: &types.DeleteRequest{Key: map[string]types.AttributeValue{"pk": s("b")}}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := get(t, e.c, "Tab", "a"), get(t, e.c, "Tab", "b"); a != "batch" || b != "" {
		t.Fatalf("after the batch: a=%q b=%q", a, b)
	}
	// Unprocessed: the upstream keeps "new", the accelerator must not
	// answer the batch's values nor its old "old".
	cacheOld(t, e, "c")
	leave.Store(true)
	out, err := e.c.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"Tab": {
		{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"pk": s("c"), "v": s("batch")}}},
	}}})
	if err != nil || len(out.UnprocessedItems["Tab"]) != 1 {
		t.Fatalf("%v %v", out, err)
	}
	if v := get(t, e.c, "Tab", "c"); v != "new" {
		t.Fatalf("unprocessed put: read %q", v)
	}
}

// A table recreated straight on the upstream with another key: the
// accelerator's schema and entries of it are dropped at the first
// request the upstream accepts with the new key, and it caches again.
func TestTableRecreatedBehind(t *testing.T) {
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	createTable(t, e.c, "Tab")
	cacheOld(t, e, "a")
	if _, err := e.direct.DeleteTable(ctx, &ddb.DeleteTableInput{TableName: aws.String("Tab")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.direct.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:            aws.String("Tab"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	}); err != nil {
		t.Fatal(err)
	}
	put(t, e.direct, "Tab", map[string]types.AttributeValue{"id": s("x"), "v": s("by id")})
	getID := func() string {
		out, err := e.c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("Tab"), Key: map[string]types.AttributeValue{"id": s("x")}})
		if err != nil || out.Item == nil {
			t.Fatalf("%v %v", out, err)
		}
		return out.Item["v"].(*types.AttributeValueMemberS).Value
	}
	if v := getID(); v != "by id" {
		t.Fatalf("read %q", v)
	}
	// The old key's entry is gone: the upstream words the error.
	_, err := e.c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("Tab"), Key: map[string]types.AttributeValue{"pk": s("a")}})
	apiErr(t, err, "ValidationException", "The provided key element does not match the schema")
	hits := e.acc.Stats().Hits
	waitFor(t, "a hit under the new schema", func() bool {
		getID()
		return e.acc.Stats().Hits > hits
	})
}
