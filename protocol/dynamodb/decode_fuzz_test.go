package dynamodb

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/stream"
)

// decodeOps is every operation decodeRequest knows, indexed by the fuzz
// target's op byte.
var decodeOps = []string{
	"CreateTable", "DescribeTable", "ListTables", "DeleteTable", "UpdateTable",
	"PutItem", "GetItem", "UpdateItem", "DeleteItem",
	"Query", "Scan", "BatchGetItem", "BatchWriteItem", "DescribeTimeToLive",
	"UpdateTimeToLive", "DescribeContinuousBackups", "UpdateContinuousBackups",
}

func FuzzDecodeRequest(f *testing.F) {
	seeds := []string{
		`{"TableName":"abc","Item":{"a":{"S":"x"},"b":{"N":"1.5"},"c":{"L":[{"M":{"d":{"BS":["AA=="]}}}]}}}`,
		`{"TableName":"abc","Key":{"a":{"S":"x"}},"ProjectionExpression":"a, #b[1].c","ExpressionAttributeNames":{"#b":"b"}}`,
		`{"TableName":"abc","Key":{"a":{"N":"1"}},"UpdateExpression":"SET a = :v ADD b :n","ConditionExpression":"attribute_exists(a)","ExpressionAttributeValues":{":v":{"S":"x"},":n":{"N":"1"}}}`,
		`{"TableName":"abc","Item":{},"Expected":{"a":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"1"},{"N":"2"}]}},"ConditionalOperator":"OR"}`,
		`{"TableName":"abc","Key":{},"AttributeUpdates":{"a":{"Action":"ADD","Value":{"NS":["1"]}}}}`,
		`{"TableName":"abc","KeyConditionExpression":"a = :a AND b BETWEEN :x AND :y","ExpressionAttributeValues":{":a":{"S":"a"},":x":{"N":"1"},":y":{"N":"2"}}}`,
		`{"TableName":"abc","KeyConditions":{"a":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"a"}]}},"QueryFilter":{"c":{"ComparisonOperator":"NOT_NULL"}}}`,
		`{"TableName":"abc","Segment":0,"TotalSegments":2,"ScanFilter":{"a":{"ComparisonOperator":"IN","AttributeValueList":[{"S":"a"}]}}}`,
		`{"RequestItems":{"abc":{"Keys":[{"a":{"S":"x"}}],"ProjectionExpression":"a"}}}`,
		`{"RequestItems":{"abc":[{"PutRequest":{"Item":{"a":{"S":"x"}}}},{"DeleteRequest":{"Key":{"a":{"S":"y"}}}}]}}`,
		`{"TableName":"abc","AttributeDefinitions":[{"AttributeName":"a","AttributeType":"S"}],"KeySchema":[{"AttributeName":"a","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST","GlobalSecondaryIndexes":[{"IndexName":"idx","KeySchema":[{"AttributeName":"a","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}]}`,
		`{"TableName":"abc","GlobalSecondaryIndexUpdates":[{"Create":{"IndexName":"idx","KeySchema":[{"AttributeName":"a","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}}]}`,
		`{"Limit":"x","ExclusiveStartTableName":5}`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[`,
		`{"TableName":"\u00e9\ud800","Item":{"a":{"B":"+/+="}}}`,
		"{\"TableName\":\"abc\",\"Item\":{\"K\":{\"S\":\"K\xff\"}}}",
		`{"TableName":"abc","Item":{"K":{"S":"\ud83d\ude00\u00e9\n"}}}`,
	}
	for i, s := range seeds {
		f.Add(byte(i), []byte(s))
	}
	f.Fuzz(func(t *testing.T, op byte, body []byte) {
		name := decodeOps[int(op)%len(decodeOps)]
		// The two JSON readers agree, and every accepted string is valid
		// UTF-8 (none is silently repaired).
		v, ok := jvParse(body)
		if ok != jsonWellFormed(body) {
			t.Fatalf("jvParse ok=%v, jsonWellFormed %v", ok, !ok)
		}
		if ok && !jvValidUTF8(&v) {
			t.Fatalf("accepted a string that is not UTF-8")
		}
		in, e := decodeRequest(name, body)
		if e != nil {
			if in != nil {
				t.Fatalf("%s: both input and error", name)
			}
			if e.Status == 500 && !strings.Contains(e.Message, "not implemented") {
				t.Fatalf("%s: internal error: %s", name, e.Message)
			}
			if e.Status != 400 && e.Status != 500 {
				t.Fatalf("%s: status %d", name, e.Status)
			}
			return
		}
		if in == nil {
			t.Fatalf("%s: neither input nor error", name)
		}
	})
}

func jvValidUTF8(v *jv) bool {
	if v.kind == jvString && !utf8.ValidString(v.str) {
		return false
	}
	for i := range v.kids {
		if !utf8.ValidString(v.kids[i].key) || !jvValidUTF8(&v.kids[i].val) {
			return false
		}
	}
	return true
}

// FuzzShardIterator: no string panics the shard iterator decoder, and what
// decodes encodes to an iterator that decodes the same.
func FuzzShardIterator(f *testing.F) {
	arn := "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2026-12-04T15:53:41.773"
	f.Add(encodeIterator(arn, stream.Shard{ID: "shardId-00000001796399620000-7222941f"}, 42, time.UnixMilli(1796399622257)))
	f.Add(arn + "|1|")
	f.Add("|1|AAAA")
	f.Fuzz(func(t *testing.T, it string) {
		arn, id, seq, created, ok := decodeIterator(it)
		if !ok {
			return
		}
		a2, id2, seq2, c2, ok := decodeIterator(encodeIterator(arn, stream.Shard{ID: id}, seq, created))
		if !ok || a2 != arn || id2 != id || seq2 != seq || !c2.Equal(created) {
			t.Fatalf("round trip of %q: %q %q %d %v", it, a2, id2, seq2, c2)
		}
	})
}

// FuzzStreamsRequest: no body panics a Streams API operation; each gets a
// reply or one of DynamoDB's errors.
func FuzzStreamsRequest(f *testing.F) {
	h := NewHandler(shard.New(nil), Options{})
	if _, e := h.Do("CreateTable", []byte(`{"TableName":"fzz","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],
		"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST",
		"StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"}}`)); e != nil {
		f.Fatal(e)
	}
	h.Do("PutItem", []byte(`{"TableName":"fzz","Item":{"pk":{"S":"a"}}}`))
	arn := h.opts.Streams.Streams()[0]
	info := arn.Info()
	sarn := h.streamArn(info.Table, info.ID)
	sh := arn.Shards()[0]
	for _, seed := range []string{
		`{}`, `null`, `{"TableName":"fzz","Limit":1}`, `{"StreamArn":"` + sarn + `"}`,
		`{"StreamArn":"` + sarn + `","ShardId":"` + sh.ID + `","ShardIteratorType":"TRIM_HORIZON"}`,
		`{"StreamArn":"` + sarn + `","ShardId":"` + sh.ID + `","ShardIteratorType":"AT_SEQUENCE_NUMBER","SequenceNumber":"000000000000000000001"}`,
		`{"ShardIterator":"` + encodeIterator(sarn, sh, 1, time.Now()) + `","Limit":5}`,
		`{"Limit":"x"}`, `{"StreamArn":5}`,
	} {
		f.Add([]byte(seed))
	}
	ops := []string{"ListStreams", "DescribeStream", "GetShardIterator", "GetRecords"}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, op := range ops {
			reply, e := h.serveStreams(op, body)
			if e == nil && reply == nil {
				t.Fatalf("%s: neither a reply nor an error", op)
			}
		}
	})
}

// FuzzAuthShape: the allocation-free shape check agrees with the parser:
// it passes exactly the headers in which parseAuthHeader finds no
// IncompleteSignatureException.
func FuzzAuthShape(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x")
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request,SignedHeaders=host")
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=, Signature=")
	f.Add("AWS4-HMAC-SHA1 Credential=a/b/c/d/aws4_request, SignedHeaders=h, Signature=s")
	f.Add(" AWS4-HMAC-SHA256  Credential=a/b/c/d/aws4_request,,Signature=s,SignedHeaders=h, Credential=x")
	f.Fuzz(func(t *testing.T, auth string) {
		_, e := parseAuthHeader(auth, datedRequest{fixedHeaders{}})
		slow := e == nil || !strings.HasSuffix(e.Type, "#IncompleteSignatureException")
		if fast := authShapeOK(auth); fast && !slow {
			t.Fatalf("%q: the fast check passes what the parser refuses: %v", auth, e)
		}
	})
}

// fixedHeaders is a request without headers.
type fixedHeaders struct{ sigRequest }

func (fixedHeaders) headerValues(string) []string { return nil }
