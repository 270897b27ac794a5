package expr

// TEMPORARY: the signatures the rest of the code is written against. The
// expr implementation replaces this file.

import "github.com/dynacache/dynacache/shard/attr"

// Condition is a parsed ConditionExpression/FilterExpression or legacy
// Expected/QueryFilter/ScanFilter.
type Condition struct{}

// Update is a parsed UpdateExpression or legacy AttributeUpdates.
type Update struct{}

// Projection is a parsed ProjectionExpression or legacy AttributesToGet.
type Projection struct{}

// Parse parses and validates every expression of one request.
func Parse(in Input) (*Parsed, error) { panic("expr: not implemented") }

// Eval reports whether item (nil when there is no item) satisfies c.
func (c *Condition) Eval(item attr.Item) bool { panic("expr: not implemented") }

// Apply applies u to item, which it may modify, and returns the result.
func (u *Update) Apply(item attr.Item) (attr.Item, error) { panic("expr: not implemented") }

// Targets returns the document paths u writes, in expression order.
func (u *Update) Targets() []Path { panic("expr: not implemented") }

// UpdatedPaths returns a projection of the paths u writes (for
// ReturnValues UPDATED_OLD / UPDATED_NEW).
func (u *Update) UpdatedPaths() *Projection { panic("expr: not implemented") }

// Apply returns the projection of item (nil stays nil).
func (p *Projection) Apply(item attr.Item) attr.Item { panic("expr: not implemented") }

// Paths returns the projected document paths.
func (p *Projection) Paths() []Path { panic("expr: not implemented") }

// ExpectedCondition is one entry of the legacy Expected, QueryFilter,
// ScanFilter or KeyConditions maps.
type ExpectedCondition struct {
	Exists             *bool
	Value              *attr.Value
	ComparisonOperator string // "" when absent
	AttributeValueList []attr.Value
}

// FromExpected converts legacy Expected (+ConditionalOperator, "" = AND).
func FromExpected(expected map[string]ExpectedCondition, conditionalOperator string) *Condition {
	panic("expr: not implemented")
}

// AttributeUpdate is one entry of legacy AttributeUpdates.
type AttributeUpdate struct {
	Action string // PUT, ADD, DELETE; "" means PUT
	Value  *attr.Value
}

// FromAttributeUpdates converts legacy AttributeUpdates.
func FromAttributeUpdates(updates map[string]AttributeUpdate) *Update {
	panic("expr: not implemented")
}

// FromAttributesToGet converts legacy AttributesToGet.
func FromAttributesToGet(names []string) *Projection { panic("expr: not implemented") }

// FromKeyConditions converts legacy KeyConditions (validated by the caller
// against the table's schema).
func FromKeyConditions(conds map[string]ExpectedCondition) *KeyCondition {
	panic("expr: not implemented")
}
