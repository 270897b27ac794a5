package http1

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// benchBody is a GetItem request as the AWS SDK sends it, padded to 100
// bytes.
var benchBody = []byte(`{"TableName":"bench","Key":{"pk":{"S":"user#0000001234"},"sk":{"S":"profile"}},"ConsistentRead":1}`)

// benchRequest is a DynamoDB request with the AWS SDK for Go v2's headers.
var benchRequest = []byte("POST / HTTP/1.1\r\n" +
	"Host: localhost:8000\r\n" +
	"User-Agent: aws-sdk-go-v2/1.30.3 ua/2.0 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/dynamodb#1.34.4\r\n" +
	"Content-Length: " + strconv.Itoa(len(benchBody)) + "\r\n" +
	"Accept-Encoding: identity\r\n" +
	"Amz-Sdk-Invocation-Id: 3b5e4d1c-8a4f-4e1e-9a39-0c7d2f6b8e21\r\n" +
	"Amz-Sdk-Request: attempt=1; max=3\r\n" +
	"Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/dynamodb/aws4_request, " +
	"SignedHeaders=accept-encoding;amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date;x-amz-target, " +
	"Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7\r\n" +
	"Content-Type: application/x-amz-json-1.0\r\n" +
	"X-Amz-Date: 20240101T000000Z\r\n" +
	"X-Amz-Target: DynamoDB_20120810.GetItem\r\n" +
	"\r\n" + string(benchBody))

// benchReply is the 100-byte body of the benchmark's replies.
var benchReply = []byte(`{"Item":{"pk":{"S":"user#0000001234"},"sk":{"S":"profile"},"name":{"S":"Ada Lovelace"},"n":{"N":"1"}}`)

// benchHandler does what a DynamoDB handler does around its work: read the
// target and the body, add three headers and a body.
func benchHandler(w *Response, r *Request) {
	if len(r.Header("X-Amz-Target")) == 0 || len(r.Body) != len(benchBody) {
		w.Status = 400
	}
	w.AddHeader("Content-Type", "application/x-amz-json-1.0")
	w.AddHeader("X-Amzn-Requestid", "4KBNVRGD25RG0C3NCFOBUCNRLFVV4KQNSO5AEMVJF66Q9ASUAAJG")
	w.AddHeader("X-Amz-Crc32", "2745614147")
	w.Body = append(w.Body, benchReply...)
}

// benchNetHTTPHandler is benchHandler for net/http.
func benchNetHTTPHandler(w http.ResponseWriter, r *http.Request) {
	var body [512]byte
	n, _ := io.ReadFull(r.Body, body[:])
	if r.Header.Get("X-Amz-Target") == "" || n != len(benchBody) {
		w.WriteHeader(400)
	}
	h := w.Header()
	h["Content-Type"] = []string{"application/x-amz-json-1.0"}
	h["X-Amzn-Requestid"] = []string{"4KBNVRGD25RG0C3NCFOBUCNRLFVV4KQNSO5AEMVJF66Q9ASUAAJG"}
	h["X-Amz-Crc32"] = []string{"2745614147"}
	w.Write(benchReply)
}

// repeatConn is a connection that receives reqs requests, batch in each
// read, then io.EOF; what is written is dropped.
type repeatConn struct {
	fakeConn
	req   []byte // batch requests
	batch int
	left  int // requests to go
	pos   int // in req, of a batch that did not fit a read
}

func (c *repeatConn) Read(p []byte) (int, error) {
	if c.pos == 0 {
		if c.left <= 0 {
			return 0, io.EOF
		}
		c.left -= c.batch
	}
	n := copy(p, c.req[c.pos:])
	if c.pos += n; c.pos == len(c.req) {
		c.pos = 0
	}
	return n, nil
}

func (c *repeatConn) Write(p []byte) (int, error) { return len(p), nil }

// benchConn serves b.N requests on one connection without a socket, batch
// requests a read: the server's own cost per request.
func benchConn(b *testing.B, batch int) {
	s := &Server{Handler: HandlerFunc(benchHandler)}
	rc := &repeatConn{req: bytes.Repeat(benchRequest, batch), batch: batch, left: batch}
	c := newConn(s, rc)
	c.serve() // warm up the buffers
	rc.left = b.N
	b.ReportAllocs()
	b.SetBytes(int64(len(benchRequest)))
	b.ResetTimer()
	c.serve()
}

// BenchmarkServeConn serves one request a read (as a client waiting for
// each reply sends them) on a connection without a socket.
func BenchmarkServeConn(b *testing.B) { benchConn(b, 1) }

// BenchmarkServeConnPipelined is BenchmarkServeConn with 16 requests a
// read.
func BenchmarkServeConnPipelined(b *testing.B) { benchConn(b, 16) }

func BenchmarkServe(b *testing.B) {
	for _, clients := range []int{1, 4} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			s := &Server{Handler: HandlerFunc(benchHandler)}
			go s.Serve(ln)
			defer s.Close()
			benchClients(b, ln.Addr().String(), clients)
		})
	}
}

func BenchmarkServeNetHTTP(b *testing.B) {
	for _, clients := range []int{1, 4} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			s := &http.Server{Handler: http.HandlerFunc(benchNetHTTPHandler)}
			go s.Serve(ln)
			defer s.Close()
			benchClients(b, ln.Addr().String(), clients)
		})
	}
}

// benchClients runs b.N requests over clients keep-alive connections, each
// client sending one request and reading its reply at a time. The client
// allocates nothing per request, so allocations are the server's.
func benchClients(b *testing.B, addr string, clients int) {
	conns := make([]net.Conn, clients)
	for i := range conns {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		defer nc.Close()
		conns[i] = nc
		// Warm up the connection.
		if err := roundTrip(nc, make([]byte, 4096)); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	b.ReportAllocs()
	b.ResetTimer()
	for _, nc := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 4096)
			for next.Add(1) <= int64(b.N) {
				if err := roundTrip(nc, buf); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
}

// roundTrip sends benchRequest and reads a whole reply into buf.
func roundTrip(nc net.Conn, buf []byte) error {
	if _, err := nc.Write(benchRequest); err != nil {
		return err
	}
	n := 0
	for {
		m, err := nc.Read(buf[n:])
		if err != nil {
			return err
		}
		n += m
		head := bytes.Index(buf[:n], []byte("\r\n\r\n"))
		if head < 0 {
			continue
		}
		i := bytes.Index(buf[:head], []byte("\r\nContent-Length: "))
		if i < 0 {
			return fmt.Errorf("no Content-Length in %q", buf[:n])
		}
		i += len("\r\nContent-Length: ")
		length := 0
		for ; buf[i] != '\r'; i++ {
			length = length*10 + int(buf[i]-'0')
		}
		if !bytes.HasPrefix(buf, []byte("HTTP/1.1 200 OK\r\n")) {
			return fmt.Errorf("reply %q", buf[:n])
		}
		if n >= head+4+length {
			return nil
		}
	}
}
