package http1

import (
	"bytes"
	"reflect"
	"strconv"
	"testing"
)

// Limits of the fuzz target: small, so that inputs reach them.
const (
	fuzzMaxHeader = 2048
	fuzzMaxBody   = 4096
)

// fuzzHandler echoes the request, and panics on /panic.
func fuzzHandler(w *Response, r *Request) {
	if string(r.Path) == "/panic" {
		panic("fuzz")
	}
	echo(w, r)
}

// FuzzParseRequest feeds arbitrary bytes to the parser, request after
// request, and checks every request it accepts; then serves them on a
// connection, given whole and in small reads, and checks that the replies
// are the same.
func FuzzParseRequest(f *testing.F) {
	for _, seed := range []string{
		"GET / HTTP/1.1\r\nHost: h\r\n\r\n",
		"POST /p?q HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\nHost: h\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;e\r\nabc\r\n0\r\nT: v\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n",
		string(benchRequest),
	} {
		f.Add([]byte(seed))
	}
	s := &Server{
		Handler:        HandlerFunc(fuzzHandler),
		MaxHeaderBytes: fuzzMaxHeader,
		MaxBodyBytes:   fuzzMaxBody,
		ErrorLog:       func(string, ...any) {},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		buf := bytes.Clone(data)
		var p parser
		p.maxHeader, p.maxBody = fuzzMaxHeader, fuzzMaxBody
		for range 100 {
			p.reset()
			n, err := p.parse(buf)
			if err != nil {
				if _, ok := err.(*statusError); !ok && err != errIncomplete {
					t.Fatalf("parse: unexpected error %v", err)
				}
				break
			}
			if n <= 0 || n > len(buf) {
				t.Fatalf("parse: length %d of %d bytes", n, len(buf))
			}
			var r Request
			r.set(&p, buf[:n])
			checkRequest(t, &p, &r)
			buf = buf[n:]
		}

		whole, _ := serveFake(s, data, nil)
		split, _ := serveFake(s, data, func(i int) int { return 1 + (i*7+len(data))%13 })
		// 100 Continue is sent when a body has not arrived with its
		// head: the pieces decide.
		cont := []byte("HTTP/1.1 100 Continue\r\n\r\n")
		whole = bytes.ReplaceAll(withoutDates(whole), cont, nil)
		split = bytes.ReplaceAll(withoutDates(split), cont, nil)
		if !bytes.Equal(whole, split) {
			t.Fatalf("replies differ when the input arrives in pieces:\n%q\nwhole:\n%q", split, whole)
		}
	})
}

// checkRequest checks the invariants of a parsed request, and that writing
// it out again gives a request that parses the same.
func checkRequest(t *testing.T, p *parser, r *Request) {
	t.Helper()
	if len(r.Method) == 0 {
		t.Fatal("empty method")
	}
	for _, c := range r.Method {
		if !isToken[c] {
			t.Fatalf("method %q", r.Method)
		}
	}
	if string(r.Proto) != "HTTP/1.1" && string(r.Proto) != "HTTP/1.0" {
		t.Fatalf("proto %q", r.Proto)
	}
	// The target is not empty, but may be "?...".
	if (len(r.Path) == 0 && p.query < 0) || bytes.IndexByte(r.Path, '?') >= 0 {
		t.Fatalf("path %q", r.Path)
	}
	for _, c := range append(bytes.Clone(r.Path), r.RawQuery...) {
		if c <= ' ' || c == 0x7f {
			t.Fatalf("target %q?%q", r.Path, r.RawQuery)
		}
	}
	if p.headEnd > fuzzMaxHeader || len(r.Body) > fuzzMaxBody {
		t.Fatalf("head of %d bytes, body of %d: over the limits", p.headEnd, len(r.Body))
	}
	for _, f := range r.fields {
		name, value := r.head[f.name.start:f.name.end], r.head[f.value.start:f.value.end]
		if len(name) == 0 {
			t.Fatal("empty header name")
		}
		for _, c := range name {
			if !isToken[c] {
				t.Fatalf("header name %q", name)
			}
		}
		if !validValue(value) || bytes.IndexByte(value, '\r') >= 0 || bytes.IndexByte(value, '\n') >= 0 {
			t.Fatalf("header value %q", value)
		}
		if len(value) > 0 && (value[0] == ' ' || value[0] == '\t' || value[len(value)-1] == ' ' || value[len(value)-1] == '\t') {
			t.Fatalf("header value %q not trimmed", value)
		}
	}
	switch cl := r.ContentLength(); {
	case cl == -1:
		if r.Header("Transfer-Encoding") == nil || r.Header("Content-Length") != nil {
			t.Fatal("chunked body without Transfer-Encoding, or with Content-Length")
		}
	case cl >= 0:
		if int64(len(r.Body)) != cl || (cl > 0 && r.Header("Content-Length") == nil) {
			t.Fatalf("body of %d bytes, Content-Length %d", len(r.Body), cl)
		}
		if r.Header("Transfer-Encoding") != nil {
			t.Fatal("Transfer-Encoding without a chunked body")
		}
	default:
		t.Fatalf("ContentLength %d", cl)
	}

	// Written out again (a chunked body as one chunk), the request
	// parses to the same.
	want := toParsed(p, r)
	var b []byte
	b = append(b, r.Method...)
	b = append(b, ' ')
	b = append(b, r.Path...)
	if p.query >= 0 {
		b = append(b, '?')
		b = append(b, r.RawQuery...)
	}
	b = append(b, ' ')
	b = append(b, r.Proto...)
	b = append(b, "\r\n"...)
	for _, h := range want.headers {
		b = append(b, h...)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	if r.ContentLength() == -1 {
		if len(r.Body) > 0 {
			b = strconv.AppendInt(b, int64(len(r.Body)), 16)
			b = append(b, "\r\n"...)
			b = append(b, r.Body...)
			b = append(b, "\r\n"...)
		}
		b = append(b, "0\r\n\r\n"...)
	} else {
		b = append(b, r.Body...)
	}
	// (Bare LFs become CRLFs: the head may grow.)
	got, n, err := parseWhole(string(b), 2*fuzzMaxHeader, fuzzMaxBody)
	if err != nil || n != len(b) || !reflect.DeepEqual(got, want) {
		t.Fatalf("written out again as %q: %v, %v (%d of %d bytes)\nwant %v", b, got, err, n, len(b), want)
	}
}
