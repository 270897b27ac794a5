package server_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dynacache/dynacache/server"
)

// TestTimeToLiveExpires: a server deletes an item whose TTL has passed by
// itself, within a few --ttl-interval, and keeps a live one.
func TestTimeToLiveExpires(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.InMemory = true
	cfg.TTLInterval = 10 * time.Millisecond
	_, addr, _ := serve(t, cfg)
	url := "http://" + addr
	do := func(op, body string) string {
		t.Helper()
		code, b, err := call(url, op, body)
		if err != nil || code != 200 {
			t.Fatalf("%s %s: %d %s %v", op, body, code, b, err)
		}
		return string(b)
	}
	do("CreateTable", `{"TableName":"Sessions","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`)
	do("UpdateTimeToLive", `{"TableName":"Sessions","TimeToLiveSpecification":{"AttributeName":"expires","Enabled":true}}`)
	now := time.Now().Unix()
	do("PutItem", `{"TableName":"Sessions","Item":{"id":{"S":"old"},"expires":{"N":"`+strconv.FormatInt(now-60, 10)+`"}}}`)
	do("PutItem", `{"TableName":"Sessions","Item":{"id":{"S":"new"},"expires":{"N":"`+strconv.FormatInt(now+3600, 10)+`"}}}`)
	deadline := time.Now().Add(30 * time.Second)
	for do("GetItem", `{"TableName":"Sessions","Key":{"id":{"S":"old"}}}`) != "{}" {
		if time.Now().After(deadline) {
			t.Fatal("the expired item was never deleted")
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline
	}
	if got := do("GetItem", `{"TableName":"Sessions","Key":{"id":{"S":"new"}}}`); !strings.Contains(got, `"new"`) {
		t.Fatalf("the live item is gone: %s", got)
	}
}
