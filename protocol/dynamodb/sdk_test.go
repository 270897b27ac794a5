package dynamodb_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/protocol/http1"
	"github.com/dynacache/dynacache/shard"
)

// newClient starts a handler on 127.0.0.1:0, behind protocol/http1 as
// dynacache serves it, and returns an SDK client pointed at it by endpoint
// override.
//
// Under TestSDKThroughAccelerator (accel_sdk_test.go) the endpoint is an
// accelerator in front of such a server instead, so every SDK test runs a
// second time through it.
func newClient(t testing.TB) *ddb.Client {
	t.Helper()
	var endpoint string
	if strings.HasPrefix(t.Name(), acceleratedPrefix) {
		endpoint = newAccelerated(t)
	} else {
		endpoint = serveHandler(t, dynamodb.NewHandler(shard.New(nil), dynamodb.Options{}))
	}
	return ddb.New(ddb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		Retryer:      retryClosedConn(),
	})
}

// retryClosedConn is a retryer that retries nothing but one known fault of
// Go's HTTP client, not of the server: a reply being read fails with "use
// of closed network connection" when the transport's write loop closes the
// connection under it (aws/aws-sdk-go-v2#1825 and #2737, seen against
// DynamoDB itself; the SDK's default retryer retries it). Under heavy CI
// load it struck about one run in three. Every other error, and every
// error reply of the server, reaches the test on the first attempt, as
// with RetryMaxAttempts 1.
func retryClosedConn() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 3
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		o.RateLimiter = ratelimit.None
		o.Retryables = []retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
			if err != nil && strings.Contains(err.Error(), "use of closed network connection") {
				return aws.TrueTernary
			}
			return aws.FalseTernary
		})}
	})
}

// serveHandler serves h behind protocol/http1 on 127.0.0.1:0 until the
// test ends and returns its URL.
func serveHandler(t testing.TB, h *dynamodb.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http1.Server{Handler: h, MaxBodyBytes: dynamodb.MaxRequestBytes}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func apiErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s error, got %v", code, err)
	}
	if ae.ErrorCode() != code || (msg != "" && ae.ErrorMessage() != msg) {
		t.Fatalf("want %s: %q\n got %s: %q", code, msg, ae.ErrorCode(), ae.ErrorMessage())
	}
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

func createMusic(t *testing.T, c *ddb.Client) {
	t.Helper()
	out, err := c.CreateTable(context.Background(), &ddb.CreateTableInput{
		TableName: aws.String("Music"),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("Artist"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("Song"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("Artist"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("Song"), KeyType: types.KeyTypeRange},
		},
		BillingMode: types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.TableDescription.TableStatus != types.TableStatusCreating {
		t.Fatalf("status %s", out.TableDescription.TableStatus)
	}
}

func TestSDKTables(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createMusic(t, c)

	_, err := c.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:            aws.String("Music"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("a"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("a"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	apiErr(t, err, "ResourceInUseException", "Table already exists: Music")

	d, err := c.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("Music")})
	if err != nil {
		t.Fatal(err)
	}
	tb := d.Table
	if tb.TableStatus != types.TableStatusActive || *tb.TableName != "Music" || *tb.ItemCount != 0 ||
		*tb.TableArn != "arn:aws:dynamodb:us-east-1:000000000000:table/Music" || tb.CreationDateTime == nil ||
		tb.BillingModeSummary.BillingMode != types.BillingModePayPerRequest || len(tb.KeySchema) != 2 {
		t.Fatalf("describe: %+v", tb)
	}

	_, err = c.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("Nope")})
	apiErr(t, err, "ResourceNotFoundException", "Requested resource not found: Table: Nope not found")

	for i := 0; i < 5; i++ {
		_, err := c.CreateTable(ctx, &ddb.CreateTableInput{
			TableName:             aws.String(fmt.Sprintf("tab%d", i)),
			AttributeDefinitions:  []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeN}},
			KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
			ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Paginate ListTables two at a time: every name exactly once, in order.
	var names []string
	var start *string
	for pages := 0; pages < 10; pages++ {
		out, err := c.ListTables(ctx, &ddb.ListTablesInput{Limit: aws.Int32(2), ExclusiveStartTableName: start})
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, out.TableNames...)
		if out.LastEvaluatedTableName == nil {
			break
		}
		start = out.LastEvaluatedTableName
	}
	if fmt.Sprint(names) != "[Music tab0 tab1 tab2 tab3 tab4]" {
		t.Fatalf("ListTables pages: %v", names)
	}

	u, err := c.UpdateTable(ctx, &ddb.UpdateTableInput{
		TableName:             aws.String("tab0"),
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(10), WriteCapacityUnits: aws.Int64(5)},
	})
	if err != nil {
		t.Fatal(err)
	}
	// As DynamoDB: the reply shows the table before the change, UPDATING;
	// the next call sees the new capacity.
	if *u.TableDescription.ProvisionedThroughput.ReadCapacityUnits != 5 || u.TableDescription.TableStatus != types.TableStatusUpdating {
		t.Fatalf("update: %+v", u.TableDescription)
	}
	d, err = c.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("tab0")})
	if err != nil || *d.Table.ProvisionedThroughput.ReadCapacityUnits != 10 || d.Table.TableStatus != types.TableStatusActive {
		t.Fatalf("after update: %+v %v", d.Table, err)
	}
	_, err = c.UpdateTable(ctx, &ddb.UpdateTableInput{
		TableName:             aws.String("tab0"),
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(10), WriteCapacityUnits: aws.Int64(5)},
	})
	apiErr(t, err, "ValidationException", "The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: 10. Requested ReadCapacityUnits: 10. Current WriteCapacityUnits provisioned for the table: 5. Requested WriteCapacityUnits: 5. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.")

	del, err := c.DeleteTable(ctx, &ddb.DeleteTableInput{TableName: aws.String("tab4")})
	if err != nil || del.TableDescription.TableStatus != types.TableStatusDeleting {
		t.Fatal(err, del)
	}
	_, err = c.DeleteTable(ctx, &ddb.DeleteTableInput{TableName: aws.String("tab4")})
	apiErr(t, err, "ResourceNotFoundException", "Requested resource not found: Table: tab4 not found")
}

func TestSDKItems(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createMusic(t, c)
	key := map[string]types.AttributeValue{"Artist": s("Acme"), "Song": s("Hit")}

	_, err := c.PutItem(ctx, &ddb.PutItemInput{
		TableName: aws.String("Music"),
		Item: map[string]types.AttributeValue{
			"Artist": s("Acme"), "Song": s("Hit"), "Plays": n("1.50"),
			"Blob":  &types.AttributeValueMemberB{Value: []byte{0, 1, 2}},
			"Tags":  &types.AttributeValueMemberSS{Value: []string{"a", "b"}},
			"Info":  &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"year": n("2001"), "list": &types.AttributeValueMemberL{Value: []types.AttributeValue{s("x"), n("2")}}}},
			"Empty": s(""),
			"Null":  &types.AttributeValueMemberNULL{Value: true},
			"Flag":  &types.AttributeValueMemberBOOL{Value: true},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	g, err := c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("Music"), Key: key, ConsistentRead: aws.Bool(true),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil {
		t.Fatal(err)
	}
	if g.Item["Plays"].(*types.AttributeValueMemberN).Value != "1.5" {
		t.Fatalf("Plays = %v", g.Item["Plays"])
	}
	if b := g.Item["Blob"].(*types.AttributeValueMemberB).Value; len(b) != 3 || b[2] != 2 {
		t.Fatalf("Blob = %v", b)
	}
	if *g.ConsumedCapacity.CapacityUnits != 1 || *g.ConsumedCapacity.TableName != "Music" {
		t.Fatalf("capacity %+v", g.ConsumedCapacity)
	}

	// Projection of a nested path.
	g, err = c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("Music"), Key: key,
		ProjectionExpression: aws.String("Info.#l[1], Plays"), ExpressionAttributeNames: map[string]string{"#l": "list"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Item) != 2 {
		t.Fatalf("projection: %v", g.Item)
	}
	l := g.Item["Info"].(*types.AttributeValueMemberM).Value["list"].(*types.AttributeValueMemberL).Value
	if len(l) != 1 || l[0].(*types.AttributeValueMemberN).Value != "2" {
		t.Fatalf("projected list: %v", l)
	}

	// Update with arithmetic, nested set, remove; UPDATED_NEW.
	u, err := c.UpdateItem(ctx, &ddb.UpdateItemInput{
		TableName: aws.String("Music"), Key: key,
		UpdateExpression:          aws.String("SET Plays = Plays + :inc, Info.#y = :y REMOVE Tags ADD Hits :inc"),
		ExpressionAttributeNames:  map[string]string{"#y": "year"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":inc": n("1"), ":y": n("2002")},
		ReturnValues:              types.ReturnValueUpdatedNew,
	})
	if err != nil {
		t.Fatal(err)
	}
	if u.Attributes["Plays"].(*types.AttributeValueMemberN).Value != "2.5" || u.Attributes["Hits"].(*types.AttributeValueMemberN).Value != "1" {
		t.Fatalf("UPDATED_NEW: %v", u.Attributes)
	}
	if _, ok := u.Attributes["Artist"]; ok {
		t.Fatal("UPDATED_NEW returned an unchanged attribute")
	}

	// Condition failure returns the old item when asked.
	_, err = c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("Music"), Item: key,
		ConditionExpression:                 aws.String("attribute_not_exists(Artist)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("want ConditionalCheckFailedException, got %v", err)
	}
	if ccf.Item["Plays"].(*types.AttributeValueMemberN).Value != "2.5" {
		t.Fatalf("CCF item: %v", ccf.Item)
	}

	// Legacy Expected.
	_, err = c.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: aws.String("Music"), Key: key,
		Expected: map[string]types.ExpectedAttributeValue{"Plays": {Value: n("3")}}})
	apiErr(t, err, "ConditionalCheckFailedException", "The conditional request failed")

	d, err := c.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: aws.String("Music"), Key: key,
		ConditionExpression:       aws.String("Plays = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": n("2.50")},
		ReturnValues:              types.ReturnValueAllOld})
	if err != nil {
		t.Fatal(err)
	}
	if d.Attributes["Artist"].(*types.AttributeValueMemberS).Value != "Acme" {
		t.Fatalf("ALL_OLD: %v", d.Attributes)
	}
	g, err = c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("Music"), Key: key})
	if err != nil || g.Item != nil {
		t.Fatalf("after delete: %v %v", g.Item, err)
	}

	// Errors that need the table.
	_, err = c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("Music"), Key: map[string]types.AttributeValue{"Artist": s("x")}})
	apiErr(t, err, "ValidationException", "The provided key element does not match the schema")
	_, err = c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("Music"), Item: map[string]types.AttributeValue{"Artist": s("x"), "Song": n("1")}})
	apiErr(t, err, "ValidationException", "One or more parameter values were invalid: Type mismatch for key Song expected: S actual: N")
	_, err = c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("Nope"), Item: key})
	apiErr(t, err, "ResourceNotFoundException", "Requested resource not found")
	_, err = c.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String("Music"), Key: key,
		UpdateExpression: aws.String("SET Song = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("x")}})
	apiErr(t, err, "ValidationException", "One or more parameter values were invalid: Cannot update attribute Song. This attribute is part of the key")
}
