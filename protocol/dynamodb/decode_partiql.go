package dynamodb

import "github.com/dynacache/dynacache/shard/attr"

// ExecuteStatement and BatchExecuteStatement (PartiQL). The statements
// themselves are parsed by the actions (action_partiql.go), since a
// statement's errors are per statement in a batch.

// ExecuteStatementInput is a validated ExecuteStatement request.
type ExecuteStatementInput struct {
	Statement                           string
	Parameters                          []attr.Value // nil when absent
	ConsistentRead                      bool
	NextToken                           string
	Limit                               int // 0: none
	ReturnConsumedCapacity              string
	ReturnValuesOnConditionCheckFailure string
}

// BatchExecuteStatementInput is a validated BatchExecuteStatement request.
type BatchExecuteStatementInput struct {
	Statements             []ExecuteStatementInput
	ReturnConsumedCapacity string
}

// maxStatementLen is the longest statement DynamoDB accepts.
const maxStatementLen = 8192

func fParameters() *schField {
	return fList("Parameters", avValueShape, minLen(1))
}

var executeStatementSchema = []*schField{
	fString("Statement", notNull(), minLen(1), maxLen(maxStatementLen)),
	fParameters(),
	fBool("ConsistentRead"),
	fString("NextToken", minLen(1), maxLen(32768)),
	fReturnConsumedCapacity(),
	fInteger("Limit", minVal(1)),
	fReturnValuesOnConditionCheckFailure(),
}

var batchExecuteStatementSchema = []*schField{
	fList("Statements", fValueStruct("", "BatchStatementRequest", []*schField{
		fString("Statement", notNull(), minLen(1), maxLen(maxStatementLen)),
		fParameters(),
		fBool("ConsistentRead"),
		fReturnValuesOnConditionCheckFailure(),
	}), notNull(), minLen(1), maxLen(25)),
	fReturnConsumedCapacity(),
}

// convParameters converts a checked Parameters list.
func convParameters(v *jv) ([]attr.Value, *Error) {
	m := v.present("Parameters")
	if m == nil {
		return nil, nil
	}
	out := make([]attr.Value, 0, len(m.kids))
	for i := range m.kids {
		val, msg := avConv(&m.kids[i].val, 0)
		if msg != "" {
			return nil, validationError(msg)
		}
		out = append(out, val)
	}
	return out, nil
}

func decodeExecuteStatement(body []byte) (*ExecuteStatementInput, *Error) {
	data, e := decPrepare(body, executeStatementSchema)
	if e != nil {
		return nil, e
	}
	in := &ExecuteStatementInput{
		Statement:                           jStr(data, "Statement"),
		ConsistentRead:                      jBool(data, "ConsistentRead"),
		NextToken:                           jStr(data, "NextToken"),
		ReturnConsumedCapacity:              noneToEmpty(jStr(data, "ReturnConsumedCapacity")),
		ReturnValuesOnConditionCheckFailure: noneToEmpty(jStr(data, "ReturnValuesOnConditionCheckFailure")),
	}
	if n, ok := jNum(data, "Limit"); ok {
		in.Limit = clampInt(n)
	}
	if in.Parameters, e = convParameters(data); e != nil {
		return nil, e
	}
	return in, nil
}

func decodeBatchExecuteStatement(body []byte) (*BatchExecuteStatementInput, *Error) {
	data, e := decPrepare(body, batchExecuteStatementSchema)
	if e != nil {
		return nil, e
	}
	stmts := data.present("Statements")
	in := &BatchExecuteStatementInput{
		Statements:             make([]ExecuteStatementInput, 0, len(stmts.kids)),
		ReturnConsumedCapacity: noneToEmpty(jStr(data, "ReturnConsumedCapacity")),
	}
	for i := range stmts.kids {
		sd := objOrEmpty(&stmts.kids[i].val)
		s := ExecuteStatementInput{
			Statement:                           jStr(sd, "Statement"),
			ConsistentRead:                      jBool(sd, "ConsistentRead"),
			ReturnValuesOnConditionCheckFailure: noneToEmpty(jStr(sd, "ReturnValuesOnConditionCheckFailure")),
		}
		if s.Parameters, e = convParameters(sd); e != nil {
			return nil, e
		}
		in.Statements = append(in.Statements, s)
	}
	return in, nil
}

// ExecuteTransactionInput is a validated ExecuteTransaction request.
type ExecuteTransactionInput struct {
	Statements             []ExecuteStatementInput
	ClientRequestToken     string
	ReturnConsumedCapacity string
	// fingerprint is a canonical form of TransactStatements (as
	// TransactWriteItemsInput's), marked as ExecuteTransaction's so a token
	// of a TransactWriteItems never matches one.
	fingerprint string
}

var executeTransactionSchema = []*schField{
	fList("TransactStatements", fValueStruct("", "ParameterizedStatement", []*schField{
		fString("Statement", notNull(), minLen(1), maxLen(maxStatementLen)),
		fParameters(),
		fReturnValuesOnConditionCheckFailure(),
	}), notNull(), minLen(1), maxLen(maxTransactItems)),
	fString("ClientRequestToken", minLen(1), maxLen(36)),
	fReturnConsumedCapacity(),
}

func decodeExecuteTransaction(body []byte) (*ExecuteTransactionInput, *Error) {
	data, e := decPrepare(body, executeTransactionSchema)
	if e != nil {
		return nil, e
	}
	stmts := data.present("TransactStatements")
	in := &ExecuteTransactionInput{
		Statements:             make([]ExecuteStatementInput, 0, len(stmts.kids)),
		ClientRequestToken:     jStr(data, "ClientRequestToken"),
		ReturnConsumedCapacity: noneToEmpty(jStr(data, "ReturnConsumedCapacity")),
	}
	for i := range stmts.kids {
		sd := objOrEmpty(&stmts.kids[i].val)
		s := ExecuteStatementInput{
			Statement:                           jStr(sd, "Statement"),
			ReturnValuesOnConditionCheckFailure: noneToEmpty(jStr(sd, "ReturnValuesOnConditionCheckFailure")),
		}
		if s.Parameters, e = convParameters(sd); e != nil {
			return nil, e
		}
		in.Statements = append(in.Statements, s)
	}
	if in.ClientRequestToken != "" {
		in.fingerprint = string(appendCanonJV([]byte("ExecuteTransaction\x00"), stmts))
	}
	return in, nil
}
