package http1

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"time"
)

// parsed is a parsed request in plain values, for comparisons.
type parsed struct {
	method, path, query, proto string
	headers                    []string // "name: value"
	body                       string
	contentLength              int64
	closeConn, expectContinue  bool
}

func (p parsed) String() string { return fmt.Sprintf("%+v", struct{ parsed }{p}) }

// toParsed copies a parsed request out of the buffers.
func toParsed(p *parser, r *Request) parsed {
	out := parsed{
		method:         string(r.Method),
		path:           string(r.Path),
		query:          string(r.RawQuery),
		proto:          string(r.Proto),
		body:           string(r.Body),
		contentLength:  r.ContentLength(),
		closeConn:      p.closeConn,
		expectContinue: p.expectContinue,
	}
	for _, f := range r.fields {
		out.headers = append(out.headers, string(r.head[f.name.start:f.name.end])+": "+string(r.head[f.value.start:f.value.end]))
	}
	return out
}

// parseWhole parses the first request of raw, given whole.
func parseWhole(raw string, maxHeader int, maxBody int64) (parsed, int, error) {
	b := []byte(raw)
	p := parser{maxHeader: maxHeader, maxBody: maxBody}
	p.reset()
	n, err := p.parse(b)
	if err != nil {
		return parsed{}, n, err
	}
	var r Request
	r.set(&p, b[:n])
	return toParsed(&p, &r), n, nil
}

// parseSplit parses the first request of raw as a connection would, the
// bytes arriving step at a time: it checks that resuming gives the same
// result as parsing the whole. n is the request's length in raw.
func parseSplit(raw string, step int, maxHeader int, maxBody int64) (parsed, int, error) {
	var buf []byte
	p := parser{maxHeader: maxHeader, maxBody: maxBody}
	p.reset()
	fed := 0
	for {
		n, err := p.parse(buf)
		if err == nil {
			var r Request
			r.set(&p, buf[:n])
			// Bytes consumed of raw: what was fed, less what is left
			// after the request in buf.
			return toParsed(&p, &r), fed - (len(buf) - n), nil
		}
		if err != errIncomplete {
			return parsed{}, 0, err
		}
		buf = buf[:n]
		if fed == len(raw) {
			return parsed{}, 0, errIncomplete
		}
		k := min(step, len(raw)-fed)
		buf = append(buf, raw[fed:fed+k]...)
		fed += k
	}
}

// fakeConn is a net.Conn over a byte slice: reads return the input a
// chunk at a time (step), then io.EOF; writes are collected.
type fakeConn struct {
	in      []byte
	step    func(i int) int // length of the i-th read; nil: all there is
	reads   int
	out     bytes.Buffer
	discard bool // drop what is written
	writes  int
}

func (f *fakeConn) Read(p []byte) (int, error) {
	if len(f.in) == 0 {
		return 0, io.EOF
	}
	n := len(f.in)
	if f.step != nil {
		n = max(1, min(n, f.step(f.reads)))
	}
	n = copy(p, f.in[:n])
	f.in = f.in[n:]
	f.reads++
	return n, nil
}

func (f *fakeConn) Write(p []byte) (int, error) {
	f.writes++
	if f.discard {
		return len(p), nil
	}
	return f.out.Write(p)
}

func (f *fakeConn) Close() error                     { return nil }
func (f *fakeConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (f *fakeConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (f *fakeConn) SetDeadline(time.Time) error      { return nil }
func (f *fakeConn) SetReadDeadline(time.Time) error  { return nil }
func (f *fakeConn) SetWriteDeadline(time.Time) error { return nil }

// serveFake serves the input on one connection of s, read step at a time,
// and returns what the server wrote and how many writes it took.
func serveFake(s *Server, in []byte, step func(int) int) ([]byte, int) {
	fc := &fakeConn{in: in, step: step}
	c := newConn(s, fc)
	c.serve()
	return fc.out.Bytes(), fc.writes
}

var dateRE = regexp.MustCompile("Date: [^\r\n]*\r\n")

// withoutDates removes the Date lines of replies, which depend on the time.
func withoutDates(b []byte) []byte { return dateRE.ReplaceAll(b, nil) }

// echo is a handler that describes the request in the reply body.
func echo(w *Response, r *Request) {
	w.AddHeader("Content-Type", "text/plain")
	b := w.Body
	b = append(b, r.Method...)
	b = append(b, ' ')
	b = append(b, r.Path...)
	b = append(b, " ?"...)
	b = append(b, r.RawQuery...)
	b = append(b, ' ')
	b = append(b, r.Proto...)
	b = append(b, '\n')
	for _, f := range r.fields {
		b = append(b, r.head[f.name.start:f.name.end]...)
		b = append(b, ": "...)
		b = append(b, r.head[f.value.start:f.value.end]...)
		b = append(b, '\n')
	}
	b = append(b, "length "...)
	b = strconv.AppendInt(b, r.ContentLength(), 10)
	b = append(b, '\n')
	b = append(b, r.Body...)
	w.Body = b
}
