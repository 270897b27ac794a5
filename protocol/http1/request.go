package http1

import "time"

// Request is one parsed request. Its byte slices point into the
// connection's buffers and are valid only until the handler returns; a
// handler copies what it keeps.
type Request struct {
	Method   []byte
	Path     []byte // request-target up to '?'
	RawQuery []byte // after '?', without it ("" when none)
	Proto    []byte // "HTTP/1.1" or "HTTP/1.0"
	Body     []byte // the whole body (Content-Length or chunked, decoded)

	head          []byte  // the request's bytes, that fields point into
	fields        []field // header fields in order
	contentLength int64
	received      time.Time
	conn          *conn // the connection, for ClientGone; kept by clear
}

// Received returns when the last bytes of the request arrived (the time a
// server-side deadline for serving it starts from).
func (r *Request) Received() time.Time { return r.received }

// ClientGone reports whether the client has closed (or reset) the
// connection while its request is being served. It does not block and does
// not consume anything; it costs a system call, so a handler's long loop
// calls it now and then, not per step. It reports false when the client
// already sent more (pipelined requests), and when it cannot tell (a
// connection that is not a socket, e.g. net.Pipe in tests).
//
// A client that half-closes its sending side and still waits for the reply
// looks gone: net/http cancels its request context in that case too.
func (r *Request) ClientGone() bool {
	if r.conn == nil {
		return false
	}
	return r.conn.peerClosed()
}

// Header returns the value of the first header field named name, compared
// ASCII case-insensitively, without surrounding whitespace; nil when the
// request has none (an empty value is a non-nil empty slice).
func (r *Request) Header(name string) []byte {
	for i := range r.fields {
		f := &r.fields[i]
		if f.name.end-f.name.start == len(name) && equalFoldBoth(r.head[f.name.start:f.name.end], name) {
			return r.head[f.value.start:f.value.end:f.value.end]
		}
	}
	return nil
}

// ContentLength returns the value of the Content-Length header, -1 when the
// body was chunked, 0 when the request has neither.
func (r *Request) ContentLength() int64 { return r.contentLength }

// set points r at the complete request b parsed by p.
func (r *Request) set(p *parser, b []byte) {
	r.head = b[:p.headEnd:p.headEnd]
	r.fields = p.fields
	r.Method = b[p.method.start:p.method.end:p.method.end]
	r.Proto = b[p.proto.start:p.proto.end:p.proto.end]
	if p.query >= 0 {
		r.Path = b[p.target.start:p.query:p.query]
		r.RawQuery = b[p.query+1 : p.target.end : p.target.end]
	} else {
		r.Path = b[p.target.start:p.target.end:p.target.end]
		r.RawQuery = b[p.target.end:p.target.end:p.target.end]
	}
	r.Body = nil
	if body := p.bodySpan(); body.end > body.start {
		r.Body = b[body.start:body.end:body.end]
	}
	switch p.framing {
	case bodyChunked:
		r.contentLength = -1
	default:
		r.contentLength = p.length
	}
}

// clear drops r's references to the connection's buffers.
func (r *Request) clear() { *r = Request{conn: r.conn} }

// Handler serves one request: it reads r and fills w. It runs on the
// connection's goroutine; the reply is sent after it returns.
type Handler interface {
	ServeHTTP1(w *Response, r *Request)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(w *Response, r *Request)

// ServeHTTP1 calls f(w, r).
func (f HandlerFunc) ServeHTTP1(w *Response, r *Request) { f(w, r) }
