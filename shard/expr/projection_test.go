package expr

import (
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

func projItem() attr.Item {
	return attr.Item{
		"a":   attr.Str("x"),
		"b":   num("1"),
		"l":   list(attr.Str("p"), mapv("x", num("1"), "y", num("2")), attr.Str("r"), list(num("7"), num("8"))),
		"m":   mapv("a", attr.Str("ma"), "b", mapv("c", attr.Str("mbc"), "d", attr.Str("mbd")), "l", list(num("1"), num("2"))),
		"a.b": attr.Str("dotted"),
	}
}

func TestProjection(t *testing.T) {
	for _, tc := range []struct {
		expr  string
		names map[string]string
		want  attr.Item
	}{
		{"a", nil, attr.Item{"a": attr.Str("x")}},
		{"a, b, zz", nil, attr.Item{"a": attr.Str("x"), "b": num("1")}},
		{"zz", nil, attr.Item{}},
		{"#ab", map[string]string{"#ab": "a.b"}, attr.Item{"a.b": attr.Str("dotted")}},
		{"m.a", nil, attr.Item{"m": mapv("a", attr.Str("ma"))}},
		{"m.a, m.b.c", nil, attr.Item{"m": mapv("a", attr.Str("ma"), "b", mapv("c", attr.Str("mbc")))}},
		{"m.b.c, m.b.d", nil, attr.Item{"m": mapv("b", mapv("c", attr.Str("mbc"), "d", attr.Str("mbd")))}},
		{"m.zz, m.a", nil, attr.Item{"m": mapv("a", attr.Str("ma"))}},
		{"m.zz", nil, attr.Item{}},
		{"l[0]", nil, attr.Item{"l": list(attr.Str("p"))}},
		{"l[2], l[0]", nil, attr.Item{"l": list(attr.Str("p"), attr.Str("r"))}},
		{"l[9], l[2]", nil, attr.Item{"l": list(attr.Str("r"))}},
		{"l[1].y", nil, attr.Item{"l": list(mapv("y", num("2")))}},
		{"l[1].y, l[1].x", nil, attr.Item{"l": list(mapv("x", num("1"), "y", num("2")))}},
		{"l[3][1], l[0]", nil, attr.Item{"l": list(attr.Str("p"), list(num("8")))}},
		{"m.l[1], a", nil, attr.Item{"a": attr.Str("x"), "m": mapv("l", list(num("2")))}},
		{"a[0], m[0], l.x", nil, attr.Item{}},
	} {
		p := mustProjection(t, tc.expr, tc.names)
		got := p.Apply(projItem())
		if !attr.Equal(attr.Value{Type: attr.M, Map: got}, attr.Value{Type: attr.M, Map: tc.want}) {
			t.Errorf("%s: got %+v\nwant %+v", tc.expr, got, tc.want)
		}
	}
	if mustProjection(t, "a", nil).Apply(nil) != nil {
		t.Error("projection of no item")
	}
}

func TestFromAttributesToGet(t *testing.T) {
	p := FromAttributesToGet([]string{"a", "a.b", "zz"})
	got := p.Apply(projItem())
	want := attr.Item{"a": attr.Str("x"), "a.b": attr.Str("dotted")}
	if !attr.Equal(attr.Value{Type: attr.M, Map: got}, attr.Value{Type: attr.M, Map: want}) {
		t.Errorf("got %+v", got)
	}
	if len(p.Paths()) != 3 || p.Paths()[1][0].Name != "a.b" {
		t.Errorf("Paths: %v", p.Paths())
	}
}

func TestUpdatedPaths(t *testing.T) {
	u := mustUpdate(t, "SET m.b.c = :v, l[1].x = :v REMOVE a", nil, map[string]attr.Value{":v": attr.Str("new")})
	old := projItem()
	before := u.UpdatedPaths().Apply(old)
	want := attr.Item{"a": attr.Str("x"), "m": mapv("b", mapv("c", attr.Str("mbc"))), "l": list(mapv("x", num("1")))}
	if !attr.Equal(attr.Value{Type: attr.M, Map: before}, attr.Value{Type: attr.M, Map: want}) {
		t.Errorf("UPDATED_OLD: %+v", before)
	}
	after, err := u.Apply(projItem())
	if err != nil {
		t.Fatal(err)
	}
	got := u.UpdatedPaths().Apply(after)
	want = attr.Item{"m": mapv("b", mapv("c", attr.Str("new"))), "l": list(mapv("x", attr.Str("new")))}
	if !attr.Equal(attr.Value{Type: attr.M, Map: got}, attr.Value{Type: attr.M, Map: want}) {
		t.Errorf("UPDATED_NEW: %+v", got)
	}
}
