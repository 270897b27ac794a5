package resp

import (
	"testing"
)

// TestDynamoTransactions: DYNAMODB reaches TransactWriteItems and
// TransactGetItems like any operation, errors included.
func TestDynamoTransactions(t *testing.T) {
	cv := newConvo(t, Options{})
	cv.Do("DYNAMODB", "CreateTable", `{"TableName":"acct","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`).Contains(`"TableName":"acct"`)
	cv.Do("DYNAMODB", "TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"acct","Item":{"pk":{"S":"a"},"bal":{"N":"10"}}}},{"Put":{"TableName":"acct","Item":{"pk":{"S":"b"},"bal":{"N":"0"}}}}]}`).Str("{}")
	cv.Do("DYNAMODB", "TransactWriteItems", `{"TransactItems":[
		{"Update":{"TableName":"acct","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET bal = bal - :n","ConditionExpression":"bal >= :n","ExpressionAttributeValues":{":n":{"N":"11"}}}},
		{"Update":{"TableName":"acct","Key":{"pk":{"S":"b"}},"UpdateExpression":"SET bal = bal + :n","ExpressionAttributeValues":{":n":{"N":"11"}}}}]}`).
		Err("ERR TransactionCanceledException: Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]")
	cv.Do("DYNAMODB", "TransactGetItems", `{"TransactItems":[{"Get":{"TableName":"acct","Key":{"pk":{"S":"a"}}}},{"Get":{"TableName":"acct","Key":{"pk":{"S":"b"}}}}]}`).
		Str(`{"Responses":[{"Item":{"bal":{"N":"10"},"pk":{"S":"a"}}},{"Item":{"bal":{"N":"0"},"pk":{"S":"b"}}}]}`)
}
