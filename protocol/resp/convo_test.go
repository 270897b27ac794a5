package resp

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dynacache/dynacache/shard"
)

// Conversation tests, tile38 style: each line is a command and what Redis
// answers to it.

type convo struct {
	t  testing.TB
	c  *redis.Client
	ts *testServer
}

func newConvo(t testing.TB, opts Options) *convo {
	t.Helper()
	return newConvoOn(t, shard.New(nil), opts)
}

// newConvoOn is newConvo on a given store (e.g. one with a log).
func newConvoOn(t testing.TB, store *shard.Store, opts Options) *convo {
	t.Helper()
	ts := startServerOn(t, store, opts)
	c := redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: 2, MaxRetries: -1, DisableIdentity: true,
		Password: opts.RequirePass})
	t.Cleanup(func() { c.Close() })
	return &convo{t: t, c: c, ts: ts}
}

type step struct {
	t    testing.TB
	line string
	v    any
	err  error
}

func (cv *convo) Do(args ...any) *step {
	cv.t.Helper()
	v, err := cv.c.Do(context.Background(), args...).Result()
	return &step{t: cv.t, line: fmt.Sprint(args...), v: v, err: err}
}

func (s *step) fail(want any) {
	s.t.Helper()
	s.t.Fatalf("%s: want %#v, got %#v (err %v)", s.line, want, s.v, s.err)
}

// OK expects +OK.
func (s *step) OK() { s.t.Helper(); s.Str("OK") }

// Str expects a string (status or bulk).
func (s *step) Str(want string) {
	s.t.Helper()
	if s.err != nil || s.v != want {
		s.fail(want)
	}
}

// Int expects an integer.
func (s *step) Int(want int64) {
	s.t.Helper()
	if s.err != nil || s.v != want {
		s.fail(want)
	}
}

// Nil expects a null reply.
func (s *step) Nil() {
	s.t.Helper()
	if !errors.Is(s.err, redis.Nil) {
		s.fail(nil)
	}
}

// Err expects an error reply with exactly this text.
func (s *step) Err(want string) {
	s.t.Helper()
	if s.err == nil || errors.Is(s.err, redis.Nil) || s.err.Error() != want {
		s.t.Fatalf("%s: want error %q, got %#v (err %v)", s.line, want, s.v, s.err)
	}
}

// ErrPrefix expects an error reply starting with want.
func (s *step) ErrPrefix(want string) {
	s.t.Helper()
	if s.err == nil || !strings.HasPrefix(s.err.Error(), want) {
		s.t.Fatalf("%s: want error %q..., got %#v (err %v)", s.line, want, s.v, s.err)
	}
}

// Arr expects an array of these values (nil for a null element).
func (s *step) Arr(want ...any) {
	s.t.Helper()
	if want == nil {
		want = []any{}
	}
	if s.err != nil || !reflect.DeepEqual(s.v, want) {
		s.fail(want)
	}
}

// Set expects an array holding these strings in any order.
func (s *step) Set(want ...string) {
	s.t.Helper()
	l, ok := s.v.([]any)
	if s.err != nil || !ok || len(l) != len(want) {
		s.fail(want)
	}
	got := make([]string, len(l))
	for i, e := range l {
		got[i], _ = e.(string)
	}
	sort.Strings(got)
	w := append([]string(nil), want...)
	sort.Strings(w)
	if !reflect.DeepEqual(got, w) {
		s.fail(want)
	}
}

// Between expects an integer in [lo, hi].
func (s *step) Between(lo, hi int64) {
	s.t.Helper()
	n, ok := s.v.(int64)
	if s.err != nil || !ok || n < lo || n > hi {
		s.fail(fmt.Sprintf("[%d, %d]", lo, hi))
	}
}

// Contains expects a string holding want.
func (s *step) Contains(want string) {
	s.t.Helper()
	str, ok := s.v.(string)
	if s.err != nil || !ok || !strings.Contains(str, want) {
		s.fail("…" + want + "…")
	}
}

func TestConnectionCommands(t *testing.T) {
	cv := newConvo(t, Options{SweepInterval: -1})
	cv.Do("PING").Str("PONG")
	cv.Do("PING", "hi").Str("hi")
	cv.Do("PING", "a", "b").Err("ERR wrong number of arguments for 'ping' command")
	cv.Do("ECHO", "x y").Str("x y")
	cv.Do("ECHO").Err("ERR wrong number of arguments for 'echo' command")
	cv.Do("SELECT", "0").OK()
	cv.Do("SELECT", "1").Err("ERR DB index is out of range")
	cv.Do("SELECT", "one").Err("ERR value is not an integer or out of range")
	cv.Do("AUTH", "pw").Err("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
	cv.Do("CLIENT", "GETNAME").Nil()
	cv.Do("CLIENT", "SETNAME", "app-1").OK()
	cv.Do("CLIENT", "GETNAME").Str("app-1")
	cv.Do("CLIENT", "SETNAME", "a b").Err("ERR Client names cannot contain spaces, newlines or special characters.")
	cv.Do("CLIENT", "SETNAME").Err("ERR wrong number of arguments for 'client|setname' command")
	cv.Do("CLIENT", "NOPE").Err("ERR unknown subcommand 'NOPE'. Try CLIENT HELP.")
	cv.Do("CLIENT", "ID").Between(1, 1000)
	cv.Do("CLIENT", "INFO").Contains("name=app-1")
	cv.Do("CLIENT", "LIST").Contains("name=app-1")
	cv.Do("HELLO", "3").Err("NOPROTO unsupported protocol version")
	cv.Do("HELLO", "1").Err("NOPROTO unsupported protocol version")
	cv.Do("HELLO", "x").Err("ERR Protocol version is not an integer or out of range")
	cv.Do("HELLO", "2", "BOGUS").Err("ERR Syntax error in HELLO option 'BOGUS'")
	hello := cv.Do("HELLO", "2", "SETNAME", "renamed")
	if l, ok := hello.v.([]any); !ok || len(l) != 14 || l[0] != "server" || l[5] != int64(2) {
		t.Fatalf("HELLO 2: %#v %v", hello.v, hello.err)
	}
	cv.Do("CLIENT", "GETNAME").Str("renamed")
	cv.Do("COMMAND", "COUNT").Int(int64(len(tableList)))
	cv.Do("COMMAND", "NOPE").Err("ERR unknown subcommand 'NOPE'. Try COMMAND HELP.")
	docs := cv.Do("COMMAND", "DOCS", "set", "dynamodb")
	if l, ok := docs.v.([]any); !ok || len(l) != 4 || l[0] != "set" || l[2] != "dynamodb" {
		t.Fatalf("COMMAND DOCS: %#v %v", docs.v, docs.err)
	}
	if !strings.Contains(fmt.Sprint(docs.v), "KEEPTTL") || !strings.Contains(fmt.Sprint(docs.v), "QUERY") {
		t.Fatalf("COMMAND DOCS lacks arguments: %v", docs.v)
	}
	info := cv.Do("COMMAND", "INFO", "get", "nope")
	if l, ok := info.v.([]any); !ok || len(l) != 2 || l[1] != nil {
		t.Fatalf("COMMAND INFO: %#v %v", info.v, info.err)
	}
	all := cv.Do("COMMAND")
	if l, ok := all.v.([]any); !ok || len(l) != len(tableList) {
		t.Fatalf("COMMAND: %v entries", len(all.v.([]any)))
	}
	cv.Do("CONFIG", "GET", "save").Arr("save", "")
	cv.Do("CONFIG", "GET", "appendonly").Arr("appendonly", "no")
	cv.Do("CONFIG", "GET", "nothing*").Arr()
	cv.Do("CONFIG", "GET").Err("ERR wrong number of arguments for 'config|get' command")
	cv.Do("CONFIG", "RESETSTAT").OK()
	cv.Do("DBSIZE").Int(0)
	cv.Do("SET", "k", "v").OK()
	cv.Do("DBSIZE").Int(1)
	cv.Do("DBSIZE", "x").Err("ERR wrong number of arguments for 'dbsize' command")
	for _, sec := range []string{"# Server", "redis_version:", "# Clients", "connected_clients:1", "# Memory",
		"used_memory:", "# Persistence", "aof_enabled:0", "# Stats", "total_commands_processed:", "# Keyspace",
		"db0:keys=1,expires=0,avg_ttl=0"} {
		cv.Do("INFO").Contains(sec)
	}
	cv.Do("INFO", "keyspace").Str("# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n")
	cv.Do("INFO", "nosuchsection").Str("")
	cv.Do("NOPE", "a", "b").Err("ERR unknown command 'NOPE', with args beginning with: 'a' 'b' ")
	cv.Do("NOPE").Err("ERR unknown command 'NOPE', with args beginning with: ")
	cv.Do("QUIT").OK()
}

func TestAuth(t *testing.T) {
	ts := startServer(t, Options{SweepInterval: -1, RequirePass: "s3cret"})
	c := redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: 2, MaxRetries: -1, DisableIdentity: true, PoolSize: 1})
	defer c.Close()
	cv := &convo{t: t, c: c, ts: ts}
	cv.Do("GET", "k").Err("NOAUTH Authentication required.")
	cv.Do("SET", "k", "v").Err("NOAUTH Authentication required.")
	cv.Do("DYNAMODB", "TABLES").Err("NOAUTH Authentication required.")
	cv.Do("GET").Err("ERR wrong number of arguments for 'get' command") // arity comes first, as Redis
	cv.Do("AUTH", "wrong").Err("WRONGPASS invalid username-password pair or user is disabled.")
	cv.Do("AUTH", "bob", "s3cret").Err("WRONGPASS invalid username-password pair or user is disabled.")
	cv.Do("AUTH", "s3cret").OK()
	cv.Do("SET", "k", "v").OK()
	cv.Do("AUTH", "default", "s3cret").OK()
	cv.Do("GET", "k").Str("v")

	// A client with the password (go-redis tries HELLO 3, gets NOPROTO,
	// falls back to AUTH).
	c2 := redis.NewClient(&redis.Options{Addr: ts.addr, Password: "s3cret", MaxRetries: -1})
	defer c2.Close()
	if v, err := c2.Get(context.Background(), "k").Result(); err != nil || v != "v" {
		t.Fatalf("authenticated client: %q %v", v, err)
	}
	c3 := redis.NewClient(&redis.Options{Addr: ts.addr, Password: "nope", MaxRetries: -1})
	defer c3.Close()
	if err := c3.Ping(context.Background()).Err(); err == nil || !strings.HasPrefix(err.Error(), "WRONGPASS") {
		t.Fatalf("wrong password: %v", err)
	}
}

func TestStrings(t *testing.T) {
	cv := newConvo(t, Options{SweepInterval: -1})
	cv.Do("GET", "k").Nil()
	cv.Do("GET").Err("ERR wrong number of arguments for 'get' command")
	cv.Do("SET", "k").Err("ERR wrong number of arguments for 'set' command")
	cv.Do("SET", "k", "v").OK()
	cv.Do("GET", "k").Str("v")
	cv.Do("SET", "k", "w", "NX").Nil()
	cv.Do("SET", "k", "w", "XX").OK()
	cv.Do("SET", "n", "w", "XX").Nil()
	cv.Do("SET", "k", "x", "NX", "XX").Err("ERR syntax error")
	cv.Do("SET", "k", "x", "EX", "0").Err("ERR invalid expire time in 'set' command")
	cv.Do("SET", "k", "x", "EX", "y").Err("ERR value is not an integer or out of range")
	cv.Do("SET", "k", "x", "GET").Str("w")
	cv.Do("SET", "k2", "x", "GET").Nil()
	cv.Do("SET", "k", "y", "EX", "100").OK()
	cv.Do("TTL", "k").Between(99, 100)
	cv.Do("SET", "k", "z", "KEEPTTL").OK()
	cv.Do("TTL", "k").Between(99, 100)
	cv.Do("SET", "k", "z").OK()
	cv.Do("TTL", "k").Int(-1)
	cv.Do("SET", "k", "a", "PX", "100000").OK()
	cv.Do("PTTL", "k").Between(99000, 100000)
	cv.Do("SET", "k", "a", "EXAT", fmt.Sprint(time.Now().Unix()+50)).OK()
	cv.Do("TTL", "k").Between(49, 50)
	cv.Do("SET", "k", "a", "PXAT", fmt.Sprint(time.Now().UnixMilli()+50000)).OK()
	cv.Do("TTL", "k").Between(49, 50)
	cv.Do("SETNX", "k", "b").Int(0)
	cv.Do("SETNX", "nx", "b").Int(1)
	cv.Do("SETEX", "ex", "100", "v").OK()
	cv.Do("TTL", "ex").Between(99, 100)
	cv.Do("SETEX", "ex", "0", "v").Err("ERR invalid expire time in 'setex' command")
	cv.Do("PSETEX", "ex", "100000", "v").OK()
	cv.Do("PSETEX", "ex", "-1", "v").Err("ERR invalid expire time in 'psetex' command")
	cv.Do("GETSET", "ex", "w").Str("v")
	cv.Do("TTL", "ex").Int(-1)
	cv.Do("GETDEL", "ex").Str("w")
	cv.Do("GETDEL", "ex").Nil()
	cv.Do("SET", "g", "v").OK()
	cv.Do("GETEX", "g").Str("v")
	cv.Do("GETEX", "g", "EX", "100").Str("v")
	cv.Do("TTL", "g").Between(99, 100)
	cv.Do("GETEX", "g", "PERSIST").Str("v")
	cv.Do("TTL", "g").Int(-1)
	cv.Do("GETEX", "g", "EX", "0").Err("ERR invalid expire time in 'getex' command")
	cv.Do("GETEX", "g", "NX").Err("ERR syntax error")
	cv.Do("GETEX", "g", "PXAT", "1").Str("v")
	cv.Do("EXISTS", "g").Int(0)
	cv.Do("MSET", "a", "1", "b", "2").OK()
	cv.Do("MSET", "a", "1", "b").Err("ERR wrong number of arguments for 'mset' command")
	cv.Do("MGET", "a", "b", "none").Arr("1", "2", nil)
	cv.Do("MSETNX", "a", "x", "c", "3").Int(0)
	cv.Do("EXISTS", "c").Int(0)
	cv.Do("MSETNX", "c", "3", "d", "4").Int(1)
	cv.Do("MSETNX", "c").Err("ERR wrong number of arguments for 'msetnx' command")
	cv.Do("APPEND", "ap", "hello").Int(5)
	cv.Do("APPEND", "ap", " world").Int(11)
	cv.Do("STRLEN", "ap").Int(11)
	cv.Do("STRLEN", "none").Int(0)
	cv.Do("GETRANGE", "ap", "0", "4").Str("hello")
	cv.Do("GETRANGE", "ap", "-5", "-1").Str("world")
	cv.Do("GETRANGE", "ap", "7", "2").Str("")
	cv.Do("GETRANGE", "ap", "x", "2").Err("ERR value is not an integer or out of range")
	cv.Do("SETRANGE", "ap", "6", "WORLD").Int(11)
	cv.Do("GET", "ap").Str("hello WORLD")
	cv.Do("SETRANGE", "pad", "3", "x").Int(4)
	cv.Do("GET", "pad").Str("\x00\x00\x00x")
	cv.Do("SETRANGE", "pad", "-1", "x").Err("ERR offset is out of range")
	cv.Do("SETRANGE", "pad", "536870912", "x").Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
	cv.Do("INCR", "i").Int(1)
	cv.Do("INCRBY", "i", "41").Int(42)
	cv.Do("DECR", "i").Int(41)
	cv.Do("DECRBY", "i", "40").Int(1)
	cv.Do("INCRBY", "i", "1.5").Err("ERR value is not an integer or out of range")
	cv.Do("SET", "i", "9223372036854775807").OK()
	cv.Do("INCR", "i").Err("ERR increment or decrement would overflow")
	cv.Do("DECRBY", "i", "-9223372036854775808").Err("ERR decrement would overflow")
	cv.Do("SET", "s", "abc").OK()
	cv.Do("INCR", "s").Err("ERR value is not an integer or out of range")
	cv.Do("INCRBYFLOAT", "f", "10.5").Str("10.5")
	cv.Do("INCRBYFLOAT", "f", "0.1").Str("10.6")
	cv.Do("INCRBYFLOAT", "f", "-0.6").Str("10")
	cv.Do("INCRBYFLOAT", "f", "2.0e2").Str("210")
	cv.Do("INCRBYFLOAT", "f", "x").Err("ERR value is not a valid float")
	cv.Do("INCRBYFLOAT", "s", "1").Err("ERR value is not a valid float")
	cv.Do("INCRBYFLOAT", "f", "inf").Err("ERR increment would produce NaN or Infinity")
	cv.Do("HSET", "h", "f", "v").Int(1)
	for _, cmd := range [][]any{{"GET", "h"}, {"SET", "h", "x", "GET"}, {"APPEND", "h", "x"}, {"INCR", "h"},
		{"STRLEN", "h"}, {"GETRANGE", "h", "0", "1"}, {"SETRANGE", "h", "0", "x"}, {"INCRBYFLOAT", "h", "1"},
		{"GETSET", "h", "v"}, {"GETDEL", "h"}, {"GETEX", "h", "PERSIST"}} {
		cv.Do(cmd...).Err("WRONGTYPE Operation against a key holding the wrong kind of value")
	}
	cv.Do("MGET", "h", "a").Arr(nil, "1")
	// A key is a DynamoDB item: 400 KB at most, whatever the command.
	big := strings.Repeat("x", 400*1024)
	cv.Do("SET", "big", big).Err("ERR ValidationException: Item size to update has exceeded the maximum allowed size")
	cv.Do("MSET", "b1", "1", "big", big).Err("ERR ValidationException: Item size to update has exceeded the maximum allowed size")
	cv.Do("EXISTS", "b1", "big").Int(0)
	cv.Do("SET", "big", big[:300*1024]).OK()
	cv.Do("APPEND", "big", big[:200*1024]).Err("ERR ValidationException: Item size to update has exceeded the maximum allowed size")
	cv.Do("STRLEN", "big").Int(300 * 1024)
	cv.Do("HSET", "bigh", "a", big[:300*1024]).Int(1)
	cv.Do("HSET", "bigh", "b", big[:200*1024]).Err("ERR ValidationException: Item size to update has exceeded the maximum allowed size")
	cv.Do("HLEN", "bigh").Int(1)
	cv.Do("SET", "h", "now a string").OK() // SET overwrites any type
	cv.Do("TYPE", "h").Str("string")
}

func TestKeys(t *testing.T) {
	cv := newConvo(t, Options{SweepInterval: -1})
	cv.Do("MSET", "a", "1", "b", "2", "c", "3").OK()
	cv.Do("HSET", "h", "f", "v").Int(1)
	cv.Do("DEL").Err("ERR wrong number of arguments for 'del' command")
	cv.Do("DEL", "a", "b", "none").Int(2)
	cv.Do("UNLINK", "c").Int(1)
	cv.Do("EXISTS", "a", "h", "h").Int(2)
	cv.Do("TYPE", "h").Str("hash")
	cv.Do("TYPE", "none").Str("none")
	cv.Do("MSET", "user:1", "a", "user:2", "b", "other", "c").OK()
	cv.Do("KEYS", "user:*").Set("user:1", "user:2")
	cv.Do("KEYS", "*").Set("user:1", "user:2", "other", "h")
	cv.Do("KEYS", "user:[2-9]").Set("user:2")
	cv.Do("KEYS", "?ther").Set("other")
	cv.Do("KEYS").Err("ERR wrong number of arguments for 'keys' command")
	cv.Do("RENAME", "none", "x").Err("ERR no such key")
	cv.Do("RENAME", "other", "moved").OK()
	cv.Do("GET", "moved").Str("c")
	cv.Do("EXISTS", "other").Int(0)
	cv.Do("RENAME", "h", "h2").OK()
	cv.Do("HGET", "h2", "f").Str("v")
	cv.Do("RENAMENX", "moved", "user:1").Int(0)
	cv.Do("RENAMENX", "moved", "fresh").Int(1)
	cv.Do("SET", "e", "v").OK()
	cv.Do("EXPIRE", "e", "100").Int(1)
	cv.Do("TTL", "e").Between(99, 100)
	cv.Do("EXPIRE", "e", "200", "NX").Int(0)
	cv.Do("EXPIRE", "e", "50", "GT").Int(0)
	cv.Do("EXPIRE", "e", "300", "GT").Int(1)
	cv.Do("EXPIRE", "e", "400", "LT").Int(0)
	cv.Do("EXPIRE", "e", "10", "LT").Int(1)
	cv.Do("TTL", "e").Between(9, 10)
	cv.Do("EXPIRE", "e", "10", "NX", "XX").Err("ERR NX and XX, GT or LT options at the same time are not compatible")
	cv.Do("EXPIRE", "e", "10", "GT", "LT").Err("ERR GT and LT options at the same time are not compatible")
	cv.Do("EXPIRE", "e", "10", "FOO").Err("ERR Unsupported option FOO")
	cv.Do("EXPIRE", "e", "x").Err("ERR value is not an integer or out of range")
	cv.Do("EXPIRE", "e", "9223372036854775807").Err("ERR invalid expire time in 'expire' command")
	cv.Do("PEXPIRE", "e", "100000").Int(1)
	cv.Do("PTTL", "e").Between(99000, 100000)
	cv.Do("PERSIST", "e").Int(1)
	cv.Do("PERSIST", "e").Int(0)
	cv.Do("TTL", "e").Int(-1)
	cv.Do("TTL", "none").Int(-2)
	cv.Do("PTTL", "none").Int(-2)
	at := time.Now().Unix() + 1000
	cv.Do("EXPIREAT", "e", fmt.Sprint(at)).Int(1)
	cv.Do("EXPIRETIME", "e").Int(at)
	cv.Do("PEXPIRETIME", "e").Int(at * 1000)
	cv.Do("PEXPIREAT", "e", fmt.Sprint(at*1000+5)).Int(1)
	cv.Do("EXPIRE", "e", "-1").Int(1) // in the past: deleted
	cv.Do("EXISTS", "e").Int(0)
	cv.Do("EXPIRE", "none", "10").Int(0)
	cv.Do("EXPIRETIME", "none").Int(-2)
	cv.Do("SCAN", "x").Err("ERR invalid cursor")
	cv.Do("SCAN", "0", "COUNT", "0").Err("ERR syntax error")
	cv.Do("SCAN", "0", "BOGUS").Err("ERR syntax error")
	cv.Do("FLUSHDB", "FOO").Err("ERR syntax error")
	cv.Do("FLUSHDB").OK()
	cv.Do("DBSIZE").Int(0)
	cv.Do("KEYS", "*").Arr()
}

// TestScan iterates with small COUNTs, across connections (the go-redis
// pool), while keys are added and deleted: every key present throughout is
// returned, none twice, and the iteration ends.
func TestScan(t *testing.T) {
	cv := newConvo(t, Options{SweepInterval: -1})
	ctx := context.Background()
	const n = 500
	for i := 0; i < n; i++ {
		cv.c.Set(ctx, fmt.Sprintf("key:%d", i), i, 0)
		cv.c.HSet(ctx, fmt.Sprintf("hash:%d", i), "f", i)
	}
	seen := map[string]int{}
	var cursor uint64
	for round := 0; ; round++ {
		if round > 10*n {
			t.Fatal("SCAN does not end")
		}
		keys, next, err := cv.c.Scan(ctx, cursor, "key:*", 7).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			seen[k]++
		}
		// churn: keys that come and go may or may not be returned
		cv.c.Set(ctx, fmt.Sprintf("key:new:%d", round), 1, 0)
		cv.c.Del(ctx, fmt.Sprintf("key:new:%d", round-3))
		if next == 0 {
			break
		}
		cursor = next
	}
	for i := 0; i < n; i++ {
		if k := fmt.Sprintf("key:%d", i); seen[k] != 1 {
			t.Fatalf("%s returned %d times", k, seen[k])
		}
	}
	for k, c := range seen {
		if c != 1 {
			t.Fatalf("%s returned %d times", k, c)
		}
		if strings.HasPrefix(k, "hash:") {
			t.Fatalf("MATCH let %s through", k)
		}
	}
	// TYPE filter, one connection, default COUNT.
	var hashes int
	iter := cv.c.ScanType(ctx, 0, "", 0, "hash").Iterator()
	for iter.Next(ctx) {
		hashes++
	}
	if iter.Err() != nil || hashes != n {
		t.Fatalf("SCAN TYPE hash: %d keys, %v", hashes, iter.Err())
	}
}

func TestHashes(t *testing.T) {
	cv := newConvo(t, Options{SweepInterval: -1})
	cv.Do("HSET", "h").Err("ERR wrong number of arguments for 'hset' command")
	cv.Do("HSET", "h", "f", "v", "g").Err("ERR wrong number of arguments for 'hset' command")
	cv.Do("HMSET", "h", "f").Err("ERR wrong number of arguments for 'hmset' command")
	cv.Do("HSET", "h", "f", "v", "g", "w").Int(2)
	cv.Do("HSET", "h", "f", "v2", "x", "y").Int(1)
	cv.Do("HGET", "h", "f").Str("v2")
	cv.Do("HGET", "h", "none").Nil()
	cv.Do("HGET", "none", "f").Nil()
	cv.Do("HMGET", "h", "f", "none", "g").Arr("v2", nil, "w")
	cv.Do("HGETALL", "h").Set("f", "v2", "g", "w", "x", "y")
	cv.Do("HKEYS", "h").Set("f", "g", "x")
	cv.Do("HVALS", "h").Set("v2", "w", "y")
	cv.Do("HLEN", "h").Int(3)
	cv.Do("HEXISTS", "h", "g").Int(1)
	cv.Do("HEXISTS", "h", "none").Int(0)
	cv.Do("HSTRLEN", "h", "f").Int(2)
	cv.Do("HSETNX", "h", "f", "z").Int(0)
	cv.Do("HSETNX", "h", "n", "z").Int(1)
	cv.Do("HDEL", "h", "n", "none").Int(1)
	cv.Do("HMSET", "h", "c", "10").OK()
	cv.Do("HINCRBY", "h", "c", "5").Int(15)
	cv.Do("HINCRBY", "h", "new", "-3").Int(-3)
	cv.Do("HINCRBY", "h", "f", "1").Err("ERR hash value is not an integer")
	cv.Do("HINCRBY", "h", "c", "x").Err("ERR value is not an integer or out of range")
	cv.Do("HINCRBYFLOAT", "h", "c", "0.5").Str("15.5")
	cv.Do("HINCRBYFLOAT", "h", "f", "1").Err("ERR hash value is not a float")
	cv.Do("HINCRBYFLOAT", "h", "c", "inf").Err("ERR value is NaN or Infinity")
	cv.Do("HDEL", "h", "f", "g", "x", "c", "new").Int(5)
	cv.Do("EXISTS", "h").Int(0) // the last field gone: no key
	cv.Do("HGETALL", "h").Arr()
	cv.Do("SET", "s", "v").OK()
	for _, cmd := range [][]any{{"HSET", "s", "f", "v"}, {"HGET", "s", "f"}, {"HMGET", "s", "f"}, {"HGETALL", "s"},
		{"HKEYS", "s"}, {"HVALS", "s"}, {"HDEL", "s", "f"}, {"HEXISTS", "s", "f"}, {"HLEN", "s"}, {"HSTRLEN", "s", "f"},
		{"HINCRBY", "s", "f", "1"}, {"HINCRBYFLOAT", "s", "f", "1"}, {"HSETNX", "s", "f", "v"}} {
		cv.Do(cmd...).Err("WRONGTYPE Operation against a key holding the wrong kind of value")
	}
}

// TestNames stores keys and fields that collide with the layout's system
// attributes, are empty, start with the escape character, or are not
// UTF-8: every Redis name must work.
func TestNames(t *testing.T) {
	cv := newConvo(t, Options{SweepInterval: -1})
	odd := []string{"pk", "val", "exp", "", `\`, `\s`, `\sval`, `\b`, "\xff\xfe", "naïve", "a b\r\n", "b64:x"}
	for i, name := range odd {
		cv.Do("SET", name, fmt.Sprint("v", i)).OK()
		cv.Do("HSET", "hash", name, fmt.Sprint("f", i)).Int(1)
	}
	for i, name := range odd {
		cv.Do("GET", name).Str(fmt.Sprint("v", i))
		cv.Do("HGET", "hash", name).Str(fmt.Sprint("f", i))
	}
	cv.Do("HLEN", "hash").Int(int64(len(odd)))
	cv.Do("HKEYS", "hash").Set(odd...)
	cv.Do("KEYS", "*").Set(append(odd, "hash")...)
	cv.Do("SET", "bin", "\x00\xff").OK()
	cv.Do("GET", "bin").Str("\x00\xff")
	cv.Do("APPEND", "bin", "ok").Int(4)
	cv.Do("HDEL", "hash", "pk", "val", "exp").Int(3)
	cv.Do("HLEN", "hash").Int(int64(len(odd) - 3))
	cv.Do("TYPE", "hash").Str("hash")
}
