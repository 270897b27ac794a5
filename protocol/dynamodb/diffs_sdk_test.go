package dynamodb_test

// SDK tests for the differences from DynamoDB that suites written against
// real DynamoDB found (issue 14, "the remaining differences"): each test
// sends what such a suite sends, through aws-sdk-go-v2, and checks
// DynamoDB's answer.

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

func TestSDKDiffsTableNames(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	_, err := c.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:            aws.String("ab"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	apiErr(t, err, "ValidationException", "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3")
	_, err = c.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("ab")})
	apiErr(t, err, "ValidationException", "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3")

	item := map[string]types.AttributeValue{"pk": s("x")}
	_, err = c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String(""), Item: item})
	apiErr(t, err, "ValidationException", "1 validation error detected: Value '' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 1")
	long := strings.Repeat("a", 256)
	_, err = c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String(long), Item: item})
	apiErr(t, err, "ValidationException", "1 validation error detected: Value '"+long+"' at 'tableName' failed to satisfy constraint: Member must have length less than or equal to 255")
	_, err = c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("bad table!@#"), Item: item})
	apiErr(t, err, "ValidationException", "1 validation error detected: Value 'bad table!@#' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
	// A short name is a name like any other for an item operation.
	_, err = c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("ab"), Item: item})
	apiErr(t, err, "ResourceNotFoundException", "")
}

func TestSDKDiffsConstraintMessages(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createMusic(t, c)
	_, err := c.Query(ctx, &ddb.QueryInput{TableName: aws.String("Music"), Limit: aws.Int32(0),
		KeyConditionExpression: aws.String("Artist = :a"), ExpressionAttributeValues: map[string]types.AttributeValue{":a": s("x")}})
	apiErr(t, err, "ValidationException", "1 validation error detected: Value at 'Limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
	_, err = c.Scan(ctx, &ddb.ScanInput{TableName: aws.String("Music"), Limit: aws.Int32(0)})
	apiErr(t, err, "ValidationException", "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")

	keys := make([]map[string]types.AttributeValue, 101)
	for i := range keys {
		keys[i] = map[string]types.AttributeValue{"Artist": s(fmt.Sprint(i)), "Song": s("s")}
	}
	_, err = c.BatchGetItem(ctx, &ddb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"Music": {Keys: keys}}})
	apiErr(t, err, "ValidationException", "1 validation error detected: Value at 'RequestItems.Music.member.Keys' failed to satisfy constraint: Member must have length less than or equal to 100")

	_, err = c.BatchGetItem(ctx, &ddb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{}})
	apiErr(t, err, "ValidationException", "The requestItems parameter is required for BatchGetItem")
	_, err = c.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{}})
	apiErr(t, err, "ValidationException", "The requestItems parameter is required for BatchWriteItem")

	writes := make([]types.WriteRequest, 26)
	for i := range writes {
		writes[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"Artist": s(fmt.Sprint(i)), "Song": s("s")}}}
	}
	_, err = c.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"Music": writes}})
	one := `WriteRequest\(putRequest=PutRequest\(item=\{(Artist|Song)=com\.amazonaws\.dynamodb\.v20120810\.AttributeValue@[0-9a-f]+, (Artist|Song)=com\.amazonaws\.dynamodb\.v20120810\.AttributeValue@[0-9a-f]+\}, workloadProfileName=null\), deleteRequest=null\)`
	apiErrMatch(t, err, "ValidationException", `^1 validation error detected: Value '\{Music=\[`+one+`(, `+one+`){25}\]\}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: \[Member must have length less than or equal to 25, Member must have length greater than or equal to 1\]$`)

	_, err = c.CreateTable(ctx, &ddb.CreateTableInput{
		TableName: aws.String("three"),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("extra"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
			{AttributeName: aws.String("extra"), KeyType: types.KeyTypeRange},
		},
		BillingMode: types.BillingModePayPerRequest,
	})
	apiErr(t, err, "ValidationException", "1 validation error detected: Value '[KeySchemaElement(attributeName=pk, keyType=HASH), KeySchemaElement(attributeName=sk, keyType=RANGE), KeySchemaElement(attributeName=extra, keyType=RANGE)]' at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to 2")
}

// apiErrMatch is apiErr with the message matched by a regular expression.
func apiErrMatch(t *testing.T, err error, code, pattern string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s error, got %v", code, err)
	}
	if ae.ErrorCode() != code || !regexp.MustCompile(pattern).MatchString(ae.ErrorMessage()) {
		t.Fatalf("want %s: /%s/\n got %s: %q", code, pattern, ae.ErrorCode(), ae.ErrorMessage())
	}
}

func TestSDKDiffsSegmentAlone(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createMusic(t, c)
	for _, seg := range []int32{0, 1} {
		_, err := c.Scan(ctx, &ddb.ScanInput{TableName: aws.String("Music"), Segment: aws.Int32(seg)})
		apiErr(t, err, "ValidationException", "The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
	}
	if _, err := c.Scan(ctx, &ddb.ScanInput{TableName: aws.String("Music"), Segment: aws.Int32(0), TotalSegments: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
}
