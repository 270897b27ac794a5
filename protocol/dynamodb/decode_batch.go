package dynamodb

import (
	"sort"
	"strconv"

	"github.com/dynacache/dynacache/shard/attr"
)

// BatchGetItem and BatchWriteItem.

func tableNameKeys() schCheck {
	return keysCheck(maxLen(255), minLen(3), nameRegex())
}

// requestItemsEmptyFor marks RequestItems so that an empty map is "The
// requestItems parameter is required for <op>", as DynamoDB answers it
// (recorded by conformance suites of the AWS SDKs, 2026; some regions
// have since moved to "Value at 'RequestItems' failed to satisfy
// constraint: ..."). dynalite answers the length constraint instead.
func requestItemsEmptyFor(op string, f *schField) *schField {
	f.emptyFor = op
	return f
}

var batchGetItemSchema = []*schField{
	fReturnConsumedCapacity(),
	requestItemsEmptyFor("BatchGetItem", fMap("RequestItems", "KeysAndAttributes", fValueStruct("", "KeysAndAttributes", []*schField{
		// Over 100 keys: "Value at 'RequestItems.t.member.Keys' ...", as
		// DynamoDB words it (recorded by a conformance suite of the AWS
		// SDK for JavaScript, 2026).
		fList("Keys", &schField{typ: stParamMap, elem: avValueShape}, notNull(), minLen(1), bareCheck(maxLen(100))),
		fStrings("AttributesToGet", minLen(1), maxLen(255)),
		fBool("ConsistentRead"),
		fString("ProjectionExpression"),
		fNames(),
	}), notNull(), minLen(1), tableNameKeys())),
}

var batchWriteItemSchema = []*schField{
	fReturnConsumedCapacity(),
	fReturnItemCollectionMetrics(),
	requestItemsEmptyFor("BatchWriteItem", fMap("RequestItems", "java.util.List<com.amazonaws.dynamodb.v20120810.WriteRequest>",
		&schField{typ: stParamList, elem: fValueStruct("", "WriteRequest", []*schField{
			fFieldStruct("DeleteRequest", "DeleteRequest", []*schField{fAttrMap("Key", notNull())}),
			fFieldStruct("PutRequest", "PutRequest", []*schField{fAttrMap("Item", notNull())}),
		})},
		notNull(), minLen(1), tableNameKeys(), valuesCheck(maxLen(25), minLen(1)))),
}

// objOrEmpty returns v, or an empty object when v is null or absent.
func objOrEmpty(v *jv) *jv {
	if v == nil || v.kind != jvObject {
		return &jv{kind: jvObject}
	}
	return v
}

func decodeBatchGetItem(body []byte) (*BatchGetItemInput, *Error) {
	data, e := decPrepare(body, batchGetItemSchema)
	if e != nil {
		return nil, e
	}
	reqs := data.present("RequestItems")
	in := &BatchGetItemInput{
		Tables:                 make([]string, 0, len(reqs.kids)),
		RequestItems:           make(map[string]*KeysAndAttributes, len(reqs.kids)),
		ReturnConsumedCapacity: noneToEmpty(jStr(data, "ReturnConsumedCapacity")),
	}
	numReqs := 0
	for i := range reqs.kids {
		table := reqs.kids[i].key
		td := objOrEmpty(&reqs.kids[i].val)
		if msg := checkExpressionParams(td, []string{"ProjectionExpression"}, []string{"AttributesToGet"}); msg != "" {
			return nil, validationError(msg)
		}
		toGet := jStrings(td, "AttributesToGet")
		if dup, ok := findDuplicateString(toGet); ok {
			return nil, validationError(msgInvalid + "Duplicate value in attribute name: " + dup)
		}
		parsed, e := parseExpressions(td)
		if e != nil {
			return nil, e
		}
		ka := &KeysAndAttributes{ConsistentRead: jBool(td, "ConsistentRead")}
		var seen map[string]struct{}
		if keys := td.present("Keys"); keys != nil {
			ka.Keys = make([]attr.Item, 0, len(keys.kids))
			seen = make(map[string]struct{}, len(keys.kids))
			for j := range keys.kids {
				key, msg := avItem(objOrEmpty(&keys.kids[j].val))
				if msg != "" {
					return nil, validationError(msg)
				}
				ks := itemKeyString(key)
				if _, dup := seen[ks]; dup {
					return nil, validationError("Provided list of item keys contains duplicates")
				}
				seen[ks] = struct{}{}
				numReqs++
				if numReqs > 100 {
					return nil, validationError("Too many items requested for the BatchGetItem call")
				}
				ka.Keys = append(ka.Keys, key)
			}
		}
		if ka.Proj, e = projection(parsed, toGet); e != nil {
			return nil, e
		}
		in.Tables = append(in.Tables, table)
		in.RequestItems[table] = ka
	}
	return in, nil
}

// itemKeyString is a canonical string of a key, equal for equal keys.
func itemKeyString(it attr.Item) string {
	names := make([]string, 0, len(it))
	for k := range it {
		names = append(names, k)
	}
	sort.Strings(names)
	var b []byte
	for _, k := range names {
		b = appendKeyPart(b, k)
		b = appendCanonValue(b, it[k])
	}
	return string(b)
}

func appendKeyPart(b []byte, s string) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	return append(b, s...)
}

func appendCanonValue(b []byte, v attr.Value) []byte {
	b = append(b, byte(v.Type))
	switch v.Type {
	case attr.S, attr.N, attr.B:
		return appendKeyPart(b, v.Str)
	case attr.BOOL:
		if v.Bool {
			return append(b, '1')
		}
		return append(b, '0')
	case attr.SS, attr.NS, attr.BS:
		set := append([]string(nil), v.Set...)
		sort.Strings(set)
		b = strconv.AppendInt(b, int64(len(set)), 10)
		for _, s := range set {
			b = appendKeyPart(b, s)
		}
	case attr.L:
		b = strconv.AppendInt(b, int64(len(v.List)), 10)
		for _, e := range v.List {
			b = appendCanonValue(b, e)
		}
	case attr.M:
		b = append(b, itemKeyString(attr.Item(v.Map))...)
		b = append(b, ';')
	}
	return b
}

func decodeBatchWriteItem(body []byte) (*BatchWriteItemInput, *Error) {
	data, e := decPrepare(body, batchWriteItemSchema)
	if e != nil {
		return nil, e
	}
	reqs := data.present("RequestItems")
	in := &BatchWriteItemInput{
		Tables:                      make([]string, 0, len(reqs.kids)),
		RequestItems:                make(map[string][]WriteRequest, len(reqs.kids)),
		ReturnConsumedCapacity:      noneToEmpty(jStr(data, "ReturnConsumedCapacity")),
		ReturnItemCollectionMetrics: noneToEmpty(jStr(data, "ReturnItemCollectionMetrics")),
	}
	for i := range reqs.kids {
		table := reqs.kids[i].key
		list := &reqs.kids[i].val
		for j := range list.kids {
			r := &list.kids[j].val
			if r.kind != jvObject || (r.present("PutRequest") == nil && r.present("DeleteRequest") == nil) {
				return nil, validationError(msgAVMultiple)
			}
		}
		out := make([]WriteRequest, 0, len(list.kids))
		for j := range list.kids {
			r := &list.kids[j].val
			if put := r.present("PutRequest"); put != nil {
				item, msg := avItem(put.present("Item"))
				if msg != "" {
					return nil, validationError(msg)
				}
				if attr.ItemSize(item) > attr.MaxItemSize {
					return nil, validationError("Item size has exceeded the maximum allowed size")
				}
				out = append(out, WriteRequest{Item: item})
			} else if del := r.present("DeleteRequest"); del != nil {
				key, msg := avItem(del.present("Key"))
				if msg != "" {
					return nil, validationError(msg)
				}
				out = append(out, WriteRequest{Key: key})
			}
		}
		in.Tables = append(in.Tables, table)
		in.RequestItems[table] = out
	}
	return in, nil
}
