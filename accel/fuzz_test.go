package accel_test

import (
	"testing"

	"github.com/dynacache/dynacache/protocol/dynamodb"
)

// FuzzServe: whatever the target and body, the accelerator answers with a
// well-formed JSON reply or an error in DynamoDB's shape, never a panic,
// and its caches never disagree with the upstream afterwards.
func FuzzServe(f *testing.F) {
	targets := []string{"GetItem", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems", "Query", "Scan"}
	for i, b := range []string{
		`{"TableName":"Tab","Key":{"pk":{"S":"a"}}}`,
		`{"RequestItems":{"Tab":{"Keys":[{"pk":{"S":"a"}},{"pk":{"S":"b"}}],"ProjectionExpression":"#v","ExpressionAttributeNames":{"#v":"v"}}}}`,
		`{"TableName":"Tab","Item":{"pk":{"S":"a"},"v":{"N":"1.50"},"m":{"M":{"x":{"L":[{"S":"y"}]}}}}}`,
		`{"TableName":"Tab","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET v = :v","ExpressionAttributeValues":{":v":{"S":"x"}},"ReturnValues":"ALL_NEW"}`,
		`{"TableName":"Tab","Key":{"pk":{"S":"a"}},"ReturnValues":"ALL_OLD"}`,
		`{"RequestItems":{"Tab":[{"PutRequest":{"Item":{"pk":{"S":"b"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"a"}}}}]}}`,
		`{"TransactItems":[{"Put":{"TableName":"Tab","Item":{"pk":{"S":"c"}}}}]}`,
		`{"TableName":"Tab","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"}}}`,
		`{"TableName":"Tab","Key":{"pk":{"S":"a"}},"AttributesToGet":["v","v"]}`,
		`{"TableName":"Tab","Key":{"pk":{"B":"AAA="}}}`,
		`{"TableName":"Tab","Limit":1,"ExclusiveStartKey":{"pk":{"S":"a"}},"FilterExpression":"attribute_exists(#v)","ExpressionAttributeNames":{"#v":"v"}}`,
		`{"TableName":"Tab","Segment":0,"TotalSegments":2,"ConsistentRead":true}`,
		`{"TableName":1}`, `[]`, `{}`, `null`,
	} {
		f.Add(uint8(i), b)
	}
	f.Fuzz(func(t *testing.T, op uint8, body string) {
		e := newEnv(t, envOpts{})
		createTable(t, e.c, "Tab")
		// A cached Scan, to be dropped by whatever the request writes.
		scan := []byte(`{"TableName":"Tab"}`)
		if _, e1 := e.acc.Serve(dynamodb.Target("Scan"), scan); e1 != nil {
			t.Fatal(e1)
		}
		e.acc.Wait()
		target := dynamodb.Target(targets[int(op)%len(targets)])
		reply, apiErr := e.acc.Serve(target, []byte(body))
		if apiErr == nil {
			if _, ok := dynamodb.ParseDoc(reply); !ok {
				t.Fatalf("%s %s: malformed reply %q", target, body, reply)
			}
		} else if apiErr.Status < 400 || apiErr.Type == "" {
			t.Fatalf("%s %s: error %+v", target, body, apiErr)
		}
		// The cache agrees with the upstream on the keys the seeds use.
		for _, k := range []string{"a", "b", "c"} {
			req := []byte(`{"TableName":"Tab","Key":{"pk":{"S":"` + k + `"}}}`)
			got, e1 := e.acc.Serve(dynamodb.Target("GetItem"), req)
			st, want := post(t, e.upstream, "DynamoDB_20120810.GetItem", string(req))
			if e1 != nil || st != 200 || string(got) != want {
				t.Fatalf("after %s %s: key %s: accel %s %v, upstream %d %s", target, body, k, got, e1, st, want)
			}
		}
		got, e1 := e.acc.Serve(dynamodb.Target("Scan"), scan)
		st, want := post(t, e.upstream, "DynamoDB_20120810.Scan", string(scan))
		if e1 != nil || st != 200 || string(got) != want {
			t.Fatalf("after %s %s: scan: accel %s %v, upstream %d %s", target, body, got, e1, st, want)
		}
	})
}
