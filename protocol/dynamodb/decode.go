package dynamodb

import (
	"math"
)

// decodeRequest decodes and validates the body of operation op, returning a
// pointer to the operation's typed input (requests.go).
func decodeRequest(op string, body []byte) (any, *Error) {
	switch op {
	case "CreateTable":
		return ret(decodeCreateTable(body))
	case "DescribeTable":
		return ret(decodeDescribeTable(body))
	case "ListTables":
		return ret(decodeListTables(body))
	case "DeleteTable":
		return ret(decodeDeleteTable(body))
	case "UpdateTable":
		return ret(decodeUpdateTable(body))
	case "DescribeTimeToLive":
		return ret(decodeDescribeTimeToLive(body))
	case "UpdateTimeToLive":
		return ret(decodeUpdateTimeToLive(body))
	case "DescribeContinuousBackups":
		return ret(decodeDescribeContinuousBackups(body))
	case "UpdateContinuousBackups":
		return ret(decodeUpdateContinuousBackups(body))
	case "CreateBackup":
		return ret(decodeCreateBackup(body))
	case "DescribeBackup", "DeleteBackup":
		return ret(decodeBackupArn(body))
	case "ListBackups":
		return ret(decodeListBackups(body))
	case "RestoreTableFromBackup":
		return ret(decodeRestoreTableFromBackup(body))
	case "PutItem":
		return ret(decodePutItem(body))
	case "GetItem":
		return ret(decodeGetItem(body))
	case "UpdateItem":
		return ret(decodeUpdateItem(body))
	case "DeleteItem":
		return ret(decodeDeleteItem(body))
	case "Query":
		return ret(decodeQuery(body))
	case "Scan":
		return ret(decodeScan(body))
	case "BatchGetItem":
		return ret(decodeBatchGetItem(body))
	case "BatchWriteItem":
		return ret(decodeBatchWriteItem(body))
	case "ExecuteStatement":
		return ret(decodeExecuteStatement(body))
	case "BatchExecuteStatement":
		return ret(decodeBatchExecuteStatement(body))
	case "ExecuteTransaction":
		return ret(decodeExecuteTransaction(body))
	case "TransactWriteItems":
		return ret(decodeTransactWriteItems(body))
	case "TransactGetItems":
		return ret(decodeTransactGetItems(body))
	}
	return nil, &Error{Status: 400, Type: nsCoralService + "UnknownOperationException", NoMessage: true}
}

// ret keeps a typed nil pointer from becoming a non-nil interface.
func ret[T any](in *T, e *Error) (any, *Error) {
	if e != nil {
		return nil, e
	}
	return in, nil
}

// errMalformed is DynamoDB's answer to a body that is not JSON.
func errMalformed() *Error {
	return &Error{Status: 400, Type: nsCoralService + "SerializationException", NoMessage: true}
}

// decPrepare parses body and runs the schema's type and constraint checks.
// A body that is JSON but not an object is treated as {} (as dynalite
// does).
func decPrepare(body []byte, fields []*schField) (*jv, *Error) {
	if len(body) == 0 {
		return nil, errMalformed()
	}
	root, ok := jvParse(body)
	if !ok {
		return nil, errMalformed()
	}
	if root.kind != jvObject {
		root = jv{kind: jvObject}
	}
	if e := schTypeCheckStruct(&root, fields); e != nil {
		return nil, e
	}
	if e := schValidate(&root, fields); e != nil {
		return nil, e
	}
	return &root, nil
}

// Accessors for checked requests. Each takes the containing struct (which
// may be nil) and a member name.

func jStr(v *jv, name string) string {
	if m := v.present(name); m != nil {
		return m.str
	}
	return ""
}

func jStrPtr(v *jv, name string) *string {
	if m := v.present(name); m != nil {
		s := m.str
		return &s
	}
	return nil
}

// jBoolVal is a checked Boolean's value (a JSON boolean, or one of the
// strings DynamoDB converts).
func jBoolVal(m *jv) bool {
	if m.kind == jvString {
		b, _ := jsBoolString(m.str)
		return b
	}
	return m.b
}

func jBool(v *jv, name string) bool {
	if m := v.present(name); m != nil {
		return jBoolVal(m)
	}
	return false
}

func jBoolPtr(v *jv, name string) *bool {
	if m := v.present(name); m != nil {
		b := jBoolVal(m)
		return &b
	}
	return nil
}

// jNum returns a checked Integer or Long member floored, as dynalite reads
// it.
func jNum(v *jv, name string) (float64, bool) {
	m := v.present(name)
	if m == nil {
		return 0, false
	}
	return math.Floor(jsNumber(m.str)), true
}

// clampInt64 converts a floored number to int64, saturating.
func clampInt64(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

func clampInt(f float64) int {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt32:
		return math.MaxInt32
	case f <= math.MinInt32:
		return math.MinInt32
	}
	return int(f)
}

// jStrings returns a checked list of strings (null elements as "").
func jStrings(v *jv, name string) []string {
	m := v.present(name)
	if m == nil {
		return nil
	}
	out := make([]string, len(m.kids))
	for i := range m.kids {
		out[i] = m.kids[i].val.str
	}
	return out
}

// findDuplicateString returns the first repeated string of list, as
// dynalite's findDuplicate does.
func findDuplicateString(list []string) (string, bool) {
	if len(list) <= 16 {
		for i := 1; i < len(list); i++ {
			for j := 0; j < i; j++ {
				if list[i] == list[j] {
					return list[i], true
				}
			}
		}
		return "", false
	}
	seen := make(map[string]struct{}, len(list))
	for _, s := range list {
		if _, ok := seen[s]; ok {
			return s, true
		}
		seen[s] = struct{}{}
	}
	return "", false
}
