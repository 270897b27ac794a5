package expr

import (
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

// Helpers shared by the tests.

func sp(s string) *string { return &s }

func num(s string) attr.Value {
	n, err := attr.CanonicalNumber(s)
	if err != nil {
		panic(err)
	}
	return attr.Num(n)
}

func ss(m ...string) attr.Value { return attr.Value{Type: attr.SS, Set: m} }
func ns(m ...string) attr.Value { return attr.Value{Type: attr.NS, Set: m} }
func bs(m ...string) attr.Value { return attr.Value{Type: attr.BS, Set: m} }
func list(v ...attr.Value) attr.Value {
	if v == nil {
		v = []attr.Value{}
	}
	return attr.Value{Type: attr.L, List: v}
}
func mapv(kv ...any) attr.Value {
	m := map[string]attr.Value{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(attr.Value)
	}
	return attr.Value{Type: attr.M, Map: m}
}

// vals is a stock set of ExpressionAttributeValues.
func vals() map[string]attr.Value {
	return map[string]attr.Value{
		":s":    attr.Str("abc"),
		":s2":   attr.Str("abd"),
		":n":    num("5"),
		":n2":   num("2"),
		":b":    attr.Bin([]byte("a")),
		":t":    attr.Str("NS"),
		":bad":  attr.Str("XX"),
		":bool": attr.Boolean(true),
		":null": attr.Null(),
		":ss":   ss("a", "b"),
		":ns":   ns("1", "2"),
		":bs":   bs("a"),
		":l":    list(attr.Str("a")),
		":m":    mapv("a", attr.Str("b")),
	}
}

// parseCond parses a ConditionExpression with only the placeholders it
// uses defined.
func mustCondition(t testing.TB, expr string, names map[string]string, values map[string]attr.Value) *Condition {
	t.Helper()
	p, err := Parse(Input{ConditionExpression: &expr, Names: names, Values: values})
	if err != nil {
		t.Fatalf("Parse(%q): %v", expr, err)
	}
	return p.Condition
}

func mustUpdate(t testing.TB, expr string, names map[string]string, values map[string]attr.Value) *Update {
	t.Helper()
	p, err := Parse(Input{UpdateExpression: &expr, Names: names, Values: values})
	if err != nil {
		t.Fatalf("Parse(%q): %v", expr, err)
	}
	return p.Update
}

func mustProjection(t testing.TB, expr string, names map[string]string) *Projection {
	t.Helper()
	p, err := Parse(Input{ProjectionExpression: &expr, Names: names})
	if err != nil {
		t.Fatalf("Parse(%q): %v", expr, err)
	}
	return p.Projection
}

// usedOnly keeps the entries of m whose key occurs in one of the
// expressions (so that tests are not tripped by unused placeholders).
func usedNames(m map[string]string, exprs ...string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if occurs(k, exprs) {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func usedValues(m map[string]attr.Value, exprs ...string) map[string]attr.Value {
	out := map[string]attr.Value{}
	for k, v := range m {
		if occurs(k, exprs) {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// occurs reports whether placeholder k appears as a whole token.
func occurs(k string, exprs []string) bool {
	for _, e := range exprs {
		for i := 0; i+len(k) <= len(e); i++ {
			if e[i:i+len(k)] == k && (i+len(k) == len(e) || !isWordByte(e[i+len(k)])) {
				return true
			}
		}
	}
	return false
}
