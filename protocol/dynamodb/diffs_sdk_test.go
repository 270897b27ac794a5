package dynamodb_test

// SDK tests for the differences from DynamoDB that suites written against
// real DynamoDB found (issue 14, "the remaining differences"): each test
// sends what such a suite sends, through aws-sdk-go-v2, and checks
// DynamoDB's answer.

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
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
