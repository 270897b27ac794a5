package resp

import (
	"strings"
	"testing"
	"time"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

func TestGlobMatch(t *testing.T) {
	for _, c := range []struct {
		pat, s string
		want   bool
	}{
		{"*", "", true}, {"*", "abc", true}, {"a*", "abc", true}, {"*c", "abc", true}, {"a*c", "ac", true},
		{"a?c", "abc", true}, {"a?c", "ac", false}, {"h[ae]llo", "hello", true}, {"h[ae]llo", "hillo", false},
		{"h[^e]llo", "hallo", true}, {"h[^e]llo", "hello", false}, {"h[a-b]llo", "hbllo", true},
		{"h[a-b]llo", "hcllo", false}, {"h[b-a]llo", "hallo", true}, {`h\*llo`, "h*llo", true},
		{`h\*llo`, "hello", false}, {"user:*:name", "user:42:name", true}, {"user:*:name", "user:42:age", false},
		{"*a*b*c", "xaybzc", true}, {"*a*b*c", "xaybz", false}, {"", "", true}, {"", "a", false},
		{"[abc", "a", true}, {`[\]]`, "]", true}, {"a**b", "ab", true}, {"?", "", false},
	} {
		if got := globMatch([]byte(c.pat), []byte(c.s), false); got != c.want {
			t.Errorf("globMatch(%q, %q) = %v", c.pat, c.s, got)
		}
	}
	if !globMatch([]byte("SAVE"), []byte("save"), true) {
		t.Error("nocase")
	}
	// No exponential blow-up.
	start := time.Now()
	globMatch([]byte(strings.Repeat("*a", 30)+"b"), []byte(strings.Repeat("a", 5000)), false)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("pathological pattern took %v", d)
	}
}

func TestParseInt64(t *testing.T) {
	for s, want := range map[string]bool{"0": true, "-1": true, "01": false, "-0": false, "+1": false, "": false,
		"9223372036854775807": true, "9223372036854775808": false, "-9223372036854775808": true,
		"-9223372036854775809": false, " 1": false, "1 ": false, "1a": false} {
		if _, ok := parseInt64([]byte(s)); ok != want {
			t.Errorf("parseInt64(%q) ok=%v", s, ok)
		}
	}
}

func TestEscaping(t *testing.T) {
	for _, name := range []string{"", "a", "pk", "val", "exp", `\`, `\s`, `\b`, "\xff", "ü", "\x00"} {
		for _, field := range []bool{false, true} {
			esc := appendEscaped(nil, []byte(name), field)
			if got := string(appendUnescaped(nil, esc)); got != name {
				t.Errorf("%q (field %v): escaped %q, back %q", name, field, esc, got)
			}
			if field && isSystemName(esc) {
				t.Errorf("field %q stored as a system name", name)
			}
		}
	}
	// Store keys are laid out as the store's own encoding of a pk (S) key.
	ks := shard.KeySchema{HashName: attrKey, HashType: attr.S}
	for _, name := range []string{"user:1", "", "\xff", strings.Repeat("x", 300)} {
		k, _ := appendKey(nil, []byte(name))
		want, err := ks.EncodeKey(attr.Item{attrKey: attr.Str(string(appendEscaped(nil, []byte(name), false)))})
		if err != nil || string(k) != string(want) {
			t.Fatalf("key of %q: %q, store encodes %q (%v)", name, k, want, err)
		}
		if got := string(redisKeyOf(nil, k)); got != name {
			t.Fatalf("key %q read back as %q", name, got)
		}
	}
}
