package dynamodb

// Handler-level tests of the differences from DynamoDB of issue 14 that
// are about the exact bytes of a reply.

import (
	"encoding/json"
	"io"
	"net/http"
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

// TestErrorContentTypeWithoutRequestType: a request without a Content-Type
// gets its (error) reply as application/json.
func TestErrorContentTypeWithoutRequestType(t *testing.T) {
	for _, srv := range []string{"net/http", "http1"} {
		var base string
		if srv == "net/http" {
			s := httptest.NewServer(newTestHandler())
			defer s.Close()
			base = s.URL
		} else {
			base = startHTTP1(t, newTestHandler())
		}
		req, err := http.NewRequest("POST", base+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
		req.Header.Set("Authorization", testAuth)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 400 || res.Header.Get("Content-Type") != "application/json" ||
			string(b) != `{"__type":"com.amazon.coral.service#SerializationException"}` {
			t.Fatalf("%s: %d %q %s", srv, res.StatusCode, res.Header.Get("Content-Type"), b)
		}
	}
}

// TestIncompleteSignature: without configured credentials any key passes,
// but a malformed SigV4 header or presigned query is refused as DynamoDB
// refuses it.
func TestIncompleteSignature(t *testing.T) {
	h := newTestHandler()
	const ise = "com.amazon.coral.service#IncompleteSignatureException"
	for _, tc := range []struct {
		name, auth, query, typ, msg string
	}{
		{"well formed", testAuth, "", "", ""},
		{"no credential", "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc", "", ise,
			"Authorization header requires 'Credential' parameter. Authorization=AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc"},
		{"nothing but the algorithm", "AWS4-HMAC-SHA256", "", ise,
			"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256"},
		{"other algorithm", "AWS4-HMAC-SHA512 Credential=a/b/c/dynamodb/aws4_request, SignedHeaders=host, Signature=abc", "", ise,
			"Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'. Supported algorithms: 'AWS4-HMAC-SHA256'"},
		{"short credential", "AWS4-HMAC-SHA256 Credential=AKID/20260101, SignedHeaders=host, Signature=abc", "", ise,
			"Credential should have exactly 5 slash-separated parts, not 2: 'AKID/20260101'."},
		{"presigned, incomplete", "", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2Fb%2Fc%2Fdynamodb%2Faws4_request", ise,
			"AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters."},
		{"presigned", "", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2F20260101%2Fus-east-1%2Fdynamodb%2Faws4_request&X-Amz-Signature=abc&X-Amz-SignedHeaders=host&X-Amz-Date=20260101T000000Z", "", ""},
	} {
		req := httptest.NewRequest("POST", "/?"+tc.query, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(w.Body.Bytes(), &e)
		if tc.typ == "" {
			if w.Code != 200 {
				t.Fatalf("%s: %d %s", tc.name, w.Code, w.Body)
			}
			continue
		}
		if w.Code != 400 || e.Type != tc.typ || e.Message != tc.msg {
			t.Fatalf("%s: %d %s", tc.name, w.Code, w.Body)
		}
	}
}
