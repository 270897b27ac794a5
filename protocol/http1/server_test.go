package http1

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// hangGuard bounds every blocking network operation of the tests, so a bug
// fails a test instead of hanging it. It is not a timing threshold: a
// correct server answers at once.
const hangGuard = 30 * time.Second

// testServer is a Server serving on a loopback listener.
type testServer struct {
	*Server
	addr string
	done chan struct{} // closed when Serve returns
	err  error         // what Serve returned
}

// start serves s on a new loopback listener; the test's cleanup closes it
// and checks that Serve returned ErrServerClosed.
func start(t *testing.T, s *Server) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return startOn(t, s, ln)
}

func startOn(t *testing.T, s *Server, ln net.Listener) *testServer {
	ts := &testServer{Server: s, addr: ln.Addr().String(), done: make(chan struct{})}
	go func() {
		ts.err = s.Serve(ln)
		close(ts.done)
	}()
	t.Cleanup(func() {
		s.Close()
		<-ts.done
		if ts.err != ErrServerClosed {
			t.Errorf("Serve returned %v, want ErrServerClosed", ts.err)
		}
	})
	return ts
}

// dial opens a raw connection to ts.
func (ts *testServer) dial(t *testing.T) (net.Conn, *bufio.Reader) {
	t.Helper()
	nc, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(hangGuard))
	t.Cleanup(func() { nc.Close() })
	return nc, bufio.NewReader(nc)
}

// client returns a net/http client of ts.
func (ts *testServer) client(t *testing.T, tr *http.Transport) *http.Client {
	if tr == nil {
		tr = &http.Transport{}
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: hangGuard}
}

func (ts *testServer) url(path string) string { return "http://" + ts.addr + path }

// response is a reply read from a raw connection.
type response struct {
	*http.Response
	body string
}

func readResponse(t *testing.T, br *bufio.Reader, method string) response {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("reading response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading response body: %v", err)
	}
	return response{resp, string(body)}
}

// expectEOF checks that the server closed the connection.
func expectEOF(t *testing.T, br *bufio.Reader) {
	t.Helper()
	if b, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after the reply: read %q, %v; want EOF", b, err)
	}
}

func write(t *testing.T, nc net.Conn, s string) {
	t.Helper()
	if _, err := io.WriteString(nc, s); err != nil {
		t.Fatal(err)
	}
}

// mux is the handler of most tests.
func mux(w *Response, r *Request) {
	switch string(r.Path) {
	case "/panic":
		w.AddHeader("X-Lost", "1")
		w.Body = append(w.Body, "lost"...)
		panic("boom")
	case "/close":
		w.AddHeader("Connection", "close")
		w.Body = append(w.Body, "bye"...)
	case "/headers":
		w.AddHeader("X-Good", "1")
		w.AddHeader("X-Bad", "a\r\nInjected: b")
		w.AddHeader("X-Bad\n", "c")
		w.AddHeader("Content-Length", "999")
		w.AddHeader("Transfer-Encoding", "chunked")
		w.AddHeaderBytes("X-Bytes", []byte("2"))
		w.Body = append(w.Body, "hello"...)
	case "/status":
		w.Status, _ = strconv.Atoi(string(r.RawQuery))
		w.Body = append(w.Body, "status body"...)
	case "/big":
		w.Body = append(w.Body, bytes.Repeat([]byte("0123456789"), 20000)...)
	case "/head":
		if string(r.Method) != "HEAD" {
			w.Body = append(w.Body, "0123456789"...)
		} else {
			w.AddHeader("Content-Length", "10")
		}
	default:
		echo(w, r)
		w.AddHeader("X-Length", strconv.FormatInt(r.ContentLength(), 10))
	}
}

func TestNetHTTPClientKeepAlive(t *testing.T) {
	ts := start(t, &Server{Handler: HandlerFunc(mux)})
	c := ts.client(t, nil)
	conns := 0
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		if !info.Reused {
			conns++
		}
	}}
	for i := range 50 {
		var req *http.Request
		body := strings.Repeat("b", i*37)
		if i%2 == 0 {
			req, _ = http.NewRequest("GET", ts.url(fmt.Sprintf("/get?i=%d", i)), nil)
		} else {
			req, _ = http.NewRequest("POST", ts.url("/post"), strings.NewReader(body))
		}
		req = req.WithContext(httptrace.WithClientTrace(context.Background(), trace))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 {
			t.Fatalf("request %d: status %d", i, resp.StatusCode)
		}
		if i%2 == 0 {
			if want := fmt.Sprintf("GET /get ?i=%d HTTP/1.1\n", i); !strings.HasPrefix(string(got), want) {
				t.Fatalf("request %d: body %q, want prefix %q", i, got, want)
			}
		} else if !strings.HasSuffix(string(got), "\n"+body) || resp.Header.Get("X-Length") != strconv.Itoa(len(body)) {
			t.Fatalf("request %d: body %q, X-Length %q", i, got, resp.Header.Get("X-Length"))
		}
		if d, err := http.ParseTime(resp.Header.Get("Date")); err != nil || d.IsZero() {
			t.Fatalf("Date %q: %v", resp.Header.Get("Date"), err)
		}
	}
	if conns != 1 {
		t.Errorf("%d connections for 50 requests, want 1", conns)
	}
}

// chunkedReader hides the length of its contents, so that net/http sends
// them chunked.
type chunkedReader struct{ r io.Reader }

func (c chunkedReader) Read(p []byte) (int, error) { return c.r.Read(p) }

func TestNetHTTPClientBodies(t *testing.T) {
	ts := start(t, &Server{Handler: HandlerFunc(mux)})
	c := ts.client(t, nil)
	for _, size := range []int{0, 1, 100, 5000, 300 << 10} {
		body := strings.Repeat("0123456789abcdef", size/16+1)[:size]
		for _, chunked := range []bool{false, true} {
			var r io.Reader = strings.NewReader(body)
			if chunked {
				r = chunkedReader{r}
			}
			req, _ := http.NewRequest("POST", ts.url("/echo"), r)
			if chunked {
				req.ContentLength = -1
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			wantLen := strconv.Itoa(size)
			if chunked {
				wantLen = "-1"
			}
			if !strings.HasSuffix(string(got), "\n"+body) || resp.Header.Get("X-Length") != wantLen {
				t.Fatalf("size %d chunked %v: got %d bytes, X-Length %q, want the body and %s",
					size, chunked, len(got), resp.Header.Get("X-Length"), wantLen)
			}
		}
	}
}

func TestNetHTTPClientHead(t *testing.T) {
	ts := start(t, &Server{Handler: HandlerFunc(mux)})
	c := ts.client(t, nil)
	for _, path := range []string{"/big", "/head"} {
		get, err := c.Get(ts.url(path))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(get.Body)
		get.Body.Close()
		head, err := c.Head(ts.url(path))
		if err != nil {
			t.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, head.Body)
		head.Body.Close()
		if head.ContentLength != int64(len(body)) || n != 0 {
			t.Fatalf("%s: HEAD Content-Length %d and %d bytes of body, want %d and none", path, head.ContentLength, n, len(body))
		}
	}
	// No body leaked after a HEAD reply: the next reply on the
	// connection parses.
	nc, br := start(t, &Server{Handler: HandlerFunc(mux)}).dial(t)
	write(t, nc, "HEAD /echo HTTP/1.1\r\nHost: h\r\n\r\nGET /status?201 HTTP/1.1\r\nHost: h\r\n\r\n")
	if r := readResponse(t, br, "HEAD"); r.StatusCode != 200 || r.body != "" {
		t.Fatalf("HEAD: %d %q", r.StatusCode, r.body)
	}
	if r := readResponse(t, br, "GET"); r.StatusCode != 201 || r.body != "status body" {
		t.Fatalf("GET after HEAD: %d %q", r.StatusCode, r.body)
	}
}

func TestNetHTTPClientExpectContinue(t *testing.T) {
	ts := start(t, &Server{Handler: HandlerFunc(mux)})
	// The client would wait this long for a 100 Continue before sending
	// the body anyway; Got100Continue says the server sent one.
	c := ts.client(t, &http.Transport{ExpectContinueTimeout: hangGuard})
	for i := range 3 {
		got100 := false
		trace := &httptrace.ClientTrace{Got100Continue: func() { got100 = true }}
		body := strings.Repeat("x", 1000*i+1)
		req, _ := http.NewRequest("PUT", ts.url("/echo"), strings.NewReader(body))
		req.Header.Set("Expect", "100-continue")
		req = req.WithContext(httptrace.WithClientTrace(context.Background(), trace))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !got100 || !strings.HasSuffix(string(got), "\n"+body) {
			t.Fatalf("request %d: 100 Continue %v, body %q", i, got100, got)
		}
	}
}

func TestExpectRaw(t *testing.T) {
	ts := start(t, &Server{Handler: HandlerFunc(mux)})
	nc, br := ts.dial(t)
	write(t, nc, "POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("read %q, %v; want a 100 Continue", line, err)
	}
	if line, _ := br.ReadString('\n'); line != "\r\n" {
		t.Fatalf("read %q after 100 Continue", line)
	}
	write(t, nc, "hello")
	if r := readResponse(t, br, "POST"); r.StatusCode != 200 || !strings.HasSuffix(r.body, "\nhello") {
		t.Fatalf("got %d %q", r.StatusCode, r.body)
	}
	// The body sent with the head: no 100 Continue needed, the reply
	// comes straight.
	write(t, nc, "POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi")
	if r := readResponse(t, br, "POST"); r.StatusCode != 200 || !strings.HasSuffix(r.body, "\nhi") {
		t.Fatalf("got %d %q", r.StatusCode, r.body)
	}

	nc, br = ts.dial(t)
	write(t, nc, "POST /echo HTTP/1.1\r\nHost: h\r\nExpect: something-else\r\nContent-Length: 5\r\n\r\n")
	if r := readResponse(t, br, "POST"); r.StatusCode != 417 || !r.Close {
		t.Fatalf("got %d (close %v), want 417 and close", r.StatusCode, r.Close)
	}
	expectEOF(t, br)
}

func TestPipelined(t *testing.T) {
	ts := start(t, &Server{Handler: HandlerFunc(mux)})
	nc, br := ts.dial(t)
	var reqs strings.Builder
	const n = 20
	for i := range n {
		switch i % 3 {
		case 0:
			fmt.Fprintf(&reqs, "GET /get?%d HTTP/1.1\r\nHost: h\r\n\r\n", i)
		case 1:
			fmt.Fprintf(&reqs, "POST /post?%d HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc", i)
		case 2:
			fmt.Fprintf(&reqs, "POST /chunked?%d HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n", i)
		}
	}
	write(t, nc, reqs.String())
	for i := range n {
		r := readResponse(t, br, "GET")
		want := fmt.Sprintf("?%d HTTP/1.1\n", i)
		if r.StatusCode != 200 || !strings.Contains(r.body, want) {
			t.Fatalf("reply %d: %d %q, want %q", i, r.StatusCode, r.body, want)
		}
	}
}

func TestPipelinedOneWrite(t *testing.T) {
	s := &Server{Handler: HandlerFunc(mux)}
	var in []byte
	for i := range 10 {
		in = fmt.Appendf(in, "GET /%d HTTP/1.1\r\nHost: h\r\n\r\n", i)
	}
	// All requests arrive in one read: the ten replies leave in one write.
	out, writes := serveFake(s, in, nil)
	if writes != 1 || bytes.Count(out, []byte("HTTP/1.1 200 OK\r\n")) != 10 {
		t.Fatalf("%d writes, %d replies; want 1 write of 10", writes, bytes.Count(out, []byte("HTTP/1.1 200 OK\r\n")))
	}
	// A partial request after complete ones: the complete ones are
	// answered before the server waits for the rest.
	in = append(in, "GET /last HTTP/1.1\r\nHo"...)
	half := len(in)
	in = append(in, "st: h\r\n\r\n"...)
	out, writes = serveFake(s, in, func(i int) int { return half })
	if writes != 2 || bytes.Count(out, []byte("HTTP/1.1 200 OK\r\n")) != 11 {
		t.Fatalf("%d writes, %d replies; want 2 writes, 11 replies", writes, bytes.Count(out, []byte("HTTP/1.1 200 OK\r\n")))
	}
}

func TestConnectionClose(t *testing.T) {
	ts := start(t, &Server{Handler: HandlerFunc(mux)})
	nc, br := ts.dial(t)
	write(t, nc, "GET /echo HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
	if r := readResponse(t, br, "GET"); r.StatusCode != 200 || !r.Close {
		t.Fatalf("got %d, close %v", r.StatusCode, r.Close)
	}
	expectEOF(t, br)

	// The handler asks to close.
	nc, br = ts.dial(t)
	write(t, nc, "GET /close HTTP/1.1\r\nHost: h\r\n\r\nGET /echo HTTP/1.1\r\nHost: h\r\n\r\n")
	if r := readResponse(t, br, "GET"); r.body != "bye" || !r.Close {
		t.Fatalf("got %q, close %v", r.body, r.Close)
	}
	expectEOF(t, br)
}

func TestHTTP10(t *testing.T) {
	ts := start(t, &Server{Handler: HandlerFunc(mux)})
	nc, br := ts.dial(t)
	write(t, nc, "GET /echo HTTP/1.0\r\n\r\n")
	if r := readResponse(t, br, "GET"); r.StatusCode != 200 || !r.Close ||
		!strings.HasPrefix(r.body, "GET /echo ? HTTP/1.0\n") {
		t.Fatalf("got %d, close %v, %q", r.StatusCode, r.Close, r.body)
	}
	expectEOF(t, br)

	nc, br = ts.dial(t)
	for i := range 3 {
		write(t, nc, "POST /echo HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx")
		if r := readResponse(t, br, "POST"); r.StatusCode != 200 || r.Header.Get("Connection") != "keep-alive" || r.Close {
			t.Fatalf("request %d: got %d, close %v", i, r.StatusCode, r.Close)
		}
	}
}

func TestServerErrors(t *testing.T) {
	ts := start(t, &Server{Handler: HandlerFunc(mux), MaxHeaderBytes: 1024, MaxBodyBytes: 1000})
	for _, tt := range []struct {
		name, raw string
		status    int
	}{
		{"header too large", "GET / HTTP/1.1\r\nHost: h\r\nX: " + strings.Repeat("a", 2000) + "\r\n\r\n", 431},
		{"request line too large", "GET /" + strings.Repeat("a", 2000), 431},
		{"body too large", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1001\r\n\r\n" + strings.Repeat("b", 1001), 413},
		{"chunked too large", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" +
			strings.Repeat("100\r\n"+strings.Repeat("c", 256)+"\r\n", 4), 413},
		{"no colon", "GET / HTTP/1.1\r\nHost: h\r\nBad\r\n\r\n", 400},
		{"obs-fold", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", 400},
		{"bad method", "G@T / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"no host", "GET / HTTP/1.1\r\n\r\n", 400},
		{"both framings", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"bad chunk", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", 400},
		{"HTTP/2.0", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505},
		{"gzip", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
		// An error after good requests: they are answered first.
		{"after good ones", "GET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nBad\r\n\r\n", 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			nc, br := ts.dial(t)
			write(t, nc, tt.raw)
			for range strings.Count(tt.raw, "GET / HTTP/1.1\r\nHost: h\r\n\r\n") {
				if r := readResponse(t, br, "GET"); r.StatusCode != 200 {
					t.Fatalf("good request: %d", r.StatusCode)
				}
			}
			r := readResponse(t, br, "GET")
			if r.StatusCode != tt.status || !r.Close {
				t.Fatalf("got %d, close %v; want %d and close", r.StatusCode, r.Close, tt.status)
			}
			if want := strconv.Itoa(tt.status) + " "; !strings.HasPrefix(r.body, want) {
				t.Fatalf("body %q, want prefix %q", r.body, want)
			}
			expectEOF(t, br)
		})
	}
}

func TestReplyHeaders(t *testing.T) {
	ts := start(t, &Server{Handler: HandlerFunc(mux)})
	nc, br := ts.dial(t)
	write(t, nc, "GET /headers HTTP/1.1\r\nHost: h\r\n\r\n")
	head, err := br.ReadString('\n')
	if err != nil || head != "HTTP/1.1 200 OK\r\n" {
		t.Fatalf("status line %q, %v", head, err)
	}
	var lines []string
	for range 100 {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\r\n" {
			break
		}
		lines = append(lines, strings.TrimSuffix(line, "\r\n"))
	}
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "Date: ") || lines[1] != "X-Good: 1" ||
		lines[2] != "X-Bytes: 2" || lines[3] != "Content-Length: 5" {
		t.Fatalf("header lines %q", lines)
	}
	if _, err := time.Parse(http.TimeFormat, strings.TrimPrefix(lines[0], "Date: ")); err != nil {
		t.Fatal(err)
	}
	body := make([]byte, 5)
	if _, err := io.ReadFull(br, body); err != nil || string(body) != "hello" {
		t.Fatalf("body %q, %v", body, err)
	}

	for _, tt := range []struct {
		status int
		line   string
		body   string
	}{
		{201, "HTTP/1.1 201 Created", "status body"},
		{204, "HTTP/1.1 204 No Content", ""},
		{304, "HTTP/1.1 304 Not Modified", ""},
		{404, "HTTP/1.1 404 Not Found", "status body"},
		{599, "HTTP/1.1 599 status code 599", "status body"},
		{99, "HTTP/1.1 500 Internal Server Error", "500 Internal Server Error: handler set an invalid status\n"},
		{1000, "HTTP/1.1 500 Internal Server Error", "500 Internal Server Error: handler set an invalid status\n"},
		{0, "HTTP/1.1 200 OK", "status body"},
	} {
		write(t, nc, fmt.Sprintf("GET /status?%d HTTP/1.1\r\nHost: h\r\n\r\n", tt.status))
		r := readResponse(t, br, "GET")
		if r.Proto+" "+r.Status != tt.line || r.body != tt.body {
			t.Fatalf("status %d: got %q %q, want %q %q", tt.status, r.Proto+" "+r.Status, r.body, tt.line, tt.body)
		}
		if _, ok := r.Header["Content-Length"]; ok != (tt.body != "") {
			t.Fatalf("status %d: Content-Length %q", tt.status, r.Header["Content-Length"])
		}
	}
}

func TestLargeReplies(t *testing.T) {
	ts := start(t, &Server{Handler: HandlerFunc(mux)})
	nc, br := ts.dial(t)
	// Large replies and small ones pipelined: written from Body, in order.
	write(t, nc, strings.Repeat("GET /big HTTP/1.1\r\nHost: h\r\n\r\nGET /status?202 HTTP/1.1\r\nHost: h\r\n\r\n", 3))
	for range 3 {
		if r := readResponse(t, br, "GET"); r.StatusCode != 200 || len(r.body) != 200000 || r.body[:10] != "0123456789" {
			t.Fatalf("big: %d, %d bytes", r.StatusCode, len(r.body))
		}
		if r := readResponse(t, br, "GET"); r.StatusCode != 202 {
			t.Fatalf("small: %d", r.StatusCode)
		}
	}
}

func TestHandlerPanic(t *testing.T) {
	var mu sync.Mutex
	var logs []string
	ts := start(t, &Server{Handler: HandlerFunc(mux), ErrorLog: func(format string, args ...any) {
		mu.Lock()
		logs = append(logs, fmt.Sprintf(format, args...))
		mu.Unlock()
	}})
	nc, br := ts.dial(t)
	write(t, nc, "GET /echo HTTP/1.1\r\nHost: h\r\n\r\nGET /panic HTTP/1.1\r\nHost: h\r\n\r\nGET /echo HTTP/1.1\r\nHost: h\r\n\r\n")
	if r := readResponse(t, br, "GET"); r.StatusCode != 200 {
		t.Fatalf("before the panic: %d", r.StatusCode)
	}
	r := readResponse(t, br, "GET")
	if r.StatusCode != 500 || !r.Close || r.Header.Get("X-Lost") != "" {
		t.Fatalf("panic: %d, close %v, X-Lost %q", r.StatusCode, r.Close, r.Header.Get("X-Lost"))
	}
	expectEOF(t, br)
	mu.Lock()
	if len(logs) != 1 || !strings.Contains(logs[0], "boom") || !strings.Contains(logs[0], "goroutine") {
		t.Errorf("logged %q, want the panic with its stack", logs)
	}
	mu.Unlock()
	// The server goes on.
	c := ts.client(t, nil)
	resp, err := c.Get(ts.url("/echo"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("after the panic: %v", err)
	}
	resp.Body.Close()
}

func TestReadTimeout(t *testing.T) {
	ts := start(t, &Server{Handler: HandlerFunc(mux), ReadTimeout: 50 * time.Millisecond})
	nc, br := ts.dial(t)
	write(t, nc, "GET / HTTP/1.1\r\nHost: h\r\n")
	if r := readResponse(t, br, "GET"); r.StatusCode != 408 || !r.Close {
		t.Fatalf("got %d (close %v), want 408 and close", r.StatusCode, r.Close)
	}
	expectEOF(t, br)
	// A body that does not come.
	nc, br = ts.dial(t)
	write(t, nc, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc")
	if r := readResponse(t, br, "GET"); r.StatusCode != 408 {
		t.Fatalf("got %d, want 408", r.StatusCode)
	}
}

func TestIdleTimeout(t *testing.T) {
	ts := start(t, &Server{Handler: HandlerFunc(mux), IdleTimeout: 50 * time.Millisecond})
	nc, br := ts.dial(t)
	write(t, nc, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	readResponse(t, br, "GET")
	// Nothing more is sent: the server closes the connection, without
	// a reply.
	expectEOF(t, br)
}

func TestShutdownIdle(t *testing.T) {
	ts := start(t, &Server{Handler: HandlerFunc(mux)})
	nc, br := ts.dial(t)
	write(t, nc, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	readResponse(t, br, "GET")
	// A connection that never sent anything, too.
	_, br2 := ts.dial(t)
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	if err := ts.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	expectEOF(t, br)
	expectEOF(t, br2)
	<-ts.done
	if ts.err != ErrServerClosed {
		t.Fatalf("Serve: %v", ts.err)
	}
	if _, err := net.Dial("tcp", ts.addr); err == nil {
		t.Fatal("the listener still accepts")
	}
}

// notifyListener reports every read of its connections on reads.
type notifyListener struct {
	net.Listener
	reads chan int
}

func (l notifyListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return notifyConn{nc, l.reads}, nil
}

type notifyConn struct {
	net.Conn
	reads chan int
}

func (c notifyConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.reads <- n
	}
	return n, err
}

func TestShutdownInFlight(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	reads := make(chan int, 100)
	ts := startOn(t, &Server{Handler: HandlerFunc(func(w *Response, r *Request) {
		if string(r.Path) == "/block" {
			entered <- struct{}{}
			<-release
		}
		echo(w, r)
	})}, notifyListener{ln, reads})
	nc, br := ts.dial(t)
	// A request in the handler, and one whose head has begun arriving:
	// both are served.
	write(t, nc, "POST /block HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nab")
	<-entered
	for len(reads) > 0 {
		<-reads // the first connection's
	}
	nc2, br2 := ts.dial(t)
	const partial = "GET /a HTTP/1.1\r\nHo"
	write(t, nc2, partial)
	for n := 0; n < len(partial); {
		n += <-reads
	}
	shut := make(chan error, 1)
	go func() { shut <- ts.Shutdown(context.Background()) }()
	<-ts.done // Serve returns once Shutdown has stopped accepting
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with a request in the handler", err)
	default:
	}
	write(t, nc2, "st: h\r\n\r\n")
	if r := readResponse(t, br2, "GET"); r.StatusCode != 200 || !r.Close {
		t.Fatalf("request arriving during Shutdown: %d, close %v", r.StatusCode, r.Close)
	}
	expectEOF(t, br2)
	close(release)
	r := readResponse(t, br, "POST")
	if r.StatusCode != 200 || !strings.HasSuffix(r.body, "\nab") || !r.Close {
		t.Fatalf("in-flight request: %d %q, close %v", r.StatusCode, r.body, r.Close)
	}
	expectEOF(t, br)
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

func TestShutdownContext(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	ts := start(t, &Server{Handler: HandlerFunc(func(w *Response, r *Request) {
		entered <- struct{}{}
		<-release
	})})
	nc, br := ts.dial(t)
	write(t, nc, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	<-entered
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ts.Shutdown(ctx); err != context.Canceled {
		t.Fatalf("Shutdown: %v, want context.Canceled", err)
	}
	// The connection was closed under the handler.
	if _, err := br.ReadByte(); err == nil {
		t.Fatal("the connection is still open")
	}
}

func TestServeAfterClose(t *testing.T) {
	s := &Server{Handler: HandlerFunc(mux)}
	s.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Serve(ln); err != ErrServerClosed {
		t.Fatalf("Serve after Close: %v", err)
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("the listener is open: %v", err)
	}
	if err := (&Server{}).Serve(ln); err != errNilHandler {
		t.Fatalf("Serve without a handler: %v", err)
	}
}

// flakyListener fails Accept with temporary errors, then permanently.
type flakyListener struct {
	net.Listener
	temporary int
}

type tempError struct{}

func (tempError) Error() string   { return "temporary" }
func (tempError) Temporary() bool { return true }
func (tempError) Timeout() bool   { return false }

func (l *flakyListener) Accept() (net.Conn, error) {
	if l.temporary > 0 {
		l.temporary--
		return nil, tempError{}
	}
	return nil, errors.New("permanent")
}

func TestAcceptErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logged := 0
	s := &Server{Handler: HandlerFunc(mux), ErrorLog: func(string, ...any) { logged++ }}
	if err := s.Serve(&flakyListener{Listener: ln, temporary: 2}); err == nil || err.Error() != "permanent" {
		t.Fatalf("Serve: %v, want the permanent error", err)
	}
	if logged != 2 {
		t.Fatalf("%d errors logged, want 2", logged)
	}
}

func TestStatusText(t *testing.T) {
	for code := 100; code < 1000; code++ {
		if got, want := statusText(code), http.StatusText(code); got != want {
			t.Errorf("statusText(%d) = %q, want %q", code, got, want)
		}
	}
}

func TestDate(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2024, 2, 29, 23, 59, 59, 999, time.UTC),
		time.Date(2024, 3, 1, 0, 0, 0, 0, time.FixedZone("X", 3600)),
		time.Now(),
	} {
		want := "Date: " + tm.UTC().Format(http.TimeFormat) + "\r\n"
		if got := string(appendDate(nil, tm)); got != want {
			t.Errorf("appendDate(%v) = %q, want %q", tm, got, want)
		}
		// Cached.
		if got := string(appendDate(nil, tm)); got != want {
			t.Errorf("appendDate(%v) again = %q, want %q", tm, got, want)
		}
	}
}

// TestSplitReads serves the same input whole and in reads of every small
// size: the replies are the same.
func TestSplitReads(t *testing.T) {
	s := &Server{Handler: HandlerFunc(mux), MaxHeaderBytes: 512, MaxBodyBytes: 512}
	inputs := []string{
		"GET /a?b HTTP/1.1\r\nHost: h\r\n\r\nPOST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nbody" +
			"POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n" +
			"\r\nGET /z HTTP/1.0\r\n\r\nGET /never HTTP/1.1\r\nHost: h\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
		"GET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\nX: " + strings.Repeat("x", 600) + "\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + strings.Repeat("10\r\n0123456789abcdef\r\n", 40),
		"GET /panic HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
	}
	for _, in := range inputs {
		whole, _ := serveFake(s, []byte(in), nil)
		whole = withoutDates(whole)
		for step := 1; step <= 9; step++ {
			got, _ := serveFake(s, []byte(in), func(int) int { return step })
			got = bytes.ReplaceAll(withoutDates(got), []byte("HTTP/1.1 100 Continue\r\n\r\n"), nil)
			if !bytes.Equal(got, whole) {
				t.Fatalf("input %.40q in reads of %d:\n%s\nwant\n%s", in, step, got, whole)
			}
		}
	}
}

// TestServeAllocs checks that a request costs the server no allocation.
func TestServeAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocations differ under the race detector")
	}
	s := &Server{Handler: HandlerFunc(benchHandler)}
	allocs := func(n int) float64 {
		in := bytes.Repeat(benchRequest, n)
		return testing.AllocsPerRun(3, func() {
			fc := &fakeConn{in: in, step: func(int) int { return len(benchRequest) }, discard: true}
			newConn(s, fc).serve()
		})
	}
	few, many := allocs(10), allocs(1010)
	if many-few > 3 { // the Date line may be formatted again once a second
		t.Fatalf("%v allocations for 10 requests, %v for 1010: %.3f a request, want 0",
			few, many, (many-few)/1000)
	}
}

func TestClientGone(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	reads := make(chan int, 100)
	ts := startOn(t, &Server{Handler: HandlerFunc(mux)}, notifyListener{ln, reads})
	nc, _ := ts.dial(t)
	const partial = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\npartial"
	write(t, nc, partial)
	for n := 0; n < len(partial); {
		n += <-reads
	}
	nc.Close()
	// The connection's goroutine ends at the EOF, not at the read
	// timeout: Shutdown, which waits for it, returns.
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	if err := ts.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

func TestBuffersShrink(t *testing.T) {
	s := &Server{Handler: HandlerFunc(func(w *Response, r *Request) {
		w.Body = append(w.Body, bytes.Repeat([]byte("r"), len(r.Body))...)
	})}
	big := fmt.Sprintf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n%s", 1<<20, bytes.Repeat([]byte("b"), 1<<20))
	small := "GET / HTTP/1.1\r\nHost: h\r\n\r\n"
	fc := &fakeConn{in: []byte(big), discard: true}
	c := newConn(s, fc)
	c.serve()
	if len(c.buf) != initialBufSize {
		t.Errorf("read buffer of %d bytes after a large request, want %d", len(c.buf), initialBufSize)
	}
	fc.in = []byte(small)
	c.serve()
	if cap(c.resp.Body) > maxKeepBody || cap(c.out) > maxKeepOutput {
		t.Errorf("body buffer of %d bytes, output buffer of %d after a large reply", cap(c.resp.Body), cap(c.out))
	}
}
