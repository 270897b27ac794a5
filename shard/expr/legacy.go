package expr

import (
	"sort"

	"github.com/dynacache/dynacache/shard/attr"
)

// ExpectedCondition is one entry of the legacy Expected, QueryFilter,
// ScanFilter or KeyConditions maps.
type ExpectedCondition struct {
	Exists             *bool
	Value              *attr.Value
	ComparisonOperator string // "" when absent
	AttributeValueList []attr.Value
}

// FromExpected converts legacy Expected (+ConditionalOperator, "" = AND).
// The caller has validated the entries (operators, number and types of
// values). The conditions are the expression-language equivalents: EQ is
// =, NE is <> (true for a missing attribute), NULL and NOT_NULL are
// attribute_not_exists and attribute_exists, CONTAINS and NOT_CONTAINS are
// contains() and its negation, and so on. Exists true with a Value means
// the attribute must equal it; Exists false, that it must not exist.
func FromExpected(expected map[string]ExpectedCondition, conditionalOperator string) *Condition {
	names := make([]string, 0, len(expected))
	for name := range expected {
		names = append(names, name)
	}
	sort.Strings(names)
	c := &Condition{paths: make([]Path, len(names))}
	items := make([]*cnode, len(names))
	for i, name := range names {
		path := Path{{Name: name}}
		c.paths[i] = path
		items[i] = legacyLeaf(path, expected[name])
	}
	kind := nkAnd
	if conditionalOperator == "OR" {
		kind = nkOr
	}
	switch len(items) {
	case 0:
	case 1:
		c.root = items[0]
	default:
		node := &cnode{kind: kind, args: []*cnode{items[len(items)-2], items[len(items)-1]}}
		for i := len(items) - 3; i >= 0; i-- {
			node = &cnode{kind: kind, args: []*cnode{items[i], node}}
		}
		c.root = node
	}
	return c
}

// FromFilter converts legacy QueryFilter or ScanFilter (+ConditionalOperator),
// which have the semantics of Expected.
func FromFilter(filter map[string]ExpectedCondition, conditionalOperator string) *Condition {
	return FromExpected(filter, conditionalOperator)
}

// legacyLeaf converts one Expected entry.
func legacyLeaf(path Path, e ExpectedCondition) *cnode {
	p := &cnode{kind: nkPath, path: path}
	values := e.AttributeValueList
	if len(values) == 0 && e.Value != nil {
		values = []attr.Value{*e.Value}
	}
	args := make([]*cnode, 0, len(values)+1)
	args = append(args, p)
	for _, v := range values {
		args = append(args, &cnode{kind: nkValue, val: v, hasVal: true})
	}
	fn := func(id funcID, n int) *cnode {
		if len(args) < n {
			return never(p)
		}
		return &cnode{kind: nkFunc, fn: id, args: args[:n]}
	}
	cmp := func(op cmpOp) *cnode {
		if len(args) < 2 {
			return never(p)
		}
		return &cnode{kind: nkCompare, cmp: op, args: args[:2]}
	}
	op := e.ComparisonOperator
	if e.Exists != nil {
		switch {
		case !*e.Exists:
			op = "NULL"
		case e.Value == nil:
			op = "NOT_NULL"
		default:
			op = "EQ"
		}
	}
	switch op {
	case "", "EQ":
		return cmp(cmpEQ)
	case "NE":
		return cmp(cmpNE)
	case "LT":
		return cmp(cmpLT)
	case "LE":
		return cmp(cmpLE)
	case "GT":
		return cmp(cmpGT)
	case "GE":
		return cmp(cmpGE)
	case "NOT_NULL":
		return &cnode{kind: nkFunc, fn: fnAttributeExists, args: args[:1]}
	case "NULL":
		return &cnode{kind: nkFunc, fn: fnAttributeNotExists, args: args[:1]}
	case "CONTAINS":
		return fn(fnContains, 2)
	case "NOT_CONTAINS":
		// A missing attribute does not satisfy NOT_CONTAINS (issue 14,
		// from suites run against DynamoDB): the attribute must exist.
		return &cnode{kind: nkAnd, args: []*cnode{
			{kind: nkFunc, fn: fnAttributeExists, args: args[:1]},
			{kind: nkNot, args: []*cnode{fn(fnContains, 2)}},
		}}
	case "BEGINS_WITH":
		return fn(fnBeginsWith, 2)
	case "IN":
		return &cnode{kind: nkIn, args: args}
	case "BETWEEN":
		if len(args) < 3 {
			return never(p)
		}
		return &cnode{kind: nkBetween, args: args[:3]}
	}
	return never(p)
}

// never is a condition that is always false (for entries the caller
// should have rejected): IN with an empty list.
func never(p *cnode) *cnode { return &cnode{kind: nkIn, args: []*cnode{p}} }

// AttributeUpdate is one entry of legacy AttributeUpdates.
type AttributeUpdate struct {
	Action string // PUT, ADD, DELETE; "" means PUT
	Value  *attr.Value
}

type legacyUpdate struct {
	name   string
	action string
	value  *attr.Value
}

// FromAttributeUpdates converts legacy AttributeUpdates (validated by the
// caller). The updates are applied in attribute-name order:
//
//   - PUT sets the attribute.
//   - ADD adds a number to a number attribute (a missing one counts as 0),
//     or adds set members or list elements to an attribute of the same
//     type (creating it when missing).
//   - DELETE with a value removes set members (the attribute goes when the
//     set becomes empty); without a value it removes the attribute.
//
// ADD or DELETE on an attribute of another type fails with "Type mismatch
// for attribute to update".
func FromAttributeUpdates(updates map[string]AttributeUpdate) *Update {
	u := &Update{legacy: make([]legacyUpdate, 0, len(updates))}
	for name, up := range updates {
		act := up.Action
		if act == "" {
			act = "PUT"
		}
		u.legacy = append(u.legacy, legacyUpdate{name: name, action: act, value: up.Value})
	}
	sort.Slice(u.legacy, func(i, j int) bool { return u.legacy[i].name < u.legacy[j].name })
	u.targets = make([]Path, len(u.legacy))
	for i, l := range u.legacy {
		u.targets[i] = Path{{Name: l.name}}
	}
	return u
}

func applyLegacy(updates []legacyUpdate, item attr.Item) error {
	for _, up := range updates {
		cur, exists := item[up.name]
		switch up.action {
		case "PUT":
			if up.value != nil {
				item[up.name] = attr.Clone(*up.value)
			}
		case "ADD":
			if up.value == nil {
				continue
			}
			v := *up.value
			if exists && cur.Type != v.Type {
				return errTypeMismatch
			}
			if !exists {
				item[up.name] = attr.Clone(v)
				continue
			}
			res, err := addValues(cur, v)
			if err != nil {
				if err == errOperandType {
					return errTypeMismatch
				}
				return err
			}
			item[up.name] = res
		case "DELETE":
			if up.value == nil {
				delete(item, up.name)
				continue
			}
			if !exists {
				continue
			}
			if cur.Type != up.value.Type {
				return errTypeMismatch
			}
			if !cur.Type.IsSet() {
				continue
			}
			if res := setDifference(cur, *up.value); len(res.Set) > 0 {
				item[up.name] = res
			} else {
				delete(item, up.name)
			}
		}
	}
	return nil
}
