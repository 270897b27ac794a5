package dynamodb

import (
	"errors"
	"strings"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/shard/expr"
)

// table returns the named table or DynamoDB's error for item operations.
func (h *Handler) table(name string) (*shard.Table, *Error) {
	t, ok := h.store.Table(name)
	if !ok {
		return nil, resourceNotFound("Requested resource not found")
	}
	return t, nil
}

// checkKeyPiece validates one key attribute value as DynamoDB does. inItem
// selects the wording DynamoDB uses for a whole item (PutItem) rather than a
// Key parameter.
func checkKeyPiece(name string, v attr.Value, hash, inItem bool) *Error {
	if (v.Type == attr.S || v.Type == attr.B) && v.Str == "" {
		kind := "string"
		if v.Type == attr.B {
			kind = "binary"
		}
		prefix := "One or more parameter values were invalid: "
		if inItem {
			prefix = "One or more parameter values are not valid. "
		}
		return validationError(prefix + "The AttributeValue for a key attribute cannot contain an empty " + kind + " value. Key: " + name)
	}
	if v.Type == attr.N {
		return nil
	}
	if hash && len(v.Str) > attr.MaxHashKeySize {
		return validationError("One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes")
	}
	if !hash && len(v.Str) > attr.MaxRangeKeySize {
		return validationError("One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes")
	}
	return nil
}

// validateKey checks a Key parameter against the table's schema and returns
// the encoded key.
func validateKey(ks shard.KeySchema, key attr.Item) (shard.Key, *Error) {
	n := 1
	if ks.HasRange() {
		n = 2
	}
	mismatch := func() *Error { return validationError("The provided key element does not match the schema") }
	if len(key) != n {
		return nil, mismatch()
	}
	check := func(name string, t attr.Type, hash bool) *Error {
		v, ok := key[name]
		if !ok || v.Type != t {
			return mismatch()
		}
		return checkKeyPiece(name, v, hash, false)
	}
	if e := check(ks.HashName, ks.HashType, true); e != nil {
		return nil, e
	}
	if ks.HasRange() {
		if e := check(ks.RangeName, ks.RangeType, false); e != nil {
			return nil, e
		}
	}
	k, err := ks.EncodeKey(key)
	if err != nil {
		return nil, mismatch()
	}
	return k, nil
}

// eachIndexKey calls fn for every index key attribute in DynamoDB's order
// (indexes in schema order, GSIs before LSIs; partition key, then sort key;
// an LSI's partition key is the table's and is skipped) and returns the
// first error.
func eachIndexKey(indexes []shard.IndexSchema, fn func(ix *shard.IndexSchema, name string, t attr.Type) *Error) *Error {
	for i := range indexes {
		ix := &indexes[i]
		hash, rng := ix.KeyAttrs()
		if !ix.Local {
			for _, a := range hash {
				if e := fn(ix, a.Name, a.Type); e != nil {
					return e
				}
			}
		}
		for _, a := range rng {
			if e := fn(ix, a.Name, a.Type); e != nil {
				return e
			}
		}
	}
	return nil
}

func indexTypeMismatch(ix *shard.IndexSchema, name string, want, got attr.Type) *Error {
	return validationError("One or more parameter values were invalid: Type mismatch for Index Key " + name + " Expected: " + want.String() + " Actual: " + got.String() + " IndexName: " + ix.Name)
}

// checkIndexKeys checks an item's values for the table's index key
// attributes: where present they must have the index key's type and, for
// strings and binaries, not be empty.
func checkIndexKeys(indexes []shard.IndexSchema, item attr.Item) *Error {
	return eachIndexKey(indexes, func(ix *shard.IndexSchema, name string, t attr.Type) *Error {
		v, ok := item[name]
		if !ok {
			return nil
		}
		if v.Type != t {
			return indexTypeMismatch(ix, name, t, v.Type)
		}
		if (t == attr.S || t == attr.B) && v.Str == "" {
			kind := "string"
			if t == attr.B {
				kind = "binary"
			}
			return validationError("One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty " + kind + " value. IndexName: " + ix.Name + ", IndexKey: " + name)
		}
		return checkIndexKeySize(ix, name, v)
	})
}

// checkStaticIndexTypes rejects, before the item is read, an update that
// writes a value of the wrong type to an index key attribute when that type
// is known from the request alone (a literal value, a function's result).
func checkStaticIndexTypes(indexes []shard.IndexSchema, actions []expr.ActionInfo) *Error {
	return eachIndexKey(indexes, func(ix *shard.IndexSchema, name string, want attr.Type) *Error {
		for _, a := range actions {
			if len(a.Path) == 1 && a.Path[0].Name == name {
				if a.Type != attr.TypeInvalid && a.Type != want {
					return indexTypeMismatch(ix, name, want, a.Type)
				}
				return nil
			}
		}
		return nil
	})
}

func isIndexKeyAttr(indexes []shard.IndexSchema, name string) bool {
	for i := range indexes {
		k := &indexes[i].Key
		if (!indexes[i].Local && k.HashName == name) || (k.HasRange() && k.RangeName == name) {
			return true
		}
	}
	return false
}

// checkUpdatedIndexKeys checks the index key attributes of an item an
// update produced. DynamoDB words a wrong type there as a run-time error of
// the update rather than PutItem's type mismatch.
func checkUpdatedIndexKeys(indexes []shard.IndexSchema, item attr.Item) *Error {
	e := checkIndexKeys(indexes, item)
	if e != nil && strings.Contains(e.Message, "Type mismatch for Index Key") {
		return validationError("The update expression attempted to update the secondary index key to unsupported type")
	}
	return e
}

// validateItem checks a whole item's key attributes and returns its key.
func validateItem(ks shard.KeySchema, item attr.Item) (shard.Key, *Error) {
	check := func(name string, t attr.Type, hash bool) *Error {
		v, ok := item[name]
		if !ok {
			return validationError("One or more parameter values were invalid: Missing the key " + name + " in the item")
		}
		if v.Type != t {
			return validationError("One or more parameter values were invalid: Type mismatch for key " + name + " expected: " + t.String() + " actual: " + v.Type.String())
		}
		return checkKeyPiece(name, v, hash, true)
	}
	if e := check(ks.HashName, ks.HashType, true); e != nil {
		return nil, e
	}
	if ks.HasRange() {
		if e := check(ks.RangeName, ks.RangeType, false); e != nil {
			return nil, e
		}
	}
	k, err := ks.EncodeKey(item)
	if err != nil {
		return nil, internalError(err.Error())
	}
	return k, nil
}

func isKeyAttr(ks shard.KeySchema, name string) bool {
	return name == ks.HashName || (ks.HasRange() && name == ks.RangeName)
}

// checkKeyPaths rejects document paths that reach inside a key attribute.
func checkKeyPaths(ks shard.KeySchema, paths []expr.Path) *Error {
	for _, p := range paths {
		if len(p) > 1 && isKeyAttr(ks, p[0].Name) {
			return validationError("Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: " + p[0].Name)
		}
	}
	return nil
}

// capacity appends ",\"ConsumedCapacity\":{...}" when asked for.
func appendCapacity(dst []byte, mode, table string, units float64) []byte {
	if mode != "TOTAL" && mode != "INDEXES" {
		return dst
	}
	dst = append(dst, `"ConsumedCapacity":{"CapacityUnits":`...)
	dst = appendFloat(dst, units)
	dst = append(dst, `,"TableName":`...)
	dst = appendJSONString(dst, table)
	if mode == "INDEXES" {
		dst = append(dst, `,"Table":{"CapacityUnits":`...)
		dst = appendFloat(dst, units)
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

func writeUnits(old, cur shard.Entry) float64 {
	u := attr.WriteUnits(cur.Size())
	if o := attr.WriteUnits(old.Size()); o > u {
		u = o
	}
	return u
}

// writeReply builds the reply of PutItem, UpdateItem and DeleteItem. key is
// the item's key (or the item), for ItemCollectionMetrics.
//
// old and cur are the item before and after the write, for the units its
// indexes were charged.
func writeReply(t *shard.Table, key, attrs attr.Item, opts *WriteOptions, units float64, old, cur shard.Entry) []byte {
	out := make([]byte, 0, 64)
	out = append(out, '{')
	if len(attrs) > 0 {
		out = append(out, `"Attributes":`...)
		out = appendItem(out, attrs)
	}
	if opts.ReturnConsumedCapacity == "TOTAL" || opts.ReturnConsumedCapacity == "INDEXES" {
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = appendWriteCapacity(out, opts.ReturnConsumedCapacity, t.Name(), units, writeIndexUnits(t, old, cur))
	}
	// DynamoDB reports item collection metrics only for tables with local
	// secondary indexes, where item collections have a size limit.
	if opts.ReturnItemCollectionMetrics == "SIZE" && hasLocalIndex(t) {
		if len(out) > 1 {
			out = append(out, ',')
		}
		hn := t.Schema().HashName
		out = append(out, `"ItemCollectionMetrics":{"ItemCollectionKey":{`...)
		out = appendAttr(out, 0, hn, key[hn])
		out = append(out, `},"SizeEstimateRangeGB":[0.0,1.0]}`...)
	}
	return append(out, '}')
}

func hasLocalIndex(t *shard.Table) bool {
	for _, ix := range t.Indexes() {
		if ix.Local {
			return true
		}
	}
	return false
}

// condFailed builds a ConditionalCheckFailedException, with the old item
// when the request asked for it.
func condFailed(opts *WriteOptions, old attr.Item) *Error {
	if opts.ReturnValuesOnConditionCheckFailure == "ALL_OLD" && old != nil {
		return conditionalCheckFailed(old)
	}
	return conditionalCheckFailed(nil)
}

// apiError carries an *Error through shard.Mutate's decide callback.
type apiError struct{ e *Error }

func (a apiError) Error() string { return a.e.Error() }

func toAPIError(err error) *Error {
	if a, ok := err.(apiError); ok {
		return a.e
	}
	if errors.Is(err, shard.ErrTableNotFound) {
		return resourceNotFound("Requested resource not found")
	}
	return internalError(err.Error())
}

// checkCondition runs inside a write's decision, under the shard lock: it
// decodes the current item when the write needs it (needOld, or a
// condition to evaluate) and fails with ConditionalCheckFailedException
// when cond does not hold. It returns the decoded item (nil: none, or not
// needed).
func checkCondition(old shard.Entry, cond *expr.Condition, opts *WriteOptions, needOld bool) (attr.Item, error) {
	var oldItem attr.Item
	if needOld || cond != nil {
		var err error
		if oldItem, err = decodeEntry(old); err != nil {
			return nil, err
		}
	}
	if cond != nil && !cond.Eval(oldItem) {
		return oldItem, apiError{condFailed(opts, oldItem)}
	}
	return oldItem, nil
}

func decodeEntry(e shard.Entry) (attr.Item, error) {
	it, err := e.Item()
	if err != nil {
		return nil, apiError{internalError("stored item is unreadable: " + err.Error())}
	}
	return it, nil
}

func (h *Handler) putItem(in *PutItemInput) ([]byte, *Error) {
	t, e := h.table(in.TableName)
	if e != nil {
		return nil, e
	}
	k, e := validateItem(t.Schema(), in.Item)
	if e != nil {
		return nil, e
	}
	if e := checkIndexKeys(t.Indexes(), in.Item); e != nil {
		return nil, e
	}
	var oldItem attr.Item
	needOld := in.Cond != nil || in.ReturnValues == "ALL_OLD"
	old, cur, err := t.Mutate(k, func(old shard.Entry) (shard.Write, error) {
		var err error
		if oldItem, err = checkCondition(old, in.Cond, &in.WriteOptions, needOld); err != nil {
			return shard.Write{}, err
		}
		return shard.Write{Item: in.Item}, nil
	})
	if err != nil {
		return nil, toAPIError(err)
	}
	var attrs attr.Item
	if in.ReturnValues == "ALL_OLD" {
		attrs = oldItem
	}
	return writeReply(t, in.Item, attrs, &in.WriteOptions, writeUnits(old, cur), old, cur), nil
}

func (h *Handler) getItem(in *GetItemInput) ([]byte, *Error) {
	t, e := h.table(in.TableName)
	if e != nil {
		return nil, e
	}
	ks := t.Schema()
	k, e := validateKey(ks, in.Key)
	if e != nil {
		return nil, e
	}
	if in.Proj != nil {
		if e := checkKeyPaths(ks, in.Proj.Paths()); e != nil {
			return nil, e
		}
	}
	ent, ok := t.Get(k)
	out := make([]byte, 0, 128+len(ent.Encoded())*2)
	out = append(out, '{')
	if ok {
		out = append(out, `"Item":`...)
		if in.Proj == nil {
			if out, e = h.appendEntryJSON(out, in.TableName, k, ent); e != nil {
				return nil, e
			}
		} else {
			it, err := ent.Item()
			if err != nil {
				return nil, internalError("stored item is unreadable: " + err.Error())
			}
			out = appendItem(out, in.Proj.Apply(it))
		}
	}
	if in.ReturnConsumedCapacity == "TOTAL" || in.ReturnConsumedCapacity == "INDEXES" {
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = appendCapacity(out, in.ReturnConsumedCapacity, in.TableName, attr.ReadUnits(ent.Size(), in.ConsistentRead))
	}
	return append(out, '}'), nil
}

func (h *Handler) deleteItem(in *DeleteItemInput) ([]byte, *Error) {
	t, e := h.table(in.TableName)
	if e != nil {
		return nil, e
	}
	k, e := validateKey(t.Schema(), in.Key)
	if e != nil {
		return nil, e
	}
	var oldItem attr.Item
	needOld := in.Cond != nil || in.ReturnValues == "ALL_OLD"
	old, cur, err := t.Mutate(k, func(old shard.Entry) (shard.Write, error) {
		var err error
		if oldItem, err = checkCondition(old, in.Cond, &in.WriteOptions, needOld); err != nil {
			return shard.Write{}, err
		}
		if !old.Exists() {
			return shard.Write{Skip: true}, nil
		}
		return shard.Write{Delete: true}, nil
	})
	if err != nil {
		return nil, toAPIError(err)
	}
	var attrs attr.Item
	if in.ReturnValues == "ALL_OLD" {
		attrs = oldItem
	}
	return writeReply(t, in.Key, attrs, &in.WriteOptions, attr.WriteUnits(old.Size()), old, cur), nil
}

func (h *Handler) updateItem(in *UpdateItemInput) ([]byte, *Error) {
	t, e := h.table(in.TableName)
	if e != nil {
		return nil, e
	}
	ks := t.Schema()
	k, e := validateKey(ks, in.Key)
	if e != nil {
		return nil, e
	}
	indexes := t.Indexes()
	if e := checkUpdateTargets(ks, indexes, in.Update); e != nil {
		return nil, e
	}
	var oldItem, newItem attr.Item
	old, cur, err := t.Mutate(k, func(old shard.Entry) (shard.Write, error) {
		var w shard.Write
		var err error
		oldItem, newItem, w, err = decideUpdate(old, in.Key, in.Update, in.Cond, &in.WriteOptions, indexes)
		return w, err
	})
	if err != nil {
		return nil, toAPIError(err)
	}
	var attrs attr.Item
	switch in.ReturnValues {
	case "ALL_OLD":
		attrs = oldItem
	case "ALL_NEW":
		attrs = newItem
	case "UPDATED_OLD", "UPDATED_NEW":
		src := oldItem
		if in.ReturnValues == "UPDATED_NEW" {
			src = newItem
		}
		if in.Update != nil && src != nil {
			attrs = in.Update.UpdatedPaths().Apply(src)
		}
	}
	return writeReply(t, in.Key, attrs, &in.WriteOptions, writeUnits(old, cur), old, cur), nil
}

// checkUpdateTargets makes the checks of an update that need the table but
// not the item: no key attribute is updated, and index key attributes get
// values of their type (where the request alone tells) and no paths inside
// them.
func checkUpdateTargets(ks shard.KeySchema, indexes []shard.IndexSchema, upd *expr.Update) *Error {
	if upd == nil {
		return nil
	}
	targets := upd.Targets()
	for _, p := range targets {
		if isKeyAttr(ks, p[0].Name) {
			return validationError("One or more parameter values were invalid: Cannot update attribute " + p[0].Name + ". This attribute is part of the key")
		}
	}
	if e := checkStaticIndexTypes(indexes, upd.Actions()); e != nil {
		return e
	}
	for _, p := range targets {
		if len(p) > 1 && isIndexKeyAttr(indexes, p[0].Name) {
			return validationError("Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: IndexKey: " + p[0].Name)
		}
	}
	return nil
}

// decideUpdate is an update's decision, under the item's lock: the
// condition, then the update applied to the current item (or to the key
// alone when there is none), then the new item's size and index keys. It
// returns the old and new items and the write.
func decideUpdate(old shard.Entry, key attr.Item, upd *expr.Update, cond *expr.Condition, opts *WriteOptions, indexes []shard.IndexSchema) (oldItem, newItem attr.Item, w shard.Write, err error) {
	if oldItem, err = checkCondition(old, cond, opts, true); err != nil {
		return oldItem, nil, shard.Write{}, err
	}
	if oldItem == nil && onlyRemoves(upd) {
		// Nothing to remove from an item that is not there: DynamoDB
		// creates no item (ALL_NEW then returns nothing), whatever the
		// paths, REMOVE a.b included.
		return nil, nil, shard.Write{Skip: true}, nil
	}
	var base attr.Item
	if oldItem != nil {
		base = oldItem.Clone()
	} else {
		base = key.Clone()
	}
	newItem = base
	if upd != nil {
		if newItem, err = upd.Apply(base); err != nil {
			return oldItem, nil, shard.Write{}, apiError{validationError(err.Error())}
		}
	}
	if attr.ItemSize(newItem) > attr.MaxItemSize {
		return oldItem, nil, shard.Write{}, apiError{validationError("Item size to update has exceeded the maximum allowed size")}
	}
	if e := checkUpdatedIndexKeys(indexes, newItem); e != nil {
		return oldItem, nil, shard.Write{}, apiError{e}
	}
	return oldItem, newItem, shard.Write{Item: newItem}, nil
}
