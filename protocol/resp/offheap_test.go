package resp

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestOffBufGrows: bytes appended within reserved room survive every move
// of the mapping; free unmaps once, however often it is called.
func TestOffBufGrows(t *testing.T) {
	before := offMapped.Load()
	o := newOffBuf()
	var want []byte
	for i := 0; i < 200_000; i++ {
		s := fmt.Sprintf("item-%d;", i)
		o.reserve(len(s))
		p := cap(o.b)
		o.b = append(o.b, s...)
		if cap(o.b) != p {
			t.Fatalf("append within reserved room moved the buffer at %d", i)
		}
		want = append(want, s...)
	}
	if !bytes.Equal(o.b, want) {
		t.Fatal("bytes changed across growth")
	}
	if o.mem != nil && offMapped.Load()-before < int64(len(want)) {
		t.Fatalf("offMapped grew by %d for %d bytes", offMapped.Load()-before, len(want))
	}
	o.free()
	o.free()
	if got := offMapped.Load(); got != before {
		t.Fatalf("offMapped %d after free, want %d", got, before)
	}
}

// waitUnmapped polls until every off-heap reply buffer is freed.
func waitUnmapped(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for offMapped.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes of reply buffers still mapped", offMapped.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestKeysLongReply: a KEYS reply larger than a socket takes at once
// (built off the heap and handed to the connection) arrives whole and in
// order with the replies of the commands pipelined around it, whether the
// client reads it at once or only after sending more; a client that hangs
// up halfway through it leaves the server serving; the buffers are all
// returned once written or dropped.
func TestKeysLongReply(t *testing.T) {
	for _, loops := range []int{1, -1} {
		t.Run(fmt.Sprint("loops=", loops), func(t *testing.T) {
			ts := startServer(t, Options{EventLoops: loops})
			a := dialRaw(t, "tcp", ts.addr)
			const n = 40_000 // about 1.2 MB of reply
			var pipe []byte
			want := make([]string, n)
			for i := range n {
				want[i] = fmt.Sprintf("long:key:%012d", i)
				pipe = append(pipe, encodeCommand("SET", want[i], "v")...)
			}
			a.send(pipe)
			for range n {
				a.reply()
			}
			sort.Strings(want)
			check := func(raw string) {
				t.Helper()
				got := parseKeys(t, raw)
				sort.Strings(got)
				if strings.Join(got, ",") != strings.Join(want, ",") {
					t.Fatalf("KEYS returned %d keys, want %d", len(got), len(want))
				}
			}

			// Alone, read at once.
			check(a.do("KEYS", "long:*"))

			// Pipelined around, read only after everything is sent:
			// the socket fills and the loop keeps the rest pending.
			a.send(bytes.Join([][]byte{
				encodeCommand("KEYS", "long:*"),
				encodeCommand("GET", want[7]),
				encodeCommand("PING"), // behind output: KEYS's reply is copied
				encodeCommand("KEYS", "long:*"),
				encodeCommand("DBSIZE"),
			}, nil))
			check(a.reply())
			if got := a.reply(); got != "$1\r\nv\r\n" {
				t.Fatalf("GET after KEYS: %q", got)
			}
			if got := a.reply(); got != "+PONG\r\n" {
				t.Fatalf("PING after KEYS: %q", got)
			}
			check(a.reply())
			if got := a.reply(); got != fmt.Sprintf(":%d\r\n", n) {
				t.Fatalf("DBSIZE after KEYS: %q", got)
			}
			waitUnmapped(t)

			// A client that hangs up in the middle of the reply.
			for range 3 {
				b := dialRaw(t, "tcp", ts.addr)
				b.send(encodeCommand("KEYS", "*"))
				head := make([]byte, 100)
				if _, err := b.br.Read(head); err != nil {
					t.Fatal(err)
				}
				b.nc.Close()
			}
			if got := a.do("PING"); got != "+PONG\r\n" {
				t.Fatalf("PING after hang-ups: %q", got)
			}
			check(a.do("KEYS", "long:*"))
			waitUnmapped(t)
		})
	}
}
