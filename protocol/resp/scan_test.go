package resp

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/wal"
)

// TestScanStateless: the SCAN cursor holds no server state: many
// iterations interleaved, call by call (the old snapshot cache kept 4), all
// complete and return every key once; and an iteration goes on across a
// restart with the cursor it had.
func TestScanStateless(t *testing.T) {
	dir := t.TempDir()
	l, store, err := wal.Open(dir, wal.Options{Policy: wal.FsyncEverySec})
	if err != nil {
		t.Fatal(err)
	}
	ts := startServerOn(t, store, Options{SweepInterval: -1})
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: 2, MaxRetries: -1, DisableIdentity: true})
	const n = 300
	for i := range n {
		c.Set(ctx, fmt.Sprint("k", i), i, 0)
	}
	const iterations = 9
	cursors := make([]uint64, iterations)
	seen := make([]map[string]int, iterations)
	done := make([]bool, iterations)
	for i := range seen {
		seen[i] = map[string]int{}
	}
	finished := 0
	for round := 0; finished < iterations/2+1; round++ {
		if round > 10*n {
			t.Fatal("interleaved SCANs do not end")
		}
		for i := range iterations {
			if done[i] {
				continue
			}
			keys, next, err := c.Scan(ctx, cursors[i], "", int64(3+i)).Result()
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range keys {
				seen[i][k]++
			}
			cursors[i] = next
			if next == 0 {
				done[i] = true
				finished++
			}
		}
	}
	c.Close()
	// Restart with the unfinished iterations' cursors in hand.
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ts.Shutdown(sctx)
	l.Close()
	l2, store2, err := wal.Open(dir, wal.Options{Policy: wal.FsyncEverySec})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l2.Close() })
	ts2 := startServerOn(t, store2, Options{SweepInterval: -1})
	c2 := redis.NewClient(&redis.Options{Addr: ts2.addr, Protocol: 2, MaxRetries: -1, DisableIdentity: true})
	defer c2.Close()
	for i := range iterations {
		for calls := 0; !done[i]; calls++ {
			if calls > 10*n {
				t.Fatal("SCAN does not end after the restart")
			}
			keys, next, err := c2.Scan(ctx, cursors[i], "", 10).Result()
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range keys {
				seen[i][k]++
			}
			cursors[i], done[i] = next, next == 0
		}
		for k := range n {
			if got := seen[i][fmt.Sprint("k", k)]; got != 1 {
				t.Fatalf("iteration %d returned k%d %d times", i, k, got)
			}
		}
	}
}

// TestScanGuaranteeAcrossChurnAndRestarts: two iterations interleaved call
// by call (SCAN MATCH and SCAN TYPE, COUNT 5) while other clients add
// keys, overwrite every key the iterations must return, and delete keys
// present at the start; the server restarts twice meanwhile (from its
// log, then from a snapshot). Every key present for the whole iteration
// comes back exactly once (an overwrite does not move a key); a key
// deleted meanwhile at most once; and MATCH and TYPE let nothing else
// through.
func TestScanGuaranteeAcrossChurnAndRestarts(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var l *wal.Log
	var c *redis.Client
	var restart func(snapshot bool)
	start := func() {
		var store *shard.Store
		var err error
		l, store, err = wal.Open(dir, wal.Options{Policy: wal.FsyncEverySec})
		if err != nil {
			t.Fatal(err)
		}
		ts := startServerOn(t, store, Options{SweepInterval: -1})
		c = redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: 2, MaxRetries: -1, DisableIdentity: true})
		t.Cleanup(func() { c.Close() })
		stop := ts.Shutdown
		log := l
		restart = func(snapshot bool) {
			if snapshot {
				if err := log.Snapshot(); err != nil {
					t.Fatal(err)
				}
			}
			sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if err := stop(sctx); err != nil {
				t.Fatal(err)
			}
			c.Close()
			if err := log.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	start()
	t.Cleanup(func() { l.Close() })
	const n = 400
	for i := range n {
		c.Set(ctx, fmt.Sprint("s:", i), i, 0)
		c.Set(ctx, fmt.Sprint("doomed:", i), i, 0)
		c.HSet(ctx, fmt.Sprint("h:", i), "f", i)
	}
	type iteration struct {
		cursor uint64
		done   bool
		seen   map[string]int
		scan   func(cursor uint64) ([]string, uint64, error)
	}
	its := []*iteration{
		{seen: map[string]int{}, scan: func(cur uint64) ([]string, uint64, error) {
			return c.Scan(ctx, cur, "s:*", 5).Result()
		}},
		{seen: map[string]int{}, scan: func(cur uint64) ([]string, uint64, error) {
			return c.ScanType(ctx, cur, "", 5, "hash").Result()
		}},
	}
	for round := 0; !its[0].done || !its[1].done; round++ {
		if round > 10*n {
			t.Fatal("the iterations do not end")
		}
		switch round {
		case 20:
			restart(false)
			start()
		case 60:
			restart(true)
			start()
		}
		for _, it := range its {
			if it.done {
				continue
			}
			keys, next, err := it.scan(it.cursor)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range keys {
				it.seen[k]++
			}
			it.cursor, it.done = next, next == 0
		}
		// Churn between calls: keys come, keys present from the start
		// go, and the keys to be returned are overwritten.
		c.Set(ctx, fmt.Sprint("s:new:", round), 1, 0)
		c.HSet(ctx, fmt.Sprint("h:new:", round), "f", 1)
		c.Del(ctx, fmt.Sprint("doomed:", round%n))
		c.Set(ctx, fmt.Sprint("s:", round%n), -round, 0)
		c.HSet(ctx, fmt.Sprint("h:", round%n), "g", round)
	}
	for i := range n {
		if got := its[0].seen[fmt.Sprint("s:", i)]; got != 1 {
			t.Errorf("SCAN MATCH s:* returned s:%d %d times", i, got)
		}
		if got := its[1].seen[fmt.Sprint("h:", i)]; got != 1 {
			t.Errorf("SCAN TYPE hash returned h:%d %d times", i, got)
		}
	}
	for k, got := range its[0].seen {
		if !strings.HasPrefix(k, "s:") || got != 1 {
			t.Errorf("SCAN MATCH s:* returned %s %d times", k, got)
		}
	}
	for k, got := range its[1].seen {
		if !strings.HasPrefix(k, "h:") || got != 1 {
			t.Errorf("SCAN TYPE hash returned %s %d times", k, got)
		}
	}
}

// TestHScanWholeHash: HSCAN of a hash of many fields answers every field
// (filtered by MATCH) in one call, with cursor 0, whatever COUNT, as Redis
// does for a hash in its compact encoding; an iteration by the client
// library therefore ends after one call.
func TestHScanWholeHash(t *testing.T) {
	cv := newConvo(t, Options{SweepInterval: -1})
	ctx := context.Background()
	const n = 1000
	args := make([]any, 0, 2*n)
	for i := range n {
		args = append(args, fmt.Sprint("f", i), i)
	}
	cv.c.HSet(ctx, "big", args...)
	kvs, cursor, err := cv.c.HScan(ctx, "big", 0, "", 10).Result()
	if err != nil || cursor != 0 || len(kvs) != 2*n {
		t.Fatalf("HSCAN big 0 COUNT 10: %d items, cursor %d, %v", len(kvs), cursor, err)
	}
	seen := map[string]string{}
	for i := 0; i < len(kvs); i += 2 {
		seen[kvs[i]] = kvs[i+1]
	}
	for i := range n {
		if got := seen[fmt.Sprint("f", i)]; got != fmt.Sprint(i) {
			t.Fatalf("HSCAN: f%d = %q", i, got)
		}
	}
	kvs, cursor, err = cv.c.HScan(ctx, "big", 0, "f99*", 1).Result()
	if err != nil || cursor != 0 || len(kvs) != 2*11 { // f99, f990..f999
		t.Fatalf("HSCAN big 0 MATCH f99* COUNT 1: %v, cursor %d, %v", kvs, cursor, err)
	}
}
