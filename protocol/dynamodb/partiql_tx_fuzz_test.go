package dynamodb

import (
	"encoding/json"
	"testing"

	"github.com/dynacache/dynacache/shard"
)

// FuzzExecuteTransaction feeds ExecuteTransaction requests through the
// decoder and the handler against a table with a sort key. Bad input must
// get a 400 (never a panic or a 500), a reply must be JSON, and a
// transaction that fails must leave the table as it was.
func FuzzExecuteTransaction(f *testing.F) {
	h := NewHandler(shard.New(nil), Options{})
	f.Cleanup(h.Close)
	if _, e := h.Do("CreateTable", []byte(`{"TableName":"tbl","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],`+
		`"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"BillingMode":"PAY_PER_REQUEST"}`)); e != nil {
		f.Fatal(e)
	}
	h.Do("PutItem", []byte(`{"TableName":"tbl","Item":{"pk":{"S":"a"},"sk":{"N":"1"},"v":{"N":"5"},"l":{"L":[{"N":"1"}]}}}`))
	for _, s := range []string{
		`{"TransactStatements":[{"Statement":"UPDATE tbl SET v = v - 1 WHERE pk = 'a' AND sk = 1 AND v > 0"},{"Statement":"INSERT INTO tbl VALUE {'pk': 'b', 'sk': 2}"}],"ReturnConsumedCapacity":"TOTAL"}`,
		`{"TransactStatements":[{"Statement":"EXISTS(SELECT * FROM tbl WHERE pk = ? AND sk = ? AND v = 5)","Parameters":[{"S":"a"},{"N":"1"}]},{"Statement":"DELETE FROM tbl WHERE pk = 'c' AND sk = 3","ReturnValuesOnConditionCheckFailure":"ALL_OLD"}],"ClientRequestToken":"t"}`,
		`{"TransactStatements":[{"Statement":"SELECT v, l[0] FROM tbl WHERE pk = 'a' AND sk = 1"},{"Statement":"SELECT * FROM tbl WHERE pk = 'z' AND sk = 1 AND v > 1"}],"ReturnConsumedCapacity":"INDEXES"}`,
		`{"TransactStatements":[{"Statement":"SELECT * FROM tbl WHERE pk = 'a' AND sk = 1"},{"Statement":"DELETE FROM tbl WHERE pk = 'a' AND sk = 1"}]}`,
		`{"TransactStatements":[{"Statement":"INSERT INTO tbl VALUE {'pk': 'a', 'sk': 1}"},{"Statement":"UPDATE tbl SET l[9] = 1 WHERE pk = 'a' AND sk = 1"}]}`,
		`{"TransactStatements":[{"Statement":"EXISTS (DELETE FROM tbl WHERE pk = 'a' AND sk = 1)"}],"ClientRequestToken":""}`,
		`{"TransactStatements":[],"ClientRequestToken":5}`,
		`{"TransactStatements":[null,{"Statement":"exists(select"}]}`,
	} {
		f.Add([]byte(s))
	}
	tbl, _ := h.store.Table("tbl")
	f.Fuzz(func(t *testing.T, body []byte) {
		n, b := tbl.ItemCount(), tbl.SizeBytes()
		reply, e := h.Do("ExecuteTransaction", body)
		if e == nil {
			if !json.Valid(reply) {
				t.Fatalf("reply is not JSON: %s", reply)
			}
			return
		}
		if e.Status != 400 {
			t.Fatalf("%d %s", e.Status, e.Error())
		}
		if tbl.ItemCount() != n || tbl.SizeBytes() != b {
			t.Fatalf("failed (%s) but changed the table", e.Error())
		}
	})
}
