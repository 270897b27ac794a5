package dynamodb

import (
	"strings"

	"github.com/dynacache/dynacache/shard"
)

// The memory budget (--maxmemory, shard.Budget): DynamoDB tables are never
// evicted, so a write that may add to them while used memory is over the
// budget is refused; reads, deletes and control operations still run, so
// a client can free memory. The check is three atomic loads per write
// (and an exact refresh of the budget's account before a refusal), after
// the request is decoded and validated (bad input gets its own error
// first). A refused write is refused before anything is applied or
// logged: nothing acknowledged is lost, nothing half-applied. An admitted
// write is charged to the budget after it ran (its request's bytes), until
// the next refresh counts the items exactly.

// errMemoryBudget is the reply to a write over the budget.
//
// Why InternalServerError (HTTP 500): DynamoDB has no error for "the
// server is out of memory", since its storage grows without a bound a
// client could reach. Of the errors it has, the request is not invalid
// (ValidationException would tell the client to fix its request), not a
// rate (ProvisionedThroughputExceededException, ThrottlingException and
// RequestLimitExceeded tell it to slow down, and the SDKs retry them for
// long), and not an LSI item collection's 10 GB limit
// (ItemCollectionSizeLimitExceededException is about one partition key).
// A 500 says the server, not the request, failed; every SDK surfaces it
// with its message, which names the cause and the flag, and retries it a
// few times (a write that succeeds on a retry after memory was freed is
// correct: the refused attempt applied nothing).
func errMemoryBudget() *Error {
	return internalError("The server's memory budget (--maxmemory) is exhausted: writes are refused until memory is freed")
}

// checkBudget refuses in when it is a write that may add items and the
// store is over its memory budget; otherwise it returns what to charge
// the budget after the write ran (0: nothing, not a write or no budget).
func (h *Handler) checkBudget(in any, body []byte) (int64, *Error) {
	b := h.store.Budget()
	if b.Max() == 0 || !growsTables(in) {
		return 0, nil
	}
	// Free with no evictions: an exact refresh of the account, then over
	// or not (the fast estimate may overstate after overwrites).
	if b.Over() && !b.Free(0, 0, nil) {
		b.Refused()
		return 0, errMemoryBudget()
	}
	return shard.ItemCost(len(body)), nil
}

// growsTables reports whether in may add items or bytes to a table.
func growsTables(in any) bool {
	switch in := in.(type) {
	case *PutItemInput, *UpdateItemInput, *BatchWriteItemInput, *TransactWriteItemsInput,
		*RestoreTableFromBackupInput, *RestoreTableToPointInTimeInput, *ImportTableInput:
		return true
	case *ExecuteStatementInput:
		return growsPartiQL(in.Statement)
	case *BatchExecuteStatementInput:
		for _, s := range in.Statements {
			if growsPartiQL(s.Statement) {
				return true
			}
		}
	case *ExecuteTransactionInput:
		for _, s := range in.Statements {
			if growsPartiQL(s.Statement) {
				return true
			}
		}
	}
	return false
}

// growsPartiQL reports whether a PartiQL statement is an INSERT or an
// UPDATE (its first word; a statement that does not parse is refused by
// its action anyway).
func growsPartiQL(stmt string) bool {
	stmt = strings.TrimLeft(stmt, " \t\r\n")
	for _, kw := range []string{"INSERT", "UPDATE"} {
		if len(stmt) >= len(kw) && strings.EqualFold(stmt[:len(kw)], kw) {
			return true
		}
	}
	return false
}
