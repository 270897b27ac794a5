package server

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Memory given back when idle (--idle-release).
//
// With the collector's target at 50 (--gc-percent) the heap may grow half
// again over the live data between two collections, and what a burst of
// writes (a load, a backfill) left behind stays resident while the
// process is quiet: dead objects until the next collection, which a quiet
// process does not start, and free pages the runtime's scavenger returns
// only down to a tenth over the heap goal. Measured after loading 1M items
// of 100 bytes and waiting 2 s: 308 B/item of RSS for RESP strings and 355
// for DynamoDB items, of which the live heap is 224 and 236. A cache that
// loaded its data and now serves it should not hold the room of the load.
//
// So the server reads the runtime's counters every idleTick, and once it
// has allocated less than idleAlloc per tick for idleAfter while the heap
// holds more than idleMinFree (and an eighth of the live heap) beyond the
// live heap, it calls debug.FreeOSMemory: one collection, concurrent with
// whatever requests still come, then every free page returned to the
// system (231 and 246 B/item in the same runs). It does so again only
// after idleRearm more bytes have been allocated: a busy server never
// pays it, an idle one pays it once.
const (
	idleTick    = 250 * time.Millisecond
	idleAfter   = time.Second
	idleAlloc   = 1 << 20 // bytes allocated in a tick: fewer is quiet
	idleMinFree = 16 << 20
	idleRearm   = 64 << 20
)

// idleWatch decides when to release (see above).
type idleWatch struct {
	prev       uint64    // allocated bytes at the last step
	quietSince time.Time // since when every tick allocated less than idleAlloc
	released   bool      // released, and not idleRearm allocated since
	releasedAt uint64    // allocated bytes at the release
}

// step takes the counters read at now (bytes allocated since the start,
// live heap, resident heap beyond the live heap) and reports whether to
// release now.
func (w *idleWatch) step(now time.Time, allocs, live, spare uint64) bool {
	if w.quietSince.IsZero() || allocs-w.prev > idleAlloc {
		w.quietSince = now
	}
	w.prev = allocs
	if w.released && allocs-w.releasedAt >= idleRearm {
		w.released = false
	}
	if w.released || now.Sub(w.quietSince) < idleAfter || spare < idleMinFree || spare < live/8 {
		return false
	}
	w.released, w.releasedAt = true, allocs
	return true
}

var idleSamples = []string{
	"/gc/heap/allocs:bytes",
	"/gc/heap/live:bytes",
	"/memory/classes/heap/free:bytes",
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/heap/unused:bytes",
}

// releaseWhenIdle runs the idle release until ctx is done.
func releaseWhenIdle(ctx context.Context, logger *slog.Logger) {
	samples := make([]metrics.Sample, len(idleSamples))
	for i, n := range idleSamples {
		samples[i].Name = n
	}
	t := time.NewTicker(idleTick)
	defer t.Stop()
	var w idleWatch
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		metrics.Read(samples)
		allocs, live := samples[0].Value.Uint64(), samples[1].Value.Uint64()
		// Resident heap the live data does not need: free pages not yet
		// returned, and objects (the dead ones too, until a collection)
		// with their size classes' slack, beyond the live heap.
		held := samples[2].Value.Uint64() + samples[3].Value.Uint64() + samples[4].Value.Uint64()
		spare := held - min(held, live)
		if !w.step(time.Now(), allocs, live, spare) {
			continue
		}
		began := time.Now()
		debug.FreeOSMemory()
		// The release's own collection allocates a little: start counting
		// from after it.
		metrics.Read(samples)
		w.prev, w.releasedAt = samples[0].Value.Uint64(), samples[0].Value.Uint64()
		logger.Debug(fmt.Sprintf("idle: collected and returned up to %d MiB to the system in %v", spare>>20, time.Since(began).Round(time.Millisecond)))
	}
}
