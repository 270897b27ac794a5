package expr

import (
	"strings"
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

func updItem() attr.Item {
	return attr.Item{
		"pk":   attr.Str("k"),
		"s":    attr.Str("abc"),
		"n":    num("5"),
		"ss":   ss("a", "b"),
		"ns":   ns("1", "2"),
		"bs":   bs("x"),
		"l":    list(attr.Str("p"), attr.Str("q"), attr.Str("r")),
		"m":    mapv("a", attr.Str("x"), "n", num("1"), "l", list(num("1"), num("2"), num("3"))),
		"ml":   list(mapv("x", num("1")), mapv("x", num("2"))),
		"big":  num("99999999999999999999999999999999999999"),
		"huge": num("9E125"),
	}
}

func updVals() map[string]attr.Value {
	return map[string]attr.Value{
		":s": attr.Str("new"), ":n": num("3"), ":neg": num("-10"), ":one": num("1"), ":half": num("0.5"),
		":ss": ss("b", "c"), ":ssall": ss("a", "b"), ":ns": ns("2", "3"), ":bs": bs("y"),
		":l": list(attr.Str("z")), ":m": mapv("k", attr.Str("v")), ":null": attr.Null(),
	}
}

// applyExpr parses and applies an update to a copy of updItem.
func applyExpr(t *testing.T, expr string) (attr.Item, error) {
	t.Helper()
	u := mustUpdate(t, expr, nil, usedValues(updVals(), expr))
	return u.Apply(updItem())
}

func TestApply(t *testing.T) {
	cases := []struct {
		expr string
		path string     // path to check in the result (a condition path)
		want attr.Value // expected value; Type 0 = must not exist
	}{
		{"SET s = :s", "s", attr.Str("new")},
		{"SET nw = :s", "nw", attr.Str("new")},
		{"SET m.a = :s", "m.a", attr.Str("new")},
		{"SET m.nw = :m", "m.nw", mapv("k", attr.Str("v"))},
		{"SET l[1] = :s", "l", list(attr.Str("p"), attr.Str("new"), attr.Str("r"))},
		{"SET l[3] = :s", "l", list(attr.Str("p"), attr.Str("q"), attr.Str("r"), attr.Str("new"))},
		{"SET l[10] = :s", "l", list(attr.Str("p"), attr.Str("q"), attr.Str("r"), attr.Str("new"))},
		{"SET l[9] = :n, l[7] = :s", "l", list(attr.Str("p"), attr.Str("q"), attr.Str("r"), attr.Str("new"), num("3"))},
		{"SET m.l[1] = :s", "m.l", list(num("1"), attr.Str("new"), num("3"))},
		{"SET ml[1].x = :n", "ml[1].x", num("3")},
		{"SET ml[0].y = :n", "ml[0]", mapv("x", num("1"), "y", num("3"))},
		{"SET n = n + :n", "n", num("8")},
		{"SET n = n - :n", "n", num("2")},
		{"SET n = :n - n", "n", num("-2")},
		{"SET n = n + :half", "n", num("5.5")},
		{"SET x = m.n + n", "x", num("6")},
		{"SET n = (n + :n)", "n", num("8")},
		{"SET s = if_not_exists(s, :s)", "s", attr.Str("abc")},
		{"SET nw = if_not_exists(nw, :s)", "nw", attr.Str("new")},
		{"SET n = if_not_exists(nw, :one) + n", "n", num("6")},
		{"SET l = list_append(l, :l)", "l", list(attr.Str("p"), attr.Str("q"), attr.Str("r"), attr.Str("z"))},
		{"SET l = list_append(:l, l)", "l", list(attr.Str("z"), attr.Str("p"), attr.Str("q"), attr.Str("r"))},
		{"SET l = list_append(if_not_exists(nw, :l), :l)", "l", list(attr.Str("z"), attr.Str("z"))},
		{"SET s = n, n = s", "s", num("5")},
		{"SET s = n, n = s", "n", attr.Str("abc")},
		{"SET cp = m, m.a = :s", "cp.a", attr.Str("x")}, // operands read the original item
		{"REMOVE s", "s", attr.Value{}},
		{"REMOVE nw", "nw", attr.Value{}},
		{"REMOVE m.a", "m", mapv("n", num("1"), "l", list(num("1"), num("2"), num("3")))},
		{"REMOVE m.nw", "m.n", num("1")},
		{"REMOVE l[1]", "l", list(attr.Str("p"), attr.Str("r"))},
		{"REMOVE l[0], l[1]", "l", list(attr.Str("r"))},
		{"REMOVE l[1], l[0]", "l", list(attr.Str("r"))},
		{"REMOVE l[5]", "l", list(attr.Str("p"), attr.Str("q"), attr.Str("r"))},
		{"REMOVE l[0] SET l[1] = :s", "l", list(attr.Str("new"), attr.Str("r"))},
		{"SET l[3] = :s REMOVE l[0]", "l", list(attr.Str("q"), attr.Str("r"), attr.Str("new"))},
		{"REMOVE ml[0] SET ml[1].x = :n", "ml", list(mapv("x", num("3")))},
		{"REMOVE m.l[0], m.l[2]", "m.l", list(num("2"))},
		{"ADD n :n", "n", num("8")},
		{"ADD n :neg", "n", num("-5")},
		{"ADD nw :n", "nw", num("3")},
		{"ADD m.n :one", "m.n", num("2")},
		{"ADD m.nw :one", "m.nw", num("1")},
		{"ADD ss :ss", "ss", ss("a", "b", "c")},
		{"ADD ns :ns", "ns", ns("1", "2", "3")},
		{"ADD bs :bs", "bs", bs("x", "y")},
		{"ADD nw :ss", "nw", ss("b", "c")},
		{"ADD l[5] :one", "l[3]", num("1")},
		{"DELETE ss :ss", "ss", ss("a")},
		{"DELETE ns :ns", "ns", ns("1")},
		{"DELETE ss :ssall", "ss", attr.Value{}},
		{"DELETE nw :ss", "nw", attr.Value{}},
		{"DELETE bs :bs", "bs", bs("x")},
		{"SET s = :s REMOVE n ADD ns :ns DELETE ss :ss", "ns", ns("1", "2", "3")},
		{"set s = :s remove n", "n", attr.Value{}},
	}
	for _, tc := range cases {
		got, err := applyExpr(t, tc.expr)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		c := mustCondition(t, "attribute_exists("+tc.path+")", nil, nil)
		p := c.Paths()[0]
		v, ok := lookup(got, p)
		if tc.want.Type == attr.TypeInvalid {
			if ok {
				t.Errorf("%s: %s still exists: %+v", tc.expr, tc.path, v)
			}
			continue
		}
		if !ok || !attr.Equal(v, tc.want) {
			t.Errorf("%s: %s = %+v (exists %v), want %+v", tc.expr, tc.path, v, ok, tc.want)
		}
		if tc.want.Type.IsSet() && ok && strings.Join(v.Set, ",") != strings.Join(tc.want.Set, ",") {
			t.Errorf("%s: set order %v, want %v", tc.expr, v.Set, tc.want.Set)
		}
	}
}

func TestApplyErrors(t *testing.T) {
	const (
		missing = "The provided expression refers to an attribute that does not exist in the item"
		optype  = "An operand in the update expression has an incorrect data type"
		badPath = "The document path provided in the update expression is invalid for update"
	)
	for _, tc := range []struct{ expr, want string }{
		{"SET a = nw", missing},
		{"SET a = m.nw", missing},
		{"SET a = l[7]", missing},
		{"SET a = nw + :one", missing},
		{"SET a = :one + nw", missing},
		{"SET a = list_append(nw, :l)", missing},
		{"SET a = if_not_exists(nw, nw2)", missing},
		{"SET a = s + :one", optype},
		{"SET a = :one - s", optype},
		{"SET a = ss + :one", optype},
		{"SET a = list_append(s, :l)", optype},
		{"SET a = list_append(:l, m)", optype},
		{"SET a = :s, b = nw", missing}, // values are computed first
		{"SET nw.a = :s", badPath},
		{"SET s.a = :s", badPath},
		{"SET s[0] = :s", badPath},
		{"SET m[0] = :s", badPath},
		{"SET l.a = :s", badPath},
		{"SET m.nw.a = :s", badPath},
		{"SET l[5].a = :s", badPath},
		{"REMOVE nw.a", badPath},
		{"REMOVE s.a", badPath},
		{"REMOVE m[1]", badPath},
		{"ADD nw.a :one", badPath},
		{"DELETE nw.a :ss", badPath},
		{"ADD s :one", optype},
		{"ADD n :ss", optype},
		{"ADD ss :ns", optype},
		{"DELETE s :ss", optype},
		{"DELETE ns :ss", optype},
		{"SET n = huge + huge", "Number overflow. Attempting to store a number with magnitude larger than supported range"},
		{"ADD big :half", "Attempting to store more than 38 significant digits in a Number"},
		{"SET s = :s, nw.x = :s", badPath}, // the first error in order
	} {
		_, err := applyExpr(t, tc.expr)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: got %v, want %q", tc.expr, err, tc.want)
			continue
		}
		if _, ok := err.(*Error); !ok {
			t.Errorf("%s: error type %T", tc.expr, err)
		}
	}
}

func TestApplyNesting(t *testing.T) {
	deep := attr.Str("x")
	for i := 0; i < 30; i++ {
		deep = mapv("d", deep)
	}
	// deep nests 31 levels: allowed at the top level and one level down.
	values := map[string]attr.Value{":deep": deep}
	for _, tc := range []struct {
		expr string
		ok   bool
	}{
		{"SET a = :deep", true},
		{"SET m.a = :deep", true},
		{"SET m.l[0].a = :deep", false},
		{"SET ml[0] = :deep", true},
		{"SET ml[0].x = :deep", false},
	} {
		u := mustUpdate(t, tc.expr, nil, values)
		_, err := u.Apply(updItem())
		if tc.ok != (err == nil) {
			t.Errorf("%s: %v", tc.expr, err)
		}
		if err != nil && err.Error() != "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit" {
			t.Errorf("%s: %v", tc.expr, err)
		}
	}
}

func TestApplyIsolation(t *testing.T) {
	// The values an update writes are its own: applying it twice and
	// changing the first result must not affect the second.
	u := mustUpdate(t, "SET a = :m, b = :l, c = m", nil, usedValues(updVals(), ":m :l"))
	first, err := u.Apply(updItem())
	if err != nil {
		t.Fatal(err)
	}
	first["a"].Map["k"] = attr.Str("changed")
	first["b"].List[0] = attr.Str("changed")
	second, err := u.Apply(updItem())
	if err != nil {
		t.Fatal(err)
	}
	if second["a"].Map["k"].Str != "v" || second["b"].List[0].Str != "z" {
		t.Errorf("update values were aliased: %+v %+v", second["a"], second["b"])
	}
	// Copies from the item are independent of the item.
	orig := updItem()
	res, _ := mustUpdate(t, "SET c = m, m.a = :s", nil, usedValues(updVals(), ":s")).Apply(orig)
	if res["c"].Map["a"].Str != "x" || res["m"].Map["a"].Str != "new" {
		t.Errorf("copy shares the original: %+v", res)
	}
	// ADD to a set does not write into the backing array of the old set.
	base := updItem()
	shared := base["ss"].Set[:1:2]
	base["ss"] = attr.Value{Type: attr.SS, Set: shared}
	if _, err := mustUpdate(t, "ADD ss :ss", nil, usedValues(updVals(), ":ss")).Apply(base); err != nil {
		t.Fatal(err)
	}
	if shared[:2][1] != "b" {
		t.Errorf("ADD wrote into a shared backing array")
	}
}

func TestApplyNilItem(t *testing.T) {
	u := mustUpdate(t, "SET a = :s", nil, usedValues(updVals(), ":s"))
	res, err := u.Apply(nil)
	if err != nil || res["a"].Str != "new" {
		t.Errorf("%+v, %v", res, err)
	}
}

func TestUpdateTargets(t *testing.T) {
	expr := "SET a = :s, b.c[1] = list_append(l, :l), d = n + :one, e = if_not_exists(e, :ss), h = x REMOVE f[2] ADD g :one DELETE i :ss"
	u := mustUpdate(t, expr, nil, usedValues(updVals(), expr))
	var got []string
	for _, p := range u.Targets() {
		got = append(got, p.String())
	}
	if strings.Join(got, " ") != "a b.c[1] d e h f[2] g i" {
		t.Errorf("Targets: %v", got)
	}
	if len(u.UpdatedPaths().Paths()) != 8 {
		t.Errorf("UpdatedPaths: %v", u.UpdatedPaths().Paths())
	}
	want := []ActionInfo{
		{ActionSet, u.Targets()[0], attr.S},
		{ActionSet, u.Targets()[1], attr.L},
		{ActionSet, u.Targets()[2], attr.N},
		{ActionSet, u.Targets()[3], attr.SS},
		{ActionSet, u.Targets()[4], attr.TypeInvalid},
		{ActionRemove, u.Targets()[5], attr.TypeInvalid},
		{ActionAdd, u.Targets()[6], attr.N},
		{ActionDelete, u.Targets()[7], attr.SS},
	}
	acts := u.Actions()
	for i := range want {
		if acts[i].Kind != want[i].Kind || acts[i].Type != want[i].Type || acts[i].Path.String() != want[i].Path.String() {
			t.Errorf("action %d: %+v, want %+v", i, acts[i], want[i])
		}
	}
}

func TestApplyNilMap(t *testing.T) {
	// Maps without storage (as a decoder may build for {}) are written
	// through their parent.
	item := attr.Item{"m": {Type: attr.M}, "l": list(attr.Value{Type: attr.M})}
	u := mustUpdate(t, "SET m.a = :v, l[0].b = :v REMOVE m.x", nil, map[string]attr.Value{":v": attr.Str("x")})
	res, err := u.Apply(item)
	if err != nil {
		t.Fatal(err)
	}
	if res["m"].Map["a"].Str != "x" || res["l"].List[0].Map["b"].Str != "x" {
		t.Errorf("%+v", res)
	}
	item = attr.Item{"m": {Type: attr.M}}
	u = mustUpdate(t, "ADD m.n :v DELETE m.s :s", nil, map[string]attr.Value{":v": num("1"), ":s": ss("a")})
	if res, err = u.Apply(item); err != nil || res["m"].Map["n"].Str != "1" {
		t.Errorf("%+v %v", res, err)
	}
}

func TestApplyAddNesting(t *testing.T) {
	// An empty map 32 levels down: adding a member would nest 33 levels.
	deep := mapv()
	for i := 0; i < 31; i++ {
		deep = mapv("d", deep)
	}
	path := "a" + strings.Repeat(".d", 31) + ".n"
	u := mustUpdate(t, "ADD "+path+" :one", nil, map[string]attr.Value{":one": num("1")})
	if _, err := u.Apply(attr.Item{"a": deep}); err == nil || !strings.HasPrefix(err.Error(), "Nesting Levels have exceeded") {
		t.Errorf("ADD at depth 33: %v", err)
	}
}
