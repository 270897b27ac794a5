//go:build !linux

package resp

import "net"

// Without epoll every connection is served on a goroutine of its own
// (loop_linux.go has the event loops).

type fdConn struct{}

func (f *fdConn) backlogged() bool { return false }
func (f *fdConn) dropPending()     {}
func (f *fdConn) Close() error     { return nil }

func (f *fdConn) writeOwned(p []byte) (int, error) { return len(p), nil }

type loop struct{}

func (l *loop) adopt(nc net.Conn) (*conn, bool) { return nil, false }
func (l *loop) add(c *conn)                     {}
func (l *loop) wake()                           {}
func (l *loop) push(c *conn)                    {}

func startLoops(s *Server, n int) []*loop { return nil }
