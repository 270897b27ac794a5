//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package http1

// canProbe says peerClosed can peek at a socket on this system: here it
// cannot, and ClientGone always reports false.
const canProbe = false

func (c *conn) probeFD(fd uintptr) bool { return true }
