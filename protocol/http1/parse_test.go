package http1

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

const (
	testMaxHeader = 1024
	testMaxBody   = 1000
)

func TestParseRequests(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want parsed
		n    int // the request's length when raw holds more; 0: len(raw)
	}{
		{
			name: "get",
			raw:  "GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: x/1\r\n\r\n",
			want: parsed{method: "GET", path: "/index.html", proto: "HTTP/1.1",
				headers: []string{"Host: example.com", "User-Agent: x/1"}},
		},
		{
			name: "query",
			raw:  "GET /a/b?c=d&e HTTP/1.1\r\nHost: h\r\n\r\n",
			want: parsed{method: "GET", path: "/a/b", query: "c=d&e", proto: "HTTP/1.1", headers: []string{"Host: h"}},
		},
		{
			name: "empty query",
			raw:  "GET /a? HTTP/1.1\r\nHost: h\r\n\r\n",
			want: parsed{method: "GET", path: "/a", proto: "HTTP/1.1", headers: []string{"Host: h"}},
		},
		{
			name: "question marks in query",
			raw:  "GET /a?b?c HTTP/1.1\r\nHost: h\r\n\r\n",
			want: parsed{method: "GET", path: "/a", query: "b?c", proto: "HTTP/1.1", headers: []string{"Host: h"}},
		},
		{
			name: "host forms",
			raw:  "GET / HTTP/1.1\r\nHost: [::1]:8000\r\n\r\n",
			want: parsed{method: "GET", path: "/", proto: "HTTP/1.1", headers: []string{"Host: [::1]:8000"}},
		},
		{
			name: "empty host",
			raw:  "GET / HTTP/1.1\r\nHost:\r\n\r\n",
			want: parsed{method: "GET", path: "/", proto: "HTTP/1.1", headers: []string{"Host: "}},
		},
		{
			name: "asterisk",
			raw:  "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
			want: parsed{method: "OPTIONS", path: "*", proto: "HTTP/1.1", headers: []string{"Host: h"}},
		},
		{
			name: "content-length body",
			raw:  "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
			want: parsed{method: "POST", path: "/", proto: "HTTP/1.1", headers: []string{"Host: h", "Content-Length: 5"},
				body: "hello", contentLength: 5},
		},
		{
			name: "zero content-length",
			raw:  "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
			want: parsed{method: "POST", path: "/", proto: "HTTP/1.1", headers: []string{"Host: h", "Content-Length: 0"}},
		},
		{
			name: "repeated equal content-length",
			raw:  "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\ncontent-length: 003\r\n\r\nabc",
			want: parsed{method: "POST", path: "/", proto: "HTTP/1.1",
				headers: []string{"Host: h", "Content-Length: 3", "content-length: 003"}, body: "abc", contentLength: 3},
		},
		{
			name: "chunked",
			raw: "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" +
				"4;name=value\r\nWiki\r\n5 ; x\r\npedia\r\nA\r\n in chunks\r\n0\r\nX-Trailer: t\r\n\r\n",
			want: parsed{method: "POST", path: "/c", proto: "HTTP/1.1",
				headers: []string{"Host: h", "Transfer-Encoding: chunked"}, body: "Wikipedia in chunks", contentLength: -1},
		},
		{
			name: "chunked, case and list",
			raw:  "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: , CHUNKED\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
			want: parsed{method: "POST", path: "/", proto: "HTTP/1.1",
				headers: []string{"Host: h", "Transfer-Encoding: , CHUNKED"}, body: "abc", contentLength: -1},
		},
		{
			name: "chunked, empty",
			raw:  "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
			want: parsed{method: "POST", path: "/", proto: "HTTP/1.1",
				headers: []string{"Host: h", "Transfer-Encoding: chunked"}, contentLength: -1},
		},
		{
			name: "bare LF",
			raw:  "POST / HTTP/1.1\nHost: h\nTransfer-Encoding: chunked\n\n2\nab\n0\n\n",
			want: parsed{method: "POST", path: "/", proto: "HTTP/1.1",
				headers: []string{"Host: h", "Transfer-Encoding: chunked"}, body: "ab", contentLength: -1},
		},
		{
			name: "whitespace trimmed",
			raw:  "GET / HTTP/1.1\r\nHost: \t h \t\r\nX-Empty:\r\nX-Spaces:   \r\nX-Inner: a  b\r\n\r\n",
			want: parsed{method: "GET", path: "/", proto: "HTTP/1.1",
				headers: []string{"Host: h", "X-Empty: ", "X-Spaces: ", "X-Inner: a  b"}},
		},
		{
			name: "obs-text",
			raw:  "GET /\xc3\xa9 HTTP/1.1\r\nHost: h\r\nX: \x80\xff\r\n\r\n",
			want: parsed{method: "GET", path: "/\xc3\xa9", proto: "HTTP/1.1", headers: []string{"Host: h", "X: \x80\xff"}},
		},
		{
			name: "leading empty lines",
			raw:  "\r\n\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
			want: parsed{method: "GET", path: "/", proto: "HTTP/1.1", headers: []string{"Host: h"}},
		},
		{
			name: "http/1.0 closes",
			raw:  "GET / HTTP/1.0\r\n\r\n",
			want: parsed{method: "GET", path: "/", proto: "HTTP/1.0", closeConn: true},
		},
		{
			name: "http/1.0 keep-alive",
			raw:  "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
			want: parsed{method: "GET", path: "/", proto: "HTTP/1.0", headers: []string{"Connection: Keep-Alive"}},
		},
		{
			name: "connection close in a list",
			raw:  "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Close\r\n\r\n",
			want: parsed{method: "GET", path: "/", proto: "HTTP/1.1",
				headers: []string{"Host: h", "Connection: keep-alive, Close"}, closeConn: true},
		},
		{
			name: "expect 100-continue",
			raw:  "PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx",
			want: parsed{method: "PUT", path: "/", proto: "HTTP/1.1",
				headers: []string{"Host: h", "Expect: 100-Continue", "Content-Length: 1"}, body: "x", contentLength: 1,
				expectContinue: true},
		},
		{
			name: "expect 100-continue without body",
			raw:  "GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n",
			want: parsed{method: "GET", path: "/", proto: "HTTP/1.1", headers: []string{"Host: h", "Expect: 100-continue"}},
		},
		{
			name: "pipelined",
			raw:  "POST /1 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nabGET /2 HTTP/1.1\r\nHost: h\r\n\r\n",
			n:    len("POST /1 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nab"),
			want: parsed{method: "POST", path: "/1", proto: "HTTP/1.1",
				headers: []string{"Host: h", "Content-Length: 2"}, body: "ab", contentLength: 2},
		},
		{
			name: "pipelined after chunked",
			raw:  "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\nGET / HTTP/1.1\r\n",
			n:    len("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n"),
			want: parsed{method: "POST", path: "/", proto: "HTTP/1.1",
				headers: []string{"Host: h", "Transfer-Encoding: chunked"}, body: "a", contentLength: -1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantN := tt.n
			if wantN == 0 {
				wantN = len(tt.raw)
			}
			got, n, err := parseWhole(tt.raw, testMaxHeader, testMaxBody)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if n != wantN || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("parse = %v, n %d\nwant %v, n %d", got, n, tt.want, wantN)
			}
			for _, step := range []int{1, 2, 3, 7} {
				got, n, err := parseSplit(tt.raw, step, testMaxHeader, testMaxBody)
				if err != nil || n != wantN || !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("parse in steps of %d = %v, n %d, %v\nwant %v, n %d", step, got, n, err, tt.want, wantN)
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	const get = "GET / HTTP/1.1\r\nHost: h\r\n"
	post := func(headers string) string { return "POST / HTTP/1.1\r\nHost: h\r\n" + headers + "\r\n" }
	chunked := func(body string) string { return post("Transfer-Encoding: chunked\r\n") + body }
	tests := []struct {
		name string
		raw  string
		want *statusError
	}{
		{"no colon", get + "Bad Header\r\n\r\n", errHeaderLine},
		{"space before colon", get + "X-A : b\r\n\r\n", errHeaderName},
		{"tab before colon", get + "X-A\t: b\r\n\r\n", errHeaderName},
		{"empty name", get + ": b\r\n\r\n", errHeaderName},
		{"control in name", get + "X\x01: b\r\n\r\n", errHeaderName},
		{"non-token name", get + "X(a): b\r\n\r\n", errHeaderName},
		{"obs-fold", get + "X-A: b\r\n  c\r\n\r\n", errObsFold},
		{"obs-fold tab", get + "X-A: b\r\n\tc\r\n\r\n", errObsFold},
		{"NUL in value", get + "X-A: a\x00b\r\n\r\n", errHeaderValue},
		{"bare CR in value", get + "X-A: a\rX-B: b\r\n\r\n", errHeaderValue},
		{"DEL in value", get + "X-A: a\x7fb\r\n\r\n", errHeaderValue},
		{"CR CR LF", get + "X-A: a\r\r\n\r\n", errHeaderValue},
		{"control deep in value", get + "X-A: 0123456789abcdef\x1b0123456789\r\n\r\n", errHeaderValue},
		{"no request target", "GET HTTP/1.1\r\nHost: h\r\n\r\n", errRequestLine},
		{"only a method", "GET\r\nHost: h\r\n\r\n", errRequestLine},
		{"empty method", " / HTTP/1.1\r\nHost: h\r\n\r\n", errMethod},
		{"bad method", "GE(T / HTTP/1.1\r\nHost: h\r\n\r\n", errMethod},
		{"space in target", "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", errTarget},
		{"two spaces", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", errTarget},
		{"control in target", "GET /\x01 HTTP/1.1\r\nHost: h\r\n\r\n", errTarget},
		{"trailing space", "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", errTarget},
		{"lower-case version", "GET / http/1.1\r\nHost: h\r\n\r\n", errVersion},
		{"short version", "GET / HTTP/1\r\nHost: h\r\n\r\n", errVersion},
		{"long version", "GET / HTTP/1.10\r\nHost: h\r\n\r\n", errVersion},
		{"HTTP/2.0", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", errUnsupportedVersion},
		{"HTTP/1.2", "GET / HTTP/1.2\r\nHost: h\r\n\r\n", errUnsupportedVersion},
		{"HTTP/0.9", "GET / HTTP/0.9\r\nHost: h\r\n\r\n", errUnsupportedVersion},
		{"no host", "GET / HTTP/1.1\r\nX: y\r\n\r\n", errHost},
		{"two hosts", get + "Host: i\r\n\r\n", errHost},
		{"space in host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", errHost},
		{"slash in host", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", errHost},
		{"non-ASCII host", "GET / HTTP/1.1\r\nHost: \xc3\xa9\r\n\r\n", errHost},
		{"length not digits", post("Content-Length: abc\r\n"), errContentLength},
		{"negative length", post("Content-Length: -1\r\n"), errContentLength},
		{"plus length", post("Content-Length: +1\r\n"), errContentLength},
		{"empty length", post("Content-Length:\r\n"), errContentLength},
		{"length list", post("Content-Length: 5, 5\r\n"), errContentLength},
		{"space in length", post("Content-Length: 1 2\r\n"), errContentLength},
		{"disagreeing lengths", post("Content-Length: 5\r\nContent-Length: 6\r\n"), errContentLength},
		{"length over limit", post("Content-Length: 1001\r\n"), errBodyTooLarge},
		{"length over int64", post("Content-Length: 99999999999999999999999\r\n"), errBodyTooLarge},
		{"both framings", post("Transfer-Encoding: chunked\r\nContent-Length: 3\r\n"), errBothLengths},
		{"both framings, length first", post("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n"), errBothLengths},
		{"gzip", post("Transfer-Encoding: gzip\r\n"), errUnsupportedCoding},
		{"gzip, chunked", post("Transfer-Encoding: gzip, chunked\r\n"), errUnsupportedCoding},
		{"chunked, gzip", post("Transfer-Encoding: chunked, gzip\r\n"), errUnsupportedCoding},
		{"chunked twice", post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"), errTransferEncoding},
		{"empty transfer-encoding", post("Transfer-Encoding: \r\n"), errTransferEncoding},
		{"chunked in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", errTransferEncoding},
		{"other expectation", post("Expect: 200-ok\r\nContent-Length: 1\r\n") + "x", errExpectation},
		{"bad chunk size", chunked("zz\r\n"), errChunked},
		{"empty chunk size", chunked("\r\nabc\r\n"), errChunked},
		{"negative chunk size", chunked("-1\r\n"), errChunked},
		{"chunk size then junk", chunked("1 x\r\na\r\n"), errChunked},
		{"control in chunk extension", chunked("1;a\x00b\r\na\r\n"), errChunked},
		{"no CRLF after chunk", chunked("3\r\nabcX\r\n"), errChunked},
		{"CR without LF after chunk", chunked("3\r\nabc\rX"), errChunked},
		{"chunk over limit", chunked("3e9\r\n"), errBodyTooLarge},
		{"chunks over limit", chunked("3e8\r\n" + strings.Repeat("a", 1000) + "\r\n1\r\n"), errBodyTooLarge},
		{"chunk size overflow", chunked("ffffffffffffffffffff\r\n"), errBodyTooLarge},
		{"chunk line too long", chunked("1;" + strings.Repeat("e", maxChunkLine) + "\r\n"), errChunked},
		{"chunk extension flood", chunked(strings.Repeat("1;"+strings.Repeat("e", 4000)+"\r\na\r\n", 6)), errChunkOverhead},
		{"bad trailer", chunked("0\r\nno colon\r\n\r\n"), errHeaderLine},
		{"trailer too large", chunked("0\r\nX: " + strings.Repeat("t", testMaxHeader) + "\r\n\r\n"), errHeaderTooLarge},
		{"head too large", get + "X: " + strings.Repeat("h", testMaxHeader) + "\r\n\r\n", errHeaderTooLarge},
		{"head too large, no end", get + "X: " + strings.Repeat("h", testMaxHeader), errHeaderTooLarge},
		{"empty lines too many", strings.Repeat("\r\n", testMaxHeader), errHeaderTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := parseWhole(tt.raw, testMaxHeader, testMaxBody); err != tt.want {
				t.Fatalf("parse: %v, want %v", err, tt.want)
			}
			for _, step := range []int{1, 5} {
				if _, _, err := parseSplit(tt.raw, step, testMaxHeader, testMaxBody); err != tt.want {
					t.Fatalf("parse in steps of %d: %v, want %v", step, err, tt.want)
				}
			}
		})
	}
}

func TestParseIncomplete(t *testing.T) {
	for _, raw := range []string{
		"",
		"GET",
		"GET / HTTP/1.1\r\nHost: h\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\n\r",
		"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nabcd",
		"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
		"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r",
		"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n",
	} {
		if _, _, err := parseWhole(raw, testMaxHeader, testMaxBody); err != errIncomplete {
			t.Errorf("parse %q: %v, want errIncomplete", raw, err)
		}
	}
}

func TestRequestHeader(t *testing.T) {
	raw := []byte("GET / HTTP/1.1\r\nHost: h\r\nX-Amz-Target: DynamoDB_20120810.GetItem\r\nX-Empty:\r\nx-dup: 1\r\nX-Dup: 2\r\n\r\n")
	var p parser
	p.maxHeader, p.maxBody = testMaxHeader, testMaxBody
	p.reset()
	n, err := p.parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	var r Request
	r.set(&p, raw[:n])
	for _, tt := range []struct {
		name string
		want string
		ok   bool
	}{
		{"x-amz-target", "DynamoDB_20120810.GetItem", true},
		{"X-AMZ-TARGET", "DynamoDB_20120810.GetItem", true},
		{"X-Empty", "", true},
		{"X-Dup", "1", true},
		{"X-Missing", "", false},
		{"X-Amz-Targe", "", false},
	} {
		v := r.Header(tt.name)
		if (v != nil) != tt.ok || string(v) != tt.want {
			t.Errorf("Header(%q) = %q (nil %v), want %q (present %v)", tt.name, v, v == nil, tt.want, tt.ok)
		}
	}
	if r.ContentLength() != 0 || r.Body != nil {
		t.Errorf("ContentLength %d, Body %q; want 0, nil", r.ContentLength(), r.Body)
	}
}

func TestValidValue(t *testing.T) {
	// The word-at-a-time check agrees with the byte loop at every
	// position and for every byte.
	for _, fill := range []byte{'a', 0x80, 0xff, '\t', ' ', '~'} {
		for n := 1; n <= 40; n++ {
			for c := 0; c < 256; c++ {
				want := !((c < ' ' && c != '\t') || c == 0x7f)
				for pos := 0; pos < n; pos++ {
					v := bytes.Repeat([]byte{fill}, n)
					v[pos] = byte(c)
					if got := validValue(v); got != want {
						t.Fatalf("validValue(%q) = %v, want %v", v, got, want)
					}
				}
			}
		}
	}
}
