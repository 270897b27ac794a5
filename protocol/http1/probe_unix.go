//go:build linux || darwin || freebsd || netbsd || openbsd

package http1

import "syscall"

// canProbe says peerClosed can peek at a socket on this system.
const canProbe = true

// probeFD peeks at one byte of fd without blocking or consuming it and
// records in c.probeGone whether the peer has closed or reset the
// connection. It always returns true: RawConn.Read must not wait.
func (c *conn) probeFD(fd uintptr) bool {
	n, _, err := syscall.Recvfrom(int(fd), c.probeBuf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	switch {
	case n > 0:
		c.probeGone = false // more bytes: the client is there
	case err == nil:
		c.probeGone = true // end of file: the client closed
	case err == syscall.EAGAIN || err == syscall.EWOULDBLOCK || err == syscall.EINTR:
		c.probeGone = false // nothing yet
	default:
		c.probeGone = true // reset or another error
	}
	return true
}
