package dynamodb_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ExecuteTransaction (PartiQL transactions) through the AWS SDK.

func ptx(c *ddb.Client, token string, stmts ...types.ParameterizedStatement) (*ddb.ExecuteTransactionOutput, error) {
	in := &ddb.ExecuteTransactionInput{TransactStatements: stmts, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal}
	if token != "" {
		in.ClientRequestToken = aws.String(token)
	}
	return c.ExecuteTransaction(context.Background(), in)
}

func stmt(src string, params ...types.AttributeValue) types.ParameterizedStatement {
	ps := types.ParameterizedStatement{Statement: aws.String(src)}
	if len(params) > 0 {
		ps.Parameters = params
	}
	return ps
}

func TestSDKExecuteTransactionWrites(t *testing.T) {
	c := newClient(t)
	createAccounts(t, c, "acct")
	if _, err := ptx(c, "",
		stmt(`INSERT INTO acct VALUE {'pk': 'a', 'bal': 10}`),
		stmt(`INSERT INTO acct VALUE {'pk': ?, 'bal': ?}`, s("b"), n("5")),
		stmt(`INSERT INTO acct VALUE {'pk': 'bank', 'open': true}`),
	); err != nil {
		t.Fatal(err)
	}

	// A transfer guarded by a condition on another item.
	if _, err := ptx(c, "",
		stmt(`UPDATE acct SET bal = bal - 3 WHERE pk = 'a' AND bal >= 3`),
		stmt(`UPDATE acct SET bal = bal + 3 WHERE pk = 'b'`),
		stmt(`EXISTS(SELECT * FROM acct WHERE pk = 'bank' AND open = true)`),
	); err != nil {
		t.Fatal(err)
	}
	if attrN(getItem(t, c, "acct", "a"), "bal") != "7" || attrN(getItem(t, c, "acct", "b"), "bal") != "8" {
		t.Fatalf("after transfer: a %v, b %v", getItem(t, c, "acct", "a"), getItem(t, c, "acct", "b"))
	}

	// One failing statement cancels all: nothing written.
	_, err := ptx(c, "",
		stmt(`UPDATE acct SET bal = bal - 100 WHERE pk = 'a' AND bal >= 100`),
		stmt(`UPDATE acct SET bal = bal + 100 WHERE pk = 'b'`),
	)
	canceled(t, err, "ConditionalCheckFailed", "None")
	if attrN(getItem(t, c, "acct", "a"), "bal") != "7" || attrN(getItem(t, c, "acct", "b"), "bal") != "8" {
		t.Fatal("canceled transaction wrote")
	}

	// INSERT of an existing key: DuplicateItem; the new item is not written.
	_, err = ptx(c, "",
		stmt(`INSERT INTO acct VALUE {'pk': 'c', 'bal': 1}`),
		stmt(`INSERT INTO acct VALUE {'pk': 'a', 'bal': 1}`),
	)
	canceled(t, err, "None", "DuplicateItem")
	if getItem(t, c, "acct", "c") != nil {
		t.Fatal("canceled INSERT wrote")
	}

	// EXISTS of a missing item fails its check; ALL_OLD returns the item
	// whose condition failed.
	_, err = ptx(c, "",
		stmt(`DELETE FROM acct WHERE pk = 'a'`),
		stmt(`EXISTS(SELECT * FROM acct WHERE pk = 'zzz')`),
	)
	canceled(t, err, "None", "ConditionalCheckFailed")
	upd := stmt(`UPDATE acct SET bal = 0 WHERE pk = 'b' AND bal > 50`)
	upd.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	_, err = ptx(c, "", upd)
	reasons := canceled(t, err, "ConditionalCheckFailed")
	if attrN(reasons[0].Item, "bal") != "8" {
		t.Fatalf("ALL_OLD item %v", reasons[0].Item)
	}
	// An update that fails on the item: ValidationError.
	_, err = ptx(c, "", stmt(`UPDATE acct SET bal = bal + 1 WHERE pk = 'bank'`))
	canceled(t, err, "ValidationError")
	// One that the statement itself rules out fails the request.
	_, err = ptx(c, "", stmt(`UPDATE acct SET bal = bal + 'x' WHERE pk = 'b'`))
	apiErr(t, err, "ValidationException", "Incorrect operand type for operator or function; operator or function: +, operand type: S")

	// Whole-request errors.
	_, err = ptx(c, "", stmt(`DELETE FROM acct WHERE pk = 'a'`), stmt(`UPDATE acct SET x = 1 WHERE pk = 'a'`))
	apiErr(t, err, "ValidationException", "Transaction request cannot include multiple operations on one item")
	_, err = ptx(c, "", stmt(`DELETE FROM acct WHERE pk = 'a'`), stmt(`SELECT * FROM acct WHERE pk = 'b'`))
	apiErr(t, err, "ValidationException", "Unsupported operation: A transaction must consist of either read statements or write statements, not both")
	_, err = ptx(c, "", stmt(`DELETE FROM nope WHERE pk = 'a'`))
	apiErr(t, err, "ResourceNotFoundException", "Requested resource not found")
	_, err = ptx(c, "", stmt(`EXISTS(DELETE FROM acct WHERE pk = 'a')`))
	apiErr(t, err, "ValidationException", "EXISTS can only be used with a SELECT statement")

	// A DELETE and its capacity: 2 write units per 1 KB, as TransactWriteItems.
	out, err := ptx(c, "", stmt(`DELETE FROM acct WHERE pk = 'a'`))
	if err != nil {
		t.Fatal(err)
	}
	if cc := out.ConsumedCapacity; len(cc) != 1 || aws.ToFloat64(cc[0].WriteCapacityUnits) != 2 {
		t.Fatalf("capacity %+v", out.ConsumedCapacity)
	}
	if getItem(t, c, "acct", "a") != nil {
		t.Fatal("DELETE left the item")
	}
}

func TestSDKExecuteTransactionToken(t *testing.T) {
	c := newClient(t)
	createAccounts(t, c, "ctr")
	add := stmt(`UPDATE ctr SET n = n + 1 WHERE pk = 'c'`)
	if _, err := ptx(c, "", stmt(`INSERT INTO ctr VALUE {'pk': 'c', 'n': 0}`)); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := ptx(c, "tok-1", add); err != nil {
			t.Fatal(err)
		}
	}
	if attrN(getItem(t, c, "ctr", "c"), "n") != "1" {
		t.Fatal("repeated token applied twice")
	}
	_, err := ptx(c, "tok-1", stmt(`UPDATE ctr SET n = n + 2 WHERE pk = 'c'`))
	apiErr(t, err, "IdempotentParameterMismatchException", "")
	// The token table is TransactWriteItems': its tokens do not match.
	_, err = c.TransactWriteItems(context.Background(), &ddb.TransactWriteItemsInput{ClientRequestToken: aws.String("tok-1"),
		TransactItems: []types.TransactWriteItem{{Delete: &types.Delete{TableName: aws.String("ctr"), Key: key("c")}}}})
	apiErr(t, err, "IdempotentParameterMismatchException", "")
}

func TestSDKExecuteTransactionReads(t *testing.T) {
	c := newClient(t)
	createAccounts(t, c, "acct")
	mustExec(t, c, `INSERT INTO acct VALUE {'pk': 'a', 'bal': 10, 'name': 'Ann'}`)
	mustExec(t, c, `INSERT INTO acct VALUE {'pk': 'b', 'bal': 5}`)
	mustExec(t, c, `INSERT INTO acct VALUE {'pk': 'd', 'bal': 2, 'name': 'Dee'}`)
	out, err := ptx(c, "",
		stmt(`SELECT * FROM acct WHERE pk = 'a'`),
		stmt(`SELECT * FROM acct WHERE pk = 'missing'`),
		stmt(`SELECT name FROM acct WHERE pk = ? AND bal > 1`, s("d")),
		stmt(`SELECT * FROM acct WHERE pk = 'b' AND bal > 100`),
	)
	if err != nil {
		t.Fatal(err)
	}
	r := out.Responses
	if len(r) != 4 || attrN(r[0].Item, "bal") != "10" || r[1].Item != nil ||
		len(r[2].Item) != 1 || attrS(r[2].Item, "name") != "Dee" || r[3].Item != nil {
		t.Fatalf("responses %+v", r)
	}
	// 2 read units per item read (4 KB), found or not.
	if cc := out.ConsumedCapacity; len(cc) != 1 || aws.ToFloat64(cc[0].ReadCapacityUnits) != 8 {
		t.Fatalf("capacity %+v", out.ConsumedCapacity)
	}
	_, err = ptx(c, "", stmt(`SELECT * FROM acct WHERE bal = 10`))
	apiErr(t, err, "ValidationException", "Where clause does not contain a mandatory equality on all key attributes")
	_, err = ptx(c, "", stmt(`SELECT * FROM acct WHERE pk = 'a'`), stmt(`SELECT bal FROM acct WHERE pk = 'a'`))
	apiErr(t, err, "ValidationException", "Transaction request cannot include multiple operations on one item")
}

// With INDEXES, each secondary index's writes are apart and not doubled,
// as TransactWriteItems prices them.
func TestSDKExecuteTransactionIndexCapacity(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	_, err := c.CreateTable(ctx, &ddb.CreateTableInput{
		TableName: aws.String("gsix"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("byg"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}},
		BillingMode: types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.ExecuteTransaction(ctx, &ddb.ExecuteTransactionInput{ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes,
		TransactStatements: []types.ParameterizedStatement{stmt(`INSERT INTO gsix VALUE {'pk': 'a', 'g': 'x'}`), stmt(`INSERT INTO gsix VALUE {'pk': 'b'}`)}})
	if err != nil {
		t.Fatal(err)
	}
	cc := out.ConsumedCapacity
	if len(cc) != 1 || aws.ToFloat64(cc[0].CapacityUnits) != 5 || aws.ToFloat64(cc[0].Table.CapacityUnits) != 4 ||
		aws.ToFloat64(cc[0].GlobalSecondaryIndexes["byg"].CapacityUnits) != 1 {
		t.Fatalf("capacity %+v", cc)
	}
}
