package dynamodb

import (
	"testing"
)

// TestMemoryBudget: over the store's memory budget, every write that adds
// items is refused with an InternalServerError naming the budget and
// leaves the table as it was; reads and deletes run; under the budget
// again, writes are accepted.
func TestMemoryBudget(t *testing.T) {
	h := newTestHandler()
	defer h.Close()
	b := h.Store().Budget()
	defer b.SetMax(0)
	if r := call(t, h, "CreateTable", `{"TableName":"tab","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`, nil); r.status != 200 {
		t.Fatal(r.body)
	}
	put := `{"TableName":"tab","Item":{"pk":{"S":"a"},"v":{"S":"1"}}}`
	if r := call(t, h, "PutItem", put, nil); r.status != 200 {
		t.Fatal(r.body)
	}
	b.SetMax(1) // used memory is over one byte
	const wantType = "com.amazonaws.dynamodb.v20120810#InternalServerError"
	for _, w := range []struct{ op, body string }{
		{"PutItem", `{"TableName":"tab","Item":{"pk":{"S":"b"}}}`},
		{"UpdateItem", `{"TableName":"tab","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET v = :v","ExpressionAttributeValues":{":v":{"S":"2"}}}`},
		{"BatchWriteItem", `{"RequestItems":{"tab":[{"PutRequest":{"Item":{"pk":{"S":"c"}}}}]}}`},
		{"TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"tab","Item":{"pk":{"S":"d"}}}}]}`},
	} {
		r := call(t, h, w.op, w.body, nil)
		if r.status != 500 || r.typ != wantType || r.msg != errMemoryBudget().Message {
			t.Errorf("%s over the budget: %d %s %q", w.op, r.status, r.typ, r.msg)
		}
	}
	// Bad input still gets its own error first.
	if r := call(t, h, "PutItem", `{"TableName":"tab"}`, nil); r.status != 400 {
		t.Errorf("bad PutItem over the budget: %d %s", r.status, r.body)
	}
	if r := call(t, h, "GetItem", `{"TableName":"tab","Key":{"pk":{"S":"a"}}}`, nil); r.status != 200 || r.body != `{"Item":{"pk":{"S":"a"},"v":{"S":"1"}}}` {
		t.Errorf("GetItem over the budget: %d %s", r.status, r.body)
	}
	if r := call(t, h, "Scan", `{"TableName":"tab","Select":"COUNT"}`, nil); r.status != 200 || r.body != `{"Count":1,"ScannedCount":1}` {
		t.Errorf("nothing refused may have written: %s", r.body)
	}
	if r := call(t, h, "DeleteItem", `{"TableName":"tab","Key":{"pk":{"S":"a"}}}`, nil); r.status != 200 {
		t.Errorf("DeleteItem over the budget: %d %s", r.status, r.body)
	}
	b.SetMax(0)
	if r := call(t, h, "PutItem", put, nil); r.status != 200 {
		t.Errorf("PutItem with no budget: %s", r.body)
	}
}
