package dynamodb

import (
	"errors"
	"strings"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/shard/expr"
	"github.com/dynacache/dynacache/shard/partiql"
)

// ExecuteTransaction: PartiQL's TransactGetItems and TransactWriteItems.
// Its 1..100 statements are either all reads or all writes:
//
//   - reads are SELECTs that name one item by its whole primary key; they
//     are read through one Store.GetMany, so they see one state, and
//     answer in statement order ({} for a missing item or one the WHERE's
//     other terms filter out);
//   - writes are INSERT, UPDATE, DELETE (resolved to (key, decide) exactly
//     as ExecuteStatement resolves them) and EXISTS(SELECT ... WHERE key
//     AND condition) checks, applied all or nothing by one
//     Store.MutateMany (one log record).
//
// A write's refused decision cancels the transaction with one
// CancellationReason per statement, as TransactWriteItems does
// (ConditionalCheckFailed, DuplicateItem for an INSERT of an existing
// item, ValidationError; None for the others). A statement that does not
// parse, names a missing table or no whole key, and two statements on one
// item, fail the whole request instead. ClientRequestToken shares
// TransactWriteItems' token table (a fingerprint marked as
// ExecuteTransaction's never matches a TransactWriteItems').

// msgTransactionMixed answers a transaction of reads and writes.
const msgTransactionMixed = "Unsupported operation: A transaction must consist of either read statements or write statements, not both"

// ptxRead is one SELECT of a read transaction.
type ptxRead struct {
	t     *shard.Table
	k     shard.Key
	cond  *expr.Condition     // the WHERE's terms besides the key (nil: none)
	shape *partiql.Projection // the SELECT list (nil: the whole item)
}

func (h *Handler) executeTransaction(in *ExecuteTransactionInput) ([]byte, *Error) {
	stmts := make([]*partiql.Statement, len(in.Statements))
	exists := make([]bool, len(in.Statements))
	reads := 0
	for i := range in.Statements {
		s := &in.Statements[i]
		src, isExists := existsBody(s.Statement)
		st, e := parseStatement(&ExecuteStatementInput{Statement: src, Parameters: s.Parameters})
		if e != nil {
			return nil, e
		}
		if isExists && st.Kind != partiql.Select {
			return nil, validationError("EXISTS can only be used with a SELECT statement")
		}
		if err := partiql.CheckTableName(st.Table); err != nil {
			return nil, partiqlError(err)
		}
		stmts[i], exists[i] = st, isExists
		if st.Kind == partiql.Select && !isExists {
			reads++
		}
	}
	if reads > 0 && reads < len(stmts) {
		return nil, validationError(msgTransactionMixed)
	}
	if reads > 0 {
		return h.ptxRead(in, stmts)
	}
	if in.ClientRequestToken == "" {
		res, e := h.ptxWrite(in, stmts, exists)
		if e != nil {
			return nil, e
		}
		return res.reply(in.ReturnConsumedCapacity, ""), nil
	}
	replay, e, run := h.tokens.begin(in.ClientRequestToken, in.fingerprint)
	if e != nil {
		return nil, e
	}
	if !run {
		return replay.reply(in.ReturnConsumedCapacity, ""), nil
	}
	res, e := h.ptxWrite(in, stmts, exists)
	h.tokens.finish(in.ClientRequestToken, res)
	if e != nil {
		return nil, e
	}
	return res.reply(in.ReturnConsumedCapacity, ""), nil
}

// existsBody returns the SELECT inside a statement of the form
// EXISTS(SELECT ...), and whether it had that form; otherwise the statement
// itself.
func existsBody(stmt string) (string, bool) {
	s := strings.TrimSpace(stmt)
	if len(s) < len("exists") || !strings.EqualFold(s[:len("exists")], "exists") {
		return stmt, false
	}
	rest := strings.TrimSpace(s[len("exists"):])
	rest = strings.TrimSpace(strings.TrimSuffix(rest, ";"))
	if len(rest) < 2 || rest[0] != '(' || rest[len(rest)-1] != ')' {
		return stmt, false
	}
	return rest[1 : len(rest)-1], true
}

// ptxTarget resolves a SELECT's (or EXISTS's) item: its table, key, and a
// condition made of the WHERE's other terms (and, for EXISTS, that the
// item exists).
func (h *Handler) ptxTarget(st *partiql.Statement, exists bool) (*shard.Table, shard.Key, *expr.Condition, *Error) {
	if st.Index != "" {
		// An index names no item by the table's key.
		return nil, nil, nil, validationError(partiql.MsgIncompleteKey)
	}
	t, e := h.table(st.Table)
	if e != nil {
		return nil, nil, nil, e
	}
	ks := t.Schema()
	key, rest, e := whereKey(ks, st.Where)
	if e != nil {
		return nil, nil, nil, e
	}
	k, e := validateKey(ks, key)
	if e != nil {
		return nil, nil, nil, e
	}
	if exists {
		rest = append([]*partiql.Node{partiql.Exists(ks.HashName)}, rest...)
	}
	if len(rest) == 0 {
		return t, k, nil, nil
	}
	comp, err := partiql.Compile(partiql.And(rest), nil, nil)
	if err != nil {
		return nil, nil, nil, partiqlError(err)
	}
	return t, k, comp.Cond, nil
}

// ptxRead runs a transaction of SELECTs.
func (h *Handler) ptxRead(in *ExecuteTransactionInput, stmts []*partiql.Statement) ([]byte, *Error) {
	reads := make([]ptxRead, len(stmts))
	refs := make([]shard.Ref, len(stmts))
	seen := make(map[string]struct{}, len(stmts))
	for i, st := range stmts {
		t, k, cond, e := h.ptxTarget(st, false)
		if e != nil {
			return nil, e
		}
		shape, err := partiql.NewProjection(st.Proj)
		if err != nil {
			return nil, partiqlError(err)
		}
		id := t.Name() + "\x00" + string(k)
		if _, dup := seen[id]; dup {
			return nil, validationError(msgTransactSameItem)
		}
		seen[id] = struct{}{}
		reads[i] = ptxRead{t: t, k: k, cond: cond, shape: shape}
		refs[i] = shard.Ref{Table: t, Key: k}
	}
	ents, total, e := h.getManyBounded(refs)
	if e != nil {
		return nil, e
	}
	out := make([]byte, 0, 64+total*2)
	out = append(out, `{"Responses":[`...)
	var units txWriteResult
	for i, ent := range ents {
		r := &reads[i]
		if i > 0 {
			out = append(out, ',')
		}
		units.tableUnits(r.t.Name()).read += txUnitsFactor * attr.ReadUnits(ent.Size(), true)
		if !ent.Exists() {
			out = append(out, "{}"...)
			continue
		}
		it, err := ent.Item()
		if err != nil {
			return nil, internalError("stored item is unreadable: " + err.Error())
		}
		if r.cond != nil && !r.cond.Eval(it) {
			out = append(out, "{}"...)
			continue
		}
		if r.shape != nil {
			it = r.shape.Apply(it)
		}
		out = append(out, `{"Item":`...)
		out = appendItem(out, it)
		out = append(out, '}')
	}
	out = append(out, ']')
	if mode := in.ReturnConsumedCapacity; mode == "TOTAL" || mode == "INDEXES" {
		out = append(out, ',')
		out = units.appendCapacity(out, mode)
	}
	return append(out, '}'), nil
}

// ptxWrite checks and carries out a transaction of writes.
func (h *Handler) ptxWrite(in *ExecuteTransactionInput, stmts []*partiql.Statement, exists []bool) (*txWriteResult, *Error) {
	ops := make([]shard.Op, len(stmts))
	seen := make(map[string]struct{}, len(stmts))
	for i, st := range stmts {
		opts := &WriteOptions{ReturnValuesOnConditionCheckFailure: in.Statements[i].ReturnValuesOnConditionCheckFailure}
		var w *partiqlWrite
		var e *Error
		switch {
		case exists[i]:
			var t *shard.Table
			var k shard.Key
			var cond *expr.Condition
			if t, k, cond, e = h.ptxTarget(st, true); e == nil {
				w = &partiqlWrite{t: t, k: k, decide: func(old shard.Entry) (shard.Write, error) {
					if _, err := checkCondition(old, cond, opts, false); err != nil {
						return shard.Write{}, err
					}
					return shard.Write{Skip: true}, nil
				}}
			}
		case st.Kind == partiql.Insert:
			w, e = h.partiqlInsertOp(st)
		case st.Kind == partiql.Update:
			w, e = h.partiqlUpdateOp(st, opts)
		default:
			w, e = h.partiqlDeleteOp(st, opts)
		}
		if e != nil {
			return nil, e
		}
		id := w.t.Name() + "\x00" + string(w.k)
		if _, dup := seen[id]; dup {
			return nil, validationError(msgTransactSameItem)
		}
		seen[id] = struct{}{}
		ops[i] = shard.Op{Table: w.t, Key: w.k, Decide: w.decide}
	}
	olds, curs, errs, err := h.store.MutateMany(ops)
	if errors.Is(err, shard.ErrCanceled) {
		reasons := make([]CancellationReason, len(ops))
		for i := range reasons {
			reasons[i].Code = "None"
			if errs[i] != nil {
				reasons[i] = txReason(errs[i])
			}
		}
		return nil, transactionCanceled(reasons)
	}
	if err != nil {
		return nil, toAPIError(err)
	}
	res := &txWriteResult{images: make([]txImage, len(ops))}
	for i, op := range ops {
		name := op.Table.Name()
		res.images[i] = txImage{name, max(olds[i].Size(), curs[i].Size())}
		u := res.tableUnits(name)
		switch {
		case exists[i]:
			// A check is priced as a transactional write of the item it
			// checks.
			u.write += txUnitsFactor * attr.WriteUnits(olds[i].Size())
			continue
		case stmts[i].Kind == partiql.Delete:
			u.write += txUnitsFactor * attr.WriteUnits(olds[i].Size())
		default:
			u.write += txUnitsFactor * writeUnits(olds[i], curs[i])
		}
		if in.ReturnConsumedCapacity != "INDEXES" {
			continue
		}
		if e := addIndexUnits(u, op.Table, olds[i], curs[i]); e != nil {
			return nil, e
		}
	}
	return res, nil
}

// addIndexUnits adds the (plain, undoubled) write units a write from old
// to cur cost each secondary index of t, as TransactWriteItems prices them.
func addIndexUnits(u *txTableUnits, t *shard.Table, old, cur shard.Entry) *Error {
	indexes := t.Indexes()
	if len(indexes) == 0 {
		return nil
	}
	oldItem, err := old.Item()
	if err != nil {
		return internalError("stored item is unreadable: " + err.Error())
	}
	curItem, err := cur.Item()
	if err != nil {
		return internalError("stored item is unreadable: " + err.Error())
	}
	for j := range indexes {
		if w := indexWriteUnits(&indexes[j], t.Schema(), oldItem, curItem); w > 0 {
			u.index(&indexes[j]).units += w
		}
	}
	return nil
}
