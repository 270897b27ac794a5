package dynamodb

import (
	"strings"
	"testing"
	"time"
)

// txDo runs op on body through Handler.Do (the entry point the RESP port's
// DYNAMODB command uses too).
func txDo(t *testing.T, h *Handler, op, body string) (string, *Error) {
	t.Helper()
	out, e := h.Do(op, []byte(body))
	return string(out), e
}

func txSetup(t *testing.T) *Handler {
	t.Helper()
	h := newTestHandler()
	t.Cleanup(h.Close)
	if _, e := txDo(t, h, "CreateTable", `{"TableName":"acct","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],
		"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`); e != nil {
		t.Fatal(e)
	}
	if _, e := txDo(t, h, "PutItem", `{"TableName":"acct","Item":{"pk":{"S":"a"},"bal":{"N":"10"}}}`); e != nil {
		t.Fatal(e)
	}
	return h
}

// TestTransactCanceledWire: the exception's wire form, as DynamoDB sends
// it: "Message" with a capital M and the reasons in action order.
func TestTransactCanceledWire(t *testing.T) {
	h := txSetup(t)
	_, e := txDo(t, h, "TransactWriteItems", `{"TransactItems":[
		{"Put":{"TableName":"acct","Item":{"pk":{"S":"b"}}}},
		{"ConditionCheck":{"TableName":"acct","Key":{"pk":{"S":"a"}},"ConditionExpression":"bal > :n",
			"ExpressionAttributeValues":{":n":{"N":"10"}},"ReturnValuesOnConditionCheckFailure":"ALL_OLD"}}]}`)
	if e == nil {
		t.Fatal("no error")
	}
	want := `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",` +
		`"Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]",` +
		`"CancellationReasons":[{"Code":"None"},{"Code":"ConditionalCheckFailed","Message":"The conditional request failed",` +
		`"Item":{"bal":{"N":"10"},"pk":{"S":"a"}}}]}`
	if got := string(e.appendJSON(nil)); got != want || e.Status != 400 {
		t.Fatalf("%d %s\nwant %s", e.Status, got, want)
	}
	out, e := txDo(t, h, "TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"acct","Item":{"pk":{"S":"b"}}}}]}`)
	if e != nil || out != "{}" {
		t.Fatalf("%s %v", out, e)
	}
	out, e = txDo(t, h, "TransactGetItems", `{"TransactItems":[{"Get":{"TableName":"acct","Key":{"pk":{"S":"b"}}}},
		{"Get":{"TableName":"acct","Key":{"pk":{"S":"z"}}}}],"ReturnConsumedCapacity":"INDEXES"}`)
	if want := `{"Responses":[{"Item":{"pk":{"S":"b"}}},{}],"ConsumedCapacity":[{"CapacityUnits":4.0,"ReadCapacityUnits":4.0,"TableName":"acct","Table":{"CapacityUnits":4.0,"ReadCapacityUnits":4.0}}]}`; e != nil || out != want {
		t.Fatalf("%s %v\nwant %s", out, e, want)
	}
}

func TestTransactRequestErrors(t *testing.T) {
	h := txSetup(t)
	for _, c := range []struct{ op, body, typ, msg string }{
		{"TransactWriteItems", `{}`, "ValidationException", "1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null"},
		{"TransactWriteItems", `{"TransactItems":[]}`, "ValidationException", "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"TransactWriteItems", `{"TransactItems":[{"Put":{"Item":{"pk":{"S":"x"}}}}]}`, "ValidationException", "1 validation error detected: Value null at 'transactItems.1.member.put.tableName' failed to satisfy constraint: Member must not be null"},
		{"TransactWriteItems", `{"TransactItems":[{"Update":{"TableName":"acct","Key":{"pk":{"S":"x"}}}}]}`, "ValidationException", "1 validation error detected: Value null at 'transactItems.1.member.update.updateExpression' failed to satisfy constraint: Member must not be null"},
		{"TransactWriteItems", `{"TransactItems":[{"ConditionCheck":{"TableName":"acct","Key":{"pk":{"S":"x"}}}}]}`, "ValidationException", "1 validation error detected: Value null at 'transactItems.1.member.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null"},
		{"TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"acct","Item":{"pk":{"S":"x"}}}}],"ClientRequestToken":""}`, "ValidationException", "1 validation error detected: Value '' at 'clientRequestToken' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"acct","Item":{"pk":{"S":"x"}},"ReturnValuesOnConditionCheckFailure":"ALL_NEW"}}]}`, "ValidationException", "1 validation error detected: Value 'ALL_NEW' at 'transactItems.1.member.put.returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]"},
		{"TransactWriteItems", `{"TransactItems":[{"Delete":{"TableName":"acct","Key":{"pk":{"S":"x"}},"ConditionExpression":"attribute_exists(pk)","ExpressionAttributeValues":{}}}]}`, "ValidationException", "ExpressionAttributeValues must not be empty"},
		{"TransactWriteItems", `{"TransactItems":[{"Update":{"TableName":"acct","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET pk = :v","ExpressionAttributeValues":{":v":{"S":"b"}}}}]}`, "TransactionCanceledException", "Transaction cancelled, please refer cancellation reasons for specific reasons [ValidationError]"},
		{"TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"acct","Item":{"pk":{"S":"x"}}}}],"ReturnItemCollectionMetrics":"BOGUS2","ReturnConsumedCapacity":"BOGUS","ClientRequestToken":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}`, "ValidationException", "3 validation errors detected: Value 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36; Value 'BOGUS' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]; Value 'BOGUS2' at 'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]"},
		{"TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"nope","Item":{"pk":{"S":"x"}}}},{"ConditionCheck":{"TableName":"acct","Key":{"pk":{"S":"x"}},"ConditionExpression":"attribute_not_exists("}}]}`, "ValidationException", `Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "("`},
		{"TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"acct","Item":{"pk":{"S":"x"}}}},{"ConditionCheck":{"TableName":"acct","Key":{"pk":{"S":"x"}},"ConditionExpression":"attribute_not_exists(pk)","ExpressionAttributeValues":{":v":{"S":"x"}}}}]}`, "ValidationException", "Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}"},
		{"TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"acct","Item":{"pk":{"L":[{"S":"x"}]}}}}]}`, "TransactionCanceledException", "Transaction cancelled, please refer cancellation reasons for specific reasons [ValidationError]"},
		{"TransactGetItems", `{"TransactItems":[{"Get":{"TableName":"acct","Key":{"pk":{"S":"x"}},"ProjectionExpression":"!!!"}}]}`, "ValidationException", `Invalid ProjectionExpression: Syntax error; token: "!", near: "!!"`},
		{"TransactGetItems", `{"TransactItems":[{"Get":{"TableName":"acct","Key":{}}}]}`, "TransactionCanceledException", "Transaction cancelled, please refer cancellation reasons for specific reasons [ValidationError]"},
		{"TransactGetItems", `{"TransactItems":[]}`, "ValidationException", "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"TransactGetItems", `{"TransactItems":[{}]}`, "ValidationException", "1 validation error detected: Value null at 'transactItems.1.member.get' failed to satisfy constraint: Member must not be null"},
		{"TransactGetItems", `{"TransactItems":[{"Get":{"TableName":"acct","Key":{"pk":{"S":"a"}},"ProjectionExpression":"pk.x"}}]}`, "ValidationException", "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: pk"},
	} {
		_, e := txDo(t, h, c.op, c.body)
		if e == nil || !strings.HasSuffix(e.Type, "#"+c.typ) || e.Message != c.msg {
			t.Errorf("%s %s:\n got %v\nwant %s: %s", c.op, c.body, e, c.typ, c.msg)
		}
	}
}

// TestTransactKeyReasons: a key of the wrong type is the action's reason,
// in the words of the operation it resembles (DynamoDB, recorded by the
// dynamodb-conformance suite).
func TestTransactKeyReasons(t *testing.T) {
	h := txSetup(t)
	for _, c := range []struct{ body, reason string }{
		{`{"Put":{"TableName":"acct","Item":{"pk":{"N":"5"}}}}`, "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"},
		{`{"Put":{"TableName":"acct","Item":{"pk":{"L":[{"S":"x"}]}}}}`, "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: L"},
		{`{"Delete":{"TableName":"acct","Key":{"pk":{"N":"5"}}}}`, "The provided key element does not match the schema"},
		{`{"ConditionCheck":{"TableName":"acct","Key":{"pk":{"L":[]}},"ConditionExpression":"attribute_not_exists(pk)"}}`, "The provided key element does not match the schema"},
	} {
		_, e := txDo(t, h, "TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"acct","Item":{"pk":{"S":"new"}}}},`+c.body+`]}`)
		if e == nil || len(e.Reasons) != 2 || e.Reasons[0].Code != "None" || e.Reasons[1].Code != "ValidationError" || e.Reasons[1].Message != c.reason {
			t.Errorf("%s: %v %+v", c.body, e, e.Reasons)
		}
	}
}

// TestTransactTokens: a token in use by a running transaction, a repeat
// with the members in another order, and a token's expiry.
func TestTransactTokens(t *testing.T) {
	h := txSetup(t)
	now := time.Unix(1_700_000_000, 0)
	h.tokens.now = func() time.Time { return now }
	body := `{"ClientRequestToken":"t1","TransactItems":[{"Update":{"TableName":"acct","Key":{"pk":{"S":"a"}},
		"UpdateExpression":"ADD bal :one","ExpressionAttributeValues":{":one":{"N":"1"}}}}]}`
	in, e := decodeTransactWriteItems([]byte(body))
	if e != nil {
		t.Fatal(e)
	}
	// While the first is running, a repeat is refused.
	if _, e, run := h.tokens.begin("t1", in.fingerprint); e != nil || !run {
		t.Fatal(e)
	}
	if _, e := txDo(t, h, "TransactWriteItems", body); e == nil || !strings.HasSuffix(e.Type, "#TransactionInProgressException") {
		t.Fatal(e)
	}
	h.tokens.finish("t1", nil)

	bal := func() string {
		out, e := txDo(t, h, "GetItem", `{"TableName":"acct","Key":{"pk":{"S":"a"}}}`)
		if e != nil {
			t.Fatal(e)
		}
		return out
	}
	for range 2 {
		if _, e := txDo(t, h, "TransactWriteItems", body); e != nil {
			t.Fatal(e)
		}
	}
	// The same request with its members in another order is a repeat.
	reordered := `{"TransactItems":[{"Update":{"ExpressionAttributeValues":{":one":{"N":"1"}},"UpdateExpression":"ADD bal :one",
		"Key":{"pk":{"S":"a"}},"TableName":"acct"}}],"ClientRequestToken":"t1"}`
	if _, e := txDo(t, h, "TransactWriteItems", reordered); e != nil {
		t.Fatal(e)
	}
	if got := bal(); !strings.Contains(got, `"bal":{"N":"11"}`) {
		t.Fatalf("after repeats: %s", got)
	}
	now = now.Add(txTokenLife - time.Second)
	if _, e := txDo(t, h, "TransactWriteItems", body); e != nil {
		t.Fatal(e)
	}
	if got := bal(); !strings.Contains(got, `"bal":{"N":"11"}`) {
		t.Fatalf("within the window: %s", got)
	}
	now = now.Add(2 * time.Minute)
	if _, e := txDo(t, h, "TransactWriteItems", body); e != nil {
		t.Fatal(e)
	}
	if got := bal(); !strings.Contains(got, `"bal":{"N":"12"}`) {
		t.Fatalf("after expiry: %s", got)
	}
	// Expired tokens are swept.
	now = now.Add(txTokenLife + 2*time.Minute)
	if _, e := txDo(t, h, "TransactWriteItems", strings.Replace(body, `"t1"`, `"t2"`, 1)); e != nil {
		t.Fatal(e)
	}
	h.tokens.mu.Lock()
	n := len(h.tokens.mu.m)
	h.tokens.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d tokens kept", n)
	}
}

// TestTransactTokenLimit: past the limit the oldest committed tokens are
// forgotten first; running ones are never dropped.
func TestTransactTokenLimit(t *testing.T) {
	var tt txTokens
	tt.limit = 3
	res := &txWriteResult{}
	if _, e, run := tt.begin("running", "x"); e != nil || !run {
		t.Fatal(e)
	}
	for i := range 10 {
		tok := string(rune('a' + i))
		if _, e, run := tt.begin(tok, "fp"); e != nil || !run {
			t.Fatal(tok, e)
		}
		tt.finish(tok, res)
	}
	for i := range 10 {
		tok := string(rune('a' + i))
		_, e, run := tt.begin(tok, "fp")
		if e != nil || run != (i < 7) {
			t.Fatalf("%s: run %v, error %v", tok, run, e)
		}
		if run {
			tt.finish(tok, nil)
		}
	}
	if _, e, _ := tt.begin("running", "x"); e == nil || !strings.HasSuffix(e.Type, "#TransactionInProgressException") {
		t.Fatal(e)
	}
	if _, e, _ := tt.begin("j", "other"); e == nil || !strings.HasSuffix(e.Type, "#IdempotentParameterMismatchException") {
		t.Fatal(e)
	}
	tt.mu.Lock()
	defer tt.mu.Unlock()
	if n := len(tt.mu.queue) - tt.mu.head; n != 3 || len(tt.mu.m) != 4 {
		t.Fatalf("queue %d, map %d", n, len(tt.mu.m))
	}
}
