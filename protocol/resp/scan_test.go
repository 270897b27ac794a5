package resp

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

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
