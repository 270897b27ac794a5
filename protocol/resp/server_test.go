package resp

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard"
)

// testServer is an in-process RESP server on 127.0.0.1:0.
type testServer struct {
	*Server
	addr    string
	handler *dynamodb.Handler
	store   *shard.Store
}

func startServer(t testing.TB, opts Options) *testServer {
	t.Helper()
	return startServerOn(t, shard.New(nil), opts)
}

// startServerOn is startServer on a given store (e.g. one with a log).
func startServerOn(t testing.TB, store *shard.Store, opts Options) *testServer {
	t.Helper()
	h := dynamodb.NewHandler(store, dynamodb.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := New(h, opts)
	s.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return &testServer{Server: s, addr: ln.Addr().String(), handler: h, store: store}
}

// rawConn speaks RESP byte for byte, for replies a client library would
// hide (exact types, null kinds, protocol errors).
type rawConn struct {
	t  testing.TB
	nc net.Conn
	br *bufio.Reader
}

func dialRaw(t testing.TB, network, addr string) *rawConn {
	t.Helper()
	nc, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawConn{t: t, nc: nc, br: bufio.NewReader(nc)}
}

func encodeCommand(args ...string) []byte {
	b := []byte("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b = append(b, "$"+strconv.Itoa(len(a))+"\r\n"...)
		b = append(b, a...)
		b = append(b, "\r\n"...)
	}
	return b
}

// do sends one command and returns its whole reply, raw.
func (c *rawConn) do(args ...string) string {
	c.t.Helper()
	c.send(encodeCommand(args...))
	return c.reply()
}

func (c *rawConn) send(b []byte) {
	c.t.Helper()
	c.nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatal(err)
	}
}

// reply reads one complete reply, raw.
func (c *rawConn) reply() string {
	c.t.Helper()
	var buf bytes.Buffer
	if err := readReply(c.br, &buf); err != nil {
		c.t.Fatalf("reading reply: %v (so far %q)", err, buf.String())
	}
	return buf.String()
}

func readReply(br *bufio.Reader, out *bytes.Buffer) error {
	line, err := br.ReadString('\n')
	if err != nil {
		return err
	}
	out.WriteString(line)
	if len(line) < 3 {
		return fmt.Errorf("short line %q", line)
	}
	switch line[0] {
	case '+', '-', ':':
		return nil
	case '$':
		n, _ := strconv.Atoi(line[1 : len(line)-2])
		if n < 0 {
			return nil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(br, b); err != nil {
			return err
		}
		out.Write(b)
		return nil
	case '*':
		n, _ := strconv.Atoi(line[1 : len(line)-2])
		for i := 0; i < n; i++ {
			if err := readReply(br, out); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("bad reply line %q", line)
}
