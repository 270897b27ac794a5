package http1

import (
	"bytes"
	"encoding/binary"
	"math"
)

// Parsing of requests per RFC 9112, on the bytes of a connection's read
// buffer.
//
// A parser works on b, the buffer from the first byte of the request on,
// and keeps every position as an offset into b, so the connection may move
// the request to the front of its buffer, or into a larger one, between
// two calls. Parsing resumes where the previous call stopped: the search
// for the end of the head and the decoding of a chunked body are linear in
// the bytes received however they are split into reads.

// maxChunkLine bounds a chunk-size line, extensions included (as net/http).
const maxChunkLine = 4096

// span is the range [start, end) of b.
type span struct{ start, end int }

// field is one header field line, value without surrounding whitespace.
type field struct{ name, value span }

// Body framing of a request.
const (
	bodyNone = iota
	bodyLength
	bodyChunked
)

// States of the chunked decoder.
const (
	chunkSize    = iota // expecting a chunk-size line
	chunkData           // copying chunk data
	chunkDataEnd        // expecting the CRLF after chunk data
	chunkTrailer        // reading trailer field lines
)

// parser holds the progress of parsing one request, and then its parsed
// form. reset prepares it for the next request.
type parser struct {
	maxHeader int   // the head's size limit
	maxBody   int64 // the body's size limit

	// Finding the end of the head.
	started   bool  // the request line has begun (leading empty lines skipped)
	reqStart  int   // offset of the request line
	lineStart int   // start of the line being scanned
	scanned   int   // the search for '\n' resumes here
	lines     []int // where the request line and the header lines end
	headEnd   int   // > 0 once the head is parsed: offset of the body

	// The parsed head.
	method, target, proto span
	query                 int // offset of '?' in the target, -1 when none
	minor                 int // HTTP minor version: 0 or 1
	fields                []field

	framing   int   // bodyNone, bodyLength or bodyChunked
	length    int64 // Content-Length when framing is bodyLength
	hasLength bool
	te        bool // a Transfer-Encoding header was seen
	teChunked int  // "chunked" codings seen
	teLast    bool // the last coding seen is chunked
	teOther   bool // a coding other than chunked was seen
	hosts     int

	closeConn      bool // the connection closes after the reply
	keepAlive      bool // Connection: keep-alive (HTTP/1.0)
	expectContinue bool // Expect: 100-continue (HTTP/1.1)
	expectOther    bool // another expectation

	// Chunked decoding, in place: decoded data is moved down to out, the
	// raw stream continues at raw (raw >= out).
	chunkState int
	raw, out   int
	left       int64 // chunk data still to copy
	lineScan   int   // bytes after raw known to hold no '\n'
	excess     int64 // framing overhead, as net/http measures it
	trailer    int   // bytes of trailer fields
}

// maxKeepFields bounds the header storage a parser keeps for the next
// request: a request with many more fields does not pin it.
const maxKeepFields = 256

// reset prepares p for a new request, keeping its field storage.
func (p *parser) reset() {
	fields, lines := p.fields[:0], p.lines[:0]
	if cap(fields) > maxKeepFields {
		fields, lines = nil, nil
	}
	*p = parser{maxHeader: p.maxHeader, maxBody: p.maxBody, fields: fields, lines: lines}
}

// parse parses the request at the start of b. It returns the request's
// length in b once b holds all of it. While b holds only part of it, it
// returns errIncomplete and the length of b still in use: decoding a
// chunked body moves the decoded data down over its framing, so the bytes
// of b past that length are free. Any other error is a *statusError.
func (p *parser) parse(b []byte) (int, error) {
	if p.headEnd == 0 {
		if err := p.parseHead(b); err != nil {
			return len(b), err
		}
	}
	switch p.framing {
	case bodyLength:
		if int64(len(b)-p.headEnd) < p.length {
			return len(b), errIncomplete
		}
		return p.headEnd + int(p.length), nil
	case bodyChunked:
		return p.decodeChunked(b)
	}
	return p.headEnd, nil
}

// limit is the buffer size, from the request's first byte, that the rest
// of the request may need; the parser fails a request before it needs more.
func (p *parser) limit() int {
	switch {
	case p.headEnd == 0:
		return p.maxHeader + 1
	case p.framing == bodyLength:
		return p.headEnd + int(p.length)
	case p.framing == bodyChunked:
		// The decoded data, plus one partial line of framing.
		n := int64(p.headEnd) + p.maxBody + int64(max(p.maxHeader, maxChunkLine)) + 3
		return int(min(n, math.MaxInt))
	}
	return p.headEnd
}

// bodySpan returns the body's range in b once the request is complete.
func (p *parser) bodySpan() span {
	switch p.framing {
	case bodyLength:
		return span{p.headEnd, p.headEnd + int(p.length)}
	case bodyChunked:
		return span{p.headEnd, p.out}
	}
	return span{p.headEnd, p.headEnd}
}

// parseHead finds the end of the head (the first empty line after the
// request line) and parses it.
func (p *parser) parseHead(b []byte) error {
	i := p.scanned
	for {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			p.scanned = len(b)
			if len(b) > p.maxHeader {
				return errHeaderTooLarge
			}
			return errIncomplete
		}
		nl := i + j
		i = nl + 1
		ls := p.lineStart
		p.lineStart = i
		if empty := nl == ls || (nl == ls+1 && b[ls] == '\r'); !empty {
			if !p.started {
				p.started = true
				p.reqStart = ls
			}
			p.lines = append(p.lines, nl)
			continue
		}
		if !p.started {
			// An empty line before the request line: skipped
			// (RFC 9112, section 2.2).
			continue
		}
		break
	}
	p.scanned = i
	if i > p.maxHeader {
		return errHeaderTooLarge
	}
	return p.parseLines(b, i)
}

// parseLines parses the head, which ends at end with an empty line; its
// other lines end at p.lines.
func (p *parser) parseLines(b []byte, end int) error {
	pos := p.reqStart
	if err := p.parseRequestLine(b, pos, trimCR(b, pos, p.lines[0])); err != nil {
		return err
	}
	for k := 1; k < len(p.lines); k++ {
		pos, nl := p.lines[k-1]+1, p.lines[k]
		name, value, err := parseFieldLine(b, pos, trimCR(b, pos, nl))
		if err != nil {
			return err
		}
		p.fields = append(p.fields, field{name, value})
		if err := p.noteField(b[name.start:name.end], b[value.start:value.end]); err != nil {
			return err
		}
	}
	p.headEnd = end
	return p.finishHead()
}

// trimCR returns the end of the line b[start:nl] without a final '\r'.
func trimCR(b []byte, start, nl int) int {
	if nl > start && b[nl-1] == '\r' {
		return nl - 1
	}
	return nl
}

// parseRequestLine parses "METHOD SP request-target SP HTTP/x.y".
func (p *parser) parseRequestLine(b []byte, start, end int) error {
	line := b[start:end]
	sp := bytes.IndexByte(line, ' ')
	if sp < 0 {
		return errRequestLine
	}
	if sp == 0 {
		return errMethod
	}
	for _, c := range line[:sp] {
		if !isToken[c] {
			return errMethod
		}
	}
	rest := line[sp+1:]
	sp2 := bytes.LastIndexByte(rest, ' ')
	if sp2 < 0 {
		return errRequestLine
	}
	if sp2 == 0 {
		return errTarget
	}
	query := -1
	for i, c := range rest[:sp2] {
		if c <= ' ' || c == 0x7f {
			return errTarget
		}
		if c == '?' && query < 0 {
			query = i
		}
	}
	v := rest[sp2+1:]
	if len(v) != 8 || string(v[:5]) != "HTTP/" || !isDigit(v[5]) || v[6] != '.' || !isDigit(v[7]) {
		return errVersion
	}
	if v[5] != '1' || v[7] > '1' {
		return errUnsupportedVersion
	}
	p.minor = int(v[7] - '0')
	p.method = span{start, start + sp}
	ts := start + sp + 1
	p.target = span{ts, ts + sp2}
	p.query = -1
	if query >= 0 {
		p.query = ts + query
	}
	p.proto = span{ts + sp2 + 1, end}
	return nil
}

// parseFieldLine parses "name: value" in b[start:end] (a non-empty line
// without its line ending), returning the name and the trimmed value.
func parseFieldLine(b []byte, start, end int) (name, value span, err error) {
	if c := b[start]; c == ' ' || c == '\t' {
		return span{}, span{}, errObsFold
	}
	// The name is a token up to the colon: a space before the colon or
	// a control character ends it too soon.
	line := b[start:end]
	colon := 0
	for colon < len(line) && isToken[line[colon]] {
		colon++
	}
	if colon == len(line) || line[colon] != ':' {
		if bytes.IndexByte(line[colon:], ':') < 0 {
			return span{}, span{}, errHeaderLine
		}
		return span{}, span{}, errHeaderName
	}
	if colon == 0 {
		return span{}, span{}, errHeaderName
	}
	vs, ve := start+colon+1, end
	for vs < ve && (b[vs] == ' ' || b[vs] == '\t') {
		vs++
	}
	for ve > vs && (b[ve-1] == ' ' || b[ve-1] == '\t') {
		ve--
	}
	if !validValue(b[vs:ve]) {
		return span{}, span{}, errHeaderValue
	}
	return span{start, start + colon}, span{vs, ve}, nil
}

// validValue reports whether v holds no control character but HTAB
// (obs-text, bytes 0x80 and up, is allowed).
func validValue(v []byte) bool {
	i := 0
	for ; i+16 <= len(v); i += 16 {
		if badWord(binary.LittleEndian.Uint64(v[i:]))|badWord(binary.LittleEndian.Uint64(v[i+8:])) != 0 {
			break
		}
	}
	for ; i+8 <= len(v); i += 8 {
		if badWord(binary.LittleEndian.Uint64(v[i:])) != 0 {
			break
		}
	}
	for ; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// badWord has the high bit of each byte of x set that is below 0x20 (tabs
// included, which the caller's byte loop lets pass) or equal to 0x7f.
// Without their high bit, bytes cannot carry into their neighbours.
func badWord(x uint64) uint64 {
	const lo7 = 0x7f7f7f7f7f7f7f7f
	const hi = 0x8080808080808080
	y := x & lo7
	printable := (y + 0x6060606060606060) & hi // y >= 0x20
	del := (y + 0x0101010101010101) & hi       // y == 0x7f
	return (^printable | del) &^ x & hi
}

// noteField records what the server itself needs of a header field.
func (p *parser) noteField(name, value []byte) error {
	switch len(name) {
	case 4:
		if equalFold(name, "host") {
			p.hosts++
			for _, c := range value {
				if !isHostByte[c] {
					return errHost
				}
			}
		}
	case 6:
		if equalFold(name, "expect") {
			if equalFold(value, "100-continue") {
				p.expectContinue = true
			} else if len(value) > 0 {
				p.expectOther = true
			}
		}
	case 10:
		if equalFold(name, "connection") {
			for tok, rest := nextToken(value); tok != nil; tok, rest = nextToken(rest) {
				if equalFold(tok, "close") {
					p.closeConn = true
				} else if equalFold(tok, "keep-alive") {
					p.keepAlive = true
				}
			}
		}
	case 14:
		if equalFold(name, "content-length") {
			n, ok := parseLength(value)
			if !ok || (p.hasLength && n != p.length) {
				return errContentLength
			}
			p.length, p.hasLength = n, true
		}
	case 17:
		if equalFold(name, "transfer-encoding") {
			p.te = true
			for tok, rest := nextToken(value); tok != nil; tok, rest = nextToken(rest) {
				if equalFold(tok, "chunked") {
					p.teChunked++
					p.teLast = true
				} else {
					p.teOther = true
					p.teLast = false
				}
			}
		}
	}
	return nil
}

// finishHead decides the framing of the body and checks the head as a whole.
func (p *parser) finishHead() error {
	if p.hosts > 1 || (p.hosts == 0 && p.minor == 1) {
		return errHost
	}
	switch {
	case p.te:
		// Both framings: a request smuggling attempt or a broken
		// client (RFC 9112, section 6.3).
		if p.hasLength {
			return errBothLengths
		}
		if p.teOther {
			return errUnsupportedCoding
		}
		// An HTTP/1.0 message with Transfer-Encoding has faulty
		// framing (RFC 9112, section 6.1); chunked must be applied
		// once, last.
		if p.minor == 0 || p.teChunked != 1 || !p.teLast {
			return errTransferEncoding
		}
		p.framing = bodyChunked
		p.raw, p.out = p.headEnd, p.headEnd
	case p.hasLength:
		if p.length > p.maxBody {
			return errBodyTooLarge
		}
		if p.length > 0 {
			p.framing = bodyLength
		}
	}
	if p.expectOther {
		return errExpectation
	}
	if p.minor == 0 {
		// An HTTP/1.0 client cannot take a 100 Continue (RFC 9110,
		// section 10.1.1), and closes unless it asked to keep alive.
		p.expectContinue = false
		p.closeConn = p.closeConn || !p.keepAlive
	}
	if p.framing == bodyNone {
		p.expectContinue = false
	}
	return nil
}

// decodeChunked decodes the chunked body in b as far as b goes; see parse.
func (p *parser) decodeChunked(b []byte) (int, error) {
	for {
		switch p.chunkState {
		case chunkSize:
			line, next, err := p.chunkLine(b, maxChunkLine)
			if err == errIncomplete {
				return p.closeGap(b), err
			}
			if err != nil {
				return len(b), err
			}
			size, err := parseChunkSize(line)
			if err != nil {
				return len(b), err
			}
			if size > p.maxBody-int64(p.out-p.headEnd) {
				return len(b), errBodyTooLarge
			}
			// Allow 16 bytes of framing per chunk plus twice the data,
			// as net/http: a sender cannot make the server read
			// arbitrary amounts of chunk extensions for little data.
			p.excess += int64(next-p.raw) + 2 - 16 - 2*size
			p.excess = max(p.excess, 0)
			if p.excess > 16<<10 {
				return len(b), errChunkOverhead
			}
			p.raw = next
			if size == 0 {
				p.chunkState = chunkTrailer
			} else {
				p.left = size
				p.chunkState = chunkData
			}
		case chunkData:
			k := min(int64(len(b)-p.raw), p.left)
			if p.out != p.raw {
				copy(b[p.out:], b[p.raw:p.raw+int(k)])
			}
			p.out += int(k)
			p.raw += int(k)
			p.left -= k
			if p.left > 0 {
				return p.closeGap(b), errIncomplete
			}
			p.chunkState = chunkDataEnd
		case chunkDataEnd:
			if p.raw >= len(b) {
				return p.closeGap(b), errIncomplete
			}
			switch b[p.raw] {
			case '\n':
				p.raw++
			case '\r':
				if p.raw+1 >= len(b) {
					return p.closeGap(b), errIncomplete
				}
				if b[p.raw+1] != '\n' {
					return len(b), errChunked
				}
				p.raw += 2
			default:
				return len(b), errChunked
			}
			p.chunkState = chunkSize
		case chunkTrailer:
			line, next, err := p.chunkLine(b, p.maxHeader-p.trailer)
			if err == errIncomplete {
				return p.closeGap(b), err
			}
			if err == errChunked {
				err = errHeaderTooLarge
			}
			if err != nil {
				return len(b), err
			}
			if len(line) == 0 {
				return next, nil
			}
			// Trailer fields are checked like header fields, then
			// dropped.
			if _, _, err := parseFieldLine(b, p.raw, p.raw+len(line)); err != nil {
				return len(b), err
			}
			p.trailer += next - p.raw
			p.raw = next
		}
	}
}

// chunkLine returns the line at p.raw without its line ending, and the
// offset after it; errIncomplete when its end has not arrived, errChunked
// when it is longer than maxLen.
func (p *parser) chunkLine(b []byte, maxLen int) (line []byte, next int, err error) {
	i := p.raw + p.lineScan
	j := bytes.IndexByte(b[i:], '\n')
	if j < 0 {
		p.lineScan = len(b) - p.raw
		if p.lineScan > maxLen {
			return nil, 0, errChunked
		}
		return nil, 0, errIncomplete
	}
	nl := i + j
	p.lineScan = 0
	if nl-p.raw > maxLen {
		return nil, 0, errChunked
	}
	return b[p.raw:trimCR(b, p.raw, nl)], nl + 1, nil
}

// closeGap moves the undecoded bytes b[p.raw:] down to the end of the
// decoded data and returns the length of b still in use.
func (p *parser) closeGap(b []byte) int {
	if p.raw == p.out {
		return len(b)
	}
	n := copy(b[p.out:], b[p.raw:])
	p.raw = p.out
	return p.out + n
}

// parseChunkSize parses "1*HEXDIG [ BWS ; chunk-ext ]". A size too large to
// represent is errBodyTooLarge.
func parseChunkSize(line []byte) (int64, error) {
	var n int64
	i := 0
	for ; i < len(line); i++ {
		d := unhex(line[i])
		if d < 0 {
			break
		}
		if n >= 1<<58 {
			return 0, errBodyTooLarge
		}
		n = n<<4 | int64(d)
	}
	if i == 0 {
		return 0, errChunked
	}
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	if i < len(line) && line[i] != ';' {
		return 0, errChunked
	}
	// Extensions are ignored, but may not hide control characters.
	if !validValue(line[i:]) {
		return 0, errChunked
	}
	return n, nil
}

// parseLength parses a Content-Length value: digits only. A value too
// large for int64 is returned as math.MaxInt64 (then over any limit).
func parseLength(v []byte) (int64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if !isDigit(c) {
			return 0, false
		}
		if n > (math.MaxInt64-9)/10 {
			n = math.MaxInt64
			continue
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// nextToken returns the first non-empty element of the comma-separated
// list v, without surrounding whitespace, and the rest of the list; tok is
// nil when v has no element left.
func nextToken(v []byte) (tok, rest []byte) {
	for len(v) > 0 {
		if i := bytes.IndexByte(v, ','); i >= 0 {
			tok, v = v[:i], v[i+1:]
		} else {
			tok, v = v, nil
		}
		if tok = bytes.Trim(tok, " \t"); len(tok) > 0 {
			return tok, v
		}
	}
	return nil, nil
}

// equalFold reports whether s equals lower, a lower-case ASCII string,
// ignoring ASCII case.
func equalFold[T []byte | string](s T, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// equalFoldBoth reports whether a and b are equal ignoring ASCII case.
func equalFoldBoth(a []byte, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// isHostByte tells the bytes a Host header may hold: those of a
// reg-name, an IP literal and a port (RFC 3986), as net/http allows.
var isHostByte = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!$%&'()*+,-.:;=[]_~" {
		t[c] = true
	}
	return t
}()

// isToken tells the tchar bytes of RFC 9110, section 5.6.2.
var isToken = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()
