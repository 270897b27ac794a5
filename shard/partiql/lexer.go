package partiql

import "strings"

// tokKind is the kind of a lexical token.
type tokKind uint8

const (
	tEOF    tokKind = iota
	tIdent          // a bare word: a keyword or an identifier
	tQuoted         // "identifier"
	tString         // 'string'
	tNumber         // 12, -3 is a minus then a number, 1.5e3
	tPunct          // one of the operators and brackets below
	tParam          // ?
	tBad            // a character or comment the lexer cannot read
)

type token struct {
	kind tokKind
	text string // the identifier, string (unescaped) or punctuation
	pos  int
}

// puncts are the multi-character operators first, so the longest wins.
var puncts = []string{"<<", ">>", "<>", "!=", "<=", ">=", "||",
	"=", "<", ">", "+", "-", "*", "/", "%", "(", ")", "[", "]", "{", "}", ",", ".", ":", ";"}

// lex splits a statement into tokens. Line comments (--) and block
// comments (/* */) are skipped; an unterminated string, quoted identifier
// or comment ends the stream with a tBad token.
func lex(src string) []token {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '-' && i+1 < len(src) && src[i+1] == '-':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return append(toks, token{kind: tBad, pos: i})
			}
			i += end + 4
		case c == '\'' || c == '"':
			s, n, ok := quoted(src[i:], c)
			if !ok {
				return append(toks, token{kind: tBad, pos: i})
			}
			k := tString
			if c == '"' {
				k = tQuoted
			}
			toks = append(toks, token{kind: k, text: s, pos: i})
			i += n
		case isDigit(c) || (c == '.' && i+1 < len(src) && isDigit(src[i+1])):
			n := number(src[i:])
			toks = append(toks, token{kind: tNumber, text: src[i : i+n], pos: i})
			i += n
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && isIdentByte(src[j]) {
				j++
			}
			toks = append(toks, token{kind: tIdent, text: src[i:j], pos: i})
			i = j
		case c == '?':
			toks = append(toks, token{kind: tParam, text: "?", pos: i})
			i++
		default:
			found := false
			for _, p := range puncts {
				if strings.HasPrefix(src[i:], p) {
					toks = append(toks, token{kind: tPunct, text: p, pos: i})
					i += len(p)
					found = true
					break
				}
			}
			if !found {
				return append(toks, token{kind: tBad, pos: i})
			}
		}
	}
	return append(toks, token{kind: tEOF, pos: len(src)})
}

// quoted reads a string or quoted identifier starting at s[0] == q, where
// a doubled quote stands for one. It returns the text, the bytes read and
// whether the closing quote was found.
func quoted(s string, q byte) (string, int, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] == q {
			if i+1 < len(s) && s[i+1] == q {
				b.WriteByte(q)
				i++
				continue
			}
			return b.String(), i + 1, true
		}
		b.WriteByte(s[i])
	}
	return "", len(s), false
}

// number returns the length of the number literal at the start of s:
// digits, an optional fraction and an optional exponent.
func number(s string) int {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && isDigit(s[j]) {
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			i = j
		}
	}
	return i
}

func isDigit(c byte) bool      { return '0' <= c && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || c == '$' || 'a' <= c|0x20 && c|0x20 <= 'z' }
func isIdentByte(c byte) bool  { return isIdentStart(c) || isDigit(c) }
