package resp

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// TestSlowReader: a client that pipelines far more replies than the socket
// holds, and reads none for a while, gets all of them in order once it
// reads; meanwhile the server (its event loop) serves other clients.
func TestSlowReader(t *testing.T) {
	for _, loops := range []int{0, -1} {
		t.Run(fmt.Sprintf("loops=%d", loops), func(t *testing.T) {
			ts := startServer(t, Options{SweepInterval: -1, EventLoops: loops})
			slow := dialRaw(t, "tcp", ts.addr)
			big := strings.Repeat("v", 100<<10)
			if got := slow.do("SET", "big", big); got != "+OK\r\n" {
				t.Fatal(got)
			}
			const n = 300 // 30 MB of replies
			var batch []byte
			for i := 0; i < n; i++ {
				batch = append(batch, encodeCommand("GET", "big")...)
				batch = append(batch, encodeCommand("INCR", "n")...)
			}
			slow.send(batch)
			other := dialRaw(t, "tcp", ts.addr)
			for i := 0; i < 10; i++ {
				if got := other.do("PING"); got != "+PONG\r\n" {
					t.Fatalf("another client: %q", got)
				}
			}
			want := "$" + strconv.Itoa(len(big)) + "\r\n" + big + "\r\n"
			for i := 0; i < n; i++ {
				if got := slow.reply(); got != want {
					t.Fatalf("GET %d: %d bytes, want %d", i, len(got), len(want))
				}
				if got := slow.reply(); got != ":"+strconv.Itoa(i+1)+"\r\n" {
					t.Fatalf("INCR %d: %q", i, got)
				}
			}
			if got := slow.do("GET", "n"); got != "$3\r\n300\r\n" {
				t.Fatalf("GET n: %q", got)
			}
		})
	}
}

// TestClientClosesMidPipeline: a client that sends a pipeline and closes
// without reading leaves the server serving others, and its writes done.
func TestClientClosesMidPipeline(t *testing.T) {
	for _, loops := range []int{0, -1} {
		t.Run(fmt.Sprintf("loops=%d", loops), func(t *testing.T) {
			ts := startServer(t, Options{SweepInterval: -1, EventLoops: loops})
			c := dialRaw(t, "tcp", ts.addr)
			var batch []byte
			for i := 0; i < 1000; i++ {
				batch = append(batch, encodeCommand("INCR", "gone")...)
			}
			c.send(batch)
			c.nc.Close()
			other := dialRaw(t, "tcp", ts.addr)
			// The closed client's batch runs whole or not at all past
			// what arrived; the server answers others either way.
			if got := other.do("PING"); got != "+PONG\r\n" {
				t.Fatalf("PING: %q", got)
			}
		})
	}
}
