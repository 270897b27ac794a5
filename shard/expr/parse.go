package expr

import (
	"sort"
	"strconv"
	"strings"

	"github.com/dynacache/dynacache/shard/attr"
)

// Limits DynamoDB puts on expressions.
const (
	maxOperators  = 300 // operators and functions in one expression
	maxInOperands = 100 // values in the list of one IN

	// MaxExpressionBytes bounds the UTF-8 length of each expression string.
	// It is checked before anything is parsed, so the parsers' work is
	// bounded by it whatever the request's size.
	MaxExpressionBytes = 4096
)

// checkExpressionSizes applies MaxExpressionBytes to the expressions of in,
// in Parse's order, with DynamoDB's message ("Invalid
// FilterExpression: Expression size has exceeded the maximum allowed size;
// expression size: 5872", as AWS answers it).
func checkExpressionSizes(in *Input) error {
	for _, e := range [...]struct {
		name string
		src  *string
	}{
		{"UpdateExpression", in.UpdateExpression},
		{"ConditionExpression", in.ConditionExpression},
		{"KeyConditionExpression", in.KeyConditionExpression},
		{"FilterExpression", in.FilterExpression},
		{"ProjectionExpression", in.ProjectionExpression},
	} {
		if e.src != nil && len(*e.src) > MaxExpressionBytes {
			return &Error{Msg: "Invalid " + e.name +
				": Expression size has exceeded the maximum allowed size; expression size: " + strconv.Itoa(len(*e.src))}
		}
	}
	return nil
}

// Parse parses and validates every expression of one request. First the
// size of every expression is checked (MaxExpressionBytes), then each is
// parsed in DynamoDB's order: UpdateExpression, ConditionExpression,
// KeyConditionExpression, FilterExpression, ProjectionExpression, then
// placeholders defined but never used, then the structure of the key
// condition. The error, if any, is an *Error carrying DynamoDB's message.
//
// The caller has already validated ExpressionAttributeNames and
// ExpressionAttributeValues themselves (not empty, well-formed keys, valid
// values). Unused placeholders are listed in sorted order (DynamoDB lists
// them in request order, which a Go map does not keep).
func Parse(in Input) (*Parsed, error) {
	if err := checkExpressionSizes(&in); err != nil {
		return nil, err
	}
	ctx := newParseContext(in.Names, in.Values)
	out := &Parsed{}
	var msg string

	if in.UpdateExpression != nil {
		if out.Update, msg = parseUpdate(*in.UpdateExpression, ctx); msg != "" {
			return nil, &Error{Msg: "Invalid UpdateExpression: " + msg}
		}
	}
	if in.ConditionExpression != nil {
		if out.Condition, msg = parseCondition(*in.ConditionExpression, ctx); msg != "" {
			return nil, &Error{Msg: "Invalid ConditionExpression: " + msg}
		}
	}
	var keyCond *Condition
	if in.KeyConditionExpression != nil {
		if keyCond, msg = parseConditionKind(*in.KeyConditionExpression, ctx, true); msg != "" {
			return nil, &Error{Msg: "Invalid KeyConditionExpression: " + msg}
		}
	}
	if in.FilterExpression != nil {
		if out.Filter, msg = parseCondition(*in.FilterExpression, ctx); msg != "" {
			return nil, &Error{Msg: "Invalid FilterExpression: " + msg}
		}
	}
	if in.ProjectionExpression != nil {
		if out.Projection, msg = parseProjection(*in.ProjectionExpression, ctx); msg != "" {
			return nil, &Error{Msg: "Invalid ProjectionExpression: " + msg}
		}
	}
	if keys := ctx.unusedNames(); keys != "" {
		return nil, &Error{Msg: "Value provided in ExpressionAttributeNames unused in expressions: keys: {" + keys + "}"}
	}
	if keys := ctx.unusedValues(); keys != "" {
		return nil, &Error{Msg: "Value provided in ExpressionAttributeValues unused in expressions: keys: {" + keys + "}"}
	}
	if keyCond != nil {
		kc, msg := convertKeyCondition(keyCond.root, in.MultiKey)
		if msg != "" {
			return nil, &Error{Msg: msg}
		}
		out.KeyCondition = kc
	}
	return out, nil
}

// parseContext is shared by the expressions of one request: the
// placeholders and which of them were used.
type parseContext struct {
	names      map[string]string
	values     map[string]attr.Value
	usedNames  map[string]struct{}
	usedValues map[string]struct{}
}

func newParseContext(names map[string]string, values map[string]attr.Value) *parseContext {
	return &parseContext{names: names, values: values}
}

// name resolves a #placeholder, marking it used.
func (c *parseContext) name(ph string) (string, bool) {
	n, ok := c.names[ph]
	if !ok {
		return "", false
	}
	if c.usedNames == nil {
		c.usedNames = make(map[string]struct{}, len(c.names))
	}
	c.usedNames[ph] = struct{}{}
	return n, true
}

// value resolves a :placeholder, marking it used.
func (c *parseContext) value(ph string) (attr.Value, bool) {
	v, ok := c.values[ph]
	if !ok {
		return attr.Value{}, false
	}
	if c.usedValues == nil {
		c.usedValues = make(map[string]struct{}, len(c.values))
	}
	c.usedValues[ph] = struct{}{}
	return v, true
}

func (c *parseContext) unusedNames() string {
	var keys []string
	for k := range c.names {
		if _, ok := c.usedNames[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

func (c *parseContext) unusedValues() string {
	var keys []string
	for k := range c.values {
		if _, ok := c.usedValues[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

// Messages shared by the parsers.
const (
	msgEmpty          = "The expression can not be empty;"
	msgTooManyOps     = "The expression contains too many operators; operator count: "
	msgReserved       = "Attribute name is a reserved keyword; reserved keyword: "
	msgUndefinedName  = "An expression attribute name used in the document path is not defined; attribute name: "
	msgUndefinedValue = "An expression attribute value used in expression is not defined; attribute value: "
	msgUnknownFunc    = "Invalid function name; function: "
	msgOperandCount   = "Incorrect number of operands for operator or function; operator or function: "
	msgNeedsPath      = "Operator or function requires a document path; operator or function: "
	msgOperandType    = "Incorrect operand type for operator or function; operator or function: "
)

// tooManyOperators is DynamoDB's message for an expression with more than
// maxOperators operators and functions. DynamoDB gives the count at which
// the limit was passed, not the total ("operator count: 301" for an
// expression of 909 operators), and reports an invalid function name
// before it ("Invalid function name; function: f" for a < f(f(...(b)))
// nested 1,355 deep), as ScyllaDB's tests recorded against DynamoDB
// (test/alternator/test_limits.py, test_deeply_nested_expression_2 and _5).
func tooManyOperators() string { return msgTooManyOps + strconv.Itoa(maxOperators+1) }

// firstErr records msg in *slot unless the slot is already set: DynamoDB
// reports the first error of each kind.
func firstErr(slot *string, msg string) {
	if *slot == "" {
		*slot = msg
	}
}
