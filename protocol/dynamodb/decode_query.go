package dynamodb

import (
	"regexp"

	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/shard/expr"
)

// Query and Scan.

func fSelect() *schField {
	return fString("Select", enumOf("SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"))
}

func fOptIndexName() *schField {
	return fString("IndexName", nameRegex(), minLen(3), maxLen(255))
}

var querySchema = []*schField{
	fSelect(),
	fOptIndexName(),
	fReturnConsumedCapacity(),
	fConditions("QueryFilter", false),
	fItemTableName(),
	fConditionalOperator(),
	fStrings("AttributesToGet", minLen(1), maxLen(255)),
	// Query's Limit below 1 is "Value at 'Limit' ..." (Scan's keeps the
	// older "Value '0' at 'limit'"): both recorded against DynamoDB by
	// conformance suites of the AWS SDKs (2026).
	fInteger("Limit", bareCheck(minVal(1))),
	fConditions("KeyConditions", true),
	fAttrMap("ExclusiveStartKey"),
	fBool("ConsistentRead"),
	fBool("ScanIndexForward"),
	fString("KeyConditionExpression"),
	fString("FilterExpression"),
	fString("ProjectionExpression"),
	fEAV(),
	fNames(),
}

var scanSchema = []*schField{
	fSelect(),
	fOptIndexName(),
	// DynamoDB bounds the segments (dynalite only has the minimums).
	fInteger("TotalSegments", minVal(1), maxVal(1000000)),
	fReturnConsumedCapacity(),
	fItemTableName(),
	fConditionalOperator(),
	fConditions("ScanFilter", false),
	fInteger("Segment", minVal(0), maxVal(999999)),
	fInteger("Limit", minVal(1)),
	fStrings("AttributesToGet", minLen(1), maxLen(255)),
	fAttrMap("ExclusiveStartKey"),
	fString("FilterExpression"),
	fString("ProjectionExpression"),
	fEAV(),
	fNames(),
	fBool("ConsistentRead"),
}

// startKeyUnprefixed matches the messages dynalite reports without "The
// provided starting key is invalid: ".
var startKeyUnprefixed = regexp.MustCompile(`contains duplicates|number set|numeric value|significant digits|number with magnitude`)

func convStartKey(v *jv) (attr.Item, string) {
	key, msg := avItem(v)
	if msg != "" && !startKeyUnprefixed.MatchString(msg) {
		msg = "The provided starting key is invalid: " + msg
	}
	return key, msg
}

// filter returns the parsed FilterExpression or the converted legacy
// filter.
func filter(parsed *expr.Parsed, conds map[string]expr.ExpectedCondition, data *jv) (*expr.Condition, *Error) {
	if parsed != nil && parsed.Filter != nil {
		return parsed.Filter, nil
	}
	if conds == nil {
		return nil, nil
	}
	op := jStr(data, "ConditionalOperator")
	return exprCall(func() *expr.Condition { return expr.FromFilter(conds, op) })
}

func decodeQuery(body []byte) (*QueryInput, *Error) {
	data, e := decPrepare(body, querySchema)
	if e != nil {
		return nil, e
	}
	if msg := checkExpressionParams(data,
		[]string{"ProjectionExpression", "FilterExpression", "KeyConditionExpression"},
		[]string{"AttributesToGet", "QueryFilter", "ConditionalOperator", "KeyConditions"}); msg != "" {
		return nil, validationError(msg)
	}
	if msg := checkConditionalOperator(data, "QueryFilter"); msg != "" {
		return nil, validationError(msg)
	}
	queryFilter, msg := convConditions(data.present("QueryFilter"))
	if msg != "" {
		return nil, validationError(msg)
	}
	toGet := jStrings(data, "AttributesToGet")
	if dup, ok := findDuplicateString(toGet); ok {
		return nil, validationError(msgInvalid + "Duplicate value in attribute name: " + dup)
	}
	startKey, msg := convStartKey(data.present("ExclusiveStartKey"))
	if msg != "" {
		return nil, validationError(msg)
	}
	if data.present("KeyConditions") == nil && data.present("KeyConditionExpression") == nil {
		return nil, validationError("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
	}
	parsed, e := parseExpressions(data)
	if e != nil {
		return nil, e
	}
	in := &QueryInput{
		TableName:              jStr(data, "TableName"),
		IndexName:              jStr(data, "IndexName"),
		Select:                 jStr(data, "Select"),
		ScanIndexForward:       jBoolPtr(data, "ScanIndexForward"),
		ExclusiveStartKey:      startKey,
		ConsistentRead:         jBool(data, "ConsistentRead"),
		ReturnConsumedCapacity: noneToEmpty(jStr(data, "ReturnConsumedCapacity")),
	}
	if n, ok := jNum(data, "Limit"); ok {
		in.Limit = clampInt(n)
	}
	if parsed != nil && parsed.KeyCondition != nil {
		if msg := checkKeyCondition(parsed.KeyCondition); msg != "" {
			return nil, validationError(msg)
		}
		in.KeyCond = parsed.KeyCondition
	} else if kc := data.present("KeyConditions"); kc != nil {
		conds, msg := convConditions(kc)
		if msg == "" {
			msg = checkKeyConditionTypes(kc)
		}
		if msg != "" {
			return nil, validationError(msg)
		}
		if n := len(conds); n == 0 || (n > 2 && (data.present("IndexName") == nil || n > expr.MaxKeyTerms)) {
			return nil, validationError("Conditions can be of length 1 or 2 only")
		}
		if in.KeyCond, e = exprCall(func() *expr.KeyCondition { return expr.FromKeyConditions(conds) }); e != nil {
			return nil, e
		}
	}
	if in.Filter, e = filter(parsed, queryFilter, data); e != nil {
		return nil, e
	}
	in.LegacyFilter = queryFilter != nil
	if in.Proj, e = projection(parsed, toGet); e != nil {
		return nil, e
	}
	in.LegacyProj = toGet != nil
	return in, nil
}

func decodeScan(body []byte) (*ScanInput, *Error) {
	data, e := decPrepare(body, scanSchema)
	if e != nil {
		return nil, e
	}
	if msg := checkExpressionParams(data,
		[]string{"ProjectionExpression", "FilterExpression"},
		[]string{"AttributesToGet", "ScanFilter", "ConditionalOperator"}); msg != "" {
		return nil, validationError(msg)
	}
	if msg := checkConditionalOperator(data, "ScanFilter"); msg != "" {
		return nil, validationError(msg)
	}
	toGet := jStrings(data, "AttributesToGet")
	if dup, ok := findDuplicateString(toGet); ok {
		return nil, validationError(msgInvalid + "Duplicate value in attribute name: " + dup)
	}
	scanFilter, msg := convConditions(data.present("ScanFilter"))
	if msg != "" {
		return nil, validationError(msg)
	}
	startKey, msg := convStartKey(data.present("ExclusiveStartKey"))
	if msg != "" {
		return nil, validationError(msg)
	}
	segment, hasSegment := jNum(data, "Segment")
	total, hasTotal := jNum(data, "TotalSegments")
	// Segment 0 alone is refused too: dynalite lets it through, DynamoDB
	// does not (issue 14, from suites run against DynamoDB).
	if hasSegment && !hasTotal {
		return nil, validationError("The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
	}
	if hasTotal && total != 0 {
		if !hasSegment {
			return nil, validationError("The Segment parameter is required but was not present in the request when parameter TotalSegments is present")
		}
		if segment >= total {
			return nil, validationError("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: " +
				jsFormat(segment) + " is not less than TotalSegments: " + jsFormat(total))
		}
	}
	parsed, e := parseExpressions(data)
	if e != nil {
		return nil, e
	}
	in := &ScanInput{
		TableName:              jStr(data, "TableName"),
		IndexName:              jStr(data, "IndexName"),
		Select:                 jStr(data, "Select"),
		ExclusiveStartKey:      startKey,
		ConsistentRead:         jBool(data, "ConsistentRead"),
		ReturnConsumedCapacity: noneToEmpty(jStr(data, "ReturnConsumedCapacity")),
	}
	if n, ok := jNum(data, "Limit"); ok {
		in.Limit = clampInt(n)
	}
	if hasSegment {
		s := clampInt(segment)
		in.Segment = &s
	}
	if hasTotal {
		t := clampInt(total)
		in.TotalSegments = &t
	}
	if in.Filter, e = filter(parsed, scanFilter, data); e != nil {
		return nil, e
	}
	in.LegacyFilter = scanFilter != nil
	if in.Proj, e = projection(parsed, toGet); e != nil {
		return nil, e
	}
	in.LegacyProj = toGet != nil
	return in, nil
}
