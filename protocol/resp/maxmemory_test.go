package resp

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dynacache/dynacache/shard"
	"github.com/redis/go-redis/v9"
)

const oomReply = "-OOM command not allowed when used memory > 'maxmemory'.\r\n"

// noBudgetAfter sets the process's budget back to none when t ends (the
// runtime's memory limit is the process's).
func noBudgetAfter(t *testing.T, ts *testServer) {
	t.Cleanup(func() { ts.SetMaxMemory(0) })
}

func infoInt(t *testing.T, c *rawConn, section, name string) int64 {
	t.Helper()
	r := c.do("INFO", section)
	n, err := strconv.ParseInt(infoField(t, r, name), 10, 64)
	if err != nil {
		t.Fatalf("INFO %s: %v", name, err)
	}
	return n
}

// usedNow is used memory after a collection.
func usedNow(ts *testServer) int64 {
	runtime.GC()
	b := ts.store.Budget()
	b.Measure()
	return b.Used()
}

func TestMaxMemoryNoEviction(t *testing.T) {
	ts := startServer(t, Options{SweepInterval: -1})
	noBudgetAfter(t, ts)
	c := dialRaw(t, "tcp", ts.addr)
	if r := c.do("SET", "keep", "v"); r != "+OK\r\n" {
		t.Fatal(r)
	}
	// Fill 32 MiB, with a budget of half of it over what was used before.
	base := usedNow(ts)
	const n, size = 1024, 32 << 10
	val := strings.Repeat("x", size)
	for i := range n {
		if r := c.do("SET", "k"+strconv.Itoa(i), val); r != "+OK\r\n" {
			t.Fatal(r)
		}
	}
	max := base + n*size/2
	if r := c.do("CONFIG", "SET", "maxmemory", strconv.FormatInt(max, 10)); r != "+OK\r\n" {
		t.Fatal(r)
	}
	waitFor(t, "the budget to be passed", func() bool { return ts.store.Budget().Over() })
	for _, cmd := range [][]string{{"SET", "new", "v"}, {"INCR", "n"}, {"HSET", "h", "f", "v"}, {"APPEND", "keep", "x"}, {"MSET", "a", "1", "b", "2"}} {
		if r := c.do(cmd...); r != oomReply {
			t.Errorf("%v over maxmemory: %q", cmd, r)
		}
	}
	// A transaction that queued a refused write is discarded.
	c.do("MULTI")
	if r := c.do("SET", "new", "v"); r != oomReply {
		t.Errorf("SET in MULTI: %q", r)
	}
	if r := c.do("EXEC"); !strings.HasPrefix(r, "-EXECABORT") {
		t.Errorf("EXEC: %q", r)
	}
	// Reads and the commands that free memory still run.
	if r := c.do("GET", "keep"); r != "$1\r\nv\r\n" {
		t.Errorf("GET: %q", r)
	}
	if r := c.do("DEL", "k0"); r != ":1\r\n" {
		t.Errorf("DEL: %q", r)
	}
	if r := c.do("EXISTS", "new"); r != ":0\r\n" {
		t.Errorf("a refused SET wrote: %q", r)
	}
	if infoInt(t, c, "stats", "evicted_keys") != 0 {
		t.Error("noeviction evicted keys")
	}
	if r := c.do("FLUSHDB"); r != "+OK\r\n" {
		t.Fatal(r)
	}
	// The account counts the keys gone at once: writes are accepted again
	// (at the latest after the collection a refusal asks for, when one
	// ran between the flush and the budget's readings).
	waitFor(t, "writes accepted after FLUSHDB", func() bool {
		return c.do("SET", "new", "v") == "+OK\r\n"
	})
	if got := infoInt(t, c, "memory", "maxmemory"); got != max {
		t.Errorf("INFO maxmemory %d, want %d", got, max)
	}
}

// liveHeap is the live heap after a collection: what the budget bounds,
// measured by the runtime rather than by the budget's own account.
func liveHeap() int64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// boundedSlack is how far past maxmemory TestMaxMemoryEvictsBounded lets
// the live heap go: a command is admitted within the budget and then
// writes its own value (one), plus what shard.ItemCost misses of the items
// written since the last collection (about 1 KiB per 16 KiB value, see
// the correction in shard.Budget), plus the test's own noise.
func boundedSlack(budget, size int64) int64 { return budget/16 + 2*size }

// TestMaxMemoryEvictsBounded writes four times the budget under each
// evicting policy: every write succeeds, keys are evicted, the keys left
// hold no more than the budget, and the live heap, measured by the
// collector every 256 writes and at the end, stays within maxmemory and
// boundedSlack.
func TestMaxMemoryEvictsBounded(t *testing.T) {
	for _, policy := range []string{"allkeys-random", "volatile-random", "volatile-ttl", "allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-lfu"} {
		t.Run(policy, func(t *testing.T) {
			ts := startServer(t, Options{SweepInterval: -1, MaxMemoryPolicy: policy})
			noBudgetAfter(t, ts)
			cl := redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: 2, DisableIdentity: true})
			defer cl.Close()
			ctx := context.Background()
			volatile := strings.HasPrefix(policy, "volatile-")
			if volatile { // keys without a TTL are never evicted
				for i := range 10 {
					if err := cl.Set(ctx, "persistent"+strconv.Itoa(i), "v", 0).Err(); err != nil {
						t.Fatal(err)
					}
				}
			}
			const budget = 16 << 20
			const n, size = 4096, 16 << 10 // 64 MiB written
			cl.Ping(ctx)                   // the client's buffers are in the base
			max := usedNow(ts) + budget
			if err := cl.ConfigSet(ctx, "maxmemory", strconv.FormatInt(max, 10)).Err(); err != nil {
				t.Fatal(err)
			}
			val := strings.Repeat("y", size)
			var ttl time.Duration
			var peak int64
			check := func(i int) {
				live := liveHeap()
				if live > peak {
					peak = live
				}
				if live > max+boundedSlack(budget, size) {
					t.Errorf("after %d writes: live heap %d, over maxmemory %d by %d (slack %d)", i, live, max, live-max, boundedSlack(budget, size))
				}
			}
			for i := range n {
				if volatile {
					ttl = time.Hour + time.Duration(i)*time.Second
				}
				if err := cl.Set(ctx, "k"+strconv.Itoa(i), val, ttl).Err(); err != nil {
					t.Fatalf("SET %d: %v", i, err)
				}
				if i%256 == 255 {
					check(i + 1)
				}
			}
			info, err := cl.Info(ctx, "stats").Result()
			if err != nil {
				t.Fatal(err)
			}
			evicted, _ := strconv.Atoi(infoField(t, info, "evicted_keys"))
			if evicted == 0 {
				t.Fatal("no key evicted")
			}
			var left int64
			for i := range n {
				left += cl.Exists(ctx, "k"+strconv.Itoa(i)).Val()
			}
			if left+int64(evicted) != n {
				t.Errorf("%d keys left and %d evicted of %d", left, evicted, n)
			}
			// The keys left fit in the budget (a write is checked before it
			// adds its bytes: one more may pass).
			if left*size > budget+size {
				t.Errorf("%d keys of %d bytes left, over the budget of %d", left, size, budget)
			}
			if volatile {
				for i := range 10 {
					if cl.Exists(ctx, "persistent"+strconv.Itoa(i)).Val() != 1 {
						t.Errorf("key without a TTL evicted under %s", policy)
					}
				}
			}
			t.Logf("%s: %d keys left, %d evicted; live heap peak %+d bytes from maxmemory (slack %d)", policy, left, evicted, peak-max, boundedSlack(budget, size))
		})
	}
}

// TestMaxMemoryEvictsBoundedConcurrent: four clients write four times the
// budget at once under allkeys-random; every write succeeds, and the live
// heap at the end is within maxmemory plus boundedSlack and a value per
// client (the writes admitted at once).
func TestMaxMemoryEvictsBoundedConcurrent(t *testing.T) {
	ts := startServer(t, Options{SweepInterval: -1, MaxMemoryPolicy: "allkeys-random"})
	noBudgetAfter(t, ts)
	const clients, budget = 4, 16 << 20
	const n, size = 1024, 16 << 10 // per client: 64 MiB in all
	cls := make([]*redis.Client, clients)
	ctx := context.Background()
	for i := range cls {
		cls[i] = redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: 2, DisableIdentity: true, PoolSize: 1})
		defer cls[i].Close()
		cls[i].Ping(ctx)
	}
	max := usedNow(ts) + budget
	if err := cls[0].ConfigSet(ctx, "maxmemory", strconv.FormatInt(max, 10)).Err(); err != nil {
		t.Fatal(err)
	}
	val := strings.Repeat("z", size)
	errs := make(chan error, clients)
	for c := range clients {
		go func() {
			for i := range n {
				if err := cls[c].Set(ctx, fmt.Sprintf("c%d:%d", c, i), val, 0).Err(); err != nil {
					errs <- fmt.Errorf("client %d SET %d: %v", c, i, err)
					return
				}
			}
			errs <- nil
		}()
	}
	for range clients {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	slack := boundedSlack(budget, size) + clients*size
	if live := liveHeap(); live > max+slack {
		t.Errorf("live heap %d, over maxmemory %d by %d (slack %d)", live, max, live-max, slack)
	} else {
		t.Logf("live heap %+d bytes from maxmemory (slack %d)", live-max, slack)
	}
	if keys := cls[0].DBSize(ctx).Val(); keys*size > budget+clients*size {
		t.Errorf("%d keys of %d bytes left, over the budget of %d", keys, size, budget)
	}
}

// TestMaxMemoryVolatileTTLOrder: volatile-ttl evicts the key with the
// nearest expiry first (exactly, while the keys with an expiry fit in one
// sample), never a key without one, and refuses the write once none is
// left.
func TestMaxMemoryVolatileTTLOrder(t *testing.T) {
	ts := startServer(t, Options{SweepInterval: -1, MaxMemoryPolicy: "volatile-ttl"})
	noBudgetAfter(t, ts)
	ctx := context.Background()
	cl := redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: 2, DisableIdentity: true})
	defer cl.Close()
	if err := cl.ConfigSet(ctx, "notify-keyspace-events", "Ee").Err(); err != nil {
		t.Fatal(err)
	}
	sub := cl.Subscribe(ctx, "__keyevent@0__:evicted")
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	const n = evictSample - 4
	order := rand.Perm(n)
	for _, i := range order {
		if err := cl.Set(ctx, fmt.Sprintf("v%02d", i), "x", time.Hour+time.Duration(i)*time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 20 {
		cl.Set(ctx, "p"+strconv.Itoa(i), "x", 0)
	}
	// A budget of one byte: every key with an expiry goes, then the write
	// is refused.
	if err := cl.ConfigSet(ctx, "maxmemory", "1").Err(); err != nil {
		t.Fatal(err)
	}
	if err := cl.Set(ctx, "new", "x", 0).Err(); err == nil || err.Error() != oomReply[1:len(oomReply)-2] {
		t.Fatalf("SET with nothing left to evict: %v", err)
	}
	for i := range n {
		m, err := sub.ReceiveMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("v%02d", i); m.Payload != want {
			t.Fatalf("eviction %d: %s, want %s", i, m.Payload, want)
		}
	}
	if got := cl.DBSize(ctx).Val(); got != 20 {
		t.Errorf("DBSIZE %d, want the 20 keys without a TTL", got)
	}
	info := cl.Info(ctx, "stats").Val()
	if infoField(t, info, "evicted_keys") != strconv.Itoa(n) {
		t.Errorf("evicted_keys %s, want %d", infoField(t, info, "evicted_keys"), n)
	}
	// CONFIG RESETSTAT resets it.
	cl.ConfigResetStat(ctx)
	if v := infoField(t, cl.Info(ctx, "stats").Val(), "evicted_keys"); v != "0" {
		t.Errorf("evicted_keys after RESETSTAT: %s", v)
	}
}

func TestMaxMemoryConfig(t *testing.T) {
	ts := startServer(t, Options{SweepInterval: -1})
	noBudgetAfter(t, ts)
	c := dialRaw(t, "tcp", ts.addr)
	for _, tc := range []struct{ cmd, want string }{
		{"CONFIG GET maxmemory", "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"},
		{"CONFIG GET maxmemory-policy", "*2\r\n$16\r\nmaxmemory-policy\r\n$10\r\nnoeviction\r\n"},
		{"CONFIG SET maxmemory 100mb maxmemory-policy ALLKEYS-RANDOM", "+OK\r\n"},
		{"CONFIG GET maxmemory", "*2\r\n$9\r\nmaxmemory\r\n$9\r\n104857600\r\n"},
		{"CONFIG GET maxmemory-policy", "*2\r\n$16\r\nmaxmemory-policy\r\n$14\r\nallkeys-random\r\n"},
		{"CONFIG SET maxmemory 2k", "+OK\r\n"},
		{"CONFIG GET maxmemory", "*2\r\n$9\r\nmaxmemory\r\n$4\r\n2000\r\n"},
		{"CONFIG SET maxmemory 1GB", "+OK\r\n"},
		{"CONFIG GET maxmemory", "*2\r\n$9\r\nmaxmemory\r\n$10\r\n1073741824\r\n"},
		{"CONFIG SET maxmemory lots", "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value\r\n"},
		{"CONFIG SET maxmemory-policy sometimes", "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction\r\n"},
		{"CONFIG SET maxmemory-policy allkeys-lru", "+OK\r\n"},
		{"CONFIG GET maxmemory-policy", "*2\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n"},
		{"CONFIG SET maxmemory-policy volatile-lfu", "+OK\r\n"},
		// All or none: the bad policy leaves maxmemory as it was.
		{"CONFIG SET maxmemory 5mb maxmemory-policy bogus", "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction\r\n"},
		{"CONFIG GET maxmemory", "*2\r\n$9\r\nmaxmemory\r\n$10\r\n1073741824\r\n"},
		{"CONFIG SET maxmemory 0 maxmemory-policy volatile-ttl", "+OK\r\n"},
		{"CONFIG GET maxmemory*", "*4\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n$16\r\nmaxmemory-policy\r\n$12\r\nvolatile-ttl\r\n"},
	} {
		if got := c.do(strings.Fields(tc.cmd)...); got != tc.want {
			t.Errorf("%s:\n got  %q\n want %q", tc.cmd, got, tc.want)
		}
	}
	info := c.do("INFO", "memory")
	if infoField(t, info, "maxmemory_policy") != "volatile-ttl" || infoField(t, info, "maxmemory_human") != "0B" {
		t.Errorf("INFO memory: %q", info)
	}
}

func TestParseMaxMemoryPolicy(t *testing.T) {
	for _, p := range []string{"", "noeviction", "allkeys-random", "Volatile-Random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "volatile-lru", "volatile-lfu"} {
		if err := ParseMaxMemoryPolicy(p); err != nil {
			t.Errorf("%q: %v", p, err)
		}
	}
	for _, p := range []string{"lru", "none", "allkeys", "volatile-"} {
		if err := ParseMaxMemoryPolicy(p); err == nil {
			t.Errorf("%q accepted", p)
		}
	}
	for in, want := range map[string]int64{"0": 0, "1": 1, "10b": 10, "1k": 1000, "1kb": 1024, "3M": 3e6, "3mb": 3 << 20, "2g": 2e9, "2GB": 2 << 30} {
		if got, ok := ParseMemory(in); !ok || got != want {
			t.Errorf("ParseMemory(%q) = %d, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "-1", "1tb", "mb", "1.5mb", "99999999999999999999"} {
		if _, ok := ParseMemory(in); ok {
			t.Errorf("ParseMemory(%q) accepted", in)
		}
	}
}

// TestDifferentialRedisMaxMemory compares the replies with a real
// redis-server over a budget of one byte: every write that may grow memory
// is refused, the rest run; CONFIG's errors; INFO's fields.
func TestDifferentialRedisMaxMemory(t *testing.T) {
	sock := startRedis(t, "--maxmemory", "1")
	ts := startServer(t, Options{SweepInterval: -1, MaxMemory: 1})
	noBudgetAfter(t, ts)
	redis, dyna := dialRaw(t, "unix", sock), dialRaw(t, "tcp", ts.addr)
	compareCases(t, redis, dyna, []string{
		"SET k v", "INCR n", "HSET h f v", "MSET a 1 b 2", "APPEND k v", "GET k", "DEL k", "EXISTS k", "EXPIRE k 10",
		"MULTI", "SET k v", "GET k", "EXEC",
		"MULTI", "GET k", "EXEC",
		"FLUSHDB",
		"CONFIG GET maxmemory", "CONFIG GET maxmemory-policy",
		"CONFIG SET maxmemory lots", "CONFIG SET maxmemory -1", "CONFIG SET maxmemory-policy sometimes",
		"CONFIG SET maxmemory-policy volatile-ttl", "CONFIG GET maxmemory-policy",
		"SET k v", // nothing to evict
		"CONFIG SET maxmemory-policy allkeys-random", "SET k v",
		"CONFIG SET maxmemory 0", "CONFIG GET maxmemory", "SET k v", "GET k",
		"CONFIG SET maxmemory 1mb", "CONFIG GET maxmemory", "CONFIG SET maxmemory 0",
	})
	for section, fields := range map[string][]string{
		"memory": {"used_memory", "used_memory_human", "maxmemory", "maxmemory_human", "maxmemory_policy"},
		"stats":  {"evicted_keys"},
	} {
		r, d := redis.do("INFO", section), dyna.do("INFO", section)
		for _, f := range fields {
			infoField(t, r, f) // both have it
			infoField(t, d, f)
		}
	}
	r, d := redis.do("INFO", "memory"), dyna.do("INFO", "memory")
	for _, f := range []string{"maxmemory", "maxmemory_human", "maxmemory_policy"} {
		if infoField(t, r, f) != infoField(t, d, f) {
			t.Errorf("INFO %s: redis %q, dynacache %q", f, infoField(t, r, f), infoField(t, d, f))
		}
	}
}

// evictedOrder fills a server under policy with the keys written by fill,
// passes a budget of one byte, and returns the keys in the order one
// refused SET evicted them (from the "evicted" events).
func evictedOrder(t *testing.T, policy string, fill func(cl *redis.Client)) []string {
	t.Helper()
	ts := startServer(t, Options{SweepInterval: -1, MaxMemoryPolicy: policy})
	noBudgetAfter(t, ts)
	ctx := context.Background()
	cl := redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: 2, DisableIdentity: true})
	t.Cleanup(func() { cl.Close() })
	if err := cl.ConfigSet(ctx, "notify-keyspace-events", "Ee").Err(); err != nil {
		t.Fatal(err)
	}
	sub := cl.Subscribe(ctx, "__keyevent@0__:evicted")
	t.Cleanup(func() { sub.Close() })
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	fill(cl)
	n := int(cl.DBSize(ctx).Val())
	if err := cl.ConfigSet(ctx, "maxmemory", "1").Err(); err != nil {
		t.Fatal(err)
	}
	if err := cl.Set(ctx, "new", "x", 0).Err(); err == nil || err.Error() != oomReply[1:len(oomReply)-2] {
		t.Fatalf("SET with nothing left to evict: %v", err)
	}
	var order []string
	for range n {
		m, err := sub.ReceiveMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		order = append(order, m.Payload)
	}
	if got := cl.DBSize(ctx).Val(); got != 0 {
		t.Errorf("%d keys left", got)
	}
	return order
}

// distinctSlots fails t when two keys share an access clock slot (the
// keys are fixed: they do or they do not, always).
func distinctSlots(t *testing.T, keys []string) {
	t.Helper()
	seen := map[int]string{}
	for _, k := range keys {
		if o, ok := seen[slotOf([]byte(k))]; ok {
			t.Fatalf("keys %s and %s share a slot: choose others", o, k)
		}
		seen[slotOf([]byte(k))] = k
	}
}

// TestMaxMemoryLRUOrder: allkeys-lru evicts the least recently used key
// first (exactly, while the keys fit in one sample), whether the last use
// was a read or a write.
func TestMaxMemoryLRUOrder(t *testing.T) {
	const n = evictSample - 2
	var keys []string
	for i := range n {
		keys = append(keys, fmt.Sprintf("k%02d", i))
	}
	distinctSlots(t, keys)
	use := rand.Perm(n)
	order := evictedOrder(t, "allkeys-lru", func(cl *redis.Client) {
		ctx := context.Background()
		for _, k := range keys {
			cl.Set(ctx, k, "v", 0)
		}
		for i, j := range use { // reads and writes, in the order of use
			if i%2 == 0 {
				cl.Get(ctx, keys[j])
			} else {
				cl.Append(ctx, keys[j], "w")
			}
		}
	})
	for i, j := range use {
		if order[i] != keys[j] {
			t.Fatalf("evicted %v, want the order of last use %v", order, use)
		}
	}
}

// TestMaxMemoryLFUOrder: allkeys-lfu evicts keys used once before keys
// read many times.
func TestMaxMemoryLFUOrder(t *testing.T) {
	hot := []string{"hot0", "hot1", "hot2", "hot3"}
	cold := []string{"cold0", "cold1", "cold2", "cold3", "cold4", "cold5", "cold6", "cold7"}
	distinctSlots(t, append(append([]string{}, hot...), cold...))
	order := evictedOrder(t, "allkeys-lfu", func(cl *redis.Client) {
		ctx := context.Background()
		for _, k := range hot {
			cl.Set(ctx, k, "v", 0)
		}
		for _, k := range cold {
			cl.Set(ctx, k, "v", 0)
		}
		for range 50 {
			for _, k := range hot {
				cl.Get(ctx, k)
			}
		}
	})
	first := map[string]bool{}
	for _, k := range order[:len(cold)] {
		first[k] = true
	}
	for _, k := range cold {
		if !first[k] {
			t.Fatalf("evicted %v: a hot key before cold %s", order, k)
		}
	}
}

// TestItemCost: shard.ItemCost, what the budget's account counts for an
// item, is within 30% of what a RESP string costs on the heap, measured
// by the collector over 20000 keys (2000 of 16 KiB), with and without an
// expiry. When the store's layout changes, this says by how much
// shard.ItemOverhead should follow.
func TestItemCost(t *testing.T) {
	for _, size := range []int{10, 100, 1000, 16 << 10} {
		for _, ttl := range []bool{false, true} {
			ts := startServer(t, Options{SweepInterval: -1})
			c := dialRaw(t, "tcp", ts.addr)
			n := 20000
			if size > 1000 {
				n = 2000
			}
			val := strings.Repeat("v", size)
			c.do("SET", "warm", "x")
			before := liveHeap()
			for i := range n {
				args := []string{"SET", "key:" + strconv.Itoa(i), val}
				if ttl {
					args = append(args, "EX", "10000")
				}
				if r := c.do(args...); r != "+OK\r\n" {
					t.Fatal(r)
				}
			}
			heap := (liveHeap() - before) / int64(n)
			tb, _ := ts.readTable()
			cost := shard.ItemCost(int(tb.SizeBytes() / tb.ItemCount()))
			t.Logf("value %d bytes, expiry %v: heap %d bytes per key, ItemCost %d", size, ttl, heap, cost)
			if cost*10 < heap*7 || cost*10 > heap*13 {
				t.Errorf("value %d bytes, expiry %v: heap %d bytes per key, ItemCost %d: more than 30%% off", size, ttl, heap, cost)
			}
		}
	}
}
