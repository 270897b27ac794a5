package resp

import "testing"

// stringmatchlen is a line-by-line translation of Redis 7.0's
// stringmatchlen_impl (util.c), the reference globMatch is fuzzed
// against: C chars are signed, the pattern is read past its length as
// the NUL that ends an sds, and the recursion and its skipLongerMatches
// cut-off are kept as they are.
func stringmatchlen(pattern, str []byte, nocase bool) bool {
	skip := false
	return stringmatchlenImpl(pattern, str, nocase, &skip, 0)
}

func stringmatchlenImpl(pat, str []byte, nocase bool, skip *bool, nesting int) bool {
	if nesting > 1000 {
		return false
	}
	at := func(i int) byte {
		if i < len(pat) {
			return pat[i]
		}
		return 0
	}
	lower := func(c int) int {
		if c >= 'A' && c <= 'Z' {
			return c + 'a' - 'A'
		}
		return c
	}
	for len(pat) > 0 && len(str) > 0 {
		advance := true
		switch pat[0] {
		case '*':
			for len(pat) > 0 && at(1) == '*' {
				pat = pat[1:]
			}
			if len(pat) == 1 {
				return true
			}
			for len(str) > 0 {
				if stringmatchlenImpl(pat[1:], str, nocase, skip, nesting+1) {
					return true
				}
				if *skip {
					return false
				}
				str = str[1:]
			}
			*skip = true
			return false
		case '?':
			str = str[1:]
		case '[':
			pat = pat[1:]
			not := at(0) == '^'
			if not {
				pat = pat[1:]
			}
			match := false
			for {
				if at(0) == '\\' && len(pat) >= 2 {
					pat = pat[1:]
					if pat[0] == str[0] {
						match = true
					}
				} else if at(0) == ']' {
					break
				} else if len(pat) == 0 {
					advance = false // pattern--, then the ++ below
					break
				} else if len(pat) >= 3 && pat[1] == '-' {
					start, end, c := int(int8(pat[0])), int(int8(pat[2])), int(int8(str[0]))
					if start > end {
						start, end = end, start
					}
					if nocase {
						start, end, c = lower(start), lower(end), lower(c)
					}
					pat = pat[2:]
					if c >= start && c <= end {
						match = true
					}
				} else if !nocase {
					if pat[0] == str[0] {
						match = true
					}
				} else if lower(int(int8(pat[0]))) == lower(int(int8(str[0]))) {
					match = true
				}
				pat = pat[1:]
			}
			if not {
				match = !match
			}
			if !match {
				return false
			}
			str = str[1:]
		case '\\':
			if len(pat) >= 2 {
				pat = pat[1:]
			}
			fallthrough
		default:
			if !nocase {
				if pat[0] != str[0] {
					return false
				}
			} else if lower(int(int8(pat[0]))) != lower(int(int8(str[0]))) {
				return false
			}
			str = str[1:]
		}
		if advance {
			pat = pat[1:]
		}
		if len(str) == 0 {
			for at(0) == '*' {
				pat = pat[1:]
			}
			break
		}
	}
	return len(pat) == 0 && len(str) == 0
}

var globCases = []struct{ pat, s string }{
	{"*", ""}, {"", ""}, {"*", "a"}, {"a*", "a"}, {"h?llo", "hello"}, {"h[ae]llo", "hallo"}, {"h[^e]llo", "hello"},
	{"h[a-b]llo", "hbllo"}, {"[z-a]", "m"}, {"[\xf0-a]", "\xf5"}, {"[\xf0-a]", "b"}, {"a\\*b", "a*b"}, {"a\\", "a\\"},
	{"[", "x"}, {"[^", "x"}, {"[a", "a"}, {"[\\", "\\"}, {"[\\]]", "]"}, {"*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaa"},
	{"news.*", "news.tech"}, {"[A-Z]", "q"}, {"a[", "a"}, {"**", ""}, {"?", ""}, {"*?", "a"},
}

// TestGlobMatchesStringmatchlen checks the matcher PSUBSCRIBE uses against
// the translation of Redis's on edge cases.
func TestGlobMatchesStringmatchlen(t *testing.T) {
	for _, c := range globCases {
		want := stringmatchlen([]byte(c.pat), []byte(c.s), false)
		if got := pubsubMatch([]byte(c.pat), []byte(c.s)); got != want {
			t.Errorf("pubsubMatch(%q, %q) = %v, Redis %v", c.pat, c.s, got, want)
		}
		wantNC := stringmatchlen([]byte(c.pat), []byte(c.s), true)
		if got := len(c.s) > 0 && globMatch([]byte(c.pat), []byte(c.s), true); c.s != "" && got != wantNC {
			t.Errorf("globMatch(%q, %q, nocase) = %v, Redis %v", c.pat, c.s, got, wantNC)
		}
	}
}

// FuzzGlobReference fuzzes the glob matcher against Redis's algorithm
// (both cases), and globMayMatchPrefix against the matcher: a pattern
// that matches s may match every prefix of s.
func FuzzGlobReference(f *testing.F) {
	for _, c := range globCases {
		f.Add([]byte(c.pat), []byte(c.s))
	}
	f.Fuzz(func(t *testing.T, pat, s []byte) {
		if len(pat) > 64 || len(s) > 64 {
			return
		}
		want := stringmatchlen(pat, s, false)
		if got := pubsubMatch(pat, s); got != want {
			t.Fatalf("pubsubMatch(%q, %q) = %v, Redis %v", pat, s, got, want)
		}
		if len(s) > 0 {
			if got, want := globMatch(pat, s, true), stringmatchlen(pat, s, true); got != want {
				t.Fatalf("globMatch(%q, %q, nocase) = %v, Redis %v", pat, s, got, want)
			}
		}
		if want {
			for i := 0; i <= len(s); i++ {
				if !globMayMatchPrefix(pat, s[:i]) {
					t.Fatalf("globMayMatchPrefix(%q, %q) = false, but %q matches %q", pat, s[:i], pat, s)
				}
			}
		}
	})
}
