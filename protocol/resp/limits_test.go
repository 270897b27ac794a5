package resp

import (
	"fmt"
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
