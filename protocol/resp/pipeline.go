package resp

import (
	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// Overlapping the log waits of a pipeline.
//
// Table.Mutate applies a write and then waits, outside its lock, until the
// log has made it durable. Run one after the other, a pipeline of N writes
// waits N times. A wave runs consecutive single-key writes of one batch
// (commands flagged flagChain) on worker goroutines, each with its own
// scratch and reply buffer, so that their waits overlap, while keeping
// Redis's order:
//
//   - command i+1 starts only after command i has been logged and applied:
//     command i's decide callback signals (it runs under the shard lock,
//     which Mutate holds through the log append and the apply), and the
//     connection then takes the shard's read lock with Table.Get on i's key,
//     which it can only get once Mutate has unlocked. So apply order, log
//     order and what other clients can see follow the pipeline's order, and
//     a command reads what the previous ones wrote;
//   - the replies are appended in order when the wave ends: before any
//     other command, at the end of the batch, or after maxWave commands.
//
// Only a connection that has authenticated uses waves, and only with
// Options.OverlapLogWaits: measured on two cores, waves more than double
// pipelined writes under --fsync always, and slow them down by a third under
// everysec, where a wait is only the committer's write to the OS.

const maxWave = 64

type wave struct {
	workers []*conn
	n       int // workers in use
}

// worker returns the i-th worker conn of c, made on first use.
func (c *conn) worker(i int) *conn {
	for len(c.wave.workers) <= i {
		w := &conn{s: c.s, parent: c, nc: c.nc, id: c.id, addr: c.addr, since: c.since, authed: true,
			item: make(attr.Item, 8), decided: make(chan struct{}, 1), done: make(chan struct{}, 1)}
		w.decide = w.decideEntry
		c.wave.workers = append(c.wave.workers, w)
	}
	return c.wave.workers[i]
}

// chainable reports whether args may run in a wave.
func (c *conn) chainable(args [][]byte) bool {
	if !c.s.overlap || !c.authed {
		return false
	}
	cmd := lookup(args[0])
	return cmd != nil && cmd.flags&flagChain != 0
}

// startInWave runs args on the next worker and returns once it has been
// applied (or has finished).
func (c *conn) startInWave(args [][]byte) {
	if c.wave.n == maxWave {
		c.endWave()
	}
	w := c.worker(c.wave.n)
	c.wave.n++
	w.out = w.out[:0]
	w.argv = append(w.argv[:0], args...) // headers only; the bytes stay in the read buffer
	w.chained = true
	w.table = nil
	go func() {
		w.exec(w.argv)
		w.done <- struct{}{}
	}()
	select {
	case <-w.decided:
		// Mutate holds the shard lock from decide until it has logged and
		// applied the write: wait for that.
		if w.table != nil {
			w.table.Get(w.sk)
		}
	case <-w.done:
		w.done <- struct{}{} // endWave collects it
	}
}

// endWave waits for the wave's workers and appends their replies in order.
func (c *conn) endWave() {
	for i := 0; i < c.wave.n; i++ {
		w := c.wave.workers[i]
		<-w.done
		select {
		case <-w.decided: // a decide signal not consumed (none expected)
		default:
		}
		c.out = append(c.out, w.out...)
		w.argv = w.argv[:0]
		if cap(w.out) > maxPendingOutput {
			w.out = nil
		}
	}
	c.wave.n = 0
}

// signalDecided tells the connection running a wave that this worker's
// write on table t is under way (called from decide, under the shard lock).
func (c *conn) signalDecided(t *shard.Table) {
	if !c.chained {
		return
	}
	c.chained = false
	c.table = t
	c.decided <- struct{}{}
}
