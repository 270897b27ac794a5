package shard

import (
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

func TestEntryNumberAttr(t *testing.T) {
	e := Entry{enc: attr.EncodeItem(attr.Item{
		"n": attr.Num("1700000000.5"), "s": attr.Str("1700000000"),
		"ns": {Type: attr.NS, Set: []string{"1"}}, "m": {Type: attr.M, Map: attr.Item{"n": attr.Num("2")}},
	})}
	if v, ok := e.NumberAttr("n"); !ok || v != "1700000000.5" {
		t.Fatalf("n: %q %v", v, ok)
	}
	for _, name := range []string{"s", "ns", "m", "missing", ""} {
		if v, ok := e.NumberAttr(name); ok {
			t.Fatalf("%s: %q", name, v)
		}
	}
	if _, ok := (Entry{}).NumberAttr("n"); ok {
		t.Fatal("no item has a number")
	}
	enc := e.Encoded()
	for i := range enc { // truncated encodings: no panic, no number past the end
		Entry{enc: enc[:i]}.NumberAttr("n")
	}
}
