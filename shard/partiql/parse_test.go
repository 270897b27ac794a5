package partiql

import (
	"strconv"
	"strings"
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

// render writes a node in a compact prefix form for the tables below.
func render(n *Node) string {
	if n == nil {
		return "<nil>"
	}
	args := func() string {
		parts := make([]string, len(n.Args))
		for i, a := range n.Args {
			parts[i] = render(a)
		}
		return strings.Join(parts, " ")
	}
	not := ""
	if n.Not {
		not = "not "
	}
	switch n.Kind {
	case NPath:
		return n.Path.String()
	case NLit:
		switch n.Val.Type {
		case attr.S:
			return "'" + n.Val.Str + "'"
		case attr.BOOL:
			return strconv.FormatBool(n.Val.Bool)
		case attr.NULL:
			return "null"
		}
		return n.Val.Str
	case NParam:
		return "?" + strconv.Itoa(n.Param)
	case NMissing:
		return "missing"
	case NCompare, NArith:
		return "(" + n.Op + " " + args() + ")"
	case NNeg:
		return "(neg " + args() + ")"
	case NAnd:
		return "(and " + args() + ")"
	case NOr:
		return "(or " + args() + ")"
	case NNot:
		return "(not " + args() + ")"
	case NBetween:
		return "(" + not + "between " + args() + ")"
	case NIn:
		return "(" + not + "in " + args() + ")"
	case NIs:
		return "(is " + not + n.Name + " " + args() + ")"
	case NCall:
		return "(" + n.Name + " " + args() + ")"
	case NTuple:
		parts := make([]string, len(n.Args))
		for i, a := range n.Args {
			parts[i] = n.Keys[i] + ":" + render(a)
		}
		return "{" + strings.Join(parts, " ") + "}"
	case NList:
		return "[" + args() + "]"
	case NBag:
		return "<<" + args() + ">>"
	}
	return "?"
}

func renderStatement(st *Statement) string {
	var b strings.Builder
	b.WriteString(st.Kind.String() + " " + st.Table)
	if st.Index != "" {
		b.WriteString("." + st.Index)
	}
	if st.Star {
		b.WriteString(" *")
	}
	for _, p := range st.Proj {
		b.WriteString(" " + render(p))
	}
	if st.Value != nil {
		b.WriteString(" value " + render(st.Value))
	}
	for _, a := range st.Actions {
		if a.Remove {
			b.WriteString(" remove " + render(a.Path))
		} else {
			b.WriteString(" set " + render(a.Path) + "=" + render(a.Value))
		}
	}
	if st.Where != nil {
		b.WriteString(" where " + render(st.Where))
	}
	for _, o := range st.OrderBy {
		b.WriteString(" order " + o.Name)
		if o.Desc {
			b.WriteString(" desc")
		}
	}
	if st.Returning != "" {
		b.WriteString(" returning " + st.Returning)
	}
	return b.String()
}

func TestParse(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`SELECT * FROM "Music"`, `SELECT Music *`},
		{`select a, "b c".d[2], e['f'] from t;`, `SELECT t a b c.d[2] e.f`},
		{`SELECT * FROM "t"."idx" WHERE pk = 'a' AND sk > 3 ORDER BY sk DESC, pk`,
			`SELECT t.idx * where (and (= pk 'a') (> sk 3)) order sk desc order pk`},
		{`SELECT * FROM t WHERE a = 1 OR b <> 2 AND NOT c != -3.5e2`,
			`SELECT t * where (or (= a 1) (and (<> b 2) (not (<> c -3.5e2))))`},
		{`SELECT * FROM t WHERE a IN [1, 'x'] AND b NOT IN (?, ?) AND c BETWEEN 1 AND 2 AND d NOT BETWEEN ? AND 4`,
			`SELECT t * where (and (and (and (in a 1 'x') (not in b ?0 ?1)) (between c 1 2)) (not between d ?2 4))`},
		{`SELECT * FROM t WHERE a IS MISSING AND b IS NOT NULL AND c is string`,
			`SELECT t * where (and (and (is MISSING a) (is not NULL b)) (is STRING c))`},
		{`SELECT * FROM t WHERE BEGINS_WITH(a, 'x') AND size(b) >= 2 AND contains(c, true)`,
			`SELECT t * where (and (and (begins_with a 'x') (>= (size b) 2)) (contains c true))`},
		{`INSERT INTO t VALUE {'pk': 'it''s', 'n': null, 'l': [1, [2]], 'm': {'x': <<'a', 'b'>>}, 'p': ?}`,
			`INSERT t value {pk:'it's' n:null l:[1 [2]] m:{x:<<'a' 'b'>>} p:?0}`},
		{`UPDATE t SET a = a + 1, b.c[0] = list_append(b, [1]) REMOVE d SET e = set_add(e, <<1>>) WHERE pk = 'x' RETURNING MODIFIED NEW *`,
			`UPDATE t set a=(+ a 1) set b.c[0]=(list_append b [1]) remove d set e=(set_add e <<1>>) where (= pk 'x') returning UPDATED_NEW`},
		{`DELETE FROM "t" WHERE pk = 'x' AND attr_exists = true RETURNING ALL OLD *`,
			`DELETE t where (and (= pk 'x') (= attr_exists true)) returning ALL_OLD`},
		{"-- a comment\nSELECT /* inline */ * FROM t", `SELECT t *`},
		{`SELECT * FROM t WHERE (a = 1)`, `SELECT t * where (= a 1)`},
		{`FROM "t" WHERE pk = 'x' SET a = 1 REMOVE b RETURNING ALL OLD *`, `UPDATE t set a=1 remove b where (= pk 'x') returning ALL_OLD`},
		{`SELECT * FROM t WHERE a = 1.5e-2147483646`, `SELECT t * where (= a 1.5e-2147483646)`},
		{`SELECT * FROM t WHERE a = - 1 AND b = -c`, `SELECT t * where (and (= a -1) (= b (neg c)))`},
	} {
		st, err := Parse(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if got := renderStatement(st); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.in, got, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	const wf = "Statement wasn't well formed, can't be processed: "
	for _, c := range []struct{ in, want string }{
		{``, wf + "Unexpected term"},
		{`   `, wf + "Unexpected term"},
		{`SELEC * FROM t`, wf + "Expected data manipulation"},
		{`SELECT * FROM t WHERE a = 1 foo`, wf + "Unexpected token after expression"},
		{`SELECT * FROM t WHERE a = 1 e5`, wf + "Unexpected token after expression"},
		{`SELECT * FROM t WHERE a = 1)`, wf + "Unexpected token after expression"},
		{`DELETE FROM t WHERE a = 1 ORDER BY a`, wf + "Unexpected token after expression"},
		{`SELECT * FROM t ORDER BY a WHERE a = 1`, wf + "Unexpected token after expression"},
		{`SELECT * FROM t WHERE a = 1 # note`, wf},
		{`SELECT * FROM t WHERE a = 1 /* note`, wf},
		{`SELECT * FROM t WHERE a = 'x`, wf},
		{`SELECT * FROM t WHERE`, wf + "Unexpected term"},
		{`SELECT * FROM t WHERE;`, wf + "Unexpected term"},
		{`SELECT * FROM t WHERE NOT`, wf + "Unexpected term"},
		{`SELECT * FROM t WHERE (`, wf + "Unexpected term"},
		{`SELECT * FROM t WHERE a = 'p1' AND`, wf + "Missing right-hand side expression of infix operator"},
		{`SELECT * FROM t WHERE a = 'p1' OR`, wf + "Missing right-hand side expression of infix operator"},
		{`SELECT * FROM t WHERE ORDER BY a`, wf + "Unexpected keyword"},
		{`SELECT * FROM t WHERE a = LIKE`, wf + "Unexpected operator"},
		{`SELECT * FROM t WHERE IS NULL`, wf + "Unexpected operator"},
		{`SELECT * FROM t WHERE a IS FOO`, wf + "Expected type name"},
		{`SELECT * FROM`, wf + "Unexpected term"},
		{`DELETE FROM`, wf + "Expected identifier for simple path"},
		{`DELETE FROM WHERE a = 'x'`, wf + "Expected identifier for simple path"},
		{`SELECT * FROM t x WHERE a = 'x'`, "Aliasing is not supported"},
		{`SELECT * FROM t AS x`, "Aliasing is not supported"},
		{`UPDATE t x SET a = 3 WHERE pk = 'x'`, "Aliasing is not supported"},
		{`DELETE FROM t x WHERE pk = 'x'`, "Aliasing is not supported"},
		{`INSERT INTO t x VALUE {'pk': 'x'}`, wf + "Unexpected token after expression"},
		{`SELECT * FROM t WHERE a = 1e2147483648`, wf},
		{`SELECT * FROM t WHERE a = 1e99999999999`, wf},
		{`SELECT * FROM t WHERE a = 1.5e-2147483647`, wf},
		{`FROM t SET c = 1`, "Where clause does not contain a mandatory equality on all key attributes"},
		{`FROM t REMOVE a`, "Where clause does not contain a mandatory equality on all key attributes"},
		{`FROM t SET c = 1 WHERE pk = 'x'`, wf + "Unexpected token after expression"},
		{`FROM t WHERE pk = 'x' SET c = 1 SET d = 2 WHERE pk = 'y'`, wf + "Unexpected token after expression"},
		{`UPDATE t SET a = 1`, "Where clause does not contain a mandatory equality on all key attributes"},
		{`DELETE FROM t`, "Where clause does not contain a mandatory equality on all key attributes"},
		{`UPDATE t ADD a 1 WHERE pk = 'x'`, "Only SET and REMOVE are supported in update expressions at this time"},
		{`INSERT INTO t VALUES {'a': 1}`, msgInsertMultiple},
		{`INSERT INTO t VALUE [1]`, msgInsertItemSyntax},
		{`INSERT INTO t VALUE {'a': 1} RETURNING ALL OLD *`, "RETURNING is not supported in INSERT"},
		{`INSERT INTO t VALUE {a: 1}`, "Tuple keys must be of type String. Actual type: SYMBOL under root"},
		{`SELECT *, a FROM t`, msgStarAndOthers},
		{`SELECT a, * FROM t`, msgStarAndOthers},
		{`SELECT VALUE a FROM t`, msgSelectValue},
		{`SELECT * FROM t ORDER BY a.b`, "Argument to ORDER BY must be of type VariableReference. Type: Path"},
		{`SELECT * FROM a.b.c`, "A path may contain at most 2 components in the FROM clause"},
		{`EXISTS(SELECT * FROM t WHERE a = 1)`, msgExistsNonTx},
		{`SELECT * FROM t WHERE a.*.b = 1`, "Unpivot path component like a.*.b are not supported"},
		{`SELECT * FROM t WHERE a[*].b = 1`, "Wildcard path component like a[*].b are not supported"},
		{`SELECT * FROM t WHERE a[99999999999999999999] = 1`, "List index is not within the allowable range; index: [99999999999999999999]"},
		{`UPDATE t SET a = 1 WHERE pk = 'x' RETURNING ALL NEW`, "Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause"},
		{`DELETE FROM t WHERE pk = 'x' RETURNING MODIFIED OLD *`, "Invalid returning clause: RETURNING MODIFIED OLD *. Only RETURNING ALL OLD * is allowed in DELETE statements."},
		{`SELECT * FROM t WHERE a IS INT`, "Unsupported data type for IS operator: INT. Supported data types are [MISSING, NULL, BOOLEAN, BLOB, STRING, NUMERIC, STRUCT, TUPLE, LIST]"},
		{`SELECT * FROM t WHERE "" = 1`, "Path component cannot be an empty string"},
		{`UPDATE t SET [1] = 1 WHERE pk = 'x'`, "A path cannot start with a list index"},
		{`SELECT * FROM t WHERE ` + strings.Repeat("(", 2000) + "a = 1" + strings.Repeat(")", 2000), wf + "Statement nested too deeply"},
	} {
		_, err := Parse(c.in)
		if err == nil {
			t.Errorf("%s: no error, want %q", c.in, c.want)
			continue
		}
		if err.Error() != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.in, err.Error(), c.want)
		}
	}
}

func TestCheckTableName(t *testing.T) {
	for name, ok := range map[string]bool{"abc": true, "a-b_c.D9": true, "ab": false, "a b": false, "ä01": false} {
		if err := CheckTableName(name); (err == nil) != ok {
			t.Errorf("%q: %v", name, err)
		}
	}
}

func TestBind(t *testing.T) {
	st, err := Parse(`SELECT * FROM t WHERE a = ? AND b IN [?, 'x']`)
	if err != nil {
		t.Fatal(err)
	}
	if st.Params != 2 {
		t.Fatalf("Params = %d", st.Params)
	}
	if err := st.Bind([]attr.Value{attr.Str("1")}); err == nil || err.Error() != MsgParamCount {
		t.Fatalf("Bind(1 value) = %v", err)
	}
	if err := st.Bind([]attr.Value{attr.Str("1"), {Type: attr.N, Str: "2"}}); err != nil {
		t.Fatal(err)
	}
	if got := render(st.Where); got != `(and (= a '1') (in b 2 'x'))` {
		t.Fatalf("bound WHERE = %s", got)
	}
}

func TestValue(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{'a': 1e126}`, "Number overflow. Attempting to store a number with magnitude larger than supported range under root.a"},
		{`{'a': [1, 1e-131]}`, "Number underflow. Attempting to store a number with magnitude smaller than supported range under root.a[1]"},
		{`{'a': 123456789012345678901234567890123456789}`, "Attempting to store more than 38 significant digits in a Number under root.a"},
		{`{'a': 1, 'a': 2}`, "Duplicate keys in tuple. Key: a under root"},
		{`{'a': <<>>}`, "Empty bags are not supported"},
		{`{'a': <<1, 'x'>>}`, "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags"},
		{`{'a': <<[1]>>}`, "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags"},
		{`{'a': b}`, "Unsupported data type: Path under key root.a"},
	} {
		st, err := Parse(`INSERT INTO t VALUE ` + c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		_, err = Value(st.Value)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: got %v, want %q", c.in, err, c.want)
		}
	}
	st, _ := Parse(`INSERT INTO t VALUE {'n': 01.50, 'neg': -2, 's': <<'a', 'a', 'b'>>, 'm': MISSING}`)
	v, err := Value(st.Value)
	if err != nil {
		t.Fatal(err)
	}
	if v.Map["n"].Str != "1.5" || v.Map["neg"].Str != "-2" || len(v.Map["s"].Set) != 2 || len(v.Map) != 3 {
		t.Fatalf("value %+v", v)
	}
}

func TestCompile(t *testing.T) {
	item := attr.Item{
		"pk": attr.Str("a"), "n": {Type: attr.N, Str: "5"}, "tags": {Type: attr.SS, Set: []string{"x", "y"}},
		"m": {Type: attr.M, Map: map[string]attr.Value{"l": {Type: attr.L, List: []attr.Value{attr.Str("q")}}}},
	}
	for _, c := range []struct {
		where string
		want  bool
	}{
		{`n = 5`, true}, {`n <> 5`, false}, {`n BETWEEN 1 AND 5`, true}, {`n NOT BETWEEN 1 AND 5`, false},
		{`pk IN ['b', 'a']`, true}, {`pk NOT IN ['b', 'a']`, false}, {`begins_with(pk, 'a')`, true},
		{`contains(tags, 'y')`, true}, {`size(tags) = 2`, true}, {`m.l[0] = 'q'`, true},
		{`x IS MISSING`, true}, {`n IS NOT MISSING`, true}, {`n IS NUMERIC`, true}, {`n IS STRING`, false},
		{`m IS TUPLE AND m.l IS LIST`, true}, {`attribute_type(tags, 'SS')`, true}, {`NOT (n > 4) OR pk = 'a'`, true},
		{`"pk" = 'a' AND n >= 6`, false},
	} {
		st, err := Parse(`SELECT * FROM t WHERE ` + c.where)
		if err != nil {
			t.Fatalf("%s: %v", c.where, err)
		}
		comp, err := Compile(st.Where, nil, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.where, err)
		}
		if got := comp.Cond.Eval(item); got != c.want {
			t.Errorf("%s = %v, want %v", c.where, got, c.want)
		}
	}
	for _, c := range []struct{ stmt, want string }{
		{`SELECT * FROM t WHERE a = MISSING`, msgMissingCompare},
		{`SELECT * FROM t WHERE a`, msgWhereBoolean},
		{`SELECT * FROM t WHERE 1 IN [1]`, msgInOperator},
		{`SELECT * FROM t WHERE 'x' IS MISSING`, msgIsOperand},
		{`SELECT * FROM t WHERE a + 1 = 2`, "Unsupported operator in Condition Expression. Operator: +"},
		{`SELECT * FROM t WHERE foo(a)`, "Unrecognized function: foo"},
		{`SELECT * FROM t WHERE begins_with(a, 1)`, "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
		{`SELECT * FROM t WHERE size(a) = size(b) AND contains(a)`, "Incorrect number of operands for operator or function; operator or function: contains, number of operands: 1"},
		{`UPDATE t SET a = set_add(b, <<1>>) WHERE pk = 'x'`, "The first argument to SET_ADD must equal the assignment value"},
		{`UPDATE t SET a = set_delete(a, 1) WHERE pk = 'x'`, "The second argument to SET_DELETE must be a value with type SET"},
		{`UPDATE t SET a = set_add(a) WHERE pk = 'x'`, "SET_ADD must have exactly two arguments"},
		{`UPDATE t SET a = a + 1 + 2 WHERE pk = 'x'`, "Unsupported operator in Update Expression. Operator: +"},
		{`UPDATE t SET a = b = 1 WHERE pk = 'x'`, "IS operator is not supported in update expressions"},
		{`UPDATE t SET a = 1, a = 2 WHERE pk = 'x'`, "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"},
	} {
		st, err := Parse(c.stmt)
		if err != nil {
			t.Fatalf("%s: %v", c.stmt, err)
		}
		_, err = Compile(st.Where, nil, st.Actions)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s:\n got %v\nwant %q", c.stmt, err, c.want)
		}
	}
	st, _ := Parse(`UPDATE t SET n = n + 1, m.l = list_append(m.l, ['r']) SET tags = set_add(tags, <<'z'>>) REMOVE pk WHERE pk = 'a'`)
	comp, err := Compile(nil, nil, st.Actions)
	if err != nil {
		t.Fatal(err)
	}
	out, err := comp.Update.Apply(item.Clone())
	if err != nil {
		t.Fatal(err)
	}
	if out["n"].Str != "6" || len(out["m"].Map["l"].List) != 2 || len(out["tags"].Set) != 3 || out["pk"].Type != 0 {
		t.Fatalf("updated %+v", out)
	}
}

func TestProjection(t *testing.T) {
	item := attr.Item{
		"a": attr.Str("x"),
		"m": {Type: attr.M, Map: map[string]attr.Value{"b": attr.Str("y"), "l": {Type: attr.L, List: []attr.Value{attr.Str("p"), attr.Str("q")}}}},
	}
	st, err := Parse(`SELECT a, m.b, m.l[1], m.nope, m.l[9] FROM t`)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewProjection(st.Proj)
	if err != nil {
		t.Fatal(err)
	}
	out := p.Apply(item)
	if len(out) != 3 || out["a"].Str != "x" || out["b"].Str != "y" || out["_3"].Str != "q" {
		t.Fatalf("projected %+v", out)
	}
	st, _ = Parse(`SELECT a.x, b.x FROM t`)
	if _, err := NewProjection(st.Proj); err == nil || err.Error() != "Duplicate identifiers in select clause: x" {
		t.Fatalf("duplicate names: %v", err)
	}
}
