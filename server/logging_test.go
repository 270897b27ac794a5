package server

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLogFlags(t *testing.T) {
	for _, c := range [][2]string{{"xml", "info"}, {"text", "loud"}} {
		if _, err := newLogger(nil, c[0], c[1]); err == nil {
			t.Errorf("format %q level %q accepted", c[0], c[1])
		}
	}
}

// TestJSONLogs: with --log-format json every line the server writes is a
// JSON object with a level and a message; --log-level warn drops info.
func TestJSONLogs(t *testing.T) {
	run := func(level string) string {
		var out syncBuffer
		cfg := DefaultConfig()
		cfg.HTTPAddr, cfg.RESPAddr, cfg.Dir = "127.0.0.1:0", "127.0.0.1:0", t.TempDir()
		cfg.LogFormat, cfg.LogLevel, cfg.Log = "json", level, &out
		srv, err := Open(cfg)
		if err != nil {
			t.Fatal(err)
		}
		// Run logs its listeners, then waits for ctx: done already.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := srv.Run(ctx); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	out := run("info")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 4 {
		t.Fatalf("too few lines:\n%s", out)
	}
	for _, line := range lines {
		var rec struct{ Level, Msg string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Level == "" || rec.Msg == "" {
			t.Fatalf("not a JSON log line: %q (%v)", line, err)
		}
	}
	if !strings.Contains(out, `"msg":"DynamoDB API listening on http://127.0.0.1:`) || !strings.Contains(out, "wal: recovered") {
		t.Fatalf("missing lines:\n%s", out)
	}
	if quiet := run("warn"); strings.Contains(quiet, "listening") {
		t.Fatalf("--log-level warn logged info lines:\n%s", quiet)
	}
}
