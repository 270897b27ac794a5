package dynamodb

import (
	"bytes"
	"compress/gzip"
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

// edgeServers runs a test against the handler behind net/http and behind
// protocol/http1, each with a store of its own.
func edgeServers(t *testing.T, run func(t *testing.T, base string)) {
	edgeServersWith(t, Options{}, run)
}

// edgeServersWith is edgeServers with handlers of opts.
func edgeServersWith(t *testing.T, opts Options, run func(t *testing.T, base string)) {
	t.Run("net/http", func(t *testing.T) {
		h := NewHandler(shard.New(nil), opts)
		t.Cleanup(h.Close)
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		run(t, srv.URL)
	})
	t.Run("http1", func(t *testing.T) {
		h := NewHandler(shard.New(nil), opts)
		t.Cleanup(h.Close)
		run(t, startHTTP1(t, h))
	})
}

// rawClient does not ask for gzip on its own, nor undo it.
var rawClient = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableCompression: true}}

// post sends one request with the given extra headers and returns the
// reply and its body.
func post(t *testing.T, base, method, target string, body []byte, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	r, err := http.NewRequest(method, base+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if target != "" {
		r.Header.Set("X-Amz-Target", "DynamoDB_20120810."+target)
		r.Header.Set("Content-Type", "application/x-amz-json-1.0")
		r.Header.Set("Authorization", testAuth)
	}
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	resp, err := rawClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := resp.Header.Get("X-Amz-Crc32"), strconv.FormatUint(uint64(crc32.ChecksumIEEE(b)), 10); got != want {
		t.Fatalf("x-amz-crc32 %s, body's %s", got, want)
	}
	if resp.Header.Get("X-Amzn-Requestid") == "" || resp.Header.Get("Server") != "Server" {
		t.Fatalf("%s %s: headers %v", method, target, resp.Header)
	}
	return resp, b
}

func gz(parts ...string) []byte {
	var buf bytes.Buffer
	for _, p := range parts {
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte(p))
		zw.Close()
	}
	return buf.Bytes()
}

const edgeCreate = `{"TableName":"tbl","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`

// TestCompressedRequests: gzip request bodies are served; encodings
// DynamoDB cannot decode get its 500, and nothing is written.
func TestCompressedRequests(t *testing.T) {
	edgeServers(t, func(t *testing.T, base string) {
		if resp, b := post(t, base, "POST", "CreateTable", gz(edgeCreate), map[string]string{"Content-Encoding": "gzip"}); resp.StatusCode != 200 {
			t.Fatalf("CreateTable gzipped: %d %s", resp.StatusCode, b)
		}
		put := func(pk string) string {
			return `{"TableName":"tbl","Item":{"pk":{"S":"` + pk + `"},"v":{"S":"` + strings.Repeat("x", 5000) + `"}}}`
		}
		for _, tc := range []struct {
			name, pk, encoding string
			body               []byte
			status             int
		}{
			{"one member", "a", "gzip", gz(put("a")), 200},
			{"two members", "b", "gzip", gz(put("b")[:10], put("b")[10:]), 200},
			{"x-gzip and identity", "c", "x-gzip, identity", gz(put("c")), 200},
			{"twice", "d", "gzip, gzip", gz(string(gz(put("d")))), 200},
			{"unknown coding", "e", "garbage", []byte(put("e")), 500},
			{"not gzip", "f", "gzip", []byte(put("f")), 500},
			{"cut short", "g", "gzip", gz(put("g"))[:len(gz(put("g")))-1], 500},
			{"junk after", "h", "gzip", append(gz(put("h")), "junk"...), 500},
			{"empty", "i", "gzip", nil, 500},
			{"too large once decompressed", "j", "gzip", gz(`{"TableName":"tbl","Item":{"pk":{"S":"j"}}}` + strings.Repeat(" ", MaxRequestBytes)), 413},
		} {
			resp, b := post(t, base, "POST", "PutItem", tc.body, map[string]string{"Content-Encoding": tc.encoding})
			if resp.StatusCode != tc.status {
				t.Fatalf("%s: status %d %s, want %d", tc.name, resp.StatusCode, b, tc.status)
			}
			if tc.status == 500 && string(b) != `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}` {
				t.Fatalf("%s: body %s", tc.name, b)
			}
			_, got := post(t, base, "POST", "GetItem", []byte(`{"TableName":"tbl","Key":{"pk":{"S":"`+tc.pk+`"}}}`), nil)
			if written := strings.Contains(string(got), `"Item"`); written != (tc.status == 200) {
				t.Fatalf("%s: written %v: %s", tc.name, written, got)
			}
		}
	})
}

// TestCompressedReplies: a large reply is gzipped when the client accepts
// gzip (its x-amz-crc32 covering the gzipped bytes), a small one or one to
// a client that does not is not.
func TestCompressedReplies(t *testing.T) {
	edgeServers(t, func(t *testing.T, base string) {
		post(t, base, "POST", "CreateTable", []byte(edgeCreate), nil)
		big := strings.Repeat("y", 3*gzipMinBytes)
		post(t, base, "POST", "PutItem", []byte(`{"TableName":"tbl","Item":{"pk":{"S":"big"},"v":{"S":"`+big+`"}}}`), nil)
		post(t, base, "POST", "PutItem", []byte(`{"TableName":"tbl","Item":{"pk":{"S":"small"}}}`), nil)
		get := func(pk string) []byte { return []byte(`{"TableName":"tbl","Key":{"pk":{"S":"` + pk + `"}}}`) }

		plain, want := post(t, base, "POST", "GetItem", get("big"), nil)
		if plain.Header.Get("Content-Encoding") != "" || !strings.Contains(string(want), big) {
			t.Fatalf("no Accept-Encoding: %v", plain.Header)
		}
		for _, ae := range []string{"gzip", "deflate, gzip;q=0.5", "*", "GZIP"} {
			resp, b := post(t, base, "POST", "GetItem", get("big"), map[string]string{"Accept-Encoding": ae})
			if resp.Header.Get("Content-Encoding") != "gzip" || len(b) >= len(want) {
				t.Fatalf("%q: %v, %d bytes", ae, resp.Header, len(b))
			}
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%q: gunzipped %d bytes, %v", ae, len(got), err)
			}
		}
		for _, ae := range []string{"identity", "gzip;q=0", "gzip; q=0.000, identity", "br"} {
			resp, _ := post(t, base, "POST", "GetItem", get("big"), map[string]string{"Accept-Encoding": ae})
			if resp.Header.Get("Content-Encoding") != "" {
				t.Fatalf("%q: gzipped", ae)
			}
		}
		resp, _ := post(t, base, "POST", "GetItem", get("small"), map[string]string{"Accept-Encoding": "gzip"})
		if resp.Header.Get("Content-Encoding") != "" {
			t.Fatal("a small reply was gzipped")
		}
	})
}

// TestCORS: a preflight gets what a browser needs; every reply to a
// request with an Origin allows it and exposes the SDK's headers.
func TestCORS(t *testing.T) {
	// check runs a preflight and two requests from origin, and wants
	// allowOrigin ("": no CORS headers at all) in every reply.
	check := func(t *testing.T, base, origin, allowOrigin string) {
		t.Helper()
		resp, b := post(t, base, "OPTIONS", "", nil, map[string]string{
			"Origin":                         origin,
			"Access-Control-Request-Method":  "POST",
			"Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-date,authorization",
		})
		h := resp.Header
		if allowOrigin == "" {
			if resp.StatusCode != 200 || h.Get("Access-Control-Allow-Origin") != "" || h.Get("Access-Control-Allow-Headers") != "" {
				t.Fatalf("preflight from %s, not allowed: %d %v", origin, resp.StatusCode, h)
			}
		} else if resp.StatusCode != 200 || len(b) != 0 || h.Get("Access-Control-Allow-Origin") != allowOrigin ||
			!strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") ||
			h.Get("Access-Control-Allow-Headers") != "content-type,x-amz-target,x-amz-date,authorization" ||
			h.Get("Access-Control-Max-Age") == "" || (allowOrigin != "*" && h.Get("Vary") != "Origin") {
			t.Fatalf("preflight from %s: %d %v", origin, resp.StatusCode, h)
		}
		if allowOrigin != "" {
			resp, _ = post(t, base, "OPTIONS", "", nil, map[string]string{"Origin": origin})
			if !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "X-Amz-Target") {
				t.Fatalf("preflight without a header list: %v", resp.Header)
			}
		}
		for _, target := range []string{"ListTables", "Nope"} {
			resp, _ = post(t, base, "POST", target, []byte("{}"), map[string]string{"Origin": origin})
			expose := resp.Header.Get("Access-Control-Expose-Headers")
			if resp.Header.Get("Access-Control-Allow-Origin") != allowOrigin ||
				(allowOrigin != "" && (!strings.Contains(expose, "x-amzn-RequestId") || !strings.Contains(expose, "x-amz-crc32"))) {
				t.Fatalf("%s from %s: %v", target, origin, resp.Header)
			}
		}
	}
	// By default, pages of this machine only: without --credentials any
	// signature passes, and a page of any other site could use the API.
	edgeServers(t, func(t *testing.T, base string) {
		check(t, base, "http://localhost:3000", "http://localhost:3000")
		check(t, base, "http://127.0.0.1:8080", "http://127.0.0.1:8080")
		check(t, base, "http://[::1]:5173", "http://[::1]:5173")
		check(t, base, "http://app.localhost", "http://app.localhost")
		check(t, base, "http://app.example", "")
		check(t, base, "https://localhost.evil.example", "")
		check(t, base, "null", "")
		resp, _ := post(t, base, "POST", "ListTables", []byte("{}"), nil)
		if resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatal("CORS headers without an Origin")
		}
	})
	// With signatures verified, any page: it cannot sign without a secret.
	edgeServersWith(t, Options{Credentials: map[string]string{"AKID": "secret"}}, func(t *testing.T, base string) {
		check(t, base, "http://app.example", "*")
	})
	// Configured: a list, or any.
	edgeServersWith(t, Options{CORSOrigins: []string{"https://app.example"}}, func(t *testing.T, base string) {
		check(t, base, "https://app.example", "https://app.example")
		check(t, base, "http://localhost:3000", "")
	})
	edgeServersWith(t, Options{CORSOrigins: []string{"*"}}, func(t *testing.T, base string) {
		check(t, base, "http://app.example", "*")
	})
}

// TestEveryReplyHasRequestID: the health check, the 404s and the errors
// carry x-amzn-RequestId and Server too (post checks both).
func TestEveryReplyHasRequestID(t *testing.T) {
	edgeServers(t, func(t *testing.T, base string) {
		for _, tc := range []struct {
			method, target string
			hdr            map[string]string
			status         int
		}{
			{"GET", "", nil, 200},
			{"DELETE", "", map[string]string{"Content-Type": "application/x-amz-json-1.0"}, 404},
			{"POST", "", map[string]string{"Content-Type": "text/plain"}, 404},
			{"PUT", "ListTables", nil, 404},
			{"POST", "Nope", nil, 400},
		} {
			resp, _ := post(t, base, tc.method, tc.target, []byte("{}"), tc.hdr)
			if resp.StatusCode != tc.status {
				t.Fatalf("%s %s: %d", tc.method, tc.target, resp.StatusCode)
			}
		}
	})
}

// TestNullBody: a body of JSON null is taken as an empty request, as
// DynamoDB's validators take any JSON that is not an object (dynalite's
// recordings): required members are missing, and an operation without
// any runs.
func TestNullBody(t *testing.T) {
	edgeServers(t, func(t *testing.T, base string) {
		resp, b := post(t, base, "POST", "GetItem", []byte("null"), nil)
		if resp.StatusCode != 400 || !strings.Contains(string(b), "ValidationException") {
			t.Fatalf("GetItem null: %d %s", resp.StatusCode, b)
		}
		resp, b = post(t, base, "POST", "ListTables", []byte("null"), nil)
		if resp.StatusCode != 200 || string(b) != `{"TableNames":[]}` {
			t.Fatalf("ListTables null: %d %s", resp.StatusCode, b)
		}
	})
}

// TestHTTP1OwnRepliesHaveRequestID: the replies protocol/http1 makes
// itself (here a body over the limit) carry the handler's headers too.
func TestHTTP1OwnRepliesHaveRequestID(t *testing.T) {
	h := NewHandler(shard.New(nil), Options{})
	defer h.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http1.Server{Handler: h, MaxBodyBytes: 1 << 10, ErrorHeaders: h.AppendErrorHeaders}
	go srv.Serve(ln)
	defer srv.Close()
	resp, _ := post(t, "http://"+ln.Addr().String(), "POST", "PutItem", bytes.Repeat([]byte(" "), 2<<10), nil)
	if resp.StatusCode != 413 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

// TestDescribeEndpointsAddress: both front doors name themselves as the
// client addressed them.
func TestDescribeEndpointsAddress(t *testing.T) {
	edgeServers(t, func(t *testing.T, base string) {
		_, b := post(t, base, "POST", "DescribeEndpoints", []byte("{}"), nil)
		want := `{"Endpoints":[{"Address":"` + strings.TrimPrefix(base, "http://") + `","CachePeriodInMinutes":1440}]}`
		if string(b) != want {
			t.Fatalf("got %s, want %s", b, want)
		}
	})
}
