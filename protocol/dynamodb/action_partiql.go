package dynamodb

import (
	"encoding/base64"
	"encoding/binary"
	"sort"
	"strings"

	"github.com/cespare/xxhash/v2"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/shard/expr"
	"github.com/dynacache/dynacache/shard/partiql"
)

// PartiQL statements run as the item API's store calls (DESIGN.md: a
// language front-end, never a second engine):
//
//   - SELECT whose WHERE fixes the whole primary key (by top-level AND
//     equalities) is a Table.Get; one that fixes the partition key (or a
//     few: IN, an OR of equalities) is a Table.Query of each partition in
//     turn (bounded by the first sort key condition it can use); anything
//     else is a Table.Scan. The WHERE is the filter in every case (a Get
//     leaves out the key equalities it makes true), so the key conditions
//     narrow the walk without changing the answer. A NextToken is the last
//     evaluated key, tied to the statement.
//   - INSERT is a Table.Mutate that refuses an existing item
//     (DuplicateItemException); UPDATE and DELETE are Table.Mutate with
//     the WHERE's non-key terms as the condition. UPDATE also requires the
//     item to exist (DynamoDB's UPDATE never creates an item); DELETE of a
//     missing item does nothing.
//
// ExecuteTransaction runs the same (key, decide) resolutions as one
// Store.MutateMany (action_partiql_tx.go).

// duplicateItem is INSERT's answer when the key is taken.
func duplicateItem() *Error {
	return &Error{Status: 400, Type: nsDynamoDB + "DuplicateItemException", Message: "Duplicate primary key exists in table"}
}

// stmtResult is what one statement produced.
type stmtResult struct {
	table string
	items []attr.Item // a SELECT's item by key, or RETURNING's one item
	raw   []byte      // a Query's or Scan's items: JSON, comma-separated
	next  string      // SELECT's NextToken
	last  attr.Item   // SELECT's LastEvaluatedKey, with next
	units float64
	write bool
}

func (h *Handler) executeStatement(in *ExecuteStatementInput) ([]byte, *Error) {
	st, e := parseStatement(in)
	if e != nil {
		return nil, e
	}
	res, e := h.runStatement(st, in, false)
	if e != nil {
		return nil, e
	}
	out := make([]byte, 0, 256)
	out = append(out, `{"Items":[`...)
	for i, it := range res.items {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendItem(out, it)
	}
	out = append(out, res.raw...)
	out = append(out, ']')
	if res.next != "" {
		out = append(out, `,"NextToken":`...)
		out = appendJSONString(out, res.next)
		out = append(out, `,"LastEvaluatedKey":`...)
		out = appendItem(out, res.last)
	}
	if in.ReturnConsumedCapacity == "TOTAL" || in.ReturnConsumedCapacity == "INDEXES" {
		out = append(out, ',')
		out = appendCapacity(out, in.ReturnConsumedCapacity, res.table, res.units)
	}
	return append(out, '}'), nil
}

func (h *Handler) batchExecuteStatement(in *BatchExecuteStatementInput) ([]byte, *Error) {
	// A batch is all reads or all writes; a statement that does not parse
	// is answered in its own slot.
	stmts := make([]*partiql.Statement, len(in.Statements))
	errs := make([]*Error, len(in.Statements))
	reads, writes := 0, 0
	for i := range in.Statements {
		stmts[i], errs[i] = parseStatement(&in.Statements[i])
		if stmts[i] != nil {
			if stmts[i].Kind == partiql.Select {
				reads++
			} else {
				writes++
			}
		}
	}
	if reads > 0 && writes > 0 {
		return nil, validationError("Unsupported operation: A batch must consist of either read statements or write statements, not both")
	}
	units := map[string]float64{}
	var tables []string
	out := make([]byte, 0, 256)
	out = append(out, `{"Responses":[`...)
	for i := range in.Statements {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, '{')
		var res *stmtResult
		e := errs[i]
		if e == nil {
			res, e = h.runStatement(stmts[i], &in.Statements[i], true)
		}
		if e != nil {
			out = append(out, `"Error":{"Code":`...)
			out = appendJSONString(out, batchErrorCode(e))
			out = append(out, `,"Message":`...)
			out = appendJSONString(out, e.Message)
			if e.Item != nil {
				out = append(out, `,"Item":`...)
				out = appendItem(out, e.Item)
			}
			out = append(out, '}')
			if stmts[i] != nil {
				out = append(out, `,"TableName":`...)
				out = appendJSONString(out, stmts[i].Table)
			}
			out = append(out, '}')
			continue
		}
		out = append(out, `"TableName":`...)
		out = appendJSONString(out, res.table)
		if !res.write && len(res.items) > 0 {
			out = append(out, `,"Item":`...)
			out = appendItem(out, res.items[0])
		}
		out = append(out, '}')
		if _, ok := units[res.table]; !ok {
			tables = append(tables, res.table)
		}
		units[res.table] += res.units
	}
	out = append(out, ']')
	if mode := in.ReturnConsumedCapacity; (mode == "TOTAL" || mode == "INDEXES") && len(tables) > 0 {
		out = append(out, `,"ConsumedCapacity":[`...)
		for i, t := range tables {
			if i > 0 {
				out = append(out, ',')
			}
			c := appendCapacity(nil, mode, t, units[t])
			out = append(out, c[len(`"ConsumedCapacity":`):]...)
		}
		out = append(out, ']')
	}
	return append(out, '}'), nil
}

// batchErrorCode is a BatchStatementError's Code for an error: its type
// without namespace and "Exception", with DynamoDB's two renamings.
func batchErrorCode(e *Error) string {
	name := e.Type[strings.IndexByte(e.Type, '#')+1:]
	name = strings.TrimSuffix(name, "Exception")
	switch name {
	case "Validation":
		return "ValidationError"
	case "ConditionalCheckFailed", "DuplicateItem", "ResourceNotFound", "TransactionConflict",
		"ProvisionedThroughputExceeded", "RequestLimitExceeded", "ItemCollectionSizeLimitExceeded":
		return name
	}
	return "InternalServerError"
}

// parseStatement parses a statement and binds its parameters.
func parseStatement(in *ExecuteStatementInput) (*partiql.Statement, *Error) {
	st, err := partiql.Parse(in.Statement)
	if err != nil {
		return nil, validationError(err.Error())
	}
	if err := st.Bind(in.Parameters); err != nil {
		return nil, validationError(err.Error())
	}
	return st, nil
}

func (h *Handler) runStatement(st *partiql.Statement, in *ExecuteStatementInput, batch bool) (*stmtResult, *Error) {
	opts := &WriteOptions{ReturnValuesOnConditionCheckFailure: in.ReturnValuesOnConditionCheckFailure}
	if err := partiql.CheckTableName(st.Table); err != nil {
		return nil, partiqlError(err)
	}
	switch st.Kind {
	case partiql.Select:
		return h.partiqlSelect(st, in, batch)
	case partiql.Insert:
		return h.partiqlInsert(st, opts)
	case partiql.Update:
		return h.partiqlUpdate(st, opts)
	}
	return h.partiqlDelete(st, opts)
}

// partiqlError converts a partiql or expr error.
func partiqlError(err error) *Error {
	return validationError(err.Error())
}

func (h *Handler) partiqlSelect(st *partiql.Statement, in *ExecuteStatementInput, batch bool) (*stmtResult, *Error) {
	r, e := h.resolveTarget(st.Table, st.Index, in.ConsistentRead)
	if e != nil {
		return nil, e
	}
	ks := r.keys

	// The key terms of the WHERE's top-level AND chain: the partitions it
	// allows (nil: any) and a sort key condition.
	var parts []attr.Value
	var rangeEq *attr.Value
	var rangeCond *keyCond
	var hashTerm, rangeTerm *partiql.Node // equalities a Get makes true
	conjuncts := partiql.Conjuncts(st.Where)
	keyTerms := conjuncts
	if r.composite() {
		// A multi-attribute index key: the WHERE filters a scan of the
		// index.
		keyTerms = nil
	}
	for _, term := range keyTerms {
		if parts == nil {
			if vns, ok := partiql.KeyValues(term, ks.HashName); ok {
				var e *Error
				if parts, e = partitionValues(vns, ks.HashType); e != nil {
					return nil, e
				}
				if term.Kind == partiql.NCompare {
					hashTerm = term
				}
				continue
			}
		}
		if !ks.HasRange() || rangeCond != nil {
			continue
		}
		op, vns, ok := partiql.KeyRange(term, ks.RangeName)
		if !ok {
			continue
		}
		vals := make([]attr.Value, 0, len(vns))
		for _, vn := range vns {
			v, err := partiql.Value(vn)
			if err != nil || v.Type != ks.RangeType {
				ok = false
				break
			}
			vals = append(vals, v)
		}
		if !ok || (op == expr.RangeBetween && attr.Compare(vals[0], vals[1]) > 0) ||
			(op == expr.RangeBeginsWith && ks.RangeType == attr.N) {
			continue
		}
		rangeCond = &keyCond{op: op, values: vals}
		if op == expr.RangeEQ {
			rangeEq, rangeTerm = &vals[0], term
		}
	}
	isGet := r.index == nil && len(parts) == 1 && (!ks.HasRange() || rangeEq != nil)

	// The filter is the whole WHERE, but for a Get without the key
	// equalities the Get itself makes true.
	where := st.Where
	if isGet {
		var rest []*partiql.Node
		for _, term := range conjuncts {
			if term != hashTerm && term != rangeTerm {
				rest = append(rest, term)
			}
		}
		where = partiql.And(rest)
	}
	var comp *partiql.Compiled
	if where != nil || len(st.Proj) > 0 {
		var err error
		if comp, err = partiql.Compile(where, st.Proj, nil); err != nil {
			return nil, partiqlError(err)
		}
	} else {
		comp = &partiql.Compiled{}
	}
	if comp.Proj != nil {
		if e := checkPathsOnKeys(r.t, comp.Proj.Paths()); e != nil {
			return nil, e
		}
	}
	sel, e := r.checkSelect("", comp.Proj, false, comp.Cond)
	if e != nil {
		return nil, e
	}
	shape, err := partiql.NewProjection(st.Proj)
	if err != nil {
		return nil, partiqlError(err)
	}

	// ORDER BY: the sort key orders each partition's walk; the partition
	// key orders the partitions.
	reverse, byHash, hashDesc := false, false, false
	for _, ob := range st.OrderBy {
		if ob.Name != ks.HashName && (!ks.HasRange() || ob.Name != ks.RangeName) {
			return nil, validationError("Variable reference " + ob.Name + " in ORDER BY clause must be part of the primary key")
		}
		if ob.Name == ks.HashName {
			byHash, hashDesc = true, ob.Desc
		} else {
			reverse = ob.Desc
		}
	}
	if len(st.OrderBy) > 0 {
		switch {
		case parts == nil && st.Where == nil:
			return nil, validationError("Must have WHERE clause in the statement when using ORDER BY clause.")
		case parts == nil:
			return nil, validationError("Must have at least one non-optional hash key condition in WHERE clause when using ORDER BY clause.")
		case len(parts) > 1 && !byHash:
			return nil, validationError("Must have hash key in ORDER BY clause when more than one hash key condition specified in WHERE clause.")
		}
		if byHash {
			sort.SliceStable(parts, func(i, j int) bool {
				c := attr.Compare(parts[i], parts[j])
				if hashDesc {
					return c > 0
				}
				return c < 0
			})
		}
	}

	res := &stmtResult{table: r.t.Name()}
	if batch && !isGet {
		return nil, validationError(partiql.MsgIncompleteKey)
	}
	if isGet && in.NextToken == "" {
		key := attr.Item{ks.HashName: parts[0]}
		if ks.HasRange() {
			key[ks.RangeName] = *rangeEq
		}
		k, e := validateKey(ks, key)
		if e != nil {
			return nil, e
		}
		ent, ok := r.t.Get(k)
		res.units = attr.ReadUnits(ent.Size(), in.ConsistentRead)
		if ok {
			it, err := ent.Item()
			if err != nil {
				return nil, internalError("stored item is unreadable: " + err.Error())
			}
			if comp.Cond == nil || comp.Cond.Eval(it) {
				if shape != nil {
					it = shape.Apply(it)
				}
				res.items = append(res.items, it)
			}
		}
		return res, nil
	}

	var start *shard.Start
	var esk attr.Item
	if in.NextToken != "" {
		var e *Error
		if esk, e = decodeNextToken(in.NextToken, in.Statement); e != nil {
			return nil, e
		}
		if len(esk) != len(r.startNames) {
			return nil, validationError("Invalid NextToken")
		}
		tk, e := r.checkTableStartKey(esk)
		if e != nil {
			return nil, validationError("Invalid NextToken")
		}
		if start, e = r.start(tk, esk); e != nil {
			return nil, validationError("Invalid NextToken")
		}
	}
	p := newPage(r, sel, comp.Cond, comp.Proj, in.Limit)
	add := p.add
	if shape != nil {
		// The page counts and filters; each item it takes is then written
		// in SELECT's shape in place of the ProjectionExpression one.
		p.proj = nil
		add = func(hit shard.Hit) bool {
			n, mark := p.count, len(p.items)
			more := p.add(hit)
			if p.count > n && p.err == nil {
				it, err := hit.Entry.Item()
				if err != nil {
					p.err = internalError("stored item is unreadable: " + err.Error())
					return false
				}
				p.items = p.items[:mark]
				if p.count > 1 {
					p.items = append(p.items, ',')
				}
				p.items = appendItem(p.items, shape.Apply(it))
			}
			return more
		}
	}
	index := ""
	if r.index != nil {
		index = r.index.Name
	}
	if parts == nil {
		if err := r.t.Scan(index, shard.Segment{}, start, add); err != nil {
			return nil, readErr(err, index)
		}
	} else {
		// One Query per partition, in the statement's order; a NextToken
		// resumes in the partition of its key.
		first := 0
		if start != nil {
			first = -1
			for i, v := range parts {
				if attr.Equal(v, esk[ks.HashName]) {
					first = i
				}
			}
			if first < 0 {
				return nil, validationError("Invalid NextToken")
			}
		}
		full := false
		addAll := func(hit shard.Hit) bool {
			more := add(hit)
			full = !more
			return more
		}
		for i := first; i < len(parts) && !full && p.err == nil; i++ {
			rng := &shard.Range{Partition: shard.AppendKeyValue(nil, parts[i]), Reverse: reverse}
			if rangeCond != nil {
				setRange(rng, *rangeCond)
			}
			from := start
			if i != first {
				from = nil
			}
			if err := r.t.Query(index, rng, from, addAll); err != nil {
				return nil, readErr(err, index)
			}
		}
	}
	if p.err != nil {
		return nil, p.err
	}
	res.raw = p.items[1:] // the page's items, after its "["
	if r.index == nil {
		res.units = attr.ReadUnits(p.tableBytes, in.ConsistentRead)
	} else {
		res.units = attr.ReadUnits(p.indexBytes, in.ConsistentRead) + readUnits(p.tableBytes, in.ConsistentRead)
	}
	if p.scanned > 0 && ((p.limit > 0 && p.scanned >= p.limit) || p.size >= maxPageBytes) {
		key := make(attr.Item, len(r.startNames))
		for _, n := range r.startNames {
			if v, ok := p.last[n]; ok {
				key[n] = v
			}
		}
		res.next, res.last = encodeNextToken(key, in.Statement), key
	}
	return res, nil
}

// partitionValues converts the partition key values a WHERE allows,
// without repeats; values of another type than the key's select nothing.
func partitionValues(vns []*partiql.Node, typ attr.Type) ([]attr.Value, *Error) {
	parts := []attr.Value{}
	seen := map[string]bool{}
	for _, vn := range vns {
		v, err := partiql.Value(vn)
		if err != nil {
			return nil, partiqlError(err)
		}
		if v.Type != typ || ((typ == attr.S || typ == attr.B) && v.Str == "") {
			continue
		}
		if !seen[v.Str] {
			seen[v.Str] = true
			parts = append(parts, v)
		}
	}
	return parts, nil
}

// A NextToken is the last evaluated key as item JSON behind an 8-byte
// hash of the statement, in URL-safe base64: opaque to clients, and
// refused with another statement.
func encodeNextToken(key attr.Item, statement string) string {
	b := binary.BigEndian.AppendUint64(nil, xxhash.Sum64String(statement))
	b = appendItem(b, key)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeNextToken(tok, statement string) (attr.Item, *Error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) < 9 {
		return nil, validationError("Invalid NextToken")
	}
	if binary.BigEndian.Uint64(b) != xxhash.Sum64String(statement) {
		return nil, validationError("NextToken does not match request")
	}
	root, ok := jvParse(b[8:])
	if !ok || root.kind != jvObject {
		return nil, validationError("Invalid NextToken")
	}
	key, msg := avItem(&root)
	if msg != "" {
		return nil, validationError("Invalid NextToken")
	}
	return key, nil
}

// partiqlWrite is an INSERT, UPDATE or DELETE resolved to its item and
// its decision on that item's current entry, for Table.Mutate or (in
// ExecuteTransaction) one op of Store.MutateMany. The decision leaves the
// item's images in oldItem and newItem, for RETURNING.
type partiqlWrite struct {
	t        *shard.Table
	k        shard.Key
	decide   func(old shard.Entry) (shard.Write, error)
	oldItem  attr.Item
	newItem  attr.Item
	returned func(w *partiqlWrite) attr.Item // RETURNING's item (nil: none)
}

func (h *Handler) partiqlInsert(st *partiql.Statement, opts *WriteOptions) (*stmtResult, *Error) {
	w, e := h.partiqlInsertOp(st)
	if e != nil {
		return nil, e
	}
	return w.run()
}

// run carries out a single statement's write.
func (w *partiqlWrite) run() (*stmtResult, *Error) {
	old, cur, err := w.t.Mutate(w.k, w.decide)
	if err != nil {
		return nil, toAPIError(err)
	}
	res := &stmtResult{table: w.t.Name(), units: writeUnits(old, cur), write: true}
	if w.returned != nil {
		if it := w.returned(w); len(it) > 0 {
			// A RETURNING with nothing to show (MODIFIED OLD of attributes
			// the item did not have) returns no item rather than an empty one.
			res.items = []attr.Item{it}
		}
	}
	return res, nil
}

// partiqlInsertOp resolves an INSERT: it refuses an existing item.
func (h *Handler) partiqlInsertOp(st *partiql.Statement) (*partiqlWrite, *Error) {
	t, e := h.table(st.Table)
	if e != nil {
		return nil, e
	}
	v, err := partiql.Value(st.Value)
	if err != nil {
		return nil, partiqlError(err)
	}
	if v.Type != attr.M {
		return nil, validationError("Unsupported format in item expression. Please use struct format {...} to express item values for insert statement.")
	}
	item := attr.Item(v.Map)
	ks := t.Schema()
	for _, kn := range keyNames(ks) {
		kv, ok := item[kn]
		if !ok {
			return nil, validationError("Key attribute should be present in the item: Key " + kn)
		}
		want := ks.HashType
		if kn != ks.HashName {
			want = ks.RangeType
		}
		if kv.Type != want {
			return nil, validationError("Key attribute's data type should match its data type in table's schema: Key " + kn)
		}
	}
	k, e := validateItem(ks, item)
	if e != nil {
		return nil, e
	}
	if e := checkIndexKeys(t.Indexes(), item); e != nil {
		return nil, e
	}
	if attr.ItemSize(item) > attr.MaxItemSize {
		return nil, validationError("Item size has exceeded the maximum allowed size")
	}
	return &partiqlWrite{t: t, k: k, decide: func(old shard.Entry) (shard.Write, error) {
		if old.Exists() {
			return shard.Write{}, apiError{duplicateItem()}
		}
		return shard.Write{Item: item}, nil
	}}, nil
}

// whereKey splits a write's WHERE into the item's key (top-level
// equalities on the key attributes) and the rest of its terms.
func whereKey(ks shard.KeySchema, where *partiql.Node) (attr.Item, []*partiql.Node, *Error) {
	key := attr.Item{}
	var rest []*partiql.Node
	for _, term := range partiql.Conjuncts(where) {
		if name, vn, ok := partiql.Equality(term); ok && isKeyAttr(ks, name) {
			if _, dup := key[name]; dup {
				return nil, nil, validationError("Multiple conditions on same key " + name + ". Only single item Update/Insert/Delete are supported")
			}
			v, err := partiql.Value(vn)
			if err != nil {
				return nil, nil, partiqlError(err)
			}
			key[name] = v
			continue
		}
		rest = append(rest, term)
	}
	if len(key) != len(keyNames(ks)) {
		return nil, nil, validationError(partiql.MsgIncompleteKey)
	}
	return key, rest, nil
}

func (h *Handler) partiqlUpdate(st *partiql.Statement, opts *WriteOptions) (*stmtResult, *Error) {
	w, e := h.partiqlUpdateOp(st, opts)
	if e != nil {
		return nil, e
	}
	return w.run()
}

// partiqlUpdateOp resolves an UPDATE: the item must exist and meet the
// WHERE's other terms.
func (h *Handler) partiqlUpdateOp(st *partiql.Statement, opts *WriteOptions) (*partiqlWrite, *Error) {
	t, ks, k, rest, e := h.partiqlWriteTarget(st)
	if e != nil {
		return nil, e
	}
	cond := partiql.And(append([]*partiql.Node{partiql.Exists(ks.HashName)}, rest...))
	comp, err := partiql.Compile(cond, nil, st.Actions)
	if err != nil {
		return nil, partiqlError(err)
	}
	indexes := t.Indexes()
	targets := comp.Update.Targets()
	for _, p := range targets {
		if isKeyAttr(ks, p[0].Name) {
			return nil, validationError("One or more parameter values were invalid: Cannot update attribute " + p[0].Name + ". This attribute is part of the key")
		}
	}
	if e := checkStaticIndexTypes(indexes, comp.Update.Actions()); e != nil {
		return nil, e
	}
	for _, p := range targets {
		if len(p) > 1 && isIndexKeyAttr(indexes, p[0].Name) {
			return nil, validationError("Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: IndexKey: " + p[0].Name)
		}
	}
	w := &partiqlWrite{t: t, k: k}
	w.decide = func(old shard.Entry) (shard.Write, error) {
		var err error
		if w.oldItem, err = checkCondition(old, comp.Cond, opts, true); err != nil {
			return shard.Write{}, err
		}
		if w.newItem, err = comp.Update.Apply(w.oldItem.Clone()); err != nil {
			return shard.Write{}, apiError{validationError(err.Error())}
		}
		if attr.ItemSize(w.newItem) > attr.MaxItemSize {
			return shard.Write{}, apiError{validationError("Item size to update has exceeded the maximum allowed size")}
		}
		if e := checkUpdatedIndexKeys(indexes, w.newItem); e != nil {
			return shard.Write{}, apiError{e}
		}
		return shard.Write{Item: w.newItem}, nil
	}
	switch st.Returning {
	case "ALL_OLD":
		w.returned = func(w *partiqlWrite) attr.Item { return w.oldItem }
	case "ALL_NEW":
		w.returned = func(w *partiqlWrite) attr.Item { return w.newItem }
	case "UPDATED_OLD":
		w.returned = func(w *partiqlWrite) attr.Item { return comp.Update.UpdatedPaths().Apply(w.oldItem) }
	case "UPDATED_NEW":
		w.returned = func(w *partiqlWrite) attr.Item { return comp.Update.UpdatedPaths().Apply(w.newItem) }
	}
	return w, nil
}

func (h *Handler) partiqlDelete(st *partiql.Statement, opts *WriteOptions) (*stmtResult, *Error) {
	w, e := h.partiqlDeleteOp(st, opts)
	if e != nil {
		return nil, e
	}
	return w.run()
}

// partiqlDeleteOp resolves a DELETE: a missing item is left alone, an
// existing one must meet the WHERE's other terms.
func (h *Handler) partiqlDeleteOp(st *partiql.Statement, opts *WriteOptions) (*partiqlWrite, *Error) {
	t, _, k, rest, e := h.partiqlWriteTarget(st)
	if e != nil {
		return nil, e
	}
	var cond *expr.Condition
	if len(rest) > 0 {
		comp, err := partiql.Compile(partiql.And(rest), nil, nil)
		if err != nil {
			return nil, partiqlError(err)
		}
		cond = comp.Cond
	}
	w := &partiqlWrite{t: t, k: k}
	w.decide = func(old shard.Entry) (shard.Write, error) {
		if !old.Exists() {
			return shard.Write{Skip: true}, nil
		}
		var err error
		if w.oldItem, err = checkCondition(old, cond, opts, st.Returning != ""); err != nil {
			return shard.Write{}, err
		}
		return shard.Write{Delete: true}, nil
	}
	if st.Returning != "" {
		w.returned = func(w *partiqlWrite) attr.Item { return w.oldItem }
	}
	return w, nil
}

// partiqlWriteTarget resolves an UPDATE's or DELETE's table and the item
// its WHERE names: the key's encoding and the WHERE's other terms.
func (h *Handler) partiqlWriteTarget(st *partiql.Statement) (*shard.Table, shard.KeySchema, shard.Key, []*partiql.Node, *Error) {
	t, e := h.table(st.Table)
	if e != nil {
		return nil, shard.KeySchema{}, nil, nil, e
	}
	ks := t.Schema()
	key, rest, e := whereKey(ks, st.Where)
	if e != nil {
		return nil, ks, nil, nil, e
	}
	k, e := validateKey(ks, key)
	if e != nil {
		return nil, ks, nil, nil, e
	}
	return t, ks, k, rest, nil
}
