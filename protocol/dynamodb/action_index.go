package dynamodb

import (
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/shard/expr"
)

// Secondary indexes as the read actions (Query, Scan) see them, and the
// pieces Query and Scan share.

// projectionType maps a description's ProjectionType to the store's.
func projectionType(p Projection) (shard.ProjectionType, []string) {
	switch p.ProjectionType {
	case "KEYS_ONLY":
		return shard.ProjectKeysOnly, nil
	case "INCLUDE":
		return shard.ProjectInclude, append([]string(nil), p.NonKeyAttributes...)
	}
	return shard.ProjectAll, nil
}

// readTarget is the table or index a Query or Scan reads.
type readTarget struct {
	t     *shard.Table
	table shard.KeySchema
	index *shard.IndexSchema // nil: the table
	keys  shard.KeySchema    // the index's key schema, or the table's
	// startNames are the attributes of an ExclusiveStartKey: the table's
	// keys, then the index's.
	startNames []string
	// keyAttrs are the key attributes of the index (or table), partition
	// attributes (the first hashAttrs) first: more than two for a
	// multi-attribute index key.
	keyAttrs  []shard.KeyAttr
	hashAttrs int
}

// composite reports whether the target is an index with a
// multi-attribute key.
func (r *readTarget) composite() bool { return r.index != nil && r.index.Composite() }

func (r *readTarget) global() bool { return r.index != nil && !r.index.Local }

// projectsAll reports whether reading the target yields whole items.
func (r *readTarget) projectsAll() bool {
	return r.index == nil || r.index.Projection == shard.ProjectAll
}

// resolveTarget finds the table and index of a read, with dynalite's
// first checks.
func (h *Handler) resolveTarget(table, index string, consistent bool) (*readTarget, *Error) {
	t, e := h.table(table)
	if e != nil {
		return nil, e
	}
	r := &readTarget{t: t, table: t.Schema(), keys: t.Schema()}
	r.startNames = keyNames(r.table)
	r.keyAttrs, r.hashAttrs = keyAttrsOf(r.table), 1
	if index == "" {
		return r, nil
	}
	for _, ix := range t.Indexes() {
		if ix.Name == index {
			r.index = &ix
			break
		}
	}
	if r.index == nil {
		return nil, validationError("The table does not have the specified index: " + index)
	}
	if !r.index.Local && consistent {
		return nil, validationError("Consistent reads are not supported on global secondary indexes")
	}
	r.keys = r.index.Key
	hash, rng := r.index.KeyAttrs()
	r.keyAttrs, r.hashAttrs = append(append([]shard.KeyAttr(nil), hash...), rng...), len(hash)
	for _, n := range r.index.KeyNames() {
		if !slices.Contains(r.startNames, n) {
			r.startNames = append(r.startNames, n)
		}
	}
	return r, nil
}

func keyNames(ks shard.KeySchema) []string {
	if ks.HasRange() {
		return []string{ks.HashName, ks.RangeName}
	}
	return []string{ks.HashName}
}

func keyAttrsOf(ks shard.KeySchema) []shard.KeyAttr {
	out := []shard.KeyAttr{{Name: ks.HashName, Type: ks.HashType}}
	if ks.HasRange() {
		out = append(out, shard.KeyAttr{Name: ks.RangeName, Type: ks.RangeType})
	}
	return out
}

func keyTypes(ks shard.KeySchema) []attr.Type {
	if ks.HasRange() {
		return []attr.Type{ks.HashType, ks.RangeType}
	}
	return []attr.Type{ks.HashType}
}

// projectedNames returns the attributes an index holds (nil for ALL).
func (r *readTarget) projectedNames() []string {
	if r.projectsAll() {
		return nil
	}
	var out []string
	add := func(n string) {
		if n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	for _, n := range keyNames(r.table) {
		add(n)
	}
	for _, n := range r.index.KeyNames() {
		add(n)
	}
	for _, n := range r.index.NonKeyAttributes {
		add(n)
	}
	return out
}

// checkStartPiece is dynalite's validateKeyPiece for a start key.
func checkStartPiece(key attr.Item, name string, t attr.Type, hash bool) *Error {
	v, ok := key[name]
	if !ok || v.Type != t {
		return validationError("The provided key element does not match the schema")
	}
	return checkKeyPiece(name, v, hash, false)
}

// checkTableStartKey validates the table key part of an ExclusiveStartKey
// and returns it encoded.
func (r *readTarget) checkTableStartKey(esk attr.Item) (shard.Key, *Error) {
	sub := make(attr.Item, 2)
	for _, n := range keyNames(r.table) {
		if v, ok := esk[n]; ok {
			sub[n] = v
		}
	}
	k, e := validateKey(r.table, sub)
	if e != nil {
		return nil, validationError("The provided starting key is invalid: " + e.Message)
	}
	return k, nil
}

// start returns the store's start position for a validated start key.
func (r *readTarget) start(tableKey shard.Key, esk attr.Item) (*shard.Start, *Error) {
	st := &shard.Start{Key: tableKey}
	if r.index != nil {
		ik, ok := r.index.EncodeIndexKey(esk)
		if !ok {
			return nil, validationError("The provided starting key is invalid")
		}
		st.IndexKey = ik
	}
	return st, nil
}

// checkPathsOnKeys is dynalite's validateKeyPaths: no nested path into a
// table key attribute or any index key attribute.
func checkPathsOnKeys(t *shard.Table, paths []expr.Path) *Error {
	nested := map[string]bool{}
	for _, p := range paths {
		if len(p) > 1 {
			nested[p[0].Name] = true
		}
	}
	if len(nested) == 0 {
		return nil
	}
	for _, n := range keyNames(t.Schema()) {
		if nested[n] {
			return validationError("Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: " + n)
		}
	}
	for _, ix := range t.Indexes() {
		names := ix.KeyNames()
		if ix.Local {
			names = names[1:]
		}
		for _, n := range names {
			if nested[n] {
				return validationError("Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: IndexKey: " + n)
			}
		}
	}
	return nil
}

// checkSelect applies DynamoDB's rules on Select, the projection and the
// index's projection.
func (r *readTarget) checkSelect(sel string, proj *expr.Projection, legacyProj bool, _ *expr.Condition) (string, *Error) {
	what := "ProjectionExpression"
	if legacyProj {
		what = "AttributesToGet"
	}
	switch sel {
	case "":
		switch {
		case proj != nil:
			sel = "SPECIFIC_ATTRIBUTES"
		case r.index != nil:
			sel = "ALL_PROJECTED_ATTRIBUTES"
		default:
			sel = "ALL_ATTRIBUTES"
		}
	case "ALL_ATTRIBUTES":
		if proj != nil {
			return "", validationError("Cannot specify the " + what + " when choosing to get ALL_ATTRIBUTES")
		}
	case "ALL_PROJECTED_ATTRIBUTES":
		if proj != nil {
			return "", validationError("Cannot specify the " + what + " when choosing to get ALL_PROJECTED_ATTRIBUTES")
		}
		if r.index == nil {
			return "", validationError("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName")
		}
	case "COUNT":
		if proj != nil {
			return "", validationError("Cannot specify the " + what + " when choosing to get only the Count")
		}
	case "SPECIFIC_ATTRIBUTES":
		if proj == nil {
			return "", validationError("Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES")
		}
	}
	if !r.global() || r.projectsAll() {
		return sel, nil
	}
	if sel == "ALL_ATTRIBUTES" {
		return "", validationError("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index " +
			r.index.Name + " because its projection type is not ALL")
	}
	have := r.projectedNames()
	missing := func(paths []expr.Path) []string {
		var out []string
		for _, p := range paths {
			if n := p[0].Name; !slices.Contains(have, n) && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
		sort.Strings(out)
		return out
	}
	if proj != nil && sel != "COUNT" {
		if m := missing(proj.Paths()); len(m) > 0 {
			return "", validationError("One or more parameter values were invalid: Global secondary index " + r.index.Name +
				" does not project [" + strings.Join(m, ", ") + "]")
		}
	}
	return sel, nil
}

// checkQueryFilter refuses a Query of a secondary index (global or local)
// whose filter names attributes the index does not project. A Scan of the
// index accepts such a filter, as DynamoDB does: it sees the projected
// items, where those attributes are missing.
func (r *readTarget) checkQueryFilter(filter *expr.Condition) *Error {
	if filter == nil || r.index == nil || r.projectsAll() {
		return nil
	}
	have := r.projectedNames()
	var m []string
	for _, p := range filter.Paths() {
		if n := p[0].Name; !slices.Contains(have, n) && !slices.Contains(m, n) {
			m = append(m, n)
		}
	}
	if len(m) == 0 {
		return nil
	}
	sort.Strings(m)
	return validationError("One or more parameter values were invalid: Secondary index " + r.index.Name +
		" does not project one or more filter attributes: [" + strings.Join(m, ", ") + "]")
}

// readErr maps a store read error.
func readErr(err error, index string) *Error {
	switch {
	case errors.Is(err, shard.ErrIndexBackfilling):
		return validationError("Cannot read from backfilling global secondary index: " + index)
	case errors.Is(err, shard.ErrIndexNotFound):
		return validationError("The table does not have the specified index: " + index)
	}
	return internalError(err.Error())
}

// maxPageBytes is DynamoDB's limit on the data one Query or Scan page reads
// (before filtering).
const maxPageBytes = 1 << 20

// page collects one Query or Scan page.
type page struct {
	r          *readTarget
	sel        string
	filter     *expr.Condition
	proj       *expr.Projection
	limit      int
	projected  []string // the index's attributes; nil: whole items
	fetch      bool     // read whole items from the table (LSI)
	rangeKey   string   // the table's sort key, for page sizes
	scanned    int
	count      int
	size       int // page bytes, as DynamoDB counts them toward 1 MB
	tableBytes int // item sizes read from the table
	indexBytes int // projected item sizes read from the index
	last       attr.Item
	items      []byte
	err        *Error
	stop       *stopper // nil: never stops
}

func newPage(r *readTarget, sel string, filter *expr.Condition, proj *expr.Projection, limit int) *page {
	p := &page{r: r, sel: sel, filter: filter, proj: proj, limit: limit, rangeKey: r.table.RangeName}
	p.projected = r.projectedNames()
	if r.index != nil && r.index.Local && p.projected != nil {
		// A local index reads the rest of an item from the table when asked
		// for attributes it does not project.
		switch {
		case sel == "ALL_ATTRIBUTES":
			p.fetch = true
		case sel == "SPECIFIC_ATTRIBUTES" && proj != nil:
			for _, path := range proj.Paths() {
				if !slices.Contains(p.projected, path[0].Name) {
					p.fetch = true
				}
			}
		}
	}
	p.items = append(p.items, '[')
	return p
}

// add takes one item read; it returns false when the page is full.
func (p *page) add(hit shard.Hit) bool {
	if e := p.stop.check(); e != nil {
		p.err = e
		return false
	}
	full, err := hit.Entry.Item()
	if err != nil {
		p.err = internalError("stored item is unreadable: " + err.Error())
		return false
	}
	stored := full
	if p.projected != nil {
		stored = make(attr.Item, len(p.projected))
		for _, n := range p.projected {
			if v, ok := full[n]; ok {
				stored[n] = v
			}
		}
	}
	p.scanned++
	p.last = full
	p.size += pageItemSize(stored, p.rangeKey)
	if p.r.index == nil {
		p.tableBytes += hit.Entry.Size()
	} else {
		// An index read is charged for the index's item: what it
		// projects, not the whole table item.
		if p.projected != nil {
			p.indexBytes += attr.ItemSize(stored)
		} else {
			p.indexBytes += hit.Entry.Size()
		}
		if p.fetch {
			p.tableBytes += attr.ItemSize(full)
		}
	}
	// The filter sees what the read sees: a secondary index's projected
	// item (a Scan may name attributes the index does not hold; they are
	// missing there), the whole item when a local index fetches it.
	seen := stored
	if p.fetch {
		seen = full
	}
	if p.filter == nil || p.filter.Eval(seen) {
		p.count++
		if p.sel != "COUNT" {
			out := stored
			if p.fetch {
				out = full
			}
			if p.proj != nil {
				out = p.proj.Apply(out)
			}
			if p.count > 1 {
				p.items = append(p.items, ',')
			}
			p.items = appendItem(p.items, out)
		}
	}
	return !((p.limit > 0 && p.scanned >= p.limit) || p.size >= maxPageBytes)
}

// reply builds the page's reply.
func (p *page) reply(capacityMode string, consistent bool) []byte {
	out := make([]byte, 0, len(p.items)+256)
	out = append(out, '{')
	if p.sel != "COUNT" {
		out = append(out, `"Items":`...)
		out = append(out, p.items...)
		out = append(out, "],"...)
	}
	out = append(out, `"Count":`...)
	out = appendInt(out, p.count)
	out = append(out, `,"ScannedCount":`...)
	out = appendInt(out, p.scanned)
	if p.scanned > 0 && ((p.limit > 0 && p.scanned >= p.limit) || p.size >= maxPageBytes) {
		out = append(out, `,"LastEvaluatedKey":`...)
		key := make(attr.Item, len(p.r.startNames))
		for _, n := range p.r.startNames {
			if v, ok := p.last[n]; ok {
				key[n] = v
			}
		}
		out = appendItem(out, key)
	}
	if capacityMode == "TOTAL" || capacityMode == "INDEXES" {
		out = append(out, ',')
		out = p.appendReadCapacity(out, capacityMode, consistent)
	}
	return append(out, '}')
}

// readUnits is a Query's or Scan's read capacity: the sizes read summed,
// rounded up to 4 KB, halved when eventually consistent.
func readUnits(bytes int, consistent bool) float64 {
	u := float64((bytes + 4095) / 4096)
	if !consistent {
		u /= 2
	}
	return u
}

func (p *page) appendReadCapacity(dst []byte, mode string, consistent bool) []byte {
	var tableUnits, indexUnits float64
	if p.r.index == nil {
		tableUnits = attr.ReadUnits(p.tableBytes, consistent)
	} else {
		indexUnits = attr.ReadUnits(p.indexBytes, consistent)
		if p.fetch {
			tableUnits = readUnits(p.tableBytes, consistent)
		}
	}
	dst = append(dst, `"ConsumedCapacity":{"CapacityUnits":`...)
	dst = appendFloat(dst, tableUnits+indexUnits)
	dst = append(dst, `,"TableName":`...)
	dst = appendJSONString(dst, p.r.t.Name())
	if mode == "INDEXES" {
		dst = append(dst, `,"Table":{"CapacityUnits":`...)
		dst = appendFloat(dst, tableUnits)
		dst = append(dst, '}')
		if p.r.index != nil {
			if p.r.index.Local {
				dst = append(dst, `,"LocalSecondaryIndexes":{`...)
			} else {
				dst = append(dst, `,"GlobalSecondaryIndexes":{`...)
			}
			dst = appendJSONString(dst, p.r.index.Name)
			dst = append(dst, `:{"CapacityUnits":`...)
			dst = appendFloat(dst, indexUnits)
			dst = append(dst, "}}"...)
		}
	}
	return append(dst, '}')
}

func appendInt(dst []byte, n int) []byte {
	return strconv.AppendInt(dst, int64(n), 10)
}

// pageItemSize is the size DynamoDB counts for an item toward a page's
// 1 MB: its stored size, where attribute names take one byte, values carry
// a small length prefix and the sort key is counted per 3 KB of item (as
// dynalite models it to match DynamoDB's page boundaries).
func pageItemSize(it attr.Item, rangeKey string) int {
	rangeSize, size := 0, 0
	for name, v := range it {
		if name == rangeKey {
			rangeSize = storedValueSize(v, false)
			continue
		}
		size += storedValueSize(v, true) + 1
	}
	return 2 + size + (1+(1+size)/3072)*(18+rangeSize)
}

func storedValueSize(v attr.Value, compress bool) int {
	size := rawValueSize(v, compress)
	if !compress {
		return size
	}
	switch v.Type {
	case attr.S:
		switch {
		case size < 128:
			return size + 1
		case size < 16384:
			return size + 2
		}
		return size + 3
	case attr.B, attr.N:
		return size + 1
	case attr.SS, attr.NS, attr.BS:
		return size + len(v.Set) + 1
	case attr.NULL:
		return 0
	case attr.BOOL:
		return 1
	}
	return size
}

func rawValueSize(v attr.Value, compress bool) int {
	switch v.Type {
	case attr.L:
		n := 3
		for _, e := range v.List {
			n += 1 + storedValueSize(e, compress)
		}
		return n
	case attr.M:
		n := 3 + len(v.Map)
		for k, e := range v.Map {
			n += storedValueSize(e, compress)
			if compress {
				n++
			} else {
				n += len(k)
			}
		}
		return n
	}
	return attr.ValueSize(v)
}
