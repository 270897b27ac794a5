package dynamodb

import (
	"encoding/json"
	"strings"
	"testing"
)

// controlStep is one request of a control-plane conversation and its
// answer: status 200 with body want (when want is not ""), or the error
// typ ("val", "notfound", "tablenotfound" or a full __type) and message.
type controlStep struct {
	op, body string
	typ, msg string
	want     string
}

func runControl(t *testing.T, h *Handler, steps []controlStep) {
	t.Helper()
	types := map[string]string{
		"val":           nsCoralValidate + "ValidationException",
		"ser":           nsCoralService + "SerializationException",
		"notfound":      nsDynamoDB + "ResourceNotFoundException",
		"tablenotfound": nsDynamoDB + "TableNotFoundException",
	}
	for i, s := range steps {
		r := call(t, h, s.op, s.body, nil)
		if s.typ == "" {
			if r.status != 200 {
				t.Fatalf("step %d %s %s: %d %s %q", i, s.op, s.body, r.status, r.typ, r.msg)
			}
			if s.want != "" && r.body != s.want {
				t.Fatalf("step %d %s %s:\n got %s\nwant %s", i, s.op, s.body, r.body, s.want)
			}
			continue
		}
		typ := types[s.typ]
		if typ == "" {
			typ = s.typ
		}
		if r.status != 400 || r.typ != typ || r.msg != s.msg {
			t.Fatalf("step %d %s %s:\n got %d %s %q\nwant 400 %s %q", i, s.op, s.body, r.status, r.typ, r.msg, typ, s.msg)
		}
	}
}

const (
	testArn     = "arn:aws:dynamodb:us-east-1:000000000000:table/Tagged"
	testArnBody = `"ResourceArn":"` + testArn + `"`
)

func TestTagsWire(t *testing.T) {
	h := newTestHandler()
	defer h.Close()
	long := strings.Repeat("k", 129)
	var fifty []string
	for i := 0; i < 50; i++ {
		fifty = append(fifty, `{"Key":"k`+itoa(i)+`","Value":"v"}`)
	}
	runControl(t, h, []controlStep{
		// Tags on CreateTable are checked as TagResource's, and a refused
		// CreateTable creates nothing.
		{op: "CreateTable", body: `{"TableName":"Tagged","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST","Tags":[{"Key":"aws:x","Value":"1"}]}`,
			typ: "val", msg: "Tag Key cannot be prefixed with aws:, Key: aws:x"},
		{op: "DescribeTable", body: `{"TableName":"Tagged"}`, typ: "notfound", msg: "Requested resource not found: Table: Tagged not found"},
		{op: "CreateTable", body: `{"TableName":"Tagged","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST","Tags":[{"Key":"env","Value":"dev"}]}`},
		{op: "ListTagsOfResource", body: `{` + testArnBody + `}`, want: `{"Tags":[{"Key":"env","Value":"dev"}]}`},

		// The ARN, checked before the tags.
		{op: "TagResource", body: `{}`, typ: "val", msg: "Invalid TableArn"},
		{op: "TagResource", body: `{` + testArnBody + `}`, typ: "val", msg: "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null"},
		{op: "UntagResource", body: `{` + testArnBody + `}`, typ: "val", msg: "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"},
		{op: "ListTagsOfResource", body: `{}`, typ: "val", msg: "Invalid TableArn"},
		{op: "TagResource", body: `{"ResourceArn":"I_do_not_exist","Tags":[]}`, typ: "val", msg: "One or more parameter values were invalid: ARNs must start with 'arn:': I_do_not_exist"},
		{op: "ListTagsOfResource", body: `{"ResourceArn":"arn:aws:s3:::bucket/x:y"}`, typ: "val", msg: "One or more parameter values were invalid: Provided Arn is not a DynamoDB resource arn: arn:aws:s3:::bucket/x:y"},
		{op: "ListTagsOfResource", body: `{"ResourceArn":"a:b:c:d:e:f/g"}`, typ: "val", msg: "One or more parameter values were invalid: ARNs must start with 'arn:': a:b:c:d:e:f/g"},
		{op: "ListTagsOfResource", body: `{"ResourceArn":"arn:aws:dynamodb:eu-west-1:000000000000:table/Tagged"}`, typ: "val", msg: "Invalid TableArn: Invalid ResourceArn provided as input arn:aws:dynamodb:eu-west-1:000000000000:table/Tagged"},
		{op: "ListTagsOfResource", body: `{"ResourceArn":"arn:aws:dynamodb:us-east-1:000000000000:table/ab"}`, typ: "val", msg: "Invalid TableArn: Invalid ResourceArn provided as input arn:aws:dynamodb:us-east-1:000000000000:table/ab"},
		{op: "ListTagsOfResource", body: `{"ResourceArn":"` + testArn + `/index/gsi"}`, typ: "val", msg: "One or more parameter values were invalid: Invalid resource arn provided, only table or stream is accepted. Provided resource arn: " + testArn + "/index/gsi"},
		{op: "ListTagsOfResource", body: `{"ResourceArn":"arn:aws:dynamodb:us-east-1:000000000000:table/Nope"}`, typ: "notfound", msg: "Requested resource not found: ResourcArn: arn:aws:dynamodb:us-east-1:000000000000:table/Nope not found"},
		{op: "TagResource", body: `{"ResourceArn":"arn:aws:dynamodb:us-east-1:000000000000:table/Nope","Tags":[{"Key":"a","Value":"b"}]}`, typ: "notfound", msg: "Requested resource not found: ResourcArn: arn:aws:dynamodb:us-east-1:000000000000:table/Nope not found"},
		{op: "UntagResource", body: `{"ResourceArn":"arn:aws:dynamodb:us-east-1:000000000000:table/Nope","TagKeys":["a"]}`, typ: "notfound", msg: "Requested resource not found"},

		// The tags themselves: every error refuses the whole request.
		{op: "TagResource", body: `{` + testArnBody + `,"Tags":[]}`, typ: "val", msg: "Atleast one Tag needs to be provided as Input."},
		{op: "UntagResource", body: `{` + testArnBody + `,"TagKeys":[]}`, typ: "val", msg: "Atleast one Tag Key needs to be provided as Input."},
		{op: "TagResource", body: `{` + testArnBody + `,"Tags":[{"Key":"ok","Value":"1"},{"Key":"` + long + `","Value":"v"}]}`, typ: "val", msg: "The Tag Key provided is invalid, Key: " + long},
		{op: "TagResource", body: `{` + testArnBody + `,"Tags":[{"Key":"","Value":"v"}]}`, typ: "val", msg: "The Tag Key provided is invalid, Key: "},
		{op: "TagResource", body: `{` + testArnBody + `,"Tags":[{"Value":"v"}]}`, typ: "val", msg: "The Tag Key provided is invalid, Key: null"},
		{op: "TagResource", body: `{` + testArnBody + `,"Tags":[{"Key":"k"}]}`, typ: "val", msg: "The Tag Value provided is invalid, Value: null"},
		{op: "TagResource", body: `{` + testArnBody + `,"Tags":[{"Key":"k","Value":"` + strings.Repeat("v", 257) + `"}]}`, typ: "val", msg: "The Tag Value provided is invalid, Value: " + strings.Repeat("v", 257)},
		{op: "TagResource", body: `{` + testArnBody + `,"Tags":[{"Key":"k","Value":"100%"}]}`, typ: "val", msg: "The Tag Value provided is invalid, Value: 100%"},
		{op: "TagResource", body: `{` + testArnBody + `,"Tags":[{"Key":"a,b","Value":"v"}]}`, typ: "val", msg: "The Tag Key provided is invalid, Key: a,b"},
		{op: "TagResource", body: `{` + testArnBody + `,"Tags":[{"Key":"ok","Value":"1"},{"Key":"aws:zzz","Value":"v"}]}`, typ: "val", msg: "Tag Key cannot be prefixed with aws:, Key: aws:zzz"},
		{op: "TagResource", body: `{` + testArnBody + `,"Tags":[{"Key":"dup","Value":"1"},{"Key":"dup","Value":"2"}]}`, typ: "val", msg: "Duplicate Tag Keys provided as input: Duplicate Tag Key found dup"},
		{op: "UntagResource", body: `{` + testArnBody + `,"TagKeys":["` + long + `"]}`, typ: "val", msg: "The Tag Key provided is invalid, Key: " + long},
		{op: "TagResource", body: `{"ResourceArn":1}`, typ: "ser", msg: "NUMBER_VALUE cannot be converted to String"},
		{op: "ListTagsOfResource", body: `{` + testArnBody + `}`, want: `{"Tags":[{"Key":"env","Value":"dev"}]}`},

		// Tagging a key again replaces its value; any script's letters,
		// digits, spaces and + - = . _ : / @ are allowed.
		{op: "TagResource", body: `{` + testArnBody + `,"Tags":[{"Key":"env","Value":"prod"},{"Key":"ключ","Value":"café 表 a+b-c=d.e_f:g/h@i"}]}`, want: ``},
		{op: "ListTagsOfResource", body: `{` + testArnBody + `,"NextToken":"x"}`, want: `{"Tags":[{"Key":"env","Value":"prod"},{"Key":"ключ","Value":"café 表 a+b-c=d.e_f:g/h@i"}]}`},
		// Removing a key the table does not have is no error.
		{op: "UntagResource", body: `{` + testArnBody + `,"TagKeys":["env","absent"]}`, want: ``},
		{op: "ListTagsOfResource", body: `{` + testArnBody + `}`, want: `{"Tags":[{"Key":"ключ","Value":"café 表 a+b-c=d.e_f:g/h@i"}]}`},

		// 50 tags at most, counting those the table has.
		{op: "TagResource", body: `{` + testArnBody + `,"Tags":[` + strings.Join(fifty, ",") + `]}`, typ: "val", msg: "Number of Tags exceed the current limit for the provided ResourceArn"},
		{op: "UntagResource", body: `{` + testArnBody + `,"TagKeys":["ключ"]}`},
		{op: "TagResource", body: `{` + testArnBody + `,"Tags":[` + strings.Join(fifty, ",") + `]}`},
		{op: "TagResource", body: `{` + testArnBody + `,"Tags":[{"Key":"one-more","Value":"v"}]}`, typ: "val", msg: "Number of Tags exceed the current limit for the provided ResourceArn"},
		{op: "CreateTable", body: `{"TableName":"TooMany","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST","Tags":[` + strings.Join(fifty, ",") + `,{"Key":"x","Value":"y"}]}`,
			typ: "val", msg: "Number of Tags exceed the current limit for the provided ResourceArn"},
	})
}

func TestTimeToLiveWire(t *testing.T) {
	h := newTestHandler()
	defer h.Close()
	runControl(t, h, []controlStep{
		{op: "CreateTable", body: `{"TableName":"Sessions","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`},
		{op: "DescribeTimeToLive", body: `{"TableName":"Sessions"}`, want: `{"TimeToLiveDescription":{"TimeToLiveStatus":"DISABLED"}}`},
		{op: "UpdateTimeToLive", body: `{"TableName":"Sessions"}`, typ: "val", msg: "1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null"},
		{op: "UpdateTimeToLive", body: `{"TableName":"Sessions","TimeToLiveSpecification":{"AttributeName":"","Enabled":true}}`, typ: "val", msg: "1 validation error detected: Value '' at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{op: "UpdateTimeToLive", body: `{"TableName":"Nope","TimeToLiveSpecification":{"AttributeName":"exp","Enabled":true}}`, typ: "notfound", msg: "Requested resource not found: Table: Nope not found"},
		{op: "UpdateTimeToLive", body: `{"TableName":"Sessions","TimeToLiveSpecification":{"AttributeName":"exp","Enabled":false}}`, typ: "val", msg: "TimeToLive is already disabled"},
		{op: "UpdateTimeToLive", body: `{"TableName":"Sessions","TimeToLiveSpecification":{"AttributeName":"exp","Enabled":true}}`, want: `{"TimeToLiveSpecification":{"AttributeName":"exp","Enabled":true}}`},
		{op: "DescribeTimeToLive", body: `{"TableName":"Sessions"}`, want: `{"TimeToLiveDescription":{"TimeToLiveStatus":"ENABLED","AttributeName":"exp"}}`},
		{op: "UpdateTimeToLive", body: `{"TableName":"Sessions","TimeToLiveSpecification":{"AttributeName":"exp","Enabled":true}}`, typ: "val", msg: "TimeToLive is already enabled"},
		{op: "UpdateTimeToLive", body: `{"TableName":"Sessions","TimeToLiveSpecification":{"AttributeName":"other","Enabled":true}}`, typ: "val", msg: "TimeToLive is active on a different AttributeName: current AttributeName is exp"},
		{op: "UpdateTimeToLive", body: `{"TableName":"Sessions","TimeToLiveSpecification":{"AttributeName":"other","Enabled":false}}`, typ: "val", msg: "TimeToLive is active on a different AttributeName: current AttributeName is exp"},
		{op: "UpdateTimeToLive", body: `{"TableName":"Sessions","TimeToLiveSpecification":{"AttributeName":"exp","Enabled":false}}`, want: `{"TimeToLiveSpecification":{"Enabled":false}}`},
		{op: "DescribeTimeToLive", body: `{"TableName":"Sessions"}`, want: `{"TimeToLiveDescription":{"TimeToLiveStatus":"DISABLED"}}`},
	})
}

func TestContinuousBackupsWire(t *testing.T) {
	h := newTestHandler()
	defer h.Close()
	disabled := `{"ContinuousBackupsDescription":{"ContinuousBackupsStatus":"ENABLED","PointInTimeRecoveryDescription":{"PointInTimeRecoveryStatus":"DISABLED"}}}`
	runControl(t, h, []controlStep{
		{op: "CreateTable", body: `{"TableName":"Ledger","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`},
		{op: "DescribeContinuousBackups", body: `{"TableName":"Ledger"}`, want: disabled},
		{op: "DescribeContinuousBackups", body: `{"TableName":"Nope"}`, typ: "tablenotfound", msg: "Table not found: Nope"},
		{op: "UpdateContinuousBackups", body: `{"TableName":"Nope","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":true}}`, typ: "tablenotfound", msg: "Table not found: Nope"},
		{op: "UpdateContinuousBackups", body: `{"TableName":"Ledger"}`, typ: "val", msg: "1 validation error detected: Value null at 'pointInTimeRecoverySpecification' failed to satisfy constraint: Member must not be null"},
		{op: "UpdateContinuousBackups", body: `{"TableName":"Ledger","PointInTimeRecoverySpecification":{}}`, typ: "val", msg: "1 validation error detected: Value null at 'pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled' failed to satisfy constraint: Member must not be null"},
		{op: "UpdateContinuousBackups", body: `{"TableName":"Ledger","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":true,"RecoveryPeriodInDays":36}}`, typ: "val", msg: "1 validation error detected: Value '36' at 'pointInTimeRecoverySpecification.recoveryPeriodInDays' failed to satisfy constraint: Member must have value less than or equal to 35"},
		{op: "UpdateContinuousBackups", body: `{"TableName":"Ledger","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":false,"RecoveryPeriodInDays":7}}`, typ: "val", msg: "Invalid Request: Cannot specify RecoveryPeriodInDays when disabling point-in-time recovery."},
		{op: "UpdateContinuousBackups", body: `{"TableName":"Ledger","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":false}}`, want: disabled},
	})
}

func TestDeletionProtectionWire(t *testing.T) {
	h := newTestHandler()
	defer h.Close()
	runControl(t, h, []controlStep{
		{op: "CreateTable", body: `{"TableName":"Kept","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1},"DeletionProtectionEnabled":true}`},
		{op: "DeleteTable", body: `{"TableName":"Kept"}`, typ: "val", msg: "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first."},
		{op: "UpdateTable", body: `{"TableName":"Kept","DeletionProtectionEnabled":false,"ProvisionedThroughput":{"ReadCapacityUnits":2,"WriteCapacityUnits":1}}`,
			typ: "val", msg: "One or more parameter values were invalid: DeletionProtection modification must be the only operation in the request"},
		{op: "UpdateTable", body: `{"TableName":"Kept","DeletionProtectionEnabled":false,"SSESpecification":{"Enabled":true}}`,
			typ: "val", msg: "One or more parameter values were invalid: Server-Side Encryption modification must be the only operation in the request"},
		{op: "UpdateTable", body: `{"TableName":"Kept","DeletionProtectionEnabled":false}`},
		{op: "DeleteTable", body: `{"TableName":"Kept"}`},
	})
}

// controlOps are the operations FuzzControl drives, indexed by its op
// byte.
var controlOps = []string{"TagResource", "UntagResource", "ListTagsOfResource",
	"UpdateTimeToLive", "DescribeTimeToLive", "UpdateContinuousBackups", "DescribeContinuousBackups",
	"UpdateTable", "DeleteTable", "CreateTable"}

// FuzzControl runs control-plane requests through the whole handler
// (decode and action) on one table: any answer but a panic or an internal
// error is fine, and the table's description must stay readable.
func FuzzControl(f *testing.F) {
	for i, s := range []string{
		`{"ResourceArn":"` + testArn + `","Tags":[{"Key":"k","Value":"v"}]}`,
		`{"ResourceArn":"` + testArn + `","TagKeys":["k","\u00e9"]}`,
		`{"ResourceArn":"arn:aws:dynamodb:us-east-1:000000000000:table/Tagged/stream/x","NextToken":""}`,
		`{"TableName":"Tagged","TimeToLiveSpecification":{"AttributeName":"exp","Enabled":true}}`,
		`{"TableName":"Tagged"}`,
		`{"TableName":"Tagged","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":true,"RecoveryPeriodInDays":1}}`,
		`{"TableName":"Tagged"}`,
		`{"TableName":"Tagged","DeletionProtectionEnabled":true}`,
		`{"TableName":"Tagged"}`,
		`{"TableName":"Tagged","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST","Tags":[{"Key":"a:b","Value":"@"}]}`,
		`{"ResourceArn":"arn:::::","Tags":[{}]}`,
	} {
		f.Add(byte(i), []byte(s))
	}
	h := newTestHandler()
	defer h.Close()
	create := `{"TableName":"Tagged","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`
	f.Fuzz(func(t *testing.T, op byte, body []byte) {
		if _, ok := h.store.Table("Tagged"); !ok {
			if _, e := h.Do("CreateTable", []byte(create)); e != nil {
				t.Fatal(e)
			}
		}
		name := controlOps[int(op)%len(controlOps)]
		out, e := h.Do(name, body)
		if e != nil {
			if out != nil || e.Status != 400 {
				t.Fatalf("%s %q: %d %s %q", name, body, e.Status, e.Type, e.Message)
			}
		}
		if tb, ok := h.store.Table("Tagged"); ok {
			if err := json.Unmarshal(tb.Meta(), &tableMeta{}); err != nil {
				t.Fatalf("%s %q: description unreadable: %v", name, body, err)
			}
		}
	})
}

// TestUnusedAttributeWire: CreateTable refuses an attribute definition no
// key schema uses, so a table never describes one.
func TestUnusedAttributeWire(t *testing.T) {
	h := newTestHandler()
	defer h.Close()
	runControl(t, h, []controlStep{
		{op: "CreateTable", body: `{"TableName":"Extra","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"},{"AttributeName":"kind","AttributeType":"S"},{"AttributeName":"spare","AttributeType":"N"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST","GlobalSecondaryIndexes":[{"IndexName":"by-kind","KeySchema":[{"AttributeName":"kind","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}]}`,
			typ: "val", msg: "One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: [id, kind, spare], keys used: [kind, id]"},
		{op: "DescribeTable", body: `{"TableName":"Extra"}`, typ: "notfound", msg: "Requested resource not found: Table: Extra not found"},
	})
}
