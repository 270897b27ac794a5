package dynamodb

import (
	"strings"

	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/shard/expr"
)

// Attribute values: conversion from checked JSON to attr.Value, reporting
// problems with the messages and in the order of dynalite's
// validateAttributeValue, which the operations call at their own points.

const (
	msgAVEmpty    = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
	msgAVMultiple = "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
	msgAVNesting  = "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit"
	msgInvalid    = "One or more parameter values were invalid: "
)

// avSlots indexes the type members in the order dynalite checks them (the
// order of its AttrStruct schema).
const (
	avS = iota
	avB
	avN
	avBOOL
	avNULL
	avBS
	avNS
	avSS
	avL
	avM
	avCount
)

var avSlotNames = [avCount]string{"S", "B", "N", "BOOL", "NULL", "BS", "NS", "SS", "L", "M"}

func avSlot(k string) int {
	switch k {
	case "S":
		return avS
	case "B":
		return avB
	case "N":
		return avN
	case "BOOL":
		return avBOOL
	case "NULL":
		return avNULL
	case "BS":
		return avBS
	case "NS":
		return avNS
	case "SS":
		return avSS
	case "L":
		return avL
	case "M":
		return avM
	}
	return -1
}

// avFirstType is Object.keys(value)[0] of a checked attribute value: its
// first type member in dynalite's order, "" when there is none.
func avFirstType(v *jv) string {
	if v == nil || v.kind != jvObject {
		return ""
	}
	best := avCount
	for i := range v.kids {
		if v.kids[i].val.kind == jvNull {
			continue
		}
		if s := avSlot(v.kids[i].key); s >= 0 && s < best {
			best = s
		}
	}
	if best == avCount {
		return ""
	}
	return avSlotNames[best]
}

// numMsg is checkNum's message for a bad number, "" when n is fine.
func numMsg(n string) (string, string) {
	c, err := attr.CanonicalNumber(n)
	if err != nil {
		return "", err.Error()
	}
	return c, ""
}

// avConv converts a checked attribute value (nil or null counts as empty)
// and validates it as validateAttributeValue does; msg is the first
// problem, in dynalite's order. depth is the nesting level (0 for an
// attribute of an item).
func avConv(v *jv, depth int) (out attr.Value, msg string) {
	if v == nil || v.kind != jvObject {
		return out, msgAVEmpty
	}
	var slots [avCount]*jv
	n := 0
	for i := range v.kids {
		m := &v.kids[i]
		if m.val.kind == jvNull {
			continue
		}
		if s := avSlot(m.key); s >= 0 {
			slots[s] = &m.val
			n++
		}
	}
	if n == 0 {
		return out, msgAVEmpty
	}
	for s, m := range slots {
		if m == nil {
			continue
		}
		var cur attr.Value
		switch s {
		case avS:
			cur = attr.Value{Type: attr.S, Str: m.str}
		case avB:
			cur = attr.Value{Type: attr.B, Str: decodeBase64(m.str)}
		case avN:
			if m.str == "" {
				return out, "The parameter cannot be converted to a numeric value"
			}
			c, e := numMsg(m.str)
			if e != "" {
				return out, e
			}
			cur = attr.Value{Type: attr.N, Str: c}
		case avBOOL:
			cur = attr.Value{Type: attr.BOOL, Bool: jBoolVal(m)}
		case avNULL:
			if !jBoolVal(m) {
				return out, msgInvalid + "Null attribute value types must have the value of true"
			}
			cur = attr.Null()
		case avBS:
			if len(m.kids) == 0 {
				return out, msgInvalid + "Binary sets should not be empty"
			}
			set := make([]string, len(m.kids))
			for i := range m.kids {
				set[i] = decodeBase64(m.kids[i].val.str)
			}
			if _, dup := findDuplicateString(set); dup {
				return out, msgInvalid + "Input collection " + rawList(m) + "of type BS contains duplicates."
			}
			cur = attr.Value{Type: attr.BS, Set: set}
		case avNS:
			if len(m.kids) == 0 {
				return out, msgInvalid + "An number set  may not be empty"
			}
			set := make([]string, len(m.kids))
			for i := range m.kids {
				t := m.kids[i].val.str
				if t == "" {
					return out, "The parameter cannot be converted to a numeric value"
				}
				c, e := numMsg(t)
				if e != "" {
					return out, e
				}
				set[i] = c
			}
			if _, dup := findDuplicateString(set); dup {
				return out, "Input collection contains duplicates"
			}
			cur = attr.Value{Type: attr.NS, Set: set}
		case avSS:
			if len(m.kids) == 0 {
				return out, msgInvalid + "An string set  may not be empty"
			}
			set := make([]string, len(m.kids))
			for i := range m.kids {
				set[i] = m.kids[i].val.str
			}
			if _, dup := findDuplicateString(set); dup {
				return out, msgInvalid + "Input collection " + rawList(m) + " contains duplicates."
			}
			cur = attr.Value{Type: attr.SS, Set: set}
		case avL:
			if depth >= attr.MaxNestingDepth && len(m.kids) > 0 {
				return out, msgAVNesting
			}
			list := make([]attr.Value, len(m.kids))
			for i := range m.kids {
				e, msg := avConv(&m.kids[i].val, depth+1)
				if msg != "" {
					return out, msg
				}
				list[i] = e
			}
			cur = attr.Value{Type: attr.L, List: list}
		case avM:
			if depth >= attr.MaxNestingDepth && len(m.kids) > 0 {
				return out, msgAVNesting
			}
			mp := make(map[string]attr.Value, len(m.kids))
			for i := range m.kids {
				e, msg := avConv(&m.kids[i].val, depth+1)
				if msg != "" {
					return out, msg
				}
				mp[m.kids[i].key] = e
			}
			cur = attr.Value{Type: attr.M, Map: mp}
		}
		out = cur
	}
	if n > 1 {
		return attr.Value{}, msgAVMultiple
	}
	return out, ""
}

// rawList renders a checked list of strings as dynalite's valueStr: [a, b].
func rawList(m *jv) string {
	var sb strings.Builder
	sb.WriteByte('[')
	for i := range m.kids {
		if i > 0 {
			sb.WriteString(", ")
		}
		if m.kids[i].val.kind == jvNull {
			sb.WriteString("null")
		} else {
			sb.WriteString(m.kids[i].val.str)
		}
	}
	sb.WriteByte(']')
	return sb.String()
}

// avItem converts a checked Map<AttributeValue> (nil when absent), stopping
// at the first invalid value in request order.
func avItem(v *jv) (attr.Item, string) {
	if v == nil {
		return nil, ""
	}
	it := make(attr.Item, len(v.kids))
	for i := range v.kids {
		if msg := checkAttrName(v.kids[i].key); msg != "" {
			return nil, msg
		}
		val, msg := avConv(&v.kids[i].val, 0)
		if msg != "" {
			return nil, msg
		}
		it[v.kids[i].key] = val
	}
	return it, ""
}

// --- legacy conditions ---------------------------------------------------

// fExpected is the Expected member.
func fExpected() *schField {
	return fMap("Expected", "ExpectedAttributeValue", fValueStruct("", "ExpectedAttributeValue", []*schField{
		fList("AttributeValueList", avValueShape),
		fString("ComparisonOperator", enumOf(comparisonOperators...)),
		fBool("Exists"),
		fAttrValue("Value"),
	}))
}

// fConditions is QueryFilter, ScanFilter or KeyConditions; keyFirst puts
// ComparisonOperator first, as KeyConditions has it.
func fConditions(name string, keyFirst bool) *schField {
	op := fString("ComparisonOperator", notNull(), enumOf(comparisonOperators...))
	avl := fList("AttributeValueList", avValueShape)
	fields := []*schField{avl, op}
	if keyFirst {
		fields = []*schField{op, avl}
	}
	return fMap(name, "Condition", fValueStruct("", "Condition", fields))
}

var comparisonOperators = []string{"IN", "NULL", "BETWEEN", "LT", "NOT_CONTAINS", "EQ", "GT", "NOT_NULL", "NE", "LE", "BEGINS_WITH", "GE", "CONTAINS"}

// avGreater reports whether a > b as dynalite's compare('GT') does for the
// BETWEEN bounds check (scalars of the same type only).
func avGreater(a, b attr.Value) bool {
	if a.Type != b.Type || !a.Type.IsScalar() {
		return false
	}
	return attr.Compare(a, b) > 0
}

const msgBetweenBounds = "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"

// convExpected validates Expected as dynalite's validateAttributeConditions
// does and converts it. expected is the checked map, nil when absent.
func convExpected(expected *jv) (map[string]expr.ExpectedCondition, string) {
	if expected == nil {
		return nil, ""
	}
	out := make(map[string]expr.ExpectedCondition, len(expected.kids))
	empty := jv{kind: jvObject}
	for i := range expected.kids {
		key := expected.kids[i].key
		cond := &expected.kids[i].val
		if cond.kind != jvObject {
			cond = &empty
		}
		avl := cond.present("AttributeValueList")
		value := cond.present("Value")
		exists := cond.present("Exists")
		opv := cond.present("ComparisonOperator")
		var ec expr.ExpectedCondition
		if avl != nil && value != nil {
			return nil, msgInvalid + "Value and AttributeValueList cannot be used together for Attribute: " + key
		}
		if opv != nil {
			op := opv.str
			if exists != nil {
				return nil, msgInvalid + "Exists and ComparisonOperator cannot be used together for Attribute: " + key
			}
			if op != "NULL" && op != "NOT_NULL" && avl == nil && value == nil {
				return nil, msgInvalid + "Value or AttributeValueList must be used with ComparisonOperator: " + op + " for Attribute: " + key
			}
			values := 0
			if avl != nil {
				values = len(avl.kids)
			} else if value != nil {
				values = 1
			}
			valid := false
			switch op {
			case "EQ", "NE", "LE", "LT", "GE", "GT", "CONTAINS", "NOT_CONTAINS", "BEGINS_WITH":
				valid = values == 1
			case "NOT_NULL", "NULL":
				valid = values == 0
			case "IN":
				valid = values > 0
			case "BETWEEN":
				valid = values == 2
			}
			if !valid {
				return nil, msgInvalid + "Invalid number of argument(s) for the " + op + " ComparisonOperator"
			}
			ec.ComparisonOperator = op
			if avl != nil && len(avl.kids) > 0 {
				t := avFirstType(&avl.kids[0].val)
				for j := range avl.kids {
					if avFirstType(&avl.kids[j].val) != t {
						return nil, msgInvalid + "AttributeValues inside AttributeValueList must be of same type"
					}
				}
			}
			// dynalite leaves these values unchecked; they are checked
			// here so that nothing invalid goes further.
			if avl != nil {
				ec.AttributeValueList = make([]attr.Value, len(avl.kids))
				for j := range avl.kids {
					av, msg := avConv(&avl.kids[j].val, 0)
					if msg != "" {
						return nil, msg
					}
					ec.AttributeValueList[j] = av
				}
				if msg := checkConditionTypes(op, ec.AttributeValueList); msg != "" {
					return nil, msg
				}
				if op == "BETWEEN" && avGreater(ec.AttributeValueList[0], ec.AttributeValueList[1]) {
					return nil, msgBetweenBounds
				}
			}
			if value != nil {
				av, msg := avConv(value, 0)
				if msg != "" {
					return nil, msg
				}
				// An Expected Value with a ComparisonOperator is held to
				// the operator's types as AttributeValueList is.
				if msg := checkConditionTypes(op, []attr.Value{av}); msg != "" {
					return nil, msg
				}
				ec.Value = &av
			}
		} else if avl != nil {
			return nil, msgInvalid + "AttributeValueList can only be used with a ComparisonOperator for Attribute: " + key
		} else {
			ex := exists == nil || jBoolVal(exists)
			if ex && value == nil {
				word := "null"
				if exists != nil {
					word = "true"
				}
				return nil, msgInvalid + "Value must be provided when Exists is " + word + " for Attribute: " + key
			} else if !ex && value != nil {
				return nil, msgInvalid + "Value cannot be used when Exists is false for Attribute: " + key
			}
			if exists != nil {
				b := jBoolVal(exists)
				ec.Exists = &b
			}
			if value != nil {
				av, msg := avConv(value, 0)
				if msg != "" {
					return nil, msg
				}
				ec.Value = &av
			}
		}
		out[key] = ec
	}
	return out, ""
}

// conditionTypes are the value types each legacy ComparisonOperator takes.
// EQ and NE take documents and booleans too (DynamoDB compares them for
// equality; dynalite's older list leaves them out, issue 14).
var conditionTypes = map[string]string{
	"EQ": "S N B SS NS BS L M BOOL", "NE": "S N B SS NS BS L M BOOL",
	"LE": "S N B", "LT": "S N B", "GE": "S N B", "GT": "S N B",
	"CONTAINS": "S N B", "NOT_CONTAINS": "S N B",
	"BEGINS_WITH": "S B", "IN": "S N B", "BETWEEN": "S N B",
}

// checkConditionValues is the per-condition part of dynalite's
// validateConditions, on converted values.
func checkConditionValues(op string, vals []attr.Value) string {
	n := len(vals)
	bad := false
	switch op {
	case "NULL", "NOT_NULL":
		bad = n != 0
	case "IN":
		bad = n < 1
	case "BETWEEN":
		bad = n != 2
	default:
		bad = n != 1
	}
	if bad {
		return msgInvalid + "Invalid number of argument(s) for the " + op + " ComparisonOperator"
	}
	for _, v := range vals[min(1, n):] {
		if v.Type != vals[0].Type {
			return msgInvalid + "AttributeValues inside AttributeValueList must be of same type"
		}
	}
	if msg := checkConditionTypes(op, vals); msg != "" {
		return msg
	}
	if op == "BETWEEN" && avGreater(vals[0], vals[1]) {
		return msgBetweenBounds
	}
	return ""
}

// checkConditionTypes refuses a value of a type op does not take:
// "ComparisonOperator LT is not valid for L AttributeValue type".
func checkConditionTypes(op string, vals []attr.Value) string {
	if allowed, ok := conditionTypes[op]; ok {
		for _, v := range vals {
			if !typeListed(allowed, v.Type.String()) {
				return msgInvalid + "ComparisonOperator " + op + " is not valid for " + v.Type.String() + " AttributeValue type"
			}
		}
	}
	return ""
}

func typeListed(list, t string) bool {
	for _, f := range strings.Fields(list) {
		if f == t {
			return true
		}
	}
	return false
}

// convConditions validates QueryFilter, ScanFilter or KeyConditions as
// dynalite's validateConditions does and converts them.
func convConditions(conds *jv) (map[string]expr.ExpectedCondition, string) {
	if conds == nil {
		return nil, ""
	}
	out := make(map[string]expr.ExpectedCondition, len(conds.kids))
	for i := range conds.kids {
		c := &conds.kids[i].val
		op := jStr(c, "ComparisonOperator")
		avl := c.present("AttributeValueList")
		var vals []attr.Value
		if avl != nil {
			vals = make([]attr.Value, len(avl.kids))
			for j := range avl.kids {
				v, msg := avConv(&avl.kids[j].val, 0)
				if msg != "" {
					return nil, msg
				}
				vals[j] = v
			}
		}
		if msg := checkConditionValues(op, vals); msg != "" {
			return nil, msg
		}
		out[conds.kids[i].key] = expr.ExpectedCondition{ComparisonOperator: op, AttributeValueList: vals}
	}
	return out, ""
}

// checkKeyConditionTypes holds KeyConditions to the scalar and set types
// EQ took before filters were allowed documents and booleans: a key is
// never one, and DynamoDB's answer for them there is not known to have
// changed.
func checkKeyConditionTypes(conds *jv) string {
	for i := range conds.kids {
		c := &conds.kids[i].val
		op := jStr(c, "ComparisonOperator")
		if op != "EQ" && op != "NE" {
			continue
		}
		for _, t := range avListTypes(c.present("AttributeValueList")) {
			if t == "L" || t == "M" || t == "BOOL" {
				return msgInvalid + "ComparisonOperator " + op + " is not valid for " + t + " AttributeValue type"
			}
		}
	}
	return ""
}

// avListTypes returns the type of each value of an AttributeValueList.
func avListTypes(avl *jv) []string {
	if avl == nil {
		return nil
	}
	out := make([]string, len(avl.kids))
	for i := range avl.kids {
		out[i] = avFirstType(&avl.kids[i].val)
	}
	return out
}
