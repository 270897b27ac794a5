package resp

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Replies built off the Go heap.
//
// KEYS over millions of keys builds a reply of tens of megabytes (54 MB
// at 3M keys). Built on the heap, by a doubling append, it allocates
// about twice that; and an allocation that size, at any time, is what
// starts a collection of the whole heap (issue 19: KEYS of 3M keys ran
// one with 589 ms of marking). While a collection marks, a process with
// two Ps runs its "fractional" mark workers on both, each for up to
// 10 ms at a time (the runtime's sysmon preempts them; they are picked
// before any runnable goroutine, mgcpacer.go), and the event loops wait
// for a P: the 16.8 ms PING stall measured during that KEYS.
//
// So a large reply is built in an anonymous mapping (offBuf), which the
// collector neither counts nor scans, and returned to the OS as soon as
// the reply is written. The price is that the bytes have an owner who
// must free them once no slice points into them any more: the
// connection (conn.owned), freed when its output has been written out
// (conn.releaseOwned), with a cleanup as the net for a buffer dropped on
// any other path (a connection closed while its work was aside, a loop
// shut down). A reply small enough to be copied is copied to the heap
// and its mapping freed at once (ownReply).

// offMapped is how many bytes offBufs hold mapped now.
var offMapped atomic.Int64

// offChunk is the size of an offBuf's first mapping; it doubles as it
// fills (mremap moves the pages, not the bytes).
const offChunk = 1 << 20

// offBuf is a growable byte buffer in an anonymous mapping, or on the heap
// where mappings are unavailable (offheap_other.go) or fail.
//
// Its bytes are b. Appending to b is allowed only within the room
// reserved first (reserve): an append past cap(b) would silently move the
// bytes to the heap.
type offBuf struct {
	b   []byte
	mem *offMem // nil: b is on the heap
}

// offMem is a mapping, unmapped once (by free or by the cleanup).
type offMem struct {
	mu   sync.Mutex
	full []byte // the whole mapping, as mmap or mremap returned it
}

func newOffBuf() *offBuf {
	full, err := offMap(offChunk)
	if err != nil {
		return &offBuf{b: make([]byte, 0, 64<<10)}
	}
	offMapped.Add(int64(len(full)))
	m := &offMem{full: full}
	o := &offBuf{b: full[:0], mem: m}
	runtime.AddCleanup(o, (*offMem).unmap, m)
	return o
}

// reserve makes room for n more bytes in b.
func (o *offBuf) reserve(n int) {
	if len(o.b)+n <= cap(o.b) {
		return
	}
	want := max(2*cap(o.b), len(o.b)+n)
	if o.mem == nil {
		nb := make([]byte, len(o.b), want)
		copy(nb, o.b)
		o.b = nb
		return
	}
	o.mem.mu.Lock()
	defer o.mem.mu.Unlock()
	full, err := offRemap(o.mem.full, want)
	if err != nil {
		// Out of address space or memory for a mapping: the heap then.
		nb := make([]byte, len(o.b), want)
		copy(nb, o.b)
		o.mem.unmapLocked()
		o.mem = nil
		o.b = nb
		return
	}
	offMapped.Add(int64(len(full) - len(o.mem.full)))
	o.mem.full = full
	o.b = full[:len(o.b)]
}

// free returns the mapping to the OS. No slice of b may be used after.
func (o *offBuf) free() {
	if o.mem != nil {
		o.mem.unmap()
	}
	o.b = nil
}

func (m *offMem) unmap() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.unmapLocked()
}

func (m *offMem) unmapLocked() {
	if m.full != nil {
		offMapped.Add(-int64(len(m.full)))
		offUnmap(m.full)
		m.full = nil
	}
}

// ownReply returns a reply function that sends out, which lies in o's
// bytes: a long reply is handed to the connection without a copy, which
// then owns o (conn.releaseOwned frees it once written); a short one, or
// one behind other output, is copied and o freed at once.
func ownReply(o *offBuf, out []byte) func(c *conn) error {
	return func(c *conn) error {
		if o.mem == nil || len(out) <= maxPendingOutput || len(c.out) > 0 || c.owned != nil {
			c.out = append(c.out, out...)
			o.free()
			return nil
		}
		// cap == len: anything appended after it (the replies of the
		// commands that follow) moves c.out to the heap instead of
		// writing past the reply.
		c.out = out[:len(out):len(out)]
		c.owned = o
		return nil
	}
}

// releaseOwned frees the buffer c's output pointed into, once nothing
// points there: c.out has been written or dropped (flush sets it to nil
// or to a heap buffer: the buffer is larger than maxPendingOutput) and
// the socket has taken what was pending. It runs on the goroutine that
// owns c.
func (c *conn) releaseOwned() {
	if c.owned == nil || (c.fd != nil && c.fd.backlogged()) || len(c.out) > 0 {
		return
	}
	c.owned.free()
	c.owned = nil
}

// dropOwned frees the buffer of a connection that has ended: nothing of
// it will be written any more.
func (c *conn) dropOwned() {
	if c.owned == nil {
		return
	}
	c.out = nil
	if c.fd != nil {
		c.fd.dropPending()
	}
	c.owned.free()
	c.owned = nil
}
