package dynamodb

import (
	"fmt"
	"strings"

	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/shard/expr"
)

// Expression parameters: dynalite's validateExpressionParams and
// validateExpressions, then the expression engine (shard/expr).

func fEAV() *schField { return fAttrMap("ExpressionAttributeValues") }

// checkExpressionParams is dynalite's validateExpressionParams: exprs and
// nonExprs are the operation's expression and legacy parameter names.
func checkExpressionParams(data *jv, exprs, nonExprs []string) string {
	var exprParams []string
	for _, e := range exprs {
		if data.present(e) != nil {
			exprParams = append(exprParams, e)
		}
	}
	if len(exprParams) > 0 {
		skipKeyConditions := data.present("KeyConditions") != nil && data.present("KeyConditionExpression") == nil
		var nonExprParams []string
		for _, n := range nonExprs {
			if n == "KeyConditions" && skipKeyConditions {
				continue
			}
			if data.present(n) != nil {
				nonExprParams = append(nonExprParams, n)
			}
		}
		if len(nonExprParams) > 0 {
			return "Can not use both expression and non-expression parameters in the same request: " +
				"Non-expression parameters: {" + strings.Join(nonExprParams, ", ") + "} " +
				"Expression parameters: {" + strings.Join(exprParams, ", ") + "}"
		}
	}
	if data.present("ExpressionAttributeNames") != nil && len(exprParams) == 0 {
		return "ExpressionAttributeNames can only be specified when using expressions"
	}
	var valExprs []string
	for _, e := range exprs {
		if e != "ProjectionExpression" {
			valExprs = append(valExprs, e)
		}
	}
	if len(valExprs) > 0 && data.present("ExpressionAttributeValues") != nil {
		for _, e := range valExprs {
			if data.present(e) != nil {
				return ""
			}
		}
		verb := "is"
		if len(valExprs) > 1 {
			verb = "are"
		}
		return "ExpressionAttributeValues can only be specified when using expressions: " +
			strings.Join(valExprs, " and ") + " " + verb + " null"
	}
	return ""
}

func isExprKey(k string, prefix byte) bool {
	if len(k) < 2 || k[0] != prefix {
		return false
	}
	for i := 1; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// maxSubstitutionBytes is DynamoDB's documented bound on "the sum of the
// lengths of all ExpressionAttributeNames and ExpressionAttributeValues"
// (2 MB): keys plus names, keys plus value sizes as DynamoDB accounts them.
// The messages are DynamoDB Local's (its ErrorFactory): the names alone,
// the values alone, then both together.
const maxSubstitutionBytes = 2 << 20

// parseExpressions runs dynalite's validateExpressions checks on
// ExpressionAttributeNames and ExpressionAttributeValues, then parses the
// expressions present in data. It returns nil, nil when there are none.
func parseExpressions(data *jv) (*expr.Parsed, *Error) {
	var in expr.Input
	var namesSize, valuesSize int
	if names := data.present("ExpressionAttributeNames"); names != nil {
		if len(names.kids) == 0 {
			return nil, validationError("ExpressionAttributeNames must not be empty")
		}
		in.Names = make(map[string]string, len(names.kids))
		for i := range names.kids {
			k := names.kids[i].key
			if !isExprKey(k, '#') {
				return nil, validationError(`ExpressionAttributeNames contains invalid key: Syntax error; key: "` + k + `"`)
			}
			if names.kids[i].val.str == "" {
				return nil, validationError("ExpressionAttributeNames contains invalid value: Empty attribute name for key " + k)
			}
			in.Names[k] = names.kids[i].val.str
			namesSize += len(k) + len(names.kids[i].val.str)
		}
		if namesSize > maxSubstitutionBytes {
			return nil, validationError("ExpressionAttributeNames exceeds max size")
		}
	}
	if vals := data.present("ExpressionAttributeValues"); vals != nil {
		if len(vals.kids) == 0 {
			return nil, validationError("ExpressionAttributeValues must not be empty")
		}
		for i := range vals.kids {
			if k := vals.kids[i].key; !isExprKey(k, ':') {
				return nil, validationError(`ExpressionAttributeValues contains invalid key: Syntax error; key: "` + k + `"`)
			}
		}
		in.Values = make(map[string]attr.Value, len(vals.kids))
		for i := range vals.kids {
			v, msg := avConv(&vals.kids[i].val, 0)
			if msg != "" {
				return nil, validationError("ExpressionAttributeValues contains invalid value: " + msg + " for key " + vals.kids[i].key)
			}
			in.Values[vals.kids[i].key] = v
			valuesSize += len(vals.kids[i].key) + attr.ValueSize(v)
		}
		if valuesSize > maxSubstitutionBytes {
			return nil, validationError("ExpressionAttributeValues exceeds max size")
		}
	}
	if namesSize+valuesSize > maxSubstitutionBytes {
		return nil, validationError("Combined size of ExpressionAttributeNames and ExpressionAttributeValues exceeds max size")
	}
	in.UpdateExpression = jStrPtr(data, "UpdateExpression")
	in.ConditionExpression = jStrPtr(data, "ConditionExpression")
	in.KeyConditionExpression = jStrPtr(data, "KeyConditionExpression")
	// An index may have a multi-attribute key: the Query checks the
	// number of conditions against it.
	in.MultiKey = data.present("IndexName") != nil
	in.FilterExpression = jStrPtr(data, "FilterExpression")
	in.ProjectionExpression = jStrPtr(data, "ProjectionExpression")
	if in.UpdateExpression == nil && in.ConditionExpression == nil && in.KeyConditionExpression == nil &&
		in.FilterExpression == nil && in.ProjectionExpression == nil && in.Names == nil && in.Values == nil {
		return nil, nil
	}
	return exprParse(in)
}

// exprParse calls the expression engine; a panic in it becomes an internal
// error rather than taking the server down.
func exprParse(in expr.Input) (p *expr.Parsed, e *Error) {
	defer func() {
		if r := recover(); r != nil {
			p, e = nil, internalError(fmt.Sprint("expression engine: ", r))
		}
	}()
	parsed, err := expr.Parse(in)
	if err != nil {
		return nil, validationError(err.Error())
	}
	if parsed == nil {
		parsed = &expr.Parsed{}
	}
	return parsed, nil
}

// exprCall runs a legacy conversion of the expression engine, turning a
// panic into an internal error.
func exprCall[T any](f func() T) (out T, e *Error) {
	defer func() {
		if r := recover(); r != nil {
			e = internalError(fmt.Sprint("expression engine: ", r))
		}
	}()
	return f(), nil
}

// checkKeyCondition applies dynalite's validateConditions to the key
// conditions of a parsed KeyConditionExpression.
func checkKeyCondition(kc *expr.KeyCondition) string {
	if kc == nil {
		return ""
	}
	if kc.HashName != "" {
		if msg := checkConditionValues("EQ", []attr.Value{kc.HashValue}); msg != "" {
			return msg
		}
	}
	if r := kc.Range; r != nil {
		op := map[expr.RangeOp]string{
			expr.RangeEQ: "EQ", expr.RangeLT: "LT", expr.RangeLE: "LE", expr.RangeGT: "GT",
			expr.RangeGE: "GE", expr.RangeBetween: "BETWEEN", expr.RangeBeginsWith: "BEGINS_WITH",
		}[r.Op]
		if op != "" {
			return checkConditionValues(op, r.Values)
		}
	}
	return ""
}

// checkConditionalOperator refuses a ConditionalOperator that has fewer
// than two conditions to join: none in the request's filter (Expected,
// QueryFilter or ScanFilter), or one. Messages and order (after the check
// that expression and non-expression parameters are not mixed, before
// Query's missing key condition) as recorded against DynamoDB by a test
// suite run against both DynamoDB and its own server (ExtendDB, 2026);
// the same two messages are among DynamoDB Local's error codes.
func checkConditionalOperator(data *jv, filter string) string {
	if data.present("ConditionalOperator") == nil {
		return ""
	}
	n := 0
	if f := data.present(filter); f != nil {
		n = len(f.kids)
	}
	switch n {
	case 0:
		return "ConditionalOperator cannot be used without Filter or Expected"
	case 1:
		return "ConditionalOperator can only be used when Filter or Expected has two or more elements"
	}
	return ""
}
