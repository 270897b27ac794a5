package resp

import (
	"bytes"
	"errors"
	"io"
	"strconv"
)

// Limits of the request reader. All but the bulk length are Redis's.
const (
	maxInlineSize   = 64 << 10  // PROTO_INLINE_MAX_SIZE: an inline request, a count line
	maxMultibulk    = 1<<31 - 1 // INT_MAX
	unauthMultibulk = 10        // before AUTH, as Redis
	unauthBulkLen   = 16384
	readChunk       = 16 << 10
)

// DefaultProtoMaxBulkLen is the default proto-max-bulk-len: the largest
// bulk string, and the most arguments, one request may have.
//
// Redis's default is 512 MB, which lets any client (without requirepass)
// make the server buffer 512 MB per connection. No Redis value dynacache can
// store is near that: an item is at most 400 KB (DynamoDB's limit), so a
// string value or hash field is below 400 KB. 1 MiB leaves room for the
// JSON of a DYNAMODB command on an item of that size (base64 of a binary
// value is 4/3 of it) and is the smallest value Redis accepts for the
// setting. Larger DYNAMODB requests (a BatchWriteItem may reach DynamoDB's
// 16 MB) need --proto-max-bulk-len raised.
const DefaultProtoMaxBulkLen = 1 << 20

// protocolError is a malformed request: the connection gets
// "-ERR Protocol error: <msg>" and is closed, as Redis does.
type protocolError struct{ msg string }

func (e *protocolError) Error() string { return "Protocol error: " + e.msg }

var (
	errInvalidMultibulk   = &protocolError{"invalid multibulk length"}
	errInvalidBulk        = &protocolError{"invalid bulk length"}
	errTooBigInline       = &protocolError{"too big inline request"}
	errTooBigMbulkCount   = &protocolError{"too big mbulk count string"}
	errTooBigBulkCount    = &protocolError{"too big bulk count string"}
	errUnbalancedQuotes   = &protocolError{"unbalanced quotes in request"}
	errUnauthMultibulk    = &protocolError{"unauthenticated multibulk length"}
	errUnauthBulk         = &protocolError{"unauthenticated bulk length"}
	errQueryBufferTooLong = errors.New("resp: query buffer limit exceeded")
)

// minQueryBufferLimit is the least client-query-buffer-limit: the most
// bytes one request may have (the buffer holds only the request being
// read; complete ones run before the next read). Redis's default is 1 GB,
// which proto-max-bulk-len alone does not bound: 500 bulks of 1 MiB were
// 1 GB of RSS for one connection. dynacache's largest useful requests are
// far smaller (an item is at most 400 KB, a DynamoDB request 16 MB), so
// the limit is 64 MiB, or twice proto-max-bulk-len when that is larger.
const minQueryBufferLimit = 64 << 20

// queryBufferLimit is client-query-buffer-limit for a proto-max-bulk-len.
func queryBufferLimit(maxBulk int64) int64 {
	return max(minQueryBufferLimit, 2*maxBulk)
}

// reader reads RESP requests (multibulk arrays of bulk strings, or inline
// commands for telnet users) from a connection. Arguments it returns share
// its buffer: they are valid until the next call to next.
//
// Every length is checked against Redis's limits before anything is
// allocated for it, so a malformed or hostile stream costs at most the bytes
// it sends.
type reader struct {
	r          io.Reader
	buf        []byte
	start, end int
	args       [][]byte
	// unauth applies Redis's limits for connections that have not
	// authenticated yet.
	unauth bool
	// maxBulk is proto-max-bulk-len: the largest bulk string and the most
	// arguments of a request. Both are refused from their length line,
	// before any byte of them is buffered.
	maxBulk int64
	// maxQuery is client-query-buffer-limit: a request that needs more
	// buffer closes the connection, as in Redis.
	maxQuery int
}

func newReader(r io.Reader, maxBulk int64) *reader {
	if maxBulk <= 0 {
		maxBulk = DefaultProtoMaxBulkLen
	}
	return &reader{r: r, buf: make([]byte, readChunk), maxBulk: maxBulk, maxQuery: int(queryBufferLimit(maxBulk))}
}

// buffered reports whether bytes of a next request are already buffered.
func (rd *reader) buffered() bool { return rd.end > rd.start }

// next returns the next complete request from the buffer, or nil when the
// buffer holds none (call fill). Empty requests are skipped.
func (rd *reader) next() ([][]byte, error) {
	for rd.start < rd.end {
		args, n, err := rd.parse(rd.buf[rd.start:rd.end])
		if err != nil || n == 0 {
			return nil, err
		}
		rd.start += n
		if len(args) > 0 {
			return args, nil
		}
	}
	return nil, nil
}

// fill reads more bytes from the connection, making room first.
func (rd *reader) fill() error {
	if rd.start == rd.end {
		rd.start, rd.end = 0, 0
		if len(rd.buf) > 4*readChunk {
			rd.buf = make([]byte, readChunk)
		}
	} else if rd.start > 0 && rd.end == len(rd.buf) {
		rd.end = copy(rd.buf, rd.buf[rd.start:rd.end])
		rd.start = 0
	}
	if rd.end == len(rd.buf) {
		if len(rd.buf) >= rd.maxQuery {
			return errQueryBufferTooLong
		}
		nb := make([]byte, min(2*len(rd.buf), rd.maxQuery))
		copy(nb, rd.buf[rd.start:rd.end])
		rd.end -= rd.start
		rd.start = 0
		rd.buf = nb
	}
	n, err := rd.r.Read(rd.buf[rd.end:])
	rd.end += n
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// grow makes room for a request known to need total bytes from rd.start.
// The buffer at least doubles: a request of many bulks calls grow once per
// bulk, and growing to fit each would copy the request once per bulk
// (500 bulks of 1 MiB took 2.4 GB of RSS).
func (rd *reader) grow(total int) {
	if rd.start+total <= len(rd.buf) || total > rd.maxQuery {
		return
	}
	if total+readChunk <= len(rd.buf) { // moving the request to the front is enough
		rd.end = copy(rd.buf, rd.buf[rd.start:rd.end])
		rd.start = 0
		return
	}
	nb := make([]byte, min(max(total+readChunk, 2*len(rd.buf)), rd.maxQuery))
	rd.end = copy(nb, rd.buf[rd.start:rd.end])
	rd.start = 0
	rd.buf = nb
}

// parse parses one request at the start of b. It returns the bytes
// consumed, 0 when the request is incomplete.
func (rd *reader) parse(b []byte) ([][]byte, int, error) {
	if b[0] != '*' {
		return rd.parseInline(b)
	}
	nl := bytes.IndexByte(b, '\n')
	if nl < 0 {
		if len(b) > maxInlineSize {
			return nil, 0, errTooBigMbulkCount
		}
		return nil, 0, nil
	}
	count, ok := parseInt(trimCR(b[1:nl]))
	// Redis's bound is INT_MAX; a request of more arguments than the
	// longest bulk has bytes is nothing a client sends, and each argument
	// costs a slice header here.
	if !ok || count > maxMultibulk || count > rd.maxBulk {
		return nil, 0, errInvalidMultibulk
	}
	if rd.unauth && count > unauthMultibulk {
		return nil, 0, errUnauthMultibulk
	}
	pos := nl + 1
	if count <= 0 {
		return rd.args[:0], pos, nil
	}
	args := rd.args[:0]
	for i := int64(0); i < count; i++ {
		if pos >= len(b) {
			rd.args = args
			return nil, 0, nil
		}
		if b[pos] != '$' {
			return nil, 0, &protocolError{"expected '$', got '" + string(b[pos]) + "'"}
		}
		nl := bytes.IndexByte(b[pos:], '\n')
		if nl < 0 {
			if len(b)-pos > maxInlineSize {
				return nil, 0, errTooBigBulkCount
			}
			rd.args = args
			return nil, 0, nil
		}
		size, ok := parseInt(trimCR(b[pos+1 : pos+nl]))
		if !ok || size < 0 || size > rd.maxBulk {
			return nil, 0, errInvalidBulk
		}
		if rd.unauth && size > unauthBulkLen {
			return nil, 0, errUnauthBulk
		}
		pos += nl + 1
		if int64(len(b)-pos) < size+2 {
			rd.args = args
			rd.grow(pos + int(size) + 2)
			return nil, 0, nil
		}
		args = append(args, b[pos:pos+int(size):pos+int(size)])
		pos += int(size) + 2 // the CRLF is not checked, as Redis
	}
	rd.args = args
	return args, pos, nil
}

func trimCR(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		return b[:len(b)-1]
	}
	return b
}

// parseInt parses a length as Redis's string2ll does (decimal, optional
// minus, no other characters), bounded to int64.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	n, err := strconv.ParseInt(bstr(b), 10, 64)
	return n, err == nil
}

// parseInline parses a telnet-style request line, splitting and unquoting
// it as Redis's sdssplitargs does.
func (rd *reader) parseInline(b []byte) ([][]byte, int, error) {
	nl := bytes.IndexByte(b, '\n')
	if nl < 0 {
		if len(b) > maxInlineSize {
			return nil, 0, errTooBigInline
		}
		return nil, 0, nil
	}
	line := trimCR(b[:nl])
	args, ok := splitArgs(rd.args[:0], line)
	if !ok {
		return nil, 0, errUnbalancedQuotes
	}
	rd.args = args
	return args, nl + 1, nil
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f'
}

// splitArgs splits line into arguments like sdssplitargs: spaces separate,
// "double quotes" understand \n \r \t \b \a \\ \" and \xhh, 'single quotes'
// only \'. A closing quote must be followed by a space or the end.
func splitArgs(args [][]byte, line []byte) ([][]byte, bool) {
	// Arguments are appended to one fresh buffer per line (inline requests
	// are for people at a terminal), never into the read buffer.
	store := make([]byte, 0, len(line))
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i >= len(line) {
			return args, true
		}
		start := len(store)
		inq, insq := false, false
		done := false
		for !done {
			if inq {
				if i >= len(line) {
					return nil, false
				}
				c := line[i]
				if c == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]) {
					store = append(store, hexVal(line[i+2])<<4|hexVal(line[i+3]))
					i += 3
				} else if c == '\\' && i+1 < len(line) {
					i++
					switch line[i] {
					case 'n':
						store = append(store, '\n')
					case 'r':
						store = append(store, '\r')
					case 't':
						store = append(store, '\t')
					case 'b':
						store = append(store, '\b')
					case 'a':
						store = append(store, '\a')
					default:
						store = append(store, line[i])
					}
				} else if c == '"' {
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return nil, false
					}
					done = true
				} else {
					store = append(store, c)
				}
			} else if insq {
				if i >= len(line) {
					return nil, false
				}
				c := line[i]
				if c == '\\' && i+1 < len(line) && line[i+1] == '\'' {
					i++
					store = append(store, '\'')
				} else if c == '\'' {
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return nil, false
					}
					done = true
				} else {
					store = append(store, c)
				}
			} else {
				if i >= len(line) {
					break
				}
				switch c := line[i]; {
				case isSpace(c):
					done = true
				case c == '"':
					inq = true
				case c == '\'':
					insq = true
				default:
					store = append(store, c)
				}
			}
			if i < len(line) {
				i++
			}
		}
		args = append(args, store[start:len(store):len(store)])
	}
}
