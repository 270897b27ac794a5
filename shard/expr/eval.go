package expr

import (
	"bytes"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/dynacache/dynacache/shard/attr"
)

// Condition is a parsed ConditionExpression/FilterExpression or legacy
// Expected/QueryFilter/ScanFilter.
type Condition struct {
	root  *cnode
	paths []Path
}

func newCondition(root *cnode) *Condition {
	c := &Condition{root: root}
	c.paths = collectPaths(root, make([]Path, 0, 8))
	return c
}

func collectPaths(n *cnode, out []Path) []Path {
	if n.kind == nkPath {
		return append(out, n.path)
	}
	for _, a := range n.args {
		out = collectPaths(a, out)
	}
	return out
}

// Paths returns every document path the condition reads, in expression
// order (duplicates included). Callers use it for DynamoDB's checks on key
// attributes in filters (a filter may not name a primary key attribute; a
// key attribute may not be used with a nested path).
func (c *Condition) Paths() []Path { return c.paths }

// Eval reports whether item (nil when there is no item) satisfies c.
//
// Comparisons follow DynamoDB: = and <> compare any two values (sets as
// sets, lists and maps deeply); <, <=, >, >= and BETWEEN only compare
// values of the same scalar type (S, N, B) and are false otherwise. An
// operand naming a missing attribute makes every comparison false except
// <>, which is then true.
func (c *Condition) Eval(item attr.Item) bool {
	if c == nil || c.root == nil {
		return true
	}
	return evalCond(c.root, item)
}

func evalCond(n *cnode, item attr.Item) bool {
	switch n.kind {
	case nkAnd:
		return evalCond(n.args[0], item) && evalCond(n.args[1], item)
	case nkOr:
		return evalCond(n.args[0], item) || evalCond(n.args[1], item)
	case nkNot:
		return !evalCond(n.args[0], item)
	case nkCompare:
		a, aok := resolve(n.args[0], item)
		b, bok := resolve(n.args[1], item)
		if !aok || !bok {
			return n.cmp == cmpNE
		}
		return compare(n.cmp, a, b)
	case nkBetween:
		a, aok := resolve(n.args[0], item)
		lo, lok := resolve(n.args[1], item)
		hi, hok := resolve(n.args[2], item)
		return aok && lok && hok && between(a, lo, hi)
	case nkIn:
		a, ok := resolve(n.args[0], item)
		if !ok {
			return false
		}
		for _, arg := range n.args[1:] {
			if b, ok := resolve(arg, item); ok && attr.Equal(a, b) {
				return true
			}
		}
		return false
	case nkFunc:
		return evalFunc(n, item)
	}
	return false
}

// resolve returns the value of an operand, and false when it has none (a
// missing attribute, or size() of a missing or size-less value).
func resolve(n *cnode, item attr.Item) (attr.Value, bool) {
	switch n.kind {
	case nkPath:
		return lookup(item, n.path)
	case nkValue:
		return n.val, n.hasVal
	case nkFunc:
		if n.fn == fnSize {
			v, ok := resolve(n.args[0], item)
			if !ok {
				return attr.Value{}, false
			}
			size, ok := valueSize(v)
			if !ok {
				return attr.Value{}, false
			}
			return attr.Num(strconv.Itoa(size)), true
		}
	}
	return attr.Value{}, false
}

// valueSize is DynamoDB's size(): a string's length in UTF-16 code units,
// a binary's length in bytes, the number of elements of a set, list or
// map. Other types have no size.
func valueSize(v attr.Value) (int, bool) {
	switch v.Type {
	case attr.S:
		return attr.UTF16Len(v.Str), true
	case attr.B:
		return len(v.Str), true
	case attr.SS, attr.NS, attr.BS:
		return len(v.Set), true
	case attr.L:
		return len(v.List), true
	case attr.M:
		return len(v.Map), true
	}
	return 0, false
}

// compare applies a comparator to two present values.
func compare(cmp cmpOp, a, b attr.Value) bool {
	switch cmp {
	case cmpEQ:
		return attr.Equal(a, b)
	case cmpNE:
		return !attr.Equal(a, b)
	}
	if a.Type != b.Type || !a.Type.IsScalar() {
		return false
	}
	c := attr.Compare(a, b)
	switch cmp {
	case cmpLT:
		return c < 0
	case cmpLE:
		return c <= 0
	case cmpGT:
		return c > 0
	case cmpGE:
		return c >= 0
	}
	return false
}

func between(a, lo, hi attr.Value) bool {
	if a.Type != lo.Type || a.Type != hi.Type || !a.Type.IsScalar() {
		return false
	}
	return attr.Compare(a, lo) >= 0 && attr.Compare(a, hi) <= 0
}

func evalFunc(n *cnode, item attr.Item) bool {
	switch n.fn {
	case fnAttributeExists:
		_, ok := resolve(n.args[0], item)
		return ok
	case fnAttributeNotExists:
		_, ok := resolve(n.args[0], item)
		return !ok
	case fnAttributeType:
		v, ok := resolve(n.args[0], item)
		t, tok := resolve(n.args[1], item)
		return ok && tok && t.Type == attr.S && v.Type.String() == t.Str
	case fnBeginsWith:
		v, ok := resolve(n.args[0], item)
		p, pok := resolve(n.args[1], item)
		return ok && pok && beginsWith(v, p)
	case fnContains:
		v, ok := resolve(n.args[0], item)
		x, xok := resolve(n.args[1], item)
		return ok && xok && contains(v, x)
	}
	return false
}

func beginsWith(v, prefix attr.Value) bool {
	return v.Type == prefix.Type && (v.Type == attr.S || v.Type == attr.B) && strings.HasPrefix(v.Str, prefix.Str)
}

// contains is DynamoDB's contains(): a substring of a string or binary, a
// member of a set, an element of a list.
func contains(v, x attr.Value) bool {
	switch v.Type {
	case attr.S, attr.B:
		return x.Type == v.Type && strings.Contains(v.Str, x.Str)
	case attr.SS, attr.NS, attr.BS:
		return x.Type == v.Type.SetElem() && attr.SetContains(v, x.Str)
	case attr.L:
		for _, e := range v.List {
			if attr.Equal(e, x) {
				return true
			}
		}
	}
	return false
}

// jsValueString formats a value's payload as dynalite prints it in
// BETWEEN messages (JavaScript's string conversion of the JSON payload).
func jsValueString(v attr.Value) string {
	switch v.Type {
	case attr.S, attr.N:
		return v.Str
	case attr.B:
		return base64.StdEncoding.EncodeToString([]byte(v.Str))
	case attr.BOOL:
		return strconv.FormatBool(v.Bool)
	case attr.NULL:
		return "true"
	case attr.SS, attr.NS:
		return strings.Join(v.Set, ",")
	case attr.BS:
		var buf bytes.Buffer
		for i, s := range v.Set {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString(base64.StdEncoding.EncodeToString([]byte(s)))
		}
		return buf.String()
	case attr.L:
		return strings.TrimSuffix(strings.Repeat("[object Object],", len(v.List)), ",")
	case attr.M:
		return "[object Object]"
	}
	return ""
}
