package dynamodb

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dynacache/dynacache/shard"
)

// FuzzExecuteStatement runs arbitrary statements end to end (parse, plan,
// store calls, reply) against a small table with an index: no statement
// may panic or answer with an internal error, and every reply is JSON.
// The store changes as statements write; a crash found is reproduced by
// its input alone, since every statement is checked on its own.
func FuzzExecuteStatement(f *testing.F) {
	for _, s := range []string{
		`SELECT * FROM tbl WHERE pk = 'a' AND sk BETWEEN 1 AND 3 ORDER BY sk DESC`,
		`SELECT pk, m.x, l[1] FROM "tbl"."byg" WHERE g = 'g' AND sk > 0`,
		`SELECT * FROM tbl WHERE pk IN ['a', 'b', 3] OR v IS MISSING`,
		`INSERT INTO tbl VALUE {'pk': 'c', 'sk': 9, 'g': 'g', 'm': {'x': <<1, 2>>}, 'l': [1, 'two']}`,
		`UPDATE tbl SET v = v + 1, l = list_append(l, [3]) REMOVE m.x WHERE pk = 'a' AND sk = 1 RETURNING MODIFIED NEW *`,
		`UPDATE tbl SET s = set_add(s, <<'q'>>) WHERE pk = 'a' AND sk = 2 AND attribute_type(v, 'N')`,
		`DELETE FROM tbl WHERE pk = 'b' AND sk = 1 AND v < 3 RETURNING ALL OLD *`,
		`SELECT * FROM tbl WHERE pk = ? AND sk = ?`,
	} {
		f.Add(s, false, uint8(0))
	}
	h := NewHandler(shard.New(nil), Options{})
	defer h.Close()
	must := func(op, body string) {
		if _, e := h.Do(op, []byte(body)); e != nil {
			f.Fatal(e)
		}
	}
	must("CreateTable", `{"TableName":"tbl","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"},{"AttributeName":"g","AttributeType":"S"}],`+
		`"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"BillingMode":"PAY_PER_REQUEST",`+
		`"GlobalSecondaryIndexes":[{"IndexName":"byg","KeySchema":[{"AttributeName":"g","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}]}`)
	for _, it := range []string{
		`{"pk":{"S":"a"},"sk":{"N":"1"},"g":{"S":"g"},"v":{"N":"1"},"l":{"L":[{"N":"1"}]},"m":{"M":{"x":{"S":"y"}}}}`,
		`{"pk":{"S":"a"},"sk":{"N":"2"},"v":{"N":"2"},"s":{"SS":["p"]}}`,
		`{"pk":{"S":"b"},"sk":{"N":"1"},"g":{"S":"g"},"v":{"S":"x"}}`,
	} {
		must("PutItem", `{"TableName":"tbl","Item":`+it+`}`)
	}
	params := []any{map[string]string{"S": "a"}, map[string]string{"N": "1"}, map[string]any{"SS": []string{"x"}},
		map[string]any{"M": map[string]any{"pk": map[string]string{"S": "z"}}}, map[string]bool{"NULL": true}}
	f.Fuzz(func(t *testing.T, stmt string, consistent bool, limit uint8) {
		req := map[string]any{"Statement": stmt, "ConsistentRead": consistent, "ReturnConsumedCapacity": "TOTAL"}
		if limit > 0 {
			req["Limit"] = int(limit)
		}
		if n := strings.Count(stmt, "?"); n > 0 && n <= 50 {
			ps := make([]any, n)
			for i := range ps {
				ps[i] = params[i%len(params)]
			}
			req["Parameters"] = ps
		}
		body, err := json.Marshal(req)
		if err != nil {
			return // not valid UTF-8 for a JSON string
		}
		reply, e := h.Do("ExecuteStatement", body)
		if e != nil {
			if e.Status != 400 || e.Message == "" && !e.NoMessage {
				t.Fatalf("%q: %d %s: %q", stmt, e.Status, e.Type, e.Message)
			}
			return
		}
		if !json.Valid(reply) {
			t.Fatalf("%q: reply is not JSON: %s", stmt, reply)
		}
	})
}
