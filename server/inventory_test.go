package server_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestInventorySettingsPersist: Contributor Insights settings (table and
// GSI) and Kinesis streaming destinations survive a restart from the log,
// and a GSI deleted before the restart does not bring its setting back.
func TestInventorySettingsPersist(t *testing.T) {
	srv := &dirServer{t: t, dir: t.TempDir()}
	srv.start()
	t.Cleanup(srv.stop)
	ctx := context.Background()
	db := srv.client()
	_, err := db.CreateTable(ctx, &ddb.CreateTableInput{
		TableName: aws.String("Watched"),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("kind"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema:   []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		BillingMode: types.BillingModePayPerRequest,
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			{IndexName: aws.String("by-kind"), KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("kind"), KeyType: types.KeyTypeHash}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}},
			{IndexName: aws.String("gone"), KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("kind"), KeyType: types.KeyTypeHash}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	enable := func(index *string, mode types.ContributorInsightsMode) {
		t.Helper()
		if _, err := db.UpdateContributorInsights(ctx, &ddb.UpdateContributorInsightsInput{TableName: aws.String("Watched"), IndexName: index,
			ContributorInsightsAction: types.ContributorInsightsActionEnable, ContributorInsightsMode: mode}); err != nil {
			t.Fatal(err)
		}
	}
	enable(nil, types.ContributorInsightsModeThrottledKeys)
	enable(aws.String("by-kind"), "")
	enable(aws.String("gone"), "")
	if _, err := db.UpdateTable(ctx, &ddb.UpdateTableInput{TableName: aws.String("Watched"), GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{
		{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: aws.String("gone")}}}}); err != nil {
		t.Fatal(err)
	}
	stream := "arn:aws:kinesis:us-east-1:000000000000:stream/out"
	if _, err := db.EnableKinesisStreamingDestination(ctx, &ddb.EnableKinesisStreamingDestinationInput{TableName: aws.String("Watched"),
		StreamArn: aws.String(stream)}); err != nil {
		t.Fatal(err)
	}
	before, err := db.DescribeContributorInsights(ctx, &ddb.DescribeContributorInsightsInput{TableName: aws.String("Watched")})
	if err != nil {
		t.Fatal(err)
	}

	srv.stop()
	srv.start()
	db = srv.client()
	after, err := db.DescribeContributorInsights(ctx, &ddb.DescribeContributorInsightsInput{TableName: aws.String("Watched")})
	if err != nil || after.ContributorInsightsStatus != types.ContributorInsightsStatusEnabled ||
		after.ContributorInsightsMode != types.ContributorInsightsModeThrottledKeys ||
		*after.LastUpdateDateTime != *before.LastUpdateDateTime || len(after.ContributorInsightsRuleList) != 1 ||
		after.ContributorInsightsRuleList[0] != before.ContributorInsightsRuleList[0] {
		t.Fatalf("table setting after a restart: %+v %v (before %+v)", after, err, before)
	}
	l, err := db.ListContributorInsights(ctx, &ddb.ListContributorInsightsInput{})
	if err != nil || len(l.ContributorInsightsSummaries) != 2 || *l.ContributorInsightsSummaries[1].IndexName != "by-kind" {
		t.Fatalf("list after a restart: %+v %v", l, err)
	}
	k, err := db.DescribeKinesisStreamingDestination(ctx, &ddb.DescribeKinesisStreamingDestinationInput{TableName: aws.String("Watched")})
	if err != nil || len(k.KinesisDataStreamDestinations) != 1 || *k.KinesisDataStreamDestinations[0].StreamArn != stream ||
		k.KinesisDataStreamDestinations[0].DestinationStatus != types.DestinationStatusEnableFailed {
		t.Fatalf("kinesis destinations after a restart: %+v %v", k, err)
	}
}
