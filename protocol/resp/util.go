package resp

import (
	"math"
	"math/big"
	"strconv"
	"strings"
)

// parseInt64 parses b as Redis's string2ll does: an optional minus, then
// digits without a leading zero (or a lone 0), nothing else.
func parseInt64(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	i := 0
	neg := b[0] == '-'
	if neg {
		i++
	}
	if i >= len(b) || b[i] < '1' || b[i] > '9' {
		return 0, false
	}
	var u uint64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if u > (math.MaxUint64-9)/10 {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// maxFloatChars bounds a float argument (Redis's MAX_LONG_DOUBLE_CHARS).
const maxFloatChars = 5 * 1024

// errInfinite is a float that is an infinity (Redis accepts it as an
// increment, then refuses the result).
var errInfinite = respErr("inf")

// parseFloat parses a float argument or value exactly. It accepts what
// strtold accepts in decimal notation (sign, digits, point, exponent) with
// Redis's bounds; "inf" and friends return errInfinite.
func parseFloat(b []byte) (*big.Rat, error) {
	if len(b) == 0 || len(b) > maxFloatChars {
		return nil, errNotFloat
	}
	s := strings.ToLower(bstr(b))
	switch strings.TrimLeft(s, "+-") {
	case "inf", "infinity":
		return nil, errInfinite
	}
	digits, exp := 0, 0
	mant := s
	if i := strings.IndexByte(s, 'e'); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > 5000 || e < -5000 {
			return nil, errNotFloat
		}
		exp = e
		mant = s[:i]
	}
	points := 0
	for i := 0; i < len(mant); i++ {
		switch c := mant[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			points++
		case (c == '-' || c == '+') && i == 0:
		default:
			return nil, errNotFloat
		}
	}
	if digits == 0 || points > 1 {
		return nil, errNotFloat
	}
	if exp-digits > 5000 || exp+digits > 5000 {
		return nil, errNotFloat
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, errNotFloat
	}
	return r, nil
}

// formatFloat formats r as Redis's INCRBYFLOAT does ("%.17Lf", then
// trailing zeros and point dropped), from the exact value.
func formatFloat(dst []byte, r *big.Rat) []byte {
	s := r.FloatString(17)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return append(dst, s...)
}

// floatTooBig reports a result beyond long double's range, which Redis
// refuses as an infinity.
func floatTooBig(r *big.Rat) bool {
	return r.Num().BitLen()-r.Denom().BitLen() > 16384
}

// globMatch matches s against a Redis glob pattern (stringmatchlen): *, ?,
// [abc], [^a-z], and \ escapes. nocase folds ASCII case. It backtracks to
// the last star only, so it runs in O(len(pattern)*len(s)) whatever the
// pattern (a recursive matcher is exponential on "*a*a*a...b").
func globMatch(pattern, s []byte, nocase bool) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		if p < len(pattern) && pattern[p] == '*' {
			for p < len(pattern) && pattern[p] == '*' {
				p++
			}
			if p == len(pattern) {
				return true
			}
			star, mark = p, i
			continue
		}
		if p < len(pattern) {
			if next, ok := matchOne(pattern, p, s[i], nocase); ok {
				p, i = next, i+1
				continue
			}
		}
		if star < 0 {
			return false
		}
		mark++
		p, i = star, mark
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// matchOne matches byte c against the pattern element at p (not a star)
// and returns the position after the element.
func matchOne(pat []byte, p int, c byte, nocase bool) (int, bool) {
	eq := func(a, b byte) bool {
		if nocase {
			return lowerByte(a) == lowerByte(b)
		}
		return a == b
	}
	switch pat[p] {
	case '?':
		return p + 1, true
	case '\\':
		if p+1 < len(pat) {
			return p + 2, eq(pat[p+1], c)
		}
		return p + 1, eq('\\', c)
	case '[':
		p++
		not := p < len(pat) && pat[p] == '^'
		if not {
			p++
		}
		match := false
		for p < len(pat) && pat[p] != ']' {
			switch {
			case pat[p] == '\\' && p+1 < len(pat):
				match = match || pat[p+1] == c
				p += 2
			case p+2 < len(pat) && pat[p+1] == '-':
				// Redis compares C chars, signed on the platforms it
				// runs on: [a-\xff] is the range -1..'a'.
				lo, hi, x := int8(pat[p]), int8(pat[p+2]), int8(c)
				if lo > hi {
					lo, hi = hi, lo
				}
				if nocase {
					lo, hi, x = int8(lowerByte(byte(lo))), int8(lowerByte(byte(hi))), int8(lowerByte(byte(x)))
				}
				match = match || (x >= lo && x <= hi)
				p += 3
			default:
				match = match || eq(pat[p], c)
				p++
			}
		}
		if p < len(pat) {
			p++ // the closing bracket
		}
		return p, match != not
	}
	return p + 1, eq(pat[p], c)
}
