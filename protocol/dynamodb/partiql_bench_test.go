package dynamodb_test

import (
	"fmt"
	"testing"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard"
)

// BenchmarkPartiQL compares a statement with the item API call it becomes,
// through Handler.Do (no HTTP): the difference is the cost of the PartiQL
// front-end (parse, bind, translation through shard/expr).
func BenchmarkPartiQL(b *testing.B) {
	h := dynamodb.NewHandler(shard.New(nil), dynamodb.Options{})
	defer h.Close()
	do := func(op, body string) {
		if _, e := h.Do(op, []byte(body)); e != nil {
			b.Fatal(e)
		}
	}
	do("CreateTable", `{"TableName":"bench","AttributeDefinitions":[{"AttributeName":"k","AttributeType":"S"}],`+
		`"KeySchema":[{"AttributeName":"k","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`)
	for i := 0; i < 1000; i++ {
		do("PutItem", fmt.Sprintf(`{"TableName":"bench","Item":{"k":{"S":"k%d"},"n":{"N":"%d"},"s":{"S":"some text"}}}`, i, i))
	}
	for _, c := range []struct{ name, op, body string }{
		{"GetItem", "GetItem", `{"TableName":"bench","Key":{"k":{"S":"k7"}}}`},
		{"SelectByKey", "ExecuteStatement", `{"Statement":"SELECT * FROM bench WHERE k = 'k7'"}`},
		{"SelectByKeyParam", "ExecuteStatement", `{"Statement":"SELECT * FROM bench WHERE k = ?","Parameters":[{"S":"k7"}]}`},
		{"UpdateItem", "UpdateItem", `{"TableName":"bench","Key":{"k":{"S":"k8"}},"UpdateExpression":"SET n = n + :one","ConditionExpression":"attribute_exists(k)","ExpressionAttributeValues":{":one":{"N":"1"}}}`},
		{"Update", "ExecuteStatement", `{"Statement":"UPDATE bench SET n = n + 1 WHERE k = 'k8'"}`},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				do(c.op, c.body)
			}
		})
	}
}
