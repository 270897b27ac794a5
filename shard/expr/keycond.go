package expr

import (
	"sort"
	"strings"

	"github.com/dynacache/dynacache/shard/attr"
)

// A KeyConditionExpression is parsed as a condition, then converted: it
// must be a conjunction of one or two conditions (up to MaxKeyTerms with
// Input.MultiKey: an index may have a multi-attribute key), each on a
// different top-level attribute, each an equality, a comparison, BETWEEN
// or begins_with. Terms keeps them all. The conversion does not know the
// table's key schema, so
//
//   - the hash condition is the first equality, the range condition the
//     other condition (with two equalities the caller may have to swap
//     them);
//   - when neither condition is an equality, HashName is "" and Range is
//     the first condition: such a query always fails ("Query key condition
//     not supported" or "Query condition missed key schema element"), and
//     the second condition is not kept.
//
// Validation against the actual key names and types is the caller's.

// keyTerm is one condition of a key condition.
type keyTerm struct {
	name   string
	op     RangeOp
	values []attr.Value
}

var rangeOpNames = [...]string{RangeEQ: "EQ", RangeLT: "LT", RangeLE: "LE", RangeGT: "GT", RangeGE: "GE",
	RangeBetween: "BETWEEN", RangeBeginsWith: "BEGINS_WITH"}

// String returns the legacy ComparisonOperator name of op ("EQ", ...).
func (op RangeOp) String() string {
	if int(op) < len(rangeOpNames) && rangeOpNames[op] != "" {
		return rangeOpNames[op]
	}
	return "?"
}

// convertKeyCondition checks a parsed KeyConditionExpression and converts
// it; the message, if any, is DynamoDB's (without prefix).
func convertKeyCondition(root *cnode, multi bool) (*KeyCondition, string) {
	var terms []keyTerm
	if msg := checkKeyExpr(root, &terms); msg != "" {
		return nil, msg
	}
	for _, t := range terms {
		if msg := validateKeyTerm(t); msg != "" {
			return nil, msg
		}
	}
	if len(terms) == 0 || (len(terms) > 2 && (!multi || len(terms) > MaxKeyTerms)) {
		return nil, "Conditions can be of length 1 or 2 only"
	}
	return buildKeyCondition(terms), ""
}

// checkKeyExpr walks the condition as DynamoDB does, collecting one term
// per attribute.
func checkKeyExpr(n *cnode, terms *[]keyTerm) string {
	const invalidOp = "Invalid operator used in KeyConditionExpression: "
	switch n.kind {
	case nkPath, nkValue:
		return ""
	case nkOr:
		return invalidOp + "OR"
	case nkNot:
		return invalidOp + "NOT"
	case nkIn:
		return invalidOp + "IN"
	case nkCompare:
		if n.cmp == cmpNE {
			return invalidOp + "<>"
		}
	case nkFunc:
		switch n.fn {
		case fnAttributeExists, fnAttributeNotExists, fnAttributeType, fnContains:
			return invalidOp + n.name
		case fnSize:
			return "KeyConditionExpressions cannot contain nested operations"
		case fnBeginsWith:
			if n.args[0].kind != nkPath {
				return "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand"
			}
		}
	case nkBetween:
		if n.args[0].kind != nkPath {
			return "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand"
		}
	}
	name, found, at := "", false, 0
	for i, a := range n.args {
		if a.kind == nkPath {
			if found {
				return "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"
			}
			if len(a.path) > 1 {
				return "KeyConditionExpressions cannot have conditions on nested attributes"
			}
			name, found, at = a.path[0].Name, true, i
		} else if a.kind != nkValue {
			if msg := checkKeyExpr(a, terms); msg != "" {
				return msg
			}
		}
	}
	if n.kind == nkAnd {
		return ""
	}
	if !found {
		return "Invalid condition in KeyConditionExpression: No key attribute specified"
	}
	for _, t := range *terms {
		if t.name == name {
			return "KeyConditionExpressions must only contain one condition per key"
		}
	}
	t := keyTerm{name: name}
	switch n.kind {
	case nkCompare:
		cmp := n.cmp
		if at != 0 { // :v < a is a > :v
			cmp = map[cmpOp]cmpOp{cmpEQ: cmpEQ, cmpLT: cmpGT, cmpLE: cmpGE, cmpGT: cmpLT, cmpGE: cmpLE}[cmp]
		}
		t.op = map[cmpOp]RangeOp{cmpEQ: RangeEQ, cmpLT: RangeLT, cmpLE: RangeLE, cmpGT: RangeGT, cmpGE: RangeGE}[cmp]
	case nkBetween:
		t.op = RangeBetween
	default:
		t.op = RangeBeginsWith
	}
	for i, a := range n.args {
		if i != at {
			t.values = append(t.values, a.val)
		}
	}
	*terms = append(*terms, t)
	return ""
}

// validateKeyTerm applies the checks DynamoDB makes on the values of a
// key condition.
func validateKeyTerm(t keyTerm) string {
	if len(t.values) == 0 {
		return ""
	}
	typ := t.values[0].Type
	for _, v := range t.values[1:] {
		if v.Type != typ {
			return "One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type"
		}
	}
	ok := typ.IsScalar()
	switch t.op {
	case RangeEQ:
		ok = ok || typ.IsSet()
	case RangeBeginsWith:
		ok = typ == attr.S || typ == attr.B
	}
	if !ok {
		return "One or more parameter values were invalid: ComparisonOperator " + t.op.String() +
			" is not valid for " + typ.String() + " AttributeValue type"
	}
	if t.op == RangeBetween && len(t.values) == 2 && attr.Compare(t.values[0], t.values[1]) > 0 {
		return "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"
	}
	return ""
}

func buildKeyCondition(terms []keyTerm) *KeyCondition {
	kc := &KeyCondition{}
	for _, t := range terms {
		kc.Terms = append(kc.Terms, RangeCondition{Name: t.name, Op: t.op, Values: t.values})
	}
	hash := -1
	for i, t := range terms {
		if t.op == RangeEQ && len(t.values) > 0 {
			hash = i
			break
		}
	}
	if hash >= 0 {
		kc.HashName, kc.HashValue = terms[hash].name, terms[hash].values[0]
	}
	for i, t := range terms {
		if i != hash {
			kc.Range = &RangeCondition{Name: t.name, Op: t.op, Values: t.values}
			break
		}
	}
	return kc
}

// FromKeyConditions converts legacy KeyConditions (validated by the caller
// against the table's schema, including the operators: NE, IN, NULL,
// NOT_NULL, CONTAINS and NOT_CONTAINS cannot be key conditions). The
// conditions are taken in name order; see the note on KeyConditionExpression
// conversion above for how the hash and range conditions are chosen.
func FromKeyConditions(conds map[string]ExpectedCondition) *KeyCondition {
	names := make([]string, 0, len(conds))
	for name := range conds {
		names = append(names, name)
	}
	sort.Strings(names)
	terms := make([]keyTerm, 0, len(names))
	for _, name := range names {
		c := conds[name]
		t := keyTerm{name: name, values: c.AttributeValueList}
		for op, s := range rangeOpNames {
			if s != "" && strings.EqualFold(s, c.ComparisonOperator) {
				t.op = RangeOp(op)
			}
		}
		terms = append(terms, t)
	}
	return buildKeyCondition(terms)
}

// Match reports whether a sort key value satisfies the condition.
func (r *RangeCondition) Match(v attr.Value) bool {
	if len(r.Values) == 0 {
		return false
	}
	x := r.Values[0]
	switch r.Op {
	case RangeEQ:
		return attr.Equal(v, x)
	case RangeLT:
		return compare(cmpLT, v, x)
	case RangeLE:
		return compare(cmpLE, v, x)
	case RangeGT:
		return compare(cmpGT, v, x)
	case RangeGE:
		return compare(cmpGE, v, x)
	case RangeBetween:
		return len(r.Values) == 2 && between(v, x, r.Values[1])
	case RangeBeginsWith:
		return beginsWith(v, x)
	}
	return false
}
