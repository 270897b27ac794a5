package server_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/redis/go-redis/v9"

	"github.com/dynacache/dynacache/server"
)

// TestMaxMemoryAcceleratorCaches: with --maxmemory, the accelerator's
// caches get at most half of it (a log line says so when --cache-bytes
// asked for more), and what they hold is in the budget's account, so the
// RESP keys and the DynamoDB writes share the budget with them; the Redis
// keys, upstream items in this mode, are not refused over it.
func TestMaxMemoryAcceleratorCaches(t *testing.T) {
	ucfg := server.DefaultConfig()
	ucfg.InMemory = true
	_, upAddr, _ := serve(t, ucfg)

	var logs syncBuffer
	cfg := server.DefaultConfig()
	cfg.InMemory = true
	cfg.Log = &logs
	cfg.Upstream = "http://" + upAddr
	cfg.UpstreamRegion = "us-east-1"
	cfg.UpstreamTimeout = 5 * time.Second
	cfg.UpstreamCredentials = credentials.NewStaticCredentialsProvider("test", "test", "")
	cfg.MaxMemory = 3 << 30
	cfg.CacheBytes = 2 << 30
	srv, addr, respAddr := serve(t, cfg)
	t.Cleanup(func() { srv.Store().Budget().SetMax(0) }) // the runtime's limit is the process's
	if want := "--cache-bytes 2147483648 is more than half of --maxmemory 3221225472: the caches get 1610612736"; !strings.Contains(logs.String(), want) {
		t.Errorf("log %q, want %q", logs.String(), want)
	}

	ctx := context.Background()
	c := ddb.New(ddb.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), RetryMaxAttempts: 5})
	if _, err := c.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:            aws.String("Tab"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	}); err != nil {
		t.Fatal(err)
	}
	val := strings.Repeat("v", 10000)
	for i := range 50 {
		key := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k" + strconv.Itoa(i)}}
		if _, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("Tab"), Item: map[string]types.AttributeValue{
			"pk": key["pk"], "v": &types.AttributeValueMemberS{Value: val}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("Tab"), Key: key}); err != nil {
			t.Fatal(err)
		}
	}
	acc, b := srv.Accelerator(), srv.Store().Budget()
	deadline := time.Now().Add(10 * time.Second)
	for acc.CacheBytes() < 50*10000 && time.Now().Before(deadline) {
		for i := range 50 { // ristretto may drop sets: fill again
			c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("Tab"), Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k" + strconv.Itoa(i)}}})
		}
	}
	held := acc.CacheBytes()
	if held < 50*10000 {
		t.Fatalf("the caches hold %d bytes after 50 items of 10 kB", held)
	}
	if got := b.Account(); got < held {
		t.Errorf("the budget's account %d does not count the caches' %d bytes", got, held)
	}

	// The Redis keys are upstream items too: over the budget, their writes
	// are neither refused nor evicting (this node holds only cache entries).
	if _, err := c.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:            aws.String("redis"), // the default --resp-table
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	}); err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: respAddr, Protocol: 2})
	defer rdb.Close()
	if err := rdb.ConfigSet(ctx, "maxmemory", "1").Err(); err != nil {
		t.Fatal(err)
	}
	err := rdb.Set(ctx, "k", "v", 0).Err()
	rdb.ConfigSet(ctx, "maxmemory", "0")
	if err != nil {
		t.Errorf("SET in accelerator mode over the budget: %v", err)
	}
	if v, err := rdb.Get(ctx, "k").Result(); err != nil || v != "v" {
		t.Errorf("GET %q %v", v, err)
	}
}
