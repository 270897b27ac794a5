package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func rawGet(path string) []byte {
	return []byte("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")
}

// The lean client reads replies framed by Content-Length, by chunks and by
// the end of the connection, keeps the connection alive when it may, and
// dials again when the server closes it.
func TestHTTPConnFraming(t *testing.T) {
	big := strings.Repeat("0123456789", 20_000) // 200 KB: net/http sends it chunked
	var conns int
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/small":
			io.WriteString(w, "hello")
		case "/big":
			io.WriteString(w, big)
		case "/close":
			w.Header().Set("Connection", "close")
			io.WriteString(w, "bye")
		case "/err":
			w.WriteHeader(400)
			io.WriteString(w, `{"__type":"x#ValidationException","message":"no"}`)
		case "/empty":
			w.WriteHeader(204)
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns++
		}
	}
	srv.Start()
	defer srv.Close()
	c := &httpConn{addr: srv.Listener.Addr().String(), timeout: 5 * time.Second}
	defer c.close()
	for _, tc := range []struct {
		path   string
		status int
		body   string
	}{
		{"/small", 200, "hello"}, {"/big", 200, big}, {"/small", 200, "hello"}, {"/empty", 204, ""},
		{"/err", 400, `{"__type":"x#ValidationException","message":"no"}`},
		{"/close", 200, "bye"}, {"/small", 200, "hello"},
	} {
		status, body, err := c.do(rawGet(tc.path))
		if err != nil || status != tc.status || string(body) != tc.body {
			t.Fatalf("%s: %d %q %v", tc.path, status, truncate(string(body), 40), err)
		}
	}
	if conns != 2 {
		t.Errorf("%d connections, want 2 (one reopened after Connection: close)", conns)
	}
}

// A reply ending with the connection (no length, no chunks), and a
// kept-alive connection that the server closed while idle.
func TestHTTPConnEOFAndIdleClose(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for i := 0; ; i++ {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			br := bufio.NewReader(conn)
			for { // read the request head
				line, err := br.ReadString('\n')
				if err != nil || line == "\r\n" {
					break
				}
			}
			if i == 0 { // kept alive, then closed while idle
				io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			} else {
				io.WriteString(conn, "HTTP/1.0 200 OK\r\n\r\nuntil the end")
			}
			conn.Close()
		}
	}()
	c := &httpConn{addr: ln.Addr().String(), timeout: 5 * time.Second}
	defer c.close()
	if _, body, err := c.do(rawGet("/")); err != nil || string(body) != "ok" {
		t.Fatalf("first: %q %v", body, err)
	}
	// The connection looks alive but the server has closed it: do sends
	// again on a new one.
	if _, body, err := c.do(rawGet("/")); err != nil || string(body) != "until the end" {
		t.Fatalf("second: %q %v", body, err)
	}
}

func TestHTTPConnBadReplies(t *testing.T) {
	for _, reply := range []string{
		"HTTX/1.1 200 OK\r\n\r\n",
		"HTTP/1.1 2x0 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
	} {
		c := &httpConn{br: bufio.NewReader(strings.NewReader(reply))}
		c.conn = nopConn{}
		if _, _, _, err := c.roundTrip(nil); err == nil {
			t.Errorf("%q accepted", reply)
		}
	}
}

func FuzzHTTPReply(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\nrest",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		c := &httpConn{br: bufio.NewReader(bytes.NewReader(in)), conn: nopConn{}}
		_, _, _, _ = c.roundTrip(nil)
	})
}

// nopConn accepts writes; reads come from the test's bufio.Reader.
type nopConn struct{ net.Conn }

func (nopConn) Write(b []byte) (int, error) { return len(b), nil }
func (nopConn) Close() error                { return nil }

func ExampleMain_help() {
	var out bytes.Buffer
	code := Main([]string{"--help"}, &out, &out)
	fmt.Println(code, strings.Contains(out.String(), "Usage: dynacache bench"))
	// Output: 0 true
}

// The lean client against net/http's on the same server: the difference
// in time and allocations per request is what the generator saves.
func BenchmarkHTTPClient(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{"Item":{"pk":{"S":"user0000000001"}}}`)
	}))
	defer srv.Close()
	body := []byte(`{"TableName":"bench","Key":{"pk":{"S":"user0000000001"},"sk":{"S":"000002"}}}`)
	b.Run("lean", func(b *testing.B) {
		c := &httpConn{addr: srv.Listener.Addr().String(), timeout: 5 * time.Second}
		defer c.close()
		req := append([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: "+fmt.Sprint(len(body))+"\r\n\r\n"), body...)
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := c.do(req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("net-http", func(b *testing.B) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
		b.ReportAllocs()
		for b.Loop() {
			req, _ := http.NewRequest("POST", srv.URL, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/x-amz-json-1.0")
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}
