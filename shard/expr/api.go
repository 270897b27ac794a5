// Package expr is DynamoDB's expression language: ConditionExpression,
// FilterExpression, KeyConditionExpression, UpdateExpression and
// ProjectionExpression, with ExpressionAttributeNames/Values, plus the legacy
// parameters (Expected, AttributeUpdates, AttributesToGet, KeyConditions,
// QueryFilter/ScanFilter) converted to the same trees.
//
// Parse validates exactly as DynamoDB does and returns DynamoDB's
// ValidationException message as the error text. Evaluation and update
// application work on attr.Item values under the caller's lock.
package expr

import "github.com/dynacache/dynacache/shard/attr"

// Input is every expression parameter of one request. A nil string pointer
// means the parameter was absent; Names and Values are nil when absent.
type Input struct {
	ConditionExpression    *string
	UpdateExpression       *string
	ProjectionExpression   *string
	FilterExpression       *string
	KeyConditionExpression *string

	Names  map[string]string     // ExpressionAttributeNames
	Values map[string]attr.Value // ExpressionAttributeValues: already type-checked, numbers canonical

	// MultiKey allows a KeyConditionExpression of up to MaxKeyTerms
	// conditions (a Query of an index, which may have a multi-attribute
	// key); otherwise it has one or two.
	MultiKey bool
}

// MaxKeyTerms is the most conditions of a key condition on a
// multi-attribute index key (four partition and four sort attributes).
const MaxKeyTerms = 8

// Parsed holds the parsed expressions of one request; a field is nil when
// its expression was absent.
type Parsed struct {
	Condition    *Condition
	Update       *Update
	Projection   *Projection
	Filter       *Condition
	KeyCondition *KeyCondition
}

// Error is a ValidationException with DynamoDB's message.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// PathElem is one step of a document path: an attribute/map key, or a list
// index.
type PathElem struct {
	Name    string
	Index   int
	IsIndex bool
}

// Path is a document path such as a.b[2].c; Path[0] is always a name.
type Path []PathElem

// RangeOp is a sort-key comparison of a key condition.
type RangeOp uint8

// Sort key conditions DynamoDB allows.
const (
	RangeEQ RangeOp = iota + 1
	RangeLT
	RangeLE
	RangeGT
	RangeGE
	RangeBetween
	RangeBeginsWith
)

// KeyCondition is a parsed KeyConditionExpression (or KeyConditions):
// equality on the partition key, optionally one condition on the sort key.
// Attribute names are resolved (no #placeholders). Whether the names are
// the table's or index's key attributes is checked by the caller.
type KeyCondition struct {
	HashName  string
	HashValue attr.Value
	Range     *RangeCondition
	// Terms are all the conditions, in expression order (legacy
	// KeyConditions: name order); more than two only with Input.MultiKey.
	Terms []RangeCondition
}

// RangeCondition is the sort-key part of a KeyCondition.
type RangeCondition struct {
	Name   string
	Op     RangeOp
	Values []attr.Value // 1 value, or 2 for RangeBetween
}
