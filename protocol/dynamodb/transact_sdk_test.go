package dynamodb_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// createAccounts creates table name with the key schema pk (S).
func createAccounts(t testing.TB, c *ddb.Client, name string) {
	t.Helper()
	_, err := c.CreateTable(context.Background(), &ddb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
}

func key(pk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": s(pk)}
}

func getItem(t testing.TB, c *ddb.Client, table, pk string) map[string]types.AttributeValue {
	t.Helper()
	out, err := c.GetItem(context.Background(), &ddb.GetItemInput{TableName: aws.String(table), Key: key(pk)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

// canceled asserts a TransactionCanceledException with the given reason
// codes, and returns its reasons.
func canceled(t *testing.T, err error, codes ...string) []types.CancellationReason {
	t.Helper()
	var tc *types.TransactionCanceledException
	if !errors.As(err, &tc) {
		t.Fatalf("want TransactionCanceledException, got %v", err)
	}
	want := "Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]"
	if aws.ToString(tc.Message) != want {
		t.Fatalf("message %q\nwant %q", aws.ToString(tc.Message), want)
	}
	if len(tc.CancellationReasons) != len(codes) {
		t.Fatalf("%d reasons, want %d", len(tc.CancellationReasons), len(codes))
	}
	for i, r := range tc.CancellationReasons {
		if aws.ToString(r.Code) != codes[i] {
			t.Fatalf("reason %d: %s, want %s", i, aws.ToString(r.Code), codes[i])
		}
		if codes[i] == "None" && (r.Message != nil || r.Item != nil) {
			t.Fatalf("reason %d: None with message %v item %v", i, r.Message, r.Item)
		}
	}
	return tc.CancellationReasons
}

func TestSDKTransactWrite(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createAccounts(t, c, "acct")
	createAccounts(t, c, "log")
	put(t, c, "acct", map[string]types.AttributeValue{"pk": s("a"), "bal": n("100")})
	put(t, c, "acct", map[string]types.AttributeValue{"pk": s("b"), "bal": n("5")})
	put(t, c, "acct", map[string]types.AttributeValue{"pk": s("gone"), "bal": n("1")})

	// All four kinds commit together.
	_, err := c.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{TableName: aws.String("acct"), Key: key("a"),
			UpdateExpression:          aws.String("SET bal = bal - :amt"),
			ConditionExpression:       aws.String("bal >= :amt"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":amt": n("30")}}},
		{Update: &types.Update{TableName: aws.String("acct"), Key: key("b"),
			UpdateExpression:          aws.String("ADD bal :amt"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":amt": n("30")}}},
		{Put: &types.Put{TableName: aws.String("log"), Item: map[string]types.AttributeValue{"pk": s("t1"), "amt": n("30")},
			ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		{Delete: &types.Delete{TableName: aws.String("acct"), Key: key("gone")}},
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String("log"), Key: key("t0"),
			ConditionExpression: aws.String("attribute_not_exists(#k)"), ExpressionAttributeNames: map[string]string{"#k": "pk"}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if attrN(getItem(t, c, "acct", "a"), "bal") != "70" || attrN(getItem(t, c, "acct", "b"), "bal") != "35" ||
		attrN(getItem(t, c, "log", "t1"), "amt") != "30" || getItem(t, c, "acct", "gone") != nil || getItem(t, c, "log", "t0") != nil {
		t.Fatal("transaction not applied as a whole")
	}

	// A failing condition cancels everything; reasons in action order, the
	// old item with ALL_OLD (and not without it, nor for a missing item).
	_, err = c.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("log"), Item: map[string]types.AttributeValue{"pk": s("t2")}}},
		{Update: &types.Update{TableName: aws.String("acct"), Key: key("b"),
			UpdateExpression:                    aws.String("SET bal = bal - :amt"),
			ConditionExpression:                 aws.String("bal >= :amt"),
			ExpressionAttributeValues:           map[string]types.AttributeValue{":amt": n("1000")},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String("acct"), Key: key("a"),
			ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		{Delete: &types.Delete{TableName: aws.String("acct"), Key: key("nobody"),
			ConditionExpression:                 aws.String("attribute_exists(pk)"),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
	}})
	reasons := canceled(t, err, "None", "ConditionalCheckFailed", "ConditionalCheckFailed", "ConditionalCheckFailed")
	if aws.ToString(reasons[1].Message) != "The conditional request failed" || attrN(reasons[1].Item, "bal") != "35" {
		t.Fatalf("reason 1: %v %v", aws.ToString(reasons[1].Message), reasons[1].Item)
	}
	if reasons[2].Item != nil || reasons[3].Item != nil {
		t.Fatal("item returned without ALL_OLD or for a missing item")
	}
	if getItem(t, c, "log", "t2") != nil {
		t.Fatal("canceled transaction wrote")
	}

	// Runtime errors of one action are ValidationError reasons.
	big := strings.Repeat("x", 300*1024)
	put(t, c, "acct", map[string]types.AttributeValue{"pk": s("big"), "v": s(big)})
	put(t, c, "acct", map[string]types.AttributeValue{"pk": s("str"), "bal": s("ten")})
	_, err = c.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{TableName: aws.String("acct"), Key: key("str"),
			UpdateExpression:          aws.String("SET bal = bal + :one"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1")}}},
		{Update: &types.Update{TableName: aws.String("acct"), Key: key("big"),
			UpdateExpression:          aws.String("SET w = :v"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": s(big)}}},
		{Put: &types.Put{TableName: aws.String("log"), Item: map[string]types.AttributeValue{"pk": s("t3")}}},
		{Update: &types.Update{TableName: aws.String("acct"), Key: map[string]types.AttributeValue{"pk": n("1")},
			UpdateExpression: aws.String("REMOVE x")}},
	}})
	reasons = canceled(t, err, "ValidationError", "ValidationError", "None", "ValidationError")
	for i, want := range []string{
		"An operand in the update expression has an incorrect data type",
		"Item size to update has exceeded the maximum allowed size",
		"", "The provided key element does not match the schema"} {
		if aws.ToString(reasons[i].Message) != want {
			t.Fatalf("reason %d: %q, want %q", i, aws.ToString(reasons[i].Message), want)
		}
	}
	if attrN(getItem(t, c, "acct", "a"), "bal") != "70" || getItem(t, c, "log", "t3") != nil {
		t.Fatal("canceled transaction wrote")
	}

	// Errors of the whole request.
	tw := func(items ...types.TransactWriteItem) error {
		_, err := c.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{TransactItems: items})
		return err
	}
	apiErr(t, tw(types.TransactWriteItem{Put: &types.Put{TableName: aws.String("log"), Item: key("x")},
		Delete: &types.Delete{TableName: aws.String("log"), Key: key("x")}}),
		"ValidationException", "TransactItems can only contain one of Check, Put, Update or Delete")
	apiErr(t, tw(types.TransactWriteItem{}),
		"ValidationException", "TransactItems can only contain one of Check, Put, Update or Delete")
	apiErr(t, tw(types.TransactWriteItem{Put: &types.Put{TableName: aws.String("log"), Item: key("x")}},
		types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String("log"), Key: key("x")}}),
		"ValidationException", "Transaction request cannot include multiple operations on one item")
	apiErr(t, tw(types.TransactWriteItem{Put: &types.Put{TableName: aws.String("nope"), Item: key("x")}}),
		"ResourceNotFoundException", "Requested resource not found")
	apiErr(t, tw(types.TransactWriteItem{Update: &types.Update{TableName: aws.String("acct"), Key: key(""),
		UpdateExpression: aws.String("SET v = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": n("0")}}}),
		"ValidationException", "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk")
	apiErr(t, tw(types.TransactWriteItem{Put: &types.Put{TableName: aws.String("log"), Item: key("x"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": n("0")}, ConditionExpression: aws.String("attribute_exists(pk)")}}),
		"ValidationException", "Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}")
	apiErr(t, tw(types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String("log"), Key: key("x"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": n("0")}}}),
		"ValidationException", "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null")
	apiErr(t, tw(types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: aws.String("log"), Key: key("x"),
		ConditionExpression: aws.String("#a = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": n("0")}}}),
		"ValidationException", "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #a")
	apiErr(t, tw(types.TransactWriteItem{Update: &types.Update{TableName: aws.String("acct"), Key: key("a"),
		UpdateExpression: aws.String("SET a = :v SET b = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": n("0")}}}),
		"ValidationException", `Invalid UpdateExpression: The "SET" section can only be used once in an update expression;`)
	apiErr(t, tw(types.TransactWriteItem{Put: &types.Put{TableName: aws.String("log"),
		Item: map[string]types.AttributeValue{"pk": s("x"), "v": s(strings.Repeat("x", 401*1024))}}}),
		"ValidationException", "Item size has exceeded the maximum allowed size")
	var many []types.TransactWriteItem
	for i := range 101 {
		many = append(many, types.TransactWriteItem{Put: &types.Put{TableName: aws.String("log"), Item: key(strconv.Itoa(i))}})
	}
	err = tw(many...)
	apiErr(t, err, "ValidationException", "")
	if !strings.HasSuffix(err.Error(), "at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100") {
		t.Fatal(err)
	}
	var huge []types.TransactWriteItem
	for i := range 11 {
		huge = append(huge, types.TransactWriteItem{Put: &types.Put{TableName: aws.String("log"),
			Item: map[string]types.AttributeValue{"pk": s(strconv.Itoa(i)), "v": s(strings.Repeat("x", 390*1024))}}})
	}
	apiErr(t, tw(huge...), "ValidationException",
		"Collection size of items exceeded, which can also be caused by the aggregate size of the items in the transaction exceeding the 4MB limit")
	if out, _ := c.Scan(ctx, &ddb.ScanInput{TableName: aws.String("log")}); len(out.Items) != 1 {
		t.Fatalf("log holds %d items after failed transactions", len(out.Items))
	}
}

func TestSDKTransactWriteToken(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createAccounts(t, c, "ctr")
	incr := func(token string, by string) (*ddb.TransactWriteItemsOutput, error) {
		return c.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{
			ClientRequestToken:     aws.String(token),
			ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
			TransactItems: []types.TransactWriteItem{{Update: &types.Update{TableName: aws.String("ctr"), Key: key("c"),
				UpdateExpression: aws.String("ADD n :by"), ExpressionAttributeValues: map[string]types.AttributeValue{":by": n(by)}}}},
		})
	}
	if _, err := incr("tok-1", "1"); err != nil {
		t.Fatal(err)
	}
	// The same request again: answered, not applied again.
	out, err := incr("tok-1", "1")
	if err != nil {
		t.Fatal(err)
	}
	// A repeat is billed as a transactional read of the item written.
	if cc := out.ConsumedCapacity; len(cc) != 1 || aws.ToFloat64(cc[0].CapacityUnits) != 2 ||
		aws.ToFloat64(cc[0].ReadCapacityUnits) != 2 || cc[0].WriteCapacityUnits != nil {
		t.Fatalf("replay capacity %+v", out.ConsumedCapacity)
	}
	if attrN(getItem(t, c, "ctr", "c"), "n") != "1" {
		t.Fatal("repeated token applied twice")
	}
	_, err = incr("tok-1", "2")
	apiErr(t, err, "IdempotentParameterMismatchException", "")
	// A 5,000-byte item: 5 write units doubled, then, repeated, 2 read units
	// (4 KB each) doubled.
	bigPut := func() *ddb.TransactWriteItemsOutput {
		out, err := c.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{
			ClientRequestToken:     aws.String("tok-big"),
			ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
			TransactItems: []types.TransactWriteItem{{Put: &types.Put{TableName: aws.String("ctr"),
				Item: map[string]types.AttributeValue{"pk": s("big"), "v": s(strings.Repeat("v", 5000))}}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if cc := bigPut().ConsumedCapacity; aws.ToFloat64(cc[0].WriteCapacityUnits) != 10 || cc[0].ReadCapacityUnits != nil {
		t.Fatalf("first call %+v", cc[0])
	}
	if cc := bigPut().ConsumedCapacity; aws.ToFloat64(cc[0].ReadCapacityUnits) != 4 || cc[0].WriteCapacityUnits != nil {
		t.Fatalf("repeat %+v", cc[0])
	}
	if _, err := incr("tok-2", "2"); err != nil {
		t.Fatal(err)
	}
	if attrN(getItem(t, c, "ctr", "c"), "n") != "3" {
		t.Fatal("new token not applied")
	}
	// A canceled transaction does not keep its token.
	cond := func(token string, want string) error {
		_, err := c.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{
			ClientRequestToken: aws.String(token),
			TransactItems: []types.TransactWriteItem{{Update: &types.Update{TableName: aws.String("ctr"), Key: key("c"),
				UpdateExpression: aws.String("SET n = n + :one"), ConditionExpression: aws.String("n = :want"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1"), ":want": n(want)}}}},
		})
		return err
	}
	canceled(t, cond("tok-3", "4"), "ConditionalCheckFailed")
	if err := cond("tok-3", "4"); err == nil {
		t.Fatal("retry after cancel committed unexpectedly")
	}
	put(t, c, "ctr", map[string]types.AttributeValue{"pk": s("c"), "n": n("4")})
	if err := cond("tok-3", "4"); err != nil {
		t.Fatal(err)
	}
	apiErr(t, func() error {
		_, err := c.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{ClientRequestToken: aws.String(strings.Repeat("t", 37)),
			TransactItems: []types.TransactWriteItem{{Put: &types.Put{TableName: aws.String("ctr"), Item: key("x")}}}})
		return err
	}(), "ValidationException", "1 validation error detected: Value '"+strings.Repeat("t", 37)+"' at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36")
}

func TestSDKTransactCapacity(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createAccounts(t, c, "cap")
	createIndexed(t, c, "lsi", types.ProjectionTypeAll)
	put(t, c, "cap", map[string]types.AttributeValue{"pk": s("old"), "v": s(strings.Repeat("x", 3000))})
	out, err := c.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{
		ReturnConsumedCapacity:      types.ReturnConsumedCapacityIndexes,
		ReturnItemCollectionMetrics: types.ReturnItemCollectionMetricsSize,
		TransactItems: []types.TransactWriteItem{
			// 1.5 KB item: 2 units, doubled.
			{Put: &types.Put{TableName: aws.String("cap"), Item: map[string]types.AttributeValue{"pk": s("p"), "v": s(strings.Repeat("x", 1500))}}},
			// Deleting a 3 KB item: 3 units, doubled.
			{Delete: &types.Delete{TableName: aws.String("cap"), Key: key("old")}},
			// A check of a missing item: one write unit, doubled.
			{ConditionCheck: &types.ConditionCheck{TableName: aws.String("cap"), Key: key("none"), ConditionExpression: aws.String("attribute_not_exists(pk)")}},
			{Put: &types.Put{TableName: aws.String("lsi"), Item: map[string]types.AttributeValue{"pk": s("h"), "sk": n("1"), "l": s("x")}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ConsumedCapacity) != 2 {
		t.Fatalf("capacity %+v", out.ConsumedCapacity)
	}
	cc := out.ConsumedCapacity[0]
	if aws.ToString(cc.TableName) != "cap" || aws.ToFloat64(cc.CapacityUnits) != 12 || aws.ToFloat64(cc.WriteCapacityUnits) != 12 ||
		cc.ReadCapacityUnits != nil || cc.Table == nil || aws.ToFloat64(cc.Table.CapacityUnits) != 12 || aws.ToFloat64(cc.Table.WriteCapacityUnits) != 12 {
		t.Fatalf("cap capacity %+v %+v", cc, cc.Table)
	}
	// The LSI gets an entry too: its write is counted apart in INDEXES, and
	// not doubled (DynamoDB doubles a transaction's table writes only).
	if cc := out.ConsumedCapacity[1]; aws.ToString(cc.TableName) != "lsi" || aws.ToFloat64(cc.CapacityUnits) != 3 ||
		aws.ToFloat64(cc.Table.CapacityUnits) != 2 || aws.ToFloat64(cc.LocalSecondaryIndexes["byl"].CapacityUnits) != 1 || len(cc.GlobalSecondaryIndexes) != 0 {
		t.Fatalf("lsi capacity %+v", cc)
	}
	// Index writes: entering the GSI is one write (the LSI's projection,
	// KEYS_ONLY, does not change: none); changing its key is two.
	cl := c
	for _, c := range []struct {
		g          string
		total, gsi float64
	}{{"x", 3, 1}, {"y", 4, 2}} {
		out, err := cl.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{
			ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes,
			TransactItems: []types.TransactWriteItem{{Update: &types.Update{TableName: aws.String("lsi"),
				Key:              map[string]types.AttributeValue{"pk": s("h"), "sk": n("1")},
				UpdateExpression: aws.String("SET g = :g"), ExpressionAttributeValues: map[string]types.AttributeValue{":g": s(c.g)}}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		cc := out.ConsumedCapacity[0]
		if aws.ToFloat64(cc.CapacityUnits) != c.total || aws.ToFloat64(cc.GlobalSecondaryIndexes["byg"].CapacityUnits) != c.gsi || len(cc.LocalSecondaryIndexes) != 0 {
			t.Fatalf("g=%s: %+v %+v", c.g, cc, cc.GlobalSecondaryIndexes)
		}
	}
	m := out.ItemCollectionMetrics
	if len(m) != 1 || len(m["lsi"]) != 1 || attrS(m["lsi"][0].ItemCollectionKey, "pk") != "h" || len(m["lsi"][0].SizeEstimateRangeGB) != 2 {
		t.Fatalf("item collection metrics %+v", m)
	}
	// The index's key types are checked; a wrong one is the action's reason.
	_, err = c.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("lsi"), Item: map[string]types.AttributeValue{"pk": s("h"), "sk": n("2"), "g": n("1")}}},
	}})
	reasons := canceled(t, err, "ValidationError")
	if want := "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: N IndexName: byg"; aws.ToString(reasons[0].Message) != want {
		t.Fatalf("%q", aws.ToString(reasons[0].Message))
	}
	_, err = c.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("lsi"), Item: map[string]types.AttributeValue{"pk": s("h"), "sk": n("2"), "g": s("")}}},
	}})
	apiErr(t, err, "ValidationException", "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: byg, IndexKey: g")
}

func TestSDKTransactGet(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createAccounts(t, c, "gg1")
	createAccounts(t, c, "gg2")
	put(t, c, "gg1", map[string]types.AttributeValue{"pk": s("a"), "x": n("1"), "y": s("why")})
	put(t, c, "gg2", map[string]types.AttributeValue{"pk": s("a"), "v": s(strings.Repeat("v", 5000))})
	get := func(table, pk string) types.TransactGetItem {
		return types.TransactGetItem{Get: &types.Get{TableName: aws.String(table), Key: key(pk)}}
	}
	proj := get("gg1", "a")
	proj.Get.ProjectionExpression = aws.String("#y")
	proj.Get.ExpressionAttributeNames = map[string]string{"#y": "y"}
	nothing := get("gg2", "a")
	nothing.Get.ProjectionExpression = aws.String("zzz")
	out, err := c.TransactGetItems(ctx, &ddb.TransactGetItemsInput{
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		TransactItems:          []types.TransactGetItem{get("gg2", "a"), get("gg1", "missing"), proj},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := out.Responses
	if len(r) != 3 || len(attrS(r[0].Item, "v")) != 5000 || r[1].Item != nil || len(r[2].Item) != 1 || attrS(r[2].Item, "y") != "why" {
		t.Fatalf("responses %+v", r)
	}
	cc := out.ConsumedCapacity
	if len(cc) != 2 || aws.ToString(cc[0].TableName) != "gg2" || aws.ToFloat64(cc[0].CapacityUnits) != 4 ||
		aws.ToFloat64(cc[0].ReadCapacityUnits) != 4 || aws.ToString(cc[1].TableName) != "gg1" || aws.ToFloat64(cc[1].CapacityUnits) != 4 {
		t.Fatalf("capacity %+v", cc)
	}
	out, err = c.TransactGetItems(ctx, &ddb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{nothing}})
	if err != nil || len(out.Responses) != 1 || out.Responses[0].Item != nil {
		t.Fatalf("%v %+v", err, out)
	}

	tg := func(items ...types.TransactGetItem) error {
		_, err := c.TransactGetItems(ctx, &ddb.TransactGetItemsInput{TransactItems: items})
		return err
	}
	apiErr(t, tg(get("gg1", "a"), get("nope", "a")), "ResourceNotFoundException", "Requested resource not found")
	apiErr(t, tg(get("gg1", "a"), get("gg1", "a")), "ValidationException", "Transaction request cannot include multiple operations on one item")
	apiErr(t, tg(get("gg1", "")), "ValidationException", "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk")
	bad := types.TransactGetItem{Get: &types.Get{TableName: aws.String("gg1"), Key: map[string]types.AttributeValue{"id": s("a")}}}
	reasons := canceled(t, tg(get("gg1", "a"), bad), "None", "ValidationError")
	if aws.ToString(reasons[1].Message) != "The provided key element does not match the schema" {
		t.Fatal(aws.ToString(reasons[1].Message))
	}
	unused := get("gg1", "a")
	unused.Get.ExpressionAttributeNames = map[string]string{"#y": "y"}
	apiErr(t, tg(unused), "ValidationException", "ExpressionAttributeNames can only be specified when using expressions")
	var many []types.TransactGetItem
	for i := range 101 {
		many = append(many, get("gg1", strconv.Itoa(i)))
	}
	apiErr(t, tg(many...), "ValidationException", "")

	// More than 4 MB of items.
	var large []types.TransactGetItem
	for i := range 12 {
		pk := "big" + strconv.Itoa(i)
		put(t, c, "gg1", map[string]types.AttributeValue{"pk": s(pk), "v": s(strings.Repeat("x", 390*1024))})
		large = append(large, get("gg1", pk))
	}
	apiErr(t, tg(large...), "ValidationException", "Total size of the items in the transaction exceeds the limit of 4 MB")
	if _, err := c.TransactGetItems(ctx, &ddb.TransactGetItemsInput{TransactItems: large[:10]}); err != nil {
		t.Fatal(err)
	}
}

// TestSDKTransactTransfers runs transfers between accounts of two tables
// through the SDK (a debit conditioned on the balance, a credit and a
// journal entry in one TransactWriteItems) from several clients, while
// readers take TransactGetItems of every account: every read sees the
// same total, and the journal matches the committed transfers.
func TestSDKTransactTransfers(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createAccounts(t, c, "tta")
	createAccounts(t, c, "ttb")
	createAccounts(t, c, "journal")
	const accounts, start = 16, 100
	table := func(i int) string {
		if i%2 == 0 {
			return "tta"
		}
		return "ttb"
	}
	var gets []types.TransactGetItem
	for i := range accounts {
		pk := "acct" + strconv.Itoa(i)
		put(t, c, table(i), map[string]types.AttributeValue{"pk": s(pk), "bal": n(strconv.Itoa(start))})
		gets = append(gets, types.TransactGetItem{Get: &types.Get{TableName: aws.String(table(i)), Key: key(pk)}})
	}
	deadline := time.Now().Add(20 * time.Second)
	var committed, cancels atomic.Int64
	var writers, readers sync.WaitGroup
	var stop atomic.Bool
	errc := make(chan error, 16)
	for w := range 4 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			rng := rand.New(rand.NewSource(int64(w)))
			for i := 0; i < 150 && time.Now().Before(deadline); i++ {
				from, to := rng.Intn(accounts), rng.Intn(accounts)
				if from == to {
					continue
				}
				amt := strconv.Itoa(1 + rng.Intn(80))
				_, err := c.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					{Update: &types.Update{TableName: aws.String(table(from)), Key: key("acct" + strconv.Itoa(from)),
						UpdateExpression: aws.String("SET bal = bal - :amt"), ConditionExpression: aws.String("bal >= :amt"),
						ExpressionAttributeValues: map[string]types.AttributeValue{":amt": n(amt)}}},
					{Update: &types.Update{TableName: aws.String(table(to)), Key: key("acct" + strconv.Itoa(to)),
						UpdateExpression: aws.String("ADD bal :amt"), ExpressionAttributeValues: map[string]types.AttributeValue{":amt": n(amt)}}},
					{Put: &types.Put{TableName: aws.String("journal"), Item: map[string]types.AttributeValue{
						"pk": s(fmt.Sprintf("w%d-%d", w, i)), "amt": n(amt)}, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
				}})
				var tc *types.TransactionCanceledException
				switch {
				case err == nil:
					committed.Add(1)
				case errors.As(err, &tc):
					cancels.Add(1)
				default:
					errc <- err
					return
				}
			}
		}()
	}
	var reads atomic.Int64
	for range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for !stop.Load() && time.Now().Before(deadline) {
				out, err := c.TransactGetItems(ctx, &ddb.TransactGetItemsInput{TransactItems: gets})
				if err != nil {
					errc <- err
					return
				}
				total := 0
				for _, r := range out.Responses {
					v, _ := strconv.Atoi(attrN(r.Item, "bal"))
					total += v
				}
				if total != accounts*start {
					errc <- fmt.Errorf("a reader saw a total of %d, want %d", total, accounts*start)
					return
				}
				reads.Add(1)
			}
		}()
	}
	writers.Wait()
	stop.Store(true)
	readers.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	out, err := c.Scan(ctx, &ddb.ScanInput{TableName: aws.String("journal"), Select: types.SelectCount})
	if err != nil {
		t.Fatal(err)
	}
	if int64(out.Count) != committed.Load() {
		t.Fatalf("journal holds %d entries, %d transfers committed", out.Count, committed.Load())
	}
	if committed.Load() == 0 || reads.Load() == 0 {
		t.Fatalf("committed %d, reads %d", committed.Load(), reads.Load())
	}
	t.Logf("%d committed, %d canceled, %d consistent reads", committed.Load(), cancels.Load(), reads.Load())
}
