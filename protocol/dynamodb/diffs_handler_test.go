package dynamodb

// Handler-level tests of the differences from DynamoDB of issue 14 that
// are about the exact bytes of a reply.

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestConditionFailureItemBody checks the raw body of a failed condition
// with ReturnValuesOnConditionCheckFailure ALL_OLD: "Message" with a
// capital M beside "Item", as DynamoDB writes it; without the item, the
// usual "message".
func TestConditionFailureItemBody(t *testing.T) {
	h := newTestHandler()
	call(t, h, "CreateTable", `{"TableName":"cff","AttributeDefinitions":[{"AttributeName":"p","AttributeType":"S"}],"KeySchema":[{"AttributeName":"p","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`, nil)
	call(t, h, "PutItem", `{"TableName":"cff","Item":{"p":{"S":"a"}}}`, nil)
	serve := func(body string) string {
		req := httptest.NewRequest("POST", "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("Authorization", testAuth)
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.PutItem")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Body.String()
	}
	got := serve(`{"TableName":"cff","Item":{"p":{"S":"a"}},"ConditionExpression":"attribute_not_exists(p)","ReturnValuesOnConditionCheckFailure":"ALL_OLD"}`)
	want := `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","Message":"The conditional request failed","Item":{"p":{"S":"a"}}}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	got = serve(`{"TableName":"cff","Item":{"p":{"S":"b"}},"ConditionExpression":"attribute_exists(p)","ReturnValuesOnConditionCheckFailure":"ALL_OLD"}`)
	want = `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}
