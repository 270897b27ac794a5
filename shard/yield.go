package shard

import (
	"runtime"
	"time"
)

// Yielding between the steps of a long walk (a GSI backfill, RESP KEYS).
//
// runtime.Gosched between steps lets the goroutines already runnable in,
// but not the ones waiting for the network: the scheduler hands the core
// straight back to the walker, queued first, and polls the network only
// when it finds nothing to run. On a machine with few cores, where the
// other cores are taken (an event loop waiting in epoll_wait keeps its P
// through the system call), a request on a connection served by a
// goroutine (the DynamoDB port) then waits for the runtime's monitor to
// poll the network: 10 ms and more (issue 19: a PING from a goroutine of
// the same process waited 20-50 ms during a KEYS of 3M keys, answered by
// the event loop within 2 ms, trace in bench/RESULTS.md). So every
// parkEvery of work the walker sleeps shortly instead: its core goes
// through the scheduler's search, which polls the network.

// parkEvery is how much work a Yielder does between two sleeps.
const parkEvery = 4 * time.Millisecond

// parkFor is the sleep: long enough that the timer has not fired when
// the scheduler looks for work (so that it reaches the network poll),
// short enough not to slow the walk much (the runtime rounds a sleep with
// nothing else to run up to 1 ms).
const parkFor = 50 * time.Microsecond

// Yielder yields between the steps of a long walk (see above). The zero
// value is ready.
type Yielder struct {
	since time.Time
}

// Yield lets other goroutines run: those runnable now, and every
// parkEvery those waiting for the network.
func (y *Yielder) Yield() {
	now := time.Now()
	if y.since.IsZero() {
		y.since = now
	}
	if now.Sub(y.since) < parkEvery {
		runtime.Gosched()
		return
	}
	time.Sleep(parkFor)
	y.since = time.Now()
}
