package expr

import (
	"strconv"
	"strings"
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

var stdNames = map[string]string{"#a": "a", "#b": "b", "#c": "c", "#d": "[3]", "#r": "name"}

type parseCase struct {
	name string
	in   Input
	want string // "" = success
}

func runParseCases(t *testing.T, cases []parseCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.in)
			got := ""
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("error type %T", err)
				}
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// cond builds a ConditionExpression input with the stock placeholders the
// expression uses.
func cond(e string) Input {
	return Input{ConditionExpression: &e, Names: usedNames(stdNames, e), Values: usedValues(vals(), e)}
}

func filter(e string) Input {
	return Input{FilterExpression: &e, Names: usedNames(stdNames, e), Values: usedValues(vals(), e)}
}

func upd(e string) Input {
	return Input{UpdateExpression: &e, Names: usedNames(stdNames, e), Values: usedValues(vals(), e)}
}

func proj(e string) Input {
	return Input{ProjectionExpression: &e, Names: usedNames(stdNames, e)}
}

func key(e string) Input {
	return Input{KeyConditionExpression: &e, Names: usedNames(stdNames, e), Values: usedValues(vals(), e)}
}

func withValues(in Input, v map[string]attr.Value) Input { in.Values = v; return in }
func withNames(in Input, n map[string]string) Input      { in.Names = n; return in }

func TestParseSyntaxErrors(t *testing.T) {
	const ic, iu, ip, ik = "Invalid ConditionExpression: ", "Invalid UpdateExpression: ", "Invalid ProjectionExpression: ", "Invalid KeyConditionExpression: "
	syn := func(tok, near string) string {
		return `Syntax error; token: "` + tok + `", near: "` + near + `"`
	}
	runParseCases(t, []parseCase{
		// Messages recorded from DynamoDB.
		{"update first token", withValues(upd("INVALID SYNTAX HERE"), map[string]attr.Value{":v": attr.Str("x")}), iu + syn("INVALID", "INVALID SYNTAX")},
		{"bare colon", withValues(upd("ADD hits : incr"), map[string]attr.Value{":incr": num("1")}), iu + syn(":", "hits : incr")},
		{"minus in condition", cond("a-b"), ic + syn("-", "a-b")},
		{"projection bang", proj("!!! INVALID !!!"), ip + syn("!", "!!")},
		{"projection two names", proj("a b"), ip + syn("b", "a b")},
		{"projection trailing comma", proj("a,"), ip + syn("<EOF>", ",")},
		{"update only SET", upd("SET"), iu + syn("<EOF>", "SET")},
		{"ADD without value", upd("ADD numx"), iu + syn("<EOF>", "numx")},
		{"arithmetic without right operand", upd("SET a = b +"), iu + syn("<EOF>", "+")},
		{"unclosed function", key("begins_with(#a, :s"), ik + syn("<EOF>", ":s")},
		{"bare hash", upd("SET a = :s, #, b = :n"), iu + syn("#", ", #,")},

		// Update syntax.
		{"whatever", upd("whatever"), iu + syn("whatever", "whatever")},
		{"set a", upd("set a"), iu + syn("<EOF>", "a")},
		{"set a=set", upd("set a=set"), iu + syn("set", "=set")},
		{"remove a = b", upd("remove a = b"), iu + syn("=", "a = b")},
		{"add a = b", upd("add a = b"), iu + syn("=", "a = b")},
		{"delete a b", upd("delete a b"), iu + syn("b", "a b")},
		{"delete function", upd("delete a if_not_exist(b)"), iu + syn("if_not_exist", "a if_not_exist(")},
		{"remove a b", upd("remove a b"), iu + syn("b", "a b")},
		{"set :a = b", upd("set :s = b"), iu + syn(":s", "set :s =")},
		{"remove :a", upd("remove :s"), iu + syn(":s", "remove :s")},
		{"division", upd("set a = b / c"), iu + syn("/", "b / c")},
		{"multiplication", upd("set a = b * c"), iu + syn("*", "b * c")},
		{"string literal", upd(`set a[1] = "eight"`), iu + syn(`"`, `= "eight`)},
		{"number literal", upd("set a[1] = 1"), iu + syn("1", "= 1")},
		{"number argument", upd("SET a = if_not_exist(a, 100)"), iu + syn("100", ", 100)")},
		{"function as target", upd("SET if_not_exist(a, b) = a"), iu + syn("(", "if_not_exist(a")},
		{"parenthesised action", upd("set (a = (b + c))"), iu + syn("(", "set (a")},
		{"grouped path", upd("set a = (b.c).d + e"), iu + syn(".", ").d")},
		{"grouped path index", upd("set a = (b.c)[0] + e"), iu + syn("[", ")[0")},
		{"two operators", upd("set a = b + c + d"), iu + syn("+", "c + d")},
		{"nested arithmetic", upd("set a = (b + c) + d"), iu + syn("+", ") + d")},
		{"trailing comma", upd("SET a = b,"), iu + syn("<EOF>", ",")},
		{"empty index", upd("SET a[] = b"), iu + syn("]", "[] =")},
		{"negative index", upd("SET a[-1] = b"), iu + syn("-", "[-1")},
		{"word with digit first", upd("SET 1a = b"), iu + syn("1a", "SET 1a =")},

		// Condition syntax.
		{"operand alone", cond("a"), ic + syn("<EOF>", "a")},
		{"operand AND", cond("a AND b = c"), ic + syn("AND", "a AND b")},
		{"dangling AND", cond("a = :s AND"), ic + syn("<EOF>", "AND")},
		{"chained comparison", cond("a = b = c"), ic + syn("=", "b = c")},
		{"unclosed paren", cond("(a = b"), ic + syn("<EOF>", "b")},
		{"condition compared", cond("(a = b) = c"), ic + syn("=", ") = c")},
		{"NOT operand", cond("NOT a"), ic + syn("<EOF>", "a")},
		{"keyword as path", cond("and = :s"), ic + syn("and", "and =")},
		{"keyword after dot", cond("a.in = :s"), ic + syn("in", ".in =")},
		{"IN without parens", cond("a IN :s"), ic + syn(":s", "IN :s")},
		{"BETWEEN without AND", cond("a BETWEEN :s OR :s2"), ic + syn("OR", ":s OR :s2")},
		{"unicode", cond("a é b"), ic + syn("é", "a é b")},
		{"string", cond(`a = "x"`), ic + syn(`"`, `= "x`)},
		{"path call", cond("a.b(c) = :s"), ic + syn("(", "b(c")},
		{"grouped value path", cond("(:s).b = :s"), ic + syn(".", ").b")},
		{"bad index", cond("a[b] = :s"), ic + syn("b", "[b]")},
		{"function with no args", cond("attribute_exists()"), ic + syn(")", "()")},
		{"arg condition", cond("contains((a = b), :s)"), ic + syn("=", "a = b")},
		{"stray close", cond("a = :s)"), ic + syn(")", ":s)")},
		{"empty parens", cond("()"), ic + syn(")", "()")},
	})
}

func TestParseEmpty(t *testing.T) {
	runParseCases(t, []parseCase{
		{"update", upd(""), "Invalid UpdateExpression: The expression can not be empty;"},
		{"condition", cond(""), "Invalid ConditionExpression: The expression can not be empty;"},
		{"key", key(""), "Invalid KeyConditionExpression: The expression can not be empty;"},
		{"filter", filter(""), "Invalid FilterExpression: The expression can not be empty;"},
		{"projection", proj(""), "Invalid ProjectionExpression: The expression can not be empty;"},
		{"blank", proj(" \t\n"), "Invalid ProjectionExpression: The expression can not be empty;"},
		// Parsing comes before the unused placeholder check.
		{"empty with unused value", withValues(key(""), map[string]attr.Value{":v": attr.Str("x")}),
			"Invalid KeyConditionExpression: The expression can not be empty;"},
	})
}

func TestParseConditionErrors(t *testing.T) {
	const ic = "Invalid ConditionExpression: "
	misused := func(f string) string {
		return ic + "The function is not allowed to be used this way in an expression; function: " + f
	}
	optype := func(f, typ string) string {
		return ic + "Incorrect operand type for operator or function; operator or function: " + f + ", operand type: " + typ
	}
	runParseCases(t, []parseCase{
		{"valid", cond("a = :s AND (b < :n OR NOT c.d[1] BETWEEN :n2 AND :n) AND contains(#a, :s) AND size(x) >= :n AND e IN (:s, :s2)"), ""},
		{"keywords any case", cond("a = :s and b = :s Or NoT c between :n2 aNd :n"), ""},
		{"grouped path", cond("(a.b).c = :s AND (a)[1] = :s"), ""},
		{"reserved", cond("a = :s AND Name = :s"), ic + "Attribute name is a reserved keyword; reserved keyword: Name"},
		{"reserved nested", cond("a.size = :s"), ic + "Attribute name is a reserved keyword; reserved keyword: size"},
		{"reserved via name is fine", cond("#r = :s"), ""},
		{"undefined name", cond("#zz = :s"), ic + "An expression attribute name used in the document path is not defined; attribute name: #zz"},
		{"undefined value", cond("a = :zz"), ic + "An expression attribute value used in expression is not defined; attribute value: :zz"},
		{"first undefined wins", cond("a = :zz AND #zz = :s"), ic + "An expression attribute value used in expression is not defined; attribute value: :zz"},
		{"unknown function", cond("foo(a)"), ic + "Invalid function name; function: foo"},
		{"function names are case-sensitive", cond("SIZE(a) = :n"), ic + "Invalid function name; function: SIZE"},
		{"if_not_exists in a condition", cond("if_not_exists(a, :s) = :s"), ic + "The function is not allowed in a condition expression; function: if_not_exists"},
		{"list_append in a condition", cond("a = :s OR list_append(a, :s) = :s"), ic + "The function is not allowed in a condition expression; function: list_append"},
		{"arity", cond("attribute_exists(a, b)"), ic + "Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2"},
		{"arity contains", cond("contains(a)"), ic + "Incorrect number of operands for operator or function; operator or function: contains, number of operands: 1"},
		{"needs path", cond("attribute_exists(:s)"), ic + "Operator or function requires a document path; operator or function: attribute_exists"},
		{"needs path not exists", cond("attribute_not_exists(size(a))"), ic + "Operator or function requires a document path; operator or function: attribute_not_exists"},
		{"begins_with N", cond("begins_with(a, :n)"), optype("begins_with", "N")},
		{"begins_with size", cond("begins_with(size(a), :s)"), optype("begins_with", "N")},
		{"begins_with SS first", cond("begins_with(:ss, a)"), optype("begins_with", "SS")},
		{"size of N", cond("size(:n) = :n"), optype("size", "N")},
		{"size of BOOL", cond("size(:bool) = :n"), optype("size", "BOOL")},
		{"size of NULL", cond("size(:null) = :n"), optype("size", "NULL")},
		{"size of size", cond("size(size(a)) = :n"), optype("size", "N")},
		{"size of S value", cond("size(:s) = :n"), ""},
		{"attribute_type N", cond("attribute_type(a, :n)"), optype("attribute_type", "N")},
		{"attribute_type path", cond("attribute_type(a, b)"), optype("attribute_type", "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}")},
		{"attribute_type bad name", cond("attribute_type(a, :bad)"), ic + "Invalid attribute type name found; type: XX, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"},
		{"attribute_type ok", cond("attribute_type(a, :t)"), ""},
		{"misused function", cond("attribute_exists(a) = :s"), misused("attribute_exists")},
		{"misused in function", cond("contains(attribute_type(a, :t), :s)"), misused("attribute_type")},
		{"misused in BETWEEN", cond("a BETWEEN contains(a, :s) AND :n"), misused("contains")},
		{"misused in IN", cond("a IN (:s, begins_with(a, :s))"), misused("begins_with")},
		{"size as condition", cond("size(a)"), misused("size")},
		{"size in AND", cond("a = :s AND size(a)"), misused("size")},
		{"size under NOT", cond("NOT size(a)"), misused("size")},
		{"size in parens", cond("(size(a))"), misused("size")},
		{"distinct", cond("a = a"), ic + "The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]"},
		{"distinct via name", cond("a.b[1] <> #a.b[1]"), ic + "The first operand must be distinct from the remaining operands for this operator or function; operator: <>, first operand: [a, b, [1]]"},
		{"distinct function", cond("contains(a, #a)"), ic + "The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [a]"},
		{"index is not a name", cond("#d = c.#d AND c[3] = c.#d"), ""},
		{"between types", cond("a BETWEEN :n AND :s"), ic + "The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {S:abc}"},
		{"between order", cond("a BETWEEN :n AND :n2"), ic + "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:2}"},
		{"between strings", cond("a BETWEEN :s2 AND :s"), ic + "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {S:abd}, upper bound operand: AttributeValue: {S:abc}"},
		{"between binary", cond("a BETWEEN :b AND :s"), ic + "The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {B:YQ==}, upper bound operand: AttributeValue: {S:abc}"},
		{"between equal", cond("a BETWEEN :n AND :n"), ""},
		// Ordering comparisons take only S, N and B where the type is known
		// when parsing (issue 14).
		{"less than BOOL", cond("t > :bool"), optype(">", "BOOL")},
		{"less than SS", cond("a <= :ss"), optype("<=", "SS")},
		{"size against BOOL", cond(":bool >= size(a)"), optype(">=", "BOOL")},
		{"between BOOL", cond("a BETWEEN :bool AND :bool"), optype("BETWEEN", "BOOL")},
		{"between SS first", cond(":ss BETWEEN a AND b"), optype("BETWEEN", "SS")},
		{"equality with BOOL", cond("t = :bool AND t <> :ss"), ""},
		{"ordering paths", cond("a < b AND size(a) < size(b) AND a BETWEEN b AND c"), ""},
		{"redundant parens", cond("((a = :s))"), ic + "The expression has redundant parentheses;"},
		{"redundant operand parens", cond("a = ((:s))"), ic + "The expression has redundant parentheses;"},
		{"redundant path parens", cond("((a)).b = :s"), ic + "The expression has redundant parentheses;"},
		{"redundant around AND", cond("a = :s AND ((b = :s OR c = :s))"), ic + "The expression has redundant parentheses;"},
		{"non-redundant nesting", cond("((a = :s) AND b = :s)"), ""},
		{"non-redundant function parens", cond("(attribute_not_exists(a)) AND (attribute_not_exists(#b))"), ""},
		{"non-redundant nested", cond("(attribute_not_exists(a) AND (attribute_not_exists(#b)))"), ""},
		{"non-redundant path", cond("((a).b) = :s"), ""},

		// Priority: parens > unknown function > misused function > reserved > first condition error.
		{"parens beat everything", cond("foo(Name) = :zz AND ((a = :s))"), ic + "The expression has redundant parentheses;"},
		{"unknown beats misused", cond("attribute_exists(a) = :s AND foo(b)"), ic + "Invalid function name; function: foo"},
		{"misused beats reserved", cond("Name = :s AND contains(a, :s) = :s"), misused("contains")},
		{"reserved beats undefined", cond("a = :zz AND Name = :s"), ic + "Attribute name is a reserved keyword; reserved keyword: Name"},
		// Within the first condition with an error: undefined, then operand
		// count, then distinct, then function checks.
		{"undefined beats arity", cond("contains(a) AND b = :zz"), ic + "Incorrect number of operands for operator or function; operator or function: contains, number of operands: 1"},
		{"same leaf: undefined first", cond("contains(a, :zz, b)"), ic + "An expression attribute value used in expression is not defined; attribute value: :zz"},
		{"same leaf: distinct beats function", cond("begins_with(:n, :s) = begins_with(:n, :s)"), misused("begins_with")},
		{"same leaf: distinct beats type", cond("size(:n) <> a AND b = b"), optype("size", "N")},
		{"distinct then type in one leaf", cond("begins_with(a, a) AND begins_with(b, :n)"), ic + "The first operand must be distinct from the remaining operands for this operator or function; operator: begins_with, first operand: [a]"},
		{"first leaf wins", cond("begins_with(a, :n) AND b = :zz"), optype("begins_with", "N")},
		{"misused size after function misuse", cond("size(a) AND b = attribute_exists(c)"), misused("attribute_exists")},
		{"filter prefix", filter("a = :zz"), "Invalid FilterExpression: An expression attribute value used in expression is not defined; attribute value: :zz"},
	})
}

func TestParseLimits(t *testing.T) {
	in := "a IN (" + strings.Repeat(":s, ", 100) + ":s)"
	_, err := Parse(cond(in))
	want := "Invalid ConditionExpression: The IN operator is provided with too many operands; number of operands: 102"
	if err == nil || err.Error() != want {
		t.Errorf("IN with 101 values: %v", err)
	}
	in = "a IN (" + strings.Repeat(":s, ", 99) + ":s)"
	if _, err := Parse(cond(in)); err != nil {
		t.Errorf("IN with 100 values: %v", err)
	}
	c := "a = :s" + strings.Repeat(" AND a = :s", 150)
	_, err = Parse(cond(c))
	want = "Invalid ConditionExpression: The expression contains too many operators; operator count: 301"
	if err == nil || err.Error() != want {
		t.Errorf("301 operators: %v", err)
	}
	c = "a = :s" + strings.Repeat(" AND a = :s", 149)
	if _, err := Parse(cond(c)); err != nil {
		t.Errorf("299 operators: %v", err)
	}
	deep := strings.Repeat("(", 5000) + "a = :s" + strings.Repeat(")", 5000)
	want = "Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; expression size: 10006"
	if _, err := Parse(cond(deep)); err == nil || err.Error() != want {
		t.Errorf("deep nesting past 4 KB: %v", err)
	}
	// The parser's own depth guard, past the size limit.
	in2 := cond(deep)
	if _, msg := parseCondition(deep, newParseContext(in2.Names, in2.Values)); !strings.HasPrefix(msg, "Syntax error;") {
		t.Errorf("deep nesting: %v", msg)
	}
}

func TestParseUpdateErrors(t *testing.T) {
	const iu = "Invalid UpdateExpression: "
	overlap := func(a, b string) string {
		return iu + "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: " + a + ", path two: " + b
	}
	conflict := func(a, b string) string {
		return iu + "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: " + a + ", path two: " + b
	}
	optype := func(op, typ string) string {
		return iu + "Incorrect operand type for operator or function; operator: " + op + ", operand type: " + typ
	}
	fntype := func(f, typ string) string {
		return iu + "Incorrect operand type for operator or function; operator or function: " + f + ", operand type: " + typ
	}
	names := map[string]string{"#a": "a", "#b": "b"}
	vals2 := map[string]attr.Value{":a": attr.Str("a"), ":b": attr.Str("a")}
	runParseCases(t, []parseCase{
		{"valid", upd("SET a = :s, b.c[2] = if_not_exists(b, :n) + :n, d = list_append(:l, d) REMOVE e, f[1] ADD g :n, h :ss DELETE i :ns"), ""},
		{"keywords any case", upd("set a = :s remove b add c :n delete d :ss"), ""},
		{"parenthesised value", upd("SET a = (b + :n), c = (d)"), ""},
		{"parenthesised operand", upd("SET a = (b) + (:n)"), ""},
		{"reserved", withValues(withNames(upd(" set #c = :c set abOrt = true "), names), vals2), iu + "Attribute name is a reserved keyword; reserved keyword: abOrt"},
		{"reserved remove", withValues(withNames(upd(" remove Absolute "), names), vals2), iu + "Attribute name is a reserved keyword; reserved keyword: Absolute"},
		{"condition keyword is reserved here", upd("SET and = :s"), iu + "Attribute name is a reserved keyword; reserved keyword: and"},
		{"unknown function", withValues(withNames(upd("set #c = if_not_exist(:c) set c = d"), names), vals2), iu + "Invalid function name; function: if_not_exist"},
		{"size is not an update function", upd("SET a = size(b)"), iu + "Invalid function name; function: size"},
		{"name starting with _", upd("SET _123 = :s"), iu + `Syntax error; token: "_", near: "SET _123"`},
		{"underscore inside a name", upd("SET a_1 = :s"), ""},
		{"nested list_append", upd("SET l = list_append(list_append(:l, :l), :l)"), iu + "The function is not allowed to be used this way in an expression; function: list_append"},
		{"list_append inside", upd("SET l = list_append(:l, list_append(l, :l))"), iu + "The function is not allowed to be used this way in an expression; function: list_append"},
		{"list_append of if_not_exists", upd("SET l = list_append(if_not_exists(l, :l), :l)"), ""},
		{"SET twice", withValues(withNames(upd("set a = #c set c = :d"), names), vals2), iu + `The "SET" section can only be used once in an update expression;`},
		{"REMOVE twice", withValues(withNames(upd("remove #d set a = b remove e"), names), vals2), iu + `The "REMOVE" section can only be used once in an update expression;`},
		{"ADD twice", withValues(withNames(upd("add #d :e set a = b add e :f"), names), vals2), iu + `The "ADD" section can only be used once in an update expression;`},
		{"DELETE twice", withValues(withNames(upd("delete #d :e set a = b delete #e :f"), names), vals2), iu + `The "DELETE" section can only be used once in an update expression;`},
		{"undefined name", withValues(withNames(upd("SET #c = if_not_exists(:c)"), names), vals2), iu + "An expression attribute name used in the document path is not defined; attribute name: #c"},
		{"undefined value", withValues(withNames(upd("SET #a = if_not_exists(:c)"), names), vals2), iu + "An expression attribute value used in expression is not defined; attribute value: :c"},
		{"undefined name beats value", upd("SET a = :zz, #zz = :s"), iu + "An expression attribute name used in the document path is not defined; attribute name: #zz"},
		{"overlap 1", upd("set d[1] = a, d.b = a, c[1].a = a, #c = if_not_exists(a)"), overlap("[c, [1], a]", "[c]")},
		{"overlap 2", upd("set c.b.#c = a, c = a, #d = a"), overlap("[c, b, c]", "[c]")},
		{"overlap 3", upd("set a = b remove a, #c, #d"), overlap("[a]", "[a]")},
		{"overlap 4", upd("set #c[3].#d = a, #c[3] = a"), overlap("[c, [3], [3]]", "[c, [3]]")},
		{"overlap 5", upd("remove c, #c.a, #d"), overlap("[c]", "[c, a]")},
		{"overlap 6", upd("remove a, #c, a, #d"), overlap("[a]", "[a]")},
		{"overlap ADD and DELETE", upd("ADD a :ss DELETE a :ss"), overlap("[a]", "[a]")},
		{"conflict 1", upd("set #c[3].#d = a, #c.#d[3] = if_not_exists(a)"), conflict("[c, [3], [3]]", "[c, [3], [3]]")},
		{"conflict 2", upd("remove a.#c set a[1] = #d"), conflict("[a, c]", "[a, [1]]")},
		{"last conflict wins", upd("SET a.b = :s, a[1] = :s, c.d = :s, c[2] = :s"), conflict("[c, d]", "[c, [2]]")},
		{"no overlap for siblings", upd("SET a.b = :s, a.c = :s, d[1] = :s, d[2] = :s"), ""},
		{"ADD STRING", upd("set b = list_append(:l, a), c = if_not_exists(a, :s) add a.b :s"), optype("ADD", "STRING")},
		{"DELETE STRING", upd("delete a.b :s"), optype("DELETE", "STRING")},
		{"ADD NULL", upd("add a.b :null"), optype("ADD", "NULL")},
		{"DELETE BOOLEAN", upd("delete a.b :bool"), optype("DELETE", "BOOLEAN")},
		{"ADD BINARY", upd("add a.b :b"), optype("ADD", "BINARY")},
		{"DELETE MAP", upd("delete a.b :m"), optype("DELETE", "MAP")},
		{"ADD LIST", upd("add a.b :l"), optype("ADD", "LIST")},
		{"DELETE NUMBER", upd("delete a.b :n"), optype("DELETE", "NUMBER")},
		{"ADD NUMBER", upd("add a.b :n"), ""},
		{"ADD set", upd("add a.b :bs"), ""},
		{"arity if_not_exists", upd("set a = if_not_exists(c)"), iu + "Incorrect number of operands for operator or function; operator or function: if_not_exists, number of operands: 1"},
		{"arity list_append", upd("set a = list_append(c, d, e)"), iu + "Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 3"},
		{"if_not_exists value", upd("set a = if_not_exists(:s, c)"), iu + "Operator or function requires a document path; operator or function: if_not_exists"},
		{"if_not_exists nested", upd("set a = if_not_exists(if_not_exists(a, b), c)"), iu + "Operator or function requires a document path; operator or function: if_not_exists"},
		{"list_append S", upd("set a = list_append(:s, a)"), fntype("list_append", "S")},
		{"list_append N", upd("set a = list_append(a, :n)"), fntype("list_append", "N")},
		{"list_append M", upd("set a = list_append(:m, a)"), fntype("list_append", "M")},
		{"plus S", upd("set a = a + :s"), fntype("+", "S")},
		{"plus S values", upd("set a = :s + :b"), fntype("+", "S")},
		{"plus B", upd("set a = :b + a"), fntype("+", "B")},
		{"plus L", upd("set a = a + :l"), fntype("+", "L")},
		{"minus NS", upd("set a = a - :ns"), fntype("-", "NS")},
		{"plus function", upd("set a = list_append(a, b) + :n"), ""},
		// Priority: reserved > unknown function > section > name > value >
		// overlap > conflict > ADD/DELETE operand > functions.
		{"reserved beats unknown", upd("SET a = foo(b), Name = :s"), iu + "Attribute name is a reserved keyword; reserved keyword: Name"},
		{"unknown beats section", upd("SET a = foo(b) SET c = :s"), iu + "Invalid function name; function: foo"},
		{"section beats name", upd("SET #zz = :s SET c = :s"), iu + `The "SET" section can only be used once in an update expression;`},
		{"value beats overlap", upd("SET a = :zz, a = :s"), iu + "An expression attribute value used in expression is not defined; attribute value: :zz"},
		{"overlap beats conflict", upd("SET a.b = :s, a[1] = :s, c = :s, c = :s"), overlap("[c]", "[c]")},
		{"conflict beats operand", upd("ADD x :s SET a.b = :s, a[1] = :s"), conflict("[a, b]", "[a, [1]]")},
		{"operand beats function", upd("SET a = b + :s ADD x :s"), optype("ADD", "STRING")},
	})
}

func TestParseProjectionErrors(t *testing.T) {
	const ip = "Invalid ProjectionExpression: "
	runParseCases(t, []parseCase{
		{"valid", proj("a, b.c, d[1].e, #c.x, #r[2]"), ""},
		{"spaces", proj(" a . b [ 1 ] , c "), ""},
		{"reserved", proj("a, Year"), ip + "Attribute name is a reserved keyword; reserved keyword: Year"},
		{"keyword is reserved", proj("SET"), ip + "Attribute name is a reserved keyword; reserved keyword: SET"},
		{"undefined", proj("a, #zz"), ip + "An expression attribute name used in the document path is not defined; attribute name: #zz"},
		{"reserved beats undefined", proj("#zz, size"), ip + "Attribute name is a reserved keyword; reserved keyword: size"},
		{"overlap", proj("a.b, c, a"), ip + "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a]"},
		{"duplicate", proj("a, #a"), ip + "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"},
		{"conflict", proj("a.b, a[0]"), ip + "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [0]]"},
		{"overlap beats conflict", proj("a.b, a[0], c, c.d"), ip + "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [c], path two: [c, d]"},
		{"no value placeholders", proj(":s"), ip + `Syntax error; token: ":s", near: ":s"`},
		{"32 levels", proj("a" + strings.Repeat(".b", 31) + ", c" + strings.Repeat("[0]", 31)), ""},
		{"33 levels", proj("c, a" + strings.Repeat(".b", 32)), ip + "The document path has too many nesting levels; nesting levels: 33"},
		{"33 levels of indexes", proj("a" + strings.Repeat("[1]", 32)), ip + "The document path has too many nesting levels; nesting levels: 33"},
	})
}

func TestParseOrderAndUnused(t *testing.T) {
	u, c, k, f, p := "SET a = :zz", "b = :zz", "#zz = :s", "c = :zz", "#zz"
	all := Input{UpdateExpression: &u, ConditionExpression: &c, KeyConditionExpression: &k, FilterExpression: &f, ProjectionExpression: &p,
		Values: map[string]attr.Value{":s": attr.Str("x")}}
	runParseCases(t, []parseCase{
		{"update first", all, "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :zz"},
		{"condition second", Input{ConditionExpression: &c, KeyConditionExpression: &k}, "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :zz"},
		{"key third", Input{KeyConditionExpression: &k, FilterExpression: &f, Values: map[string]attr.Value{":s": attr.Str("x")}},
			"Invalid KeyConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #zz"},
		{"filter fourth", Input{FilterExpression: &f, ProjectionExpression: &p}, "Invalid FilterExpression: An expression attribute value used in expression is not defined; attribute value: :zz"},
		{"unused names sorted", Input{ConditionExpression: sp("#b = :v"), Names: map[string]string{"#z": "z", "#b": "b", "#a": "a"}, Values: map[string]attr.Value{":v": attr.Str("x")}},
			"Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #z}"},
		{"unused values", Input{ConditionExpression: sp("b = :v"), Values: map[string]attr.Value{":v": attr.Str("x"), ":w": attr.Str("x"), ":u": attr.Str("x")}},
			"Value provided in ExpressionAttributeValues unused in expressions: keys: {:u, :w}"},
		{"names before values", Input{ConditionExpression: sp("b = :v"), Names: map[string]string{"#a": "a"}, Values: map[string]attr.Value{":v": attr.Str("x"), ":w": attr.Str("x")}},
			"Value provided in ExpressionAttributeNames unused in expressions: keys: {#a}"},
		{"used across expressions", Input{UpdateExpression: sp("remove a set b = list_append(b, if_not_exists(a, :a))"), ConditionExpression: sp("a = :b"),
			Names: map[string]string{"#a": "a", "#b": "b"}, Values: map[string]attr.Value{":a": attr.Str("a"), ":b": attr.Str("a")}},
			"Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}"},
		{"projection uses names", Input{ProjectionExpression: sp("#a"), ConditionExpression: sp("#b = :v"), Names: map[string]string{"#a": "a", "#b": "b"}, Values: map[string]attr.Value{":v": attr.Str("x")}}, ""},
		{"unused before key condition checks", Input{KeyConditionExpression: sp("a = :v OR b = :v"), Values: map[string]attr.Value{":v": attr.Str("x"), ":w": attr.Str("x")}},
			"Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}"},
	})
}

func TestParseResult(t *testing.T) {
	u, c, k, f, p := "SET a = :s", "attribute_exists(a)", "pk = :s", "b > :n", "a, b"
	res, err := Parse(Input{UpdateExpression: &u, ConditionExpression: &c, KeyConditionExpression: &k, FilterExpression: &f, ProjectionExpression: &p,
		Values: usedValues(vals(), u, c, k, f)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Update == nil || res.Condition == nil || res.KeyCondition == nil || res.Filter == nil || res.Projection == nil {
		t.Fatalf("missing parts: %+v", res)
	}
	res, err = Parse(Input{})
	if err != nil || res.Update != nil || res.Condition != nil || res.KeyCondition != nil || res.Filter != nil || res.Projection != nil {
		t.Fatalf("empty input: %+v, %v", res, err)
	}
	cnd := mustCondition(t, "a.b[1] = :s AND (c).d > #a", map[string]string{"#a": "x"}, usedValues(vals(), ":s"))
	got := []string{}
	for _, p := range cnd.Paths() {
		got = append(got, p.String())
	}
	if strings.Join(got, " ") != "a.b[1] c.d x" {
		t.Errorf("Paths: %v", got)
	}
}

// TestParseLimitsRecordedByScylla replays the expression limit cases of
// ScyllaDB's test/alternator/test_limits.py, whose answers were checked
// against DynamoDB: the 4096-byte bound counted in bytes (spaces
// included), a size error before a syntax error, the operator count given
// as 301 whatever the total, an invalid function name before the count.
func TestParseLimitsRecordedByScylla(t *testing.T) {
	vals := map[string]attr.Value{":val": attr.Num("1")}
	old := map[string]attr.Value{":oldval": attr.Num("1")}
	sp4085 := strings.Repeat(" ", 4085)
	x4096, x4097 := strings.Repeat("x", 4096), strings.Repeat("x", 4097)
	size := func(kind string, n int) string {
		return "Invalid " + kind + ": Expression size has exceeded the maximum allowed size; expression size: " + strconv.Itoa(n)
	}
	tooMany := "Invalid ConditionExpression: The expression contains too many operators; operator count: 301"
	cases := []struct {
		name string
		in   Input
		want string // "" accepted; "*" any ConditionExpression error
	}{
		{"projection 4096", Input{ProjectionExpression: &x4096}, ""},
		{"projection 4097", Input{ProjectionExpression: &x4097}, size("ProjectionExpression", 4097)},
		{"update 4096", Input{UpdateExpression: sp("SET" + sp4085 + "a = :val"), Values: vals}, ""},
		{"update 4097", Input{UpdateExpression: sp("SET " + sp4085 + "a = :val"), Values: vals}, size("UpdateExpression", 4097)},
		{"condition 4096", Input{ConditionExpression: sp("a" + sp4085 + " = :oldval"), Values: old}, ""},
		{"condition 4097", Input{ConditionExpression: sp("a " + sp4085 + " = :oldval"), Values: old}, size("ConditionExpression", 4097)},
		{"filter 4097", Input{FilterExpression: sp("a " + sp4085 + " = :oldval"), Values: old}, size("FilterExpression", 4097)},
		{"nested and", Input{ConditionExpression: sp("a<b " + strings.Repeat("and (a<b ", 20000) + strings.Repeat(")", 20000))},
			size("ConditionExpression", 200004)},
		{"size before syntax", Input{ConditionExpression: sp(strings.Repeat("(", 15000))}, size("ConditionExpression", 15000)},
		{"299 operators", Input{ConditionExpression: sp("a<b " + strings.Repeat("or (a<b ", 149) + strings.Repeat(")", 149))}, ""},
		{"909 operators", Input{ConditionExpression: sp("a<b " + strings.Repeat("or (a<b ", 454) + strings.Repeat(")", 454))}, tooMany},
		{"1000 nots", Input{ConditionExpression: sp(strings.Repeat("not ", 1000) + "a<b")}, "*"},
		{"unknown function nested", Input{ConditionExpression: sp("a < " + strings.Repeat("f(", 1355) + "b" + strings.Repeat(")", 1355))},
			"Invalid ConditionExpression: Invalid function name; function: f"},
		{"redundant parentheses", Input{ConditionExpression: sp(strings.Repeat("(", 2046) + "a<b" + strings.Repeat(")", 2046))},
			"Invalid ConditionExpression: The expression has redundant parentheses;"},
		{"4096 open parentheses", Input{ConditionExpression: sp(strings.Repeat("(", 4096))}, "*"},
	}
	for _, c := range cases {
		_, err := Parse(c.in)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want == "*" && (err == nil || !strings.HasPrefix(err.Error(), "Invalid ConditionExpression: ")):
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && c.want != "*" && (err == nil || err.Error() != c.want):
			t.Errorf("%s: %v, want %s", c.name, err, c.want)
		}
	}
}
