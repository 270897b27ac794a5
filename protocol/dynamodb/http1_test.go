package dynamodb

import (
	"bufio"
	"context"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dynacache/dynacache/protocol/http1"
	"github.com/dynacache/dynacache/shard"
)

// startHTTP1 serves h with protocol/http1 on 127.0.0.1:0, as the server
// package does, and returns its base URL.
func startHTTP1(t testing.TB, h *Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http1.Server{Handler: h, MaxBodyBytes: MaxRequestBytes}
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return "http://" + ln.Addr().String()
}

// TestServeHTTP1MatchesServeHTTP: the same requests, sent over the network
// to the handler behind net/http and behind protocol/http1 (each with a
// store of its own, fed the same sequence), get the same status, headers
// and bodies.
func TestServeHTTP1MatchesServeHTTP(t *testing.T) {
	std := httptest.NewServer(NewHandler(shard.New(nil), Options{}))
	defer std.Close()
	fast := startHTTP1(t, NewHandler(shard.New(nil), Options{}))

	type req struct {
		method, target, contentType, auth, query, body string
		skipBody                                       bool // replies with timestamps
		want                                           int  // the status both must give (0: any)
	}
	json := "application/x-amz-json-1.0"
	create := `{"TableName":"tbl","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`
	reqs := []req{
		{method: "GET"},                                         // the health check
		{method: "GET", contentType: json},                      // not POST
		{method: "POST", contentType: "text/plain", body: "{}"}, // unknown content type with a body
		{method: "POST", contentType: "application/x-amz-json-1.1; charset=utf-8", target: "ListTables", auth: testAuth, body: "{}"},
		{method: "POST", contentType: json, target: "ListTables", auth: testAuth, body: "{nope"},
		{method: "POST", contentType: json, target: "Nope", auth: testAuth, body: "{}"},
		{method: "POST", contentType: json, target: "ListTables", body: "{}"},                  // no signature
		{method: "POST", contentType: json, target: "ListTables", auth: "Basic x", body: "{}"}, // not AWS4
		{method: "POST", contentType: json, target: "ListTables", auth: testAuth, query: "X-Amz-Algorithm=AWS4-HMAC-SHA256", body: "{}"},
		{method: "POST", contentType: json, target: "ListTables", query: "X-Amz-Algorithm=AWS4-HMAC-SHA256", body: "{}"}, // presigned
		{method: "POST", contentType: json, target: "ListTables", auth: testAuth},                                        // no body
		{method: "POST", contentType: json, target: "CreateTable", auth: testAuth, body: create, skipBody: true, want: 200},
		{method: "POST", contentType: json, target: "PutItem", auth: testAuth, body: `{"TableName":"tbl","Item":{"pk":{"S":"a"},"n":{"N":"1.50"}}}`, want: 200},
		{method: "POST", contentType: json, target: "GetItem", auth: testAuth, body: `{"TableName":"tbl","Key":{"pk":{"S":"a"}}}`, want: 200},
		{method: "POST", contentType: json, target: "GetItem", auth: testAuth, body: `{"TableName":"tbl","Key":{"pk":{"S":"a"}}}`}, // a cache hit
		{method: "POST", contentType: json, target: "GetItem", auth: testAuth, body: `{"TableName":"tbl","Key":{"pk":{"N":"1"}}}`},
		{method: "POST", contentType: json, target: "GetItem", auth: testAuth, body: `{"TableName":"missing","Key":{"pk":{"S":"a"}}}`},
		{method: "POST", contentType: json, target: "PutItem", auth: testAuth, body: `{"TableName":"tbl","Item":{"pk":{"S":"a"}},"ConditionExpression":"attribute_not_exists(pk)","ReturnValuesOnConditionCheckFailure":"ALL_OLD"}`},
		{method: "POST", contentType: json, target: "Query", auth: testAuth, body: `{"TableName":"tbl","KeyConditionExpression":"pk = :a","ExpressionAttributeValues":{":a":{"S":"a"}}}`},
	}
	client := &http.Client{Timeout: 10 * time.Second}
	send := func(base string, r req) (*http.Response, []byte) {
		t.Helper()
		hr, err := http.NewRequest(r.method, base+"/?"+r.query, strings.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		if r.query == "" {
			hr.URL.RawQuery = ""
		}
		for k, v := range map[string]string{"Content-Type": r.contentType, "Authorization": r.auth} {
			if v != "" {
				hr.Header.Set(k, v)
			}
		}
		if r.target != "" {
			hr.Header.Set("X-Amz-Target", "DynamoDB_20120810."+r.target)
		}
		res, err := client.Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		return res, b
	}
	for i, r := range reqs {
		a, ab := send(std.URL, r)
		b, bb := send(fast, r)
		if r.want != 0 && a.StatusCode != r.want {
			t.Fatalf("request %d (%s): status %d, want %d: %s", i, r.target, a.StatusCode, r.want, ab)
		}
		if a.StatusCode != b.StatusCode {
			t.Fatalf("request %d (%s %s): status net/http %d, http1 %d (%s)", i, r.method, r.target, a.StatusCode, b.StatusCode, bb)
		}
		for _, h := range []string{"Content-Type", "Content-Length"} {
			if a.Header.Get(h) != b.Header.Get(h) && !(r.skipBody && h == "Content-Length") {
				t.Fatalf("request %d (%s): %s net/http %q, http1 %q", i, r.target, h, a.Header.Get(h), b.Header.Get(h))
			}
		}
		if (a.Header.Get("X-Amzn-Requestid") == "") != (b.Header.Get("X-Amzn-Requestid") == "") {
			t.Fatalf("request %d (%s): request IDs %q and %q", i, r.target, a.Header.Get("X-Amzn-Requestid"), b.Header.Get("X-Amzn-Requestid"))
		}
		if b.Header.Get("Date") == "" {
			t.Fatalf("request %d: http1 reply without a Date", i)
		}
		if crc := b.Header.Get("X-Amz-Crc32"); crc != "" && crc != strconv.FormatUint(uint64(crc32.ChecksumIEEE(bb)), 10) {
			t.Fatalf("request %d: x-amz-crc32 %q does not match the body", i, crc)
		}
		if !r.skipBody && string(ab) != string(bb) {
			t.Fatalf("request %d (%s): body\nnet/http %s\n   http1 %s", i, r.target, ab, bb)
		}
	}
}

// TestServeHTTP1TooLarge: a body over DynamoDB's limit is refused with 413
// as soon as its length is announced, before the handler runs.
func TestServeHTTP1TooLarge(t *testing.T) {
	fast := startHTTP1(t, newTestHandler())
	nc, err := net.DialTimeout("tcp", strings.TrimPrefix(fast, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	head := "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\n" +
		"X-Amz-Target: DynamoDB_20120810.ListTables\r\nAuthorization: " + testAuth + "\r\n" +
		"Content-Length: " + strconv.Itoa(MaxRequestBytes+1) + "\r\n\r\n"
	if _, err := nc.Write([]byte(head)); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", res.StatusCode)
	}
}

// BenchmarkGetItemServer runs GetItem through protocol/http1 and through
// net/http over loopback, one keep-alive client each:
//
//	go test -run '^$' -bench 'GetItemServer' ./protocol/dynamodb
func BenchmarkGetItemServer(b *testing.B) {
	for _, name := range []string{"http1", "net/http"} {
		b.Run(name, func(b *testing.B) {
			h := newTestHandler()
			defer h.Close()
			var base string
			if name == "http1" {
				base = startHTTP1(b, h)
			} else {
				srv := httptest.NewServer(h)
				defer srv.Close()
				base = srv.URL
			}
			if r := call(b, h, "CreateTable", `{"TableName":"tbl","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`, nil); r.status != 200 {
				b.Fatal(r)
			}
			if r := call(b, h, "PutItem", `{"TableName":"tbl","Item":{"pk":{"S":"a"},"v":{"S":"`+strings.Repeat("x", 100)+`"}}}`, nil); r.status != 200 {
				b.Fatal(r)
			}
			body := `{"TableName":"tbl","Key":{"pk":{"S":"a"}}}`
			client := &http.Client{}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				hr, _ := http.NewRequest("POST", base+"/", strings.NewReader(body))
				hr.Header.Set("Content-Type", "application/x-amz-json-1.0")
				hr.Header.Set("X-Amz-Target", "DynamoDB_20120810.GetItem")
				hr.Header.Set("Authorization", testAuth)
				res, err := client.Do(hr)
				if err != nil {
					b.Fatal(err)
				}
				rb, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Fatalf("status %d: %s", res.StatusCode, rb)
				}
			}
		})
	}
}
