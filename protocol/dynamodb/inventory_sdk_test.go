package dynamodb_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// createInsightsTable makes a table with a sort key, a GSI (hash only)
// and an LSI.
func createInsightsTable(t *testing.T, c *ddb.Client, name string) {
	t.Helper()
	_, err := c.CreateTable(context.Background(), &ddb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("gsi1"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}},
		LocalSecondaryIndexes: []types.LocalSecondaryIndex{{IndexName: aws.String("lsi1"),
			KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("g"), KeyType: types.KeyTypeRange}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}},
		BillingMode: types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSDKContributorInsights: the setting per table and per GSI, its
// transitions, rule names, modes, listing and errors.
func TestSDKContributorInsights(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createInsightsTable(t, c, "Ins")

	// Never configured: DISABLED and nothing else.
	d, err := c.DescribeContributorInsights(ctx, &ddb.DescribeContributorInsightsInput{TableName: aws.String("Ins")})
	if err != nil || d.ContributorInsightsStatus != types.ContributorInsightsStatusDisabled || d.LastUpdateDateTime != nil ||
		d.ContributorInsightsMode != "" || d.ContributorInsightsRuleList != nil || *d.TableName != "Ins" || d.IndexName != nil {
		t.Fatalf("fresh: %+v %v", d, err)
	}
	l, err := c.ListContributorInsights(ctx, &ddb.ListContributorInsightsInput{TableName: aws.String("Ins")})
	if err != nil || len(l.ContributorInsightsSummaries) != 0 || l.NextToken != nil {
		t.Fatalf("fresh list: %+v %v", l, err)
	}
	// DISABLE when never configured: a no-op.
	u, err := c.UpdateContributorInsights(ctx, &ddb.UpdateContributorInsightsInput{TableName: aws.String("Ins"),
		ContributorInsightsAction: types.ContributorInsightsActionDisable})
	if err != nil || u.ContributorInsightsStatus != types.ContributorInsightsStatusDisabled {
		t.Fatalf("disable fresh: %+v %v", u, err)
	}

	// ENABLE: ENABLING in the reply, ENABLED afterwards, with the rules.
	u, err = c.UpdateContributorInsights(ctx, &ddb.UpdateContributorInsightsInput{TableName: aws.String("Ins"),
		ContributorInsightsAction: types.ContributorInsightsActionEnable})
	if err != nil || u.ContributorInsightsStatus != types.ContributorInsightsStatusEnabling ||
		u.ContributorInsightsMode != types.ContributorInsightsModeAccessedAndThrottledKeys || *u.TableName != "Ins" {
		t.Fatalf("enable: %+v %v", u, err)
	}
	d, err = c.DescribeContributorInsights(ctx, &ddb.DescribeContributorInsightsInput{TableName: aws.String("Ins")})
	if err != nil || d.ContributorInsightsStatus != types.ContributorInsightsStatusEnabled || d.LastUpdateDateTime == nil ||
		len(d.ContributorInsightsRuleList) != 4 {
		t.Fatalf("enabled: %+v %v", d, err)
	}
	for i, kind := range []string{"PKC", "SKC", "PKT", "SKT"} {
		r := d.ContributorInsightsRuleList[i]
		if !strings.HasPrefix(r, "DynamoDBContributorInsights-"+kind+"-Ins-") {
			t.Fatalf("rule %d: %s", i, r)
		}
	}
	suffix := d.ContributorInsightsRuleList[0][strings.LastIndexByte(d.ContributorInsightsRuleList[0], '-'):]
	// The same ENABLE again: ENABLED at once, nothing changes.
	u, err = c.UpdateContributorInsights(ctx, &ddb.UpdateContributorInsightsInput{TableName: aws.String("Ins"),
		ContributorInsightsAction: types.ContributorInsightsActionEnable})
	if err != nil || u.ContributorInsightsStatus != types.ContributorInsightsStatusEnabled {
		t.Fatalf("enable again: %+v %v", u, err)
	}
	// A mode change: ENABLING again, throttled-key rules only, same suffix.
	u, err = c.UpdateContributorInsights(ctx, &ddb.UpdateContributorInsightsInput{TableName: aws.String("Ins"),
		ContributorInsightsAction: types.ContributorInsightsActionEnable, ContributorInsightsMode: types.ContributorInsightsModeThrottledKeys})
	if err != nil || u.ContributorInsightsStatus != types.ContributorInsightsStatusEnabling || u.ContributorInsightsMode != types.ContributorInsightsModeThrottledKeys {
		t.Fatalf("mode: %+v %v", u, err)
	}
	d, _ = c.DescribeContributorInsights(ctx, &ddb.DescribeContributorInsightsInput{TableName: aws.String("Ins")})
	if len(d.ContributorInsightsRuleList) != 2 || !strings.Contains(d.ContributorInsightsRuleList[0], "-PKT-") ||
		!strings.HasSuffix(d.ContributorInsightsRuleList[1], suffix) || d.ContributorInsightsMode != types.ContributorInsightsModeThrottledKeys {
		t.Fatalf("throttled keys: %+v", d)
	}

	// The GSI has a setting of its own (hash only: two rules).
	u, err = c.UpdateContributorInsights(ctx, &ddb.UpdateContributorInsightsInput{TableName: aws.String("Ins"), IndexName: aws.String("gsi1"),
		ContributorInsightsAction: types.ContributorInsightsActionEnable})
	if err != nil || u.ContributorInsightsStatus != types.ContributorInsightsStatusEnabling || *u.IndexName != "gsi1" {
		t.Fatalf("enable gsi: %+v %v", u, err)
	}
	d, err = c.DescribeContributorInsights(ctx, &ddb.DescribeContributorInsightsInput{TableName: aws.String("Ins"), IndexName: aws.String("gsi1")})
	if err != nil || d.ContributorInsightsStatus != types.ContributorInsightsStatusEnabled || len(d.ContributorInsightsRuleList) != 2 ||
		!strings.HasPrefix(d.ContributorInsightsRuleList[0], "DynamoDBContributorInsights-PKC-Ins-gsi1-") {
		t.Fatalf("gsi: %+v %v", d, err)
	}

	// Listing: the table, then its GSI; paged one at a time.
	createInsightsTable(t, c, "Other")
	l, err = c.ListContributorInsights(ctx, &ddb.ListContributorInsightsInput{})
	if err != nil || len(l.ContributorInsightsSummaries) != 2 || l.NextToken != nil ||
		*l.ContributorInsightsSummaries[0].TableName != "Ins" || l.ContributorInsightsSummaries[0].IndexName != nil ||
		*l.ContributorInsightsSummaries[1].IndexName != "gsi1" {
		t.Fatalf("list: %+v %v", l, err)
	}
	p1, err := c.ListContributorInsights(ctx, &ddb.ListContributorInsightsInput{TableName: aws.String("Ins"), MaxResults: 1})
	if err != nil || len(p1.ContributorInsightsSummaries) != 1 || p1.NextToken == nil || p1.ContributorInsightsSummaries[0].IndexName != nil {
		t.Fatalf("page 1: %+v %v", p1, err)
	}
	p2, err := c.ListContributorInsights(ctx, &ddb.ListContributorInsightsInput{TableName: aws.String("Ins"), MaxResults: 1, NextToken: p1.NextToken})
	if err != nil || len(p2.ContributorInsightsSummaries) != 1 || p2.NextToken != nil || *p2.ContributorInsightsSummaries[0].IndexName != "gsi1" {
		t.Fatalf("page 2: %+v %v", p2, err)
	}

	// DISABLE: DISABLING, then DISABLED with the mode kept; off the list.
	u, err = c.UpdateContributorInsights(ctx, &ddb.UpdateContributorInsightsInput{TableName: aws.String("Ins"),
		ContributorInsightsAction: types.ContributorInsightsActionDisable, ContributorInsightsMode: types.ContributorInsightsModeAccessedAndThrottledKeys})
	if err != nil || u.ContributorInsightsStatus != types.ContributorInsightsStatusDisabling || u.ContributorInsightsMode != types.ContributorInsightsModeThrottledKeys {
		t.Fatalf("disable: %+v %v", u, err)
	}
	d, _ = c.DescribeContributorInsights(ctx, &ddb.DescribeContributorInsightsInput{TableName: aws.String("Ins")})
	if d.ContributorInsightsStatus != types.ContributorInsightsStatusDisabled || d.ContributorInsightsRuleList != nil ||
		d.ContributorInsightsMode != types.ContributorInsightsModeThrottledKeys || d.LastUpdateDateTime == nil {
		t.Fatalf("disabled: %+v", d)
	}
	l, _ = c.ListContributorInsights(ctx, &ddb.ListContributorInsightsInput{TableName: aws.String("Ins")})
	if len(l.ContributorInsightsSummaries) != 1 || *l.ContributorInsightsSummaries[0].IndexName != "gsi1" {
		t.Fatalf("list after disable: %+v", l)
	}

	// A deleted GSI takes its setting along.
	if _, err := c.UpdateTable(ctx, &ddb.UpdateTableInput{TableName: aws.String("Ins"), GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{
		{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: aws.String("gsi1")}}}}); err != nil {
		t.Fatal(err)
	}
	l, _ = c.ListContributorInsights(ctx, &ddb.ListContributorInsightsInput{})
	if len(l.ContributorInsightsSummaries) != 0 {
		t.Fatalf("list after the GSI's delete: %+v", l)
	}

	// Errors.
	_, err = c.DescribeContributorInsights(ctx, &ddb.DescribeContributorInsightsInput{TableName: aws.String("Ins"), IndexName: aws.String("gsi1")})
	apiErr(t, err, "ResourceNotFoundException", "Requested resource not found: Index: gsi1 not found for table: Ins")
	_, err = c.UpdateContributorInsights(ctx, &ddb.UpdateContributorInsightsInput{TableName: aws.String("Ins"), IndexName: aws.String("lsi1"),
		ContributorInsightsAction: types.ContributorInsightsActionEnable})
	apiErr(t, err, "ResourceNotFoundException", "Requested resource not found: Index: lsi1 not found for table: Ins")
	_, err = c.DescribeContributorInsights(ctx, &ddb.DescribeContributorInsightsInput{TableName: aws.String("Nope")})
	apiErr(t, err, "ResourceNotFoundException", "Requested resource not found: Table: Nope not found")
	_, err = c.UpdateContributorInsights(ctx, &ddb.UpdateContributorInsightsInput{TableName: aws.String("Nope"),
		ContributorInsightsAction: types.ContributorInsightsActionEnable})
	apiErr(t, err, "ResourceNotFoundException", "Requested resource not found: Table: Nope not found")
	_, err = c.ListContributorInsights(ctx, &ddb.ListContributorInsightsInput{TableName: aws.String("Nope")})
	apiErr(t, err, "ResourceNotFoundException", "Requested resource not found: Table: Nope not found")
	_, err = c.UpdateContributorInsights(ctx, &ddb.UpdateContributorInsightsInput{TableName: aws.String("Ins"),
		ContributorInsightsAction: "TOGGLE"})
	apiErr(t, err, "ValidationException", "")
	_, err = c.ListContributorInsights(ctx, &ddb.ListContributorInsightsInput{MaxResults: 101})
	apiErr(t, err, "ValidationException", "")
	// By ARN.
	d, err = c.DescribeContributorInsights(ctx, &ddb.DescribeContributorInsightsInput{TableName: aws.String("arn:aws:dynamodb:us-east-1:000000000000:table/Other")})
	if err != nil || d.ContributorInsightsStatus != types.ContributorInsightsStatusDisabled {
		t.Fatalf("by ARN: %+v %v", d, err)
	}
}

// TestSDKGlobalTablesSingleRegion: the legacy global-table operations and
// replica auto scaling answer as DynamoDB does for a table of one region.
func TestSDKGlobalTablesSingleRegion(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createMusic(t, c)

	_, err := c.CreateGlobalTable(ctx, &ddb.CreateGlobalTableInput{GlobalTableName: aws.String("Music"),
		ReplicationGroup: []types.Replica{{RegionName: aws.String("us-east-1")}}})
	apiErr(t, err, "ValidationException", "One or more parameter values were invalid: DynamoDB global tables version 2017.11.29 is not supported. "+
		"We recommend using DynamoDB global tables version 2019.11.21, instead of version 2017.11.29 (Legacy).")
	_, err = c.DescribeGlobalTable(ctx, &ddb.DescribeGlobalTableInput{GlobalTableName: aws.String("Music")})
	apiErr(t, err, "GlobalTableNotFoundException", "Global table not found: Global table with name: 'Music' does not exist.")
	_, err = c.DescribeGlobalTableSettings(ctx, &ddb.DescribeGlobalTableSettingsInput{GlobalTableName: aws.String("Music")})
	apiErr(t, err, "GlobalTableNotFoundException", "Global table with name: 'Music' does not exist.")
	_, err = c.UpdateGlobalTableSettings(ctx, &ddb.UpdateGlobalTableSettingsInput{GlobalTableName: aws.String("Nope"),
		GlobalTableBillingMode: types.BillingModePayPerRequest})
	apiErr(t, err, "GlobalTableNotFoundException", "Global table with name: 'Nope' does not exist.")
	_, err = c.UpdateGlobalTable(ctx, &ddb.UpdateGlobalTableInput{GlobalTableName: aws.String("Music"),
		ReplicaUpdates: []types.ReplicaUpdate{{Delete: &types.DeleteReplicaAction{RegionName: aws.String("us-east-1")}}}})
	apiErr(t, err, "GlobalTableNotFoundException", "Global table with name: 'Music' does not exist.")
	_, err = c.UpdateGlobalTable(ctx, &ddb.UpdateGlobalTableInput{GlobalTableName: aws.String("Nope"),
		ReplicaUpdates: []types.ReplicaUpdate{{Create: &types.CreateReplicaAction{RegionName: aws.String("us-west-2")}}}})
	apiErr(t, err, "ValidationException", "One or more parameter values were invalid: DynamoDB global tables version 2017.11.29 is not supported. "+
		"We recommend using DynamoDB global tables version 2019.11.21, instead of version 2017.11.29 (Legacy).")
	_, err = c.UpdateGlobalTable(ctx, &ddb.UpdateGlobalTableInput{GlobalTableName: aws.String("Music"), ReplicaUpdates: []types.ReplicaUpdate{}})
	apiErr(t, err, "ValidationException", "One or more parameter values were invalid")
	l, err := c.ListGlobalTables(ctx, &ddb.ListGlobalTablesInput{Limit: aws.Int32(1), RegionName: aws.String("us-east-1")})
	if err != nil || len(l.GlobalTables) != 0 || l.LastEvaluatedGlobalTableName != nil {
		t.Fatalf("ListGlobalTables: %+v %v", l, err)
	}

	_, err = c.DescribeTableReplicaAutoScaling(ctx, &ddb.DescribeTableReplicaAutoScalingInput{TableName: aws.String("Music")})
	apiErr(t, err, "ResourceNotFoundException", "Global table with name: 'Music' does not exist.")
	_, err = c.UpdateTableReplicaAutoScaling(ctx, &ddb.UpdateTableReplicaAutoScalingInput{TableName: aws.String("Nope"),
		ProvisionedWriteCapacityAutoScalingUpdate: &types.AutoScalingSettingsUpdate{AutoScalingDisabled: aws.Bool(true)}})
	apiErr(t, err, "ResourceNotFoundException", "Global table with name: 'Nope' does not exist.")
}

// TestSDKKinesisStreamingDestination: no Kinesis stream is reachable, so
// an enabled destination ends ENABLE_FAILED, as DynamoDB's do for a
// stream it cannot use.
func TestSDKKinesisStreamingDestination(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createMusic(t, c)
	name := aws.String("Music")

	d, err := c.DescribeKinesisStreamingDestination(ctx, &ddb.DescribeKinesisStreamingDestinationInput{TableName: name})
	if err != nil || *d.TableName != "Music" || d.KinesisDataStreamDestinations == nil || len(d.KinesisDataStreamDestinations) != 0 {
		t.Fatalf("fresh: %+v %v", d, err)
	}
	local := "arn:aws:kinesis:us-east-1:000000000000:stream/changes"
	e, err := c.EnableKinesisStreamingDestination(ctx, &ddb.EnableKinesisStreamingDestinationInput{TableName: name, StreamArn: aws.String(local)})
	if err != nil || e.DestinationStatus != types.DestinationStatusEnabling || *e.StreamArn != local || e.EnableKinesisStreamingConfiguration == nil {
		t.Fatalf("enable: %+v %v", e, err)
	}
	other := "arn:aws:kinesis:eu-west-1:000000000000:stream/changes"
	if _, err := c.EnableKinesisStreamingDestination(ctx, &ddb.EnableKinesisStreamingDestinationInput{TableName: name, StreamArn: aws.String(other),
		EnableKinesisStreamingConfiguration: &types.EnableKinesisStreamingConfiguration{ApproximateCreationDateTimePrecision: types.ApproximateCreationDateTimePrecisionMicrosecond}}); err != nil {
		t.Fatal(err)
	}
	// Enabling the first again replaces its entry.
	if _, err := c.EnableKinesisStreamingDestination(ctx, &ddb.EnableKinesisStreamingDestinationInput{TableName: name, StreamArn: aws.String(local)}); err != nil {
		t.Fatal(err)
	}
	d, err = c.DescribeKinesisStreamingDestination(ctx, &ddb.DescribeKinesisStreamingDestinationInput{TableName: name})
	if err != nil || len(d.KinesisDataStreamDestinations) != 2 {
		t.Fatalf("destinations: %+v %v", d, err)
	}
	want := map[string]string{
		local: "User does not have a permission to use kinesis stream",
		other: "The kinesis Arn used to enable kinesis replication belongs to a stream which is not in the current region",
	}
	for _, x := range d.KinesisDataStreamDestinations {
		if x.DestinationStatus != types.DestinationStatusEnableFailed || *x.DestinationStatusDescription != want[*x.StreamArn] {
			t.Fatalf("destination %+v", x)
		}
	}
	_, err = c.DisableKinesisStreamingDestination(ctx, &ddb.DisableKinesisStreamingDestinationInput{TableName: name, StreamArn: aws.String(local)})
	apiErr(t, err, "ValidationException", "Table is not in a valid state to enable Kinesis Streaming Destination: KinesisStreamingDestination must be ACTIVE to perform DISABLE operation.")
	_, err = c.UpdateKinesisStreamingDestination(ctx, &ddb.UpdateKinesisStreamingDestinationInput{TableName: name, StreamArn: aws.String(local),
		UpdateKinesisStreamingConfiguration: &types.UpdateKinesisStreamingConfiguration{ApproximateCreationDateTimePrecision: types.ApproximateCreationDateTimePrecisionMicrosecond}})
	apiErr(t, err, "ValidationException", "")
	_, err = c.DescribeKinesisStreamingDestination(ctx, &ddb.DescribeKinesisStreamingDestinationInput{TableName: aws.String("Nope")})
	apiErr(t, err, "ResourceNotFoundException", "Requested resource not found: Table: Nope not found")
	_, err = c.EnableKinesisStreamingDestination(ctx, &ddb.EnableKinesisStreamingDestinationInput{TableName: aws.String("Nope"), StreamArn: aws.String(local)})
	apiErr(t, err, "ResourceNotFoundException", "Requested resource not found: Table: Nope not found")
}

// TestSDKKinesisDestinationsBounded: a table keeps its ten most recent
// failed destinations.
func TestSDKKinesisDestinationsBounded(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createMusic(t, c)
	for i := 0; i < 12; i++ {
		arn := "arn:aws:kinesis:us-east-1:000000000000:stream/s" + string(rune('a'+i))
		if _, err := c.EnableKinesisStreamingDestination(ctx, &ddb.EnableKinesisStreamingDestinationInput{TableName: aws.String("Music"), StreamArn: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
	}
	d, err := c.DescribeKinesisStreamingDestination(ctx, &ddb.DescribeKinesisStreamingDestinationInput{TableName: aws.String("Music")})
	if err != nil || len(d.KinesisDataStreamDestinations) != 10 ||
		!strings.HasSuffix(*d.KinesisDataStreamDestinations[0].StreamArn, "/sc") || !strings.HasSuffix(*d.KinesisDataStreamDestinations[9].StreamArn, "/sl") {
		t.Fatalf("%+v %v", d, err)
	}
}
