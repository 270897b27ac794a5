package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/dynacache/dynacache/server"
)

// TestMetrics: /metrics is valid Prometheus text and counts what was done;
// /healthz and /readyz answer.
func TestMetrics(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.Dir = t.TempDir()
	srv, err := server.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hln, _ := net.Listen("tcp", "127.0.0.1:0")
	mln, _ := net.Listen("tcp", "127.0.0.1:0")
	rln, _ := net.Listen("tcp", "127.0.0.1:0")
	srv.ServeHTTP(hln)
	srv.ServeRESP(rln)
	srv.ServeMetrics(mln)
	rc, err := net.Dial("tcp", rln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	rc.Write([]byte("SET k v\r\nLPUSH k x\r\nGET k\r\n"))
	rbuf := make([]byte, 0, 256)
	for !strings.Contains(string(rbuf), "$1\r\nv\r\n") {
		b := make([]byte, 256)
		n, err := rc.Read(b)
		if err != nil {
			t.Fatalf("RESP: %q %v", rbuf, err)
		}
		rbuf = append(rbuf, b[:n]...)
	}
	ctx := context.Background()
	db := ddb.New(ddb.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + hln.Addr().String()),
		Credentials: credentials.NewStaticCredentialsProvider("t", "t", ""), RetryMaxAttempts: 1})
	_, err = db.CreateTable(ctx, &ddb.CreateTableInput{TableName: aws.String("metered"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
		StreamSpecification:  &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage}})
	if err != nil {
		t.Fatal(err)
	}
	for _, pk := range []string{"a", "b", "c"} {
		if _, err := db.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("metered"),
			Item: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}}}); err != nil {
			t.Fatal(err)
		}
	}
	db.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("nope"), Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "a"}}})
	for range 2 {
		db.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("metered"), Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "a"}}})
		srv.Handler().WaitCache() // the miss's entry is in before the second read
	}

	// A connection held open (keep-alive) while the metrics are read.
	held, err := net.Dial("tcp", hln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	held.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	if _, err := held.Read(make([]byte, 512)); err != nil {
		t.Fatal(err)
	}

	base := "http://" + mln.Addr().String()
	get := func(path string) (int, string) {
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if st, body := get("/healthz"); st != 200 || strings.TrimSpace(body) != "ok" {
		t.Fatalf("/healthz: %d %q", st, body)
	}
	if st, body := get("/readyz"); st != 200 {
		t.Fatalf("/readyz: %d %q", st, body)
	}
	st, body := get("/metrics")
	if st != 200 {
		t.Fatalf("/metrics: %d", st)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	families, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics is not valid Prometheus text: %v", err)
	}
	value := func(name string, labels map[string]string) float64 {
		t.Helper()
		f := families[name]
		if f == nil {
			t.Fatalf("no %s in /metrics", name)
		}
	next:
		for _, m := range f.Metric {
			for _, lp := range m.Label {
				if want, ok := labels[lp.GetName()]; ok && want != lp.GetValue() {
					continue next
				}
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount())
			}
		}
		t.Fatalf("no %s%v in /metrics", name, labels)
		return 0
	}
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"dynacache_requests_total", map[string]string{"port": "http", "operation": "PutItem", "outcome": "ok"}, 3},
		{"dynacache_requests_total", map[string]string{"operation": "GetItem", "outcome": "ResourceNotFoundException"}, 1},
		{"dynacache_requests_total", map[string]string{"operation": "GetItem", "outcome": "ok"}, 2},
		{"dynacache_request_duration_seconds", map[string]string{"operation": "PutItem"}, 3},
		{"dynacache_table_items", map[string]string{"table": "metered"}, 3},
		{"dynacache_read_cache_hits_total", nil, 1},
		{"dynacache_read_cache_misses_total", nil, 1},
		{"dynacache_wal_records_total", nil, 6}, // the table, 3 puts; the RESP table, 1 SET
		{"dynacache_wal_refusing_writes", nil, 0},
		{"dynacache_requests_total", map[string]string{"port": "resp", "operation": "set", "outcome": "ok"}, 1},
		{"dynacache_requests_total", map[string]string{"port": "resp", "operation": "get", "outcome": "ok"}, 1},
		{"dynacache_pubsub_channels", map[string]string{"kind": "pattern"}, 0},
		{"dynacache_pubsub_disconnected_total", nil, 0},
		{"dynacache_stream_records", map[string]string{"table": "metered"}, 3},
		{"dynacache_stream_appended_total", map[string]string{"table": "metered"}, 3},
		{"dynacache_stream_last_sequence_number", map[string]string{"table": "metered"}, 3},
		{"dynacache_table_changes_dropped_total", nil, 0},
		{"dynacache_maxmemory_bytes", nil, 0},
		{"dynacache_evicted_keys_total", nil, 0},
	}
	for _, c := range checks {
		if got := value(c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if value("dynacache_connections", map[string]string{"port": "http"}) < 1 {
		t.Error("no open HTTP connection counted")
	}
	if value("dynacache_used_memory_bytes", nil) <= 0 {
		t.Error("no used memory")
	}
	for _, name := range []string{"go_memstats_heap_inuse_bytes", "process_resident_memory_bytes", "dynacache_wal_recovery_seconds"} {
		if families[name] == nil {
			t.Errorf("no %s", name)
		}
	}
}

// TestGrafanaDashboard: the dashboard in the repository is valid JSON and
// every metric its queries name is one the server exports.
func TestGrafanaDashboard(t *testing.T) {
	b, err := os.ReadFile("grafana/dynacache.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	exported := regexp.MustCompile(`"(dynacache_[a-z_]+)"`)
	src, _ := os.ReadFile("metrics.go")
	known := map[string]bool{"process_resident_memory_bytes": true, "go_memstats_heap_inuse_bytes": true}
	for _, m := range exported.FindAllStringSubmatch(string(src), -1) {
		known[m[1]] = true
	}
	names := regexp.MustCompile(`\b((?:dynacache|process|go)_[a-z_]+?)(?:_bucket|_sum|_count)?\b`)
	if len(d.Panels) == 0 {
		t.Fatal("no panels")
	}
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			for _, m := range names.FindAllStringSubmatch(tg.Expr, -1) {
				if !known[m[1]] {
					t.Errorf("panel %q queries %s, which the server does not export", p.Title, m[1])
				}
			}
		}
	}
}
