package bench

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// httpConn is a lean HTTP/1.1 client on one keep-alive connection: the
// worker writes a whole request (head and body, one Write) and reads the
// reply into a reused buffer. It is what a load generator needs and no
// more: no redirects, no cookies, no compression, no proxy; replies framed
// by Content-Length, chunked encoding, or the end of the connection.
// net/http's client costs tens of allocations per request and a goroutine
// hop per connection; on a two-core machine that shares its CPUs with the
// server under test, that would be measured as server time.
type httpConn struct {
	addr    string      // host:port to dial
	tlsConf *tls.Config // nil for plain http
	timeout time.Duration

	conn net.Conn
	br   *bufio.Reader
	body []byte // the last reply's body (reused)
}

var errBadReply = errors.New("bench: malformed HTTP reply")

// maxReplyBytes bounds one reply body.
const maxReplyBytes = 64 << 20

func (c *httpConn) dial() error {
	d := net.Dialer{Timeout: c.timeout}
	conn, err := d.Dial("tcp", c.addr)
	if err != nil {
		return err
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	if c.tlsConf != nil {
		tc := tls.Client(conn, c.tlsConf)
		if err := tc.Handshake(); err != nil {
			conn.Close()
			return err
		}
		conn = tc
	}
	c.conn = conn
	if c.br == nil {
		c.br = bufio.NewReaderSize(conn, 32<<10)
	} else {
		c.br.Reset(conn)
	}
	return nil
}

func (c *httpConn) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// do sends req (a complete HTTP/1.1 request) and reads the reply. The body
// it returns is valid until the next call. On any error the connection is
// closed; the next call dials again.
func (c *httpConn) do(req []byte) (status int, body []byte, err error) {
	for attempt := 0; ; attempt++ {
		fresh := false
		if c.conn == nil {
			if err := c.dial(); err != nil {
				return 0, nil, err
			}
			fresh = true
		}
		if c.timeout > 0 {
			_ = c.conn.SetDeadline(time.Now().Add(c.timeout))
		}
		status, body, keep, err := c.roundTrip(req)
		if err != nil {
			c.close()
			// A kept-alive connection the server closed while idle fails on
			// the first read with EOF: send again once on a new one.
			if !fresh && attempt == 0 && (errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || isConnReset(err)) {
				continue
			}
			return 0, nil, err
		}
		if !keep {
			c.close()
		}
		return status, body, nil
	}
}

func isConnReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}

func (c *httpConn) roundTrip(req []byte) (status int, body []byte, keep bool, err error) {
	if _, err := c.conn.Write(req); err != nil {
		return 0, nil, false, err
	}
	for {
		status, length, chunked, keep, err := c.readHead()
		if err != nil {
			return 0, nil, false, err
		}
		if status >= 100 && status < 200 {
			continue // 100 Continue and friends: the real reply follows
		}
		c.body = c.body[:0]
		switch {
		case chunked:
			err = c.readChunked()
		case length >= 0:
			err = c.readN(length)
		default:
			err = c.readToEOF()
			keep = false
		}
		if err != nil {
			return 0, nil, false, err
		}
		return status, c.body, keep, nil
	}
}

// readHead reads the status line and headers.
func (c *httpConn) readHead() (status int, length int64, chunked, keep bool, err error) {
	line, err := c.readLine()
	if err != nil {
		return 0, 0, false, false, err
	}
	// HTTP/1.1 200 OK
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, 0, false, false, fmt.Errorf("%w: status line %q", errBadReply, line)
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, 0, false, false, fmt.Errorf("%w: status line %q", errBadReply, line)
	}
	keep = line[7] == '1' // HTTP/1.1 keeps alive by default
	length = -1
	for range 200 {
		line, err := c.readLine()
		if err != nil {
			return 0, 0, false, false, err
		}
		if len(line) == 0 {
			if status == 204 || status == 304 {
				length = 0
			}
			return status, length, chunked, keep, nil
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, 0, false, false, fmt.Errorf("%w: header %q", errBadReply, line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case asciiEqualFold(name, "content-length"):
			n, err := strconv.ParseInt(string(value), 10, 64)
			if err != nil || n < 0 || n > maxReplyBytes {
				return 0, 0, false, false, fmt.Errorf("%w: content-length %q", errBadReply, value)
			}
			length = n
		case asciiEqualFold(name, "transfer-encoding"):
			chunked = asciiEqualFold(value, "chunked")
		case asciiEqualFold(name, "connection"):
			if asciiEqualFold(value, "close") {
				keep = false
			} else if asciiEqualFold(value, "keep-alive") {
				keep = true
			}
		}
	}
	return 0, 0, false, false, fmt.Errorf("%w: too many headers", errBadReply)
}

// readLine returns one line without its CRLF (valid until the next read).
func (c *httpConn) readLine() ([]byte, error) {
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("%w: line too long", errBadReply)
		}
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

func (c *httpConn) readN(n int64) error {
	start := len(c.body)
	if int64(cap(c.body)-start) < n {
		nb := make([]byte, start, start+int(n))
		copy(nb, c.body)
		c.body = nb
	}
	c.body = c.body[:start+int(n)]
	_, err := io.ReadFull(c.br, c.body[start:])
	return err
}

func (c *httpConn) readChunked() error {
	for range 1 << 20 {
		line, err := c.readLine()
		if err != nil {
			return err
		}
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 64)
		if err != nil || n < 0 || int64(len(c.body))+n > maxReplyBytes {
			return fmt.Errorf("%w: chunk size %q", errBadReply, line)
		}
		if n == 0 {
			for range 100 { // trailers, up to the empty line
				line, err := c.readLine()
				if err != nil {
					return err
				}
				if len(line) == 0 {
					return nil
				}
			}
			return fmt.Errorf("%w: too many trailers", errBadReply)
		}
		if err := c.readN(n); err != nil {
			return err
		}
		if line, err := c.readLine(); err != nil || len(line) != 0 {
			return fmt.Errorf("%w: chunk not followed by CRLF", errBadReply)
		}
	}
	return fmt.Errorf("%w: too many chunks", errBadReply)
}

func (c *httpConn) readToEOF() error {
	for {
		if len(c.body) == cap(c.body) {
			c.body = append(c.body, 0)[:len(c.body)]
		}
		n, err := c.br.Read(c.body[len(c.body):cap(c.body)])
		c.body = c.body[:len(c.body)+n]
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if len(c.body) > maxReplyBytes {
			return fmt.Errorf("%w: reply too large", errBadReply)
		}
	}
}

// asciiEqualFold reports whether b equals the lower-case ASCII s, ignoring
// case.
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
