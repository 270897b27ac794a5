package server_test

import (
	"context"
	"net"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/redis/go-redis/v9"

	"github.com/dynacache/dynacache/server"
)

// TestCrossProtocol: what go-redis writes over RESP, aws-sdk-go-v2 reads
// over HTTP, and the other way round, on one in-process server.
func TestCrossProtocol(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.InMemory = true
	srv, err := server.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.ServeHTTP(hln)
	go srv.ServeRESP(rln)

	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: rln.Addr().String(), Protocol: 2})
	defer rdb.Close()
	db := ddb.New(ddb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://" + hln.Addr().String()),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})

	// RESP writes, SDK reads.
	if err := rdb.Set(ctx, "greeting", "hello", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.HSet(ctx, "user:1", "name", "Ada", "lang", "Go").Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Incr(ctx, "hits").Err(); err != nil {
		t.Fatal(err)
	}
	get := func(key string) map[string]types.AttributeValue {
		t.Helper()
		out, err := db.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("redis"), ConsistentRead: aws.Bool(true),
			Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: key}}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Item
	}
	if v, ok := get("greeting")["val"].(*types.AttributeValueMemberS); !ok || v.Value != "hello" {
		t.Fatalf("SET seen over HTTP as %v", get("greeting"))
	}
	u := get("user:1")
	if u["name"].(*types.AttributeValueMemberS).Value != "Ada" || u["lang"].(*types.AttributeValueMemberS).Value != "Go" {
		t.Fatalf("HSET seen over HTTP as %v", u)
	}
	if v, ok := get("hits")["val"].(*types.AttributeValueMemberN); !ok || v.Value != "1" {
		t.Fatalf("INCR seen over HTTP as %v", get("hits"))
	}

	// SDK writes, RESP reads.
	if _, err := db.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("redis"), Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "fromhttp"}, "val": &types.AttributeValueMemberS{Value: "via PutItem"}}}); err != nil {
		t.Fatal(err)
	}
	if got, err := rdb.Get(ctx, "fromhttp").Result(); err != nil || got != "via PutItem" {
		t.Fatalf("GET of a PutItem: %q %v", got, err)
	}
	if _, err := db.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String("redis"),
		Key:                       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "hits"}},
		UpdateExpression:          aws.String("ADD val :n"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": &types.AttributeValueMemberN{Value: "41"}}}); err != nil {
		t.Fatal(err)
	}
	if got, err := rdb.Get(ctx, "hits").Result(); err != nil || got != "42" {
		t.Fatalf("GET after UpdateItem ADD: %q %v", got, err)
	}
	if _, err := db.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String("redis"),
		Key:                       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "user:1"}},
		UpdateExpression:          aws.String("SET email = :e"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":e": &types.AttributeValueMemberS{Value: "ada@example.com"}}}); err != nil {
		t.Fatal(err)
	}
	if got, err := rdb.HGet(ctx, "user:1", "email").Result(); err != nil || got != "ada@example.com" {
		t.Fatalf("HGET after UpdateItem SET: %q %v", got, err)
	}
	if n, err := rdb.HLen(ctx, "user:1").Result(); err != nil || n != 3 {
		t.Fatalf("HLEN: %d %v", n, err)
	}
	if _, err := db.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: aws.String("redis"),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "greeting"}}}); err != nil {
		t.Fatal(err)
	}
	if n, err := rdb.Exists(ctx, "greeting").Result(); err != nil || n != 0 {
		t.Fatalf("EXISTS after DeleteItem: %d %v", n, err)
	}
}
