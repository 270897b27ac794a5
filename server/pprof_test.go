package server

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

func TestPprofLoopbackOnly(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:6060": true, "localhost:6060": true, "[::1]:6060": true,
		":6060": false, "0.0.0.0:6060": false, "10.0.0.1:6060": false, "6060": false,
	} {
		cfg := DefaultConfig()
		cfg.PprofAddr = addr
		if err := cfg.Validate(); (err == nil) != ok {
			t.Errorf("--pprof %s: %v", addr, err)
		}
	}
}

func TestServePprof(t *testing.T) {
	cfg := DefaultConfig()
	cfg.InMemory = true
	srv, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.ServePprof(ln)
	res, err := http.Get("http://" + ln.Addr().String() + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), ".test") {
		t.Fatalf("%d %q", res.StatusCode, b)
	}
}
