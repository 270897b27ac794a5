package resp

import "sync/atomic"

// Work aside from the event loop.
//
// A command whose cost grows with the number of keys (KEYS, FLUSHDB) must
// not hold its event loop for that long: every other connection of the
// loop would wait (a PING: 0.55 s during a KEYS of 1M keys, 13-18 s during
// a FLUSHDB of 3M, issue 19). Such a command calls runAside with its work:
//
//   - on an event loop, the work runs on a goroutine of its own. The
//     connection is set aside meanwhile (taken out of epoll: nothing is
//     read from it, so its later requests wait, in order, as in Redis),
//     while the loop serves its other connections. When the work is done,
//     the loop writes its reply and runs the connection's requests that
//     arrived meanwhile (loop_linux.go);
//   - on a goroutine per connection, the work simply runs in place.
//
// The work must not touch the connection: it runs beside the loop, which
// owns it. It returns the reply as a function the loop then runs on the
// connection; to keep that step short, the work encodes a long reply
// itself (keysReply, off the heap: offheap.go) and the reply function
// only hands the bytes over.
//
// The work itself holds no lock for long either: it walks the store in
// bounded steps (Table.ScanHash) or swaps whole shards (TruncateTable).

// asideWork is a command's work set aside: it returns the reply.
type asideWork func() (reply func(c *conn) error)

// asideHook, when set (tests), runs before every work set aside, on the
// goroutine that runs it: a test holds the work there to see what the
// other connections get meanwhile.
var asideHook atomic.Pointer[func()]

// runAside runs work away from the event loop (see above).
func (c *conn) runAside(work asideWork) error {
	if h := asideHook.Load(); h != nil {
		inner := work
		work = func() func(c *conn) error {
			(*h)()
			return inner()
		}
	}
	if c.fd == nil {
		return work()(c)
	}
	c.aside = work
	return nil
}

// finishAside writes the reply of the work set aside.
func (c *conn) finishAside(reply func(c *conn) error) {
	if err := reply(c); err != nil {
		c.writeError(err)
	}
}

// replyErr returns a reply function that answers err.
func replyErr(err error) func(c *conn) error {
	return func(c *conn) error { return err }
}
