package expr

import (
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

func bp(b bool) *bool                   { return &b }
func vp(v attr.Value) *attr.Value       { return &v }
func avl(v ...attr.Value) []attr.Value  { return v }
func eq(v attr.Value) ExpectedCondition { return ExpectedCondition{Value: vp(v)} }
func op(o string, v ...attr.Value) ExpectedCondition {
	return ExpectedCondition{ComparisonOperator: o, AttributeValueList: v}
}

func TestFromExpected(t *testing.T) {
	item := sampleItem()
	for _, tc := range []struct {
		name string
		exp  map[string]ExpectedCondition
		or   string
		want bool
	}{
		{"empty", nil, "", true},
		{"value equal", map[string]ExpectedCondition{"s": eq(attr.Str("abc"))}, "", true},
		{"value differs", map[string]ExpectedCondition{"s": eq(attr.Str("x"))}, "", false},
		{"value on missing", map[string]ExpectedCondition{"nope": eq(attr.Str("x"))}, "", false},
		{"exists true with value", map[string]ExpectedCondition{"n": {Exists: bp(true), Value: vp(num("5"))}}, "", true},
		{"exists true wrong value", map[string]ExpectedCondition{"n": {Exists: bp(true), Value: vp(num("6"))}}, "", false},
		{"exists false", map[string]ExpectedCondition{"nope": {Exists: bp(false)}}, "", true},
		{"exists false on present", map[string]ExpectedCondition{"n": {Exists: bp(false)}}, "", false},
		{"EQ", map[string]ExpectedCondition{"n": op("EQ", num("5"))}, "", true},
		{"EQ set", map[string]ExpectedCondition{"ss": op("EQ", ss("b", "a"))}, "", true},
		{"NE", map[string]ExpectedCondition{"n": op("NE", num("5"))}, "", false},
		{"NE missing", map[string]ExpectedCondition{"nope": op("NE", num("5"))}, "", true},
		{"LE", map[string]ExpectedCondition{"n": op("LE", num("5"))}, "", true},
		{"LT", map[string]ExpectedCondition{"n": op("LT", num("5"))}, "", false},
		{"GE", map[string]ExpectedCondition{"s": op("GE", attr.Str("abc"))}, "", true},
		{"GT", map[string]ExpectedCondition{"b": op("GT", attr.Bin([]byte{1, 2}))}, "", true},
		{"GT type mismatch", map[string]ExpectedCondition{"n": op("GT", attr.Str("1"))}, "", false},
		{"NOT_NULL", map[string]ExpectedCondition{"z": op("NOT_NULL")}, "", true},
		{"NULL", map[string]ExpectedCondition{"z": op("NULL")}, "", false},
		{"NULL missing", map[string]ExpectedCondition{"nope": op("NULL")}, "", true},
		{"CONTAINS string", map[string]ExpectedCondition{"s": op("CONTAINS", attr.Str("bc"))}, "", true},
		{"CONTAINS set", map[string]ExpectedCondition{"ns": op("CONTAINS", num("10"))}, "", true},
		{"CONTAINS list", map[string]ExpectedCondition{"l": op("CONTAINS", num("2"))}, "", true},
		{"NOT_CONTAINS", map[string]ExpectedCondition{"ss": op("NOT_CONTAINS", attr.Str("c"))}, "", true},
		{"NOT_CONTAINS present", map[string]ExpectedCondition{"ss": op("NOT_CONTAINS", attr.Str("a"))}, "", false},
		// A missing attribute fails NOT_CONTAINS, unlike NE (ScyllaDB's
		// test_expected.py, checked against DynamoDB).
		{"NOT_CONTAINS missing", map[string]ExpectedCondition{"nope": op("NOT_CONTAINS", attr.Str("a"))}, "", false},
		{"BEGINS_WITH", map[string]ExpectedCondition{"s": op("BEGINS_WITH", attr.Str("ab"))}, "", true},
		{"IN", map[string]ExpectedCondition{"n": op("IN", num("1"), num("5"))}, "", true},
		{"IN no match", map[string]ExpectedCondition{"n": op("IN", num("1"), num("2"))}, "", false},
		{"BETWEEN", map[string]ExpectedCondition{"n": op("BETWEEN", num("1"), num("5"))}, "", true},
		{"BETWEEN outside", map[string]ExpectedCondition{"n": op("BETWEEN", num("6"), num("9"))}, "", false},
		{"BETWEEN short", map[string]ExpectedCondition{"n": op("BETWEEN", num("6"))}, "", false},
		{"AND all", map[string]ExpectedCondition{"n": op("EQ", num("5")), "s": op("EQ", attr.Str("abc")), "t": op("EQ", attr.Boolean(true))}, "AND", true},
		{"AND one false", map[string]ExpectedCondition{"n": op("EQ", num("5")), "s": op("EQ", attr.Str("x"))}, "", false},
		{"OR one true", map[string]ExpectedCondition{"a": op("EQ", num("5")), "n": op("EQ", num("5")), "s": op("EQ", attr.Str("x"))}, "OR", true},
		{"OR none", map[string]ExpectedCondition{"n": op("EQ", num("6")), "s": op("EQ", attr.Str("x"))}, "OR", false},
	} {
		c := FromExpected(tc.exp, tc.or)
		if got := c.Eval(item); got != tc.want {
			t.Errorf("%s: got %v", tc.name, got)
		}
	}
	c := FromExpected(map[string]ExpectedCondition{"b": eq(num("1")), "a": eq(num("1"))}, "")
	if len(c.Paths()) != 2 || c.Paths()[0][0].Name != "a" {
		t.Errorf("Paths: %v", c.Paths())
	}
	if !FromExpected(map[string]ExpectedCondition{"pk": {Exists: bp(false)}}, "").Eval(nil) {
		t.Error("Exists false on no item")
	}
	if FromFilter(map[string]ExpectedCondition{"n": op("GT", num("4"))}, "").Eval(item) != true {
		t.Error("FromFilter")
	}
}

func TestFromAttributeUpdates(t *testing.T) {
	base := func() attr.Item {
		return attr.Item{"pk": attr.Str("k"), "n": num("5"), "s": attr.Str("x"), "ss": ss("a", "b"), "l": list(attr.Str("a"))}
	}
	for _, tc := range []struct {
		name    string
		updates map[string]AttributeUpdate
		check   string
		want    attr.Value // TypeInvalid: absent
		err     string
	}{
		{"put", map[string]AttributeUpdate{"s": {Action: "PUT", Value: vp(attr.Str("y"))}}, "s", attr.Str("y"), ""},
		{"default put", map[string]AttributeUpdate{"new": {Value: vp(num("1"))}}, "new", num("1"), ""},
		{"add number", map[string]AttributeUpdate{"n": {Action: "ADD", Value: vp(num("-7"))}}, "n", num("-2"), ""},
		{"add number missing", map[string]AttributeUpdate{"new": {Action: "ADD", Value: vp(num("3"))}}, "new", num("3"), ""},
		{"add set", map[string]AttributeUpdate{"ss": {Action: "ADD", Value: vp(ss("b", "c"))}}, "ss", ss("a", "b", "c"), ""},
		{"add set missing", map[string]AttributeUpdate{"new": {Action: "ADD", Value: vp(ns("1"))}}, "new", ns("1"), ""},
		{"add list", map[string]AttributeUpdate{"l": {Action: "ADD", Value: vp(list(attr.Str("b")))}}, "l", list(attr.Str("a"), attr.Str("b")), ""},
		{"add mismatch", map[string]AttributeUpdate{"s": {Action: "ADD", Value: vp(num("1"))}}, "", attr.Value{}, "Type mismatch for attribute to update"},
		{"add set mismatch", map[string]AttributeUpdate{"n": {Action: "ADD", Value: vp(ss("a"))}}, "", attr.Value{}, "Type mismatch for attribute to update"},
		{"delete", map[string]AttributeUpdate{"s": {Action: "DELETE"}}, "s", attr.Value{}, ""},
		{"delete missing", map[string]AttributeUpdate{"new": {Action: "DELETE"}}, "new", attr.Value{}, ""},
		{"delete members", map[string]AttributeUpdate{"ss": {Action: "DELETE", Value: vp(ss("a", "z"))}}, "ss", ss("b"), ""},
		{"delete all members", map[string]AttributeUpdate{"ss": {Action: "DELETE", Value: vp(ss("a", "b"))}}, "ss", attr.Value{}, ""},
		{"delete members missing", map[string]AttributeUpdate{"new": {Action: "DELETE", Value: vp(ss("a"))}}, "new", attr.Value{}, ""},
		{"delete mismatch", map[string]AttributeUpdate{"ss": {Action: "DELETE", Value: vp(ns("1"))}}, "", attr.Value{}, "Type mismatch for attribute to update"},
	} {
		u := FromAttributeUpdates(tc.updates)
		got, err := u.Apply(base())
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: err %v", tc.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if tc.check == "" {
			continue
		}
		v, ok := got[tc.check]
		if tc.want.Type == attr.TypeInvalid {
			if ok {
				t.Errorf("%s: %s still present", tc.name, tc.check)
			}
		} else if !ok || !attr.Equal(v, tc.want) {
			t.Errorf("%s: %+v", tc.name, v)
		}
	}
	u := FromAttributeUpdates(map[string]AttributeUpdate{"b": {Action: "DELETE"}, "a": {Value: vp(num("1"))}, "c": {Action: "ADD", Value: vp(ns("1"))}})
	if ts := u.Targets(); len(ts) != 3 || ts[0][0].Name != "a" || ts[2][0].Name != "c" {
		t.Errorf("Targets: %v", ts)
	}
	acts := u.Actions()
	if acts[0].Kind != ActionSet || acts[0].Type != attr.N || acts[1].Kind != ActionRemove || acts[2].Kind != ActionAdd || acts[2].Type != attr.NS {
		t.Errorf("Actions: %+v", acts)
	}
	// PUT values are copied.
	val := mapv("k", attr.Str("v"))
	u = FromAttributeUpdates(map[string]AttributeUpdate{"m": {Value: &val}})
	res, _ := u.Apply(attr.Item{})
	res["m"].Map["k"] = attr.Str("changed")
	if val.Map["k"].Str != "v" {
		t.Error("PUT value aliased")
	}
	u = FromAttributeUpdates(map[string]AttributeUpdate{"n": {Action: "ADD", Value: vp(num("9.9E125"))}})
	if _, err := u.Apply(attr.Item{"n": num("9.9E125")}); err == nil || err.Error() != "Number overflow. Attempting to store a number with magnitude larger than supported range" {
		t.Errorf("overflow: %v", err)
	}
}

func TestKeyCondition(t *testing.T) {
	v := map[string]attr.Value{":h": attr.Str("h"), ":r": num("5"), ":r2": num("9"), ":p": attr.Str("pre")}
	for _, tc := range []struct {
		expr  string
		hash  string
		rname string
		rop   RangeOp
		rvals int
	}{
		{"pk = :h", "pk", "", 0, 0},
		{"pk = :h AND sk = :r", "pk", "sk", RangeEQ, 1},
		{"pk = :h AND sk < :r", "pk", "sk", RangeLT, 1},
		{"sk <= :r AND pk = :h", "pk", "sk", RangeLE, 1},
		{"pk = :h AND sk > :r", "pk", "sk", RangeGT, 1},
		{"pk = :h AND sk >= :r", "pk", "sk", RangeGE, 1},
		{"pk = :h AND sk BETWEEN :r AND :r2", "pk", "sk", RangeBetween, 2},
		{"pk = :h AND begins_with(sk, :p)", "pk", "sk", RangeBeginsWith, 1},
		{":h = pk AND :r < sk", "pk", "sk", RangeGT, 1},
		{":h = pk AND :r >= sk", "pk", "sk", RangeLE, 1},
		{"(pk = :h) AND (sk > :r)", "pk", "sk", RangeGT, 1},
		{"#pk = :h AND #sk <= :r", "pk", "sk", RangeLE, 1},
		{"sk < :r", "", "sk", RangeLT, 1},
	} {
		p, err := Parse(Input{KeyConditionExpression: sp(tc.expr), Names: usedNames(map[string]string{"#pk": "pk", "#sk": "sk"}, tc.expr), Values: usedValues(v, tc.expr)})
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		kc := p.KeyCondition
		if kc.HashName != tc.hash {
			t.Errorf("%s: hash %q", tc.expr, kc.HashName)
		}
		if tc.hash != "" && !attr.Equal(kc.HashValue, attr.Str("h")) {
			t.Errorf("%s: hash value %+v", tc.expr, kc.HashValue)
		}
		if tc.rname == "" {
			if kc.Range != nil {
				t.Errorf("%s: range %+v", tc.expr, kc.Range)
			}
			continue
		}
		if kc.Range == nil || kc.Range.Name != tc.rname || kc.Range.Op != tc.rop || len(kc.Range.Values) != tc.rvals {
			t.Errorf("%s: range %+v", tc.expr, kc.Range)
		}
	}
}

func TestFromKeyConditions(t *testing.T) {
	kc := FromKeyConditions(map[string]ExpectedCondition{
		"sk": op("BETWEEN", num("1"), num("5")),
		"pk": op("EQ", attr.Str("h")),
	})
	if kc.HashName != "pk" || kc.HashValue.Str != "h" || kc.Range == nil || kc.Range.Name != "sk" || kc.Range.Op != RangeBetween {
		t.Errorf("%+v %+v", kc, kc.Range)
	}
	kc = FromKeyConditions(map[string]ExpectedCondition{"pk": op("EQ", attr.Str("h"))})
	if kc.HashName != "pk" || kc.Range != nil {
		t.Errorf("%+v", kc)
	}
	kc = FromKeyConditions(map[string]ExpectedCondition{"sk": op("begins_with", attr.Str("a")), "pk": op("EQ", attr.Str("h"))})
	if kc.Range == nil || kc.Range.Op != RangeBeginsWith {
		t.Errorf("%+v", kc.Range)
	}
}

func TestRangeMatch(t *testing.T) {
	for _, tc := range []struct {
		r    RangeCondition
		v    attr.Value
		want bool
	}{
		{RangeCondition{Op: RangeEQ, Values: avl(num("5"))}, num("5.0"), true},
		{RangeCondition{Op: RangeLT, Values: avl(num("5"))}, num("4"), true},
		{RangeCondition{Op: RangeLT, Values: avl(num("5"))}, num("5"), false},
		{RangeCondition{Op: RangeLE, Values: avl(attr.Str("b"))}, attr.Str("b"), true},
		{RangeCondition{Op: RangeGT, Values: avl(attr.Str("b"))}, attr.Str("ba"), true},
		{RangeCondition{Op: RangeGE, Values: avl(attr.Bin([]byte{2}))}, attr.Bin([]byte{1}), false},
		{RangeCondition{Op: RangeBetween, Values: avl(num("1"), num("3"))}, num("3"), true},
		{RangeCondition{Op: RangeBetween, Values: avl(num("1"), num("3"))}, num("4"), false},
		{RangeCondition{Op: RangeBeginsWith, Values: avl(attr.Str("ab"))}, attr.Str("abc"), true},
		{RangeCondition{Op: RangeBeginsWith, Values: avl(attr.Str("ab"))}, attr.Str("b"), false},
		{RangeCondition{Op: RangeLT, Values: avl(num("5"))}, attr.Str("4"), false},
		{RangeCondition{Op: RangeLT}, num("4"), false},
	} {
		if got := tc.r.Match(tc.v); got != tc.want {
			t.Errorf("%v %+v %+v: got %v", tc.r.Op, tc.r.Values, tc.v, got)
		}
	}
	if RangeBeginsWith.String() != "BEGINS_WITH" || RangeOp(0).String() != "?" {
		t.Error("RangeOp.String")
	}
}
