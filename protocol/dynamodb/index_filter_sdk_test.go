package dynamodb_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestIndexFilterOnUnprojected: a filter naming an attribute an index does
// not project is refused by a Query of the index, global or local, and
// accepted by a Scan of it, which matches nothing (the attribute is missing
// from the projected items), as DynamoDB does.
func TestIndexFilterOnUnprojected(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	keysOnly := &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}
	_, err := c.CreateTable(ctx, &ddb.CreateTableInput{
		TableName: aws.String("Filtered"),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("l"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("ByG"), Projection: keysOnly,
			KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}}}},
		LocalSecondaryIndexes: []types.LocalSecondaryIndex{{IndexName: aws.String("ByL"), Projection: keysOnly,
			KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("l"), KeyType: types.KeyTypeRange}}}},
		BillingMode: types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("Filtered"),
		Item: map[string]types.AttributeValue{"pk": s("p"), "sk": s("1"), "g": s("x"), "l": s("y"), "v": s("hidden")}}); err != nil {
		t.Fatal(err)
	}
	filter := aws.String("v = :v")
	values := map[string]types.AttributeValue{":v": s("hidden")}
	for _, ix := range []string{"ByG", "ByL"} {
		out, err := c.Scan(ctx, &ddb.ScanInput{TableName: aws.String("Filtered"), IndexName: aws.String(ix),
			FilterExpression: filter, ExpressionAttributeValues: values})
		if err != nil || out.Count != 0 || out.ScannedCount != 1 {
			t.Fatalf("Scan of %s with a filter on an unprojected attribute: %+v %v", ix, out, err)
		}
	}
	_, err = c.Query(ctx, &ddb.QueryInput{TableName: aws.String("Filtered"), IndexName: aws.String("ByG"),
		KeyConditionExpression: aws.String("g = :g"), FilterExpression: filter,
		ExpressionAttributeValues: map[string]types.AttributeValue{":g": s("x"), ":v": s("hidden")}})
	apiErr(t, err, "ValidationException", "One or more parameter values were invalid: Secondary index ByG does not project one or more filter attributes: [v]")
	_, err = c.Query(ctx, &ddb.QueryInput{TableName: aws.String("Filtered"), IndexName: aws.String("ByL"),
		KeyConditionExpression: aws.String("pk = :p"), FilterExpression: filter,
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("p"), ":v": s("hidden")}})
	apiErr(t, err, "ValidationException", "One or more parameter values were invalid: Secondary index ByL does not project one or more filter attributes: [v]")
}
