package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// A minimal pipelining RESP2 client on one net.Conn: a worker appends every
// command of a batch to one buffer, writes it with one Write, then reads the
// replies in order, timing each. Replies are parsed only as far as a load
// generator needs (kind, nil, error text); bulk payloads are skipped in the
// read buffer without copying. go-redis would add a connection pool, a
// command object and a context per command, and a goroutine per pipeline;
// this client allocates nothing per command.

type respConn struct {
	addr    string
	timeout time.Duration
	conn    net.Conn
	br      *bufio.Reader
	w       []byte
}

var errBadRESP = errors.New("bench: malformed RESP reply")

func (c *respConn) dial() error {
	d := net.Dialer{Timeout: c.timeout}
	conn, err := d.Dial("tcp", c.addr)
	if err != nil {
		return err
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	c.conn = conn
	if c.br == nil {
		c.br = bufio.NewReaderSize(conn, 64<<10)
	} else {
		c.br.Reset(conn)
	}
	return nil
}

func (c *respConn) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// flush writes the buffered commands.
func (c *respConn) flush() error {
	if c.conn == nil {
		if err := c.dial(); err != nil {
			return err
		}
	}
	if c.timeout > 0 {
		_ = c.conn.SetDeadline(time.Now().Add(c.timeout))
	}
	_, err := c.conn.Write(c.w)
	c.w = c.w[:0]
	return err
}

// Command encoding.

func appendArrayLen(b []byte, n int) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '\r', '\n')
}

func appendBulk(b []byte, arg []byte) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(arg)), 10)
	b = append(b, '\r', '\n')
	b = append(b, arg...)
	return append(b, '\r', '\n')
}

func appendBulkString(b []byte, arg string) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(arg)), 10)
	b = append(b, '\r', '\n')
	b = append(b, arg...)
	return append(b, '\r', '\n')
}

// appendBulkKey appends the key prefix + 12 digits of rec as a bulk string.
func appendBulkKey(b []byte, prefix string, rec int64) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(prefix)+12), 10)
	b = append(b, '\r', '\n')
	b = append(b, prefix...)
	b = appendDigits(b, rec, 12)
	return append(b, '\r', '\n')
}

// reply is what the generator keeps of one RESP reply.
type reply struct {
	kind   byte   // '+', '-', ':', '$', '*'
	isNil  bool   // $-1 or *-1
	errMsg string // for '-'
	nils   int    // nil elements of an array (MGET misses)
}

// readReply reads one whole reply.
func (c *respConn) readReply() (reply, error) {
	return c.readValue(0)
}

func (c *respConn) readLine() ([]byte, error) {
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("%w: line too long", errBadRESP)
		}
		return nil, err
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("%w: %q", errBadRESP, line)
	}
	return line[:len(line)-2], nil
}

func (c *respConn) readValue(depth int) (reply, error) {
	if depth > 8 {
		return reply{}, fmt.Errorf("%w: nested too deep", errBadRESP)
	}
	line, err := c.readLine()
	if err != nil {
		return reply{}, err
	}
	if len(line) == 0 {
		return reply{}, fmt.Errorf("%w: empty line", errBadRESP)
	}
	r := reply{kind: line[0]}
	switch line[0] {
	case '+', ':':
		return r, nil
	case '-':
		r.errMsg = string(line[1:])
		return r, nil
	case '$':
		n, err := strconv.Atoi(string(line[1:]))
		if err != nil || n < -1 || n > 512<<20 {
			return reply{}, fmt.Errorf("%w: bulk length %q", errBadRESP, line)
		}
		if n == -1 {
			r.isNil = true
			return r, nil
		}
		if _, err := c.br.Discard(n); err != nil {
			return reply{}, err
		}
		crlf, err := c.readLine()
		if err != nil || len(crlf) != 0 {
			return reply{}, fmt.Errorf("%w: bulk not followed by CRLF", errBadRESP)
		}
		return r, nil
	case '*':
		n, err := strconv.Atoi(string(line[1:]))
		if err != nil || n < -1 || n > 1<<20 {
			return reply{}, fmt.Errorf("%w: array length %q", errBadRESP, line)
		}
		if n == -1 {
			r.isNil = true
			return r, nil
		}
		for range n {
			e, err := c.readValue(depth + 1)
			if err != nil {
				return reply{}, err
			}
			if e.isNil {
				r.nils++
			}
			if e.kind == '-' && r.errMsg == "" {
				r.errMsg = e.errMsg
			}
		}
		return r, nil
	}
	return reply{}, fmt.Errorf("%w: type byte %q", errBadRESP, line[0])
}

// respTarget is a Redis-protocol endpoint (dynacache's RESP port, redis).
type respTarget struct {
	raw  string
	addr string
	cfg  *Config
}

func newRESPTarget(raw string, u *url.URL, cfg *Config) (*respTarget, error) {
	port := u.Port()
	if port == "" {
		port = "6379"
	}
	return &respTarget{raw: raw, addr: net.JoinHostPort(u.Hostname(), port), cfg: cfg}, nil
}

func (t *respTarget) String() string { return t.raw }
func (t *respTarget) proto() int     { return protoRESP }

// prepare checks the server answers PING.
func (t *respTarget) prepare(ctx context.Context, timeout time.Duration) error {
	c := &respConn{addr: t.addr, timeout: min(timeout, 10*time.Second)}
	defer c.close()
	c.w = appendArrayLen(c.w, 1)
	c.w = appendBulkString(c.w, "PING")
	if err := c.flush(); err != nil {
		return fmt.Errorf("%s: %w", t.raw, err)
	}
	r, err := c.readReply()
	if err != nil {
		return fmt.Errorf("%s: PING: %w", t.raw, err)
	}
	if r.kind == '-' {
		return fmt.Errorf("%s: PING: %s", t.raw, r.errMsg)
	}
	return nil
}

func (t *respTarget) newClient(int) (client, error) {
	return &respClient{t: t, conn: respConn{addr: t.addr, timeout: t.cfg.Timeout}}, nil
}

// respClient runs a worker's batches as pipelines.
type respClient struct {
	t    *respTarget
	conn respConn
}

func (c *respClient) close() { c.conn.close() }

var (
	cmdGET  = []byte("GET")
	cmdSET  = []byte("SET")
	cmdMGET = []byte("MGET")
	cmdMSET = []byte("MSET")
	cmdINCR = []byte("INCR")
	cmdHSET = []byte("HSET")
	fieldF  = []byte("f")
)

// appendCommand appends r's command (for read-modify-write: its GET).
// It reports false for an operation RESP has no form for.
func (c *respClient) appendCommand(b []byte, r *request) ([]byte, bool) {
	switch r.op {
	case opRead, opRMW:
		b = appendArrayLen(b, 2)
		b = appendBulk(b, cmdGET)
		b = appendBulkKey(b, "user", r.keys[0])
	case opUpdate, opInsert, opPut:
		b = appendArrayLen(b, 3)
		b = appendBulk(b, cmdSET)
		b = appendBulkKey(b, "user", r.keys[0])
		b = appendBulk(b, r.value)
	case opScan:
		b = appendArrayLen(b, 1+r.n)
		b = appendBulk(b, cmdMGET)
		for i := range int64(r.n) {
			b = appendBulkKey(b, "user", r.keys[0]+i)
		}
	case opBatchRead:
		b = appendArrayLen(b, 1+len(r.keys))
		b = appendBulk(b, cmdMGET)
		for _, k := range r.keys {
			b = appendBulkKey(b, "user", k)
		}
	case opBatchWrite:
		b = appendArrayLen(b, 1+2*len(r.keys))
		b = appendBulk(b, cmdMSET)
		for _, k := range r.keys {
			b = appendBulkKey(b, "user", k)
			b = appendBulk(b, r.value)
		}
	case opIncr:
		b = appendArrayLen(b, 2)
		b = appendBulk(b, cmdINCR)
		b = appendBulkKey(b, "ctr", r.keys[0])
	case opHSet:
		b = appendArrayLen(b, 4)
		b = appendBulk(b, cmdHSET)
		b = appendBulkKey(b, "hash", r.keys[0])
		b = appendBulk(b, fieldF)
		b = appendBulk(b, r.value)
	default:
		return b, false
	}
	return b, true
}

// run sends the batch as one pipeline and reads the replies in order; a
// read-modify-write's SET goes in a second pipeline once its GET is back.
func (c *respClient) run(reqs []request) {
	n := 0
	for i := range reqs {
		r := &reqs[i]
		r.reset()
		var ok bool
		c.conn.w, ok = c.appendCommand(c.conn.w, r)
		if !ok {
			r.fail("unsupported", fmt.Sprintf("%s has no RESP form", opNames[r.op][protoHTTP]))
			continue
		}
		n++
	}
	if n == 0 {
		return
	}
	start := nanotime()
	if err := c.conn.flush(); err != nil {
		c.failRest(reqs, 0, err)
		return
	}
	rmw := 0
	for i := range reqs {
		r := &reqs[i]
		if r.errClass != "" {
			continue
		}
		r.start = start
		rep, err := c.conn.readReply()
		r.end = nanotime()
		if err != nil {
			c.failRest(reqs, i, err)
			return
		}
		c.outcome(r, rep)
		if r.op == opRMW && r.errClass == "" {
			c.conn.w = appendArrayLen(c.conn.w, 3)
			c.conn.w = appendBulk(c.conn.w, cmdSET)
			c.conn.w = appendBulkKey(c.conn.w, "user", r.keys[0])
			c.conn.w = appendBulk(c.conn.w, r.value)
			rmw++
		}
	}
	if rmw == 0 {
		return
	}
	if err := c.conn.flush(); err != nil {
		c.failRMW(reqs, err)
		return
	}
	for i := range reqs {
		r := &reqs[i]
		if r.op != opRMW || r.errClass != "" {
			continue
		}
		rep, err := c.conn.readReply()
		r.end = nanotime()
		if err != nil {
			c.failRMW(reqs, err)
			return
		}
		miss := r.miss
		c.outcome(r, rep)
		r.miss = miss
	}
}

func (c *respClient) outcome(r *request, rep reply) {
	switch {
	case rep.kind == '-':
		r.fail(errWord(rep.errMsg), rep.errMsg)
	case rep.errMsg != "":
		r.fail(errWord(rep.errMsg), rep.errMsg)
	case r.op == opRead || r.op == opRMW:
		r.miss = rep.isNil
	}
}

// errWord is the first word of a RESP error: ERR, WRONGTYPE, ...
func errWord(msg string) string {
	w, _, _ := strings.Cut(msg, " ")
	return w
}

// failRest marks every request from i on that has not failed yet as failed
// by a transport error, and drops the connection.
func (c *respClient) failRest(reqs []request, from int, err error) {
	c.conn.close()
	c.conn.w = c.conn.w[:0]
	now := nanotime()
	for i := from; i < len(reqs); i++ {
		if reqs[i].errClass == "" {
			reqs[i].fail("transport", err.Error())
			reqs[i].end = now
		}
	}
}

func (c *respClient) failRMW(reqs []request, err error) {
	c.conn.close()
	c.conn.w = c.conn.w[:0]
	for i := range reqs {
		if reqs[i].op == opRMW && reqs[i].errClass == "" {
			reqs[i].fail("transport", err.Error())
		}
	}
}
