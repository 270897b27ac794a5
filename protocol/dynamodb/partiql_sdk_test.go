package dynamodb_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard"
)

// PartiQL (ExecuteStatement, BatchExecuteStatement) through the AWS SDK.

func exec(c *ddb.Client, stmt string, params ...types.AttributeValue) (*ddb.ExecuteStatementOutput, error) {
	in := &ddb.ExecuteStatementInput{Statement: aws.String(stmt)}
	if len(params) > 0 {
		in.Parameters = params
	}
	return c.ExecuteStatement(context.Background(), in)
}

func mustExec(t *testing.T, c *ddb.Client, stmt string, params ...types.AttributeValue) []map[string]types.AttributeValue {
	t.Helper()
	out, err := exec(c, stmt, params...)
	if err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	return out.Items
}

func TestSDKPartiQLItems(t *testing.T) {
	c := newClient(t)
	createMusic(t, c)

	items := mustExec(t, c, `INSERT INTO "Music" VALUE {'Artist': 'Acme', 'Song': 'Hit', 'Plays': 1.50, `+
		`'Live': true, 'Gone': null, 'Tags': <<'pop', 'rock'>>, 'Ids': <<3, 1>>, 'Info': {'city': 'Oslo', 'years': [1999, 2001]}, 'Old': 'x'}`)
	if len(items) != 0 {
		t.Fatalf("INSERT returned %v", items)
	}
	_, err := exec(c, `INSERT INTO Music VALUE {'Artist': 'Acme', 'Song': 'Hit'}`)
	apiErr(t, err, "DuplicateItemException", "Duplicate primary key exists in table")

	// The same item through GetItem and SELECT by key.
	got, err := c.GetItem(context.Background(), &ddb.GetItemInput{TableName: aws.String("Music"),
		Key: map[string]types.AttributeValue{"Artist": s("Acme"), "Song": s("Hit")}})
	if err != nil {
		t.Fatal(err)
	}
	if attrN(got.Item, "Plays") != "1.5" || got.Item["Live"].(*types.AttributeValueMemberBOOL).Value != true ||
		!got.Item["Gone"].(*types.AttributeValueMemberNULL).Value {
		t.Fatalf("item %#v", got.Item)
	}
	if ss := got.Item["Tags"].(*types.AttributeValueMemberSS).Value; len(ss) != 2 {
		t.Fatalf("Tags %v", ss)
	}
	if ns := got.Item["Ids"].(*types.AttributeValueMemberNS).Value; len(ns) != 2 {
		t.Fatalf("Ids %v", ns)
	}
	items = mustExec(t, c, `SELECT * FROM "Music" WHERE "Artist" = 'Acme' AND Song = 'Hit'`)
	if len(items) != 1 || len(items[0]) != len(got.Item) {
		t.Fatalf("SELECT * = %v", items)
	}
	items = mustExec(t, c, `select Plays, Info.city, Info.years[1] from Music where Artist = 'Acme' and Song = 'Hit'`)
	// A SELECT names a value after its path's last name (_N after an index).
	if len(items) != 1 || len(items[0]) != 3 || attrN(items[0], "Plays") != "1.5" || attrS(items[0], "city") != "Oslo" ||
		attrN(items[0], "_3") != "2001" {
		t.Fatalf("projection = %v", items)
	}
	_, err = exec(c, `SELECT a.x, b.x FROM Music`)
	apiErr(t, err, "ValidationException", "Duplicate identifiers in select clause: x")
	// A filter on the item read by key.
	if items = mustExec(t, c, `SELECT * FROM Music WHERE Artist = 'Acme' AND Song = 'Hit' AND Plays > 2`); len(items) != 0 {
		t.Fatalf("filtered SELECT = %v", items)
	}

	// UPDATE: arithmetic, set_add, list_append, REMOVE, RETURNING.
	items = mustExec(t, c, `UPDATE Music SET Plays = Plays + 1 SET Tags = set_add(Tags, <<'jazz'>>), Info.years = list_append(Info.years, [2024]) `+
		`REMOVE Old WHERE Artist = 'Acme' AND Song = 'Hit' AND Live = true RETURNING ALL NEW *`)
	if len(items) != 1 || attrN(items[0], "Plays") != "2.5" || items[0]["Old"] != nil ||
		len(items[0]["Tags"].(*types.AttributeValueMemberSS).Value) != 3 {
		t.Fatalf("UPDATE RETURNING ALL NEW * = %v", items)
	}
	items = mustExec(t, c, `UPDATE Music SET Plays = 7 WHERE Artist = 'Acme' AND Song = 'Hit' RETURNING MODIFIED OLD *`)
	if len(items) != 1 || len(items[0]) != 1 || attrN(items[0], "Plays") != "2.5" {
		t.Fatalf("RETURNING MODIFIED OLD * = %v", items)
	}
	items = mustExec(t, c, `UPDATE Music SET Tags = set_delete(Tags, <<'pop'>>) WHERE Artist = 'Acme' AND Song = 'Hit' RETURNING MODIFIED NEW *`)
	if len(items) != 1 || len(items[0]["Tags"].(*types.AttributeValueMemberSS).Value) != 2 {
		t.Fatalf("set_delete = %v", items)
	}

	// MODIFIED with nothing to show returns no item.
	items = mustExec(t, c, `UPDATE Music SET Fresh = 1 WHERE Artist = 'Acme' AND Song = 'Hit' RETURNING MODIFIED OLD *`)
	if len(items) != 0 {
		t.Fatalf("RETURNING MODIFIED OLD * of a new attribute = %v", items)
	}
	items = mustExec(t, c, `UPDATE Music REMOVE Fresh WHERE Artist = 'Acme' AND Song = 'Hit' RETURNING MODIFIED NEW *`)
	if len(items) != 0 {
		t.Fatalf("RETURNING MODIFIED NEW * of a removed attribute = %v", items)
	}

	// A failed condition, with and without the old item.
	_, err = exec(c, `UPDATE Music SET Plays = 0 WHERE Artist = 'Acme' AND Song = 'Hit' AND Plays > 100`)
	apiErr(t, err, "ConditionalCheckFailedException", "The conditional request failed")
	_, err = c.ExecuteStatement(context.Background(), &ddb.ExecuteStatementInput{
		Statement:                           aws.String(`DELETE FROM Music WHERE Artist = 'Acme' AND Song = 'Hit' AND Plays IS MISSING`),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) || attrN(ccf.Item, "Plays") != "7" {
		t.Fatalf("want ConditionalCheckFailedException with the item, got %v", err)
	}
	// UPDATE never creates an item.
	_, err = exec(c, `UPDATE Music SET Plays = 1 WHERE Artist = 'Nobody' AND Song = 'None'`)
	apiErr(t, err, "ConditionalCheckFailedException", "The conditional request failed")
	// The whole key is required.
	_, err = exec(c, `UPDATE Music SET Plays = 1 WHERE Artist = 'Acme'`)
	apiErr(t, err, "ValidationException", "Where clause does not contain a mandatory equality on all key attributes")
	_, err = exec(c, `DELETE FROM Music WHERE Artist = 'Acme' OR Song = 'Hit'`)
	apiErr(t, err, "ValidationException", "Where clause does not contain a mandatory equality on all key attributes")
	_, err = exec(c, `UPDATE Music SET Artist = 'B' WHERE Artist = 'Acme' AND Song = 'Hit'`)
	apiErr(t, err, "ValidationException", "One or more parameter values were invalid: Cannot update attribute Artist. This attribute is part of the key")

	// DELETE: of a missing item does nothing; RETURNING ALL OLD *.
	if items = mustExec(t, c, `DELETE FROM Music WHERE Artist = 'Nobody' AND Song = 'None' AND x = 1`); len(items) != 0 {
		t.Fatalf("DELETE of nothing = %v", items)
	}
	items = mustExec(t, c, `DELETE FROM Music WHERE Artist = 'Acme' AND Song = 'Hit' AND Plays = 7 RETURNING ALL OLD *`)
	if len(items) != 1 || attrN(items[0], "Plays") != "7" {
		t.Fatalf("DELETE RETURNING ALL OLD * = %v", items)
	}
	if items = mustExec(t, c, `SELECT * FROM Music WHERE Artist = 'Acme' AND Song = 'Hit'`); len(items) != 0 {
		t.Fatalf("deleted item still there: %v", items)
	}
}

func TestSDKPartiQLParameters(t *testing.T) {
	c := newClient(t)
	createMusic(t, c)
	mustExec(t, c, `INSERT INTO Music VALUE {'Artist': ?, 'Song': ?, 'Plays': ?, 'Raw': ?}`,
		s("A"), s("S"), n("3"), b([]byte{0, 1, 2}))
	items := mustExec(t, c, `SELECT Plays, Raw FROM Music WHERE Artist = ? AND Song = ?`, s("A"), s("S"))
	if len(items) != 1 || attrN(items[0], "Plays") != "3" || len(items[0]["Raw"].(*types.AttributeValueMemberB).Value) != 3 {
		t.Fatalf("SELECT with parameters = %v", items)
	}
	mustExec(t, c, `UPDATE Music SET Plays = Plays + ? WHERE Artist = ? AND Song = ?`, n("2"), s("A"), s("S"))
	items = mustExec(t, c, `SELECT Plays FROM Music WHERE Artist = ? AND Song = ?`, s("A"), s("S"))
	if attrN(items[0], "Plays") != "5" {
		t.Fatalf("Plays = %v", items)
	}
	_, err := exec(c, `SELECT * FROM Music WHERE Artist = ? AND Song = ?`, s("A"))
	apiErr(t, err, "ValidationException", "Number of parameters in request and statement don't match.")
	_, err = exec(c, `SELECT * FROM Music WHERE Artist = 'A'`, s("A"))
	apiErr(t, err, "ValidationException", "Number of parameters in request and statement don't match.")
	_, err = exec(c, `INSERT INTO Music VALUE ?`, s("A"))
	apiErr(t, err, "ValidationException", "Unsupported format in item expression. Please use struct format {...} to express item values for insert statement.")
}

func TestSDKPartiQLReads(t *testing.T) {
	c := newClient(t)
	createIndexed(t, c, "Tbl", types.ProjectionTypeAll)
	const parts, per = 3, 100
	for p := 0; p < parts; p++ {
		for i := 0; i < per; i++ {
			mustExec(t, c, `INSERT INTO Tbl VALUE {'pk': ?, 'sk': ?, 'g': ?, 'v': ?}`,
				s(fmt.Sprint("p", p)), n(fmt.Sprint(i)), s(fmt.Sprint("g", i%2)), n(fmt.Sprint(i*p)))
		}
	}

	// A Scan of every item, 40 at a time, through NextToken.
	seen := map[string]bool{}
	var token *string
	pages := 0
	for pages = 0; pages < 100; pages++ {
		out, err := c.ExecuteStatement(context.Background(), &ddb.ExecuteStatementInput{
			Statement: aws.String(`SELECT pk, sk FROM Tbl`), Limit: aws.Int32(40), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range out.Items {
			k := attrS(it, "pk") + "/" + attrN(it, "sk")
			if seen[k] {
				t.Fatalf("%s seen twice", k)
			}
			seen[k] = true
		}
		if token = out.NextToken; token == nil {
			break
		}
		if len(out.LastEvaluatedKey) != 2 || attrS(out.LastEvaluatedKey, "pk") == "" {
			t.Fatalf("LastEvaluatedKey %v", out.LastEvaluatedKey)
		}
	}
	if len(seen) != parts*per || pages < parts*per/40 {
		t.Fatalf("scan saw %d items in %d pages", len(seen), pages+1)
	}

	// A Query of one partition, newest first, with a sort key range.
	var sks []string
	token = nil
	for pages = 0; pages < 100; pages++ {
		out, err := c.ExecuteStatement(context.Background(), &ddb.ExecuteStatementInput{
			Statement: aws.String(`SELECT * FROM Tbl WHERE pk = 'p1' AND sk BETWEEN 10 AND 29 ORDER BY sk DESC`),
			Limit:     aws.Int32(7), NextToken: token, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
		if err != nil {
			t.Fatal(err)
		}
		if out.ConsumedCapacity == nil || aws.ToString(out.ConsumedCapacity.TableName) != "Tbl" {
			t.Fatalf("ConsumedCapacity = %+v", out.ConsumedCapacity)
		}
		for _, it := range out.Items {
			sks = append(sks, attrN(it, "sk"))
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	if len(sks) != 20 || sks[0] != "29" || sks[19] != "10" {
		t.Fatalf("query = %v", sks)
	}

	// Several partitions (IN, or an OR of equalities) are read one after
	// the other, in the statement's order, across pages.
	for _, stmt := range []string{
		`SELECT pk, sk FROM Tbl WHERE pk IN ['p2', 'p0', 'p2', 'nope', 5] AND sk < 50`,
		`SELECT pk, sk FROM Tbl WHERE (pk = 'p2' OR pk = 'p0') AND sk < 50`,
	} {
		var keys []string
		token = nil
		for pages = 0; pages < 100; pages++ {
			out, err := c.ExecuteStatement(context.Background(), &ddb.ExecuteStatementInput{
				Statement: aws.String(stmt), Limit: aws.Int32(7), NextToken: token})
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range out.Items {
				keys = append(keys, attrS(it, "pk")+"/"+attrN(it, "sk"))
			}
			if token = out.NextToken; token == nil {
				break
			}
		}
		if len(keys) != 100 || keys[0] != "p2/0" || keys[49] != "p2/49" || keys[50] != "p0/0" || keys[99] != "p0/49" {
			t.Fatalf("%s: %d keys %v", stmt, len(keys), keys)
		}
	}

	// A filter on a non-key attribute (a Scan), IN, begins_with, size,
	// IS MISSING, NOT.
	count := func(stmt string, params ...types.AttributeValue) int {
		t.Helper()
		total := 0
		var token *string
		for i := 0; i < 100; i++ {
			in := &ddb.ExecuteStatementInput{Statement: aws.String(stmt), NextToken: token}
			if len(params) > 0 {
				in.Parameters = params
			}
			out, err := c.ExecuteStatement(context.Background(), in)
			if err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
			total += len(out.Items)
			if token = out.NextToken; token == nil {
				return total
			}
		}
		t.Fatalf("%s: too many pages", stmt)
		return 0
	}
	for stmt, want := range map[string]int{
		`SELECT * FROM Tbl WHERE v >= 150`:                                           25, // p2: i >= 75
		`SELECT * FROM Tbl WHERE pk IN ['p0', 'p2'] AND sk < 10`:                     20, // two partitions
		`SELECT * FROM Tbl WHERE begins_with(pk, 'p') AND NOT (sk <> 5)`:             3,  //
		`SELECT * FROM Tbl WHERE pk = 'p0' AND sk >= 90`:                             10, // a Query
		`SELECT * FROM Tbl WHERE pk = 'p0' AND (sk = 1 OR sk = 2)`:                   2,  //
		`SELECT * FROM Tbl WHERE x IS MISSING AND v IS NOT MISSING AND sk = 0`:       3,  //
		`SELECT * FROM Tbl WHERE size(g) = 2 AND attribute_type(v, 'N') AND sk = 99`: 3,  //
		`SELECT * FROM "Tbl"."byg" WHERE g = 'g1' AND sk > 95`:                       6,  // an index Query
		`SELECT * FROM Tbl WHERE pk = 'p1' AND sk = 3`:                               1,  // a Get
		`SELECT * FROM Tbl WHERE contains(pk, '2') AND v BETWEEN 0 AND 10`:           6,  //
		`SELECT * FROM Tbl WHERE pk = 'nobody'`:                                      0,  //
		`SELECT * FROM Tbl WHERE pk = 'p0' AND sk = 'not a number'`:                  0,  //
	} {
		if got := count(stmt); got != want {
			t.Errorf("%s: %d items, want %d", stmt, got, want)
		}
	}

	_, err := c.ExecuteStatement(context.Background(), &ddb.ExecuteStatementInput{
		Statement: aws.String(`SELECT * FROM Tbl`), NextToken: aws.String("garbage")})
	apiErr(t, err, "ValidationException", "Invalid NextToken")
	out, err := c.ExecuteStatement(context.Background(), &ddb.ExecuteStatementInput{
		Statement: aws.String(`SELECT * FROM Tbl`), Limit: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ExecuteStatement(context.Background(), &ddb.ExecuteStatementInput{
		Statement: aws.String(`SELECT * FROM Tbl WHERE v > 0`), NextToken: out.NextToken})
	apiErr(t, err, "ValidationException", "NextToken does not match request")
	_, err = exec(c, `SELECT * FROM Tbl ORDER BY sk`)
	apiErr(t, err, "ValidationException", "Must have WHERE clause in the statement when using ORDER BY clause.")
	_, err = exec(c, `SELECT * FROM Tbl WHERE pk IN ['p0', 'p1'] ORDER BY sk`)
	apiErr(t, err, "ValidationException", "Must have hash key in ORDER BY clause when more than one hash key condition specified in WHERE clause.")
	_, err = exec(c, `SELECT * FROM Tbl WHERE v = 1 ORDER BY pk`)
	apiErr(t, err, "ValidationException", "Must have at least one non-optional hash key condition in WHERE clause when using ORDER BY clause.")
	items := mustExec(t, c, `SELECT pk, sk FROM Tbl WHERE pk IN ['p0', 'p2', 'p1'] AND sk < 2 ORDER BY pk DESC, sk DESC`)
	var order []string
	for _, it := range items {
		order = append(order, attrS(it, "pk")+"/"+attrN(it, "sk"))
	}
	if fmt.Sprint(order) != "[p2/1 p2/0 p1/1 p1/0 p0/1 p0/0]" {
		t.Fatalf("ORDER BY pk DESC, sk DESC = %v", order)
	}
	_, err = exec(c, `SELECT * FROM Tbl WHERE pk = 'p0' ORDER BY v`)
	apiErr(t, err, "ValidationException", "Variable reference v in ORDER BY clause must be part of the primary key")
}

func TestSDKPartiQLErrors(t *testing.T) {
	c := newClient(t)
	createMusic(t, c)
	for stmt, want := range map[string]string{
		`SELECT * FROM Music WHERE Artist = 'a' foo`:                                 "Statement wasn't well formed, can't be processed: Unexpected token after expression",
		`SELECT * FROM Music WHERE`:                                                  "Statement wasn't well formed, can't be processed: Unexpected term",
		`SELECT * FROM Music WHERE Artist = 'a' AND`:                                 "Statement wasn't well formed, can't be processed: Missing right-hand side expression of infix operator",
		`SELECT * FROM Music WHERE ORDER BY Artist`:                                  "Statement wasn't well formed, can't be processed: Unexpected keyword",
		`SELECT * FROM Music WHERE Artist = 'a`:                                      "Statement wasn't well formed, can't be processed: ",
		`DELETE FROM`:                                                                "Statement wasn't well formed, can't be processed: Expected identifier for simple path",
		`SELECT * FROM Music m WHERE Artist = 'a'`:                                   "Aliasing is not supported",
		`SELECT *, Artist FROM Music`:                                                "Other attributes should not be present in the projection when '*' is used.",
		`INSERT INTO Music VALUES {'Artist': 'a'}`:                                   `Unsupported operation: Inserting multiple items in a single statement is not supported, use "INSERT INTO tableName VALUE item" instead`,
		`INSERT INTO Music VALUE {'Artist': 'a'}`:                                    "Key attribute should be present in the item: Key Song",
		`INSERT INTO Music VALUE {'Artist': 'a', 'Song': 1}`:                         "Key attribute's data type should match its data type in table's schema: Key Song",
		`INSERT INTO Music VALUE {'Artist': 'a', 'Song': 'b', 'n': 1e126}`:           "Number overflow. Attempting to store a number with magnitude larger than supported range under root.n",
		`SELECT * FROM Music WHERE Artist = MISSING`:                                 "MISSING must be compared using IS operator",
		`SELECT * FROM Music WHERE Artist`:                                           "WHERE clause must contain an expression that resolves to a boolean",
		`SELECT * FROM Music WHERE nope(Artist)`:                                     "Unrecognized function: nope",
		`DELETE FROM Music WHERE Artist = 'a' AND Song = 'b' RETURNING ALL NEW *`:    "Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is allowed in DELETE statements.",
		`UPDATE Music SET x = 1 WHERE Artist = 'a' AND Song = 'b' RETURNING ALL NEW`: "Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause",
		`EXISTS(SELECT * FROM Music WHERE Artist = 'a')`:                             "EXISTS can only be used in ExecuteTransaction write requests.",
		`SELECT * FROM Music WHERE begins_with(Artist, 1)`:                           "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
	} {
		_, err := exec(c, stmt)
		apiErr(t, err, "ValidationException", want)
	}
	_, err := exec(c, `SELECT * FROM "No"`)
	apiErr(t, err, "ValidationException", "Table name should be within the length [3, 255] and only contain 'a-z', 'A-Z', '0-9', '-', '_', '.'.")
	_, err = exec(c, `SELECT * FROM Nope`)
	apiErr(t, err, "ResourceNotFoundException", "Requested resource not found")
	_, err = exec(c, `SELECT * FROM "Music"."nope"`)
	apiErr(t, err, "ValidationException", "The table does not have the specified index: nope")
}

func TestSDKPartiQLBatch(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createMusic(t, c)
	stmt := func(s string, params ...types.AttributeValue) types.BatchStatementRequest {
		r := types.BatchStatementRequest{Statement: aws.String(s)}
		if len(params) > 0 {
			r.Parameters = params
		}
		return r
	}
	out, err := c.BatchExecuteStatement(ctx, &ddb.BatchExecuteStatementInput{Statements: []types.BatchStatementRequest{
		stmt(`INSERT INTO Music VALUE {'Artist': 'a', 'Song': '1', 'n': 1}`),
		stmt(`INSERT INTO Music VALUE {'Artist': ?, 'Song': ?}`, s("a"), s("2")),
		stmt(`INSERT INTO Music VALUE {'Artist': 'a', 'Song': '1'}`),
		stmt(`INSERT INTO Music VALUE {'Artist': 'a' 'Song': '3'}`),
		stmt(`UPDATE Music SET n = 2 WHERE Artist = 'a' AND Song = '1' AND n = 5`),
		stmt(`DELETE FROM Nope WHERE Artist = 'a' AND Song = '1'`),
	}, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil {
		t.Fatal(err)
	}
	codes := []string{}
	for _, r := range out.Responses {
		if r.Error == nil {
			codes = append(codes, "ok:"+aws.ToString(r.TableName))
		} else {
			codes = append(codes, string(r.Error.Code))
		}
	}
	if fmt.Sprint(codes) != "[ok:Music ok:Music DuplicateItem ValidationError ConditionalCheckFailed ResourceNotFound]" {
		t.Fatalf("codes %v", codes)
	}
	if len(out.ConsumedCapacity) != 1 || aws.ToFloat64(out.ConsumedCapacity[0].CapacityUnits) <= 0 {
		t.Fatalf("ConsumedCapacity %+v", out.ConsumedCapacity)
	}

	out, err = c.BatchExecuteStatement(ctx, &ddb.BatchExecuteStatementInput{Statements: []types.BatchStatementRequest{
		stmt(`SELECT * FROM Music WHERE Artist = 'a' AND Song = '1'`),
		stmt(`SELECT n FROM Music WHERE Artist = 'a' AND Song = '9'`),
		stmt(`SELECT * FROM Music WHERE Artist = 'a'`),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if r := out.Responses[0]; r.Error != nil || attrN(r.Item, "n") != "1" {
		t.Fatalf("read 0: %+v", r)
	}
	if r := out.Responses[1]; r.Error != nil || r.Item != nil || aws.ToString(r.TableName) != "Music" {
		t.Fatalf("read 1: %+v", r)
	}
	if r := out.Responses[2]; r.Error == nil || r.Error.Code != types.BatchStatementErrorCodeEnumValidationError {
		t.Fatalf("read 2: %+v", r)
	}

	_, err = c.BatchExecuteStatement(ctx, &ddb.BatchExecuteStatementInput{Statements: []types.BatchStatementRequest{
		stmt(`SELECT * FROM Music WHERE Artist = 'a' AND Song = '1'`),
		stmt(`DELETE FROM Music WHERE Artist = 'a' AND Song = '1'`),
	}})
	apiErr(t, err, "ValidationException", "")
	many := make([]types.BatchStatementRequest, 26)
	for i := range many {
		many[i] = stmt(`SELECT * FROM Music WHERE Artist = 'a' AND Song = '1'`)
	}
	_, err = c.BatchExecuteStatement(ctx, &ddb.BatchExecuteStatementInput{Statements: many})
	apiErr(t, err, "ValidationException", "")
	if !strings.HasSuffix(err.Error(), "' at 'statements' failed to satisfy constraint: Member must have length less than or equal to 25") {
		t.Fatalf("26 statements: %v", err)
	}
}

// TestPartiQLDo runs statements through Handler.Do, the entry point the
// RESP port's DYNAMODB command uses, and checks the request validation.
func TestPartiQLDo(t *testing.T) {
	h := dynamodb.NewHandler(shard.New(nil), dynamodb.Options{})
	defer h.Close()
	if _, e := h.Do("CreateTable", []byte(`{"TableName":"kvt","AttributeDefinitions":[{"AttributeName":"k","AttributeType":"N"}],`+
		`"KeySchema":[{"AttributeName":"k","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`)); e != nil {
		t.Fatal(e)
	}
	for _, c := range []struct{ op, body, want string }{
		{"ExecuteStatement", `{"Statement":"INSERT INTO kvt VALUE {'k': 1, 'v': 'one'}"}`, `{"Items":[]}`},
		{"ExecuteStatement", `{"Statement":"SELECT v FROM kvt WHERE k = ?","Parameters":[{"N":"1"}]}`, `{"Items":[{"v":{"S":"one"}}]}`},
		{"ExecuteStatement", `{"Statement":"SELECT * FROM kvt WHERE k = 2","ReturnConsumedCapacity":"TOTAL"}`,
			`{"Items":[],"ConsumedCapacity":{"CapacityUnits":0.5,"TableName":"kvt"}}`},
		{"BatchExecuteStatement", `{"Statements":[{"Statement":"SELECT * FROM kvt WHERE k = 1"},{"Statement":"SELECT * FROM kvt WHERE k = 3"}]}`,
			`{"Responses":[{"TableName":"kvt","Item":{"k":{"N":"1"},"v":{"S":"one"}}},{"TableName":"kvt"}]}`},
		{"BatchExecuteStatement", `{"Statements":[{"Statement":"UPDATE kvt SET v = 'x' WHERE k = 5"}]}`,
			`{"Responses":[{"Error":{"Code":"ConditionalCheckFailed","Message":"The conditional request failed"},"TableName":"kvt"}]}`},
		{"ExecuteStatement", `{}`, "ValidationException: 1 validation error detected: Value null at 'statement' failed to satisfy constraint: Member must not be null"},
		{"ExecuteStatement", `{"Statement":""}`, "ValidationException: 1 validation error detected: Value '' at 'statement' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"ExecuteStatement", `{"Statement":"SELECT * FROM kvt","Limit":0}`, "ValidationException: 1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"ExecuteStatement", `{"Statement":"SELECT * FROM kvt","Parameters":[]}`, "ValidationException: 1 validation error detected: Value '[]' at 'parameters' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"ExecuteStatement", `{"Statement":"SELECT * FROM kvt WHERE k = ?","Parameters":[{"N":"x"}]}`, "ValidationException: The parameter cannot be converted to a numeric value: x"},
		{"ExecuteStatement", `{"Statement":5}`, "SerializationException: NUMBER_VALUE cannot be converted to String"},
		{"BatchExecuteStatement", `{"Statements":[]}`, "ValidationException: 1 validation error detected: Value '[]' at 'statements' failed to satisfy constraint: Member must have length greater than or equal to 1"},
	} {
		reply, e := h.Do(c.op, []byte(c.body))
		got := string(reply)
		if e != nil {
			got = e.Type[strings.IndexByte(e.Type, '#')+1:] + ": " + e.Message
		}
		if got != c.want {
			t.Errorf("%s %s:\n got %s\nwant %s", c.op, c.body, got, c.want)
		}
	}
}
