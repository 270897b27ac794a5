package server_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
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
// HTTP and over RESP's DYNAMODB command; the Redis keys are upstream too.
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
	// DYNAMODB TABLES lists the upstream's tables, as the other forms reach them.
	if names, err := rdb.Do(ctx, "DYNAMODB", "TABLES").StringSlice(); err != nil || len(names) != 1 || names[0] != "Music" {
		t.Fatalf("DYNAMODB TABLES through the accelerator: %v %v", names, err)
	}
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

	// The Redis keys live in the upstream's --resp-table, which is not
	// created there (accel_resp_test.go has the commands): without it,
	// SET says so, and neither a local table nor an upstream one appears.
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err == nil || !strings.Contains(err.Error(), "table 'redis' not found upstream") {
		t.Fatalf("SET without the upstream table: %v", err)
	}
	if out, err := up.ListTables(ctx, &ddb.ListTablesInput{}); err != nil || len(out.TableNames) != 1 {
		t.Fatalf("upstream tables after SET: %v %v", out, err)
	}
	if names := srv.Store().TableNames(); len(names) != 0 {
		t.Fatalf("local tables %v after SET", names)
	}
}

// TestAcceleratorVisibility: the accelerator's counters are in RESP INFO's
// Accelerator section (only in accelerator mode) and on /metrics.
func TestAcceleratorVisibility(t *testing.T) {
	ucfg := server.DefaultConfig()
	ucfg.InMemory = true
	_, upAddr, upRESP := serve(t, ucfg)

	cfg := server.DefaultConfig()
	cfg.InMemory = true
	cfg.Upstream = "http://" + upAddr
	cfg.UpstreamRegion = "us-east-1"
	cfg.UpstreamTimeout = 5 * time.Second
	cfg.UpstreamCredentials = credentials.NewStaticCredentialsProvider("test", "test", "")
	srv, addr, respAddr := serve(t, cfg)
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.ServeMetrics(mln)

	ctx := context.Background()
	db := ddb.New(ddb.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), RetryMaxAttempts: 1})
	if _, err := db.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:            aws.String("Seen"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	}); err != nil {
		t.Fatal(err)
	}
	key := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "a"}}
	if _, err := db.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("Seen"), Item: key}); err != nil {
		t.Fatal(err)
	}
	// Read until both caches answered (ristretto applies fills
	// asynchronously).
	deadline := time.Now().Add(10 * time.Second)
	for {
		db.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("Seen"), Key: key})
		db.Scan(ctx, &ddb.ScanInput{TableName: aws.String("Seen")})
		srv.Accelerator().Wait()
		if st := srv.Accelerator().Stats(); st.Hits > 0 && st.QueryHits > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no hits: %+v", srv.Accelerator().Stats())
		}
	}

	rdb := redis.NewClient(&redis.Options{Addr: respAddr, Protocol: 2})
	defer rdb.Close()
	for _, args := range [][]any{{"INFO"}, {"INFO", "accelerator"}} {
		info, err := rdb.Do(ctx, args...).Text()
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"# Accelerator\r\n", "accel_upstream:http://" + upAddr, "accel_hits:", "accel_query_hits:",
			"accel_query_misses:", "accel_query_entries:", "accel_evictions:", "accel_upstream_calls:", "accel_upstream_mean_us:"} {
			if !strings.Contains(info, want) {
				t.Fatalf("%v lacks %q:\n%s", args, want, info)
			}
		}
		if strings.Contains(info, "accel_query_hits:0\r\n") {
			t.Fatalf("%v: no query hits counted:\n%s", args, info)
		}
	}
	if info, _ := rdb.Do(ctx, "INFO", "server").Text(); strings.Contains(info, "Accelerator") {
		t.Fatalf("INFO server shows the accelerator:\n%s", info)
	}
	plain := redis.NewClient(&redis.Options{Addr: upRESP, Protocol: 2})
	defer plain.Close()
	if info, err := plain.Do(ctx, "INFO").Text(); err != nil || strings.Contains(info, "Accelerator") {
		t.Fatalf("a standalone server's INFO shows an Accelerator section (%v):\n%s", err, info)
	}

	res, err := http.Get("http://" + mln.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("/metrics is not valid Prometheus text: %v", err)
	}
	value := func(name, cache string) float64 {
		t.Helper()
		f := families[name]
		if f == nil {
			t.Fatalf("no %s in /metrics", name)
		}
		for _, m := range f.Metric {
			if len(m.Label) > 0 && m.Label[0].GetValue() != cache {
				continue
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			case m.Summary != nil:
				return float64(m.Summary.GetSampleCount())
			}
		}
		t.Fatalf("no %s{cache=%q} in /metrics", name, cache)
		return 0
	}
	for _, c := range []struct{ name, cache string }{
		{"dynacache_accel_hits_total", "item"}, {"dynacache_accel_hits_total", "query"},
		{"dynacache_accel_misses_total", "query"},
		{"dynacache_accel_entries", "item"}, {"dynacache_accel_entries", "query"},
		{"dynacache_accel_bytes", "item"}, {"dynacache_accel_bytes", "query"},
		{"dynacache_accel_upstream_calls_total", ""}, {"dynacache_accel_upstream_duration_seconds", ""},
	} {
		if v := value(c.name, c.cache); v <= 0 {
			t.Errorf("%s{cache=%q} = %v, want > 0", c.name, c.cache, v)
		}
	}
	// The put through the accelerator filled the item cache: no item miss.
	value("dynacache_accel_misses_total", "item")
	value("dynacache_accel_evictions_total", "query")
	value("dynacache_accel_upstream_errors_total", "")
}

// TestAcceleratorWarmRestart: with a data directory the accelerator's
// cache survives a restart of the server (here in front of a standalone
// dynacache, whose tables have no stream: coherence by TTL, said in INFO).
func TestAcceleratorWarmRestart(t *testing.T) {
	ucfg := server.DefaultConfig()
	ucfg.InMemory = true
	_, upAddr, _ := serve(t, ucfg)

	cfg := server.DefaultConfig()
	cfg.Dir = t.TempDir()
	cfg.Upstream = "http://" + upAddr
	cfg.UpstreamRegion = "us-east-1"
	cfg.UpstreamTimeout = 5 * time.Second
	cfg.UpstreamCredentials = credentials.NewStaticCredentialsProvider("test", "test", "")
	srv, addr, respAddr := serve(t, cfg)
	ctx := context.Background()
	c := ddb.New(ddb.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), RetryMaxAttempts: 1})
	if _, err := c.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:            aws.String("Music"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	}); err != nil {
		t.Fatal(err)
	}
	key := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "a"}}
	if _, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("Music"),
		Item: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "a"}, "v": &types.AttributeValueMemberS{Value: "1"}}}); err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: respAddr, Protocol: 2})
	info, err := rdb.Info(ctx, "accelerator").Result()
	rdb.Close()
	if err != nil || !strings.Contains(info, "accel_table_Music:coherence=ttl,reason=no_stream") {
		t.Fatalf("INFO accelerator %v:\n%s", err, info)
	}
	srv.Accelerator().Wait()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}

	srv2, addr2, _ := serve(t, cfg)
	c2 := ddb.New(ddb.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr2),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), RetryMaxAttempts: 1})
	out, err := c2.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("Music"), Key: key})
	if err != nil || out.Item["v"].(*types.AttributeValueMemberS).Value != "1" {
		t.Fatalf("GetItem after the restart: %v %v", out, err)
	}
	if st := srv2.Accelerator().Stats(); st.Hits != 1 || st.Misses != 0 {
		t.Fatalf("the read after the restart was not a hit: %+v", st)
	}
}
