package dynamodb

import (
	"crypto/sha256"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// TransactWriteItems and TransactGetItems: every action is checked against
// its table first; then the writes are decided and applied all or nothing
// by one shard.Store.MutateMany (one log record), and the reads see one
// state through one shard.Store.GetMany.
//
// What fails where, as DynamoDB answers:
//   - a request's shape, an expression that does not parse or names
//     something undefined or unused, a key or index key attribute holding
//     an empty value, a missing table, two actions on one item: a plain
//     error of the whole request (ValidationException,
//     ResourceNotFoundException);
//   - a key that does not match the schema, a value of the wrong type for
//     an index key, an update writing a key attribute, a condition that
//     does not hold, an update that fails on the item (a wrong operand
//     type, an item grown past 400 KB): the action's reason in a
//     TransactionCanceledException ("ValidationError",
//     "ConditionalCheckFailed"), every other action's reason "None".

// msgTransactSameItem is DynamoDB's answer to two actions on one item.
const msgTransactSameItem = "Transaction request cannot include multiple operations on one item"

// txUnitsFactor: a transactional read or write costs twice a plain one
// (DynamoDB prepares, then commits, every item).
const txUnitsFactor = 2

// txTableUnits is the capacity a transaction consumed on one table.
type txTableUnits struct {
	table       string
	read, write float64
	// indexes are the write units of each secondary index written (only
	// computed for ReturnConsumedCapacity INDEXES), in schema order.
	indexes []txIndexUnits
}

type txIndexUnits struct {
	name  string
	local bool
	units float64
}

func (u *txTableUnits) index(ix *shard.IndexSchema) *txIndexUnits {
	for i := range u.indexes {
		if u.indexes[i].name == ix.Name {
			return &u.indexes[i]
		}
	}
	u.indexes = append(u.indexes, txIndexUnits{name: ix.Name, local: ix.Local})
	return &u.indexes[len(u.indexes)-1]
}

// txWriteResult is what a committed TransactWriteItems leaves for its
// reply (and for a repeat of its ClientRequestToken).
type txWriteResult struct {
	units []txTableUnits // tables in order of first use
	// images are, per action, its table and the size of the larger of the
	// item's two images: what a repeat of the token is billed on.
	images []txImage
	// metrics holds, per table with a local secondary index, the
	// ItemCollectionMetrics entries in action order (JSON).
	metrics []txTableMetrics
}

type txImage struct {
	table string
	size  int
}

type txTableMetrics struct {
	table   string
	entries []byte // JSON array elements, comma separated
}

func (r *txWriteResult) tableUnits(table string) *txTableUnits {
	for i := range r.units {
		if r.units[i].table == table {
			return &r.units[i]
		}
	}
	r.units = append(r.units, txTableUnits{table: table})
	return &r.units[len(r.units)-1]
}

// replay is the result a repeat of a committed transaction's token
// answers with: DynamoDB bills the repeat as a transactional read of the
// items the first call wrote (the larger of each item's two images, 2 read
// units per 4 KB), since it reads the recorded outcome and writes nothing.
func (r *txWriteResult) replay() *txWriteResult {
	out := &txWriteResult{metrics: r.metrics}
	for _, im := range r.images {
		out.tableUnits(im.table).read += txUnitsFactor * attr.ReadUnits(im.size, true)
	}
	return out
}

// reply is TransactWriteItems' reply for the request's options.
func (r *txWriteResult) reply(capacityMode, metricsMode string) []byte {
	out := make([]byte, 0, 128)
	out = append(out, '{')
	if capacityMode == "TOTAL" || capacityMode == "INDEXES" {
		out = r.appendCapacity(out, capacityMode)
	}
	if metricsMode == "SIZE" && len(r.metrics) > 0 {
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = r.appendMetrics(out)
	}
	return append(out, '}')
}

// appendCapacity appends the reply's "ConsumedCapacity" member.
func (r *txWriteResult) appendCapacity(dst []byte, mode string) []byte {
	dst = append(dst, `"ConsumedCapacity":[`...)
	for i, u := range r.units {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendTxCapacity(dst, mode, u)
	}
	return append(dst, ']')
}

// appendMetrics appends the reply's "ItemCollectionMetrics" member.
func (r *txWriteResult) appendMetrics(dst []byte) []byte {
	dst = append(dst, `"ItemCollectionMetrics":{`...)
	for i, m := range r.metrics {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, m.table)
		dst = append(dst, ":["...)
		dst = append(dst, m.entries...)
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

// appendTxCapacity appends one table's ConsumedCapacity of a transaction,
// with the read and write units apart as DynamoDB gives them for
// transactions; in INDEXES mode, the table's own part and each index's.
func appendTxCapacity(dst []byte, mode string, u txTableUnits) []byte {
	units := func(dst []byte, read, write float64) []byte {
		dst = append(dst, `"CapacityUnits":`...)
		dst = appendFloat(dst, read+write)
		if read > 0 {
			dst = append(dst, `,"ReadCapacityUnits":`...)
			dst = appendFloat(dst, read)
		}
		if write > 0 {
			dst = append(dst, `,"WriteCapacityUnits":`...)
			dst = appendFloat(dst, write)
		}
		return dst
	}
	indexWrites := 0.0
	for _, ix := range u.indexes {
		indexWrites += ix.units
	}
	dst = append(dst, '{')
	dst = units(dst, u.read, u.write+indexWrites)
	dst = append(dst, `,"TableName":`...)
	dst = appendJSONString(dst, u.table)
	if mode == "INDEXES" {
		dst = append(dst, `,"Table":{`...)
		dst = units(dst, u.read, u.write)
		dst = append(dst, '}')
		for _, local := range []bool{false, true} {
			n := 0
			for _, ix := range u.indexes {
				if ix.local != local {
					continue
				}
				if n == 0 {
					if local {
						dst = append(dst, `,"LocalSecondaryIndexes":{`...)
					} else {
						dst = append(dst, `,"GlobalSecondaryIndexes":{`...)
					}
				} else {
					dst = append(dst, ',')
				}
				n++
				dst = appendJSONString(dst, ix.name)
				dst = append(dst, ':', '{')
				dst = units(dst, 0, ix.units)
				dst = append(dst, '}')
			}
			if n > 0 {
				dst = append(dst, '}')
			}
		}
	}
	return append(dst, '}')
}

// indexWriteUnits is what a write from old to cur (nil: no item) costs
// one secondary index, as DynamoDB prices index maintenance: nothing when
// the item is in the index neither before nor after, or its projection
// did not change; one write of the projected item when it enters, leaves
// or changes in place; two (a delete and a put) when its index key
// changed.
func indexWriteUnits(ix *shard.IndexSchema, table shard.KeySchema, old, cur attr.Item) float64 {
	inOld, inCur := inIndex(ix, old), inIndex(ix, cur)
	switch {
	case !inOld && !inCur:
		return 0
	case !inCur:
		return attr.WriteUnits(attr.ItemSize(projectFor(ix, table, old)))
	case !inOld:
		return attr.WriteUnits(attr.ItemSize(projectFor(ix, table, cur)))
	}
	po, pc := projectFor(ix, table, old), projectFor(ix, table, cur)
	for _, name := range ix.KeyNames() {
		if !attr.Equal(old[name], cur[name]) {
			return attr.WriteUnits(attr.ItemSize(po)) + attr.WriteUnits(attr.ItemSize(pc))
		}
	}
	if itemKeyString(po) == itemKeyString(pc) {
		return 0
	}
	return attr.WriteUnits(attr.ItemSize(pc))
}

// inIndex reports whether an item has an entry in the index (it has the
// index's key attributes, of their types).
func inIndex(ix *shard.IndexSchema, it attr.Item) bool {
	if it == nil {
		return false
	}
	hash, rng := ix.KeyAttrs()
	for _, a := range append(hash[:len(hash):len(hash)], rng...) {
		if v, ok := it[a.Name]; !ok || v.Type != a.Type {
			return false
		}
	}
	return true
}

// projectFor is the item as the index holds it.
func projectFor(ix *shard.IndexSchema, table shard.KeySchema, it attr.Item) attr.Item {
	if ix.Projection == shard.ProjectAll {
		return it
	}
	out := attr.Item{}
	keep := func(name string) {
		if v, ok := it[name]; ok && name != "" {
			out[name] = v
		}
	}
	keep(table.HashName)
	keep(table.RangeName)
	for _, name := range ix.KeyNames() {
		keep(name)
	}
	if ix.Projection == shard.ProjectInclude {
		for _, name := range ix.NonKeyAttributes {
			keep(name)
		}
	}
	return out
}

// txPrepared is one action checked against its table.
type txPrepared struct {
	t   *shard.Table
	k   shard.Key
	err *Error // the action's ValidationError reason, if it has one
}

// txKeyError sorts an error of a key or item check: an empty key value
// fails the whole request (in DynamoDB's wording for items); anything else
// is the action's reason.
func txKeyError(e *Error) (request, reason *Error) {
	if strings.Contains(e.Message, "cannot contain an empty") {
		return validationError(strings.Replace(e.Message, "One or more parameter values were invalid: ",
			"One or more parameter values are not valid. ", 1)), nil
	}
	return nil, e
}

// prepareTxWrite resolves an action's table and checks its key (or item)
// and, for an update, what it writes.
func (h *Handler) prepareTxWrite(a *TransactWriteAction) (txPrepared, *Error) {
	t, e := h.table(a.TableName)
	if e != nil {
		return txPrepared{}, e
	}
	p := txPrepared{t: t}
	ks := t.Schema()
	if a.Kind == txPut {
		if p.k, e = validateItem(ks, a.Item); e == nil {
			e = checkIndexKeys(t.Indexes(), a.Item)
		}
	} else {
		p.k, e = validateKey(ks, a.Key)
		if e == nil && a.Kind == txUpdate {
			e = checkUpdateTargets(ks, t.Indexes(), a.Update)
		}
	}
	if e != nil {
		req, reason := txKeyError(e)
		if req != nil {
			return p, req
		}
		p.err = reason
	}
	return p, nil
}

func (h *Handler) transactWriteItems(in *TransactWriteItemsInput) ([]byte, *Error) {
	if in.ClientRequestToken == "" {
		res, e := h.transactWrite(in)
		if e != nil {
			return nil, e
		}
		return res.reply(in.ReturnConsumedCapacity, in.ReturnItemCollectionMetrics), nil
	}
	replay, e, run := h.tokens.begin(in.ClientRequestToken, in.fingerprint)
	if e != nil {
		return nil, e
	}
	if !run {
		return replay.reply(in.ReturnConsumedCapacity, in.ReturnItemCollectionMetrics), nil
	}
	res, e := h.transactWrite(in)
	h.tokens.finish(in.ClientRequestToken, res)
	if e != nil {
		return nil, e
	}
	return res.reply(in.ReturnConsumedCapacity, in.ReturnItemCollectionMetrics), nil
}

// transactWrite checks and carries out a TransactWriteItems.
func (h *Handler) transactWrite(in *TransactWriteItemsInput) (*txWriteResult, *Error) {
	prep := make([]txPrepared, len(in.Actions))
	invalid := false
	for i := range in.Actions {
		var e *Error
		if prep[i], e = h.prepareTxWrite(&in.Actions[i]); e != nil {
			return nil, e
		}
		invalid = invalid || prep[i].err != nil
	}
	seen := make(map[string]struct{}, len(prep))
	for i := range prep {
		if prep[i].k == nil {
			continue
		}
		id := prep[i].t.Name() + "\x00" + string(prep[i].k)
		if _, dup := seen[id]; dup {
			return nil, validationError(msgTransactSameItem)
		}
		seen[id] = struct{}{}
	}

	ops := make([]shard.Op, 0, len(in.Actions))
	for i := range in.Actions {
		if prep[i].err != nil {
			continue
		}
		a := &in.Actions[i]
		opts := &WriteOptions{}
		if a.ReturnOld {
			opts.ReturnValuesOnConditionCheckFailure = "ALL_OLD"
		}
		indexes := prep[i].t.Indexes()
		ops = append(ops, shard.Op{Table: prep[i].t, Key: prep[i].k, Decide: func(old shard.Entry) (shard.Write, error) {
			switch a.Kind {
			case txUpdate:
				_, _, w, err := decideUpdate(old, a.Key, a.Update, a.Cond, opts, indexes)
				return w, err
			case txPut:
				if _, err := checkCondition(old, a.Cond, opts, false); err != nil {
					return shard.Write{}, err
				}
				return shard.Write{Item: a.Item}, nil
			}
			if _, err := checkCondition(old, a.Cond, opts, false); err != nil {
				return shard.Write{}, err
			}
			if a.Kind == txCheck || !old.Exists() {
				return shard.Write{Skip: true}, nil
			}
			return shard.Write{Delete: true}, nil
		}})
	}

	var olds2, curs []shard.Entry
	var errs []error
	var err error
	if invalid {
		// Some action is invalid: nothing is written, but the others'
		// conditions are still evaluated, on one state, for their reasons.
		refs := make([]shard.Ref, len(ops))
		for i, op := range ops {
			refs[i] = shard.Ref{Table: op.Table, Key: op.Key}
		}
		ents := h.store.GetMany(refs)
		errs = make([]error, len(ops))
		for i, op := range ops {
			_, errs[i] = op.Decide(ents[i])
		}
		err = shard.ErrCanceled
	} else {
		olds2, curs, errs, err = h.store.MutateMany(ops)
	}
	if errors.Is(err, shard.ErrCanceled) {
		reasons := make([]CancellationReason, len(in.Actions))
		j := 0
		for i := range in.Actions {
			reasons[i].Code = "None"
			if prep[i].err != nil {
				reasons[i] = CancellationReason{Code: "ValidationError", Message: prep[i].err.Message}
				continue
			}
			if errs != nil && errs[j] != nil {
				reasons[i] = txReason(errs[j])
			}
			j++
		}
		return nil, transactionCanceled(reasons)
	}
	if err != nil {
		return nil, toAPIError(err)
	}

	res := &txWriteResult{images: make([]txImage, len(in.Actions))}
	for i := range in.Actions {
		a := &in.Actions[i]
		res.images[i] = txImage{a.TableName, max(olds2[i].Size(), curs[i].Size())}
		u := res.tableUnits(a.TableName)
		switch a.Kind {
		case txCheck:
			// A ConditionCheck is priced as a transactional write of
			// the item it checks.
			u.write += txUnitsFactor * attr.WriteUnits(olds2[i].Size())
			continue
		case txDelete:
			u.write += txUnitsFactor * attr.WriteUnits(olds2[i].Size())
		default:
			u.write += txUnitsFactor * writeUnits(olds2[i], curs[i])
		}
		if in.ReturnConsumedCapacity != "INDEXES" {
			continue
		}
		indexes := prep[i].t.Indexes()
		if len(indexes) == 0 {
			continue
		}
		oldItem, err := olds2[i].Item()
		if err != nil {
			return nil, internalError("stored item is unreadable: " + err.Error())
		}
		curItem, err := curs[i].Item()
		if err != nil {
			return nil, internalError("stored item is unreadable: " + err.Error())
		}
		for j := range indexes {
			// An index write is not doubled: DynamoDB charges a
			// transaction's index maintenance as a plain write.
			if w := indexWriteUnits(&indexes[j], prep[i].t.Schema(), oldItem, curItem); w > 0 {
				u.index(&indexes[j]).units += w
			}
		}
	}
	if in.ReturnItemCollectionMetrics == "SIZE" {
		for i := range in.Actions {
			a := &in.Actions[i]
			t := prep[i].t
			if a.Kind == txCheck || !hasLocalIndex(t) {
				continue
			}
			key := a.Key
			if a.Kind == txPut {
				key = a.Item
			}
			var m *txTableMetrics
			for j := range res.metrics {
				if res.metrics[j].table == a.TableName {
					m = &res.metrics[j]
				}
			}
			if m == nil {
				res.metrics = append(res.metrics, txTableMetrics{table: a.TableName})
				m = &res.metrics[len(res.metrics)-1]
			} else {
				m.entries = append(m.entries, ',')
			}
			hn := t.Schema().HashName
			m.entries = append(m.entries, `{"ItemCollectionKey":{`...)
			m.entries = appendAttr(m.entries, 0, hn, key[hn])
			m.entries = append(m.entries, `},"SizeEstimateRangeGB":[0.0,1.0]}`...)
		}
	}
	return res, nil
}

// txReason turns an action's decision error into its cancellation reason.
func txReason(err error) CancellationReason {
	e := toAPIError(err)
	switch {
	case strings.HasSuffix(e.Type, "#ConditionalCheckFailedException"):
		return CancellationReason{Code: "ConditionalCheckFailed", Message: e.Message, Item: e.Item}
	case strings.HasSuffix(e.Type, "#ValidationException"):
		return CancellationReason{Code: "ValidationError", Message: e.Message}
	case strings.HasSuffix(e.Type, "#DuplicateItemException"):
		// ExecuteTransaction's INSERT of an existing item.
		return CancellationReason{Code: "DuplicateItem", Message: e.Message}
	}
	return CancellationReason{Code: "InternalError", Message: e.Message}
}

// --- ClientRequestToken ----------------------------------------------------

// txTokenLife is how long a token is remembered after its transaction
// committed (DynamoDB: 10 minutes).
const txTokenLife = 10 * time.Minute

// maxTxTokens bounds the tokens remembered: past it, the oldest committed
// ones are forgotten before their txTokenLife is up (at about 400 committed
// transactions a second, sustained over ten minutes).
const maxTxTokens = 1 << 18

// txTokens remembers the ClientRequestTokens of recent TransactWriteItems,
// in memory: a repeat of a committed transaction's token within
// txTokenLife answers as the first did without writing again. Tokens do not
// survive a restart.
//
// The SDKs give every TransactWriteItems a token, so at a high rate many
// thousands are live: they are kept without pointers the garbage collector
// would scan (a token by its hash, its reply as one byte slice).
// Committed tokens expire in the order they committed (the life is the
// same for all), so they are also kept in a queue in that order, and
// expired ones are dropped from its head: O(1) a call.
type txTokens struct {
	mu struct {
		sync.Mutex
		m     map[txTokenID]txToken
		queue []txTokenID // committed tokens, oldest first; queue[head:] is live
		head  int
	}
	now   func() time.Time // nil: time.Now (tests set a clock)
	limit int              // 0: maxTxTokens (tests set less)
}

type txTokenID [sha256.Size]byte

type txToken struct {
	fingerprint [sha256.Size]byte
	expires     int64    // Unix nanoseconds; 0 while the transaction runs
	replay      txReplay // what a repeat answers
}

// txReplay is the reply of a repeated token, in pieces: the ConsumedCapacity
// member for TOTAL and for INDEXES, then the ItemCollectionMetrics member.
type txReplay struct {
	buf  []byte
	offs [2]int32
}

func newTxReplay(res *txWriteResult) txReplay {
	rp := res.replay()
	var r txReplay
	r.buf = rp.appendCapacity(r.buf, "TOTAL")
	r.offs[0] = int32(len(r.buf))
	r.buf = rp.appendCapacity(r.buf, "INDEXES")
	r.offs[1] = int32(len(r.buf))
	if len(rp.metrics) > 0 {
		r.buf = rp.appendMetrics(r.buf)
	}
	return r
}

// reply assembles the repeat's reply for its own options.
func (r txReplay) reply(capacityMode, metricsMode string) []byte {
	out := make([]byte, 0, len(r.buf)+2)
	out = append(out, '{')
	switch capacityMode {
	case "TOTAL":
		out = append(out, r.buf[:r.offs[0]]...)
	case "INDEXES":
		out = append(out, r.buf[r.offs[0]:r.offs[1]]...)
	}
	if metricsMode == "SIZE" && int(r.offs[1]) < len(r.buf) {
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, r.buf[r.offs[1]:]...)
	}
	return append(out, '}')
}

func (tt *txTokens) clock() time.Time {
	if tt.now != nil {
		return tt.now()
	}
	return time.Now()
}

// begin claims token for a transaction with the given fingerprint. It
// returns run when the caller is to carry it out (and then call finish);
// otherwise the reply for a repeat of a committed transaction, or the
// error for a token in use by a different request or by one still running.
func (tt *txTokens) begin(token, fingerprint string) (replay txReplay, e *Error, run bool) {
	id := txTokenID(sha256.Sum256([]byte(token)))
	fp := sha256.Sum256([]byte(fingerprint))
	now := tt.clock().UnixNano()
	tt.mu.Lock()
	defer tt.mu.Unlock()
	if tt.mu.m == nil {
		tt.mu.m = make(map[txTokenID]txToken)
	}
	tt.expireLocked(now)
	if tk, ok := tt.mu.m[id]; ok {
		switch {
		case tk.fingerprint != fp:
			return txReplay{}, idempotentParameterMismatch(), false
		case tk.expires == 0:
			return txReplay{}, transactionInProgress(), false
		}
		return tk.replay, nil, false
	}
	tt.mu.m[id] = txToken{fingerprint: fp}
	return txReplay{}, nil, true
}

// finish records the outcome of the transaction begin let run: a committed
// one (res not nil) is remembered for txTokenLife, a failed one forgotten
// (its token may be used again).
func (tt *txTokens) finish(token string, res *txWriteResult) {
	id := txTokenID(sha256.Sum256([]byte(token)))
	var replay txReplay
	if res != nil {
		replay = newTxReplay(res)
	}
	now := tt.clock()
	tt.mu.Lock()
	defer tt.mu.Unlock()
	if res == nil {
		delete(tt.mu.m, id)
		return
	}
	tk := tt.mu.m[id]
	tk.replay, tk.expires = replay, now.Add(txTokenLife).UnixNano()
	tt.mu.m[id] = tk
	tt.mu.queue = append(tt.mu.queue, id)
	limit := tt.limit
	if limit <= 0 {
		limit = maxTxTokens
	}
	for len(tt.mu.queue)-tt.mu.head > limit {
		tt.dropHeadLocked()
	}
}

// expireLocked drops the committed tokens whose life is over.
// REQUIRES: tt.mu held.
func (tt *txTokens) expireLocked(now int64) {
	for tt.mu.head < len(tt.mu.queue) {
		tk, ok := tt.mu.m[tt.mu.queue[tt.mu.head]]
		if ok && tk.expires != 0 && now < tk.expires {
			return
		}
		tt.dropHeadLocked()
	}
}

// dropHeadLocked forgets the oldest committed token, and compacts the
// queue once its dead front is as long as its live part.
// REQUIRES: tt.mu held.
func (tt *txTokens) dropHeadLocked() {
	id := tt.mu.queue[tt.mu.head]
	if tk, ok := tt.mu.m[id]; ok && tk.expires != 0 {
		delete(tt.mu.m, id)
	}
	tt.mu.head++
	if tt.mu.head >= len(tt.mu.queue)-tt.mu.head {
		n := copy(tt.mu.queue, tt.mu.queue[tt.mu.head:])
		tt.mu.queue = tt.mu.queue[:n]
		tt.mu.head = 0
	}
}

// --- TransactGetItems ------------------------------------------------------

// maxTransactGetBytes bounds the items TransactGetItems returns.
const maxTransactGetBytes = 4 << 20

// msgTransactGetTooLarge answers a TransactGetItems whose items add up to
// more than 4 MB.
const msgTransactGetTooLarge = "Total size of the items in the transaction exceeds the limit of 4 MB"

func (h *Handler) transactGetItems(in *TransactGetItemsInput) ([]byte, *Error) {
	refs := make([]shard.Ref, len(in.Gets))
	reasons := make([]*Error, len(in.Gets))
	invalid := false
	for i := range in.Gets {
		g := &in.Gets[i]
		t, e := h.table(g.TableName)
		if e != nil {
			return nil, e
		}
		ks := t.Schema()
		k, e := validateKey(ks, g.Key)
		if e != nil {
			req, reason := txKeyError(e)
			if req != nil {
				return nil, req
			}
			reasons[i], invalid = reason, true
			continue
		}
		if g.Proj != nil {
			if e := checkKeyPaths(ks, g.Proj.Paths()); e != nil {
				return nil, e
			}
		}
		refs[i] = shard.Ref{Table: t, Key: k}
	}
	if invalid {
		out := make([]CancellationReason, len(in.Gets))
		for i := range out {
			out[i].Code = "None"
			if reasons[i] != nil {
				out[i] = CancellationReason{Code: "ValidationError", Message: reasons[i].Message}
			}
		}
		return nil, transactionCanceled(out)
	}
	seen := make(map[string]struct{}, len(refs))
	for _, r := range refs {
		id := r.Table.Name() + "\x00" + string(r.Key)
		if _, dup := seen[id]; dup {
			return nil, validationError(msgTransactSameItem)
		}
		seen[id] = struct{}{}
	}
	ents, total, e := h.getManyBounded(refs)
	if e != nil {
		return nil, e
	}
	out := make([]byte, 0, 64+total*2)
	out = append(out, `{"Responses":[`...)
	var units txWriteResult
	for i, ent := range ents {
		g := &in.Gets[i]
		if i > 0 {
			out = append(out, ',')
		}
		units.tableUnits(g.TableName).read += txUnitsFactor * attr.ReadUnits(ent.Size(), true)
		if !ent.Exists() {
			out = append(out, "{}"...)
			continue
		}
		if g.Proj == nil {
			out = append(out, `{"Item":`...)
			var e *Error
			if out, e = h.appendEntryJSON(out, g.TableName, refs[i].Key, ent); e != nil {
				return nil, e
			}
			out = append(out, '}')
			continue
		}
		it, err := ent.Item()
		if err != nil {
			return nil, internalError("stored item is unreadable: " + err.Error())
		}
		if it = g.Proj.Apply(it); len(it) == 0 {
			out = append(out, "{}"...)
			continue
		}
		out = append(out, `{"Item":`...)
		out = appendItem(out, it)
		out = append(out, '}')
	}
	out = append(out, ']')
	if mode := in.ReturnConsumedCapacity; mode == "TOTAL" || mode == "INDEXES" {
		out = append(out, `,"ConsumedCapacity":[`...)
		for i, u := range units.units {
			if i > 0 {
				out = append(out, ',')
			}
			out = appendTxCapacity(out, mode, u)
		}
		out = append(out, ']')
	}
	return append(out, '}'), nil
}

// getManyBounded reads refs as one state (shard.Store.GetMany) and refuses
// a read whose items pass the transactional 4 MB; it returns the entries
// and their total size.
func (h *Handler) getManyBounded(refs []shard.Ref) ([]shard.Entry, int, *Error) {
	ents := h.store.GetMany(refs)
	total := 0
	for _, ent := range ents {
		total += ent.Size()
	}
	if total > maxTransactGetBytes {
		return nil, 0, validationError(msgTransactGetTooLarge)
	}
	return ents, total, nil
}
