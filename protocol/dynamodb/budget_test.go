package dynamodb

import (
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
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
		{"ExecuteStatement", `{"Statement":"INSERT INTO tab VALUE {'pk': 'e'}"}`},
		{"ExecuteStatement", `{"Statement":"  update tab SET v = 'x' WHERE pk = 'a'"}`},
		{"BatchExecuteStatement", `{"Statements":[{"Statement":"SELECT * FROM tab WHERE pk = 'a'"},{"Statement":"INSERT INTO tab VALUE {'pk': 'f'}"}]}`},
		{"ExecuteTransaction", `{"TransactStatements":[{"Statement":"INSERT INTO tab VALUE {'pk': 'g'}"}]}`},
		{"RestoreTableToPointInTime", `{"SourceTableName":"tab","TargetTableName":"tab2","UseLatestRestorableTime":true}`},
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
	if r := call(t, h, "ExecuteStatement", `{"Statement":"SELECT v FROM tab WHERE pk = 'a'"}`, nil); r.status != 200 || r.body != `{"Items":[{"v":{"S":"1"}}]}` {
		t.Errorf("PartiQL SELECT over the budget: %d %s", r.status, r.body)
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

// TestMemoryBudgetFills: PutItems of 1 KiB fill a budget of 2 MiB over
// what was used: they are accepted until used memory passes it, then
// refused with errMemoryBudget; every acknowledged item is there, the live
// heap is within the budget and a slack (one item, and what
// shard.ItemCost misses of the items written since the last collection),
// and deleting items makes room at once (the account counts them
// exactly, without waiting for a collection).
func TestMemoryBudgetFills(t *testing.T) {
	h := newTestHandler()
	defer h.Close()
	b := h.Store().Budget()
	defer b.SetMax(0)
	if r := call(t, h, "CreateTable", `{"TableName":"tab","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`, nil); r.status != 200 {
		t.Fatal(r.body)
	}
	runtime.GC()
	b.Measure()
	const budget = 2 << 20
	max := b.Used() + budget
	b.SetMax(max)
	val := strings.Repeat("x", 1000)
	acked := 0
	for i := range 10000 { // 10 MB: far past the budget
		r := call(t, h, "PutItem", `{"TableName":"tab","Item":{"pk":{"S":"i`+strconv.Itoa(i)+`"},"v":{"S":"`+val+`"}}}`, nil)
		if r.status == 500 && r.msg == errMemoryBudget().Message {
			break
		}
		if r.status != 200 {
			t.Fatalf("PutItem %d: %d %s", i, r.status, r.body)
		}
		acked++
	}
	if acked == 0 || acked == 10000 {
		t.Fatalf("%d items acknowledged", acked)
	}
	if tb, _ := h.Store().Table("tab"); tb.ItemCount() != int64(acked) {
		t.Errorf("%d acknowledged, %d in the table", acked, tb.ItemCount())
	}
	for _, i := range []int{0, acked / 2, acked - 1} {
		if r := call(t, h, "GetItem", `{"TableName":"tab","Key":{"pk":{"S":"i`+strconv.Itoa(i)+`"}},"ProjectionExpression":"pk"}`, nil); r.body != `{"Item":{"pk":{"S":"i`+strconv.Itoa(i)+`"}}}` {
			t.Errorf("acknowledged item %d: %s", i, r.body)
		}
	}
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	runtime.GC()
	metrics.Read(s)
	live, slack := int64(s[0].Value.Uint64()), int64(budget/8+2048)
	if live > max+slack {
		t.Errorf("live heap %d over the budget %d by %d (slack %d)", live, max, live-max, slack)
	}
	for i := range 100 {
		if r := call(t, h, "DeleteItem", `{"TableName":"tab","Key":{"pk":{"S":"i`+strconv.Itoa(i)+`"}}}`, nil); r.status != 200 {
			t.Fatal(r.body)
		}
	}
	if r := call(t, h, "PutItem", `{"TableName":"tab","Item":{"pk":{"S":"after"},"v":{"S":"`+val+`"}}}`, nil); r.status != 200 {
		t.Errorf("PutItem after deleting 100 items: %d %s", r.status, r.body)
	}
	t.Logf("%d items of 1 KiB acknowledged in a budget of %d; live heap %+d from maxmemory (slack %d)", acked, budget, live-max, slack)
}
