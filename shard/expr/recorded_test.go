package expr

import (
	"strings"
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

// Cases whose messages dynalite's test suite records from DynamoDB.

func TestRecordedFilterSyntax(t *testing.T) {
	for _, e := range []string{
		"things are not gonna be ok",
		"a > 4",
		"attribute_exists(Pictures-RearView)",
		`attribute_exists("Pictures.RearView")`,
		"attribute_exists(Pictures..RearView)",
		"attribute_exists(Pi#ctures.RearView)",
		"attribute_exists(asdf[a])",
		"a in b, c",
		"a > between",
		"a in b",
		"a in (b,c,)",
		"(a)between(b.(c.d))and(c)",
		"(a)between(b.c.d)and((c)",
		"#$.b > a",
		"a > :things.stuff",
		"b[:a] > a",
		"b[#_] > a",
		"ü > a",
		"(a)between(b.c[4.5].#d)and(:a)",
		"size(a).b > a",
		"(size(a)).b > a",
		"size(a)[0] > a",
		"(size(a))[0] > a",
	} {
		_, err := Parse(Input{FilterExpression: sp(e)})
		if err == nil || !strings.HasPrefix(err.Error(), "Invalid FilterExpression: Syntax error; token: ") {
			t.Errorf("%q: %v", e, err)
		}
	}
}

func TestRecordedFilterErrors(t *testing.T) {
	const fe = "Invalid FilterExpression: "
	type rc struct {
		expr   string
		values map[string]attr.Value
		names  map[string]string
		want   string
	}
	a := func(v attr.Value) map[string]attr.Value { return map[string]attr.Value{":a": v} }
	cases := []rc{
		{"a=a and a > ((views))", nil, nil, "The expression has redundant parentheses;"},
		{"(a)between(((b.c)).d)and(c)", nil, nil, "The expression has redundant parentheses;"},
		{"a > whatever((:things), ((a)))", nil, nil, "The expression has redundant parentheses;"},
		{"a=a AND ((a=a AND a=a)) AND a=a", nil, nil, "The expression has redundant parentheses;"},
		{"a=a OR ((a=a OR a=a)) OR a=a", nil, nil, "The expression has redundant parentheses;"},
		{"a=a AND ((a=a AND (a=a AND a=a)))", nil, nil, "The expression has redundant parentheses;"},
		{"a=a OR ((a=a OR (a=a OR a=a)))", nil, nil, "The expression has redundant parentheses;"},
		{"a=a and whatever((:things)) > a", nil, nil, "Invalid function name; function: whatever"},
		{"attRIbute_exIsts((views), #a)", nil, nil, "Invalid function name; function: attRIbute_exIsts"},
		{"a=a and attribute_exists((views), (#a)) > b", nil, nil, "The function is not allowed to be used this way in an expression; function: attribute_exists"},
		{"attribute_not_exists(things) > b", nil, nil, "The function is not allowed to be used this way in an expression; function: attribute_not_exists"},
		{"attribute_type(things, :a) > b", nil, nil, "The function is not allowed to be used this way in an expression; function: attribute_type"},
		{"begins_with(things, a) > b", nil, nil, "The function is not allowed to be used this way in an expression; function: begins_with"},
		{"contains(:things, c) > b", nil, nil, "The function is not allowed to be used this way in an expression; function: contains"},
		{"size(contains(a, b)) > a", nil, nil, "The function is not allowed to be used this way in an expression; function: contains"},
		{"size(things)", nil, nil, "The function is not allowed to be used this way in an expression; function: size"},
		{"a between b and attribute_exists(things)", nil, nil, "The function is not allowed to be used this way in an expression; function: attribute_exists"},
		{"a in (b, attribute_exists(things))", nil, nil, "The function is not allowed to be used this way in an expression; function: attribute_exists"},
		{"attribute_exists(views, #a)", nil, nil, "Attribute name is a reserved keyword; reserved keyword: views"},
		{":a < abOrT", nil, nil, "Attribute name is a reserved keyword; reserved keyword: abOrT"},
		{"attribute_exists(#Pictures.RearView, :a) and a=a", nil, nil, "An expression attribute name used in the document path is not defined; attribute name: #Pictures"},
		{"begins_with(Pictures.#RearView)", nil, nil, "An expression attribute name used in the document path is not defined; attribute name: #RearView"},
		{"(#P between :lo and :hi) and (#PC in (:cat1, :cat2))", nil, nil, "An expression attribute name used in the document path is not defined; attribute name: #P"},
		{"#4g > a", nil, nil, "An expression attribute name used in the document path is not defined; attribute name: #4g"},
		{"#_ > a", nil, nil, "An expression attribute name used in the document path is not defined; attribute name: #_"},
		{"(a)between(b.c[45].#d)and(:a)", nil, nil, "An expression attribute name used in the document path is not defined; attribute name: #d"},
		{"begins_with(:hello, #a, #b)", nil, nil, "An expression attribute value used in expression is not defined; attribute value: :hello"},
		{":a < :b", nil, nil, "An expression attribute value used in expression is not defined; attribute value: :a"},
		{":_ > a", nil, nil, "An expression attribute value used in expression is not defined; attribute value: :_"},
		{"attribute_exists(things, a) and a=a", nil, nil, "Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2"},
		{"attribute_not_exists(things, b)", nil, nil, "Incorrect number of operands for operator or function; operator or function: attribute_not_exists, number of operands: 2"},
		{"attribute_type(things)", nil, nil, "Incorrect number of operands for operator or function; operator or function: attribute_type, number of operands: 1"},
		{"begins_with(things)", nil, nil, "Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 1"},
		{"begins_with(things, size(a), b)", nil, nil, "Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 3"},
		{"contains(things)", nil, nil, "Incorrect number of operands for operator or function; operator or function: contains, number of operands: 1"},
		{"size(things, a) > b", nil, nil, "Incorrect number of operands for operator or function; operator or function: size, number of operands: 2"},
		{"attribute_type(a, size(a)) and a=a and a=:a", a(num("1")), nil, "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N"},
		{"attribute_type(a, :a)", a(attr.Bin([]byte("a"))), nil, "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: B"},
		{"attribute_type(a, :a)", a(list()), nil, "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: L"},
		{"attribute_type(a, :a)", a(ns("1")), nil, "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: NS"},
		{"begins_with(a, size(a)) and a=:a", a(num("1")), nil, "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
		{"begins_with(a, :a)", a(attr.Boolean(true)), nil, "Incorrect operand type for operator or function; operator or function: begins_with, operand type: BOOL"},
		{"begins_with(:a, a)", a(mapv()), nil, "Incorrect operand type for operator or function; operator or function: begins_with, operand type: M"},
		{"begins_with(:a, a)", a(bs("a")), nil, "Incorrect operand type for operator or function; operator or function: begins_with, operand type: BS"},
		{"size(size(a)) > :a", a(num("1")), nil, "Incorrect operand type for operator or function; operator or function: size, operand type: N"},
		{"attribute_not_exists(size(:a))", a(num("1")), nil, "Incorrect operand type for operator or function; operator or function: size, operand type: N"},
		{"size(:a) > a", a(attr.Null()), nil, "Incorrect operand type for operator or function; operator or function: size, operand type: NULL"},
		{"attribute_type(a, :a)", a(attr.Str("1")), nil, "Invalid attribute type name found; type: 1, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"},
		{"attribute_exists(:a) and a=a", a(attr.Str("1")), nil, "Operator or function requires a document path; operator or function: attribute_exists"},
		{"attribute_not_exists(size(:a))", a(attr.Str("1")), nil, "Operator or function requires a document path; operator or function: attribute_not_exists"},
		{"a = a AND #a = b AND :views > a", nil, map[string]string{"#a": "a"}, "The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]"},
		{"#a <> a", nil, map[string]string{"#a": "a"}, "The first operand must be distinct from the remaining operands for this operator or function; operator: <>, first operand: [a]"},
		{"a > #a", nil, map[string]string{"#a": "a"}, "The first operand must be distinct from the remaining operands for this operator or function; operator: >, first operand: [a]"},
		{"((a=a) OR (a=a))", nil, map[string]string{"#a": "a"}, "The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]"},
		{"((a=a) AND (a=a))", nil, map[string]string{"#a": "a"}, "The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]"},
		{"contains(ab.bc[1].a, ab.bc[1].#a)", nil, map[string]string{"#a": "a"}, "The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [ab, bc, [1], a]"},
		{"attribute_type(ab.bc[1].#a, ab.bc[1].a)", nil, map[string]string{"#a": "a"}, "The first operand must be distinct from the remaining operands for this operator or function; operator: attribute_type, first operand: [ab, bc, [1], a]"},
		{"begins_with(ab.bc[1].a, ab.bc[1].#a)", nil, map[string]string{"#a": "a"}, "The first operand must be distinct from the remaining operands for this operator or function; operator: begins_with, first operand: [ab, bc, [1], a]"},
	}
	for _, tc := range cases {
		_, err := Parse(Input{FilterExpression: sp(tc.expr), Names: tc.names, Values: tc.values})
		if err == nil || err.Error() != fe+tc.want {
			t.Errorf("%q:\n got  %v\n want %s", tc.expr, err, fe+tc.want)
		}
	}
}

func TestRecordedKeyConditionErrors(t *testing.T) {
	type rc struct {
		expr   string
		values map[string]attr.Value
		want   string
	}
	ab := func(a, b attr.Value) map[string]attr.Value { return map[string]attr.Value{":a": a, ":b": b} }
	cases := []rc{
		{"attribute_type(a, b)", nil, "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}"},
		{"attribute_type(a, :a)", map[string]attr.Value{":a": num("1")}, "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N"},
		{"attribute_type(a, :a)", map[string]attr.Value{":a": attr.Str("S")}, "Invalid operator used in KeyConditionExpression: attribute_type"},
		{"a > b and size(b) > c or a > c", nil, "Invalid operator used in KeyConditionExpression: OR"},
		{"a in (b, size(c), d)", nil, "Invalid operator used in KeyConditionExpression: IN"},
		{"attribute_exists(a)", nil, "Invalid operator used in KeyConditionExpression: attribute_exists"},
		{"attribute_not_exists(a)", nil, "Invalid operator used in KeyConditionExpression: attribute_not_exists"},
		{"contains(a.d, b)", nil, "Invalid operator used in KeyConditionExpression: contains"},
		{"not a > b", nil, "Invalid operator used in KeyConditionExpression: NOT"},
		{"a <> b", nil, "Invalid operator used in KeyConditionExpression: <>"},
		{":a between size(b) and size(a) and b > :b", ab(attr.Str("1"), attr.Str("1")), "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand"},
		{"begins_with(:a, b) and a > :b", ab(attr.Str("1"), attr.Str("1")), "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand"},
		{"size(b) > a AND a.b > b AND b > c", nil, "KeyConditionExpressions cannot contain nested operations"},
		{"a > size(b.d)", nil, "KeyConditionExpressions cannot contain nested operations"},
		{"a between size(b) and size(a)", nil, "KeyConditionExpressions cannot contain nested operations"},
		{"b > a.b", nil, "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"},
		{"b between c[1] and d", nil, "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"},
		{"a between b and size(a)", nil, "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"},
		{"begins_with(a, b)", nil, "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"},
		{"b.d > a AND c.d > e.f", nil, "KeyConditionExpressions cannot have conditions on nested attributes"},
		{"a.d > c", nil, "KeyConditionExpressions cannot have conditions on nested attributes"},
		{"b[0] > a", nil, "KeyConditionExpressions cannot have conditions on nested attributes"},
		{":b > :a AND a < :b", ab(num("1"), num("1")), "Invalid condition in KeyConditionExpression: No key attribute specified"},
		{":a > b AND :a < :b", ab(num("1"), num("1")), "Invalid condition in KeyConditionExpression: No key attribute specified"},
		{"b > :a AND b < :a and c = :a and d = :a", map[string]attr.Value{":a": num("1")}, "KeyConditionExpressions must only contain one condition per key"},
		{"(a > :a and b > :a) and (b > :a and c > :a)", map[string]attr.Value{":a": num("1")}, "KeyConditionExpressions must only contain one condition per key"},
		{"a between :b and :a", ab(attr.Str("a"), num("1")), "Invalid KeyConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:a}"},
		{"a between :b and :a", ab(attr.Str("a"), attr.Str("b")), "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {S:b}, upper bound operand: AttributeValue: {S:a}"},
		// Not recorded: the same checks dynalite applies to KeyConditions.
		{"a = :a AND b = :a AND c = :a", map[string]attr.Value{":a": num("1")}, "Conditions can be of length 1 or 2 only"},
		{"a = :a", map[string]attr.Value{":a": list()}, "One or more parameter values were invalid: ComparisonOperator EQ is not valid for L AttributeValue type"},
		{"a < :a", map[string]attr.Value{":a": ss("x")}, "One or more parameter values were invalid: ComparisonOperator LT is not valid for SS AttributeValue type"},
		{"a = :a AND b BETWEEN :a AND :b", ab(attr.Boolean(true), attr.Boolean(true)), "One or more parameter values were invalid: ComparisonOperator EQ is not valid for BOOL AttributeValue type"},
	}
	for _, tc := range cases {
		_, err := Parse(Input{KeyConditionExpression: sp(tc.expr), Values: tc.values})
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q:\n got  %v\n want %s", tc.expr, err, tc.want)
		}
	}
	// The key condition's own checks come after every expression is parsed.
	_, err := Parse(Input{KeyConditionExpression: sp("attribute_type(a, :a)"), FilterExpression: sp(""), Values: map[string]attr.Value{":a": attr.Str("N")}})
	if err == nil || err.Error() != "Invalid FilterExpression: The expression can not be empty;" {
		t.Errorf("order: %v", err)
	}
}
