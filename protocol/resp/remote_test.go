package resp

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard"
)

// racingBackend stands for an accelerator in front of an upstream (a
// standalone handler): it forwards every request, and runs another
// writer's write (interfere) just before the next conditional write it is
// given, so that the write finds the item changed since it was read.
type racingBackend struct {
	up *dynamodb.Handler
	mu struct {
		sync.Mutex
		interfere func()
		calls     map[string]int
	}
}

func (b *racingBackend) Serve(target string, body []byte) ([]byte, *dynamodb.Error) {
	op := strings.TrimPrefix(target, "DynamoDB_20120810.")
	b.mu.Lock()
	b.mu.calls[op]++
	var f func()
	if b.mu.interfere != nil && (bytes.Contains(body, []byte(`"ConditionExpression"`)) || op == "TransactWriteItems") {
		f, b.mu.interfere = b.mu.interfere, nil
	}
	b.mu.Unlock()
	if f != nil {
		f()
	}
	return b.up.Do(op, body)
}

// remoteConvo is a RESP server in accelerator mode on b, and a
// connection to it.
func remoteConvo(t *testing.T) (*convo, *racingBackend) {
	t.Helper()
	b := &racingBackend{up: dynamodb.NewHandler(shard.New(nil), dynamodb.Options{})}
	b.mu.calls = map[string]int{}
	if _, e := b.up.Do("CreateTable", []byte(`{"TableName":"redis","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],`+
		`"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`)); e != nil {
		t.Fatal(e.Message)
	}
	h := dynamodb.NewHandler(shard.New(nil), dynamodb.Options{Backend: b})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := New(h.Local(), Options{SweepInterval: -1})
	s.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	if s.remote == nil {
		t.Fatal("a handler with a backend did not put the server in accelerator mode")
	}
	c := redis.NewClient(&redis.Options{Addr: ln.Addr().String(), Protocol: 2, MaxRetries: -1, DisableIdentity: true})
	t.Cleanup(func() { c.Close() })
	return &convo{t: t, c: c, ts: &testServer{Server: s, addr: ln.Addr().String(), handler: h}}, b
}

// upPut writes an item straight to the upstream (another writer).
func (b *racingBackend) upPut(t *testing.T, item string) {
	t.Helper()
	if _, e := b.up.Do("PutItem", []byte(`{"TableName":"redis","Item":`+item+`}`)); e != nil {
		t.Fatal(e.Message)
	}
}

func (b *racingBackend) upDel(t *testing.T, key string) {
	t.Helper()
	if _, e := b.up.Do("DeleteItem", []byte(`{"TableName":"redis","Key":{"pk":{"S":"`+key+`"}}}`)); e != nil {
		t.Fatal(e.Message)
	}
}

// A read-modify-write command whose conditional write finds the item
// changed since it read it reads and decides again: the other writer's
// write is never lost, and the reply is that of the command applied
// after it.
func TestRemoteWriteLosesTheRace(t *testing.T) {
	cv, b := remoteConvo(t)
	race := func(f func()) {
		b.mu.Lock()
		b.mu.interfere = f
		b.mu.Unlock()
	}

	cv.Do("SET", "n", "5").OK()
	race(func() { b.upPut(t, `{"pk":{"S":"n"},"val":{"N":"100"}}`) })
	cv.Do("INCR", "n").Int(101)

	cv.Do("SET", "s", "a").OK()
	race(func() { b.upPut(t, `{"pk":{"S":"s"},"val":{"S":"b"}}`) })
	cv.Do("APPEND", "s", "x").Int(2)
	cv.Do("GET", "s").Str("bx")

	race(func() { b.upPut(t, `{"pk":{"S":"k"},"val":{"S":"other"}}`) })
	cv.Do("SETNX", "k", "mine").Int(0)
	cv.Do("GET", "k").Str("other")

	race(func() { b.upDel(t, "k") })
	cv.Do("SET", "k", "mine", "XX", "GET").Nil()
	cv.Do("EXISTS", "k").Int(0)

	cv.Do("HSET", "h", "g", "1").Int(1)
	race(func() { b.upPut(t, `{"pk":{"S":"h"},"g":{"S":"1"},"e":{"S":"2"}}`) })
	cv.Do("HSET", "h", "f", "3").Int(1)
	cv.Do("HLEN", "h").Int(3)
	cv.Do("HMGET", "h", "e", "f", "g").Arr("2", "3", "1")
	race(func() { b.upPut(t, `{"pk":{"S":"h"},"g":{"S":"1"},"e":{"S":"2"},"f":{"N":"10"}}`) })
	cv.Do("HINCRBY", "h", "f", 5).Int(15)

	cv.Do("MSET", "a", "1", "b", "2").OK()
	race(func() { b.upDel(t, "a") })
	cv.Do("DEL", "a", "b").Int(1)

	race(func() { b.upPut(t, `{"pk":{"S":"y"},"val":{"S":"taken"}}`) })
	cv.Do("MSETNX", "x", "1", "y", "2").Int(0)
	cv.Do("MGET", "x", "y").Arr(nil, "taken")

	cv.Do("SET", "src", "old").OK()
	race(func() { b.upPut(t, `{"pk":{"S":"src"},"val":{"S":"new"}}`) })
	cv.Do("RENAME", "src", "dst").OK()
	cv.Do("GET", "dst").Str("new")
	cv.Do("EXISTS", "src").Int(0)

	b.mu.Lock()
	defer b.mu.Unlock()
	if b.mu.interfere != nil {
		t.Fatal("the last race never ran")
	}
	if b.mu.calls["UpdateItem"] == 0 || b.mu.calls["TransactWriteItems"] == 0 {
		t.Fatalf("calls %v", b.mu.calls)
	}
}
