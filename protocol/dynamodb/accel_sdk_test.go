package dynamodb_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/dynacache/dynacache/accel"
	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard"
)

// acceleratedPrefix names the tests whose newClient goes through an
// accelerator.
const acceleratedPrefix = "TestSDKThroughAccelerator/"

// TestSDKThroughAccelerator runs the SDK tests a second time, unchanged,
// against an accelerator (package accel) in front of a standalone
// dynacache: an application switched to the accelerator's endpoint must
// see the same answers.
func TestSDKThroughAccelerator(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(*testing.T)
	}{
		{"Tables", TestSDKTables},
		{"Items", TestSDKItems},
		{"Query", TestSDKQuery},
		{"QuerySortOrder", TestSDKQuerySortOrder},
		{"Scan", TestSDKScan},
		{"IndexBackfill", TestSDKIndexBackfill},
		{"Batch", TestSDKBatch},
		{"TableArns", TestSDKTableArns},
		{"ResourcePolicies", TestSDKResourcePolicies},
		{"DescribeLimitsEndpoints", TestSDKDescribeLimitsEndpoints},
		{"TableClassAndOnDemand", TestSDKTableClassAndOnDemand},
	} {
		t.Run(tc.name, tc.run)
	}
}

// newAccelerated starts a standalone dynacache handler and an accelerator
// in front of it, both on 127.0.0.1:0, and returns the accelerator's URL.
func newAccelerated(t testing.TB) string {
	t.Helper()
	upstream := serveHandler(t, dynamodb.NewHandler(shard.New(nil), dynamodb.Options{}))
	acc, err := accel.New(accel.Options{
		Upstream:    upstream,
		Region:      "us-east-1",
		CacheBytes:  16 << 20,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	front := dynamodb.NewHandler(shard.New(nil), dynamodb.Options{Backend: acc})
	// Cleanups run last-registered first: the front server stops before
	// the accelerator's cache is closed.
	t.Cleanup(acc.Close)
	return serveHandler(t, front)
}
