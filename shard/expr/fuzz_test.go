package expr

import (
	"strings"
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

// fuzzPlaceholders defines every #name and :value the input mentions, so
// that fuzzed expressions can get past the placeholder checks and be
// evaluated.
func fuzzPlaceholders(s string) (map[string]string, map[string]attr.Value) {
	pool := []attr.Value{
		attr.Str("a"), attr.Str("S"), attr.Str("NS"), num("1"), num("-2.5"), attr.Bin([]byte{1, 2}),
		attr.Boolean(true), attr.Null(), ss("a", "b"), ns("1", "2"), bs("x"),
		list(attr.Str("a"), num("1")), mapv("a", attr.Str("b")), attr.Str(""), num("1E125"),
	}
	var names map[string]string
	var values map[string]attr.Value
	for _, t := range lex(s) {
		word := s[t.start:t.end]
		switch t.kind {
		case tName:
			if names == nil {
				names = map[string]string{}
			}
			names[word] = word[1:]
		case tValue:
			if values == nil {
				values = map[string]attr.Value{}
			}
			h := 0
			for i := 0; i < len(word); i++ {
				h = h*31 + int(word[i])
			}
			values[word] = pool[(h%len(pool)+len(pool))%len(pool)]
		}
	}
	return names, values
}

func fuzzItem() attr.Item {
	it := sampleItem()
	it["a"] = mapv("b", list(attr.Str("x"), mapv("c", num("3"))), "a", num("1"))
	it["x"] = list(num("1"), list(num("2")), ss("q"))
	return it
}

func checkErr(t *testing.T, err error, prefix string) {
	t.Helper()
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("error of type %T: %v", err, err)
	}
	if e.Msg == "" {
		t.Fatal("empty message")
	}
	if prefix != "" && !strings.HasPrefix(e.Msg, prefix) && !strings.HasPrefix(e.Msg, "Value provided in ExpressionAttribute") &&
		!strings.Contains(e.Msg, "KeyCondition") && !strings.HasPrefix(e.Msg, "One or more parameter values") && !strings.HasPrefix(e.Msg, "Conditions can be") {
		t.Fatalf("message without prefix: %q", e.Msg)
	}
}

func FuzzParseCondition(f *testing.F) {
	for _, s := range []string{
		"a = :v", "attribute_exists(#n) AND NOT b.c[1] BETWEEN :lo AND :hi", "size(a) > :n OR contains(l, :x)",
		"((a = :v))", "a IN (:a, :b, :c)", "begins_with(a, :p) AND attribute_type(b, :t)", "(a).b[0] <> :v",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		names, values := fuzzPlaceholders(s)
		for i, in := range []Input{
			{ConditionExpression: &s, Names: names, Values: values},
			{KeyConditionExpression: &s, Names: names, Values: values},
		} {
			p, err := Parse(in)
			if err != nil {
				checkErr(t, err, [...]string{"Invalid ConditionExpression: ", "Invalid KeyConditionExpression: "}[i])
				continue
			}
			if i == 0 {
				p.Condition.Eval(fuzzItem())
				p.Condition.Eval(nil)
				_ = p.Condition.Paths()
			} else if p.KeyCondition.Range != nil {
				p.KeyCondition.Range.Match(num("1"))
			}
		}
	})
}

func FuzzParseUpdate(f *testing.F) {
	for _, s := range []string{
		"SET a = :v", "SET a.b[1] = if_not_exists(c, :v) + :n REMOVE d[0], d[2] ADD e :s DELETE f :s",
		"SET l = list_append(l, :l), n = n - :one", "set #a = (b + :c)", "REMOVE x[1], x[0] SET x[9] = :v",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		names, values := fuzzPlaceholders(s)
		p, err := Parse(Input{UpdateExpression: &s, Names: names, Values: values})
		if err != nil {
			checkErr(t, err, "Invalid UpdateExpression: ")
			return
		}
		_ = p.Update.Targets()
		_ = p.Update.Actions()
		res, err := p.Update.Apply(fuzzItem())
		if err != nil {
			checkErr(t, err, "")
			return
		}
		for name, v := range res {
			if depth(v) > attr.MaxNestingDepth {
				t.Fatalf("%s nests %d levels", name, depth(v))
			}
			if v.Type.IsSet() && len(v.Set) == 0 {
				t.Fatalf("%s is an empty set", name)
			}
		}
		p.Update.UpdatedPaths().Apply(res)
	})
}

func FuzzParseProjection(f *testing.F) {
	for _, s := range []string{"a", "a, b.c, d[1].e", "#n[0], x", "a.b[1].c, a.a", "x[1][0], x[2]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		names, _ := fuzzPlaceholders(s)
		p, err := Parse(Input{ProjectionExpression: &s, Names: names})
		if err != nil {
			checkErr(t, err, "Invalid ProjectionExpression: ")
			return
		}
		p.Projection.Apply(fuzzItem())
		if p.Projection.Apply(nil) != nil {
			t.Fatal("projection of no item")
		}
	})
}
