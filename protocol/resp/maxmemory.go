package resp

import (
	"bytes"
	"cmp"
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/dynacache/dynacache/shard"
)

// maxmemory and maxmemory-policy, as Redis (evict.c's performEvictions):
// before a command that may grow memory (Redis's denyoom commands) runs
// while used memory is over maxmemory (shard.Budget: three atomic loads),
// keys of the RESP table are evicted by the policy until used memory is
// within maxmemory again (shard.Budget.Free: the account is refreshed
// first, and each eviction lowers it by exactly the evicted item's cost,
// so the loop sees its own progress at once), at most maxEvictPerCommand
// per command. Each eviction goes through the normal logged delete path
// (Table.Mutate with Write{Delete: true}, as expiry), is counted in
// evicted_keys and published as an "evicted" event. Under noeviction, or
// when the policy finds no key to evict, the command gets Redis's OOM
// error; after maxEvictPerCommand evictions, it runs if they freed at
// least what it writes, else it gets the OOM error too. After an
// admitted command ran, what it wrote is charged to the budget
// (writeCharge). Commands that free memory (DEL, FLUSHDB, ...) and reads
// always run. DynamoDB tables are never evicted (protocol/dynamodb
// refuses their writes instead). In accelerator mode (remote.go) the
// Redis keys are upstream items, of which this node holds only cache
// entries, bounded by --cache-bytes inside the budget: the key commands
// are then neither refused nor evicting, as the DynamoDB API's writes
// through the accelerator.
//
// Invariant: a denyoom command runs only when used memory (as
// shard.Budget measures it) was within maxmemory just before it, or when
// its evictions freed at least what it writes; so used memory stays
// within maxmemory plus the writes of the commands running at once
// (TestMaxMemoryEvictsBounded measures the heap behind it).
//
// The LRU and LFU policies compare the access clocks of a sample of keys
// (access.go), as Redis's approximated LRU and LFU do.

// maxmemoryPolicy is one of Redis's eviction policies.
type maxmemoryPolicy int32

const (
	policyNoEviction maxmemoryPolicy = iota
	policyAllKeysRandom
	policyVolatileRandom
	policyVolatileTTL
	policyAllKeysLRU
	policyVolatileLRU
	policyAllKeysLFU
	policyVolatileLFU
)

var policyNames = [...]string{"noeviction", "allkeys-random", "volatile-random", "volatile-ttl",
	"allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-lfu"}

// clocked reports whether p needs the access clocks (access.go).
func (p maxmemoryPolicy) clocked() bool { return p >= policyAllKeysLRU }

func (p maxmemoryPolicy) String() string { return policyNames[p] }

// ParseMaxMemoryPolicy checks a maxmemory-policy name (any case; "":
// noeviction).
func ParseMaxMemoryPolicy(name string) error {
	_, err := parsePolicy(name)
	return err
}

func parsePolicy(name string) (maxmemoryPolicy, error) {
	name = strings.ToLower(name)
	if name == "" {
		return policyNoEviction, nil
	}
	for i, n := range policyNames {
		if n == name {
			return maxmemoryPolicy(i), nil
		}
	}
	return 0, errors.New("resp: unknown maxmemory-policy " + name)
}

// errOOM is Redis's shared.oomerr.
var errOOM = respErr("OOM command not allowed when used memory > 'maxmemory'.")

const (
	// maxEvictPerCommand bounds the keys one command evicts (Redis bounds
	// performEvictions by time; a count keeps a command's cost bounded
	// whatever the clock). One command needs as many evictions as the
	// keys its write displaces (one or two for same-size values), more
	// when the budget's correction jumped at a collection. At the bound,
	// the command runs if its evictions freed at least what it writes
	// (Redis lets it run and evicts later, EVICT_RUNNING); else (a write
	// far larger than the keys) it gets the OOM error: the keys evicted
	// stay evicted, and a retry evicts more.
	maxEvictPerCommand = 1024
	// evictSample is how many keys with an expiry volatile-ttl compares
	// (Redis's maxmemory-samples is 5 with a pool of 16).
	evictSample = 16
	// evictBatch is how many of a sample's best candidates are evicted
	// before the next sample.
	evictBatch = 4
	// staleVictims bounds the sampled keys one eviction may find gone
	// (deleted since the sample) before it gives up.
	staleVictims = 16
)

// denyOOMCommands are Redis's denyoom commands among ours.
var denyOOMCommands = []string{"set", "setnx", "setex", "psetex", "getset", "mset", "msetnx", "append",
	"setrange", "incr", "decr", "incrby", "decrby", "incrbyfloat", "hset", "hmset", "hsetnx", "hincrby", "hincrbyfloat"}

// markDenyOOM flags the denyoom commands (buildTable).
func markDenyOOM() {
	for _, n := range denyOOMCommands {
		if cmd := table[n]; cmd != nil {
			cmd.denyOOM = true
		}
	}
}

// denyOOM reports whether cmd, about to run on c, may grow memory, as
// Redis's processCommand decides: a denyoom command, any command queued in
// MULTI (a queue grows without bound) but EXEC, DISCARD, QUIT and RESET,
// or EXEC of a transaction that queued a denyoom command.
func (c *conn) denyOOM(cmd *command) bool {
	if cmd.denyOOM {
		return true
	}
	if !c.inMulti() {
		return false
	}
	switch cmd.name {
	case "exec":
		for _, q := range c.multi.queue {
			if q.cmd.denyOOM {
				return true
			}
		}
		return false
	case "discard", "quit", "reset":
		return false
	}
	return true
}

// freeMemory runs before a command that may grow memory by need bytes
// while used memory is over maxmemory: it evicts by the policy until used
// memory is within it (shard.Budget.Free) and returns errOOM when it
// cannot.
func (s *Server) freeMemory(need int64) error {
	b := s.store.Budget()
	policy := maxmemoryPolicy(s.policy.Load())
	t, _ := s.readTable()
	// Runs under the budget's eviction lock, which guards s.victimPool.
	evictOne := func() (int64, bool) {
		if policy == policyNoEviction || t == nil {
			return 0, false
		}
		pool := &s.victimPool
		if pool.policy != policy || pool.table != t {
			*pool = victimPool{policy: policy, table: t}
		}
		for range staleVictims {
			if len(pool.keys) == 0 {
				if pool.keys = s.victims(t, policy); len(pool.keys) == 0 {
					return 0, false
				}
			}
			k := pool.keys[0]
			pool.keys = pool.keys[1:]
			if freed := s.evict(t, k); freed > 0 {
				return freed, true
			}
		}
		return 0, false
	}
	if !b.Free(maxEvictPerCommand, need, evictOne) {
		b.Refused()
		return errOOM
	}
	return nil
}

// victimPool keeps the candidates of the last sample that were not
// evicted yet, for the next command's eviction (Redis's eviction pool
// persists across commands too): one sample then serves evictBatch
// evictions, not one. A candidate may have been used or deleted since it
// was sampled (a deleted one is skipped); the pool is dropped when the
// policy or the table changes. Guarded by the budget's eviction lock
// (shard.Budget.Free).
type victimPool struct {
	policy maxmemoryPolicy
	table  *shard.Table
	keys   []shard.Key
}

// victims picks the next keys to evict by policy, the first first: one
// random key, or the evictBatch best of a sample (the nearest expiry, the
// least recently or least frequently used), as Redis's eviction pool
// keeps the best candidates of its samples.
func (s *Server) victims(t *shard.Table, policy maxmemoryPolicy) []shard.Key {
	switch policy {
	case policyAllKeysRandom:
		var k shard.Key
		pick := func(key shard.Key, _ shard.Entry) {
			if k == nil {
				k = append(shard.Key(nil), key...)
			}
		}
		t.ScanHash(rand.Uint64(), 1, pick)
		if k == nil { // nothing after the random point: from the start
			t.ScanHash(0, 1, pick)
		}
		if k == nil {
			return nil
		}
		return []shard.Key{k}
	case policyAllKeysLRU, policyAllKeysLFU:
		return s.coldest(s.sampleKeys(t), policy)
	case policyVolatileLRU, policyVolatileLFU:
		due := s.sampleVolatile(evictSample)
		keys := make([]shard.Key, len(due))
		for i, d := range due {
			keys[i] = shard.Key(d.key)
		}
		return s.coldest(keys, policy)
	case policyVolatileRandom:
		due := s.sampleVolatile(1)
		if len(due) == 0 {
			return nil
		}
		return []shard.Key{shard.Key(due[0].key)}
	case policyVolatileTTL:
		due := s.sampleVolatile(evictSample)
		slices.SortStableFunc(due, func(a, b expiring) int { return cmp.Compare(a.exp, b.exp) })
		keys := make([]shard.Key, 0, evictBatch)
		for _, d := range due[:min(len(due), evictBatch)] {
			keys = append(keys, shard.Key(d.key))
		}
		return keys
	}
	return nil
}

// sampleVolatile returns up to n keys with an expiry, from stripes taken
// from a random one on.
func (s *Server) sampleVolatile(n int) []expiring {
	var due []expiring
	start := rand.IntN(expireStripes)
	for i := 0; i < expireStripes && len(due) < n; i++ {
		due = s.expires.any((start+i)%expireStripes, n-len(due), due)
	}
	return due
}

// sampleKeys returns up to evictSample keys of t: those that follow a
// random hash, then those from the first (each key once: only the second
// walk may meet keys of the first).
func (s *Server) sampleKeys(t *shard.Table) []shard.Key {
	keys := make([]shard.Key, 0, evictSample)
	first := 0 // keys[:first] came from the first walk
	add := func(k shard.Key, _ shard.Entry) {
		if len(keys) == evictSample {
			return
		}
		for _, o := range keys[:first] { // at most evictSample: a scan beats a map
			if bytes.Equal(o, k) {
				return
			}
		}
		keys = append(keys, append(shard.Key(nil), k...))
	}
	from, done := rand.Uint64(), false
	for len(keys) < evictSample && !done {
		from, done = t.ScanHash(from, evictSample-len(keys), add)
	}
	first = len(keys)
	for from, done = 0, false; len(keys) < evictSample && !done; {
		from, done = t.ScanHash(from, evictSample-len(keys), add)
	}
	return keys
}

// coldest returns the evictBatch keys of keys with the largest coldness
// (access.go), the coldest first.
func (s *Server) coldest(keys []shard.Key, policy maxmemoryPolicy) []shard.Key {
	type cand struct {
		k    shard.Key
		cold uint32
	}
	cands := make([]cand, len(keys))
	var buf []byte
	for i, k := range keys {
		buf = redisKeyOf(buf[:0], k)
		cands[i] = cand{k, s.access.coldness(buf, policy)}
	}
	slices.SortStableFunc(cands, func(a, b cand) int { return cmp.Compare(b.cold, a.cold) })
	out := make([]shard.Key, 0, evictBatch)
	for _, c := range cands[:min(len(cands), evictBatch)] {
		out = append(out, c.k)
	}
	return out
}

// any appends up to n entries of stripe i (map order: a sample).
func (x *expireIndex) any(i, n int, dst []expiring) []expiring {
	st := &x.stripes[i]
	st.mu.Lock()
	for k, exp := range st.m {
		if n == 0 {
			break
		}
		n--
		dst = append(dst, expiring{k, exp})
	}
	st.mu.Unlock()
	return dst
}

// evict deletes k through the logged write path (under its key lock, as
// a command's write), counts it and publishes "evicted". It returns what
// the item counted for in the budget's account (shard.ItemCost), 0 when
// there was no item to evict.
func (s *Server) evict(t *shard.Table, k shard.Key) int64 {
	st := s.locks.lock(k)
	var freed int64
	_, _, err := s.mutate(t, k, func(old shard.Entry) (shard.Write, error) {
		if !old.Exists() {
			s.expires.drop(k) // a stale index entry: nothing to evict
			return shard.Write{Skip: true}, nil
		}
		freed = shard.ItemCost(old.Size())
		return shard.Write{Delete: true}, nil
	})
	s.locks.unlock(st)
	if err != nil || freed == 0 {
		return 0
	}
	s.evicted.Add(1)
	if maxmemoryPolicy(s.policy.Load()).clocked() {
		s.access.forget(redisKeyOf(nil, k))
	}
	if s.notifying(notifyEvicted) {
		s.notifyKey(nil, notifyEvicted, "evicted", redisKeyOf(nil, k))
	}
	return freed
}

// SetMaxMemory sets maxmemory (bytes, 0: none), as CONFIG SET does.
func (s *Server) SetMaxMemory(n int64) { s.store.Budget().SetMax(n) }

// SetMaxMemoryPolicy sets maxmemory-policy, as CONFIG SET does.
func (s *Server) SetMaxMemoryPolicy(name string) error {
	p, err := parsePolicy(name)
	if err != nil {
		return err
	}
	s.setPolicy(p)
	return nil
}

// setPolicy makes p the policy, with the access clocks it needs.
func (s *Server) setPolicy(p maxmemoryPolicy) {
	if p.clocked() {
		s.access.init()
	}
	s.policy.Store(int32(p))
}

// EvictedKeys returns INFO's evicted_keys.
func (s *Server) EvictedKeys() int64 { return s.evicted.Load() }

// runtimeConfig are the parameters CONFIG SET changes.
var runtimeConfig = map[string]bool{"notify-keyspace-events": true, "maxmemory": true, "maxmemory-policy": true}

// configSetter checks CONFIG SET's value v of parameter name (lower case,
// one of runtimeConfig) and returns what sets it, or Redis's error.
func (s *Server) configSetter(name string, v []byte) (func(), error) {
	switch name {
	case "notify-keyspace-events":
		flags := parseNotifyFlags(v)
		if flags < 0 {
			return nil, configSetFailed(name, "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
		}
		return func() { s.notify.Store(int32(flags)) }, nil
	case "maxmemory":
		n, ok := parseMemory(string(v))
		if !ok {
			return nil, configSetFailed(name, "argument must be a memory value")
		}
		return func() { s.SetMaxMemory(n) }, nil
	case "maxmemory-policy":
		p, err := parsePolicy(string(v))
		if err != nil || len(v) == 0 {
			return nil, configSetFailed(name, "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction")
		}
		return func() { s.setPolicy(p) }, nil
	}
	return nil, configSetFailed(name, "can't set immutable config")
}

// parseMemory reads a memory value as Redis's memtoull: digits with an
// optional unit b, k (1000), kb (1024), m, mb, g, gb, any case.
func parseMemory(v string) (int64, bool) {
	v = strings.ToLower(v)
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	if i == 0 || i > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v[:i] {
		n = n*10 + int64(c-'0')
	}
	mul := map[string]int64{"": 1, "b": 1, "k": 1000, "kb": 1024, "m": 1000 * 1000, "mb": 1 << 20,
		"g": 1000 * 1000 * 1000, "gb": 1 << 30}[v[i:]]
	if mul == 0 || n > (1<<62)/mul {
		return 0, false
	}
	return n * mul, true
}

// ParseMemory reads a memory value as CONFIG SET maxmemory does (the
// --maxmemory flag).
func ParseMemory(v string) (int64, bool) { return parseMemory(v) }

// touchKeys records an access of the keys cmd names, under an LRU or LFU
// policy (access.go).
func (c *conn) touchKeys(cmd *command, args [][]byte) {
	p := maxmemoryPolicy(c.s.policy.Load())
	if !p.clocked() || cmd.first <= 0 {
		return
	}
	c.touched = keysOf(c.touched[:0], cmd, args)
	for _, k := range c.touched {
		c.s.access.touch(k, p)
	}
}

// writeCharge is what cmd, a denyoom command about to run on c, adds to
// used memory, charged after it ran: its arguments' bytes with the
// allocation rounding and an item's overhead per key it writes
// (shard.ItemCost), SETRANGE's offset too (it may pad the value up to it),
// an EXEC its queued denyoom commands'; 0 for a command MULTI queues. An
// overwrite is charged as a new key: the next refresh of the account
// corrects it.
func (c *conn) writeCharge(cmd *command, args [][]byte) int64 {
	if c.inMulti() && !runsInMulti(cmd) {
		return 0
	}
	if cmd.name == "exec" {
		var n int64
		if c.multi != nil {
			for _, q := range c.multi.queue {
				if q.cmd.denyOOM {
					n += chargeOf(q.cmd, q.args)
				}
			}
		}
		return n
	}
	if !cmd.denyOOM {
		return 0
	}
	return chargeOf(cmd, args)
}

func chargeOf(cmd *command, args [][]byte) int64 {
	n := 0
	for _, a := range args[1:] {
		n += len(a)
	}
	keys := 1
	switch cmd.name {
	case "mset", "msetnx":
		keys = (len(args) - 1) / 2
	case "setrange":
		if off, err := strconv.ParseInt(string(args[2]), 10, 64); err == nil && off > 0 && off < 1<<40 {
			n += int(off)
		}
	}
	return shard.ItemCost(n) + int64(keys-1)*shard.ItemOverhead
}
