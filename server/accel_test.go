package server_test

import (
	"context"
	"net"
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

// serve opens cfg and serves its HTTP (and RESP) port on 127.0.0.1:0.
func serve(t *testing.T, cfg server.Config) (srv *server.Server, httpAddr, respAddr string) {
	t.Helper()
	srv, err := server.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
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
	return srv, hln.Addr().String(), rln.Addr().String()
}

// TestAccelerator: a server with Upstream serves the DynamoDB API from the
// upstream (its local store holds none of the upstream's tables), over
// HTTP and over RESP's DYNAMODB command, while the Redis keys stay local.
func TestAccelerator(t *testing.T) {
	ucfg := server.DefaultConfig()
	ucfg.InMemory = true
	_, upAddr, _ := serve(t, ucfg)

	cfg := server.DefaultConfig()
	cfg.InMemory = true
	cfg.Upstream = "http://" + upAddr
	cfg.UpstreamRegion = "us-east-1"
	cfg.UpstreamTimeout = 5 * time.Second
	cfg.UpstreamCredentials = credentials.NewStaticCredentialsProvider("test", "test", "")
	srv, addr, respAddr := serve(t, cfg)
	if srv.Accelerator() == nil {
		t.Fatal("no accelerator")
	}

	ctx := context.Background()
	client := func(addr string) *ddb.Client {
		return ddb.New(ddb.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr),
			Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), RetryMaxAttempts: 1})
	}
	acc, up := client(addr), client(upAddr)
	if _, err := acc.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:            aws.String("Music"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	}); err != nil {
		t.Fatal(err)
	}
	if names := srv.Store().TableNames(); len(names) != 0 {
		t.Fatalf("local tables %v: the upstream's table was created locally", names)
	}
	if out, err := up.ListTables(ctx, &ddb.ListTablesInput{}); err != nil || len(out.TableNames) != 1 {
		t.Fatalf("upstream tables %v %v", out, err)
	}

	rdb := redis.NewClient(&redis.Options{Addr: respAddr, Protocol: 2})
	defer rdb.Close()
	if err := rdb.Do(ctx, "DYNAMODB", "PutItem", `{"TableName":"Music","Item":{"pk":{"S":"a"},"v":{"S":"over RESP"}}}`).Err(); err != nil {
		t.Fatal(err)
	}
	out, err := up.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("Music"), Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "a"}}})
	if err != nil || out.Item["v"].(*types.AttributeValueMemberS).Value != "over RESP" {
		t.Fatalf("upstream read %v %v", out, err)
	}
	got, err := rdb.Do(ctx, "DYNAMODB", "GetItem", `{"TableName":"Music","Key":{"pk":{"S":"a"}}}`).Text()
	if err != nil || !strings.Contains(got, "over RESP") {
		t.Fatalf("GetItem over RESP: %q %v", got, err)
	}
	err = rdb.Do(ctx, "DYNAMODB", "GetItem", `{"TableName":"Nope","Key":{"pk":{"S":"a"}}}`).Err()
	if err == nil || !strings.HasPrefix(err.Error(), "ERR ResourceNotFoundException: ") {
		t.Fatalf("upstream error over RESP: %v", err)
	}

	// The Redis keys live in a local table, not upstream.
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if v, err := rdb.Get(ctx, "k").Result(); err != nil || v != "v" {
		t.Fatalf("GET %q %v", v, err)
	}
	if out, err := up.ListTables(ctx, &ddb.ListTablesInput{}); err != nil || len(out.TableNames) != 1 {
		t.Fatalf("upstream tables after SET: %v %v", out, err)
	}
}
