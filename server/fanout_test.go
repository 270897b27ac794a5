package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynacache/dynacache/accel"
	"github.com/dynacache/dynacache/server"
)

// TestAcceleratorFanout: one accelerator node reads the upstream's stream
// and relays its records over RESP; two followers read no stream and
// still see a write made straight to the upstream, for an item each had
// cached with an hour's TTL. A follower that reconnects drops its cache.
func TestAcceleratorFanout(t *testing.T) {
	ucfg := server.DefaultConfig()
	ucfg.InMemory = true
	_, upAddr, _ := serve(t, ucfg)
	node := func(from string) (*server.Server, *ddb.Client, string) {
		cfg := server.DefaultConfig()
		cfg.InMemory = true
		if from == "" {
			cfg.RequirePass = "s3cret" // the followers AUTH with it
		} else {
			from = "redis://:s3cret@" + from
		}
		cfg.Upstream = "http://" + upAddr
		cfg.UpstreamRegion = "us-east-1"
		cfg.UpstreamTimeout = 5 * time.Second
		cfg.UpstreamCredentials = credentials.NewStaticCredentialsProvider("test", "test", "")
		cfg.ItemTTL = time.Hour
		cfg.CoherenceFrom = from
		srv, addr, respAddr := serve(t, cfg)
		return srv, ddb.New(ddb.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr),
			Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), RetryMaxAttempts: 1}), respAddr
	}
	ctx := context.Background()
	up := ddb.New(ddb.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + upAddr),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), RetryMaxAttempts: 1})
	if _, err := up.CreateTable(ctx, &ddb.CreateTableInput{TableName: aws.String("Fan"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
		StreamSpecification:  &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage}}); err != nil {
		t.Fatal(err)
	}
	put := func(c *ddb.Client, v string) {
		t.Helper()
		if _, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("Fan"),
			Item: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k"}, "v": &types.AttributeValueMemberS{Value: v}}}); err != nil {
			t.Fatal(err)
		}
	}
	get := func(c *ddb.Client) string {
		t.Helper()
		out, err := c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("Fan"), Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k"}}})
		if err != nil {
			t.Fatal(err)
		}
		if out.Item == nil {
			return ""
		}
		return out.Item["v"].(*types.AttributeValueMemberS).Value
	}
	put(up, "1")
	reader, rc, readerRESP := node("")
	f1, c1, _ := node(readerRESP)
	f2, c2, _ := node(readerRESP)
	waitConnected := func(s *server.Server) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !s.Accelerator().Stats().FanoutConnected {
			if time.Now().After(deadline) {
				t.Fatal("the follower never connected to its reader")
			}
			time.Sleep(10 * time.Millisecond) // polling with a deadline
		}
	}
	waitConnected(f1)
	waitConnected(f2)
	for _, c := range []*ddb.Client{rc, c1, c2} {
		if v := get(c); v != "1" {
			t.Fatalf("first read: %q", v)
		}
	}
	// The reader tails; the followers do not.
	for _, tc := range f1.Accelerator().Stats().Tables {
		if tc.Mode != accel.CoherenceFanout {
			t.Fatalf("follower's table: %+v", tc)
		}
	}
	if calls := f1.Accelerator().Stats().StreamCalls; calls != 0 {
		t.Fatalf("a follower called the Streams API %d times", calls)
	}
	// A write straight to the upstream reaches every node through the
	// reader's stream, although each holds the item for an hour.
	put(up, "2")
	deadline := time.Now().Add(30 * time.Second)
	for _, c := range []*ddb.Client{rc, c1, c2} {
		for get(c) != "2" {
			if time.Now().After(deadline) {
				t.Fatalf("a node still reads %q", get(c))
			}
			time.Sleep(20 * time.Millisecond) // polling with a deadline
		}
	}
	st := f1.Accelerator().Stats()
	if st.FanoutRecords == 0 || st.FanoutReconnects != 1 {
		t.Fatalf("follower stats: %+v", st)
	}
	if info := strings.Join(st.Info(), "\n"); !strings.Contains(info, "accel_fanout:from="+readerRESP+",connected=1") {
		t.Fatalf("INFO: %s", info)
	}
	// The reader goes away: the followers say so and keep serving.
	reader.Close()
	deadline = time.Now().Add(20 * time.Second)
	for f1.Accelerator().Stats().FanoutConnected {
		if time.Now().After(deadline) {
			t.Fatal("the follower did not notice its reader's end")
		}
		time.Sleep(10 * time.Millisecond) // polling with a deadline
	}
	if v := get(c1); v != "2" {
		t.Fatalf("a follower without its reader reads %q", v)
	}
}
