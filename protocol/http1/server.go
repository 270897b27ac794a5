package http1

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of the Server's limits.
const (
	defaultMaxHeaderBytes = 1 << 20
	defaultMaxBodyBytes   = 16 << 20
	defaultReadTimeout    = time.Minute
	defaultIdleTimeout    = 2 * time.Minute
	defaultWriteTimeout   = time.Minute
)

// Server serves HTTP/1.1 on listeners given to Serve. Its fields are read
// when a connection is accepted: set them before calling Serve.
type Server struct {
	Handler        Handler
	MaxHeaderBytes int                              // request line + headers; 0: 1 MiB
	MaxBodyBytes   int64                            // 0: 16 MiB
	ReadTimeout    time.Duration                    // whole request (headers + body) once its first byte arrived; 0: 1 minute
	IdleTimeout    time.Duration                    // keep-alive wait for the next request; 0: 2 minutes
	WriteTimeout   time.Duration                    // per write; 0: 1 minute
	ErrorLog       func(format string, args ...any) // nil: discard
	// ErrorHeaders, when set, appends header lines ("Name: value\r\n")
	// to the server's own replies (a malformed or oversized request, a
	// handler's panic), given their body, as a handler adds its own
	// headers to its replies.
	ErrorHeaders func(dst, body []byte) []byte

	// closing is set once by Shutdown or Close; connections read it
	// before each idle wait and when building each reply.
	closing atomic.Bool

	mu struct {
		sync.Mutex
		listeners map[*net.Listener]struct{}
		conns     map[*conn]struct{}
		stop      chan struct{} // closed with closing: ends accept back-off
	}
	wg sync.WaitGroup // connection goroutines
}

// Serve accepts connections on ln and serves each on its own goroutine. It
// blocks until Shutdown or Close, then returns ErrServerClosed; it returns
// another error when Accept fails other than temporarily. Serve closes ln
// when it returns. It may be called on several listeners at once.
func (s *Server) Serve(ln net.Listener) error {
	defer ln.Close()
	if s.Handler == nil {
		return errNilHandler
	}
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.initLocked()
	s.mu.listeners[&ln] = struct{}{}
	stop := s.mu.stop
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.mu.listeners, &ln)
		s.mu.Unlock()
	}()

	var delay time.Duration // back-off after a temporary Accept error
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.closing.Load() {
				return ErrServerClosed
			}
			if te, ok := err.(interface{ Temporary() bool }); !ok || !te.Temporary() {
				return err
			}
			// E.g. out of file descriptors: back off as net/http
			// does, 5ms doubling to 1s.
			if delay == 0 {
				delay = 5 * time.Millisecond
			} else if delay *= 2; delay > time.Second {
				delay = time.Second
			}
			s.logf("http1: accept error: %v; retrying in %v", err, delay)
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-stop:
				t.Stop()
				return ErrServerClosed
			}
			continue
		}
		delay = 0
		c := newConn(s, nc)
		s.mu.Lock()
		if s.closing.Load() {
			s.mu.Unlock()
			nc.Close()
			return ErrServerClosed
		}
		s.mu.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go c.run()
	}
}

func (s *Server) initLocked() {
	if s.mu.conns == nil {
		s.mu.listeners = make(map[*net.Listener]struct{})
		s.mu.conns = make(map[*conn]struct{})
		s.mu.stop = make(chan struct{})
	}
}

// removeConn forgets c once its goroutine is done with it.
func (s *Server) removeConn(c *conn) {
	s.mu.Lock()
	delete(s.mu.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

// beginCloseLocked stops accepting: it sets closing and closes the
// listeners. Idempotent.
func (s *Server) beginCloseLocked() {
	s.initLocked()
	if s.closing.Load() {
		return
	}
	s.closing.Store(true)
	close(s.mu.stop)
	for ln := range s.mu.listeners {
		(*ln).Close()
	}
}

// aLongTimeAgo is a deadline in the past, which wakes a blocked read.
var aLongTimeAgo = time.Unix(1, 0)

// Shutdown stops the server gracefully: it stops accepting, closes idle
// connections, and waits for connections running a request to finish
// their batch (every complete request already received), send the replies
// and close. A request whose bytes have started arriving is read and
// served. When ctx ends first, Shutdown closes the remaining connections
// and returns ctx.Err() (without waiting for their handlers to return).
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.beginCloseLocked()
	// A connection waiting idle is woken by a past deadline; one that
	// turns idle after this sees closing before it waits (conn.fill).
	for c := range s.mu.conns {
		c.mu.Lock()
		if c.state == stateIdle {
			c.nc.SetReadDeadline(aLongTimeAgo)
			c.woken = true
		}
		c.mu.Unlock()
	}
	s.mu.Unlock()

	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.closeConns()
		return ctx.Err()
	}
}

// Close stops accepting and closes every connection at once, whatever it
// is doing. It does not wait for handlers to return.
func (s *Server) Close() error {
	s.mu.Lock()
	s.beginCloseLocked()
	s.mu.Unlock()
	s.closeConns()
	return nil
}

func (s *Server) closeConns() {
	s.mu.Lock()
	for c := range s.mu.conns {
		c.nc.Close()
	}
	s.mu.Unlock()
}

func (s *Server) logf(format string, args ...any) {
	if s.ErrorLog != nil {
		s.ErrorLog(format, args...)
	}
}
