package dynamodb

import "github.com/dynacache/dynacache/shard/attr"

// Error is an error in DynamoDB's wire form: the reply is
// {"__type": Type, "message": Message} with HTTP status Status.
type Error struct {
	Status  int
	Type    string // full __type, e.g. com.amazon.coral.validate#ValidationException
	Message string
	// Item is the item returned with a ConditionalCheckFailedException when
	// ReturnValuesOnConditionCheckFailure is ALL_OLD.
	Item attr.Item
	// NoMessage leaves "message" out of the reply (DynamoDB sends bare
	// SerializationException and UnknownOperationException for some inputs).
	NoMessage bool
	// CapitalMessage writes "Message" instead of "message", as DynamoDB does
	// for SerializationException type errors.
	CapitalMessage bool
	// Raw, when set, is the whole reply body, written as is (an upstream's
	// error passed through by a Backend); Type and Message then say what
	// it holds for other protocols' error replies.
	Raw []byte
	// Reasons are a TransactionCanceledException's CancellationReasons,
	// one per action in request order.
	Reasons []CancellationReason
}

// CancellationReason is one action's part of a canceled transaction: Code
// "None" for an action that did not fail.
type CancellationReason struct {
	Code    string
	Message string
	Item    attr.Item // the old item, for ConditionalCheckFailed with ALL_OLD
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

// The __type namespaces DynamoDB uses.
const (
	nsCoralService  = "com.amazon.coral.service#"
	nsCoralValidate = "com.amazon.coral.validate#"
	nsDynamoDB      = "com.amazonaws.dynamodb.v20120810#"
)

// validationError returns a ValidationException.
func validationError(msg string) *Error {
	return &Error{Status: 400, Type: nsCoralValidate + "ValidationException", Message: msg}
}

// serializationError returns a SerializationException (type errors in the
// request body), which DynamoDB words with a capital "Message".
func serializationError(msg string) *Error {
	return &Error{Status: 400, Type: nsCoralService + "SerializationException", Message: msg, CapitalMessage: true}
}

func resourceNotFound(msg string) *Error {
	return &Error{Status: 400, Type: nsDynamoDB + "ResourceNotFoundException", Message: msg}
}

// tableNotFoundException is the continuous-backup operations' answer for
// a missing table (not ResourceNotFoundException).
func tableNotFoundException(msg string) *Error {
	return &Error{Status: 400, Type: nsDynamoDB + "TableNotFoundException", Message: msg}
}

func resourceInUse(msg string) *Error {
	return &Error{Status: 400, Type: nsDynamoDB + "ResourceInUseException", Message: msg}
}

// conditionalCheckFailed is a failed condition's error; item is the old
// item for ReturnValuesOnConditionCheckFailure ALL_OLD. With an item,
// DynamoDB writes "Message" with a capital M beside "Item" (moto, whose
// tests of this reply are checked against DynamoDB: the parsed reply has
// no top-level "message").
func conditionalCheckFailed(item attr.Item) *Error {
	return &Error{Status: 400, Type: nsDynamoDB + "ConditionalCheckFailedException", Message: "The conditional request failed", Item: item,
		CapitalMessage: item != nil}
}

func limitExceeded(msg string) *Error {
	return &Error{Status: 400, Type: nsDynamoDB + "LimitExceededException", Message: msg}
}

func internalError(msg string) *Error {
	return &Error{Status: 500, Type: nsDynamoDB + "InternalServerError", Message: msg}
}

// transactionCanceled returns DynamoDB's TransactionCanceledException for
// the reasons, one per action. It says "Message" with a capital M, as
// DynamoDB does for this exception.
func transactionCanceled(reasons []CancellationReason) *Error {
	msg := make([]byte, 0, 96+16*len(reasons))
	msg = append(msg, "Transaction cancelled, please refer cancellation reasons for specific reasons ["...)
	for i, r := range reasons {
		if i > 0 {
			msg = append(msg, ", "...)
		}
		msg = append(msg, r.Code...)
	}
	msg = append(msg, ']')
	return &Error{Status: 400, Type: nsDynamoDB + "TransactionCanceledException", Message: string(msg),
		CapitalMessage: true, Reasons: reasons}
}

func idempotentParameterMismatch() *Error {
	return &Error{Status: 400, Type: nsDynamoDB + "IdempotentParameterMismatchException",
		Message: "The request uses the same client token as a previous, but non-identical request."}
}

func transactionInProgress() *Error {
	return &Error{Status: 400, Type: nsDynamoDB + "TransactionInProgressException",
		Message: "The transaction with the given request token is already in progress."}
}
