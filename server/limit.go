package server

import (
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Connection limits (--max-connections): a port holds at most that many
// client connections at once. One over the limit is refused clearly, not
// left hanging: on the DynamoDB port with a DynamoDB-shaped
// ThrottlingException (which the SDKs retry with back-off), on the RESP port
// with Redis's "-ERR max number of clients reached" (resp.Options.MaxClients).

// DefaultMaxConnections is Redis's default maxclients.
const DefaultMaxConnections = 10000

// limitListener refuses connections beyond max.
type limitListener struct {
	net.Listener
	max      int64
	active   atomic.Int64
	refusal  []byte
	onRefuse func()
}

// limitConns wraps ln so that at most max connections are open at once
// (max <= 0: no limit); a connection over the limit is sent refusal and
// closed.
func limitConns(ln net.Listener, max int, refusal []byte, onRefuse func()) net.Listener {
	if max <= 0 {
		return ln
	}
	return &limitListener{Listener: ln, max: int64(max), refusal: refusal, onRefuse: onRefuse}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.active.Add(1) <= l.max {
			return &limitedConn{Conn: c, l: l}, nil
		}
		l.active.Add(-1)
		if l.onRefuse != nil {
			l.onRefuse()
		}
		go refuse(c, l.refusal)
	}
}

// refuse answers a connection over the limit and closes it, reading (and
// dropping) what the client sends meanwhile for a bounded time, so that
// the close does not reset the connection before the client reads the
// answer.
func refuse(c net.Conn, answer []byte) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	c.Write(answer)
	if tc, ok := c.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	buf := make([]byte, 4096)
	for i := 0; i < 16; i++ {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

// limitedConn gives its place back when closed (once).
type limitedConn struct {
	net.Conn
	l    *limitListener
	once sync.Once
}

func (c *limitedConn) Close() error {
	c.once.Do(func() { c.l.active.Add(-1) })
	return c.Conn.Close()
}

// httpRefusal is the DynamoDB port's answer to a connection over the limit.
func httpRefusal(max int) []byte {
	body := `{"__type":"com.amazon.coral.availability#ThrottlingException","message":"Too many connections: this server accepts at most ` +
		strconv.Itoa(max) + ` at once (--max-connections)"}`
	return []byte("HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.0\r\nConnection: close\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n" + body)
}
