package attr

import (
	"strings"
	"testing"
)

func TestCanonicalNumber(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"0", "0", ""},
		{"-0", "0", ""},
		{"0.000", "0", ""},
		{"1.50", "1.5", ""},
		{"+7", "7", ""},
		{"001", "1", ""},
		{"1e3", "1000", ""},
		{"1E+3", "1000", ""},
		{"12.5e-3", "0.0125", ""},
		{".5", "0.5", ""},
		{"5.", "5", ""},
		{"-123.4500", "-123.45", ""},
		{"0e999999999", "0", ""},
		{"1e125", "1" + strings.Repeat("0", 125), ""},
		{"9.9999999999999999999999999999999999999e125", "99999999999999999999999999999999999999" + strings.Repeat("0", 88), ""},
		{"1e-130", "0." + strings.Repeat("0", 129) + "1", ""},
		{"12345678901234567890123456789012345678", "12345678901234567890123456789012345678", ""},
		{"123456789012345678901234567890123456780000", "123456789012345678901234567890123456780000", ""},
		{"1e126", "", "Number overflow. Attempting to store a number with magnitude larger than supported range"},
		{"-1e126", "", "Number overflow. Attempting to store a number with magnitude larger than supported range"},
		{"1e-131", "", "Number underflow. Attempting to store a number with magnitude smaller than supported range"},
		{"123456789012345678901234567890123456789", "", "Attempting to store more than 38 significant digits in a Number"},
		{"", "", "The parameter cannot be converted to a numeric value"},
		{"abc", "", "The parameter cannot be converted to a numeric value: abc"},
		{"1e", "", "The parameter cannot be converted to a numeric value: 1e"},
		{"1.2.3", "", "The parameter cannot be converted to a numeric value: 1.2.3"},
		{"--1", "", "The parameter cannot be converted to a numeric value: --1"},
		{" 1", "", "The parameter cannot be converted to a numeric value:  1"},
		{".", "", "The parameter cannot be converted to a numeric value: ."},
		{"1e+", "", "The parameter cannot be converted to a numeric value: 1e+"},
	}
	for _, tt := range tests {
		got, err := CanonicalNumber(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("CanonicalNumber(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("CanonicalNumber(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestCompareNumbers(t *testing.T) {
	ordered := []string{"-1e125", "-100", "-10.5", "-10", "-9.99", "-1", "-0.5", "-0.05", "0", "0.05", "0.5", "1", "1.5", "9.99", "10", "10.5", "100", "1e125"}
	for i, a := range ordered {
		for j, b := range ordered {
			ca, _ := CanonicalNumber(a)
			cb, _ := CanonicalNumber(b)
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := CompareNumbers(ca, cb); got != want {
				t.Errorf("CompareNumbers(%s, %s) = %d, want %d", a, b, got, want)
			}
		}
	}
}

func TestAddNumbers(t *testing.T) {
	tests := []struct{ a, b, sum, diff, err string }{
		{"1", "2", "3", "-1", ""},
		{"0.1", "0.2", "0.3", "-0.1", ""},
		{"1.5", "-1.5", "0", "3", ""},
		{"100", "0.001", "100.001", "99.999", ""},
		{"-5", "3", "-2", "-8", ""},
		{"99999999999999999999999999999999999999", "0.1", "", "", "Attempting to store more than 38 significant digits in a Number"},
	}
	for _, tt := range tests {
		sum, err := AddNumbers(tt.a, tt.b)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("AddNumbers(%s, %s) error = %v, want %q", tt.a, tt.b, err, tt.err)
			}
			continue
		}
		if err != nil || sum != tt.sum {
			t.Errorf("AddNumbers(%s, %s) = %q, %v; want %q", tt.a, tt.b, sum, err, tt.sum)
		}
		diff, err := SubtractNumbers(tt.a, tt.b)
		if err != nil || diff != tt.diff {
			t.Errorf("SubtractNumbers(%s, %s) = %q, %v; want %q", tt.a, tt.b, diff, err, tt.diff)
		}
	}
	if _, err := AddNumbers("9e125", "9e125"); err == nil || !strings.HasPrefix(err.Error(), "Number overflow") {
		t.Errorf("overflowing add: %v", err)
	}
}

func FuzzCanonicalNumber(f *testing.F) {
	for _, s := range []string{"0", "1.50", "-1e-130", "9.9e125", "1e", ".", "+.5e+3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := CanonicalNumber(s)
		if err != nil {
			return
		}
		// Canonical form is a fixed point and compares equal to the input.
		c2, err := CanonicalNumber(c)
		if err != nil || c2 != c {
			t.Fatalf("CanonicalNumber(%q) = %q, then %q, %v", s, c, c2, err)
		}
		if CompareNumbers(c, s) != 0 {
			t.Fatalf("CompareNumbers(%q, %q) != 0", c, s)
		}
		if sum, err := AddNumbers(c, "0"); err != nil || sum != c {
			t.Fatalf("AddNumbers(%q, 0) = %q, %v", c, sum, err)
		}
	})
}

func BenchmarkCanonicalNumber(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		CanonicalNumber("12345.678")
	}
}
