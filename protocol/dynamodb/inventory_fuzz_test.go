package dynamodb

import (
	"encoding/json"
	"testing"
)

// inventoryOps are the operations FuzzInventory drives, indexed by its op
// byte.
var inventoryOps = []string{"DescribeContributorInsights", "UpdateContributorInsights", "ListContributorInsights",
	"CreateGlobalTable", "UpdateGlobalTable", "DescribeGlobalTable", "ListGlobalTables",
	"DescribeGlobalTableSettings", "UpdateGlobalTableSettings",
	"DescribeTableReplicaAutoScaling", "UpdateTableReplicaAutoScaling",
	"DescribeKinesisStreamingDestination", "EnableKinesisStreamingDestination",
	"DisableKinesisStreamingDestination", "UpdateKinesisStreamingDestination"}

// FuzzInventory runs the operations of action_insights.go and
// action_global.go through the whole handler on one table with a GSI:
// any answer but a panic or an internal error is fine, the table's
// description stays readable, and ListContributorInsights pages always
// end.
func FuzzInventory(f *testing.F) {
	for i, s := range []string{
		`{"TableName":"Watched"}`,
		`{"TableName":"Watched","IndexName":"by-kind","ContributorInsightsAction":"ENABLE","ContributorInsightsMode":"THROTTLED_KEYS"}`,
		`{"TableName":"Watched","MaxResults":1,"NextToken":"V2F0Y2hlZABieS1raW5k"}`,
		`{"GlobalTableName":"Watched","ReplicationGroup":[{"RegionName":"us-east-1"}]}`,
		`{"GlobalTableName":"Watched","ReplicaUpdates":[{"Delete":{"RegionName":"us-east-1"}},{"Create":{}}]}`,
		`{"GlobalTableName":"Watched"}`,
		`{"Limit":0,"RegionName":"x"}`,
		`{"GlobalTableName":"Watched"}`,
		`{"GlobalTableName":"Watched","GlobalTableBillingMode":"PAY_PER_REQUEST"}`,
		`{"TableName":"Watched"}`,
		`{"TableName":"Watched","ProvisionedWriteCapacityAutoScalingUpdate":{"AutoScalingDisabled":true}}`,
		`{"TableName":"Watched"}`,
		`{"TableName":"Watched","StreamArn":"arn:aws:kinesis:us-east-1:000000000000:stream/s","EnableKinesisStreamingConfiguration":{"ApproximateCreationDateTimePrecision":"MICROSECOND"}}`,
		`{"TableName":"Watched","StreamArn":"arn:aws:kinesis:us-east-1:000000000000:stream/s"}`,
		`{"TableName":"Watched","StreamArn":"arn:aws:kinesis:us-east-1:000000000000:stream/s","UpdateKinesisStreamingConfiguration":{}}`,
	} {
		f.Add(byte(i), []byte(s))
	}
	h := newTestHandler()
	defer h.Close()
	create := `{"TableName":"Watched","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"},{"AttributeName":"kind","AttributeType":"S"}],` +
		`"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST",` +
		`"GlobalSecondaryIndexes":[{"IndexName":"by-kind","KeySchema":[{"AttributeName":"kind","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}]}`
	if _, e := h.Do("CreateTable", []byte(create)); e != nil {
		f.Fatal(e)
	}
	f.Fuzz(func(t *testing.T, op byte, body []byte) {
		name := inventoryOps[int(op)%len(inventoryOps)]
		out, e := h.Do(name, body)
		if e != nil && (out != nil || e.Status != 400) {
			t.Fatalf("%s %q: %d %s %q", name, body, e.Status, e.Type, e.Message)
		}
		tb, _ := h.store.Table("Watched")
		if err := json.Unmarshal(tb.Meta(), &tableMeta{}); err != nil {
			t.Fatalf("%s %q: description unreadable: %v", name, body, err)
		}
		token := ""
		for pages := 0; ; pages++ {
			if pages > 3 {
				t.Fatalf("ListContributorInsights does not end")
			}
			req, _ := json.Marshal(map[string]any{"MaxResults": 1, "NextToken": token})
			if token == "" {
				req = []byte(`{"MaxResults":1}`)
			}
			out, e := h.Do("ListContributorInsights", req)
			if e != nil {
				t.Fatalf("ListContributorInsights: %s", e.Message)
			}
			var page struct{ NextToken string }
			json.Unmarshal(out, &page)
			if page.NextToken == "" {
				break
			}
			token = page.NextToken
		}
	})
}
