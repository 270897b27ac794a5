package dynamodb

import "testing"

// TestUnusedAttributeOrder: DynamoDB's own message for a definition no key
// uses, as measured against DynamoDB (AttributeDefinitions in the
// request's order, the keys used in a Java HashSet's), with a global and
// with a local secondary index.
func TestUnusedAttributeOrder(t *testing.T) {
	h := newTestHandler()
	defer h.Close()
	defs := `"AttributeDefinitions":[{"AttributeName":"sk","AttributeType":"S"},{"AttributeName":"a","AttributeType":"S"},{"AttributeName":"b","AttributeType":"S"},{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"c","AttributeType":"S"}]`
	keys := `"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"BillingMode":"PAY_PER_REQUEST"`
	msg := "One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: [sk, a, b, pk, c], keys used: [a, sk, pk]"
	runControl(t, h, []controlStep{
		{op: "CreateTable", body: `{"TableName":"Gtab",` + defs + `,` + keys + `,"GlobalSecondaryIndexes":[{"IndexName":"by-a","KeySchema":[{"AttributeName":"a","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}]}`,
			typ: "val", msg: msg},
		{op: "CreateTable", body: `{"TableName":"Ltab",` + defs + `,` + keys + `,"LocalSecondaryIndexes":[{"IndexName":"by-a","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"a","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}]}`,
			typ: "val", msg: msg},
	})
}
