package dynamodb

import (
	"encoding/json"
	"hash/crc32"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/dynacache/dynacache/shard"
)

const testAuth = "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc"

type reply struct {
	status int
	typ    string
	msg    string
	body   string
}

// call sends one request through the handler and checks the envelope
// invariants every reply must keep.
func call(t testing.TB, h http.Handler, target, body string, hdr map[string]string) reply {
	t.Helper()
	req := httptest.NewRequest("POST", "/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("Authorization", testAuth)
	if target != "" {
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+target)
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	res := w.Result()
	b := w.Body.Bytes()
	if crc := res.Header.Get("X-Amz-Crc32"); crc != strconv.FormatUint(uint64(crc32.ChecksumIEEE(b)), 10) {
		t.Fatalf("x-amz-crc32 %q does not match the body", crc)
	}
	r := reply{status: res.StatusCode, body: string(b)}
	if res.StatusCode != 200 && strings.HasPrefix(r.body, "{") {
		var e map[string]string
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatalf("error body %q: %v", b, err)
		}
		r.typ = e["__type"]
		r.msg = e["message"] + e["Message"]
	}
	return r
}

func newTestHandler() *Handler { return NewHandler(shard.New(nil), Options{}) }

func TestEnvelopeErrors(t *testing.T) {
	h := newTestHandler()
	tests := []struct {
		name, target, body string
		hdr                map[string]string
		status             int
		typ, msg           string
	}{
		{"malformed json", "ListTables", "{", nil, 400, "com.amazon.coral.service#SerializationException", ""},
		{"malformed json before target", "Nope", "{", nil, 400, "com.amazon.coral.service#SerializationException", ""},
		{"unknown operation", "Nope", "{}", nil, 400, "com.amazon.coral.service#UnknownOperationException", ""},
		{"no target", "", "{}", nil, 400, "com.amazon.coral.service#UnknownOperationException", ""},
		{"wrong api version", "", "{}", map[string]string{"X-Amz-Target": "DynamoDB_20111205.ListTables"}, 400, "com.amazon.coral.service#UnknownOperationException", ""},
		{"no auth", "ListTables", "{}", map[string]string{"Authorization": ""}, 400, "com.amazon.coral.service#MissingAuthenticationTokenException", "Request is missing Authentication Token"},
		{"non-AWS4 auth", "ListTables", "{}", map[string]string{"Authorization": "Basic abc"}, 400, "com.amazon.coral.service#MissingAuthenticationTokenException", "Request is missing Authentication Token"},
		{"empty body", "ListTables", "", nil, 400, "com.amazon.coral.service#SerializationException", ""},
		{"json 1.1", "ListTables", "{}", map[string]string{"Content-Type": "application/x-amz-json-1.1"}, 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, h, tt.target, tt.body, tt.hdr)
			if r.status != tt.status || r.typ != tt.typ || r.msg != tt.msg {
				t.Fatalf("got %d %q %q (%s)\nwant %d %q %q", r.status, r.typ, r.msg, r.body, tt.status, tt.typ, tt.msg)
			}
		})
	}
}

func TestWrongContentType(t *testing.T) {
	h := newTestHandler()
	r := call(t, h, "ListTables", "{}", map[string]string{"Content-Type": "text/plain"})
	if r.status != 404 || r.body != "<UnknownOperationException/>\n" {
		t.Fatalf("got %d %q", r.status, r.body)
	}
}

func TestHealthCheck(t *testing.T) {
	w := httptest.NewRecorder()
	newTestHandler().ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != 200 || w.Body.String() != "healthy: dynamodb.us-east-1.amazonaws.com " {
		t.Fatalf("got %d %q", w.Code, w.Body.String())
	}
}

func TestRequestID(t *testing.T) {
	h := newTestHandler()
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		id := h.requestID()
		if len(id) != 52 || seen[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
	}
}

// The HTTP path end to end (decode, store, encode), without the network.
func benchHandler(b *testing.B) *Handler {
	h := newTestHandler()
	r := call(b, h, "CreateTable", `{"TableName":"bench","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`, nil)
	if r.status != 200 {
		b.Fatal(r.body)
	}
	return h
}

const benchValue = "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"

func BenchmarkPutItemHTTP(b *testing.B) {
	h := benchHandler(b)
	body := `{"TableName":"bench","Item":{"pk":{"S":"user#1"},"v":{"S":"` + benchValue + `"},"n":{"N":"42"}}}`
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest("POST", "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("Authorization", testAuth)
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.PutItem")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Body.String())
		}
	}
}

func BenchmarkGetItemHTTP(b *testing.B) {
	h := benchHandler(b)
	call(b, h, "PutItem", `{"TableName":"bench","Item":{"pk":{"S":"user#1"},"v":{"S":"`+benchValue+`"},"n":{"N":"42"}}}`, nil)
	body := `{"TableName":"bench","Key":{"pk":{"S":"user#1"}}}`
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest("POST", "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("Authorization", testAuth)
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.GetItem")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 || w.Body.Len() < 100 {
			b.Fatal(w.Body.String())
		}
	}
}

// TestInvalidUTF8Body checks that a body whose strings are not valid Unicode
// is refused as DynamoDB refuses it (a bare SerializationException) rather
// than repaired: "K\xff" and "K\xfe" used to both become "K\uFFFD", one key.
func TestInvalidUTF8Body(t *testing.T) {
	h := newTestHandler()
	mk := `{"TableName":"utf8t","AttributeDefinitions":[{"AttributeName":"K","AttributeType":"S"}],"KeySchema":[{"AttributeName":"K","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`
	if r := call(t, h, "CreateTable", mk, nil); r.status != 200 {
		t.Fatalf("create: %+v", r)
	}
	for _, body := range []string{
		"{\"TableName\":\"utf8t\",\"Item\":{\"K\":{\"S\":\"K\xff\"}}}",
		"{\"TableName\":\"utf8t\",\"Item\":{\"K\":{\"S\":\"K\xfe\"}}}",
		"{\"TableName\":\"utf8t\",\"Item\":{\"K\":{\"S\":\"K\"},\"a\xff\":{\"S\":\"x\"}}}",
		`{"TableName":"utf8t","Item":{"K":{"S":"K\ud800"}}}`,
		`{"TableName":"utf8t","Item":{"K":{"S":"K\udfff"}}}`,
	} {
		r := call(t, h, "PutItem", body, nil)
		if r.status != 400 || r.typ != "com.amazon.coral.service#SerializationException" || r.msg != "" {
			t.Errorf("PutItem %q: %+v", body, r)
		}
	}
	if r := call(t, h, "Scan", `{"TableName":"utf8t","Select":"COUNT"}`, nil); r.status != 200 || !strings.Contains(r.body, `"Count":0`) {
		t.Fatalf("nothing should be stored: %+v", r)
	}
	// Valid non-ASCII keys, raw and escaped, are distinct and accepted.
	for _, body := range []string{
		`{"TableName":"utf8t","Item":{"K":{"S":"Ké"}}}`,
		`{"TableName":"utf8t","Item":{"K":{"S":"K\u00ea"}}}`,
		`{"TableName":"utf8t","Item":{"K":{"S":"K\ud83d\ude00"}}}`,
	} {
		if r := call(t, h, "PutItem", body, nil); r.status != 200 {
			t.Errorf("PutItem %q: %+v", body, r)
		}
	}
	if r := call(t, h, "Scan", `{"TableName":"utf8t","Select":"COUNT"}`, nil); r.status != 200 || !strings.Contains(r.body, `"Count":3`) {
		t.Fatalf("three items: %+v", r)
	}
}
