package dynamodb

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// A small JSON parser for request bodies. Unlike encoding/json it keeps the
// order of object members (DynamoDB's validation order and messages depend
// on it), keeps numbers as their text, and makes one copy of the body: the
// strings without escapes are substrings of it.
//
// Semantics follow JavaScript's JSON.parse, which dynalite (the reference
// whose messages were recorded against DynamoDB) uses: strict RFC 8259
// syntax, a repeated object key keeps its first position and takes the
// last value.
//
// Strings must be valid Unicode, as DynamoDB's own (Java) parser requires:
// a string with bytes that are not UTF-8, or an escaped surrogate that is
// not half of a pair ("\ud800"), makes the body malformed (a bare
// SerializationException, what DynamoDB answers to a body that is not
// UTF-8). Replacing them with U+FFFD, as Node's body decoding does, would
// make distinct keys ("K\xff", "K\xfe") one.

type jvKind uint8

const (
	jvNull jvKind = iota
	jvBool
	jvNumber
	jvString
	jvArray
	jvObject
)

// jv is one parsed JSON value.
type jv struct {
	kind jvKind
	b    bool
	str  string  // string value, or a number's text
	kids []jvMem // array elements (key "") or object members, in order
}

// jvMem is an object member or an array element.
type jvMem struct {
	key string
	val jv
}

// jvMaxDepth bounds nesting: deeper documents are refused as malformed
// rather than risking the stack (Jackson's default limit is 1000 too).
const jvMaxDepth = 1000

// get returns the member named key of object v, or nil (also when v is not
// an object). Keys are unique after parsing.
func (v *jv) get(key string) *jv {
	if v == nil || v.kind != jvObject {
		return nil
	}
	for i := range v.kids {
		if v.kids[i].key == key {
			return &v.kids[i].val
		}
	}
	return nil
}

// present returns the member named key unless it is absent or null.
func (v *jv) present(key string) *jv {
	m := v.get(key)
	if m == nil || m.kind == jvNull {
		return nil
	}
	return m
}

type jvParser struct {
	src   string
	i     int
	build bool
	err   bool
	stack []jvMem // members of the arrays and objects being parsed
	slab  []jvMem // storage the finished members are copied to
}

// jvParse parses body as one JSON document. ok is false for malformed
// input (DynamoDB answers a bare SerializationException).
func jvParse(body []byte) (v jv, ok bool) {
	p := jvParser{src: string(body), build: true, stack: make([]jvMem, 0, 16)}
	v = p.document()
	return v, !p.err
}

// jsonWellFormed reports whether body is one well-formed JSON document, as
// JSON.parse would accept it. It allocates nothing.
func jsonWellFormed(body []byte) bool {
	// No copy: the parser only reads src when not building.
	p := jvParser{src: unsafeString(body)}
	p.document()
	return !p.err
}

func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func (p *jvParser) document() jv {
	p.ws()
	v := p.value(0)
	p.ws()
	if p.i != len(p.src) {
		p.err = true
	}
	return v
}

func (p *jvParser) ws() {
	for p.i < len(p.src) {
		switch p.src[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jvParser) lit(s string) bool {
	if strings.HasPrefix(p.src[p.i:], s) {
		p.i += len(s)
		return true
	}
	p.err = true
	return false
}

func (p *jvParser) value(depth int) jv {
	if p.err {
		return jv{}
	}
	if depth > jvMaxDepth || p.i >= len(p.src) {
		p.err = true
		return jv{}
	}
	switch c := p.src[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s := p.string()
		return jv{kind: jvString, str: s}
	case c == 't':
		p.lit("true")
		return jv{kind: jvBool, b: true}
	case c == 'f':
		p.lit("false")
		return jv{kind: jvBool}
	case c == 'n':
		p.lit("null")
		return jv{}
	case c == '-' || (c >= '0' && c <= '9'):
		return jv{kind: jvNumber, str: p.number()}
	}
	p.err = true
	return jv{}
}

func (p *jvParser) number() string {
	start := p.i
	s := p.src
	if s[p.i] == '-' {
		p.i++
	}
	if p.i >= len(s) {
		p.err = true
		return ""
	}
	if s[p.i] == '0' {
		p.i++
	} else if s[p.i] >= '1' && s[p.i] <= '9' {
		for p.i < len(s) && s[p.i] >= '0' && s[p.i] <= '9' {
			p.i++
		}
	} else {
		p.err = true
		return ""
	}
	if p.i < len(s) && s[p.i] == '.' {
		p.i++
		d := p.i
		for p.i < len(s) && s[p.i] >= '0' && s[p.i] <= '9' {
			p.i++
		}
		if p.i == d {
			p.err = true
			return ""
		}
	}
	if p.i < len(s) && (s[p.i] == 'e' || s[p.i] == 'E') {
		p.i++
		if p.i < len(s) && (s[p.i] == '+' || s[p.i] == '-') {
			p.i++
		}
		d := p.i
		for p.i < len(s) && s[p.i] >= '0' && s[p.i] <= '9' {
			p.i++
		}
		if p.i == d {
			p.err = true
			return ""
		}
	}
	return s[start:p.i]
}

// string parses a string starting at the opening quote.
func (p *jvParser) string() string {
	s := p.src
	p.i++ // opening quote
	start := p.i
	ascii := true
	for p.i < len(s) {
		c := s[p.i]
		switch {
		case c == '"':
			out := s[start:p.i]
			p.i++
			if !ascii && !utf8.ValidString(out) {
				p.err = true
				return ""
			}
			return out
		case c == '\\':
			return p.escaped(start, ascii)
		case c < 0x20:
			p.err = true
			return ""
		case c >= utf8.RuneSelf:
			ascii = false
		}
		p.i++
	}
	p.err = true
	return ""
}

// escaped continues a string that has escapes; p.i is at the first
// backslash and start at the first character of the string; ascii tells
// whether the bytes before p.i are ASCII.
//
// Escapes are ASCII and decode to whole characters, so the unescaped
// string is valid UTF-8 exactly when the raw bytes between the quotes are:
// those are checked, which needs no buffer when only checking syntax.
func (p *jvParser) escaped(start int, ascii bool) string {
	s := p.src
	var buf []byte
	if p.build {
		buf = make([]byte, 0, p.i-start+16)
		buf = append(buf, s[start:p.i]...)
	}
	for p.i < len(s) {
		c := s[p.i]
		switch {
		case c == '"':
			if !ascii && !utf8.ValidString(s[start:p.i]) {
				p.err = true
				return ""
			}
			p.i++
			if !p.build {
				return ""
			}
			return string(buf)
		case c < 0x20:
			p.err = true
			return ""
		case c != '\\':
			if c >= utf8.RuneSelf {
				ascii = false
			}
			if p.build {
				buf = append(buf, c)
			}
			p.i++
			continue
		}
		// Backslash.
		p.i++
		if p.i >= len(s) {
			p.err = true
			return ""
		}
		e := s[p.i]
		p.i++
		var r byte
		switch e {
		case '"', '\\', '/':
			r = e
		case 'b':
			r = '\b'
		case 'f':
			r = '\f'
		case 'n':
			r = '\n'
		case 'r':
			r = '\r'
		case 't':
			r = '\t'
		case 'u':
			u, ok := p.hex4()
			if !ok {
				return ""
			}
			ru := rune(u)
			if utf16.IsSurrogate(ru) {
				// Only a high surrogate followed by an escaped low one.
				if u >= 0xDC00 || !strings.HasPrefix(s[p.i:], `\u`) {
					p.err = true
					return ""
				}
				p.i += 2
				lo, ok := p.hex4()
				if !ok || lo < 0xDC00 || lo > 0xDFFF {
					p.err = true
					return ""
				}
				ru = utf16.DecodeRune(rune(u), rune(lo))
			}
			if p.build {
				buf = utf8.AppendRune(buf, ru)
			}
			continue
		default:
			p.err = true
			return ""
		}
		if p.build {
			buf = append(buf, r)
		}
	}
	p.err = true
	return ""
}

func (p *jvParser) hex4() (uint16, bool) {
	if p.i+4 > len(p.src) {
		p.err = true
		return 0, false
	}
	var u uint16
	for k := 0; k < 4; k++ {
		c := p.src[p.i+k]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			p.err = true
			return 0, false
		}
		u = u<<4 | uint16(d)
	}
	p.i += 4
	return u, true
}

func (p *jvParser) array(depth int) jv {
	p.i++ // [
	p.ws()
	if p.i < len(p.src) && p.src[p.i] == ']' {
		p.i++
		return jv{kind: jvArray}
	}
	mark := len(p.stack)
	for !p.err {
		p.ws()
		v := p.value(depth + 1)
		if p.build {
			p.stack = append(p.stack, jvMem{val: v})
		}
		p.ws()
		if p.i >= len(p.src) {
			break
		}
		switch p.src[p.i] {
		case ',':
			p.i++
			continue
		case ']':
			p.i++
			return jv{kind: jvArray, kids: p.pop(mark)}
		}
		break
	}
	p.err = true
	return jv{}
}

// pop returns the members pushed since mark in a slice of their own.
func (p *jvParser) pop(mark int) []jvMem {
	if !p.build {
		return nil
	}
	n := len(p.stack) - mark
	// Members come from a slab: one allocation for many small objects.
	if cap(p.slab)-len(p.slab) < n {
		size := max(n, min(len(p.src)/16+8, 1024))
		p.slab = make([]jvMem, 0, size)
	}
	l := len(p.slab)
	kids := p.slab[l : l+n : l+n]
	p.slab = p.slab[:l+n]
	copy(kids, p.stack[mark:])
	clear(p.stack[mark:])
	p.stack = p.stack[:mark]
	return kids
}

func (p *jvParser) object(depth int) jv {
	p.i++ // {
	p.ws()
	if p.i < len(p.src) && p.src[p.i] == '}' {
		p.i++
		return jv{kind: jvObject}
	}
	mark := len(p.stack)
	var index map[string]int // for large objects, to find repeated keys
	for !p.err {
		p.ws()
		if p.i >= len(p.src) || p.src[p.i] != '"' {
			break
		}
		k := p.string()
		p.ws()
		if p.i >= len(p.src) || p.src[p.i] != ':' {
			break
		}
		p.i++
		p.ws()
		v := p.value(depth + 1)
		if p.build {
			p.stack, index = jvAddMember(p.stack, mark, index, k, v)
		}
		p.ws()
		if p.i >= len(p.src) {
			break
		}
		switch p.src[p.i] {
		case ',':
			p.i++
			continue
		case '}':
			p.i++
			return jv{kind: jvObject, kids: p.pop(mark)}
		}
		break
	}
	p.err = true
	return jv{}
}

// jvAddMember adds k: v to the object whose members are stack[mark:]; a
// repeated key keeps its first position and takes the new value, as
// JSON.parse does.
func jvAddMember(stack []jvMem, mark int, index map[string]int, k string, v jv) ([]jvMem, map[string]int) {
	const linear = 16
	if index == nil {
		for i := mark; i < len(stack); i++ {
			if stack[i].key == k {
				stack[i].val = v
				return stack, nil
			}
		}
		stack = append(stack, jvMem{key: k, val: v})
		if len(stack)-mark > linear {
			index = make(map[string]int, 2*(len(stack)-mark))
			for i := mark; i < len(stack); i++ {
				index[stack[i].key] = i
			}
		}
		return stack, index
	}
	if i, ok := index[k]; ok {
		stack[i].val = v
		return stack, index
	}
	index[k] = len(stack)
	return append(stack, jvMem{key: k, val: v}), index
}

// JavaScript renderings, used to word messages exactly as dynalite does.

// jsNumber parses a JSON number's text as JavaScript does (to the nearest
// double, overflowing to ±Infinity).
func jsNumber(text string) float64 {
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f // ±Inf or 0
		}
		return math.NaN()
	}
	return f
}

// jsFormat renders f as JavaScript's String(f) does.
func jsFormat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	abs := math.Abs(f)
	if abs >= 1e21 || abs < 1e-6 {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		// Go writes e+21 / e-07; JavaScript writes e+21 / e-7.
		if i := strings.IndexByte(s, 'e'); i >= 0 {
			mant, exp := s[:i], s[i+1:]
			sign := exp[0]
			digits := strings.TrimLeft(exp[1:], "0")
			if digits == "" {
				digits = "0"
			}
			return mant + "e" + string(sign) + digits
		}
		return s
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}
