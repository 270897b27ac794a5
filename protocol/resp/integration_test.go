package resp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/wal"
)

// do runs a DynamoDB operation through the handler and decodes the reply.
func ddb(t testing.TB, h *dynamodb.Handler, op, body string) map[string]any {
	t.Helper()
	reply, e := h.Do(op, []byte(body))
	if e != nil {
		t.Fatalf("%s %s: %v", op, body, e)
	}
	var out map[string]any
	if err := json.Unmarshal(reply, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestCrossProtocol writes through RESP and reads through the DynamoDB
// API, and the other way round.
func TestCrossProtocol(t *testing.T) {
	cv := newConvo(t, Options{SweepInterval: -1})
	h := cv.ts.handler
	cv.Do("SET", "greeting", "hello").OK()
	cv.Do("INCRBY", "counter", "41").Int(41)
	cv.Do("SET", "raw", "\xff\x00").OK()
	cv.Do("HSET", "user:1", "name", "Ada", "visits", "3", "pk", "collides").Int(3)
	cv.Do("EXPIRE", "greeting", "1000").Int(1)

	// The table is an ordinary table.
	desc := ddb(t, h, "DescribeTable", `{"TableName":"redis"}`)
	if got := jsonOf(desc["Table"].(map[string]any)["KeySchema"]); got != `[{"AttributeName":"pk","KeyType":"HASH"}]` {
		t.Fatalf("key schema %s", got)
	}
	item := ddb(t, h, "GetItem", `{"TableName":"redis","Key":{"pk":{"S":"greeting"}}}`)["Item"].(map[string]any)
	if jsonOf(item["val"]) != `{"S":"hello"}` {
		t.Fatalf("greeting: %s", jsonOf(item))
	}
	if exp, _ := strconv.ParseInt(item["exp"].(map[string]any)["N"].(string), 10, 64); exp < time.Now().UnixMilli()+990_000 {
		t.Fatalf("exp %v", item["exp"])
	}
	item = ddb(t, h, "GetItem", `{"TableName":"redis","Key":{"pk":{"S":"counter"}}}`)["Item"].(map[string]any)
	if jsonOf(item["val"]) != `{"N":"41"}` {
		t.Fatalf("counter: %s", jsonOf(item))
	}
	item = ddb(t, h, "GetItem", `{"TableName":"redis","Key":{"pk":{"S":"raw"}}}`)["Item"].(map[string]any)
	if jsonOf(item["val"]) != `{"B":"/wA="}` {
		t.Fatalf("raw: %s", jsonOf(item))
	}
	item = ddb(t, h, "GetItem", `{"TableName":"redis","Key":{"pk":{"S":"user:1"}}}`)["Item"].(map[string]any)
	if got := jsonOf(item); got != `{"\\spk":{"S":"collides"},"name":{"S":"Ada"},"pk":{"S":"user:1"},"visits":{"S":"3"}}` {
		t.Fatalf("user:1: %s", got)
	}

	// DynamoDB writes, RESP reads: an item without val is a hash.
	ddb(t, h, "PutItem", `{"TableName":"redis","Item":{"pk":{"S":"user:2"},"name":{"S":"Bob"},"age":{"N":"42"},"tags":{"SS":["a"]},"meta":{"M":{"x":{"BOOL":true}}}}}`)
	cv.Do("TYPE", "user:2").Str("hash")
	cv.Do("HGET", "user:2", "age").Str("42")
	cv.Do("HGET", "user:2", "meta").Str(`{"x":true}`)
	cv.Do("HGET", "user:2", "tags").Str(`["a"]`)
	cv.Do("HINCRBY", "user:2", "age", "1").Int(43)
	cv.Do("HLEN", "user:2").Int(4)
	ddb(t, h, "UpdateItem", `{"TableName":"redis","Key":{"pk":{"S":"counter"}},"UpdateExpression":"ADD val :one","ExpressionAttributeValues":{":one":{"N":"1"}}}`)
	cv.Do("INCR", "counter").Int(43)
	ddb(t, h, "PutItem", `{"TableName":"redis","Item":{"pk":{"S":"s"},"val":{"S":"from dynamodb"}}}`)
	cv.Do("GET", "s").Str("from dynamodb")
	// An exp in the past set through the API hides the key from RESP.
	ddb(t, h, "PutItem", `{"TableName":"redis","Item":{"pk":{"S":"old"},"val":{"S":"x"},"exp":{"N":"1000"}}}`)
	cv.Do("GET", "old").Nil()
	cv.Do("EXISTS", "old").Int(0)
	ddb(t, h, "DeleteItem", `{"TableName":"redis","Key":{"pk":{"S":"s"}}}`)
	cv.Do("GET", "s").Nil()

	// A table with another key schema cannot hold Redis keys.
	ddb(t, h, "DeleteTable", `{"TableName":"redis"}`)
	cv.Do("GET", "greeting").Nil()  // no table: no keys
	cv.Do("SET", "again", "1").OK() // recreated on write
	ddb(t, h, "DeleteTable", `{"TableName":"redis"}`)
	ddb(t, h, "CreateTable", `{"TableName":"redis","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"N"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`)
	cv.Do("SET", "k", "v").Err("ERR table 'redis' cannot hold Redis keys: its key schema must be pk (S, HASH) alone, it is id (N, HASH)")
}

func TestDynamoDBCommand(t *testing.T) {
	cv := newConvo(t, Options{SweepInterval: -1})
	cv.Do("DYNAMODB").Err("ERR wrong number of arguments for 'dynamodb' command")
	cv.Do("DYNAMODB", "CreateTable", `{"TableName":"Music","AttributeDefinitions":[{"AttributeName":"Artist","AttributeType":"S"},{"AttributeName":"Song","AttributeType":"S"}],"KeySchema":[{"AttributeName":"Artist","KeyType":"HASH"},{"AttributeName":"Song","KeyType":"RANGE"}],"BillingMode":"PAY_PER_REQUEST"}`).Contains(`"TableName":"Music"`)
	cv.Do("DYNAMODB", "CreateTable", `{"TableName":"Music","AttributeDefinitions":[{"AttributeName":"Artist","AttributeType":"S"}],"KeySchema":[{"AttributeName":"Artist","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`).Err("ERR ResourceInUseException: Table already exists: Music")
	cv.Do("DYNAMODB", "PutItem", `{"TableName":"Music","Item":{"Artist":{"S":"Ada"},"Song":{"S":"One"},"Plays":{"N":"1"}}}`).Str("{}")
	cv.Do("DYNAMODB", "GetItem", `{"TableName":"Music","Key":{"Artist":{"S":"Ada"},"Song":{"S":"One"}}}`).Str(`{"Item":{"Artist":{"S":"Ada"},"Plays":{"N":"1"},"Song":{"S":"One"}}}`)
	cv.Do("DYNAMODB", "GetItem", `{"TableName":"Nope","Key":{"Artist":{"S":"Ada"}}}`).Err("ERR ResourceNotFoundException: Requested resource not found")
	cv.Do("DYNAMODB", "GetItem", `{bad json`).Err("ERR SerializationException")
	cv.Do("DYNAMODB", "NoSuchOp", `{}`).Err("ERR UnknownOperationException")
	cv.Do("DYNAMODB", "GetItem").Err("ERR wrong number of arguments for 'dynamodb' command: DYNAMODB <Operation> <json>")
	cv.Do("DYNAMODB", "TABLES").Arr("Music")
	cv.Do("DYNAMODB", "tables", "x").Err("ERR wrong number of arguments for 'dynamodb|tables' command")
	cv.Do("DYNAMODB", "PUT", "Music", `{"Artist":"Ada","Song":"Two","Plays":2,"Tags":["x",null],"Live":true}`).OK()
	cv.Do("DYNAMODB", "PUT", "Music", `{"Artist":"Ada","Song":"Three","Plays":3}`).OK()
	cv.Do("DYNAMODB", "PUT", "Music", `{"Artist":"Bob","Song":"Zed"}`).OK()
	cv.Do("DYNAMODB", "GET", "Music", `{"Artist":"Ada","Song":"Two"}`).Str(`{"Artist":"Ada","Live":true,"Plays":2,"Song":"Two","Tags":["x",null]}`)
	cv.Do("DYNAMODB", "GET", "Music", `{"Artist":"Ada","Song":"None"}`).Nil()
	cv.Do("DYNAMODB", "GET", "Music", `[1]`).Err("ERR key is not a valid JSON object: not a JSON object")
	cv.Do("DYNAMODB", "GET", "Music", `{"Artist":"Ada"}`).ErrPrefix("ERR ValidationException: ")
	cv.Do("DYNAMODB", "PUT", "Music", `{"Artist":"Ada"}`).ErrPrefix("ERR ValidationException: ")
	cv.Do("DYNAMODB", "DEL", "Music", `{"Artist":"Ada","Song":"Three"}`).Int(1)
	cv.Do("DYNAMODB", "DEL", "Music", `{"Artist":"Ada","Song":"Three"}`).Int(0)
	cv.Do("DYNAMODB", "PUT", "Music", `{"Artist":"Ada","Song":"Three","Plays":3}`).OK()
	cv.Do("DYNAMODB", "QUERY", "Music", "Ada").Arr(
		`{"Artist":"Ada","Plays":1,"Song":"One"}`,
		`{"Artist":"Ada","Plays":3,"Song":"Three"}`,
		`{"Artist":"Ada","Live":true,"Plays":2,"Song":"Two","Tags":["x",null]}`)
	cv.Do("DYNAMODB", "query", "Music", `{"Artist":"Ada"}`, "BEGINS_WITH", "T", "LIMIT", "1").Arr(`{"Artist":"Ada","Plays":3,"Song":"Three"}`)
	cv.Do("DYNAMODB", "QUERY", "Music", "Ada", ">=", `"Three"`, "DESC").Arr(
		`{"Artist":"Ada","Live":true,"Plays":2,"Song":"Two","Tags":["x",null]}`,
		`{"Artist":"Ada","Plays":3,"Song":"Three"}`)
	cv.Do("DYNAMODB", "QUERY", "Music", "Ada", "BETWEEN", "A", "Th").Arr(`{"Artist":"Ada","Plays":1,"Song":"One"}`)
	cv.Do("DYNAMODB", "QUERY", "Music", "Ada", "=", "One").Arr(`{"Artist":"Ada","Plays":1,"Song":"One"}`)
	cv.Do("DYNAMODB", "QUERY", "Music", "Nobody").Arr()
	cv.Do("DYNAMODB", "QUERY", "Music", "Ada", "LIMIT", "x").Err("ERR value is not an integer or out of range")
	cv.Do("DYNAMODB", "QUERY", "Music", "Ada", "~", "x").Err("ERR syntax error")
	cv.Do("DYNAMODB", "QUERY", "Music", "Ada", "BETWEEN", "A").Err("ERR syntax error")
	cv.Do("DYNAMODB", "Query", `{"TableName":"Music","KeyConditionExpression":"Artist = :a","ExpressionAttributeValues":{":a":{"S":"Bob"}}}`).Contains(`"Count":1`)
	// The short forms reach the RESP table like any other.
	cv.Do("SET", "k", "v").OK()
	cv.Do("DYNAMODB", "GET", "redis", `{"pk":"k"}`).Str(`{"pk":"k","val":"v"}`)
	cv.Do("DYNAMODB", "QUERY", "redis", "k").Arr(`{"pk":"k","val":"v"}`)
	if help := cv.Do("DYNAMODB", "HELP"); len(help.v.([]any)) != 6 {
		t.Fatalf("DYNAMODB HELP: %v", help.v)
	}
}

// TestConcurrentIncr: INCR from many clients loses no update, whether
// each command waits for its reply or clients pipeline them (their writes
// then wait for the log together), in memory and over a real log.
func TestConcurrentIncr(t *testing.T) {
	for _, loops := range []int{0, -1} { // an event loop; a goroutine per connection
		for _, logged := range []bool{false, true} {
			for _, pipelined := range []bool{false, true} {
				t.Run(fmt.Sprintf("loops=%d/logged=%v/pipelined=%v", loops, logged, pipelined), func(t *testing.T) {
					testConcurrentIncr(t, newConvoOn(t, testStore(t, logged), Options{SweepInterval: -1, EventLoops: loops}), pipelined)
				})
			}
		}
	}
}

// testStore returns an in-memory store, or one recovered from a fresh
// write-ahead log (fsync everysec) in a temporary directory.
func testStore(t *testing.T, logged bool) *shard.Store {
	t.Helper()
	if !logged {
		return shard.New(nil)
	}
	l, store, err := wal.Open(t.TempDir(), wal.Options{Policy: wal.FsyncEverySec})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return store
}

func testConcurrentIncr(t *testing.T, cv *convo, pipelined bool) {
	ctx := context.Background()
	const clients, each = 16, 200
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// No retries: go-redis resends a pipeline whose reply timed out,
			// and a resent INCR counts twice (the server ran the first).
			// A loaded machine gets a longer timeout than go-redis's 3 s.
			c := redis.NewClient(&redis.Options{Addr: cv.ts.addr, Protocol: 2, DisableIdentity: true, PoolSize: 1,
				MaxRetries: -1, ReadTimeout: 60 * time.Second, WriteTimeout: 60 * time.Second})
			defer c.Close()
			if pipelined {
				pipe := c.Pipeline()
				for j := 0; j < each; j++ {
					pipe.Incr(ctx, "n")
					pipe.HIncrBy(ctx, "h", "n", 2)
					pipe.Append(ctx, "log", "x")
				}
				if _, err := pipe.Exec(ctx); err != nil {
					t.Error(err)
				}
				return
			}
			for j := 0; j < each; j++ {
				if err := c.Incr(ctx, "n").Err(); err != nil {
					t.Error(err)
					return
				}
				if err := c.HIncrBy(ctx, "h", "n", 2).Err(); err != nil {
					t.Error(err)
					return
				}
				if err := c.Append(ctx, "log", "x").Err(); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	cv.Do("GET", "n").Str(strconv.Itoa(clients * each))
	cv.Do("HGET", "h", "n").Str(strconv.Itoa(2 * clients * each))
	cv.Do("STRLEN", "log").Int(clients * each)
}

// TestSetNXRace: of many clients racing SETNX (and MSETNX) on one key,
// exactly one wins each round.
func TestSetNXRace(t *testing.T) {
	t.Run("in memory", func(t *testing.T) { testSetNXRace(t, Options{SweepInterval: -1}) })
	t.Run("persisting", func(t *testing.T) { testSetNXRace(t, Options{SweepInterval: -1, Persistence: "test"}) })
}

func testSetNXRace(t *testing.T, opts Options) {
	cv := newConvo(t, opts)
	ctx := context.Background()
	const clients, rounds = 8, 50
	wins := make([]atomic.Int64, rounds)
	mwins := make([]atomic.Int64, rounds)
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := redis.NewClient(&redis.Options{Addr: cv.ts.addr, Protocol: 2, DisableIdentity: true, PoolSize: 1})
			defer c.Close()
			for r := 0; r < rounds; r++ {
				ok, err := c.SetNX(ctx, fmt.Sprint("lock:", r), i, 0).Result()
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					wins[r].Add(1)
				}
				// Overlapping MSETNX: each client a different pair that
				// shares one key with every other pair.
				ok, err = c.MSetNX(ctx, fmt.Sprint("m:", r), i, fmt.Sprint("m:", r, ":", i), i).Result()
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					mwins[r].Add(1)
				}
			}
		}(i)
	}
	wg.Wait()
	for r := 0; r < rounds; r++ {
		if wins[r].Load() != 1 || mwins[r].Load() != 1 {
			t.Fatalf("round %d: %d SETNX winners, %d MSETNX winners", r, wins[r].Load(), mwins[r].Load())
		}
		// The MSETNX winner's pair is whole; no loser left a key.
		owner, err := cv.c.Get(ctx, fmt.Sprint("m:", r)).Result()
		if err != nil {
			t.Fatal(err)
		}
		n, _ := cv.c.Exists(ctx, func() []string {
			var keys []string
			for i := 0; i < clients; i++ {
				keys = append(keys, fmt.Sprint("m:", r, ":", i))
			}
			return keys
		}()...).Result()
		if n != 1 {
			t.Fatalf("round %d: %d second keys exist", r, n)
		}
		if v, _ := cv.c.Get(ctx, fmt.Sprint("m:", r, ":", owner)).Result(); v != owner {
			t.Fatalf("round %d: winner %s's second key is %q", r, owner, v)
		}
	}
}

// TestMSetAtomicForReaders: a reader's MGET never sees half of an MSET,
// also when MSET's log waits are slow (it releases its keys once they are
// applied, before the waits end).
func TestMSetAtomicForReaders(t *testing.T) {
	ts := startServerOn(t, shard.New(&slowLog{delay: time.Millisecond}), Options{SweepInterval: -1, Persistence: "slow log"})
	c := redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: 2, MaxRetries: -1, DisableIdentity: true})
	t.Cleanup(func() { c.Close() })
	cv := &convo{t: t, c: c, ts: ts}
	ctx := context.Background()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c := redis.NewClient(&redis.Options{Addr: cv.ts.addr, Protocol: 2, DisableIdentity: true, PoolSize: 1})
		defer c.Close()
		for i := 0; i < 300; i++ {
			v := strconv.Itoa(i)
			if err := c.MSet(ctx, "x", v, "y", v, "z", v).Err(); err != nil {
				t.Error(err)
				break
			}
		}
		close(done)
	}()
	for stop := false; !stop; {
		select {
		case <-done:
			stop = true
		default:
		}
		vals, err := cv.c.MGet(ctx, "x", "y", "z").Result()
		if err != nil {
			t.Fatal(err)
		}
		if vals[0] != vals[1] || vals[1] != vals[2] {
			t.Fatalf("MGET saw a partial MSET: %v", vals)
		}
	}
	wg.Wait()
}

// countingLog is a shard.Log that counts what it is given.
type countingLog struct {
	puts, deletes atomic.Int64
}

func (l *countingLog) LogItem(table string, key shard.Key, enc []byte, size int, _ shard.Undo) (func() error, error) {
	if enc == nil {
		l.deletes.Add(1)
	} else {
		l.puts.Add(1)
	}
	return nil, nil
}

func (l *countingLog) LogTable(string, shard.KeySchema, []shard.IndexSchema, []byte, bool) (func() error, error) {
	return nil, nil
}

// TestExpirySweeper: expired keys are never returned and are removed in
// the background, each removal logged.
func TestExpirySweeper(t *testing.T) {
	log := &countingLog{}
	store := shard.New(log)
	h := dynamodb.NewHandler(store, dynamodb.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := New(h, Options{SweepInterval: 10 * time.Millisecond})
	s.Serve(ln)
	defer s.Shutdown(context.Background())
	c := redis.NewClient(&redis.Options{Addr: ln.Addr().String(), Protocol: 2, DisableIdentity: true})
	defer c.Close()
	ctx := context.Background()
	const n = 200
	for i := 0; i < n; i++ {
		c.Set(ctx, fmt.Sprint("tmp:", i), "v", 30*time.Millisecond)
		c.HSet(ctx, fmt.Sprint("keep:", i), "f", "v")
	}
	c.Set(ctx, "later", "v", time.Hour)
	deadline := time.Now().Add(10 * time.Second)
	for {
		size, _ := c.DBSize(ctx).Result()
		if size == n+1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sweeper left %d keys, want %d", size, n+1)
		}
		if v, err := c.Get(ctx, "tmp:7").Result(); err != redis.Nil && time.Since(deadline.Add(-10*time.Second)) > 40*time.Millisecond {
			t.Fatalf("expired key returned: %q %v", v, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if log.deletes.Load() < n {
		t.Fatalf("%d deletes logged, want >= %d", log.deletes.Load(), n)
	}
	info, _ := c.Info(ctx, "stats").Result()
	if !strings.Contains(info, fmt.Sprintf("expired_keys:%d", n)) {
		t.Fatalf("INFO stats: %s", info)
	}
	if ttl, _ := c.TTL(ctx, "later").Result(); ttl < 59*time.Minute {
		t.Fatalf("later: ttl %v", ttl)
	}
}

// TestExpiryFoundByRescan: items given an exp outside RESP (here through
// the DynamoDB API) are found by the periodic scan and removed.
func TestExpiryFoundByRescan(t *testing.T) {
	ts := startServer(t, Options{SweepInterval: 10 * time.Millisecond, RescanInterval: 20 * time.Millisecond})
	c := redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: 2, DisableIdentity: true})
	defer c.Close()
	ctx := context.Background()
	c.Set(ctx, "keep", "v", 0)
	past := strconv.FormatInt(time.Now().UnixMilli()-1, 10)
	ddb(t, ts.handler, "PutItem", `{"TableName":"redis","Item":{"pk":{"S":"gone"},"val":{"S":"x"},"exp":{"N":"`+past+`"}}}`)
	tb, _ := ts.store.Table("redis")
	deadline := time.Now().Add(10 * time.Second)
	for tb.ItemCount() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the expired item was not removed")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestPipeline: a pipeline is answered in order, whole; in memory and over
// a real log (where its writes wait for the log together).
func TestPipeline(t *testing.T) {
	for _, loops := range []int{0, -1} {
		t.Run(fmt.Sprintf("loops=%d/in memory", loops), func(t *testing.T) {
			testPipeline(t, newConvo(t, Options{SweepInterval: -1, EventLoops: loops}))
		})
		t.Run(fmt.Sprintf("loops=%d/logged", loops), func(t *testing.T) {
			testPipeline(t, newConvoOn(t, testStore(t, true), Options{SweepInterval: -1, EventLoops: loops}))
		})
	}
}

func testPipeline(t *testing.T, cv *convo) {
	ctx := context.Background()
	pipe := cv.c.Pipeline()
	const n = 2000
	for i := 0; i < n; i++ {
		pipe.Set(ctx, fmt.Sprint("p:", i), i, 0)
		pipe.Incr(ctx, "pc")
		pipe.Get(ctx, fmt.Sprint("p:", i))
	}
	cmds, err := pipe.Exec(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if v := cmds[3*i+1].(*redis.IntCmd).Val(); v != int64(i+1) {
			t.Fatalf("INCR %d: %d", i, v)
		}
		if v := cmds[3*i+2].(*redis.StringCmd).Val(); v != strconv.Itoa(i) {
			t.Fatalf("GET %d: %q", i, v)
		}
	}
	// Raw: commands and inline commands in one write.
	raw := dialRaw(t, "tcp", cv.ts.addr)
	raw.send([]byte("*1\r\n$4\r\nPING\r\nECHO \"a b\"\r\n*2\r\n$3\r\nGET\r\n$3\r\np:7\r\n"))
	for _, want := range []string{"+PONG\r\n", "$3\r\na b\r\n", "$1\r\n7\r\n"} {
		if got := raw.reply(); got != want {
			t.Fatalf("got %q want %q", got, want)
		}
	}
}

// TestMalformedStream: a malformed request closes only its own connection.
func TestMalformedStream(t *testing.T) {
	cv := newConvo(t, Options{SweepInterval: -1})
	cv.Do("SET", "k", "v").OK()
	for _, bad := range []string{"*1\r\n$-5\r\n", "*1\r\n:1\r\n", "*9999999999999\r\n", "\"unterminated\r\n",
		"*1\r\n$99999999999999999999999\r\n", strings.Repeat("x", 70<<10)} {
		raw := dialRaw(t, "tcp", cv.ts.addr)
		raw.send([]byte(bad))
		reply := raw.reply()
		if !strings.HasPrefix(reply, "-ERR Protocol error: ") {
			t.Fatalf("%q: reply %q", bad[:min(len(bad), 20)], reply)
		}
		raw.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := raw.br.ReadByte(); err == nil {
			t.Fatalf("%q: connection left open", bad[:min(len(bad), 20)])
		}
	}
	cv.Do("GET", "k").Str("v") // the others go on
}

// TestGracefulShutdown: Shutdown lets a connection finish its batch and
// receive its replies, then closes it; new connections are refused.
func TestGracefulShutdown(t *testing.T) {
	store := shard.New(nil)
	s := New(dynamodb.NewHandler(store, dynamodb.Options{}), Options{SweepInterval: -1})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Serve(ln)
	idle := dialRaw(t, "tcp", ln.Addr().String())
	busy := dialRaw(t, "tcp", ln.Addr().String())
	if got := idle.do("PING"); got != "+PONG\r\n" {
		t.Fatal(got)
	}
	var batch []byte
	for i := 0; i < 500; i++ {
		batch = append(batch, encodeCommand("INCR", "n")...)
	}
	busy.send(batch)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	// Every reply of the batch the server had read was sent.
	busy.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	n := 0
	for ; n < 500; n++ {
		var buf strings.Builder
		line, err := busy.br.ReadString('\n')
		if err != nil {
			break
		}
		buf.WriteString(line)
		if buf.String() != ":"+strconv.Itoa(n+1)+"\r\n" {
			t.Fatalf("reply %d: %q", n, buf.String())
		}
	}
	tb, _ := store.Table("redis")
	if int64(n) != itemInt(t, tb, "n") {
		t.Fatalf("%d replies for %d increments", n, itemInt(t, tb, "n"))
	}
	if _, err := idle.br.ReadByte(); err == nil {
		t.Fatal("idle connection left open")
	}
	if c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Fatal("listener still accepting")
	}
}

func itemInt(t *testing.T, tb *shard.Table, key string) int64 {
	t.Helper()
	if tb == nil {
		return 0
	}
	k, _ := appendKey(nil, []byte(key))
	e, ok := tb.Get(k)
	if !ok {
		return 0
	}
	v := viewOf(e.Encoded())
	n, _ := strconv.ParseInt(string(v.val), 10, 64)
	return n
}

// TestMSetNXDynamoKey: a key written through the DynamoDB API makes
// MSETNX write nothing (it decides under the locks of all its keys, so
// there is nothing to take back).
func TestMSetNXDynamoKey(t *testing.T) {
	cv := newConvo(t, Options{SweepInterval: -1})
	cv.Do("SET", "warmup", "1").OK()
	ddb(t, cv.ts.handler, "PutItem", `{"TableName":"redis","Item":{"pk":{"S":"b"},"val":{"S":"theirs"}}}`)
	cv.Do("MSETNX", "a", "1", "b", "2", "c", "3").Int(0)
	cv.Do("EXISTS", "a", "c").Int(0)
	cv.Do("GET", "b").Str("theirs")
	cv.Do("MSETNX", "a", "1", "c", "3").Int(1)
	cv.Do("MGET", "a", "b", "c").Arr("1", "theirs", "3")
}

// slowLog is a shard.Log whose writes become durable after a delay, like
// an fsync, and which records the order of the keys it was given.
type slowLog struct {
	delay time.Duration
	mu    sync.Mutex
	keys  []string
}

func (l *slowLog) LogItem(table string, key shard.Key, enc []byte, size int, _ shard.Undo) (func() error, error) {
	l.mu.Lock()
	l.keys = append(l.keys, string(key.Partition()))
	l.mu.Unlock()
	return func() error { time.Sleep(l.delay); return nil }, nil
}

func (l *slowLog) LogTable(string, shard.KeySchema, []shard.IndexSchema, []byte, bool) (func() error, error) {
	return nil, nil
}

// TestPipelineLogOrder: a pipeline's writes are logged and applied in
// pipeline order, read by the commands after them, and answered in order,
// though they wait for the log together.
func TestPipelineLogOrder(t *testing.T) {
	log := &slowLog{delay: 50 * time.Microsecond}
	ts := startServerOn(t, shard.New(log), Options{SweepInterval: -1})
	raw := dialRaw(t, "tcp", ts.addr)
	if got := raw.do("SET", "warm", "up"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	log.mu.Lock()
	log.keys = nil
	log.mu.Unlock()

	const n = 300
	var batch []byte
	var want []string
	for i := 0; i < n; i++ {
		k := "k" + strconv.Itoa(i%7)
		batch = append(batch, encodeCommand("INCR", "n")...)
		batch = append(batch, encodeCommand("APPEND", k, "x")...)
		want = append(want, "n", k)
		if i%50 == 49 { // a read in the middle sees every write before it
			batch = append(batch, encodeCommand("GET", "n")...)
		}
	}
	raw.send(batch)
	counts := map[string]int{}
	for i := 0; i < n; i++ {
		k := "k" + strconv.Itoa(i%7)
		counts[k]++
		if got := raw.reply(); got != ":"+strconv.Itoa(i+1)+"\r\n" {
			t.Fatalf("INCR %d: %q", i, got)
		}
		if got := raw.reply(); got != ":"+strconv.Itoa(counts[k])+"\r\n" {
			t.Fatalf("APPEND %d: %q", i, got)
		}
		if i%50 == 49 {
			if got, w := raw.reply(), "$"+strconv.Itoa(len(strconv.Itoa(i+1)))+"\r\n"+strconv.Itoa(i+1)+"\r\n"; got != w {
				t.Fatalf("GET after %d: %q want %q", i, got, w)
			}
		}
	}
	log.mu.Lock()
	got := append([]string(nil), log.keys...)
	log.mu.Unlock()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("log order differs from the pipeline's:\n got %v\nwant %v", got[:min(len(got), 20)], want[:20])
	}
}

// gateLog is a shard.Log whose waits block until release is closed and
// then fail for the keys in fail. entered is signalled by each wait.
type gateLog struct {
	release chan struct{}
	entered chan struct{}
	fail    map[string]bool
}

func (l *gateLog) LogItem(table string, key shard.Key, enc []byte, size int, _ shard.Undo) (func() error, error) {
	k := string(key.Partition())
	return func() error {
		select {
		case l.entered <- struct{}{}:
		default:
		}
		<-l.release
		if l.fail[k] {
			return errors.New("wal: write failed, refusing further writes: disk on fire")
		}
		return nil
	}, nil
}

func (l *gateLog) LogTable(string, shard.KeySchema, []shard.IndexSchema, []byte, bool) (func() error, error) {
	return nil, nil
}

// TestPipelineAckAfterLog: no reply of a batch leaves before every write in
// it is durable; a write the log fails is answered with the log's error in
// its place, and every other command keeps its own reply.
func TestPipelineAckAfterLog(t *testing.T) {
	for _, loops := range []int{0, -1} {
		t.Run(fmt.Sprintf("loops=%d", loops), func(t *testing.T) { testPipelineAckAfterLog(t, loops) })
	}
}

func testPipelineAckAfterLog(t *testing.T, loops int) {
	log := &gateLog{release: make(chan struct{}), entered: make(chan struct{}, 1), fail: map[string]bool{"bad": true}}
	var release sync.Once
	open := func() { release.Do(func() { close(log.release) }) }
	store := shard.New(nil)
	ts := startServerOn(t, store, Options{SweepInterval: -1, EventLoops: loops})
	t.Cleanup(open) // runs before the server's shutdown, even when the test fails
	raw := dialRaw(t, "tcp", ts.addr)
	if got := raw.do("SET", "warm", "up"); got != "+OK\r\n" { // creates the table
		t.Fatal(got)
	}
	store.SetLog(log)

	var batch []byte
	for _, c := range [][]string{{"SET", "a", "1"}, {"GET", "a"}, {"SET", "bad", "2"}, {"INCR", "n"}, {"PING"}} {
		batch = append(batch, encodeCommand(c...)...)
	}
	raw.send(batch)
	select {
	case <-log.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the server never waited for the log")
	}
	// The server is blocked in a wait: a reply written before it would be
	// in the socket already.
	raw.nc.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if b, err := raw.br.Peek(1); err == nil {
		t.Fatalf("a reply (%q) left before its writes were durable", b)
	}
	open()
	raw.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	for i, want := range []string{"+OK\r\n", "$1\r\n1\r\n",
		"-ERR wal: write failed, refusing further writes: disk on fire\r\n", ":1\r\n", "+PONG\r\n"} {
		if got := raw.reply(); got != want {
			t.Fatalf("reply %d: got %q want %q", i, got, want)
		}
	}
}
