package partiql

import (
	"errors"
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

// FuzzParse parses, binds, translates and runs arbitrary statements: no
// input may panic or hang, and every refusal is an *Error with a message.
// The seed corpus is testdata/fuzz/FuzzParse plus the statements below.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`SELECT * FROM "Music" WHERE Artist = 'a' AND Song > 'b' ORDER BY Song DESC`,
		`SELECT a, b.c[1], "d e" FROM t."i" WHERE a IN [1, 2] OR NOT b BETWEEN ? AND 3`,
		`SELECT * FROM t WHERE x IS MISSING AND y IS NOT NULL AND begins_with(z, 'p') AND size(l) > 2`,
		`INSERT INTO t VALUE {'pk': 'a', 'n': -1.5e3, 'l': [true, null, {'m': <<'x', 'y'>>}], 'p': ?}`,
		`UPDATE t SET a = a + 1, b = list_append(b, [1]) REMOVE c SET d = set_add(d, <<1, 2>>) WHERE pk = ? AND a < 10 RETURNING ALL NEW *`,
		`DELETE FROM t WHERE pk = 'a' AND sk = 2 AND attribute_type(x, 'S') RETURNING ALL OLD *`,
		"-- comment\nSELECT /* c */ * FROM t;",
		`SELECT * FROM t WHERE a = 1 foo`, `INSERT INTO t VALUE {'a': 1e126}`, `SELECT * FROM t WHERE 'it''s' = "q""q"`,
	} {
		f.Add(s)
	}
	params := []attr.Value{attr.Str("a"), {Type: attr.N, Str: "1"}, {Type: attr.SS, Set: []string{"x"}},
		{Type: attr.M, Map: map[string]attr.Value{"pk": attr.Str("k")}}, {Type: attr.NULL, Bool: true}}
	item := attr.Item{"pk": attr.Str("a"), "a": {Type: attr.N, Str: "3"}, "b": {Type: attr.L, List: []attr.Value{attr.Str("x")}},
		"d": {Type: attr.NS, Set: []string{"1"}}, "l": {Type: attr.L}}
	check := func(t *testing.T, err error) {
		t.Helper()
		var e *Error
		if !errors.As(err, &e) && err != nil {
			// expr's errors are translated; anything else is a bug.
			t.Fatalf("error of type %T: %v", err, err)
		}
		if e != nil && e.Msg == "" {
			t.Fatal("empty message")
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 8192 {
			return
		}
		st, err := Parse(src)
		if err != nil {
			check(t, err)
			return
		}
		bound := make([]attr.Value, st.Params)
		for i := range bound {
			bound[i] = params[i%len(params)]
		}
		if err := st.Bind(bound); err != nil {
			t.Fatalf("Bind: %v", err)
		}
		if st.Value != nil {
			_, err := Value(st.Value)
			check(t, err)
		}
		for _, term := range Conjuncts(st.Where) {
			if _, vn, ok := Equality(term); ok {
				_, err := Value(vn)
				check(t, err)
			}
			KeyRange(term, "a")
		}
		if proj, err := NewProjection(st.Proj); err != nil {
			check(t, err)
		} else if proj != nil {
			proj.Apply(item)
		}
		comp, err := Compile(st.Where, st.Proj, st.Actions)
		if err != nil {
			check(t, err)
			return
		}
		if comp.Cond != nil {
			comp.Cond.Eval(item)
		}
		if comp.Proj != nil {
			comp.Proj.Apply(item)
		}
		if comp.Update != nil {
			comp.Update.Apply(item.Clone())
		}
	})
}
