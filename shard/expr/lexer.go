package expr

import (
	"strings"
	"unicode/utf8"
)

// tokKind is the kind of a lexical token of an expression.
type tokKind uint8

const (
	tEOF      tokKind = iota
	tIdent            // [A-Za-z_][A-Za-z0-9_]*; keywords are identifiers too
	tNumber           // [0-9]+ (list indexes)
	tName             // #[A-Za-z0-9_]+ (ExpressionAttributeNames placeholder)
	tValue            // :[A-Za-z0-9_]+ (ExpressionAttributeValues placeholder)
	tLParen           // (
	tRParen           // )
	tLBracket         // [
	tRBracket         // ]
	tDot              // .
	tComma            // ,
	tEq               // =
	tNe               // <>
	tLt               // <
	tLe               // <=
	tGt               // >
	tGe               // >=
	tPlus             // +
	tMinus            // -
	tInvalid          // anything else: one character, a bare # or :, or a word starting with a digit
)

// token is one token; its text is src[start:end].
type token struct {
	kind       tokKind
	start, end int
}

// lex splits src into tokens. It never fails: characters that belong to no
// token become tInvalid tokens, which the parsers report as syntax errors.
// Whitespace is space, tab, CR and LF.
func lex(src string) []token {
	toks := make([]token, 0, len(src)/3+1)
	i := 0
	for i < len(src) {
		c := src[i]
		start := i
		kind := tInvalid
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
			continue
		case c == '_':
			// A name starts with a letter: DynamoDB reports "_" itself
			// as the token in error (SET _123, issue 14).
			i++
		case isWordByte(c):
			for i < len(src) && isWordByte(src[i]) {
				i++
			}
			switch {
			case isDigit(c) && allDigits(src[start:i]):
				kind = tNumber
			case isDigit(c):
				kind = tInvalid
			default:
				kind = tIdent
			}
		case c == '#' || c == ':':
			i++
			for i < len(src) && isWordByte(src[i]) {
				i++
			}
			switch {
			case i == start+1:
				kind = tInvalid
			case c == '#':
				kind = tName
			default:
				kind = tValue
			}
		case c == '<':
			i++
			kind = tLt
			if i < len(src) && src[i] == '>' {
				i++
				kind = tNe
			} else if i < len(src) && src[i] == '=' {
				i++
				kind = tLe
			}
		case c == '>':
			i++
			kind = tGt
			if i < len(src) && src[i] == '=' {
				i++
				kind = tGe
			}
		default:
			i++
			switch c {
			case '(':
				kind = tLParen
			case ')':
				kind = tRParen
			case '[':
				kind = tLBracket
			case ']':
				kind = tRBracket
			case '.':
				kind = tDot
			case ',':
				kind = tComma
			case '=':
				kind = tEq
			case '+':
				kind = tPlus
			case '-':
				kind = tMinus
			default:
				// One (possibly multi-byte) character.
				if c >= utf8.RuneSelf {
					_, size := utf8.DecodeRuneInString(src[start:])
					i = start + size
				}
			}
		}
		toks = append(toks, token{kind: kind, start: start, end: i})
	}
	return toks
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || isDigit(c) || c == '_'
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// isBlank reports whether s holds nothing but whitespace; DynamoDB treats
// such an expression as empty.
func isBlank(s string) bool {
	return strings.Trim(s, " \t\r\n") == ""
}

// tokStream is a cursor over the tokens of one expression, shared by the
// three parsers.
type tokStream struct {
	src  string
	toks []token
	pos  int
}

func (s *tokStream) peek() token {
	if s.pos < len(s.toks) {
		return s.toks[s.pos]
	}
	return token{kind: tEOF, start: len(s.src), end: len(s.src)}
}

func (s *tokStream) next() token {
	t := s.peek()
	if s.pos < len(s.toks) {
		s.pos++
	}
	return t
}

func (s *tokStream) text(t token) string { return s.src[t.start:t.end] }

// isKeyword reports whether the current token is the identifier kw (which
// must be upper case), compared case-insensitively.
func (s *tokStream) isKeyword(kw string) bool {
	t := s.peek()
	return t.kind == tIdent && strings.EqualFold(s.text(t), kw)
}

// syntaxError builds DynamoDB's syntax error for the current token: the
// token's text (or <EOF>) and the source from the start of the token before
// it to the end of the token after it.
func (s *tokStream) syntaxError() *syntaxError {
	i := s.pos
	var tok string
	var from, to int
	if i >= len(s.toks) {
		tok = "<EOF>"
		if len(s.toks) == 0 {
			return &syntaxError{tok: tok}
		}
		last := s.toks[len(s.toks)-1]
		from, to = last.start, last.end
	} else {
		t := s.toks[i]
		tok = s.text(t)
		from, to = t.start, t.end
		if i > 0 {
			from = s.toks[i-1].start
		}
		if i+1 < len(s.toks) {
			to = s.toks[i+1].end
		}
	}
	return &syntaxError{tok: tok, near: s.src[from:to]}
}

// syntaxError is a parse failure; it unwinds the recursive-descent parsers
// through ordinary returns.
type syntaxError struct{ tok, near string }

func (e *syntaxError) message() string {
	return `Syntax error; token: "` + e.tok + `", near: "` + e.near + `"`
}
