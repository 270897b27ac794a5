package dynamodb

import (
	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/shard/expr"
)

// keyCond is one attribute's key condition (op 0: an operator that cannot
// be a key condition, from legacy KeyConditions).
type keyCond struct {
	op     expr.RangeOp
	values []attr.Value
}

// keyConds is a key condition as dynalite sees it: by attribute.
func keyConds(kc *expr.KeyCondition) map[string]keyCond {
	m := make(map[string]keyCond, 2)
	if kc == nil {
		return m
	}
	if kc.HashName != "" {
		m[kc.HashName] = keyCond{expr.RangeEQ, []attr.Value{kc.HashValue}}
	}
	if kc.Range != nil {
		m[kc.Range.Name] = keyCond{kc.Range.Op, kc.Range.Values}
	}
	return m
}

func (c keyCond) match(v attr.Value) bool {
	rc := expr.RangeCondition{Op: c.op, Values: c.values}
	return rc.Match(v)
}

func (h *Handler) query(in *QueryInput) ([]byte, *Error) {
	r, e := h.resolveTarget(in.TableName, in.IndexName, in.ConsistentRead)
	if e != nil {
		return nil, e
	}
	esk := in.ExclusiveStartKey
	if esk != nil && len(esk) != len(r.startNames) {
		return nil, validationError("The provided starting key is invalid")
	}
	var names []string
	var rng *shard.Range
	var start *shard.Start
	if r.composite() {
		names = r.index.KeyNames()
		rng, start, e = r.compositeKeyRange(in.KeyCond, esk)
	} else {
		names, rng, start, e = r.keyRange(in)
	}
	if e != nil {
		return nil, e
	}
	if in.Proj != nil {
		if e := checkPathsOnKeys(r.t, in.Proj.Paths()); e != nil {
			return nil, e
		}
	}
	if in.Filter != nil {
		heads := map[string]bool{}
		for _, p := range in.Filter.Paths() {
			heads[p[0].Name] = true
		}
		for _, name := range names {
			if heads[name] {
				what := "Filter Expression"
				if in.LegacyFilter {
					what = "QueryFilter"
				}
				return nil, validationError(what + " can only contain non-primary key attributes: Primary key attribute: " + name)
			}
		}
	}
	sel, e := r.checkSelect(in.Select, in.Proj, in.LegacyProj, in.Filter)
	if e != nil {
		return nil, e
	}
	if e := r.checkQueryFilter(in.Filter); e != nil {
		return nil, e
	}
	if in.Filter != nil {
		if e := checkPathsOnKeys(r.t, in.Filter.Paths()); e != nil {
			return nil, e
		}
	}

	if in.ScanIndexForward != nil && !*in.ScanIndexForward {
		rng.Reverse = true
	}
	p := newPage(r, sel, in.Filter, in.Proj, in.Limit)
	p.stop = &in.stop
	index := ""
	if r.index != nil {
		index = r.index.Name
	}
	if err := r.t.Query(index, rng, start, p.add); err != nil {
		return nil, readErr(err, index)
	}
	if p.err != nil {
		return nil, p.err
	}
	return p.reply(in.ReturnConsumedCapacity, in.ConsistentRead), nil
}

// setRange sets the store's sort key range from a range key condition.
func setRange(rng *shard.Range, c keyCond) {
	v := shard.AppendKeyValue(nil, c.values[0])
	switch c.op {
	case expr.RangeEQ:
		rng.Lo = &shard.Bound{Value: v, Inclusive: true}
		rng.Hi = rng.Lo
	case expr.RangeLT:
		rng.Hi = &shard.Bound{Value: v}
	case expr.RangeLE:
		rng.Hi = &shard.Bound{Value: v, Inclusive: true}
	case expr.RangeGT:
		rng.Lo = &shard.Bound{Value: v}
	case expr.RangeGE:
		rng.Lo = &shard.Bound{Value: v, Inclusive: true}
	case expr.RangeBetween:
		rng.Lo = &shard.Bound{Value: v, Inclusive: true}
		rng.Hi = &shard.Bound{Value: shard.AppendKeyValue(nil, c.values[1]), Inclusive: true}
	case expr.RangeBeginsWith:
		rng.Prefix = v
	}
}

// keyRange checks the key condition of a Query on the table or an index
// with a single-attribute partition and sort key, and returns the key
// attribute names, the store's range and the start position.
func (r *readTarget) keyRange(in *QueryInput) ([]string, *shard.Range, *shard.Start, *Error) {
	esk := in.ExclusiveStartKey
	if in.KeyCond != nil && len(in.KeyCond.Terms) > 2 {
		return nil, nil, nil, validationError("Conditions can be of length 1 or 2 only")
	}
	conds := keyConds(in.KeyCond)
	names, types := keyNames(r.keys), keyTypes(r.keys)
	for i, name := range names {
		hash := i == 0
		if esk != nil {
			if _, ok := esk[name]; !ok {
				return nil, nil, nil, validationError("The provided starting key is invalid")
			}
			if e := checkStartPiece(esk, name, types[i], hash); e != nil {
				return nil, nil, nil, e
			}
		}
		if hash && len(names) == 1 && len(conds) > 1 {
			return nil, nil, nil, validationError("Query key condition not supported")
		}
		c, ok := conds[name]
		if !ok {
			if hash || len(conds) > 1 {
				return nil, nil, nil, validationError("Query condition missed key schema element: " + name)
			}
			continue
		}
		if c.op == 0 {
			return nil, nil, nil, validationError("Attempted conditional constraint is not an indexable operation")
		}
		for _, v := range c.values {
			if v.Type != types[i] {
				return nil, nil, nil, validationError("One or more parameter values were invalid: Condition parameter type does not match schema type")
			}
		}
		if hash && c.op != expr.RangeEQ {
			return nil, nil, nil, validationError("Query key condition not supported")
		}
	}
	hashName := names[0]
	hashVal := conds[hashName].values[0]
	rangeCond, hasRange := keyCond{}, false
	if len(names) > 1 {
		rangeCond, hasRange = conds[names[1]]
	}

	var start *shard.Start
	if esk != nil {
		tk, e := r.checkTableStartKey(esk)
		if e != nil {
			return nil, nil, nil, e
		}
		if !hasRange {
			if !attr.Equal(esk[hashName], hashVal) {
				return nil, nil, nil, validationError("The provided starting key is outside query boundaries based on provided conditions")
			}
		} else {
			if !rangeCond.match(esk[names[1]]) {
				return nil, nil, nil, validationError("The provided starting key does not match the range key predicate")
			}
			if !attr.Equal(esk[hashName], hashVal) {
				return nil, nil, nil, validationError("The query can return at most one row and cannot be restarted")
			}
		}
		if start, e = r.start(tk, esk); e != nil {
			return nil, nil, nil, e
		}
	}
	rng := &shard.Range{Partition: shard.AppendKeyValue(nil, hashVal)}
	if hasRange {
		setRange(rng, rangeCond)
	}
	return names, rng, start, nil
}
