package resp

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// browserPost is what a browser sends for
//
//	fetch("http://127.0.0.1:6379/", {method: "POST", mode: "no-cors", body})
//
// from a page on another origin: a "simple" request, sent without a CORS
// preflight (no header of it holds a quote, which an inline request would
// refuse).
func browserPost(body string) string {
	return "POST / HTTP/1.1\r\n" +
		"Host: 127.0.0.1:6379\r\n" +
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n" +
		"Accept: */*\r\n" +
		"Accept-Language: en-US,en;q=0.5\r\n" +
		"Accept-Encoding: gzip, deflate, br\r\n" +
		"Referer: http://attacker.example/\r\n" +
		"Content-Type: text/plain;charset=UTF-8\r\n" +
		fmt.Sprintf("Content-Length: %d\r\n", len(body)) +
		"Origin: http://attacker.example\r\n" +
		"Connection: keep-alive\r\n" +
		"Sec-Fetch-Dest: empty\r\n" +
		"Sec-Fetch-Mode: no-cors\r\n" +
		"Sec-Fetch-Site: cross-site\r\n" +
		"\r\n" + body
}

// logLines collects a server's log lines.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) logf(format string, args ...any) {
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

func (l *logLines) count(sub string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range l.lines {
		if strings.Contains(line, sub) {
			n++
		}
	}
	return n
}

// closedSilently reads from c until the server closes it and returns what
// it was sent. A reset counts as closed: a server that closes a socket with
// unread input (the client still writing) resets it.
func closedSilently(t *testing.T, c *rawConn) string {
	t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := io.ReadAll(c.br)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("connection not closed: %v (read %q)", err, b)
	}
	return string(b)
}

// TestCrossProtocolScripting: a browser's POST (or any request whose first
// word is POST or Host:) closes the connection before anything after it
// runs, and drops the replies not yet sent, as Redis does; the event is
// logged once, not once per request or line. Both connection modes.
func TestCrossProtocolScripting(t *testing.T) {
	for _, loops := range []int{1, -1} {
		t.Run(fmt.Sprintf("loops=%d", loops), func(t *testing.T) {
			var logs logLines
			ts := startServer(t, Options{SweepInterval: -1, EventLoops: loops, Logf: logs.logf})
			attacks := []struct{ name, raw string }{
				{"browser POST", browserPost("SET pwned 1\r\nDYNAMODB DeleteTable {\"TableName\":\"redis\"}\r\n")},
				{"pipelined after", "SET before 1\r\n" + browserPost("SET pwned 1\r\n")},
				{"lower case", "post / HTTP/1.1\r\nSET pwned 1\r\n"},
				{"multibulk", string(encodeCommand("POST", "/", "HTTP/1.1")) + string(encodeCommand("SET", "pwned", "1"))},
				{"Host first", "Host: 127.0.0.1:6379\r\nSET pwned 1\r\n"},
				{"HOST: multibulk", string(encodeCommand("HOST:", "x")) + string(encodeCommand("SET", "pwned", "1"))},
			}
			admin := dialRaw(t, "tcp", ts.addr)
			if got := admin.do("SET", "keep", "1"); got != "+OK\r\n" { // the table exists
				t.Fatalf("SET keep: %q", got)
			}
			for _, a := range attacks {
				c := dialRaw(t, "tcp", ts.addr)
				c.send([]byte(a.raw))
				if got := closedSilently(t, c); got != "" {
					t.Errorf("%s: sent %q, want nothing", a.name, got)
				}
				if got := admin.do("EXISTS", "pwned"); got != ":0\r\n" {
					t.Fatalf("%s: EXISTS pwned = %q: the body ran", a.name, got)
				}
				if got := admin.do("GET", "keep"); got != "$1\r\n1\r\n" {
					t.Fatalf("%s: GET keep = %q", a.name, got)
				}
			}
			// Commands before the POST ran, as in Redis; only their
			// replies were dropped.
			if got := admin.do("GET", "before"); got != "$1\r\n1\r\n" {
				t.Errorf("GET before = %q", got)
			}
			if n := logs.count("Possible SECURITY ATTACK detected"); n != 1 {
				t.Errorf("%d warnings logged for %d attacks within a minute, want 1:\n%s", n, len(attacks), strings.Join(logs.lines, "\n"))
			}
			// POST as an argument is nothing special.
			if got := admin.do("SET", "post", "Host:"); got != "+OK\r\n" {
				t.Errorf("SET post Host: = %q", got)
			}
		})
	}
}

// TestCrossProtocolWarningInterval: the warning is logged at most once a
// minute, as Redis does.
func TestCrossProtocolWarningInterval(t *testing.T) {
	var logs logLines
	s := &Server{opts: Options{Logf: logs.logf}}
	t0 := time.Unix(1_700_000_000, 0)
	for _, at := range []time.Duration{0, time.Second, time.Minute, time.Minute + time.Second, 3 * time.Minute} {
		s.warnCrossProtocol(t0.Add(at), "127.0.0.1:1")
	}
	if n := logs.count(securityWarning); n != 3 { // at 0, 1m1s, 3m
		t.Fatalf("%d warnings, want 3:\n%s", n, strings.Join(logs.lines, "\n"))
	}
}
