package dynamodb

import (
	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/shard/expr"
)

// The single-item operations: PutItem, GetItem, UpdateItem, DeleteItem.
// Schemas follow dynalite's validations/<op>.js, in its member order;
// members DynamoDB added later come last.

func fReturnConsumedCapacity() *schField {
	return fString("ReturnConsumedCapacity", enumOf("INDEXES", "TOTAL", "NONE"))
}

func fReturnValues() *schField {
	return fString("ReturnValues", enumOf("ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"))
}

func fReturnItemCollectionMetrics() *schField {
	return fString("ReturnItemCollectionMetrics", enumOf("SIZE", "NONE"))
}

func fReturnValuesOnConditionCheckFailure() *schField {
	return fString("ReturnValuesOnConditionCheckFailure", enumOf("ALL_OLD", "NONE"))
}

func fConditionalOperator() *schField {
	return fString("ConditionalOperator", enumOf("OR", "AND"))
}

var putItemSchema = []*schField{
	fReturnConsumedCapacity(),
	fItemTableName(),
	fAttrMap("Item", notNull()),
	fConditionalOperator(),
	fExpected(),
	fReturnValues(),
	fReturnItemCollectionMetrics(),
	fString("ConditionExpression"),
	fEAV(),
	fNames(),
	fReturnValuesOnConditionCheckFailure(),
}

var getItemSchema = []*schField{
	fReturnConsumedCapacity(),
	fStrings("AttributesToGet", minLen(1), maxLen(255)),
	fItemTableName(),
	fAttrMap("Key", notNull()),
	fBool("ConsistentRead"),
	fString("ProjectionExpression"),
	fNames(),
}

var deleteItemSchema = []*schField{
	fReturnConsumedCapacity(),
	fItemTableName(),
	fReturnItemCollectionMetrics(),
	fReturnValues(),
	fAttrMap("Key", notNull()),
	fConditionalOperator(),
	fExpected(),
	fString("ConditionExpression"),
	fEAV(),
	fNames(),
	fReturnValuesOnConditionCheckFailure(),
}

var updateItemSchema = []*schField{
	fReturnConsumedCapacity(),
	fItemTableName(),
	fReturnItemCollectionMetrics(),
	fReturnValues(),
	fAttrMap("Key", notNull()),
	fConditionalOperator(),
	fExpected(),
	fMap("AttributeUpdates", "AttributeValueUpdate", fValueStruct("", "AttributeValueUpdate", []*schField{
		// dynalite leaves Action unconstrained; DynamoDB's AttributeAction
		// enum applies.
		fString("Action", enumOf("ADD", "DELETE", "PUT")),
		fAttrValue("Value"),
	})),
	fString("ConditionExpression"),
	fString("UpdateExpression"),
	fEAV(),
	fNames(),
	fReturnValuesOnConditionCheckFailure(),
}

// noneToEmpty maps an option's explicit NONE to "" (the inputs' "absent").
func noneToEmpty(s string) string {
	if s == "NONE" {
		return ""
	}
	return s
}

func writeOptions(data *jv) WriteOptions {
	return WriteOptions{
		ReturnValues:                        noneToEmpty(jStr(data, "ReturnValues")),
		ReturnConsumedCapacity:              noneToEmpty(jStr(data, "ReturnConsumedCapacity")),
		ReturnItemCollectionMetrics:         noneToEmpty(jStr(data, "ReturnItemCollectionMetrics")),
		ReturnValuesOnConditionCheckFailure: noneToEmpty(jStr(data, "ReturnValuesOnConditionCheckFailure")),
	}
}

// condition returns the request's condition: the parsed ConditionExpression,
// or the converted Expected.
func condition(parsed *expr.Parsed, expected map[string]expr.ExpectedCondition, data *jv) (*expr.Condition, *Error) {
	if parsed != nil && parsed.Condition != nil {
		return parsed.Condition, nil
	}
	if expected == nil {
		return nil, nil
	}
	op := jStr(data, "ConditionalOperator")
	return exprCall(func() *expr.Condition { return expr.FromExpected(expected, op) })
}

func decodePutItem(body []byte) (*PutItemInput, *Error) {
	data, e := decPrepare(body, putItemSchema)
	if e != nil {
		return nil, e
	}
	if msg := checkExpressionParams(data, []string{"ConditionExpression"}, []string{"Expected", "ConditionalOperator"}); msg != "" {
		return nil, validationError(msg)
	}
	if msg := checkConditionalOperator(data, "Expected"); msg != "" {
		return nil, validationError(msg)
	}
	item, msg := avItem(data.present("Item"))
	if msg != "" {
		return nil, validationError(msg)
	}
	if !oldOnlyReturnValues(data) {
		return nil, validationError(msgReturnValuesInvalid)
	}
	if attr.ItemSize(item) > attr.MaxItemSize {
		return nil, validationError("Item size has exceeded the maximum allowed size")
	}
	expected, msg := convExpected(data.present("Expected"))
	if msg != "" {
		return nil, validationError(msg)
	}
	parsed, e := parseExpressions(data)
	if e != nil {
		return nil, e
	}
	in := &PutItemInput{TableName: jStr(data, "TableName"), Item: item, WriteOptions: writeOptions(data)}
	if in.Cond, e = condition(parsed, expected, data); e != nil {
		return nil, e
	}
	return in, nil
}

func decodeGetItem(body []byte) (*GetItemInput, *Error) {
	data, e := decPrepare(body, getItemSchema)
	if e != nil {
		return nil, e
	}
	if msg := checkExpressionParams(data, []string{"ProjectionExpression"}, []string{"AttributesToGet"}); msg != "" {
		return nil, validationError(msg)
	}
	key, msg := avItem(data.present("Key"))
	if msg != "" {
		return nil, validationError(msg)
	}
	toGet := jStrings(data, "AttributesToGet")
	if dup, ok := findDuplicateString(toGet); ok {
		return nil, validationError(msgInvalid + "Duplicate value in attribute name: " + dup)
	}
	parsed, e := parseExpressions(data)
	if e != nil {
		return nil, e
	}
	in := &GetItemInput{
		TableName:              jStr(data, "TableName"),
		Key:                    key,
		ConsistentRead:         jBool(data, "ConsistentRead"),
		ReturnConsumedCapacity: noneToEmpty(jStr(data, "ReturnConsumedCapacity")),
	}
	if in.Proj, e = projection(parsed, toGet); e != nil {
		return nil, e
	}
	return in, nil
}

// projection returns the parsed ProjectionExpression or the converted
// AttributesToGet (nil when neither).
func projection(parsed *expr.Parsed, toGet []string) (*expr.Projection, *Error) {
	if parsed != nil && parsed.Projection != nil {
		return parsed.Projection, nil
	}
	if toGet == nil {
		return nil, nil
	}
	return exprCall(func() *expr.Projection { return expr.FromAttributesToGet(toGet) })
}

func decodeDeleteItem(body []byte) (*DeleteItemInput, *Error) {
	data, e := decPrepare(body, deleteItemSchema)
	if e != nil {
		return nil, e
	}
	if msg := checkExpressionParams(data, []string{"ConditionExpression"}, []string{"Expected", "ConditionalOperator"}); msg != "" {
		return nil, validationError(msg)
	}
	if msg := checkConditionalOperator(data, "Expected"); msg != "" {
		return nil, validationError(msg)
	}
	key, msg := avItem(data.present("Key"))
	if msg != "" {
		return nil, validationError(msg)
	}
	if !oldOnlyReturnValues(data) {
		return nil, validationError(msgReturnValuesInvalid)
	}
	expected, msg := convExpected(data.present("Expected"))
	if msg != "" {
		return nil, validationError(msg)
	}
	parsed, e := parseExpressions(data)
	if e != nil {
		return nil, e
	}
	in := &DeleteItemInput{TableName: jStr(data, "TableName"), Key: key, WriteOptions: writeOptions(data)}
	if in.Cond, e = condition(parsed, expected, data); e != nil {
		return nil, e
	}
	return in, nil
}

func decodeUpdateItem(body []byte) (*UpdateItemInput, *Error) {
	data, e := decPrepare(body, updateItemSchema)
	if e != nil {
		return nil, e
	}
	if msg := checkExpressionParams(data,
		[]string{"UpdateExpression", "ConditionExpression"},
		[]string{"AttributeUpdates", "Expected", "ConditionalOperator"}); msg != "" {
		return nil, validationError(msg)
	}
	if msg := checkConditionalOperator(data, "Expected"); msg != "" {
		return nil, validationError(msg)
	}
	key, msg := avItem(data.present("Key"))
	if msg != "" {
		return nil, validationError(msg)
	}
	var updates map[string]expr.AttributeUpdate
	if au := data.present("AttributeUpdates"); au != nil {
		updates = make(map[string]expr.AttributeUpdate, len(au.kids))
		empty := jv{kind: jvObject}
		for i := range au.kids {
			if msg := checkAttrName(au.kids[i].key); msg != "" {
				return nil, validationError(msg)
			}
			u := &au.kids[i].val
			if u.kind != jvObject {
				u = &empty
			}
			action := jStr(u, "Action")
			value := u.present("Value")
			var upd expr.AttributeUpdate
			upd.Action = action
			if value != nil {
				v, msg := avConv(value, 0)
				if msg != "" {
					return nil, validationError(msg)
				}
				upd.Value = &v
			}
			if value == nil && action != "DELETE" {
				return nil, validationError(msgInvalid + "Only DELETE action is allowed when no attribute value is specified")
			}
			if value != nil && action == "DELETE" {
				if t := upd.Value.Type; !t.IsSet() {
					return nil, validationError(msgInvalid + "DELETE action with value is not supported for the type " + t.String())
				}
			}
			if value != nil && action == "ADD" {
				if t := upd.Value.Type; t != attr.L && t != attr.N && !t.IsSet() {
					return nil, validationError(msgInvalid + "ADD action is not supported for the type " + t.String())
				}
			}
			updates[au.kids[i].key] = upd
		}
	}
	expected, msg := convExpected(data.present("Expected"))
	if msg != "" {
		return nil, validationError(msg)
	}
	parsed, e := parseExpressions(data)
	if e != nil {
		return nil, e
	}
	in := &UpdateItemInput{TableName: jStr(data, "TableName"), Key: key, WriteOptions: writeOptions(data)}
	if parsed != nil && parsed.Update != nil {
		in.Update = parsed.Update
	} else if updates != nil {
		if in.Update, e = exprCall(func() *expr.Update { return expr.FromAttributeUpdates(updates) }); e != nil {
			return nil, e
		}
	}
	if in.Cond, e = condition(parsed, expected, data); e != nil {
		return nil, e
	}
	return in, nil
}

// PutItem and DeleteItem return at most the old item. DynamoDB's message
// (dynalite's older "ReturnValues can only be ALL_OLD or NONE" is retired;
// DynamoDB Local, moto and others agree on this one).
const msgReturnValuesInvalid = "Return values set to invalid value"

func oldOnlyReturnValues(data *jv) bool {
	rv := jStr(data, "ReturnValues")
	return rv == "" || rv == "ALL_OLD" || rv == "NONE"
}
