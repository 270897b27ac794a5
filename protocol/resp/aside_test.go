package resp

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dynacache/dynacache/wal"
)

// holdAside makes every work set aside wait until release is called; its
// started channel receives once per work that reached the hold.
func holdAside(t *testing.T) (started <-chan struct{}, release func()) {
	st := make(chan struct{}, 16)
	gate := make(chan struct{})
	hook := func() {
		st <- struct{}{}
		<-gate
	}
	asideHook.Store(&hook)
	var once sync.Once
	release = func() { once.Do(func() { close(gate) }) }
	t.Cleanup(func() {
		release()
		asideHook.Store(nil)
	})
	return st, release
}

// TestAsideLetsOthersThrough: while the work of KEYS or FLUSHDB is held
// (aside, mid-command), a PING on another connection of the same event
// loop is answered; the held connection's next pipelined command is
// answered after, in order, once the work is done.
func TestAsideLetsOthersThrough(t *testing.T) {
	for _, loops := range []int{1, -1} {
		for _, cmd := range [][]string{{"KEYS", "*"}, {"FLUSHDB"}, {"FLUSHALL", "ASYNC"}, {"FLUSHDB", "SYNC"}} {
			t.Run(fmt.Sprint(strings.Join(cmd, "_"), "/loops=", loops), func(t *testing.T) {
				ts := startServer(t, Options{EventLoops: loops})
				a := dialRaw(t, "tcp", ts.addr)
				b := dialRaw(t, "tcp", ts.addr)
				for i := 0; i < 100; i++ {
					a.do("SET", fmt.Sprint("k", i), "v")
				}
				started, release := holdAside(t)
				a.send(append(encodeCommand(cmd...), encodeCommand("DBSIZE")...))
				<-started // the work is running aside, and held there
				if got := b.do("PING"); got != "+PONG\r\n" {
					t.Fatalf("PING during %v: %q", cmd, got)
				}
				if got := b.do("GET", "k1"); cmd[0] == "KEYS" && got != "$1\r\nv\r\n" {
					t.Fatalf("GET during KEYS: %q", got)
				}
				release()
				first := a.reply()
				if cmd[0] == "KEYS" {
					if !strings.HasPrefix(first, "*100\r\n") {
						t.Fatalf("KEYS reply starts %.20q", first)
					}
				} else if first != "+OK\r\n" {
					t.Fatalf("%v: %q", cmd, first)
				}
				want := ":100\r\n"
				if cmd[0] != "KEYS" {
					want = ":0\r\n"
				}
				if got := a.reply(); got != want {
					t.Fatalf("DBSIZE after %v: %q, want %q", cmd, got, want)
				}
			})
		}
	}
}

// TestKeysUnderWrites: KEYS returns every key present for its whole run,
// once, while other keys come and go.
func TestKeysUnderWrites(t *testing.T) {
	ts := startServer(t, Options{})
	a := dialRaw(t, "tcp", ts.addr)
	const stable = 5000
	var pipe []byte
	for i := 0; i < stable; i++ {
		pipe = append(pipe, encodeCommand("SET", fmt.Sprint("stable:", i), "v")...)
	}
	a.send(pipe)
	for i := 0; i < stable; i++ {
		a.reply()
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		w := redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: 2, DisableIdentity: true})
		defer w.Close()
		ctx := context.Background()
		for i := 0; i < 100000; i++ {
			select {
			case <-stop:
				return
			default:
			}
			k := fmt.Sprint("churn:", i%300)
			if i%2 == 0 {
				w.Set(ctx, k, "v", 0)
			} else {
				w.Del(ctx, k)
			}
		}
	}()
	for round := 0; round < 5; round++ {
		keys := parseKeys(t, a.do("KEYS", "stable:*"))
		if len(keys) != stable {
			t.Fatalf("round %d: %d keys, want %d", round, len(keys), stable)
		}
		sort.Strings(keys)
		for i := 1; i < len(keys); i++ {
			if keys[i] == keys[i-1] {
				t.Fatalf("round %d: %s twice", round, keys[i])
			}
		}
	}
	close(stop)
	wg.Wait()
}

// parseKeys reads a raw array of bulk strings.
func parseKeys(t *testing.T, raw string) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(raw, "\r\n"), "\r\n")
	if !strings.HasPrefix(lines[0], "*") {
		t.Fatalf("not an array: %.40q", raw)
	}
	var keys []string
	for i := 2; i < len(lines); i += 2 {
		keys = append(keys, lines[i])
	}
	return keys
}

// TestFlushDBKeepsTable: FLUSHDB empties the table and the expiry index
// but keeps the table's definition; writes go on after it.
func TestFlushDBKeepsTable(t *testing.T) {
	cv := newConvo(t, Options{SweepInterval: -1})
	cv.Do("SET", "a", "1", "EX", "1000").OK()
	cv.Do("HSET", "h", "f", "v").Int(1)
	tb, _ := cv.ts.store.Table("redis")
	cv.Do("FLUSHDB", "ASYNC").OK()
	if got, ok := cv.ts.store.Table("redis"); !ok || got != tb {
		t.Fatal("FLUSHDB replaced the table")
	}
	cv.Do("DBSIZE").Int(0)
	cv.Do("GET", "a").Nil()
	if n := cv.ts.expires.size(); n != 0 {
		t.Fatalf("expiry index keeps %d keys", n)
	}
	cv.Do("SET", "b", "2").OK()
	cv.Do("DBSIZE").Int(1)
	cv.Do("FLUSHALL").OK()
	cv.Do("DBSIZE").Int(0)
	cv.Do("FLUSHALL", "LAZY").Err("ERR syntax error")
}

// TestFlushDBRestart: on a log, the keys FLUSHDB removed stay removed
// after a restart, the keys written after it are there, and the table
// keeps the GSI it was given through the DynamoDB API.
func TestFlushDBRestart(t *testing.T) {
	dir := t.TempDir()
	l, store, err := wal.Open(dir, wal.Options{Policy: wal.FsyncAlways})
	if err != nil {
		t.Fatal(err)
	}
	ts := startServerOn(t, store, Options{SweepInterval: -1})
	c := dialRaw(t, "tcp", ts.addr)
	for i := 0; i < 500; i++ {
		c.do("SET", fmt.Sprint("k", i), "v")
	}
	if _, e := ts.handler.Do("UpdateTable", []byte(`{"TableName":"redis","AttributeDefinitions":[{"AttributeName":"val","AttributeType":"S"}],"GlobalSecondaryIndexUpdates":[{"Create":{"IndexName":"byval","KeySchema":[{"AttributeName":"val","KeyType":"HASH"}],"Projection":{"ProjectionType":"KEYS_ONLY"}}}]}`)); e != nil {
		t.Fatal(e.Message)
	}
	tb, _ := store.Table("redis")
	tb.WaitIndexes(nil)
	if got := c.do("FLUSHDB"); got != "+OK\r\n" {
		t.Fatalf("FLUSHDB: %q", got)
	}
	c.do("SET", "after", "v")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ts.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2, store2, err := wal.Open(dir, wal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	tb2, ok := store2.Table("redis")
	if !ok || tb2.ItemCount() != 1 {
		t.Fatalf("after restart: table %v, %d items", ok, tb2.ItemCount())
	}
	if st, ok := tb2.IndexStats("byval"); !ok || st.ItemCount != 1 {
		t.Fatalf("index after restart: %v %+v", ok, st)
	}
}
