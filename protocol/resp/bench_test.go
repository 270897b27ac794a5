package resp

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strconv"
	"testing"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard"
)

// benchConn is a connection of the command layer with no socket: requests
// are run with exec and replies discarded, so a benchmark measures command
// lookup, the store and reply encoding.
func benchConn(b *testing.B) *conn {
	b.Helper()
	s := New(dynamodb.NewHandler(shard.New(nil), dynamodb.Options{}), Options{SweepInterval: -1})
	b.Cleanup(func() { s.Shutdown(b.Context()) })
	c1, c2 := net.Pipe()
	b.Cleanup(func() { c1.Close(); c2.Close() })
	return newConn(s, c1)
}

func argsOf(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func BenchmarkCommand(b *testing.B) {
	for _, size := range []int{3, 256} {
		val := string(bytes.Repeat([]byte("x"), size))
		b.Run(fmt.Sprintf("SET/%dB", size), func(b *testing.B) {
			c := benchConn(b)
			keys := make([][][]byte, 1000)
			for i := range keys {
				keys[i] = argsOf("SET", "key:"+strconv.Itoa(i), val)
			}
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for i := 0; b.Loop(); i++ {
				c.exec(keys[i%len(keys)])
				c.out = c.out[:0]
			}
		})
		b.Run(fmt.Sprintf("GET/%dB", size), func(b *testing.B) {
			c := benchConn(b)
			keys := make([][][]byte, 1000)
			for i := range keys {
				c.exec(argsOf("SET", "key:"+strconv.Itoa(i), val))
				keys[i] = argsOf("GET", "key:"+strconv.Itoa(i))
			}
			c.out = c.out[:0]
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for i := 0; b.Loop(); i++ {
				c.exec(keys[i%len(keys)])
				c.out = c.out[:0]
			}
		})
	}
	for _, cmd := range [][]string{{"INCR", "counter"}, {"HSET", "h", "field", "value"}, {"HGET", "h", "field"},
		{"MSET", "a", "1", "b", "2", "c", "3", "d", "4"}} {
		b.Run(cmd[0], func(b *testing.B) {
			c := benchConn(b)
			c.exec(argsOf("HSET", "h", "field", "value"))
			args := argsOf(cmd...)
			b.ReportAllocs()
			for b.Loop() {
				c.exec(args)
				c.out = c.out[:0]
			}
		})
	}
}

// BenchmarkReader parses a pipeline of SET requests.
func BenchmarkReader(b *testing.B) {
	var buf []byte
	for i := 0; i < 16; i++ {
		buf = append(buf, encodeCommand("SET", "key:"+strconv.Itoa(i), "xxx")...)
	}
	rd := newReader(bytes.NewReader(nil), 0)
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		rd.buf, rd.start, rd.end = buf, 0, len(buf)
		for {
			args, err := rd.next()
			if err != nil || args == nil {
				break
			}
		}
	}
}

// BenchmarkLoopback runs SET and GET pipelines of 16 over a loopback TCP
// connection: the whole path, socket included.
func BenchmarkLoopback(b *testing.B) {
	ts := startServer(b, Options{SweepInterval: -1})
	for _, cmd := range []string{"SET", "GET"} {
		b.Run(cmd, func(b *testing.B) {
			nc, err := net.Dial("tcp", ts.addr)
			if err != nil {
				b.Fatal(err)
			}
			defer nc.Close()
			br := bufio.NewReader(nc)
			var batch []byte
			for i := 0; i < 16; i++ {
				if cmd == "SET" {
					batch = append(batch, encodeCommand("SET", "key:"+strconv.Itoa(i), "xxx")...)
				} else {
					batch = append(batch, encodeCommand("GET", "key:"+strconv.Itoa(i))...)
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := nc.Write(batch); err != nil {
					b.Fatal(err)
				}
				for i := 0; i < 16; i++ {
					var out bytes.Buffer
					if err := readReply(br, &out); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N*16)/b.Elapsed().Seconds(), "cmds/s")
		})
	}
}

// BenchmarkMultiKey: MSET and MGET of 10 keys, and a MULTI/EXEC of 10
// INCRs (the command layer only, no socket, no log).
func BenchmarkMultiKey(b *testing.B) {
	mset := []string{"MSET"}
	mget := []string{"MGET"}
	for i := 0; i < 10; i++ {
		k := "key:" + strconv.Itoa(i)
		mset = append(mset, k, "value")
		mget = append(mget, k)
	}
	for _, bc := range []struct {
		name string
		reqs [][][]byte
	}{
		{"MSET/10", [][][]byte{argsOf(mset...)}},
		{"MGET/10", [][][]byte{argsOf(mget...)}},
		{"EXEC/10xINCR", func() [][][]byte {
			reqs := [][][]byte{argsOf("MULTI")}
			for i := 0; i < 10; i++ {
				reqs = append(reqs, argsOf("INCR", "n:"+strconv.Itoa(i)))
			}
			return append(reqs, argsOf("EXEC"))
		}()},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := benchConn(b)
			c.exec(argsOf(mset...))
			b.ReportAllocs()
			for b.Loop() {
				for _, r := range bc.reqs {
					c.exec(r)
				}
				c.out = c.out[:0]
			}
		})
	}
}

// BenchmarkScan: one SCAN COUNT 10 call, resuming an iteration, at
// several table sizes: the cost must not grow with the table (the cursor
// is a position in the store's hash order, no snapshot).
func BenchmarkScan(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			c := benchConn(b)
			val := []byte("v")
			for i := range n {
				c.exec([][]byte{[]byte("SET"), []byte("key:" + strconv.Itoa(i)), val})
				c.out = c.out[:0]
			}
			cursor := "0"
			b.ReportAllocs()
			for b.Loop() {
				c.exec(argsOf("SCAN", cursor, "COUNT", "10"))
				// The reply starts *2\r\n$<len>\r\n<cursor>\r\n.
				rest := c.out[4:]
				i := bytes.IndexByte(rest, '\n')
				rest = rest[i+1:]
				cursor = string(rest[:bytes.IndexByte(rest, '\r')])
				c.out = c.out[:0]
			}
		})
	}
}
