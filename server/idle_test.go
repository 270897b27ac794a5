package server

import (
	"testing"
	"time"
)

// TestIdleWatch: the release comes once the process has allocated less
// than idleAlloc a tick for idleAfter with enough spare heap, once, and
// again only after idleRearm more bytes were allocated.
func TestIdleWatch(t *testing.T) {
	var w idleWatch
	t0 := time.Unix(1000, 0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	const live, spare = 200 << 20, 60 << 20
	allocs := uint64(500 << 20)
	tick := func(i int, alloc uint64, spare uint64) bool {
		allocs += alloc
		return w.step(at(time.Duration(i)*idleTick), allocs, live, spare)
	}
	i := 0
	// A load: every tick allocates.
	for ; i < 20; i++ {
		if tick(i, 50<<20, spare) {
			t.Fatalf("tick %d: released while allocating", i)
		}
	}
	// Quiet: a release once idleAfter has passed, not before.
	quiet := i
	released := -1
	for ; i < quiet+20; i++ {
		if tick(i, 1<<10, spare) {
			if released >= 0 {
				t.Fatalf("tick %d: released again (first at %d)", i, released)
			}
			released = i
		}
	}
	// Quiet since the last tick that allocated (quiet-1).
	if want := quiet - 1 + int(idleAfter/idleTick); released != want {
		t.Fatalf("released at tick %d, want %d", released, want)
	}
	// Activity under idleRearm, then quiet: no second release.
	for ; i < quiet+24; i++ {
		tick(i, 8<<20, spare)
	}
	for end := i + 20; i < end; i++ {
		if tick(i, 0, spare) {
			t.Fatalf("tick %d: released again before %d bytes were allocated", i, idleRearm)
		}
	}
	// idleRearm allocated, then quiet: one more release.
	tick(i, idleRearm, spare)
	i++
	n := 0
	for end := i + 20; i < end; i++ {
		if tick(i, 0, spare) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d releases after the rearm, want 1", n)
	}
	// Quiet with little spare heap: nothing to release.
	var w2 idleWatch
	w = w2
	tick(i, idleRearm, spare)
	for end := i + 20; i < end; i++ {
		if tick(i, 0, idleMinFree-1) || tick(i, 0, live/8-1) {
			t.Fatalf("tick %d: released with little spare heap", i)
		}
	}
}
