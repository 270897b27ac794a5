package resp

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// transactionCases are compared byte for byte with redis-server, on one
// connection, in order.
var transactionCases = []string{
	"FLUSHDB",
	"EXEC", "DISCARD", "EXEC x", "DISCARD x", "MULTI x", "UNWATCH", "WATCH",
	// a transaction: reads see earlier queued writes; replies in order
	"MULTI", "SET a 1", "INCR a", "GET a", "MGET a nokey", "MSET b 2 c 3", "RENAME c d", "DEL b", "EXISTS b c d",
	"PING", "ECHO hi", "EXEC",
	"MGET a b c d",
	// errors at queue time
	"MULTI", "MULTI", "WATCH a", "SET a 5", "EXEC", "GET a",
	"MULTI", "FOO", "SET a 6", "EXEC", "GET a", "EXEC",
	"MULTI", "SET a", "INCR a", "EXEC", "GET a",
	"MULTI", "SET a 7", "EXEC x", "EXEC", "GET a",
	"MULTI", "SET a 8", "DISCARD", "GET a", "EXEC",
	// runtime errors inside EXEC: the others apply
	"DEL s", "MULTI", "SET s 1", "HSET s f v", "INCR s", "RENAME nokey x", "INCR s", "EXEC", "GET s",
	"MULTI", "EXEC",
	"MULTI", "UNWATCH", "GET s", "EXEC",
	"MULTI", "HSET h f 1", "HINCRBY h f 2", "HGET h f", "TYPE h", "EXPIRE h 100", "TTL h", "PERSIST h", "TTL h",
	"HGETALL h", "SETNX h x", "GETDEL h", "EXISTS h", "EXEC",
	"MULTI", "SET x 1 EX 100", "MSETNX x 2 y 3", "MSETNX y 3 z 4", "MGET x y z", "RENAMENX y z", "RENAMENX y w",
	"GETSET w 9", "APPEND w 0", "STRLEN w", "EXEC",
	// WATCH: unchanged keys let EXEC run; a change (even the same value) aborts
	"WATCH a nokey", "MULTI", "INCR a", "EXEC",
	"WATCH a", "SET a 100", "MULTI", "INCR a", "EXEC", "GET a",
	"WATCH nokey2", "SET nokey2 1", "MULTI", "GET nokey2", "EXEC",
	"WATCH a", "UNWATCH", "SET a 1", "MULTI", "GET a", "EXEC",
	"WATCH a", "SET a 2", "MULTI", "DISCARD", "MULTI", "GET a", "EXEC",
	"WATCH a", "MULTI", "SET a 3", "EXEC", "MULTI", "GET a", "EXEC",
	"WATCH a", "DEL a", "MULTI", "GET a", "EXEC",
}

// TestDifferentialRedisWatchExpiry: a WATCHed key that expires before
// EXEC aborts it (Redis 7), on both servers alike; one already expired at
// WATCH does not.
func TestDifferentialRedisWatchExpiry(t *testing.T) {
	sock := startRedis(t)
	ts := startServer(t, Options{SweepInterval: -1})
	for _, c := range []*rawConn{dialRaw(t, "unix", sock), dialRaw(t, "tcp", ts.addr)} {
		c.do("SET", "e", "v", "PX", "30")
		if got := c.do("WATCH", "e"); got != "+OK\r\n" {
			t.Fatal(got)
		}
		deadline := time.Now().Add(10 * time.Second)
		for c.do("PTTL", "e") != ":-2\r\n" {
			if time.Now().After(deadline) {
				t.Fatal("e did not expire")
			}
			time.Sleep(5 * time.Millisecond)
		}
		c.do("MULTI")
		c.do("GET", "e")
		if got := c.do("EXEC"); got != "*-1\r\n" {
			t.Fatalf("EXEC after a watched key expired: %q", got)
		}
		c.do("WATCH", "e") // expired (or gone) already
		c.do("MULTI")
		c.do("GET", "e")
		if got := c.do("EXEC"); got != "*1\r\n$-1\r\n" {
			t.Fatalf("EXEC watching an expired key: %q", got)
		}
	}
}

func TestDifferentialRedisTransactions(t *testing.T) {
	sock := startRedis(t)
	ts := startServer(t, Options{SweepInterval: -1})
	compareCases(t, dialRaw(t, "unix", sock), dialRaw(t, "tcp", ts.addr), transactionCases)
}

// TestTransactionPipelined: MULTI ... EXEC in one read, on both connection
// modes, answered as redis-server answers it.
func TestTransactionPipelined(t *testing.T) {
	var req strings.Builder
	for _, line := range []string{"MULTI", "SET p 1", "INCR p", "FOO", "EXEC", "MULTI", "INCR p", "INCR p", "MGET p", "EXEC", "GET p"} {
		args := strings.Fields(line)
		fmt.Fprintf(&req, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(&req, "$%d\r\n%s\r\n", len(a), a)
		}
	}
	want := "+OK\r\n+QUEUED\r\n+QUEUED\r\n-ERR unknown command 'FOO', with args beginning with: \r\n" +
		"-EXECABORT Transaction discarded because of previous errors.\r\n" +
		"+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n:1\r\n:2\r\n*1\r\n$1\r\n2\r\n$1\r\n2\r\n"
	for _, loops := range []int{-1, 1} {
		t.Run(fmt.Sprint("loops=", loops), func(t *testing.T) {
			ts := startServer(t, Options{SweepInterval: -1, EventLoops: loops})
			c := dialRaw(t, "tcp", ts.addr)
			c.send([]byte(req.String()))
			got := make([]byte, len(want))
			c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.ReadFull(c.br, got); err != nil || string(got) != want {
				t.Fatalf("got %q (%v), want %q", got, err, want)
			}
		})
	}
}
