package resp

import (
	"fmt"
	"math/rand/v2"
	"net"
	"testing"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/wal"
)

// BenchmarkPipelineLogged runs what the event loop runs for one
// connection's turn of redis-benchmark -P 16 -r 100000 -d 100: 16 requests
// parsed from the read buffer, each run against a store with a
// write-ahead log (fsync everysec), then settle (the group commit) before
// the replies would be written. No socket: the replies are discarded. It
// reports the allocations of the whole turn per command.
func BenchmarkPipelineLogged(b *testing.B) {
	const keys, depth = 100000, 16
	val := make([]byte, 100)
	for i := range val {
		val[i] = 'x'
	}
	for _, cmd := range []string{"SET", "GET", "INCR"} {
		b.Run(cmd, func(b *testing.B) {
			l, store, err := wal.Open(b.TempDir(), wal.Options{Policy: wal.FsyncEverySec})
			if err != nil {
				b.Fatal(err)
			}
			s := New(dynamodb.NewHandler(store, dynamodb.Options{}), Options{SweepInterval: -1})
			b.Cleanup(func() {
				s.Shutdown(b.Context())
				l.Close()
			})
			c1, c2 := net.Pipe()
			b.Cleanup(func() { c1.Close(); c2.Close() })
			c := newConn(s, c1)
			rng := rand.New(rand.NewPCG(1, 2))
			// 64 turns of requests, random keys as redis-benchmark's -r
			// makes them.
			turns := make([][]byte, 64)
			for t := range turns {
				for j := 0; j < depth; j++ {
					k := fmt.Sprintf("key:%012d", rng.IntN(keys))
					switch cmd {
					case "SET":
						turns[t] = append(turns[t], encodeCommand("SET", k, string(val))...)
					case "GET":
						turns[t] = append(turns[t], encodeCommand("GET", k)...)
					case "INCR":
						turns[t] = append(turns[t], encodeCommand("INCR", "counter:"+k[4:])...)
					}
				}
			}
			if cmd == "GET" {
				for i := 0; i < keys; i++ {
					c.exec(argsOf("SET", fmt.Sprintf("key:%012d", i), string(val)))
				}
				c.settle()
				c.out = c.out[:0]
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				c.rd.buf = append(c.rd.buf[:0], turns[i%len(turns)]...)
				c.rd.start, c.rd.end = 0, len(c.rd.buf)
				if c.runBatch() != batchDone {
					b.Fatal("batch did not end with the buffer")
				}
				c.settle()
				c.out = c.out[:0]
			}
			b.ReportMetric(float64(b.N*depth)/b.Elapsed().Seconds(), "cmds/s")
		})
	}
}
