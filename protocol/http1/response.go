package http1

import (
	"bytes"
	"strconv"
	"time"
)

// Response collects one reply. The handler sets Status, adds headers and
// appends the body; the server sends it once the handler has returned.
//
// The reply's Date is the time the request's last bytes were read (one
// clock reading serves every request of a batch). Replies with status
// 204, 304 carry neither body nor Content-Length; a reply to HEAD carries
// the Content-Length but not the body. A Status outside 200-999 (1xx
// included: interim replies are the server's) is logged and answered
// with a 500.
//
// A connection reuses one Response for all its requests: Status is reset
// to 200, the headers and Body to empty, keeping Body's capacity. Body is
// therefore to be appended to: a handler that assigns Body a slice it
// keeps using hands its array over to the server, which appends the next
// reply on the connection into it.
type Response struct {
	Status int    // 0 is taken as 200
	Body   []byte // handler appends (reset to length 0 for each request)

	hdr      []byte // header lines "name: value\r\n", in order
	length   []byte // the handler's Content-Length value (see AddHeader)
	hasLen   bool
	hasDate  bool // the handler set Date: the server adds none
	closeReq bool // the handler set Connection: close
}

// AddHeader appends the header line "name: value" to the reply. A header
// whose name or value holds CR or LF is dropped; names and values are not
// otherwise checked.
//
// The server frames the reply itself, so a few headers are not copied:
// Content-Length (the server sends the length of Body; the handler's value
// is used only for a HEAD request whose reply has an empty Body, to announce
// the length a GET would get), Transfer-Encoding, and Connection (a
// Connection header with the token "close" makes the server close the
// connection after the reply, with its own Connection: close). A Date
// header replaces the one the server adds.
func (w *Response) AddHeader(name, value string) { addHeader(w, name, value) }

// AddHeaderBytes is AddHeader with the value as a byte slice, which the
// call copies.
func (w *Response) AddHeaderBytes(name string, value []byte) { addHeader(w, name, value) }

func addHeader[T string | []byte](w *Response, name string, value T) {
	// The line is appended, then checked in place: bytes.IndexByte is
	// faster than a loop over a string.
	start := len(w.hdr)
	w.hdr = append(w.hdr, name...)
	w.hdr = append(w.hdr, ": "...)
	w.hdr = append(w.hdr, value...)
	line := w.hdr[start:]
	if bytes.IndexByte(line, '\n') >= 0 || bytes.IndexByte(line, '\r') >= 0 {
		w.hdr = w.hdr[:start]
		return
	}
	v := line[len(name)+2:]
	switch len(name) {
	case 4:
		if equalFold(name, "date") {
			w.hasDate = true
		}
	case 10:
		if equalFold(name, "connection") {
			for tok, rest := nextToken(v); tok != nil; tok, rest = nextToken(rest) {
				if equalFold(tok, "close") {
					w.closeReq = true
				}
			}
			w.hdr = w.hdr[:start]
			return
		}
	case 14:
		if equalFold(name, "content-length") {
			w.length = append(w.length[:0], v...)
			w.hasLen = true
			w.hdr = w.hdr[:start]
			return
		}
	case 17:
		if equalFold(name, "transfer-encoding") {
			w.hdr = w.hdr[:start]
			return
		}
	}
	w.hdr = append(w.hdr, "\r\n"...)
}

// Capacities above which a connection drops its Response's buffers after a
// reply rather than keep them for the next.
const (
	maxKeepBody   = 1 << 20
	maxKeepHeader = 64 << 10
)

// reset prepares w for the next request.
func (w *Response) reset() {
	w.Status = 200
	if cap(w.Body) > maxKeepBody {
		w.Body = nil
	}
	w.Body = w.Body[:0]
	if cap(w.hdr) > maxKeepHeader {
		w.hdr = nil
	}
	w.hdr = w.hdr[:0]
	w.length = w.length[:0]
	w.hasLen, w.hasDate, w.closeReq = false, false, false
}

// bodyAllowed reports whether a reply with status carries a body (and so a
// Content-Length): not 1xx, 204 or 304 (RFC 9110, sections 8.6 and 15).
func bodyAllowed(status int) bool {
	return status >= 200 && status != 204 && status != 304
}

// appendResponseHead appends the head of w's reply to b: the status line,
// the Date (of now), the handler's headers, Content-Length and the
// Connection header. head is a reply to HEAD; closeConn says the
// connection closes after it, keepAlive that it stays open for an
// HTTP/1.0 client (which must be told).
func appendResponseHead(b []byte, w *Response, now time.Time, head, closeConn, keepAlive bool) []byte {
	b = appendStatusLine(b, w.Status)
	if !w.hasDate {
		b = appendDate(b, now)
	}
	b = append(b, w.hdr...)
	if bodyAllowed(w.Status) {
		b = append(b, "Content-Length: "...)
		if head && len(w.Body) == 0 && w.hasLen {
			b = append(b, w.length...)
		} else {
			b = strconv.AppendInt(b, int64(len(w.Body)), 10)
		}
		b = append(b, "\r\n"...)
	}
	switch {
	case closeConn:
		b = append(b, "Connection: close\r\n"...)
	case keepAlive:
		b = append(b, "Connection: keep-alive\r\n"...)
	}
	return append(b, "\r\n"...)
}

// appendError appends the server's own reply for e, which closes the
// connection when closeConn; extra (nil: none) appends header lines for
// the reply's body.
func appendError(b []byte, e *statusError, now time.Time, closeConn bool, extra func(dst, body []byte) []byte) []byte {
	var bodyBuf [128]byte
	body := strconv.AppendInt(bodyBuf[:0], int64(e.status), 10)
	body = append(body, ' ')
	body = append(body, statusText(e.status)...)
	body = append(body, ": "...)
	body = append(body, e.msg[len("http1: "):]...)
	body = append(body, '\n')
	b = appendStatusLine(b, e.status)
	b = appendDate(b, now)
	b = append(b, "Content-Type: text/plain; charset=utf-8\r\n"...)
	if extra != nil {
		b = extra(b, body)
	}
	if closeConn {
		b = append(b, "Connection: close\r\n"...)
	}
	b = append(b, "Content-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n\r\n"...)
	return append(b, body...)
}
