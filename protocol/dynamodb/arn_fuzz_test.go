package dynamodb

import (
	"strings"
	"testing"

	"github.com/dynacache/dynacache/shard"
)

// arnOps are the operations whose table positions resolveTableArns reads,
// indexed by the fuzz target's op byte.
var arnOps = []string{"GetItem", "BatchGetItem", "BatchWriteItem", "TransactGetItems",
	"TransactWriteItems", "DescribeTable", "ListTables", "PutResourcePolicy"}

// FuzzResolveTableArns: resolving ARNs never panics; what it rewrites is
// JSON again, names no ARN in a table position any more, and the batch
// reply renaming gives the keys back.
func FuzzResolveTableArns(f *testing.F) {
	const arn = "arn:aws:dynamodb:us-east-1:000000000000:table/abc"
	for i, s := range []string{
		`{"TableName":"` + arn + `","Key":{"a":{"S":"arn:x"}}}`,
		`{"RequestItems":{"` + arn + `":{"Keys":[{"a":{"S":"x"}}]},"def":{"Keys":[]}}}`,
		`{"RequestItems":{"` + arn + `":[{"PutRequest":{"Item":{"a":{"S":"x"}}}}]}}`,
		`{"TransactItems":[{"Get":{"TableName":"` + arn + `","Key":{}}}]}`,
		`{"TransactItems":[{"Put":{"TableName":"` + arn + `"}},{"Update":{"TableName":"arn:aws:dynamodb:us-east-1:1:table/abc"}}]}`,
		`{"TableName":"arn:aws:dynamodb:eu-west-1:000000000000:table/abc/index/i"}`,
		`{"TableName":"arn:"}`,
		`{"TableName":5,"x":"arn:"}`,
		`["arn:"]`,
		`{"TableName":"abc","Item":{"a":{"S":"arn:aws:sns:us-east-1:1:t"}}}`,
		`{"Table\u004eame":"` + arn + `"}`,
		`{"TableName" : "` + arn + `"}`,
	} {
		f.Add(byte(i), []byte(s))
	}
	h := NewHandler(shard.New(nil), Options{})
	defer h.Close()
	f.Fuzz(func(t *testing.T, op byte, body []byte) {
		name := arnOps[int(op)%len(arnOps)]
		out, aliases, e := h.resolveTableArns(name, body)
		// The quick test never skips a body the full resolution changes.
		if !mayNameTableArn(body) {
			if full, fa, fe := h.resolveTableArnsParsed(name, body); fe != nil || fa != nil || string(full) != string(body) {
				t.Fatalf("%s: mayNameTableArn false for %q, which resolves to %q %v", name, body, full, fe)
			}
		}
		if e != nil {
			if e.Status != 400 || out != nil {
				t.Fatalf("%s: error %v with body %q", name, e, out)
			}
			return
		}
		if aliases == nil {
			if string(out) != string(body) {
				t.Fatalf("%s: body changed without aliases", name)
			}
			return
		}
		if !jsonWellFormed(out) {
			t.Fatalf("%s: rewrote %q into malformed %q", name, body, out)
		}
		again, more, e := h.resolveTableArns(name, out)
		if e != nil || more != nil || string(again) != string(out) {
			t.Fatalf("%s: a resolved body still has ARNs: %q", name, out)
		}
		for n, a := range aliases {
			if !strings.HasPrefix(a, "arn:") || strings.HasPrefix(n, "arn:") {
				t.Fatalf("alias %q -> %q", n, a)
			}
			reply := `{"Responses":{` + string(AppendJSONString(nil, n)) + `:[]}}`
			if got := renameReplyTables("BatchGetItem", []byte(reply), aliases); !strings.Contains(string(got), string(AppendJSONString(nil, a))) {
				t.Fatalf("reply %s renamed to %s", reply, got)
			}
		}
	})
}
