package resp

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/wal"
)

// indexed returns the expiry index as a map of Redis key -> exp.
func (x *expireIndex) indexed() map[string]int64 {
	m := map[string]int64{}
	for i := range x.stripes {
		st := &x.stripes[i]
		st.mu.Lock()
		for k, exp := range st.m {
			m[string(redisKeyOf(nil, shard.Key(k)))] = exp
		}
		st.mu.Unlock()
	}
	return m
}

// carryingExp returns the items of the RESP table that carry an exp, as
// Redis key -> exp: what the index must hold.
func carryingExp(t *testing.T, s *Server) map[string]int64 {
	t.Helper()
	m := map[string]int64{}
	tb, err := s.readTable()
	if err != nil {
		t.Fatal(err)
	}
	if tb == nil {
		return m
	}
	tb.Dump(func(k shard.Key, e shard.Entry) error {
		if exp := expOfEntry(e); exp != noExpiry {
			m[string(redisKeyOf(nil, k))] = exp
		}
		return nil
	})
	return m
}

// requireExactIndex requires the index to hold exactly the keys of want
// (and the table to agree), and INFO's expires= to count them.
func requireExactIndex(t *testing.T, s *Server, c *rawConn, want ...string) {
	t.Helper()
	got, truth := s.expires.indexed(), carryingExp(t, s)
	if !maps.Equal(got, truth) {
		t.Fatalf("index %v, table %v", got, truth)
	}
	if len(got) != len(want) {
		t.Fatalf("index holds %v, want %v", got, want)
	}
	for _, k := range want {
		if _, ok := got[k]; !ok {
			t.Fatalf("index holds %v, want %v", got, want)
		}
	}
	info := c.do("INFO", "keyspace")
	if len(want) > 0 && !strings.Contains(info, ",expires="+strconv.Itoa(len(want))+",") {
		t.Fatalf("INFO keyspace %q, want expires=%d", info, len(want))
	}
}

// TestExpiryIndexExact: every path that removes a key or its TTL removes
// it from the expiry index; N cycles of set-with-EX and removal leave it
// empty (it used to keep one entry per cycle: the memory leak).
func TestExpiryIndexExact(t *testing.T) {
	for _, loops := range []int{1, -1} {
		t.Run(fmt.Sprintf("loops=%d", loops), func(t *testing.T) {
			ts := startServer(t, Options{SweepInterval: -1, EventLoops: loops})
			c := dialRaw(t, "tcp", ts.addr)
			const n = 100
			far := "100000000"
			cycles := []struct {
				name  string
				cmds  [][]string // run in order, each cycle
				after []string   // keys left with a TTL
			}{
				{"DEL", [][]string{{"SET", "k", "v", "EX", far}, {"DEL", "k"}}, nil},
				{"DEL many", [][]string{{"SET", "k", "v", "EX", far}, {"SET", "k2", "v", "EX", far}, {"DEL", "k", "k2", "k"}}, nil},
				{"UNLINK", [][]string{{"SET", "k", "v", "EX", far}, {"UNLINK", "k"}}, nil},
				{"PERSIST", [][]string{{"SET", "k", "v", "EX", far}, {"PERSIST", "k"}}, nil},
				{"SET", [][]string{{"SET", "k", "v", "EX", far}, {"SET", "k", "v2"}}, nil},
				{"SET KEEPTTL", [][]string{{"SET", "k", "v", "EX", far}, {"SET", "k", "v2", "KEEPTTL"}}, []string{"k"}},
				{"GETSET", [][]string{{"SETEX", "k", far, "v"}, {"GETSET", "k", "v2"}}, nil},
				{"GETEX PERSIST", [][]string{{"PSETEX", "k", far, "v"}, {"GETEX", "k", "PERSIST"}}, nil},
				{"MSET", [][]string{{"SET", "k", "v", "EX", far}, {"MSET", "k", "1", "j", "2"}}, nil},
				{"GETDEL", [][]string{{"SET", "k", "v", "EX", far}, {"GETDEL", "k"}}, nil},
				{"EXPIRE 0", [][]string{{"SET", "k", "v", "EX", far}, {"EXPIRE", "k", "0"}}, nil},
				// An exp in the past is stored (for the sweeper): indexed.
				{"SET PXAT past", [][]string{{"SET", "k", "v", "EX", far}, {"SET", "k", "v", "PXAT", "1"}}, []string{"k"}},
				{"APPEND keeps", [][]string{{"SET", "k", "v", "EX", far}, {"APPEND", "k", "x"}, {"INCR", "n"}, {"EXPIRE", "n", far}, {"INCR", "n"}}, []string{"k", "n"}},
				{"RENAME source", [][]string{{"SET", "k", "v", "EX", far}, {"RENAME", "k", "k2"}}, []string{"k2"}},
				{"RENAME destination", [][]string{{"SET", "k2", "v", "EX", far}, {"SET", "k", "v"}, {"RENAME", "k", "k2"}}, nil},
				{"RENAMENX", [][]string{{"SET", "k", "v", "EX", far}, {"DEL", "k2"}, {"RENAMENX", "k", "k2"}, {"PERSIST", "k2"}}, nil},
				{"HDEL last field", [][]string{{"HSET", "h", "f", "v", "g", "w"}, {"EXPIRE", "h", far}, {"HDEL", "h", "f"}, {"HDEL", "h", "g"}}, nil},
				{"HSET keeps", [][]string{{"HSET", "h", "f", "v"}, {"EXPIRE", "h", far}, {"HSET", "h", "g", "w"}}, []string{"h"}},
				{"FLUSHDB", [][]string{{"SET", "k", "v", "EX", far}, {"HSET", "h", "f", "v"}, {"EXPIRE", "h", far}, {"FLUSHDB"}}, nil},
			}
			for _, cy := range cycles {
				c.do("FLUSHDB")
				for i := 0; i < n; i++ {
					for _, cmd := range cy.cmds {
						if got := c.do(cmd...); strings.HasPrefix(got, "-") {
							t.Fatalf("%s: %v: %q", cy.name, cmd, got)
						}
					}
				}
				t.Run(cy.name, func(t *testing.T) { requireExactIndex(t, ts.Server, c, cy.after...) })
			}
		})
	}
}

// TestExpiryIndexNoLeak: the reproduction, scaled down: SET with
// EX then DEL on distinct keys, N times, leaves DBSIZE 0 and an empty
// index (it used to keep every one of them).
func TestExpiryIndexNoLeak(t *testing.T) {
	ts := startServer(t, Options{SweepInterval: -1})
	c := dialRaw(t, "tcp", ts.addr)
	const n = 20000
	batch := make([]byte, 0, 64<<10)
	for i := 0; i < n; i++ {
		k := "key:" + strconv.Itoa(i)
		batch = append(batch, encodeCommand("SET", k, "v", "EX", "100000000")...)
		batch = append(batch, encodeCommand("DEL", k)...)
		if (i+1)%500 == 0 { // pipelined, 1000 replies at a time
			c.send(batch)
			for j := 0; j < 1000; j++ {
				c.reply()
			}
			batch = batch[:0]
		}
	}
	if got := c.do("DBSIZE"); got != ":0\r\n" {
		t.Fatalf("DBSIZE %q", got)
	}
	if size := ts.expires.size(); size != 0 {
		t.Fatalf("expiry index holds %d keys after %d SET EX + DEL, want 0", size, n)
	}
}

// TestExpiryIndexExpired: a key removed by expiry, by the sweeper or by
// the write that finds it expired, leaves the index.
func TestExpiryIndexExpired(t *testing.T) {
	ts := startServer(t, Options{SweepInterval: -1})
	c := dialRaw(t, "tcp", ts.addr)
	for i := 0; i < 50; i++ {
		c.do("SET", "s"+strconv.Itoa(i), "v", "PX", "1")
	}
	c.do("SET", "w", "v", "PX", "1")
	c.do("SET", "later", "v", "EX", "1000")
	deadline := time.Now().Add(10 * time.Second)
	for c.do("PTTL", "w") != ":-2\r\n" { // expired (for reads)
		if time.Now().After(deadline) {
			t.Fatal("w did not expire")
		}
		time.Sleep(time.Millisecond)
	}
	if got := c.do("SET", "w", "new"); got != "+OK\r\n" { // the write finds it expired
		t.Fatalf("SET w: %q", got)
	}
	for i := 0; i < 100 && ts.expireCycle(time.Second) > 0; i++ {
	}
	requireExactIndex(t, ts.Server, c, "later")
}

// TestExpiryIndexConcurrent: under concurrent writers of the same keys,
// the index ends equal to the table (it is changed under each key's shard
// lock, in the order of the writes).
func TestExpiryIndexConcurrent(t *testing.T) {
	for _, loops := range []int{1, -1} {
		t.Run(fmt.Sprintf("loops=%d", loops), func(t *testing.T) {
			ts := startServer(t, Options{SweepInterval: -1, EventLoops: loops})
			cmds := [][]string{{"SET", "k", "v", "EX", "1000"}, {"DEL", "k"}, {"SET", "k", "v"}, {"PERSIST", "k"},
				{"EXPIRE", "k", "2000"}, {"GETDEL", "k"}, {"RENAME", "k", "j"}, {"SET", "j", "v", "EX", "3000"}, {"RENAME", "j", "k"}}
			var wg sync.WaitGroup
			for w := 0; w < 4; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					c := dialRaw(t, "tcp", ts.addr)
					for i := 0; i < 500; i++ {
						c.send(encodeCommand(cmds[(i*7+w*3)%len(cmds)]...))
						c.reply()
					}
				}(w)
			}
			wg.Wait()
			got, truth := ts.expires.indexed(), carryingExp(t, ts.Server)
			if !maps.Equal(got, truth) {
				t.Fatalf("index %v, table %v", got, truth)
			}
		})
	}
}

// TestExpiryIndexOutsideRESP: changes made through the DynamoDB API (an
// item given an exp, a key deleted, an exp removed) reach the index at the
// next rescan; a dropped table empties it.
func TestExpiryIndexOutsideRESP(t *testing.T) {
	ts := startServer(t, Options{SweepInterval: -1})
	c := dialRaw(t, "tcp", ts.addr)
	c.do("SET", "a", "v", "EX", "1000")
	c.do("SET", "b", "v", "EX", "1000")
	ddb(t, ts.handler, "DeleteItem", `{"TableName":"redis","Key":{"pk":{"S":"a"}}}`)
	ddb(t, ts.handler, "PutItem", `{"TableName":"redis","Item":{"pk":{"S":"b"},"val":{"S":"x"}}}`)
	ddb(t, ts.handler, "PutItem", `{"TableName":"redis","Item":{"pk":{"S":"c"},"val":{"S":"x"},"exp":{"N":"99999999999999"}}}`)
	ts.rescan()
	requireExactIndex(t, ts.Server, c, "c")
	ddb(t, ts.handler, "DeleteTable", `{"TableName":"redis"}`)
	ts.rescan()
	if n := ts.expires.size(); n != 0 {
		t.Fatalf("index holds %d keys of a dropped table", n)
	}
}

// TestExpiryIndexAfterRestart: the index rebuilt after a restart (from the
// log's replay) holds exactly the keys that carry an exp.
func TestExpiryIndexAfterRestart(t *testing.T) {
	dir := t.TempDir()
	l, store, err := wal.Open(dir, wal.Options{Policy: wal.FsyncEverySec})
	if err != nil {
		t.Fatal(err)
	}
	ts := startServerOn(t, store, Options{SweepInterval: -1, Persistence: "wal fsync everysec"})
	c := dialRaw(t, "tcp", ts.addr)
	for i := 0; i < 200; i++ {
		c.do("SET", "k", "v", "EX", "100000")
		c.do("DEL", "k")
		c.do("SET", "p", "v", "EX", "100000")
		c.do("PERSIST", "p")
	}
	c.do("SET", "ttl", "v", "EX", "100000")
	c.do("HSET", "h", "f", "v")
	c.do("EXPIRE", "h", "100000")
	requireExactIndex(t, ts.Server, c, "ttl", "h")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ts.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	l2, store2, err := wal.Open(dir, wal.Options{Policy: wal.FsyncEverySec})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l2.Close() })
	s2 := New(dynamodb.NewHandler(store2, dynamodb.Options{}), Options{SweepInterval: -1})
	defer s2.Shutdown(context.Background())
	s2.rescan() // what the sweeper does first at start
	got := s2.expires.indexed()
	if len(got) != 2 || got["ttl"] == 0 || got["h"] == 0 || !maps.Equal(got, carryingExp(t, s2)) {
		t.Fatalf("index after restart %v, want ttl and h", got)
	}
}
