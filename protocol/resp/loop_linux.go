//go:build linux

package resp

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Event loops (Linux).
//
// A goroutine per connection costs, per request, a read that finds nothing
// (EAGAIN), a park, a netpoll wake-up and often a futex to wake another
// thread: on two cores shared with redis-benchmark, twice redis-server's CPU
// per GET, most of it in the scheduler and the extra syscalls. An event loop
// serves many connections from one goroutine, as Redis does: one epoll_wait
// returns every connection with input; each gets one read and runs every
// complete request in it; then, once all have run, each connection's
// replies are written, one write per connection.
//
// Writes of one loop turn wait for the log together: the first
// connection's flush commits the log group holding every connection's
// records of that turn (one write to the OS, or one fsync under --fsync
// always) and the others find their records committed. So group commit
// spans connections, not only a pipeline.
//
// The loop owns its connections: only it reads, runs and writes them. A
// connection whose client does not read its replies keeps them (fdConn's
// pending bytes) and is not read from until the socket has taken them, so
// its memory stays bounded by one batch's replies.
//
// A command that blocks (a wait for the log, a stripe another command
// holds) blocks its loop's other connections for that time, as in Redis.

// fdConn is a connection's socket in non-blocking mode, owned by a loop. It
// implements the net.Conn the rest of the connection code uses: Read
// returns errWouldBlock instead of waiting, Write keeps what the socket does
// not take in pending.
type fdConn struct {
	fd           int
	pending      []byte
	laddr, raddr net.Addr
	closed       atomic.Bool
}

var errWouldBlock = errors.New("resp: would block")

func (f *fdConn) Read(p []byte) (int, error) {
	for {
		n, err := syscall.Read(f.fd, p)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return 0, errWouldBlock
		case err != nil:
			return 0, err
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

func (f *fdConn) Write(p []byte) (int, error) {
	if len(f.pending) > 0 {
		f.pending = append(f.pending, p...)
		return len(p), nil
	}
	off, err := f.write(p)
	if err != nil {
		return off, err
	}
	if off < len(p) {
		f.pending = append(f.pending, p[off:]...)
	}
	return len(p), nil
}

// writeOwned is Write of a buffer the caller gives up: what the socket
// does not take stays pending without a copy (a reply of many megabytes,
// KEYS's, would otherwise be copied on the loop).
func (f *fdConn) writeOwned(p []byte) (int, error) {
	if len(f.pending) > 0 {
		return f.Write(p)
	}
	off, err := f.write(p)
	if err != nil {
		return off, err
	}
	if off < len(p) {
		f.pending = p[off:]
	}
	return len(p), nil
}

// maxWriteTurn bounds what one connection writes in one loop turn: a
// client that reads as fast as the loop writes would otherwise keep the
// loop writing a long reply to the end (a KEYS of 3M keys: 50 MB) while
// every other connection waits. The rest waits for the next turn
// (EPOLLOUT), as when the socket is full.
const maxWriteTurn = 1 << 20

// write writes p until the socket takes no more (EAGAIN) or maxWriteTurn
// bytes are written; it returns how much it took.
func (f *fdConn) write(p []byte) (int, error) {
	if len(p) > maxWriteTurn {
		p = p[:maxWriteTurn]
	}
	off := 0
	for off < len(p) {
		n, err := syscall.Write(f.fd, p[off:])
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return off, nil
		case err != nil:
			return off, err
		}
		off += n
	}
	return off, nil
}

// drain writes pending bytes; done reports that none are left.
func (f *fdConn) drain() (done bool, err error) {
	n, err := f.write(f.pending)
	if err != nil {
		return false, err
	}
	// Advance rather than move the rest to the front: a long reply is
	// written in many turns, and moving it each time would cost its
	// length squared.
	f.pending = f.pending[n:]
	rest := len(f.pending)
	if rest == 0 {
		if cap(f.pending) > maxPendingOutput || cap(f.pending) == 0 {
			f.pending = nil
		} else {
			f.pending = f.pending[:0]
		}
	}
	return rest == 0, nil
}

// dropPending forgets the replies not yet written (the connection ends).
func (f *fdConn) dropPending() { f.pending = nil }

// backlogged reports whether replies wait for the client to read.
func (f *fdConn) backlogged() bool { return len(f.pending) > 0 }

func (f *fdConn) Close() error {
	if f.closed.CompareAndSwap(false, true) {
		return syscall.Close(f.fd)
	}
	return nil
}

func (f *fdConn) LocalAddr() net.Addr                { return f.laddr }
func (f *fdConn) RemoteAddr() net.Addr               { return f.raddr }
func (f *fdConn) SetDeadline(t time.Time) error      { return nil }
func (f *fdConn) SetReadDeadline(t time.Time) error  { return nil }
func (f *fdConn) SetWriteDeadline(t time.Time) error { return nil }

// loopState is a loop's view of one of its connections.
type loopState struct {
	dirty      bool // ran requests this turn: flush at its end
	closeAfter bool // close once its replies are written
	writeWait  bool // registered for EPOLLOUT (backlogged)
	aside      bool // out of epoll while its command's work runs aside (aside.go)
}

// loop is one event loop: an epoll instance, its connections, and the
// goroutine that serves them (run).
type loop struct {
	s            *Server
	epfd         int
	wakeR, wakeW int // a pipe: a byte written wakes epoll_wait

	mu       sync.Mutex
	incoming []*conn // handed over by the accept goroutine
	ready    []*conn // subscribers with published messages (push)
	spare    []*conn
	finished []asideDone // work done aside, to reply to
	exited   bool        // run has returned: the pipe is closed

	asides int // connections set aside (loop goroutine only)

	conns  map[int]*conn
	state  map[*conn]*loopState
	dirty  []*conn
	events []syscall.EpollEvent
}

func newLoop(s *Server) (*loop, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC); err != nil {
		syscall.Close(epfd)
		return nil, err
	}
	l := &loop{s: s, epfd: epfd, wakeR: p[0], wakeW: p[1], conns: map[int]*conn{},
		state: map[*conn]*loopState{}, events: make([]syscall.EpollEvent, 256)}
	if err := l.ctl(syscall.EPOLL_CTL_ADD, l.wakeR, syscall.EPOLLIN); err != nil {
		l.closeFDs()
		return nil, err
	}
	return l, nil
}

func (l *loop) ctl(op, fd int, events uint32) error {
	return syscall.EpollCtl(l.epfd, op, fd, &syscall.EpollEvent{Events: events, Fd: int32(fd)})
}

// asideDone is a connection whose work set aside is done, with its reply.
type asideDone struct {
	c     *conn
	reply func(c *conn) error
}

// startAside takes c out of epoll and runs the work its command set aside
// on a goroutine; the loop resumes c once the work posts its reply.
func (l *loop) startAside(c *conn, st *loopState) {
	work := c.aside
	c.aside = nil
	if err := syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_DEL, c.fd.fd, nil); err != nil {
		l.close(c)
		return
	}
	st.aside = true
	st.writeWait = false
	l.asides++
	go func() {
		reply := work()
		l.mu.Lock()
		if !l.exited {
			l.finished = append(l.finished, asideDone{c, reply})
			b := [1]byte{1}
			syscall.Write(l.wakeW, b[:])
		}
		l.mu.Unlock()
	}()
}

// takeFinished replies to the connections whose work aside is done and
// runs what they have buffered meanwhile.
func (l *loop) takeFinished() {
	l.mu.Lock()
	done := l.finished
	l.finished = nil
	l.mu.Unlock()
	for _, d := range done {
		l.asides--
		c := d.c
		st := l.state[c]
		if st == nil {
			continue // closed meanwhile
		}
		st.aside = false
		c.finishAside(d.reply)
		l.markDirty(c, st)
		if err := l.ctl(syscall.EPOLL_CTL_ADD, c.fd.fd, syscall.EPOLLIN|syscall.EPOLLRDHUP); err != nil {
			l.close(c)
			continue
		}
		if !c.fd.backlogged() {
			l.runBatch(c, st)
		}
	}
}

func (l *loop) closeFDs() {
	l.mu.Lock()
	l.exited = true
	l.mu.Unlock()
	syscall.Close(l.wakeR)
	syscall.Close(l.wakeW)
	syscall.Close(l.epfd)
}

// wake makes the loop return from epoll_wait (new connections, shutdown).
func (l *loop) wake() {
	b := [1]byte{1}
	syscall.Write(l.wakeW, b[:]) // a full pipe already wakes it
}

// adopt takes nc over for the loop: its socket is duplicated in
// non-blocking mode and nc closed. It returns false (nc untouched) when
// nc is not a TCP or Unix socket or the duplication fails; the caller
// then serves nc on a goroutine.
func (l *loop) adopt(nc net.Conn) (*conn, bool) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil, false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil, false
	}
	fd := -1
	var derr error
	if err := raw.Control(func(f uintptr) { fd, derr = syscall.Dup(int(f)) }); err != nil || derr != nil {
		return nil, false
	}
	syscall.CloseOnExec(fd)
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return nil, false
	}
	f := &fdConn{fd: fd, laddr: nc.LocalAddr(), raddr: nc.RemoteAddr()}
	nc.Close() // the socket stays open through fd
	c := newConn(l.s, f)
	c.fd = f
	c.lp = l
	return c, true
}

// add hands c to the loop (from the accept goroutine).
func (l *loop) add(c *conn) {
	l.mu.Lock()
	l.incoming = append(l.incoming, c)
	l.mu.Unlock()
	l.wake()
}

func (l *loop) takeIncoming() {
	l.mu.Lock()
	in := l.incoming
	l.incoming = nil
	l.mu.Unlock()
	for _, c := range in {
		if err := l.ctl(syscall.EPOLL_CTL_ADD, c.fd.fd, syscall.EPOLLIN|syscall.EPOLLRDHUP); err != nil {
			l.s.opts.Logf("resp: event loop: %v", err)
			l.s.forget(c)
			c.fd.Close()
			continue
		}
		l.conns[c.fd.fd] = c
		l.state[c] = &loopState{}
		l.s.totalConns.Add(1)
		l.s.clients.Add(1)
	}
}

// run serves the loop's connections until the server shuts down: then
// every connection has finished its batch and been sent its replies, and
// is closed.
func (l *loop) run() {
	defer l.s.wg.Done()
	defer l.closeFDs()
	for {
		n, err := syscall.EpollWait(l.epfd, l.events, -1)
		if err != nil && err != syscall.EINTR {
			l.s.opts.Logf("resp: event loop: epoll_wait: %v", err)
			l.closeAll()
			return
		}
		for i := 0; i < n; i++ {
			ev := l.events[i]
			fd := int(ev.Fd)
			if fd == l.wakeR {
				var b [64]byte
				for {
					if n, _ := syscall.Read(l.wakeR, b[:]); n <= 0 {
						break
					}
				}
				l.takeIncoming()
				l.takeReady()
				l.takeFinished()
				continue
			}
			c := l.conns[fd]
			if c == nil {
				continue
			}
			if ev.Events&syscall.EPOLLOUT != 0 {
				l.writable(c)
			}
			if ev.Events&(syscall.EPOLLIN|syscall.EPOLLERR|syscall.EPOLLHUP|syscall.EPOLLRDHUP) != 0 {
				l.readable(c)
			}
		}
		l.flushDirty()
		if l.s.isClosing() {
			l.takeIncoming()
			l.closeAll()
			if l.asides == 0 {
				return
			}
			// Connections set aside get their replies first: the loop
			// goes on until their work is done.
		}
	}
}

// readable reads once from c and runs every complete request.
func (l *loop) readable(c *conn) {
	st := l.state[c]
	if st == nil || st.closeAfter || c.fd.backlogged() {
		return
	}
	if err := c.rd.fill(); err != nil {
		if err != errWouldBlock {
			c.readFailed(err)
			l.markDirty(c, st) // EOF or a reset: close once flushed
			st.closeAfter = true
		}
		return
	}
	l.s.netIn.Add(int64(c.rd.end - c.rd.start))
	l.runBatch(c, st)
}

// writable writes c's pending replies; once they are all out, c is read
// from again, starting with what it has buffered.
func (l *loop) writable(c *conn) {
	st := l.state[c]
	if st == nil {
		return
	}
	done, err := c.fd.drain()
	if err != nil {
		l.close(c)
		return
	}
	if !done {
		return
	}
	st.writeWait = false
	c.noteHeld()
	if c.owned != nil {
		c.releaseOwned()
	}
	if st.closeAfter {
		l.close(c)
		return
	}
	if err := l.ctl(syscall.EPOLL_CTL_MOD, c.fd.fd, syscall.EPOLLIN|syscall.EPOLLRDHUP); err != nil {
		l.close(c)
		return
	}
	c.takePushed() // what was published while the socket was full
	l.runBatch(c, st)
}

// push tells the loop that c has published messages to send (from any
// goroutine); the loop is woken when it has not been already.
func (l *loop) push(c *conn) {
	l.mu.Lock()
	l.ready = append(l.ready, c)
	first := len(l.ready) == 1
	l.mu.Unlock()
	if first {
		l.wake()
	}
}

// takeReady moves published messages into their subscribers' replies
// (flushDirty writes them), closes the subscribers past their output
// limit, and leaves the messages of a backlogged subscriber in its outbox
// until its socket has taken what it holds (writable).
func (l *loop) takeReady() {
	l.mu.Lock()
	ready := l.ready
	l.ready = l.spare[:0]
	l.mu.Unlock()
	for i, c := range ready {
		ready[i] = nil
		st := l.state[c]
		if st == nil {
			continue
		}
		if c.killedByLimit() {
			l.close(c)
			continue
		}
		if st.closeAfter || c.fd.backlogged() {
			continue
		}
		c.takePushed()
		l.markDirty(c, st)
	}
	l.spare = ready[:0]
}

// noteHeld records the bytes c's socket has not taken, which count
// against its pub/sub output limit.
func (c *conn) noteHeld() {
	if c.ps != nil {
		c.ps.box.held.Store(int64(len(c.fd.pending)))
	}
}

func (l *loop) runBatch(c *conn, st *loopState) {
	switch c.runBatch() {
	case batchClose:
		st.closeAfter = true
	case batchFailed:
		l.close(c)
		return
	case batchAside:
		l.markDirty(c, st) // the replies before it leave this turn
		l.startAside(c, st)
		return
	}
	l.markDirty(c, st)
}

func (l *loop) markDirty(c *conn, st *loopState) {
	if !st.dirty {
		st.dirty = true
		l.dirty = append(l.dirty, c)
	}
}

// flushDirty writes the replies of every connection that ran requests this
// turn (the first flush commits the log group of them all).
func (l *loop) flushDirty() {
	for i, c := range l.dirty {
		l.dirty[i] = nil
		st := l.state[c]
		if st == nil { // closed this turn
			continue
		}
		st.dirty = false
		if !c.flush() {
			l.close(c)
			continue
		}
		c.noteHeld()
		if st.aside {
			continue // out of epoll: takeFinished registers it again
		}
		if c.fd.backlogged() {
			if !st.writeWait {
				// Wait for the socket to take the rest; read nothing
				// meanwhile (level-triggered EPOLLIN would spin).
				if err := l.ctl(syscall.EPOLL_CTL_MOD, c.fd.fd, syscall.EPOLLOUT|syscall.EPOLLRDHUP); err != nil {
					l.close(c)
					continue
				}
				st.writeWait = true
			}
			continue
		}
		if st.closeAfter {
			l.close(c)
		}
	}
	l.dirty = l.dirty[:0]
}

// close closes c and forgets it.
func (l *loop) close(c *conn) {
	if _, ok := l.state[c]; !ok {
		return
	}
	syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_DEL, c.fd.fd, nil)
	delete(l.conns, c.fd.fd)
	delete(l.state, c)
	c.fd.Close()
	c.dropOwned()
	c.endPubSub()
	l.s.clients.Add(-1)
	l.s.totalCmds.Add(c.cmds.Swap(0))
	l.s.forget(c)
}

// closeAll closes every connection but those set aside (they are closed
// once replied to).
func (l *loop) closeAll() {
	for _, c := range l.conns {
		if st := l.state[c]; st != nil && st.aside {
			continue
		}
		if c.fd.backlogged() {
			// Shutdown: one last chance for replies the client has not
			// read yet.
			c.fd.drain()
		}
		l.close(c)
	}
}

// startLoops starts n event loops for s (none when n <= 0, or when epoll
// is unavailable: connections then get a goroutine each).
func startLoops(s *Server, n int) []*loop {
	var loops []*loop
	for i := 0; i < n; i++ {
		l, err := newLoop(s)
		if err != nil {
			s.opts.Logf("resp: event loop: %v; serving connections on goroutines", err)
			break
		}
		loops = append(loops, l)
		s.wg.Add(1)
		go l.run()
	}
	return loops
}
