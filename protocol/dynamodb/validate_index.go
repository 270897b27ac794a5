package dynamodb

import (
	"strings"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/shard/expr"
)

// Checks of the indexes an UpdateTable creates (GlobalSecondaryIndexUpdates
// Create), beside CreateTable's in decode_table.go: first those of the
// request alone (updateTableIndexCreates, while decoding), then those
// against the table as it is (checkIndexCreates, under the control lock).

// msgIndexLimit is DynamoDB's LimitExceededException for more than one
// index created or deleted by one UpdateTable.
const msgIndexLimit = "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"

// checkProjectionMembers returns DynamoDB's refusal of a Projection: no
// type, NonKeyAttributes beside a type other than INCLUDE, INCLUDE without
// them ("ProjectionType is INCLUDE, but NonKeyAttributes is not
// specified", recorded against DynamoDB by conformance suites of the AWS
// SDKs), or a name listed twice. DynamoDB's wording for the last is not
// known; this uses the one it gives a name listed twice in
// AttributesToGet.
func checkProjectionMembers(proj *jv) string {
	pType := proj.present("ProjectionType")
	if pType == nil {
		return msgInvalid + "Unknown ProjectionType: null"
	}
	nonKey := proj.present("NonKeyAttributes")
	if nonKey != nil && pType.str != "INCLUDE" {
		return msgInvalid + "ProjectionType is " + pType.str + ", but NonKeyAttributes is specified"
	}
	if pType.str == "INCLUDE" {
		if nonKey == nil || len(nonKey.kids) == 0 {
			return msgInvalid + "ProjectionType is INCLUDE, but NonKeyAttributes is not specified"
		}
		if dup, ok := findDuplicateString(jStrings(proj, "NonKeyAttributes")); ok {
			return msgInvalid + "Duplicate value in attribute name: " + dup
		}
	}
	return ""
}

// updateTableIndexCreates checks the index creations of an UpdateTable
// request by themselves: each new index's projection, its key attributes
// defined in the request's own AttributeDefinitions (DynamoDB wants them
// there even when the table already knows their type: ScyllaDB's
// test_gsi_updatetable.py, checked against DynamoDB) and no attribute
// defined twice. It returns nil when all is well.
func updateTableIndexCreates(data *jv) *Error {
	ups := structElems(data.present("GlobalSecondaryIndexUpdates"))
	defElems := structElems(data.present("AttributeDefinitions"))
	defns := names(defElems, "AttributeName")
	for _, u := range ups {
		cr := u.present("Create")
		if cr == nil {
			continue
		}
		keys := names(structElems(cr.present("KeySchema")), "AttributeName")
		for _, k := range keys {
			if !contains(defns, k) {
				return validationError(msgInvalid + "Some index key attributes are not defined in AttributeDefinitions. Keys: [" +
					strings.Join(keys, ", ") + "], AttributeDefinitions: [" + strings.Join(defns, ", ") + "]")
			}
		}
		if ks := structElems(cr.present("KeySchema")); multiAttributeKey(ks) {
			if msg := checkMultiAttributeKey(ks); msg != "" {
				return validationError(msg)
			}
		}
		if dup, ok := findDuplicateString(defns); ok && contains(keys, dup) {
			return validationError(msgInvalid + "Cannot have two attributes with the same name")
		}
		if msg := checkProjectionMembers(objOrEmpty(cr.present("Projection"))); msg != "" {
			return validationError(msg)
		}
	}
	return nil
}

// checkIndexCreates checks the index creations of in against the table d:
// at most one index is created or deleted per request
// (LimitExceededException: ScyllaDB's test_gsi_updatetable.py, checked
// against DynamoDB); a new index may not take the name of a local secondary index ("already
// exists", as for a global one), and its key attributes must keep the
// types the table's keys and indexes give them ("Attributes cannot be
// redefined", ScyllaDB's test_gsi_updatetable.py against DynamoDB; the
// rendering of the two schemas after it follows the example quoted there).
func checkIndexCreates(in *UpdateTableInput, d *tableDescription) *Error {
	changes := 0
	for _, u := range in.GlobalSecondaryIndexUpdates {
		if u.Create != nil || u.Delete != nil {
			changes++
		}
	}
	if changes > 1 {
		return limitExceeded(msgIndexLimit)
	}
	for _, u := range in.GlobalSecondaryIndexUpdates {
		if u.Create == nil {
			continue
		}
		if indexOf(d.LocalSecondaryIndexes, u.Create.IndexName) >= 0 {
			return validationError(msgInvalid + "Index with name: " + u.Create.IndexName + " already exists")
		}
		newType := func(name string) string {
			for _, a := range in.AttributeDefinitions {
				if a.AttributeName == name {
					return a.AttributeType
				}
			}
			return ""
		}
		curType := func(name string) string {
			for _, a := range d.AttributeDefinitions {
				if a.AttributeName == name {
					return a.AttributeType
				}
			}
			return ""
		}
		for _, k := range u.Create.KeySchema {
			cur := curType(k.AttributeName)
			if cur == "" || cur == newType(k.AttributeName) {
				continue
			}
			existing := d.KeySchema
			for _, ix := range append(append([]indexDescription(nil), d.GlobalSecondaryIndexes...), d.LocalSecondaryIndexes...) {
				if keyUses(ix.KeySchema, k.AttributeName) && !keyUses(existing, k.AttributeName) {
					existing = ix.KeySchema
				}
			}
			return validationError(msgInvalid + "Attributes cannot be redefined. Please check that your attribute has the same type as previously defined. " +
				"Existing schema: " + schemaString(existing, curType) + " New schema: " + schemaString(u.Create.KeySchema, newType))
		}
	}
	return nil
}

func keyUses(ks []KeySchemaElement, name string) bool {
	for _, k := range ks {
		if k.AttributeName == name {
			return true
		}
	}
	return false
}

// schemaString renders a key schema as DynamoDB's "Attributes cannot be
// redefined" message does: Schema:[SchemaElement: key{xyz:S:HASH}].
func schemaString(ks []KeySchemaElement, typeOf func(string) string) string {
	var b strings.Builder
	b.WriteString("Schema:[")
	for i, k := range ks {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("SchemaElement: key{" + k.AttributeName + ":" + typeOf(k.AttributeName) + ":" + k.KeyType + "}")
	}
	b.WriteString("]")
	return b.String()
}

// checkIndexKeySize refuses an index key value over DynamoDB's key size
// limits with the table key's messages: 2048 bytes for a partition key,
// 1024 for a sort key (ScyllaDB's test_gsi.py, checked against DynamoDB,
// expects a ValidationException naming 2048; the wording is the one
// DynamoDB gives the table's own keys).
func checkIndexKeySize(ix *shard.IndexSchema, name string, v attr.Value) *Error {
	if v.Type == attr.N {
		return nil
	}
	isHash := name == ix.Key.HashName
	for _, a := range ix.HashAttrs {
		isHash = isHash || a.Name == name
	}
	if !ix.Local && isHash {
		if len(v.Str) > attr.MaxHashKeySize {
			return validationError("One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes")
		}
		return nil
	}
	if len(v.Str) > attr.MaxRangeKeySize {
		return validationError("One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes")
	}
	return nil
}

// maxAttrNameBytes is DynamoDB's limit on an attribute name's length.
const maxAttrNameBytes = 65535

// checkAttrName refuses an empty attribute name and one over 64 KB, in the
// words of DynamoDB Local's error table ("Empty attribute name", "Attribute
// name is too large, must be less than 65536 bytes"); DynamoDB's own
// wording for them is not known. Key attribute names are held to 255
// characters by CreateTable's constraints.
func checkAttrName(name string) string {
	if name == "" {
		return "Empty attribute name"
	}
	if len(name) > maxAttrNameBytes {
		return "Attribute name is too large, must be less than 65536 bytes"
	}
	return ""
}

// onlyRemoves reports whether upd has actions and every one removes an
// attribute or deletes from a set (REMOVE, DELETE; legacy DELETE). Such an
// update of a missing item creates nothing (issue 14, from suites run
// against DynamoDB); an update with no action at all still creates the
// item with its key alone.
func onlyRemoves(upd *expr.Update) bool {
	if upd == nil {
		return false
	}
	actions := upd.Actions()
	if len(actions) == 0 {
		return false
	}
	for _, a := range actions {
		if a.Kind != expr.ActionRemove && a.Kind != expr.ActionDelete {
			return false
		}
	}
	return true
}
