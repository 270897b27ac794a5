package expr

import (
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

// sampleItem is the item the evaluation tests run against.
func sampleItem() attr.Item {
	return attr.Item{
		"s":   attr.Str("abc"),
		"u":   attr.Str("é𝄞"), // 3 UTF-16 code units, 6 bytes
		"n":   num("5"),
		"neg": num("-1.5"),
		"b":   attr.Bin([]byte{1, 2, 3}),
		"t":   attr.Boolean(true),
		"f":   attr.Boolean(false),
		"z":   attr.Null(),
		"ss":  ss("a", "b"),
		"ns":  ns("1", "10"),
		"bs":  bs("\x01", "\x02"),
		"l":   list(attr.Str("a"), num("2"), mapv("k", attr.Str("v")), list()),
		"m":   mapv("a", attr.Str("x"), "b", mapv("c", list(num("1"), num("2"))), "n", num("7")),
		"e":   attr.Str(""),
	}
}

func evalVals() map[string]attr.Value {
	return map[string]attr.Value{
		":abc": attr.Str("abc"), ":ab": attr.Str("ab"), ":b": attr.Str("b"), ":c": attr.Str("c"), ":a": attr.Str("a"), ":x": attr.Str("x"),
		":0": num("0"), ":1": num("1"), ":2": num("2"), ":3": num("3"), ":4": num("4"), ":5": num("5"), ":6": num("6"), ":7": num("7"), ":10": num("10"),
		":five": num("5.0"), ":neg": num("-1.5"),
		":bin": attr.Bin([]byte{1, 2, 3}), ":bin12": attr.Bin([]byte{1, 2}), ":bin2": attr.Bin([]byte{2}), ":bin23": attr.Bin([]byte{2, 3}),
		":true": attr.Boolean(true), ":false": attr.Boolean(false), ":null": attr.Null(),
		":ss": ss("b", "a"), ":ss1": ss("a"), ":ns": ns("10", "1"), ":bs": bs("\x02", "\x01"),
		":l": list(attr.Str("a"), num("2"), mapv("k", attr.Str("v")), list()), ":l2": list(attr.Str("a")),
		":m": mapv("k", attr.Str("v")), ":mv": mapv("a", attr.Str("x"), "b", mapv("c", list(num("1"), num("2"))), "n", num("7")),
		":S": attr.Str("S"), ":N": attr.Str("N"), ":B": attr.Str("B"), ":BOOL": attr.Str("BOOL"), ":NULL": attr.Str("NULL"),
		":SS": attr.Str("SS"), ":NS": attr.Str("NS"), ":BS": attr.Str("BS"), ":L": attr.Str("L"), ":M": attr.Str("M"),
		":kv": mapv("k", attr.Str("v")), ":sub": attr.Str("bc"),
	}
}

func TestEval(t *testing.T) {
	item := sampleItem()
	cases := []struct {
		expr string
		want bool
	}{
		// = and <>
		{"s = :abc", true},
		{"s = :ab", false},
		{"n = :five", true},
		{"n = :abc", false},
		{"b = :bin", true},
		{"t = :true", true},
		{"f = :true", false},
		{"z = :null", true},
		{"ss = :ss", true},   // set order does not matter
		{"ss = :ss1", false}, // different sets
		{"ns = :ns", true},
		{"bs = :bs", true},
		{"l = :l", true},
		{"l = :l2", false},
		{"m = :mv", true},
		{"l[2] = :kv", true},
		{"s <> :ab", true},
		{"s <> :abc", false},
		{"n <> :abc", true},
		{"nope = :abc", false},
		{"nope <> :abc", true},
		{"nope = nope2", false},
		{":abc = :abc", true},
		// ordering comparisons
		{"n < :6", true},
		{"n < :5", false},
		{"n <= :5", true},
		{"n > :4", true},
		{"n >= :6", false},
		{"neg < :0", true},
		{"ns[0] < :1", false},
		{"s < :b", true},
		{"s > :ab", true},
		{"s >= :abc", true},
		{"b > :bin12", true},
		{"b < :bin2", true},
		{"n < :abc", false}, // different types
		{"n > :abc", false}, // different types
		// "t > :false" and "ss >= :ss" do not parse: an ordering comparison
		// with a BOOL or set value is a ValidationException (parse_test.go).
		{"nope < :5", false}, // nope attribute
		{"nope >= :5", false},
		{"m.n > n", true},
		// BETWEEN
		{"n BETWEEN :4 AND :6", true},
		{"n BETWEEN :5 AND :5", true},
		{"n BETWEEN :6 AND :7", false},
		{"s BETWEEN :ab AND :b", true},
		{"b BETWEEN :bin12 AND :bin2", true},
		{"n BETWEEN :ab AND :b", false},
		{"nope BETWEEN :4 AND :6", false},
		{"m.n BETWEEN n AND :10", true},
		// IN
		{"n IN (:1, :5)", true},
		{"n IN (:1, :2)", false},
		{"s IN (:5, :abc)", true},
		{"ss IN (:ss1, :ss)", true},
		{"nope IN (:1, :5)", false},
		{"f IN (:false)", true},
		{"l[0] IN (s, :a)", true},
		{"n IN (nope, :5)", true},
		// AND / OR / NOT and precedence
		{"n = :5 AND s = :abc", true},
		{"n = :5 AND s = :ab", false},
		{"n = :4 OR s = :abc", true},
		{"NOT n = :4", true},
		{"NOT n = :5", false},
		{"n = :4 OR s = :abc AND t = :false", false}, // AND binds tighter
		{"n = :5 OR s = :ab AND t = :false", true},
		{"(n = :4 OR s = :abc) AND t = :false", false},
		{"NOT n = :4 AND t = :false", false}, // NOT binds tighter than AND
		{"NOT (n = :4 AND t = :false)", true},
		{"NOT NOT n = :5", true},
		// attribute_exists / attribute_not_exists
		{"attribute_exists(s)", true},
		{"attribute_exists(z)", true}, // NULL exists
		{"attribute_exists(nope)", false},
		{"attribute_exists(m.b.c[1])", true},
		{"attribute_exists(m.b.c[2])", false},
		{"attribute_exists(m.a.x)", false},
		{"attribute_exists(l[0].x)", false},
		{"attribute_exists(s[0])", false},
		{"attribute_not_exists(nope)", true},
		{"attribute_not_exists(e)", false},
		// attribute_type
		{"attribute_type(s, :S)", true},
		{"attribute_type(n, :N)", true},
		{"attribute_type(b, :B)", true},
		{"attribute_type(t, :BOOL)", true},
		{"attribute_type(z, :NULL)", true},
		{"attribute_type(ss, :SS)", true},
		{"attribute_type(ns, :NS)", true},
		{"attribute_type(bs, :BS)", true},
		{"attribute_type(l, :L)", true},
		{"attribute_type(m, :M)", true},
		{"attribute_type(s, :N)", false},
		{"attribute_type(nope, :S)", false},
		// begins_with
		{"begins_with(s, :ab)", true},
		{"begins_with(s, :abc)", true},
		{"begins_with(s, :b)", false},
		{"begins_with(b, :bin12)", true},
		{"begins_with(b, :bin23)", false},
		{"begins_with(s, :bin12)", false},
		{"begins_with(nope, :ab)", false},
		{"begins_with(m.a, :x)", true},
		{"begins_with(:abc, s)", true},
		// contains
		{"contains(s, :sub)", true},
		{"contains(s, :x)", false},
		{"contains(e, :abc)", false},
		{"contains(b, :bin23)", true},
		{"contains(b, :bin2)", true},
		{"contains(ss, :a)", true},
		{"contains(ss, :c)", false},
		{"contains(ns, :10)", true},
		{"contains(ns, :2)", false},
		{"contains(bs, :bin2)", true},
		{"contains(l, :a)", true},
		{"contains(l, :2)", true},
		{"contains(l, :kv)", true}, // list elements compare deeply
		{"contains(l, :b)", false},
		{"contains(ss, :1)", false}, // wrong element type
		{"contains(n, :5)", false},
		{"contains(nope, :a)", false},
		{"contains(s, nope)", false},
		{"contains(:ss, l[0])", true},
		// size
		{"size(s) = :3", true},
		{"size(u) = :3", true}, // UTF-16 code units
		{"size(e) = :0", true},
		{"size(b) = :3", true},
		{"size(ss) = :2", true},
		{"size(ns) = :2", true},
		{"size(l) = :4", true},
		{"size(l[3]) = :0", true},
		{"size(m) = :3", true},
		{"size(m.b.c) > :1", true},
		{"size(n) = :1", false}, // numbers have no size
		{"size(t) = :1", false},
		{"size(z) = :1", false},
		{"size(nope) = :0", false},
		{"size(nope) <> :0", true},
		{"size(s) BETWEEN :2 AND :4", true},
		{"size(s) IN (:1, :3)", true},
		{"size(s) < size(l)", true},
		{"size(:abc) = :3", true},
		// paths
		{"m.b.c[0] = :1", true},
		{"m.b.c[1] = :2", true},
	}
	for _, tc := range cases {
		values := usedValues(evalVals(), tc.expr)
		c := mustCondition(t, tc.expr, nil, values)
		if got := c.Eval(item); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.expr, got, tc.want)
		}
	}
}

func TestEvalNoItem(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want bool
	}{
		{"attribute_not_exists(pk)", true},
		{"attribute_exists(pk)", false},
		{"pk = :1", false},
		{"pk <> :1", true},
		{"NOT contains(pk, :1)", true},
		{"size(pk) < :1", false},
	} {
		c := mustCondition(t, tc.expr, nil, usedValues(evalVals(), tc.expr))
		if got := c.Eval(nil); got != tc.want {
			t.Errorf("%s on no item: got %v", tc.expr, got)
		}
	}
	var nilCond *Condition
	if !nilCond.Eval(nil) {
		t.Error("nil condition should hold")
	}
}

func TestEvalNames(t *testing.T) {
	item := attr.Item{"a.b": attr.Str("dotted"), "a": mapv("b", attr.Str("nested")), "size": num("1")}
	names := map[string]string{"#ab": "a.b", "#a": "a", "#b": "b", "#size": "size"}
	for _, tc := range []struct {
		expr string
		want string
	}{
		{"#ab = :v", "dotted"},
		{"#a.#b = :v", "nested"},
		{"a.#b = :v", "nested"},
	} {
		values := map[string]attr.Value{":v": attr.Str(tc.want)}
		c := mustCondition(t, tc.expr, usedNames(names, tc.expr), values)
		if !c.Eval(item) {
			t.Errorf("%s should match %q", tc.expr, tc.want)
		}
	}
	c := mustCondition(t, "#size = :v AND size(#a) = :v", usedNames(names, "#size #a"), map[string]attr.Value{":v": num("1")})
	if !c.Eval(item) {
		t.Error("reserved names through placeholders")
	}
}
