package http1

import (
	"errors"
	"net"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// Sizes of a connection's buffers.
const (
	initialBufSize   = 4 << 10   // the read buffer's first size
	maxIdleBufSize   = 64 << 10  // a larger read buffer is dropped when the connection goes idle
	maxPendingOutput = 256 << 10 // replies are written before the batch ends past this
	maxKeepOutput    = 1 << 20   // a larger output buffer is dropped after a write
	largeBody        = 64 << 10  // a body this large is written from Body, not copied
)

// lingerTimeout bounds how long a connection closed after an error reply
// keeps reading (and discarding) what the client still sends, so that the
// client gets the reply rather than a reset (see conn.linger).
const (
	lingerTimeout = 500 * time.Millisecond
	lingerBytes   = 256 << 10
)

// Connection states, as Shutdown sees them.
const (
	stateActive = iota // a request has begun arriving, is served, or its reply is written
	stateIdle          // waiting for the first byte of a request
)

// conn is one client connection, owned by its goroutine; Shutdown and
// Close only read state and set deadlines or close nc.
type conn struct {
	s  *Server
	nc net.Conn

	// mu orders the connection's changes of state with Shutdown: an idle
	// connection sets its idle deadline under mu, and Shutdown sets a
	// past one under mu only while it is idle, so a connection that has
	// received the first bytes of a request sets its request deadline
	// after any wake-up, which cannot cut it short.
	mu    sync.Mutex
	state int  // stateIdle or stateActive
	woken bool // Shutdown set a past read deadline

	maxHeader    int
	maxBody      int64
	readTimeout  time.Duration
	idleTimeout  time.Duration
	writeTimeout time.Duration

	// buf[r:w] are the bytes received and not yet served; a request is
	// parsed from buf[r:].
	buf  []byte
	r, w int
	// readDeadline says the current request's read deadline is set.
	readDeadline bool
	// lastRead is when the last read returned: the time of the replies to
	// the requests it completed (their Date), and when the bytes of a
	// request that it began arrived.
	lastRead time.Time
	// The deadlines armed on nc, zero when unknown (see arm).
	rdl, wdl time.Time

	out    []byte // replies not yet written
	iov    net.Buffers
	iovArr [2][]byte
	broken bool // a write failed: nothing more is written

	p    parser
	req  Request
	resp Response

	// raw is nc's file descriptor access when nc is a socket (nil
	// otherwise), for peerClosed; probe is c.probeFD bound once.
	raw       syscall.RawConn
	probe     func(fd uintptr) bool
	probeBuf  [1]byte
	probeGone bool
	reqEnd    int // end in buf of the request being served
}

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{
		s:            s,
		nc:           nc,
		maxHeader:    s.MaxHeaderBytes,
		maxBody:      s.MaxBodyBytes,
		readTimeout:  s.ReadTimeout,
		idleTimeout:  s.IdleTimeout,
		writeTimeout: s.WriteTimeout,
	}
	if c.maxHeader <= 0 {
		c.maxHeader = defaultMaxHeaderBytes
	}
	if c.maxBody <= 0 {
		c.maxBody = defaultMaxBodyBytes
	}
	if c.readTimeout <= 0 {
		c.readTimeout = defaultReadTimeout
	}
	if c.idleTimeout <= 0 {
		c.idleTimeout = defaultIdleTimeout
	}
	if c.writeTimeout <= 0 {
		c.writeTimeout = defaultWriteTimeout
	}
	c.p.maxHeader, c.p.maxBody = c.maxHeader, c.maxBody
	c.state = stateIdle
	c.req.conn = c
	if sc, ok := nc.(syscall.Conn); ok && canProbe {
		if raw, err := sc.SyscallConn(); err == nil {
			c.raw = raw
			c.probe = c.probeFD
		}
	}
	return c
}

// run is the connection's goroutine.
func (c *conn) run() {
	defer c.s.removeConn(c)
	defer c.nc.Close()
	defer func() {
		// A bug of the server's own must not take the process down.
		if p := recover(); p != nil {
			c.s.logf("http1: panic serving %v: %v\n%s", c.nc.RemoteAddr(), p, stack())
		}
	}()
	c.serve()
}

// serve serves requests until the connection is to close: it takes each
// complete request in the buffer in turn, appends its reply to c.out, and
// writes c.out when it must wait for more bytes (conn.fill).
func (c *conn) serve() {
	for {
		n, err := c.readRequest()
		if err != nil {
			if se, ok := err.(*statusError); ok {
				c.out = appendError(c.out, se, time.Now(), true, c.s.ErrorHeaders)
				c.flush()
				c.linger()
				return
			}
			c.flush()
			return
		}
		if !c.handle(n) {
			c.flush()
			if c.r < c.w {
				// Requests after this one were received: let the
				// client read this reply before the socket closes.
				c.linger()
			}
			return
		}
		if len(c.out) >= maxPendingOutput && !c.flush() {
			return
		}
	}
}

// readRequest reads until the buffer holds a whole request, sending a 100
// Continue first when the client waits for one, and returns the request's
// length at buf[r:].
func (c *conn) readRequest() (int, error) {
	c.p.reset()
	c.readDeadline = false
	sentContinue := false
	for {
		n, err := c.p.parse(c.buf[c.r:c.w])
		if err != errIncomplete {
			return n, err
		}
		c.w = c.r + n
		if c.p.expectContinue && !sentContinue {
			// The head is in and asks for a go-ahead before the body.
			sentContinue = true
			c.out = append(c.out, "HTTP/1.1 100 Continue\r\n\r\n"...)
		}
		if err := c.fill(c.p.limit()); err != nil {
			return 0, err
		}
	}
}

// fill writes the pending replies, then reads more bytes into the buffer,
// making room for up to limit bytes of the current request. Waiting for a
// new request (nothing of it received) is the idle state, which Shutdown
// ends; once a request has begun, its bytes must arrive within ReadTimeout.
func (c *conn) fill(limit int) error {
	// Everything served so far leaves before the connection blocks.
	var now time.Time
	if len(c.out) > 0 {
		if now = c.flushAt(); now.IsZero() {
			return errClosed
		}
	}
	idle := c.r == c.w
	if idle {
		c.r, c.w = 0, 0
		if len(c.buf) > maxIdleBufSize {
			c.buf = nil // the large request is served: give it back
		}
		c.req.clear()
	}
	if err := c.makeRoom(limit); err != nil {
		return err
	}
	if idle {
		c.mu.Lock()
		// Shutdown sets closing before it wakes idle connections: one
		// it has not seen idle sees the flag here.
		if c.s.closing.Load() {
			c.mu.Unlock()
			return errClosed
		}
		c.state = stateIdle
		if now.IsZero() {
			now = time.Now()
		}
		c.rdl = arm(c.nc.SetReadDeadline, c.rdl, now, c.idleTimeout)
		c.mu.Unlock()
	} else if !c.readDeadline {
		// The request began arriving by the last read.
		c.readDeadline = true
		c.rdl = arm(c.nc.SetReadDeadline, c.rdl, c.lastRead, c.readTimeout)
	}
	for range 100 {
		n, err := c.nc.Read(c.buf[c.w:])
		if n > 0 {
			c.w += n
			c.lastRead = time.Now()
			if idle {
				c.mu.Lock()
				c.state = stateActive
				if c.woken {
					// Shutdown's deadline replaced ours: the
					// request's deadline must be set anew.
					c.woken = false
					c.rdl = time.Time{}
				}
				c.mu.Unlock()
			}
			return nil
		}
		if err == nil {
			continue // a Read of nothing: try again, a bounded number of times
		}
		if !idle && errors.Is(err, os.ErrDeadlineExceeded) {
			return errReadTimeout
		}
		return errClosed
	}
	return errClosed
}

// makeRoom makes sure buf has free space after w, moving the unserved bytes
// to the front or growing the buffer (doubling, up to limit bytes from r).
func (c *conn) makeRoom(limit int) error {
	if c.buf == nil {
		c.buf = make([]byte, initialBufSize)
	}
	if c.w < len(c.buf) {
		return nil
	}
	if c.r > 0 {
		c.w = copy(c.buf, c.buf[c.r:c.w])
		c.r = 0
		if c.w < len(c.buf) {
			return nil
		}
	}
	if limit <= len(c.buf) {
		// The parser fails a request before it needs more than
		// limit; this is a safety net.
		if c.p.headEnd == 0 {
			return errHeaderTooLarge
		}
		return errBodyTooLarge
	}
	size := min(2*len(c.buf), limit)
	buf := make([]byte, size)
	copy(buf, c.buf[:c.w])
	c.buf = buf
	return nil
}

// handle serves the request buf[r:r+n] and appends its reply. It returns
// false when the connection is to close after the reply.
func (c *conn) handle(n int) bool {
	req, w := &c.req, &c.resp
	req.set(&c.p, c.buf[c.r:c.r+n])
	req.received = c.lastRead
	c.reqEnd = c.r + n
	w.reset()
	ok := c.callHandler()
	c.r += n
	now := c.lastRead
	if !ok {
		// As net/http: whatever the handler left is dropped, the
		// client gets a 500 and the connection closes.
		c.out = appendError(c.out, errHandlerPanic, now, true, c.s.ErrorHeaders)
		return false
	}
	closeConn := c.p.closeConn || w.closeReq || c.s.closing.Load()
	keepAlive := !closeConn && c.p.minor == 0
	if w.Status == 0 {
		w.Status = 200
	}
	if w.Status < 200 || w.Status > 999 {
		// 1xx are interim replies, which a handler cannot send.
		c.s.logf("http1: handler for %s %s set invalid status %d", req.Method, req.Path, w.Status)
		c.out = appendError(c.out, errBadStatus, now, closeConn, c.s.ErrorHeaders)
		return !closeConn
	}
	head := string(req.Method) == "HEAD"
	c.out = appendResponseHead(c.out, w, now, head, closeConn, keepAlive)
	if !head && bodyAllowed(w.Status) {
		if len(w.Body) >= largeBody {
			c.writeWithBody(w.Body)
		} else {
			c.out = append(c.out, w.Body...)
		}
	}
	return !closeConn && !c.broken
}

// peerClosed reports whether the client closed or reset the connection
// while a request is served (Request.ClientGone). Bytes already received
// after the request mean the client is there; otherwise the socket is
// peeked without blocking: end of file or an error means gone, no data yet
// means there.
//
// Why a peek rather than net/http's background read: a reader goroutine
// per request (or a blocked read handed over and taken back around every
// handler call) costs a goroutine switch and deadline changes on every
// request, while a peek costs nothing until a long handler asks.
func (c *conn) peerClosed() bool {
	if c.raw == nil {
		return false
	}
	if c.reqEnd < c.w {
		return false // pipelined bytes: the client is there
	}
	c.probeGone = false
	if err := c.raw.Read(c.probe); err != nil {
		return true // the connection is closed on our side
	}
	return c.probeGone
}

// callHandler runs the handler, recovering a panic; it returns false when
// the handler panicked.
func (c *conn) callHandler() (ok bool) {
	defer func() {
		if !ok {
			p := recover()
			c.s.logf("http1: panic serving %v: %v\n%s", c.nc.RemoteAddr(), p, stack())
		}
	}()
	c.s.Handler.ServeHTTP1(&c.resp, &c.req)
	return true
}

func stack() []byte {
	buf := make([]byte, 64<<10)
	return buf[:runtime.Stack(buf, false)]
}

// flush writes c.out. It returns false when the connection is broken.
func (c *conn) flush() bool {
	if len(c.out) == 0 {
		return !c.broken
	}
	return !c.flushAt().IsZero()
}

// flushAt writes c.out and returns when the write began, or the zero time
// when the connection is broken.
func (c *conn) flushAt() time.Time {
	if c.broken {
		c.out = c.out[:0]
		return time.Time{}
	}
	now := time.Now()
	c.wdl = arm(c.nc.SetWriteDeadline, c.wdl, now, c.writeTimeout)
	_, err := c.nc.Write(c.out)
	if cap(c.out) > maxKeepOutput {
		c.out = nil
	} else {
		c.out = c.out[:0]
	}
	if err != nil {
		c.broken = true
		return time.Time{}
	}
	return now
}

// arm sets a deadline (with set) at now+timeout and returns it, unless the
// deadline armed, cur, is already at most deadlineSlack(timeout) earlier:
// re-arming a deadline costs more than parsing a small request, and a
// timeout a little short is as good. cur is zero when unknown.
func arm(set func(time.Time) error, cur, now time.Time, timeout time.Duration) time.Time {
	want := now.Add(timeout)
	if !cur.IsZero() {
		if early := want.Sub(cur); early >= 0 && early <= deadlineSlack(timeout) {
			return cur
		}
	}
	set(want)
	return want
}

// deadlineSlack is how much shorter than configured a timeout may be: a
// sixty-fourth of it, at most a second.
func deadlineSlack(timeout time.Duration) time.Duration {
	return min(timeout/64, time.Second)
}

// writeWithBody writes c.out followed by body with one writev, sparing the
// copy of a large body into c.out.
func (c *conn) writeWithBody(body []byte) {
	if c.broken {
		c.out = c.out[:0]
		return
	}
	c.iovArr = [2][]byte{c.out, body}
	c.iov = c.iovArr[:]
	c.wdl = arm(c.nc.SetWriteDeadline, c.wdl, time.Now(), c.writeTimeout)
	_, err := c.iov.WriteTo(c.nc)
	c.iovArr = [2][]byte{}
	c.iov = nil
	c.out = c.out[:0]
	if err != nil {
		c.broken = true
	}
}

// linger is closing after an error reply, or with requests unserved: the
// client may still be sending (a body the server refused, pipelined
// requests), and closing a socket with unread data resets it, which can
// destroy the reply before the client reads it. So the connection shuts
// down its sending side and discards what arrives, until the client closes,
// lingerBytes arrived or lingerTimeout passed (net/http does the same).
func (c *conn) linger() {
	if c.broken {
		return
	}
	cw, ok := c.nc.(interface{ CloseWrite() error })
	if !ok || cw.CloseWrite() != nil {
		return
	}
	c.nc.SetReadDeadline(time.Now().Add(lingerTimeout))
	c.rdl = time.Time{}
	if len(c.buf) == 0 {
		c.buf = make([]byte, initialBufSize)
	}
	for total := 0; total < lingerBytes; {
		n, err := c.nc.Read(c.buf)
		total += n
		if err != nil {
			return
		}
	}
}
