package resp

import (
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard"
)

// BenchmarkPublish measures PUBLISH to a channel with 1 and 10
// subscribers, dynacache and redis-server side by side, both on a unix
// socket: one publisher pipelining 32 PUBLISHes per write, subscribers
// that read and discard everything. ns/op is per PUBLISH, until every
// subscriber has received every message.
//
//	go test -run XXX -bench BenchmarkPublish -benchtime 200000x ./protocol/resp/
func BenchmarkPublish(b *testing.B) {
	for _, subs := range []int{1, 10} {
		for _, server := range []string{"dynacache", "redis"} {
			b.Run(fmt.Sprintf("subs=%d/%s", subs, server), func(b *testing.B) {
				var sock string
				if server == "redis" {
					sock = startRedis(b)
				} else {
					sock = filepath.Join(b.TempDir(), "dyna.sock")
					ln, err := net.Listen("unix", sock)
					if err != nil {
						b.Fatal(err)
					}
					s := New(dynamodb.NewHandler(shard.New(nil), dynamodb.Options{}), Options{SweepInterval: -1})
					s.Serve(ln)
					b.Cleanup(func() { s.Shutdown(b.Context()) })
				}
				benchPublish(b, sock, subs)
			})
		}
	}
}

func benchPublish(b *testing.B, sock string, subs int) {
	const depth = 32
	payload := strings.Repeat("m", 64)
	msgLen := int64(len(appendMessage(nil, nil, []byte("bench"), []byte(payload))))
	total := int64((b.N + depth - 1) / depth * depth)
	var wg sync.WaitGroup
	for i := 0; i < subs; i++ {
		c := dialRaw(b, "unix", sock)
		c.send(encodeCommand("SUBSCRIBE", "bench"))
		c.reply()
		c.nc.SetDeadline(time.Time{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Every message delivered: the time includes the fan-out.
			if n, err := io.CopyN(io.Discard, c.br, total*msgLen); err != nil {
				b.Errorf("subscriber: %d bytes: %v", n, err)
			}
		}()
	}
	pub := dialRaw(b, "unix", sock)
	batch := []byte(strings.Repeat(string(encodeCommand("PUBLISH", "bench", payload)), depth))
	want := fmt.Sprintf(":%d\r\n", subs)
	b.SetBytes(int64(len(payload)))
	b.ResetTimer()
	for n := int64(0); n < total; n += depth {
		pub.send(batch)
		for i := 0; i < depth; i++ {
			if r := pub.reply(); r != want {
				b.Fatalf("PUBLISH: %q", r)
			}
		}
	}
	wg.Wait()
}
