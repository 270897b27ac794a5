package server

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"
)

// TestMaxMemoryConfig: --maxmemory and --maxmemory-policy reach the RESP
// port (CONFIG GET) and the store's budget; an
// unknown policy stops the start with a clear error.
func TestMaxMemoryConfig(t *testing.T) {
	cfg := DefaultConfig()
	cfg.InMemory = true
	cfg.MaxMemory = 3 << 30
	cfg.MaxMemoryPolicy = "volatile-ttl"
	srv, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	defer srv.store.Budget().SetMax(0) // the runtime's limit is the process's
	if got := srv.store.Budget().Max(); got != 3<<30 {
		t.Errorf("budget %d", got)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.ServeRESP(ln)
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write([]byte("CONFIG GET maxmemory*\r\n"))
	br := bufio.NewReader(c)
	var lines []string
	for range 9 {
		l, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("%q %v", lines, err)
		}
		lines = append(lines, strings.TrimSpace(l))
	}
	if got := strings.Join(lines, " "); got != "*4 $9 maxmemory $10 3221225472 $16 maxmemory-policy $12 volatile-ttl" {
		t.Errorf("CONFIG GET maxmemory*: %s", got)
	}

	for _, p := range []string{"lru", "sometimes"} {
		cfg := DefaultConfig()
		cfg.InMemory = true
		cfg.MaxMemoryPolicy = p
		if _, err := Open(cfg); err == nil || !strings.Contains(err.Error(), "invalid --maxmemory-policy") {
			t.Errorf("--maxmemory-policy %s: %v", p, err)
		}
	}
}
