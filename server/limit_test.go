package server

import (
	"bufio"
	"context"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestMaxConnections: a port holds at most --max-connections clients; one
// more is refused with a clear error (DynamoDB-shaped on HTTP, Redis's on
// RESP) and a place freed is taken again.
func TestMaxConnections(t *testing.T) {
	var out syncBuffer
	cfg := DefaultConfig()
	cfg.HTTPAddr, cfg.RESPAddr, cfg.InMemory, cfg.MaxConnections, cfg.Log = "127.0.0.1:0", "127.0.0.1:0", true, 2, &out
	srv, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	defer func() { cancel(); <-done }()
	addrs := regexp.MustCompile(`listening on (?:http://)?([0-9.:]+)`)
	var found [][]string
	for deadline := time.Now().Add(10 * time.Second); len(found) < 2 && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		found = addrs.FindAllStringSubmatch(out.String(), -1)
	}
	if len(found) < 2 {
		t.Fatalf("server did not start:\n%s", out.String())
	}
	httpAddr, respAddr := found[0][1], found[1][1]

	dial := func(addr string) net.Conn {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		return c
	}
	httpGet := func(c net.Conn) string {
		t.Helper()
		c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		b := make([]byte, 1024)
		n, _ := c.Read(b)
		return string(b[:n])
	}
	ping := func(c net.Conn) string {
		t.Helper()
		c.Write([]byte("PING\r\n"))
		line, _ := bufio.NewReader(c).ReadString('\n')
		return strings.TrimSpace(line)
	}

	h1, h2 := dial(httpAddr), dial(httpAddr)
	for _, c := range []net.Conn{h1, h2} {
		if r := httpGet(c); !strings.Contains(r, "200 OK") {
			t.Fatalf("within the limit: %q", r)
		}
	}
	h3 := dial(httpAddr)
	h3.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	refusal, _ := io.ReadAll(h3)
	h3.Close()
	if !strings.Contains(string(refusal), "ThrottlingException") || !strings.Contains(string(refusal), "Too many connections") {
		t.Fatalf("over the limit on HTTP: %q", refusal)
	}
	h1.Close()
	ok := false
	for deadline := time.Now().Add(10 * time.Second); !ok && time.Now().Before(deadline); {
		c := dial(httpAddr)
		ok = strings.Contains(httpGet(c), "200 OK")
		c.Close()
		if !ok {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if !ok {
		t.Fatal("a freed place on the HTTP port was not taken again")
	}
	h2.Close()

	r1, r2 := dial(respAddr), dial(respAddr)
	defer r1.Close()
	defer r2.Close()
	for _, c := range []net.Conn{r1, r2} {
		if r := ping(c); r != "+PONG" {
			t.Fatalf("within the limit: %q", r)
		}
	}
	r3 := dial(respAddr)
	if r := ping(r3); r != "-ERR max number of clients reached" {
		t.Fatalf("over the limit on RESP: %q", r)
	}
	r3.Close()
	if !strings.Contains(out.String(), "refusing connections over --max-connections") {
		t.Fatalf("refusal not logged:\n%s", out.String())
	}
}
