package resp

import (
	"bytes"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// protocolErrorThenClose sends raw on a fresh connection and requires
// exactly the reply want, then the connection closed.
func protocolErrorThenClose(t *testing.T, addr, raw, want string) {
	t.Helper()
	c := dialRaw(t, "tcp", addr)
	c.send([]byte(raw))
	if got := closedSilently(t, c); got != want {
		t.Errorf("%.40q: got %q, want %q then close", raw, got, want)
	}
}

// TestProtoMaxBulkLen: a bulk string longer than proto-max-bulk-len, or a
// request of more arguments, is refused from its length line (the test
// never sends the bytes) with Redis's error, and the connection is closed;
// in both connection modes, with the default and with a setting.
func TestProtoMaxBulkLen(t *testing.T) {
	for _, loops := range []int{1, -1} {
		for _, limit := range []int64{0, 3 << 20} {
			t.Run(fmt.Sprintf("loops=%d/limit=%d", loops, limit), func(t *testing.T) {
				ts := startServer(t, Options{SweepInterval: -1, EventLoops: loops, ProtoMaxBulkLen: limit})
				max := limit
				if max == 0 {
					max = DefaultProtoMaxBulkLen
				}
				c := dialRaw(t, "tcp", ts.addr)
				want := "*2\r\n$18\r\nproto-max-bulk-len\r\n$" + strconv.Itoa(len(strconv.FormatInt(max, 10))) + "\r\n" + strconv.FormatInt(max, 10) + "\r\n"
				if got := c.do("CONFIG", "GET", "proto-max-bulk-len"); got != want {
					t.Fatalf("CONFIG GET proto-max-bulk-len = %q, want %q", got, want)
				}
				over := strconv.FormatInt(max+1, 10)
				protocolErrorThenClose(t, ts.addr, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$"+over+"\r\n",
					"-ERR Protocol error: invalid bulk length\r\n")
				protocolErrorThenClose(t, ts.addr, "*"+over+"\r\n", "-ERR Protocol error: invalid multibulk length\r\n")
				protocolErrorThenClose(t, ts.addr, "SET a 1\r\n*2\r\n$3\r\nGET\r\n$536870912\r\n",
					"+OK\r\n-ERR Protocol error: invalid bulk length\r\n")
				// At the limit, the reader takes the bulk; the store then
				// refuses an item over 400 KB, and the connection goes on.
				val := strings.Repeat("v", int(max))
				if got := c.do("SET", "k", val); got != "-ERR ValidationException: Item size to update has exceeded the maximum allowed size\r\n" {
					t.Fatalf("SET of %d bytes: %q", max, got)
				}
				if got := c.do("SET", "k", val[:300<<10]); got != "+OK\r\n" {
					t.Fatalf("SET of 300 KB: %q", got)
				}
				if got := c.do("STRLEN", "k"); got != ":307200\r\n" {
					t.Fatalf("STRLEN: %q", got)
				}
				// APPEND and SETRANGE refuse strings over the limit too.
				if got := c.do("SETRANGE", "k", over, "x"); got != "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n" {
					t.Fatalf("SETRANGE past the limit: %q", got)
				}
			})
		}
	}
}

// TestUnauthenticatedLimits: with requirepass, a connection that has not
// authenticated may send at most 10 arguments and bulks of 16384 bytes, as
// in Redis; after AUTH, the usual limits apply.
func TestUnauthenticatedLimits(t *testing.T) {
	for _, loops := range []int{1, -1} {
		t.Run(fmt.Sprintf("loops=%d", loops), func(t *testing.T) {
			ts := startServer(t, Options{SweepInterval: -1, EventLoops: loops, RequirePass: "sesame"})
			protocolErrorThenClose(t, ts.addr, "*11\r\n", "-ERR Protocol error: unauthenticated multibulk length\r\n")
			protocolErrorThenClose(t, ts.addr, "*2\r\n$4\r\nAUTH\r\n$16385\r\n", "-ERR Protocol error: unauthenticated bulk length\r\n")
			// At the limits: a reply, the connection open.
			c := dialRaw(t, "tcp", ts.addr)
			args := []string{"AUTH"}
			for range 9 {
				args = append(args, "x")
			}
			if got := c.do(args...); got != "-ERR syntax error\r\n" {
				t.Fatalf("AUTH with 9 arguments: %q", got)
			}
			if got := c.do("AUTH", strings.Repeat("p", 16384)); !strings.HasPrefix(got, "-WRONGPASS") {
				t.Fatalf("AUTH with a 16384-byte password: %q", got)
			}
			if got := c.do("AUTH", "sesame"); got != "+OK\r\n" {
				t.Fatalf("AUTH: %q", got)
			}
			many := []string{"MSET"}
			for i := range 10 {
				many = append(many, "k"+strconv.Itoa(i), strings.Repeat("v", 20000))
			}
			if got := c.do(many...); got != "+OK\r\n" {
				t.Fatalf("MSET of 10 keys after AUTH: %q", got)
			}
		})
	}
}

// TestQueryBufferLimit: a request bigger than client-query-buffer-limit
// (here of bulks each within proto-max-bulk-len) closes the connection
// without a reply, as in Redis, and is logged; one just under it runs.
func TestQueryBufferLimit(t *testing.T) {
	for _, loops := range []int{1, -1} {
		t.Run(fmt.Sprintf("loops=%d", loops), func(t *testing.T) {
			var logs logLines
			ts := startServer(t, Options{SweepInterval: -1, EventLoops: loops, Logf: logs.logf})
			c := dialRaw(t, "tcp", ts.addr)
			want := "*2\r\n$25\r\nclient-query-buffer-limit\r\n$8\r\n67108864\r\n"
			if got := c.do("CONFIG", "GET", "client-query-buffer-limit"); got != want {
				t.Fatalf("CONFIG GET client-query-buffer-limit = %q", got)
			}
			bulk := "$1048576\r\n" + strings.Repeat("k", 1<<20) + "\r\n"
			under := "*41\r\n$6\r\nEXISTS\r\n" + strings.Repeat(bulk, 40)
			c.send([]byte(under))
			if got := c.reply(); got != ":0\r\n" {
				t.Fatalf("EXISTS of 40 MiB: %q", got)
			}
			over := dialRaw(t, "tcp", ts.addr)
			go func() { // the server closes the connection while this writes
				over.nc.Write([]byte("*71\r\n$6\r\nEXISTS\r\n" + strings.Repeat(bulk, 70)))
			}()
			if got := closedSilently(t, over); got != "" {
				t.Fatalf("over the limit: reply %q", got)
			}
			if logs.count("reached max query buffer length") != 1 {
				t.Fatalf("log: %q", logs.lines)
			}
			if got := c.do("PING"); got != "+PONG\r\n" { // the others go on
				t.Fatalf("PING: %q", got)
			}
		})
	}
}

// TestReaderGrowth: reading a request of many bulks allocates a small
// multiple of its size (the buffer doubles), not a copy per bulk.
func TestReaderGrowth(t *testing.T) {
	const n, size = 32, 1 << 20
	req := []byte("*" + strconv.Itoa(n+1) + "\r\n$6\r\nEXISTS\r\n" + strings.Repeat("$1048576\r\n"+strings.Repeat("k", size)+"\r\n", n))
	rd := newReader(bytes.NewReader(req), 0)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var args [][]byte
	for i := 0; i < 1000 && args == nil; i++ {
		var err error
		if args, err = rd.next(); err != nil {
			t.Fatal(err)
		}
		if args == nil {
			if err := rd.fill(); err != nil {
				t.Fatal(err)
			}
		}
	}
	runtime.ReadMemStats(&after)
	if len(args) != n+1 {
		t.Fatalf("%d arguments, want %d", len(args), n+1)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4*uint64(len(req)) {
		t.Fatalf("reading a request of %d bytes allocated %d", len(req), alloc)
	}
}
