package dynamodb

import (
	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/shard/expr"
)

// Query of an index with a multi-attribute key (shard/composite.go).
//
// DynamoDB's rules: every partition attribute has an equality; the sort
// attributes are used left to right without a gap, each with an equality
// but the last one used, which may instead have a range condition (<, <=,
// >, >=, BETWEEN, begins_with). The equalities on the sort attributes are
// a byte prefix of the composite sort key, and the last condition a range
// within it.

// compositeKeyRange checks the key condition (and start key) of a Query on
// a multi-attribute index key and returns the store's range and start
// position.
func (r *readTarget) compositeKeyRange(kc *expr.KeyCondition, esk attr.Item) (*shard.Range, *shard.Start, *Error) {
	hash, sorts := r.keyAttrs[:r.hashAttrs], r.keyAttrs[r.hashAttrs:]
	if esk != nil {
		for i, a := range r.keyAttrs {
			if _, ok := esk[a.Name]; !ok {
				return nil, nil, validationError("The provided starting key is invalid")
			}
			if e := checkStartPiece(esk, a.Name, a.Type, i < r.hashAttrs); e != nil {
				return nil, nil, e
			}
		}
	}
	conds := make(map[string]keyCond, len(r.keyAttrs))
	if kc != nil {
		for _, t := range kc.Terms {
			conds[t.Name] = keyCond{t.Op, t.Values}
		}
	}
	// missed names the first key attribute without a condition.
	missed := func() *Error {
		for _, a := range r.keyAttrs {
			if _, ok := conds[a.Name]; !ok {
				return validationError("Query condition missed key schema element: " + a.Name)
			}
		}
		return validationError("Query key condition not supported")
	}
	for name := range conds {
		known := false
		for _, a := range r.keyAttrs {
			known = known || a.Name == name
		}
		if !known {
			return nil, nil, missed()
		}
	}
	check := func(a shard.KeyAttr, c keyCond) *Error {
		if c.op == 0 {
			return validationError("Attempted conditional constraint is not an indexable operation")
		}
		for _, v := range c.values {
			if v.Type != a.Type {
				return validationError("One or more parameter values were invalid: Condition parameter type does not match schema type")
			}
		}
		return nil
	}
	rng := &shard.Range{}
	for _, a := range hash {
		c, ok := conds[a.Name]
		if !ok {
			return nil, nil, validationError("Query condition missed key schema element: " + a.Name)
		}
		if e := check(a, c); e != nil {
			return nil, nil, e
		}
		if c.op != expr.RangeEQ {
			return nil, nil, validationError("Query key condition not supported")
		}
		rng.Partition = shard.AppendPartitionPart(rng.Partition, c.values[0])
	}
	// The sort attributes used: a prefix of sorts, equalities but the last.
	var used []keyCond
	var gap *shard.KeyAttr
	for i, a := range sorts {
		c, ok := conds[a.Name]
		if !ok {
			if gap == nil {
				gap = &sorts[i]
			}
			continue
		}
		if gap != nil {
			return nil, nil, validationError("Query condition missed key schema element: " + gap.Name)
		}
		if e := check(a, c); e != nil {
			return nil, nil, e
		}
		if len(used) > 0 && used[len(used)-1].op != expr.RangeEQ {
			return nil, nil, validationError("Query key condition not supported")
		}
		used = append(used, c)
	}
	setCompositeRange(rng, used)

	var start *shard.Start
	if esk != nil {
		tk, e := r.checkTableStartKey(esk)
		if e != nil {
			return nil, nil, e
		}
		for _, a := range hash {
			if !attr.Equal(esk[a.Name], conds[a.Name].values[0]) {
				return nil, nil, validationError("The provided starting key is outside query boundaries based on provided conditions")
			}
		}
		for i, c := range used {
			if !c.match(esk[sorts[i].Name]) {
				return nil, nil, validationError("The provided starting key does not match the range key predicate")
			}
		}
		if start, e = r.start(tk, esk); e != nil {
			return nil, nil, e
		}
	}
	return rng, start, nil
}

// setCompositeRange sets the store's range on the composite sort key from
// the conditions on its first len(used) attributes (all equalities but
// maybe the last).
func setCompositeRange(rng *shard.Range, used []keyCond) {
	var p []byte // the equalities: a prefix of every sort key in range
	last := len(used) - 1
	if last >= 0 && used[last].op == expr.RangeEQ {
		last = len(used)
	}
	for _, c := range used[:max(last, 0)] {
		p = shard.AppendSortPart(p, c.values[0])
	}
	if len(p) > 0 {
		rng.Prefix = p
	}
	if last < 0 || last == len(used) {
		return
	}
	c := used[last]
	at := func(v attr.Value) []byte { return shard.AppendSortPart(p[:len(p):len(p)], v) }
	// after returns the least key above every key that starts with the
	// equalities and v: the sort parts end with a byte below 0xff or
	// have one before their trailing 0xff, so it exists.
	after := func(v attr.Value) []byte {
		end, _ := shard.PrefixEnd(at(v))
		return end
	}
	switch c.op {
	case expr.RangeLT:
		rng.Hi = &shard.Bound{Value: at(c.values[0])}
	case expr.RangeLE:
		rng.Hi = &shard.Bound{Value: after(c.values[0])}
	case expr.RangeGT:
		rng.Lo = &shard.Bound{Value: after(c.values[0]), Inclusive: true}
	case expr.RangeGE:
		rng.Lo = &shard.Bound{Value: at(c.values[0]), Inclusive: true}
	case expr.RangeBetween:
		rng.Lo = &shard.Bound{Value: at(c.values[0]), Inclusive: true}
		rng.Hi = &shard.Bound{Value: after(c.values[1])}
	case expr.RangeBeginsWith:
		rng.Prefix = shard.AppendSortPrefix(p[:len(p):len(p)], c.values[0])
	}
}
