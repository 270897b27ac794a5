package dynamodb

// The memory budget (--maxmemory, shard.Budget): DynamoDB tables are never
// evicted, so a write that would add to them while used memory is over the
// budget is refused; reads, deletes and control operations still run, so
// a client can free memory. The check is one atomic load per write, after
// the request is decoded and validated (bad input gets its own error
// first).

// errMemoryBudget is the reply to a write over the budget: a server-side
// condition the client may retry after memory is freed, so a 500
// InternalServerError (which the AWS SDKs retry) naming the cause.
func errMemoryBudget() *Error {
	return internalError("The server's memory budget (--maxmemory) is exhausted: writes are refused until memory is freed")
}

// checkBudget refuses in when it is a write and the store is over its
// memory budget.
func (h *Handler) checkBudget(in any) *Error {
	b := h.store.Budget()
	if b.Max() == 0 {
		return nil
	}
	switch in.(type) {
	case *PutItemInput, *UpdateItemInput, *BatchWriteItemInput, *TransactWriteItemsInput,
		*RestoreTableFromBackupInput, *ImportTableInput:
		if b.Over() {
			return errMemoryBudget()
		}
	}
	return nil
}
