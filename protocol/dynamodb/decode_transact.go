package dynamodb

import (
	"slices"
	"strconv"
	"strings"

	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/shard/expr"
)

// TransactWriteItems and TransactGetItems: the request shapes of botocore's
// service-2.json (TransactWriteItem, ConditionCheck, Put, Delete, Update,
// TransactGetItem, Get), checked in member order as the other operations
// are, then each action's own checks.

// maxTransactItems is the most actions one transaction may hold.
const maxTransactItems = 100

// maxTransactBytes bounds the aggregate size of a transaction's items.
const maxTransactBytes = 4 << 20

func fTransactExprMembers() []*schField {
	return []*schField{
		fString("ConditionExpression"),
		fNames(),
		fEAV(),
		fReturnValuesOnConditionCheckFailure(),
	}
}

var transactWriteItemsSchema = []*schField{
	fList("TransactItems", fValueStruct("", "TransactWriteItem", []*schField{
		fFieldStruct("ConditionCheck", "ConditionCheck", append([]*schField{
			fAttrMap("Key", notNull()),
			fItemTableName(),
			fString("ConditionExpression", notNull()),
		}, fTransactExprMembers()[1:]...)),
		fFieldStruct("Put", "Put", append([]*schField{
			fAttrMap("Item", notNull()),
			fItemTableName(),
		}, fTransactExprMembers()...)),
		fFieldStruct("Delete", "Delete", append([]*schField{
			fAttrMap("Key", notNull()),
			fItemTableName(),
		}, fTransactExprMembers()...)),
		fFieldStruct("Update", "Update", append([]*schField{
			fAttrMap("Key", notNull()),
			fString("UpdateExpression", notNull()),
			fItemTableName(),
		}, fTransactExprMembers()...)),
	}), notNull(), minLen(1), maxLen(maxTransactItems)),
	// DynamoDB reports a bad token ahead of the return options.
	fString("ClientRequestToken", minLen(1), maxLen(36)),
	fReturnConsumedCapacity(),
	fReturnItemCollectionMetrics(),
}

var transactGetItemsSchema = []*schField{
	fList("TransactItems", fValueStruct("", "TransactGetItem", []*schField{
		fFieldStruct("Get", "Get", []*schField{
			fAttrMap("Key", notNull()),
			fItemTableName(),
			fString("ProjectionExpression"),
			fNames(),
		}, notNull()),
	}), notNull(), minLen(1), maxLen(maxTransactItems)),
	fReturnConsumedCapacity(),
}

// The kinds of a TransactWriteItems action.
const (
	txCheck = iota
	txPut
	txDelete
	txUpdate
)

// txKindNames are the kinds as the wire names them.
var txKindNames = [...]string{txCheck: "ConditionCheck", txPut: "Put", txDelete: "Delete", txUpdate: "Update"}

// TransactWriteAction is one action of TransactWriteItems: Item is set for
// a Put, Key for the others.
type TransactWriteAction struct {
	Kind      int // txCheck, txPut, txDelete, txUpdate
	TableName string
	Item      attr.Item
	Key       attr.Item
	Cond      *expr.Condition
	Update    *expr.Update
	// ReturnOld is ReturnValuesOnConditionCheckFailure ALL_OLD.
	ReturnOld bool
	// size is the action's share of the 4 MB aggregate: the item of a Put,
	// the key and values of the others.
	size int
}

// TransactWriteItemsInput is a validated TransactWriteItems request.
type TransactWriteItemsInput struct {
	Actions                     []TransactWriteAction
	ReturnConsumedCapacity      string
	ReturnItemCollectionMetrics string
	ClientRequestToken          string
	// fingerprint is a canonical form of TransactItems: two requests with
	// the same token are the same request when their fingerprints are
	// equal.
	fingerprint string
}

// TransactGet is one Get of TransactGetItems.
type TransactGet struct {
	TableName string
	Key       attr.Item
	Proj      *expr.Projection
}

// TransactGetItemsInput is a validated TransactGetItems request.
type TransactGetItemsInput struct {
	Gets                   []TransactGet
	ReturnConsumedCapacity string
}

// msgTransactOneOf is DynamoDB's answer to an action with none, or more
// than one, of the four kinds.
const msgTransactOneOf = "TransactItems can only contain one of Check, Put, Update or Delete"

func decodeTransactWriteItems(body []byte) (*TransactWriteItemsInput, *Error) {
	data, e := decPrepare(body, transactWriteItemsSchema)
	if e != nil {
		return nil, e
	}
	items := data.present("TransactItems")
	in := &TransactWriteItemsInput{
		Actions:                     make([]TransactWriteAction, 0, len(items.kids)),
		ReturnConsumedCapacity:      noneToEmpty(jStr(data, "ReturnConsumedCapacity")),
		ReturnItemCollectionMetrics: noneToEmpty(jStr(data, "ReturnItemCollectionMetrics")),
		ClientRequestToken:          jStr(data, "ClientRequestToken"),
	}
	for i := range items.kids {
		ti := objOrEmpty(&items.kids[i].val)
		kind, n := -1, 0
		for k, name := range txKindNames {
			if ti.present(name) != nil {
				kind = k
				n++
			}
		}
		if n != 1 {
			return nil, validationError(msgTransactOneOf)
		}
		a, e := decodeTransactAction(kind, objOrEmpty(ti.present(txKindNames[kind])))
		if e != nil {
			return nil, e
		}
		in.Actions = append(in.Actions, a)
	}
	total := 0
	for i := range in.Actions {
		total += in.Actions[i].size
	}
	if total > maxTransactBytes {
		return nil, validationError(msgTransactTooLarge)
	}
	if in.ClientRequestToken != "" {
		in.fingerprint = string(appendCanonJV(nil, items))
	}
	return in, nil
}

// msgTransactTooLarge is the answer to a transaction whose items add up
// to more than 4 MB.
const msgTransactTooLarge = "Collection size of items exceeded, which can also be caused by the aggregate size of the items in the transaction exceeding the 4MB limit"

// decodeTransactAction checks one action's members: its expressions (as
// the single-item operation of its kind does) and its item or key.
func decodeTransactAction(kind int, d *jv) (TransactWriteAction, *Error) {
	a := TransactWriteAction{Kind: kind, TableName: jStr(d, "TableName"),
		ReturnOld: jStr(d, "ReturnValuesOnConditionCheckFailure") == "ALL_OLD"}
	exprs := []string{"ConditionExpression"}
	if kind == txUpdate {
		exprs = []string{"UpdateExpression", "ConditionExpression"}
	}
	if msg := checkExpressionParams(d, exprs, nil); msg != "" {
		return a, validationError(msg)
	}
	var msg string
	if kind == txPut {
		if a.Item, msg = avItem(d.present("Item")); msg != "" {
			return a, validationError(msg)
		}
		a.size = attr.ItemSize(a.Item)
		if a.size > attr.MaxItemSize {
			return a, validationError("Item size has exceeded the maximum allowed size")
		}
	} else {
		if a.Key, msg = avItem(d.present("Key")); msg != "" {
			return a, validationError(msg)
		}
		a.size = attr.ItemSize(a.Key)
	}
	parsed, e := parseExpressions(d)
	if e != nil {
		return a, e
	}
	if parsed != nil {
		a.Cond = parsed.Condition
		a.Update = parsed.Update
	}
	if kind == txUpdate {
		// The values an update writes count toward the aggregate.
		if vals := d.present("ExpressionAttributeValues"); vals != nil {
			for i := range vals.kids {
				if v, msg := avConv(&vals.kids[i].val, 0); msg == "" {
					a.size += attr.ItemSize(attr.Item{"": v})
				}
			}
		}
	}
	return a, nil
}

func decodeTransactGetItems(body []byte) (*TransactGetItemsInput, *Error) {
	data, e := decPrepare(body, transactGetItemsSchema)
	if e != nil {
		return nil, e
	}
	items := data.present("TransactItems")
	in := &TransactGetItemsInput{
		Gets:                   make([]TransactGet, 0, len(items.kids)),
		ReturnConsumedCapacity: noneToEmpty(jStr(data, "ReturnConsumedCapacity")),
	}
	for i := range items.kids {
		d := objOrEmpty(objOrEmpty(&items.kids[i].val).present("Get"))
		g := TransactGet{TableName: jStr(d, "TableName")}
		var msg string
		if g.Key, msg = avItem(d.present("Key")); msg != "" {
			return nil, validationError(msg)
		}
		if msg := checkExpressionParams(d, []string{"ProjectionExpression"}, nil); msg != "" {
			return nil, validationError(msg)
		}
		parsed, e := parseExpressions(d)
		if e != nil {
			return nil, e
		}
		if parsed != nil {
			g.Proj = parsed.Projection
		}
		in.Gets = append(in.Gets, g)
	}
	return in, nil
}

// appendCanonJV appends a canonical form of a checked JSON value: object
// members sorted by name, so equal requests give equal bytes whatever
// their member order.
func appendCanonJV(dst []byte, v *jv) []byte {
	if v == nil {
		return append(dst, 'n')
	}
	switch v.kind {
	case jvObject:
		var small [16]int
		idx := small[:0]
		if len(v.kids) > len(small) {
			idx = make([]int, 0, len(v.kids))
		}
		idx = idx[:len(v.kids)]
		for i := range idx {
			idx[i] = i
		}
		sortByKey(idx, v.kids)
		dst = append(dst, '{')
		for _, i := range idx {
			if v.kids[i].val.kind == jvNull {
				continue
			}
			dst = appendKeyPart(dst, v.kids[i].key)
			dst = appendCanonJV(dst, &v.kids[i].val)
		}
		return append(dst, '}')
	case jvArray:
		dst = append(dst, '[')
		dst = strconv.AppendInt(dst, int64(len(v.kids)), 10)
		for i := range v.kids {
			dst = append(dst, ',')
			dst = appendCanonJV(dst, &v.kids[i].val)
		}
		return append(dst, ']')
	case jvBool:
		if v.b {
			return append(dst, 't')
		}
		return append(dst, 'f')
	case jvNull:
		return append(dst, 'n')
	}
	dst = append(dst, byte('0'+v.kind))
	return appendKeyPart(dst, v.str)
}

func sortByKey(idx []int, kids []jvMem) {
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(kids[a].key, kids[b].key) })
}
