package attr

import (
	"math/big"
	"strings"
)

// DynamoDB numbers are exact decimals with at most 38 significant digits and
// a magnitude between 1E-130 and 9.9999999999999999999999999999999999999E+125.
//
// The canonical form, used in storage and on the wire, is plain decimal
// notation with no exponent, no leading zeros, no trailing fractional zeros
// and no sign on zero: "1.50" -> "1.5", "1e3" -> "1000", "-0.0" -> "0".
const (
	MaxDigits   = 38
	MaxExponent = 125  // largest exponent of the leading digit
	MinExponent = -130 // smallest exponent of the leading digit
)

// NumberError is a number DynamoDB would refuse; Error is DynamoDB's message.
type NumberError struct{ msg string }

func (e *NumberError) Error() string { return e.msg }

var (
	errOverflow  = &NumberError{"Number overflow. Attempting to store a number with magnitude larger than supported range"}
	errUnderflow = &NumberError{"Number underflow. Attempting to store a number with magnitude smaller than supported range"}
	errPrecision = &NumberError{"Attempting to store more than 38 significant digits in a Number"}
)

func errNotNumber(s string) *NumberError {
	if s == "" {
		return &NumberError{"The parameter cannot be converted to a numeric value"}
	}
	return &NumberError{"The parameter cannot be converted to a numeric value: " + s}
}

// decimal is a parsed number: (-1)^neg * 0.d1d2d3... * 10^(exp+1), that is,
// d1 is the digit at 10^exp. digits has no leading or trailing zeros; zero
// has no digits.
type decimal struct {
	neg    bool
	digits []byte // ASCII '0'..'9'
	exp    int
}

// parseDecimal parses the number grammar DynamoDB accepts: an optional sign,
// digits with an optional decimal point, an optional exponent.
func parseDecimal(s string, buf []byte) (decimal, bool) {
	var d decimal
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		d.neg = s[i] == '-'
		i++
	}
	digits := buf[:0]
	intDigits, nDigits := 0, 0
	seenPoint := false
	for ; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			nDigits++
			if !seenPoint {
				intDigits++
			}
			digits = append(digits, c)
			continue
		}
		if c == '.' && !seenPoint {
			seenPoint = true
			continue
		}
		break
	}
	if nDigits == 0 {
		return d, false
	}
	exp10 := 0
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return d, false
		}
		i++
		eneg := false
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			eneg = s[i] == '-'
			i++
		}
		if i == len(s) {
			return d, false
		}
		for ; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return d, false
			}
			if exp10 < 1_000_000 { // saturate: anything larger is out of range anyway
				exp10 = exp10*10 + int(c-'0')
			}
		}
		if eneg {
			exp10 = -exp10
		}
	}
	// Strip leading zeros.
	lead := 0
	for lead < len(digits) && digits[lead] == '0' {
		lead++
	}
	if lead == len(digits) {
		return decimal{}, true // zero, whatever its sign or exponent
	}
	digits = digits[lead:]
	end := len(digits)
	for end > 0 && digits[end-1] == '0' {
		end--
	}
	d.digits = digits[:end]
	d.exp = intDigits - lead - 1 + exp10
	return d, true
}

func (d decimal) check() *NumberError {
	if len(d.digits) == 0 {
		return nil
	}
	if d.exp > MaxExponent {
		return errOverflow
	}
	if d.exp < MinExponent {
		return errUnderflow
	}
	if len(d.digits) > MaxDigits {
		return errPrecision
	}
	return nil
}

// format writes d in canonical plain notation.
func (d decimal) format() string {
	if len(d.digits) == 0 {
		return "0"
	}
	var sb strings.Builder
	n := len(d.digits)
	sb.Grow(n + 4 + abs(d.exp))
	if d.neg {
		sb.WriteByte('-')
	}
	if d.exp < 0 {
		sb.WriteString("0.")
		for i := 0; i < -d.exp-1; i++ {
			sb.WriteByte('0')
		}
		sb.Write(d.digits)
		return sb.String()
	}
	if n <= d.exp+1 {
		sb.Write(d.digits)
		for i := n; i < d.exp+1; i++ {
			sb.WriteByte('0')
		}
		return sb.String()
	}
	sb.Write(d.digits[:d.exp+1])
	sb.WriteByte('.')
	sb.Write(d.digits[d.exp+1:])
	return sb.String()
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// CanonicalNumber validates s as DynamoDB would and returns its canonical
// form. The error, if any, is a *NumberError carrying DynamoDB's message.
func CanonicalNumber(s string) (string, error) {
	var buf [64]byte
	d, ok := parseDecimal(s, buf[:])
	if !ok {
		return "", errNotNumber(s)
	}
	if err := d.check(); err != nil {
		return "", err
	}
	if len(d.digits) == 0 {
		return "0", nil
	}
	// Fast path: already canonical.
	if c := d.format(); c != s {
		return c, nil
	}
	return s, nil
}

// mustDecimal parses a canonical number; canonical input never fails.
func mustDecimal(s string, buf []byte) decimal {
	d, _ := parseDecimal(s, buf)
	return d
}

// CompareNumbers compares two numbers (canonical or not, but valid)
// numerically, returning -1, 0 or +1.
func CompareNumbers(a, b string) int {
	var ba, bb [48]byte
	x := mustDecimal(a, ba[:])
	y := mustDecimal(b, bb[:])
	return compareDecimal(x, y)
}

func compareDecimal(x, y decimal) int {
	sx, sy := x.sign(), y.sign()
	if sx != sy {
		if sx < sy {
			return -1
		}
		return 1
	}
	if sx == 0 {
		return 0
	}
	c := compareAbs(x, y)
	if sx < 0 {
		return -c
	}
	return c
}

func (d decimal) sign() int {
	if len(d.digits) == 0 {
		return 0
	}
	if d.neg {
		return -1
	}
	return 1
}

func compareAbs(x, y decimal) int {
	if x.exp != y.exp {
		if x.exp < y.exp {
			return -1
		}
		return 1
	}
	// Same leading exponent: digit strings compare lexicographically, a
	// shorter prefix being smaller (no trailing zeros).
	n := min(len(x.digits), len(y.digits))
	for i := 0; i < n; i++ {
		if x.digits[i] != y.digits[i] {
			if x.digits[i] < y.digits[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(x.digits) < len(y.digits):
		return -1
	case len(x.digits) > len(y.digits):
		return 1
	}
	return 0
}

// toBig returns d as coefficient * 10^scale.
func (d decimal) toBig() (*big.Int, int) {
	c := new(big.Int)
	if len(d.digits) == 0 {
		return c, 0
	}
	c.SetString(string(d.digits), 10)
	if d.neg {
		c.Neg(c)
	}
	return c, d.exp - len(d.digits) + 1
}

var bigTen = big.NewInt(10)

func fromBig(c *big.Int, scale int) decimal {
	if c.Sign() == 0 {
		return decimal{}
	}
	s := c.String()
	neg := false
	if s[0] == '-' {
		neg = true
		s = s[1:]
	}
	end := len(s)
	for end > 0 && s[end-1] == '0' {
		end--
	}
	return decimal{neg: neg, digits: []byte(s[:end]), exp: scale + len(s) - 1}
}

// AddNumbers returns a+b in canonical form, or DynamoDB's error when the
// result is out of range or needs more than 38 digits.
func AddNumbers(a, b string) (string, error) { return addSub(a, b, false) }

// SubtractNumbers returns a-b in canonical form (see AddNumbers).
func SubtractNumbers(a, b string) (string, error) { return addSub(a, b, true) }

func addSub(a, b string, sub bool) (string, error) {
	var ba, bb [48]byte
	x := mustDecimal(a, ba[:])
	y := mustDecimal(b, bb[:])
	if sub {
		y.neg = !y.neg
	}
	cx, qx := x.toBig()
	cy, qy := y.toBig()
	q := min(qx, qy)
	if qx > q {
		cx.Mul(cx, new(big.Int).Exp(bigTen, big.NewInt(int64(qx-q)), nil))
	}
	if qy > q {
		cy.Mul(cy, new(big.Int).Exp(bigTen, big.NewInt(int64(qy-q)), nil))
	}
	r := fromBig(cx.Add(cx, cy), q)
	if err := r.check(); err != nil {
		return "", err
	}
	return r.format(), nil
}

// NumberDigits returns the count of significant digits of canonical n and
// the exponent of its leading digit (both 0 for zero); used for DynamoDB's
// size accounting.
func NumberDigits(n string) (digits, exp int, neg bool) {
	var buf [48]byte
	d := mustDecimal(n, buf[:])
	return len(d.digits), d.exp, d.neg
}
