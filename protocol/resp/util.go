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
// [abc], [^a-z], and \ escapes. nocase folds ASCII case.
func globMatch(pattern, s []byte, nocase bool) bool {
	return globMatchDepth(pattern, s, nocase, 0)
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func globMatchDepth(p, s []byte, nocase bool, depth int) bool {
	if depth > 1000 {
		return false
	}
	for len(p) > 0 && len(s) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 1 && p[1] == '*' {
				p = p[1:]
			}
			if len(p) == 1 {
				return true
			}
			for len(s) > 0 {
				if globMatchDepth(p[1:], s, nocase, depth+1) {
					return true
				}
				s = s[1:]
			}
			return false
		case '?':
			s = s[1:]
		case '[':
			p = p[1:]
			not := len(p) > 0 && p[0] == '^'
			if not {
				p = p[1:]
			}
			match := false
			for {
				if len(p) == 0 {
					break
				}
				if p[0] == '\\' && len(p) >= 2 {
					p = p[1:]
					if p[0] == s[0] {
						match = true
					}
				} else if p[0] == ']' {
					break
				} else if len(p) >= 3 && p[1] == '-' {
					start, end := p[0], p[2]
					if start > end {
						start, end = end, start
					}
					c := s[0]
					if nocase {
						start, end, c = lowerByte(start), lowerByte(end), lowerByte(c)
					}
					p = p[2:]
					if c >= start && c <= end {
						match = true
					}
				} else {
					if nocase {
						if lowerByte(p[0]) == lowerByte(s[0]) {
							match = true
						}
					} else if p[0] == s[0] {
						match = true
					}
				}
				p = p[1:]
			}
			if len(p) == 0 {
				// no closing bracket: Redis treats the rest as matched
				// up to here
				p = p[:0]
			}
			if not {
				match = !match
			}
			if !match {
				return false
			}
			s = s[1:]
		case '\\':
			if len(p) >= 2 {
				p = p[1:]
			}
			fallthrough
		default:
			if nocase {
				if lowerByte(p[0]) != lowerByte(s[0]) {
					return false
				}
			} else if p[0] != s[0] {
				return false
			}
			s = s[1:]
		}
		if len(p) > 0 {
			p = p[1:]
		}
		if len(s) == 0 {
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			break
		}
	}
	return len(p) == 0 && len(s) == 0
}
