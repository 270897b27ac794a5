package server_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/redis/go-redis/v9"

	"github.com/dynacache/dynacache/server"
)

// respAccel is an upstream standalone dynacache whose RESP table has a
// stream, and accelerator nodes in front of it.
type respAccel struct {
	up      *ddb.Client
	upRESP  *redis.Client // the upstream's own RESP port
	upAddr  string
	nodes   []*server.Server
	clients []*redis.Client
}

func newRESPAccel(t *testing.T, nodes int) *respAccel {
	t.Helper()
	ucfg := server.DefaultConfig()
	ucfg.InMemory = true
	_, upAddr, upRESP := serve(t, ucfg)
	ctx := context.Background()
	e := &respAccel{upAddr: upAddr, up: ddb.New(ddb.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + upAddr),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), RetryMaxAttempts: 1})}
	e.upRESP = redis.NewClient(&redis.Options{Addr: upRESP, Protocol: 2})
	t.Cleanup(func() { e.upRESP.Close() })
	if _, err := e.up.CreateTable(ctx, &ddb.CreateTableInput{TableName: aws.String("redis"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
		StreamSpecification:  &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages}}); err != nil {
		t.Fatal(err)
	}
	for range nodes {
		cfg := server.DefaultConfig()
		cfg.InMemory = true
		cfg.Upstream = "http://" + upAddr
		cfg.UpstreamRegion = "us-east-1"
		cfg.UpstreamTimeout = 5 * time.Second
		cfg.UpstreamCredentials = credentials.NewStaticCredentialsProvider("test", "test", "")
		cfg.ItemTTL = time.Hour // only the stream can bring others' writes
		srv, _, respAddr := serve(t, cfg)
		rdb := redis.NewClient(&redis.Options{Addr: respAddr, Protocol: 2, PoolSize: 8})
		t.Cleanup(func() { rdb.Close() })
		e.nodes = append(e.nodes, srv)
		e.clients = append(e.clients, rdb)
	}
	return e
}

// upItem reads the RESP table's item of key straight from the upstream.
func (e *respAccel) upItem(t *testing.T, key string) map[string]types.AttributeValue {
	t.Helper()
	out, err := e.up.GetItem(context.Background(), &ddb.GetItemInput{TableName: aws.String("redis"), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: key}}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

// reply runs a command and words its reply and error for comparison.
func reply(c *redis.Client, args ...any) string {
	v, err := c.Do(context.Background(), args...).Result()
	if err != nil {
		if err == redis.Nil {
			return "(nil)"
		}
		return "error: " + err.Error()
	}
	return fmt.Sprintf("%v", v)
}

// The Redis commands through an accelerator answer as a standalone
// dynacache does, and leave the same upstream items as the standalone's
// own RESP port writes: a conversation runs on keys "a:*" through the
// accelerator and on keys "s:*" through the upstream's RESP port, and
// the replies and the items must match.
func TestAcceleratorRESPSameAsStandalone(t *testing.T) {
	e := newRESPAccel(t, 1)
	acc := e.clients[0]
	far := time.Now().Add(time.Hour).UnixMilli()
	past := time.Now().Add(-time.Hour).UnixMilli()
	script := [][]any{
		{"SET", "k", "v"}, {"GET", "k"}, {"SET", "k", "w", "NX"}, {"SET", "k", "w", "XX", "GET"}, {"SET", "n", "x", "XX"},
		{"SET", "k2", "v2", "PXAT", far}, {"PTTL", "k2"}, {"PEXPIRETIME", "k2"}, {"SET", "k2", "v3", "KEEPTTL"}, {"PEXPIRETIME", "k2"},
		{"SETNX", "k", "z"}, {"SETNX", "fresh", "1"}, {"GETSET", "fresh", "2"}, {"GETDEL", "fresh"}, {"GET", "fresh"},
		{"APPEND", "ap", "abc"}, {"APPEND", "ap", "def"}, {"STRLEN", "ap"}, {"GETRANGE", "ap", 1, 3}, {"SETRANGE", "ap", 2, "ZZ"}, {"GET", "ap"},
		{"INCR", "c"}, {"INCRBY", "c", 41}, {"DECR", "c"}, {"DECRBY", "c", 2}, {"INCRBYFLOAT", "c", "0.5"}, {"INCR", "ap"},
		{"SET", "num", "10"}, {"INCR", "num"},
		{"MSET", "m1", "1", "m2", "2"}, {"MGET", "m1", "m2", "nope", "h"}, {"MSETNX", "m2", "x", "m3", "y"}, {"MSETNX", "m3", "x", "m4", "y"},
		{"EXISTS", "m1", "m2", "nope", "m1"}, {"TYPE", "m1"}, {"TYPE", "nope"},
		{"EXPIRE", "m1", 100}, {"TTL", "m1"}, {"EXPIRE", "m1", 50, "GT"}, {"PERSIST", "m1"}, {"TTL", "m1"}, {"PEXPIREAT", "m2", past}, {"GET", "m2"},
		{"GETEX", "m3", "PXAT", far}, {"PEXPIRETIME", "m3"}, {"GETEX", "m3", "PERSIST"}, {"PEXPIRETIME", "m3"},
		{"HSET", "h", "f1", "v1", "f2", "v2", "val", "not the value"}, {"HGET", "h", "f1"}, {"HGET", "h", "val"}, {"HMGET", "h", "f1", "nope", "f2"},
		{"HSETNX", "h", "f1", "x"}, {"HSETNX", "h", "f3", "3"}, {"HINCRBY", "h", "f3", 4}, {"HINCRBYFLOAT", "h", "f3", "0.25"},
		{"HLEN", "h"}, {"HEXISTS", "h", "f2"}, {"HSTRLEN", "h", "f2"}, {"HDEL", "h", "f2", "nope"}, {"HLEN", "h"}, {"TYPE", "h"},
		{"GET", "h"}, {"HGET", "k", "f"}, {"INCR", "h"},
		{"HSET", "h2", "only", "1"}, {"HDEL", "h2", "only"}, {"EXISTS", "h2"},
		{"RENAME", "k", "k3"}, {"GET", "k"}, {"GET", "k3"}, {"RENAMENX", "k3", "m1"}, {"RENAME", "nope", "x"}, {"RENAME", "m1", "m1"},
		{"DEL", "k3", "nope", "m1", "k3"}, {"UNLINK", "m3"}, {"EXISTS", "k3", "m1", "m3"},
		{"SET", "bin\xff", "\x00\x01\xfe"}, {"GET", "bin\xff"}, {"SET", "", "empty key"}, {"GET", ""},
	}
	prefixed := func(p string, args []any) []any {
		out := append([]any(nil), args...)
		name := strings.ToUpper(out[0].(string))
		keyAt := func(i int) {
			if i < len(out) {
				out[i] = p + fmt.Sprint(out[i])
			}
		}
		switch name {
		case "MSET", "MSETNX":
			for i := 1; i < len(out); i += 2 {
				keyAt(i)
			}
		case "MGET", "EXISTS", "DEL", "UNLINK":
			for i := 1; i < len(out); i++ {
				keyAt(i)
			}
		case "RENAME", "RENAMENX":
			keyAt(1)
			keyAt(2)
		default:
			keyAt(1)
		}
		return out
	}
	for _, args := range script {
		want := reply(e.upRESP, prefixed("s:", args)...)
		got := reply(acc, prefixed("a:", args)...)
		// TTLs may differ by the time between the two commands.
		if name := strings.ToUpper(args[0].(string)); name == "TTL" || name == "PTTL" {
			if (strings.HasPrefix(want, "-") || strings.HasPrefix(want, "error")) != (strings.HasPrefix(got, "-") || strings.HasPrefix(got, "error")) {
				t.Errorf("%v: through the accelerator %q, standalone %q", args, got, want)
			}
			continue
		}
		if got != want {
			t.Errorf("%v: through the accelerator %q, standalone %q", args, got, want)
		}
	}
	// The same items upstream, but for their keys.
	out, err := e.up.Scan(context.Background(), &ddb.ScanInput{TableName: aws.String("redis"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	items := map[string]map[string]types.AttributeValue{}
	for _, it := range out.Items {
		pk := it["pk"].(*types.AttributeValueMemberS).Value
		if b64, ok := strings.CutPrefix(pk, `\b`); ok { // a key that is not UTF-8 (README)
			raw, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				t.Fatalf("pk %q: %v", pk, err)
			}
			pk = string(raw)
		}
		delete(it, "pk")
		items[pk] = it
	}
	n := 0
	for pk, it := range items {
		rest, ok := strings.CutPrefix(pk, "s:")
		if !ok {
			continue
		}
		n++
		other, ok := items["a:"+rest]
		if !ok {
			t.Errorf("the standalone's key %q has no twin written through the accelerator", rest)
			continue
		}
		if !reflect.DeepEqual(it, other) {
			t.Errorf("key %q: upstream item through the accelerator %v, standalone %v", rest, other, it)
		}
	}
	if n == 0 || len(items) != 2*n {
		t.Errorf("%d standalone keys, %d items upstream: %v", n, len(items), items)
	}
}

// A SET through one accelerator is the upstream's item (GetItem) and is
// seen by a second accelerator; INCR from two accelerators at once adds
// up exactly; a write straight to the upstream reaches a node that holds
// the key for an hour, through the stream.
func TestAcceleratorRESPAcrossNodes(t *testing.T) {
	e := newRESPAccel(t, 2)
	ctx := context.Background()
	a, b := e.clients[0], e.clients[1]
	if err := a.Set(ctx, "shared", "from a", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if it := e.upItem(t, "shared"); it == nil || it["val"].(*types.AttributeValueMemberS).Value != "from a" {
		t.Fatalf("upstream item after SET through a node: %v", it)
	}
	if v, err := b.Get(ctx, "shared").Result(); err != nil || v != "from a" {
		t.Fatalf("GET through the other node: %q %v", v, err)
	}

	// Concurrent INCRs: 4 clients per node, 50 each.
	const perClient, clients = 50, 4
	var wg sync.WaitGroup
	errs := make(chan error, 2*clients)
	for _, c := range []*redis.Client{a, b} {
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range perClient {
					if err := c.Incr(ctx, "counter").Err(); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	want := fmt.Sprint(2 * clients * perClient)
	if v, err := e.upRESP.Get(ctx, "counter").Result(); err != nil || v != want {
		t.Fatalf("counter upstream = %q (%v), want %s", v, err, want)
	}
	if it := e.upItem(t, "counter"); it["val"].(*types.AttributeValueMemberN).Value != want {
		t.Fatalf("counter item upstream: %v", it)
	}
	// Each node reads its own last write or later: the total, once the
	// stream has brought the other node's last increments.
	for i, c := range []*redis.Client{a, b} {
		waitUntil(t, fmt.Sprintf("node %d serving the total", i), func() bool { v, _ := c.Get(ctx, "counter").Result(); return v == want })
	}

	// Concurrent APPENDs and SETNX: no lost update, one winner.
	var won sync.Map
	for i, c := range []*redis.Client{a, b} {
		for j := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.Append(ctx, "log", "x")
				if ok, err := c.SetNX(ctx, "lock", fmt.Sprint(i, j), 0).Result(); err == nil && ok {
					won.Store(fmt.Sprint(i, j), true)
				}
			}()
		}
	}
	wg.Wait()
	if v, _ := e.upRESP.Get(ctx, "log").Result(); v != strings.Repeat("x", 2*clients) {
		t.Fatalf("log after concurrent APPENDs: %q", v)
	}
	n := 0
	won.Range(func(any, any) bool { n++; return true })
	if n != 1 {
		t.Fatalf("%d SETNX winners", n)
	}

	// A hash written from both nodes at once: HSETs of distinct fields all
	// stay (a write changes only the fields it names), HINCRBY adds up.
	for i, c := range []*redis.Client{a, b} {
		for j := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := range 10 {
					if err := c.HSet(ctx, "hash", fmt.Sprintf("f%d-%d-%d", i, j, k), k).Err(); err != nil {
						t.Error(err)
					}
					if err := c.HIncrBy(ctx, "hash", "n", 1).Err(); err != nil {
						t.Error(err)
					}
				}
			}()
		}
	}
	wg.Wait()
	if m, err := e.upRESP.HGetAll(ctx, "hash").Result(); err != nil || len(m) != 2*clients*10+1 || m["n"] != fmt.Sprint(2*clients*10) {
		t.Fatalf("hash after concurrent HSET and HINCRBY from two nodes: %d fields, n=%q (%v)", len(m), m["n"], err)
	}

	// Concurrent MSETNX on the same keys: one wins, and wins all of them.
	var winners sync.Map
	for i, c := range []*redis.Client{a, b} {
		for j := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprint(i, j)
				if n, err := c.MSetNX(ctx, "x1", id, "x2", id).Result(); err != nil {
					t.Error(err)
				} else if n {
					winners.Store(id, true)
				}
			}()
		}
	}
	wg.Wait()
	var ids []string
	winners.Range(func(k, _ any) bool { ids = append(ids, k.(string)); return true })
	if len(ids) != 1 {
		t.Fatalf("MSETNX winners %v", ids)
	}
	if v, _ := e.upRESP.MGet(ctx, "x1", "x2").Result(); len(v) != 2 || v[0] != ids[0] || v[1] != ids[0] {
		t.Fatalf("after concurrent MSETNX: %v, winner %s", v, ids[0])
	}

	// A write straight to the upstream, seen by both nodes (each holds the
	// key: the GETs above) through the stream.
	if err := e.upRESP.Set(ctx, "shared", "direct", 0).Err(); err != nil {
		t.Fatal(err)
	}
	for i, c := range []*redis.Client{a, b} {
		waitUntil(t, fmt.Sprintf("node %d seeing the direct write", i), func() bool { v, _ := c.Get(ctx, "shared").Result(); return v == "direct" })
	}
	if _, err := e.up.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: aws.String("redis"),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "shared"}}}); err != nil {
		t.Fatal(err)
	}
	for i, c := range []*redis.Client{a, b} {
		waitUntil(t, fmt.Sprintf("node %d seeing the direct delete", i), func() bool { return c.Get(ctx, "shared").Err() == redis.Nil })
	}
}

// waitUntil polls cond until it holds, for at most 20 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Commands that walk the keyspace, transactions, and key commands not
// routed to the upstream are refused in accelerator mode; none of them
// reaches a local table.
func TestAcceleratorRESPRefused(t *testing.T) {
	e := newRESPAccel(t, 1)
	ctx := context.Background()
	c := e.clients[0]
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]any{{"KEYS", "*"}, {"SCAN", "0"}, {"DBSIZE"}, {"FLUSHDB"}, {"FLUSHALL"}, {"MULTI"}, {"EXEC"},
		{"WATCH", "k"}, {"UNWATCH"}, {"DISCARD"}} {
		name := strings.ToUpper(args[0].(string))
		err := c.Do(ctx, args...).Err()
		if err == nil || err.Error() != "ERR '"+name+"' is not available in accelerator mode: the keys live in an upstream table (use DYNAMODB Scan or Query to walk it)" {
			t.Errorf("%v: %v", args, err)
		}
	}
	// The item is still there, and no local table was made.
	if v, err := c.Get(ctx, "k").Result(); err != nil || v != "v" {
		t.Fatalf("GET after the refusals: %q %v", v, err)
	}
	if names := e.nodes[0].Store().TableNames(); len(names) != 0 {
		t.Fatalf("local tables %v", names)
	}
	// Commands without keys still work; DYNAMODB's short forms learn an
	// upstream table's key schema from it.
	if v, err := c.Ping(ctx).Result(); err != nil || v != "PONG" {
		t.Fatalf("PING %q %v", v, err)
	}
	if v, err := c.Do(ctx, "DYNAMODB", "QUERY", "redis", "k").StringSlice(); err != nil || len(v) != 1 || v[0] != `{"pk":"k","val":"v"}` {
		t.Fatalf("DYNAMODB QUERY redis k: %q %v", v, err)
	}
	if err := c.Do(ctx, "MSET", "a", "1", "b", "2").Err(); err != nil {
		t.Fatal(err)
	}
	args := []any{"MSET"}
	for i := range 101 {
		args = append(args, fmt.Sprint("k", i), "v")
	}
	if err := c.Do(ctx, args...).Err(); err == nil || err.Error() != "ERR 'mset' takes at most 100 keys in accelerator mode (one DynamoDB transaction)" {
		t.Fatalf("MSET of 101 keys: %v", err)
	}
}

// Keyspace events of the commands a node runs, as standalone: "new" only
// for a key that did not exist upstream (a plain SET learns it from the
// PutItem's old image, INCR from its read).
func TestAcceleratorRESPKeyspaceEvents(t *testing.T) {
	e := newRESPAccel(t, 1)
	ctx := context.Background()
	c := e.clients[0]
	if err := c.ConfigSet(ctx, "notify-keyspace-events", "KEAn").Err(); err != nil {
		t.Fatal(err)
	}
	sub := c.PSubscribe(ctx, "__keyevent@0__:*")
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil { // the subscription's reply
		t.Fatal(err)
	}
	if err := e.upRESP.Set(ctx, "old", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]any{{"SET", "fresh", "v"}, {"SET", "fresh", "w"}, {"SET", "old", "2"}, {"INCR", "n"}, {"INCR", "old"}, {"DEL", "fresh", "none"}} {
		if err := c.Do(ctx, args...).Err(); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"new fresh", "set fresh", "set fresh", "set old", "new n", "incrby n", "incrby old", "del fresh"}
	for i, w := range want {
		m, err := sub.ReceiveTimeout(ctx, 10*time.Second)
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		msg, ok := m.(*redis.Message)
		if got := strings.TrimPrefix(msg.Channel, "__keyevent@0__:") + " " + msg.Payload; !ok || got != w {
			t.Fatalf("event %d: %q, want %q", i, got, w)
		}
	}
}
