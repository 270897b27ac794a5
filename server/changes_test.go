package server_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dynacache/dynacache/server"
)

// TestTableChangesOverRESP: a RESP client subscribed to dynamodb:* sees the
// changes of every table as DynamoDB Streams records: a table with a
// stream (its view and sequence numbers), one without (while someone
// listens), and the RESP keys' own table.
func TestTableChangesOverRESP(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.InMemory = true
	_, addr, raddr := serve(t, cfg)
	url := "http://" + addr
	do := func(op, body string) {
		t.Helper()
		if code, b, err := call(url, op, body); err != nil || code != 200 {
			t.Fatalf("%s: %d %s %v", op, code, b, err)
		}
	}
	do("CreateTable", `{"TableName":"plain","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`)
	do("CreateTable", `{"TableName":"streamed","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST",
		"StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"}}`)
	do("PutItem", `{"TableName":"plain","Item":{"pk":{"S":"before"}}}`) // nobody listens yet

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rdb := redis.NewClient(&redis.Options{Addr: raddr, Protocol: 2})
	defer rdb.Close()
	ps := rdb.PSubscribe(ctx, "dynamodb:*")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil { // the subscription's confirmation
		t.Fatal(err)
	}
	type record struct {
		EventName string
		Dynamodb  struct {
			Keys           map[string]map[string]string
			NewImage       map[string]map[string]string
			OldImage       map[string]map[string]string
			SequenceNumber string
			StreamViewType string
		}
	}
	next := func(channel string) record {
		t.Helper()
		m, err := ps.ReceiveMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m.Channel != channel || m.Pattern != "dynamodb:*" {
			t.Fatalf("message on %q (pattern %q), want %q", m.Channel, m.Pattern, channel)
		}
		var r record
		if err := json.Unmarshal([]byte(m.Payload), &r); err != nil {
			t.Fatalf("%v: %s", err, m.Payload)
		}
		return r
	}

	do("PutItem", `{"TableName":"plain","Item":{"pk":{"S":"a"},"v":{"N":"1"}}}`)
	r := next("dynamodb:plain")
	if r.EventName != "INSERT" || r.Dynamodb.Keys["pk"]["S"] != "a" || r.Dynamodb.NewImage["v"]["N"] != "1" {
		t.Fatalf("plain: %+v", r)
	}
	do("PutItem", `{"TableName":"streamed","Item":{"pk":{"S":"b"},"v":{"N":"1"}}}`)
	do("PutItem", `{"TableName":"streamed","Item":{"pk":{"S":"b"},"v":{"N":"2"}}}`)
	next("dynamodb:streamed")
	r = next("dynamodb:streamed")
	if r.EventName != "MODIFY" || r.Dynamodb.OldImage["v"]["N"] != "1" || r.Dynamodb.NewImage["v"]["N"] != "2" ||
		r.Dynamodb.SequenceNumber != "000000000000000000002" || r.Dynamodb.StreamViewType != "NEW_AND_OLD_IMAGES" {
		t.Fatalf("streamed: %+v", r)
	}
	do("DeleteItem", `{"TableName":"plain","Key":{"pk":{"S":"a"}}}`)
	if r = next("dynamodb:plain"); r.EventName != "REMOVE" || r.Dynamodb.OldImage["v"]["N"] != "1" {
		t.Fatalf("plain delete: %+v", r)
	}
	// The RESP keys live in a table too.
	if err := rdb.Set(ctx, "greeting", "hello", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if r = next("dynamodb:redis"); r.EventName != "INSERT" {
		t.Fatalf("RESP SET: %+v", r)
	}
}
