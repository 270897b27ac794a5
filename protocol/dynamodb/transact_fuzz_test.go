package dynamodb

import (
	"testing"

	"github.com/dynacache/dynacache/shard"
)

// FuzzTransact feeds TransactWriteItems and TransactGetItems requests
// through the decoder and the handler, against two tables (one with a GSI
// and an LSI). Bad input must get a 400 (never a panic or a 500), and a
// TransactWriteItems that fails must leave both tables as they were (all or
// nothing). The seed corpus is testdata/fuzz/FuzzTransact.
func FuzzTransact(f *testing.F) {
	h := NewHandler(shard.New(nil), Options{})
	f.Cleanup(h.Close)
	for _, body := range []string{
		`{"TableName":"abc","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`,
		`{"TableName":"rng","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"},{"AttributeName":"g","AttributeType":"S"},{"AttributeName":"l","AttributeType":"B"}],
		  "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"BillingMode":"PAY_PER_REQUEST",
		  "GlobalSecondaryIndexes":[{"IndexName":"byg","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}],
		  "LocalSecondaryIndexes":[{"IndexName":"byl","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"l","KeyType":"RANGE"}],"Projection":{"ProjectionType":"KEYS_ONLY"}}]}`,
	} {
		if _, e := h.Do("CreateTable", []byte(body)); e != nil {
			f.Fatal(e)
		}
	}
	h.Do("PutItem", []byte(`{"TableName":"abc","Item":{"pk":{"S":"a"},"n":{"N":"5"},"s":{"S":"x"},"l":{"L":[{"N":"1"}]}}}`))
	h.Do("PutItem", []byte(`{"TableName":"rng","Item":{"pk":{"S":"a"},"sk":{"N":"1"},"g":{"S":"g"}}}`))
	seeds := []string{
		`{"TransactItems":[{"Put":{"TableName":"abc","Item":{"pk":{"S":"b"}},"ConditionExpression":"attribute_not_exists(pk)"}},{"Update":{"TableName":"abc","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET n = n - :v","ConditionExpression":"n >= :v","ExpressionAttributeValues":{":v":{"N":"1"}}}}]}`,
		`{"TransactItems":[{"Delete":{"TableName":"rng","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"ReturnValuesOnConditionCheckFailure":"ALL_OLD","ConditionExpression":"g = :g","ExpressionAttributeValues":{":g":{"S":"h"}}}},{"ConditionCheck":{"TableName":"abc","Key":{"pk":{"S":"a"}},"ConditionExpression":"#s = :s","ExpressionAttributeNames":{"#s":"s"},"ExpressionAttributeValues":{":s":{"S":"x"}}}}],"ReturnConsumedCapacity":"INDEXES","ReturnItemCollectionMetrics":"SIZE","ClientRequestToken":"tok"}`,
		`{"TransactItems":[{"Update":{"TableName":"abc","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET l[5] = :v, s = s + :v","ExpressionAttributeValues":{":v":{"N":"1"}}}},{"Put":{"TableName":"rng","Item":{"pk":{"S":"q"},"sk":{"N":"2"},"g":{"N":"1"}}}}]}`,
		`{"TransactItems":[{"Put":{"TableName":"abc","Item":{"pk":{"S":""}}}},{"Put":{"TableName":"nope","Item":{}},"Delete":{}}]}`,
		`{"TransactItems":[{"Get":{"TableName":"abc","Key":{"pk":{"S":"a"}},"ProjectionExpression":"#n, l[0]","ExpressionAttributeNames":{"#n":"n"}}},{"Get":{"TableName":"rng","Key":{"pk":{"S":"a"},"sk":{"N":"1"}}}}],"ReturnConsumedCapacity":"TOTAL"}`,
		`{"TransactItems":[{"Get":{"TableName":"abc","Key":{"id":{"S":"a"}}}},{"Get":{"TableName":"abc","Key":{"pk":{"S":"a"}}}},{"Get":{"TableName":"abc","Key":{"pk":{"S":"a"}}}}]}`,
		`{"TransactItems":"x","ClientRequestToken":5}`,
		`{"TransactItems":[null,{"Put":null},{"Update":{"Key":{"pk":{"NULL":true}}}}]}`,
	}
	for i, s := range seeds {
		f.Add(byte(i), []byte(s))
	}
	abc, _ := h.store.Table("abc")
	rng, _ := h.store.Table("rng")
	f.Fuzz(func(t *testing.T, op byte, body []byte) {
		name := "TransactWriteItems"
		if op&1 == 1 {
			name = "TransactGetItems"
		}
		n1, n2 := abc.ItemCount(), rng.ItemCount()
		b1, b2 := abc.SizeBytes(), rng.SizeBytes()
		_, e := h.Do(name, body)
		if e == nil {
			return
		}
		if e.Status != 400 {
			t.Fatalf("%s: %d %s", name, e.Status, e.Error())
		}
		if abc.ItemCount() != n1 || rng.ItemCount() != n2 || abc.SizeBytes() != b1 || rng.SizeBytes() != b2 {
			t.Fatalf("%s failed (%s) but changed a table", name, e.Error())
		}
	})
}
