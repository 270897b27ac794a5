package resp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/wal"
)

// TestTransactionIsolation: clients move amounts between keys inside
// MULTI/EXEC (blind INCRBY/DECRBY pairs), with WATCH (read, then write
// both), and with MSET of the whole set; readers MGET every key and must
// always see the same total. Bounded: a fixed number of transactions per
// writer; readers stop when the writers are done.
func TestTransactionIsolation(t *testing.T) {
	for _, logged := range []bool{false, true} {
		t.Run(fmt.Sprint("logged=", logged), func(t *testing.T) {
			opts := Options{SweepInterval: -1}
			if logged {
				opts.Persistence = "wal fsync everysec"
			}
			cv := newConvoOn(t, testStore(t, logged), opts)
			testTransfers(t, cv)
		})
	}
}

func testTransfers(t *testing.T, cv *convo) {
	ctx := context.Background()
	const keys, start, writers, each = 8, 1000, 6, 150
	names := make([]string, keys)
	pairs := []any{"MSET"}
	for i := range names {
		names[i] = "acct:" + strconv.Itoa(i)
		pairs = append(pairs, names[i], start)
	}
	cv.Do(pairs...).OK()
	client := func() *redis.Client {
		return redis.NewClient(&redis.Options{Addr: cv.ts.addr, Protocol: 2, DisableIdentity: true, PoolSize: 1, MaxRetries: -1})
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	errs := make(chan error, writers+2)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c := client()
			defer c.Close()
			for j := 0; j < each; j++ {
				from, to := names[(w+j)%keys], names[(w+3*j+1)%keys]
				if from == to {
					continue
				}
				var err error
				switch w % 3 {
				case 0: // blind transfer
					_, err = c.TxPipelined(ctx, func(p redis.Pipeliner) error {
						p.DecrBy(ctx, from, 7)
						p.IncrBy(ctx, to, 7)
						return nil
					})
				case 1: // optimistic: WATCH, read, write both
					for try := 0; try < 1000; try++ {
						err = c.Watch(ctx, func(tx *redis.Tx) error {
							a, err := tx.Get(ctx, from).Int()
							if err != nil {
								return err
							}
							b, err := tx.Get(ctx, to).Int()
							if err != nil {
								return err
							}
							_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
								p.Set(ctx, from, a-3, 0)
								p.Set(ctx, to, b+3, 0)
								return nil
							})
							return err
						}, from, to)
						if !errors.Is(err, redis.TxFailedErr) {
							break
						}
					}
				case 2: // a rename chain through a spare key, and a swap by MSET
					_, err = c.TxPipelined(ctx, func(p redis.Pipeliner) error {
						p.Rename(ctx, from, "spare:"+strconv.Itoa(w))
						p.Rename(ctx, to, from)
						p.Rename(ctx, "spare:"+strconv.Itoa(w), to)
						return nil
					})
				}
				if err != nil {
					errs <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
			}
		}(w)
	}
	var readers sync.WaitGroup
	reads := make([]int, 2)
	for r := range reads {
		readers.Add(1)
		go func(r int) {
			defer readers.Done()
			c := client()
			defer c.Close()
			for n := 0; n < 100000; n++ {
				select {
				case <-done:
					return
				default:
				}
				vals, err := c.MGet(ctx, names...).Result()
				if err != nil {
					errs <- err
					return
				}
				sum := 0
				for _, v := range vals {
					s, _ := v.(string)
					x, _ := strconv.Atoi(s)
					sum += x
				}
				if sum != keys*start {
					errs <- fmt.Errorf("MGET saw a total of %d, want %d: %v", sum, keys*start, vals)
					return
				}
				reads[r]++
			}
		}(r)
	}
	wg.Wait()
	close(done)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	vals := cv.c.MGet(ctx, names...).Val()
	sum := 0
	for _, v := range vals {
		x, _ := strconv.Atoi(v.(string))
		sum += x
	}
	if sum != keys*start {
		t.Fatalf("final total %d, want %d", sum, keys*start)
	}
	t.Logf("reads: %v", reads)
}

// TestWatchDynamoWrite: a write through the DynamoDB API (same store) to a
// WATCHed key aborts the EXEC; so does one through the DYNAMODB command of
// another RESP connection.
func TestWatchDynamoWrite(t *testing.T) {
	ts := startServer(t, Options{SweepInterval: -1})
	c := dialRaw(t, "tcp", ts.addr)
	other := dialRaw(t, "tcp", ts.addr)
	c.do("SET", "k", "mine")
	for i, write := range []func(){
		func() {
			ddb(t, ts.handler, "PutItem", `{"TableName":"redis","Item":{"pk":{"S":"k"},"val":{"S":"theirs"}}}`)
		},
		func() {
			other.do("DYNAMODB", "UpdateItem", `{"TableName":"redis","Key":{"pk":{"S":"k"}},"UpdateExpression":"SET val = :v","ExpressionAttributeValues":{":v":{"S":"theirs2"}}}`)
		},
	} {
		if got := c.do("WATCH", "k"); got != "+OK\r\n" {
			t.Fatal(got)
		}
		write()
		c.do("MULTI")
		c.do("SET", "k", "mine")
		if got := c.do("EXEC"); got != "*-1\r\n" {
			t.Fatalf("case %d: EXEC after a DynamoDB write to a watched key: %q", i, got)
		}
		want := []string{"$6\r\ntheirs\r\n", "$7\r\ntheirs2\r\n"}[i]
		if got := c.do("GET", "k"); got != want {
			t.Fatalf("case %d: GET k = %q, want %q", i, got, want)
		}
	}
	// Unchanged: EXEC runs.
	c.do("WATCH", "k")
	c.do("MULTI")
	c.do("SET", "k", "mine")
	if got := c.do("EXEC"); got != "*1\r\n+OK\r\n" {
		t.Fatalf("EXEC: %q", got)
	}
}

// TestMultiClosedConnection: a connection that closes inside MULTI leaves
// nothing of its queue behind.
func TestMultiClosedConnection(t *testing.T) {
	for _, loops := range []int{-1, 1} {
		ts := startServer(t, Options{SweepInterval: -1, EventLoops: loops})
		c := dialRaw(t, "tcp", ts.addr)
		c.do("MULTI")
		c.do("SET", "k", "1")
		c.send([]byte("*2\r\n$4\r\nINCR\r\n$1\r\nk\r\n")) // queued, and no EXEC ever
		c.nc.Close()
		d := dialRaw(t, "tcp", ts.addr)
		deadline := time.Now().Add(10 * time.Second)
		for ts.Server.clients.Load() > 1 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if got := d.do("EXISTS", "k"); got != ":0\r\n" {
			t.Fatalf("loops=%d: EXISTS k after a MULTI closed unanswered: %q", loops, got)
		}
		if got := d.do("EXEC"); got != "-ERR EXEC without MULTI\r\n" {
			t.Fatalf("loops=%d: %q", loops, got)
		}
	}
}

// TestMultiKeyCrashAtomic: an MSET (and an EXEC) of many keys is one log
// record. The log is cut at several points inside that record (a crash in
// the middle of its write): recovery finds every key's old value or every
// key's new one, never a mix.
func TestMultiKeyCrashAtomic(t *testing.T) {
	const n = 50
	for _, how := range []string{"MSET", "EXEC"} {
		t.Run(how, func(t *testing.T) {
			dir := t.TempDir()
			l, store, err := wal.Open(dir, wal.Options{Policy: wal.FsyncAlways, SnapshotBytes: -1})
			if err != nil {
				t.Fatal(err)
			}
			ts := startServerOn(t, store, Options{SweepInterval: -1, Persistence: "wal fsync always"})
			c := dialRaw(t, "tcp", ts.addr)
			old, cur := []string{"MSET"}, []string{"MSET"}
			for i := 0; i < n; i++ {
				k := "key:" + strconv.Itoa(i)
				old = append(old, k, "old")
				cur = append(cur, k, "new-"+strconv.Itoa(i))
			}
			if got := c.do(old...); got != "+OK\r\n" {
				t.Fatal(got)
			}
			seg := lastSegment(t, dir)
			before := fileSize(t, seg)
			if how == "MSET" {
				if got := c.do(cur...); got != "+OK\r\n" {
					t.Fatal(got)
				}
			} else {
				c.do("MULTI")
				for i := 1; i < len(cur); i += 2 {
					c.do("SET", cur[i], cur[i+1])
				}
				if got := c.do("EXEC"); len(got) < 4 || got[:4] != "*50\r" {
					t.Fatal(got)
				}
			}
			after := fileSize(t, seg)
			if after <= before {
				t.Fatalf("the write added nothing to %s (%d -> %d bytes)", seg, before, after)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			ts.Shutdown(ctx)
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			for _, cut := range []int64{before + 1, before + (after-before)/3, before + (after-before)/2, after - 1, after} {
				copyDir := t.TempDir()
				copyTree(t, dir, copyDir)
				if err := os.Truncate(filepath.Join(copyDir, must(filepath.Rel(dir, seg))), cut); err != nil {
					t.Fatal(err)
				}
				l2, store2, err := wal.Open(copyDir, wal.Options{SnapshotBytes: -1})
				if err != nil {
					t.Fatalf("cut at %d: %v", cut, err)
				}
				tb, _ := store2.Table("redis")
				olds, news := 0, 0
				for i := 0; i < n; i++ {
					k, _ := appendKey(nil, []byte("key:"+strconv.Itoa(i)))
					e, _ := tb.Get(k)
					switch v := string(viewOf(e.Encoded()).val); v {
					case "old":
						olds++
					case "new-" + strconv.Itoa(i):
						news++
					default:
						t.Fatalf("cut at %d: key:%d = %q", cut, i, v)
					}
				}
				l2.Close()
				want := 0
				if cut == after {
					want = n
				}
				if news != want || olds+news != n {
					t.Fatalf("cut at %d of [%d, %d]: %d keys old, %d new; want all %s", cut, before, after, olds, news,
						map[bool]string{true: "new", false: "old"}[want == n])
				}
			}
		})
	}
}

func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}

func lastSegment(t *testing.T, dir string) string {
	t.Helper()
	segs, _ := filepath.Glob(filepath.Join(dir, "wal", "0*"))
	if len(segs) == 0 {
		t.Fatalf("no log segment in %s", dir)
	}
	return segs[len(segs)-1]
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// copyTree copies the regular files under src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		to := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(to)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// refusingLog accepts every write until refuse is set, then refuses every
// record (as a full disk would).
type refusingLog struct{ refuse atomic.Bool }

var errRefused = errors.New("log refused the record")

func (l *refusingLog) LogItem(string, shard.Key, []byte, int, shard.Undo) (func() error, error) {
	if l.refuse.Load() {
		return nil, errRefused
	}
	return nil, nil
}

func (l *refusingLog) LogBatch([]shard.BatchItem) (func() error, error) {
	if l.refuse.Load() {
		return nil, errRefused
	}
	return nil, nil
}

func (l *refusingLog) LogTable(string, shard.KeySchema, []shard.IndexSchema, []byte, bool) (func() error, error) {
	return nil, nil
}

// TestMultiKeyLogRefused: an MSET or EXEC whose record the log refuses
// leaves every key as it was, and the expiry index exact; once the log
// accepts again, an EXEC's moves of TTLs (RENAME, PERSIST, SET EX) are
// indexed exactly.
func TestMultiKeyLogRefused(t *testing.T) {
	log := &refusingLog{}
	ts := startServerOn(t, shard.New(log), Options{SweepInterval: -1, Persistence: "refusing log"})
	c := dialRaw(t, "tcp", ts.addr)
	c.do("SET", "a", "old", "EX", "1000")
	c.do("SET", "b", "old")
	requireExactIndex(t, ts.Server, c, "a")
	log.refuse.Store(true)
	if got := c.do("MSET", "a", "new", "b", "new"); !strings.HasPrefix(got, "-ERR ") {
		t.Fatalf("MSET on a refusing log: %q", got)
	}
	c.do("MULTI")
	c.do("PERSIST", "a")
	c.do("SET", "c", "v", "EX", "100")
	c.do("DEL", "b")
	if got := c.do("EXEC"); !strings.HasPrefix(got, "-ERR ") {
		t.Fatalf("EXEC on a refusing log: %q", got)
	}
	log.refuse.Store(false)
	if got := c.do("MGET", "a", "b", "c"); got != "*3\r\n$3\r\nold\r\n$3\r\nold\r\n$-1\r\n" {
		t.Fatalf("after refused writes: %q", got)
	}
	requireExactIndex(t, ts.Server, c, "a")
	c.do("SET", "b", "v", "EX", "100")
	c.do("MULTI")
	c.do("RENAME", "b", "d")
	c.do("PERSIST", "a")
	c.do("SET", "c", "v", "EX", "100")
	c.do("SET", "e", "v", "EX", "100")
	c.do("GETDEL", "e")
	if got := c.do("EXEC"); got != "*5\r\n+OK\r\n:1\r\n+OK\r\n+OK\r\n$1\r\nv\r\n" {
		t.Fatalf("EXEC: %q", got)
	}
	requireExactIndex(t, ts.Server, c, "c", "d")
}

// TestExecWithDynamoWriters: EXECs that INCR two keys run beside DynamoDB
// API writers that ADD to one of them: no increment is lost (each EXEC's
// INCR of k is decided under k's shard lock), and GetMany readers of both
// keys never see the EXEC's second key ahead of its first (k counts every
// EXEC and every DynamoDB write, k2 only the EXECs: k >= k2 in any state
// that holds whole EXECs).
func TestExecWithDynamoWriters(t *testing.T) {
	ts := startServer(t, Options{SweepInterval: -1})
	setup := dialRaw(t, "tcp", ts.addr)
	setup.do("INCRBY", "k", "0")
	setup.do("INCRBY", "k2", "0") // numbers (N), for ADD
	const resp, dynamo, each = 3, 2, 200
	var wg sync.WaitGroup
	errs := make(chan error, resp+dynamo+1)
	for i := 0; i < resp; i++ {
		c := dialRaw(t, "tcp", ts.addr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < each; j++ {
				c.do("MULTI")
				c.do("INCR", "k")
				c.do("INCR", "k2")
				if got := c.do("EXEC"); !strings.HasPrefix(got, "*2\r\n:") {
					errs <- fmt.Errorf("EXEC: %q", got)
					return
				}
			}
		}()
	}
	for i := 0; i < dynamo; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < each; j++ {
				if _, e := ts.handler.Do("UpdateItem", []byte(`{"TableName":"redis","Key":{"pk":{"S":"k"}},"UpdateExpression":"ADD val :one","ExpressionAttributeValues":{":one":{"N":"1"}}}`)); e != nil {
					errs <- e
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	var readers sync.WaitGroup
	readers.Add(1)
	go func() {
		defer readers.Done()
		tb, _ := ts.store.Table("redis")
		ks := [2][]byte{}
		ks[0], _ = appendKey(nil, []byte("k"))
		ks[1], _ = appendKey(nil, []byte("k2"))
		refs := []shard.Ref{{Table: tb, Key: ks[0]}, {Table: tb, Key: ks[1]}}
		for n := 0; n < 100000; n++ {
			select {
			case <-done:
				return
			default:
			}
			es := ts.store.GetMany(refs)
			a, _ := strconv.Atoi(string(viewOf(es[0].Encoded()).val))
			b, _ := strconv.Atoi(string(viewOf(es[1].Encoded()).val))
			if a < b {
				errs <- fmt.Errorf("a reader saw k=%d < k2=%d", a, b)
				return
			}
		}
	}()
	wg.Wait()
	close(done)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got, want := setup.do("MGET", "k", "k2"), fmt.Sprintf("*2\r\n$%d\r\n%d\r\n$%d\r\n%d\r\n",
		len(strconv.Itoa(resp*each+dynamo*each)), resp*each+dynamo*each, len(strconv.Itoa(resp*each)), resp*each); got != want {
		t.Fatalf("MGET k k2 = %q, want %q", got, want)
	}
}
