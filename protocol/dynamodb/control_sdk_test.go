package dynamodb_test

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

const ordersArn = "arn:aws:dynamodb:us-east-1:000000000000:table/Orders"

// createOrders makes a table with a GSI whose hash key only it uses.
func createOrders(t *testing.T, c *ddb.Client, extra func(*ddb.CreateTableInput)) {
	t.Helper()
	in := &ddb.CreateTableInput{
		TableName: aws.String("Orders"),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("customer"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema:   []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode: types.BillingModePayPerRequest,
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:  aws.String("by-customer"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("customer"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	}
	if extra != nil {
		extra(in)
	}
	if _, err := c.CreateTable(context.Background(), in); err != nil {
		t.Fatal(err)
	}
}

func tagMap(tags []types.Tag) map[string]string {
	m := map[string]string{}
	for _, tg := range tags {
		m[*tg.Key] = *tg.Value
	}
	return m
}

func TestSDKTags(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createOrders(t, c, func(in *ddb.CreateTableInput) {
		in.Tags = []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}
	})
	list := func() map[string]string {
		t.Helper()
		out, err := c.ListTagsOfResource(ctx, &ddb.ListTagsOfResourceInput{ResourceArn: aws.String(ordersArn)})
		if err != nil {
			t.Fatal(err)
		}
		if out.NextToken != nil {
			t.Fatalf("NextToken %q: DynamoDB returns every tag at once", *out.NextToken)
		}
		return tagMap(out.Tags)
	}
	if got := list(); len(got) != 1 || got["env"] != "dev" {
		t.Fatalf("tags from CreateTable: %v", got)
	}
	_, err := c.TagResource(ctx, &ddb.TagResourceInput{ResourceArn: aws.String(ordersArn), Tags: []types.Tag{
		{Key: aws.String("env"), Value: aws.String("prod")}, {Key: aws.String("team"), Value: aws.String("")}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := list(); len(got) != 2 || got["env"] != "prod" || got["team"] != "" {
		t.Fatalf("tags after TagResource: %v", got)
	}
	if _, err := c.UntagResource(ctx, &ddb.UntagResourceInput{ResourceArn: aws.String(ordersArn), TagKeys: []string{"env", "absent"}}); err != nil {
		t.Fatal(err)
	}
	if got := list(); len(got) != 1 || got["team"] != "" {
		t.Fatalf("tags after UntagResource: %v", got)
	}

	// Errors.
	_, err = c.TagResource(ctx, &ddb.TagResourceInput{ResourceArn: aws.String(ordersArn), Tags: []types.Tag{{Key: aws.String("aws:cost"), Value: aws.String("1")}}})
	apiErr(t, err, "ValidationException", "Tag Key cannot be prefixed with aws:, Key: aws:cost")
	many := make([]types.Tag, 50)
	for i := range many {
		many[i] = types.Tag{Key: aws.String("k" + strconv.Itoa(i)), Value: aws.String("v")}
	}
	_, err = c.TagResource(ctx, &ddb.TagResourceInput{ResourceArn: aws.String(ordersArn), Tags: many})
	apiErr(t, err, "ValidationException", "Number of Tags exceed the current limit for the provided ResourceArn")
	if got := list(); len(got) != 1 {
		t.Fatalf("a refused TagResource changed the tags: %v", got)
	}
	missing := "arn:aws:dynamodb:us-east-1:000000000000:table/Missing"
	_, err = c.ListTagsOfResource(ctx, &ddb.ListTagsOfResourceInput{ResourceArn: aws.String(missing)})
	apiErr(t, err, "ResourceNotFoundException", "Requested resource not found: ResourcArn: "+missing+" not found")
	_, err = c.TagResource(ctx, &ddb.TagResourceInput{ResourceArn: aws.String("Orders"), Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	apiErr(t, err, "ValidationException", "One or more parameter values were invalid: ARNs must start with 'arn:': Orders")
}

func TestSDKTimeToLive(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createOrders(t, c, nil)
	describe := func() *types.TimeToLiveDescription {
		t.Helper()
		out, err := c.DescribeTimeToLive(ctx, &ddb.DescribeTimeToLiveInput{TableName: aws.String("Orders")})
		if err != nil {
			t.Fatal(err)
		}
		return out.TimeToLiveDescription
	}
	if d := describe(); d.TimeToLiveStatus != types.TimeToLiveStatusDisabled || d.AttributeName != nil {
		t.Fatalf("new table: %+v", d)
	}
	out, err := c.UpdateTimeToLive(ctx, &ddb.UpdateTimeToLiveInput{TableName: aws.String("Orders"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("expires"), Enabled: aws.Bool(true)}})
	if err != nil || *out.TimeToLiveSpecification.AttributeName != "expires" || !*out.TimeToLiveSpecification.Enabled {
		t.Fatalf("enable: %+v, %v", out, err)
	}
	if d := describe(); d.TimeToLiveStatus != types.TimeToLiveStatusEnabled || *d.AttributeName != "expires" {
		t.Fatalf("enabled: %+v", d)
	}
	_, err = c.UpdateTimeToLive(ctx, &ddb.UpdateTimeToLiveInput{TableName: aws.String("Orders"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("expires"), Enabled: aws.Bool(true)}})
	apiErr(t, err, "ValidationException", "TimeToLive is already enabled")
	_, err = c.UpdateTimeToLive(ctx, &ddb.UpdateTimeToLiveInput{TableName: aws.String("Orders"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("ttl"), Enabled: aws.Bool(true)}})
	apiErr(t, err, "ValidationException", "TimeToLive is active on a different AttributeName: current AttributeName is expires")
	if _, err := c.UpdateTimeToLive(ctx, &ddb.UpdateTimeToLiveInput{TableName: aws.String("Orders"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("expires"), Enabled: aws.Bool(false)}}); err != nil {
		t.Fatal(err)
	}
	if d := describe(); d.TimeToLiveStatus != types.TimeToLiveStatusDisabled {
		t.Fatalf("disabled: %+v", d)
	}
	_, err = c.UpdateTimeToLive(ctx, &ddb.UpdateTimeToLiveInput{TableName: aws.String("Orders"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("expires"), Enabled: aws.Bool(false)}})
	apiErr(t, err, "ValidationException", "TimeToLive is already disabled")
	_, err = c.UpdateTimeToLive(ctx, &ddb.UpdateTimeToLiveInput{TableName: aws.String("Missing"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("expires"), Enabled: aws.Bool(true)}})
	apiErr(t, err, "ResourceNotFoundException", "Requested resource not found: Table: Missing not found")
}

func TestSDKContinuousBackups(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createOrders(t, c, nil)
	describe := func() *types.PointInTimeRecoveryDescription {
		t.Helper()
		out, err := c.DescribeContinuousBackups(ctx, &ddb.DescribeContinuousBackupsInput{TableName: aws.String("Orders")})
		if err != nil {
			t.Fatal(err)
		}
		if out.ContinuousBackupsDescription.ContinuousBackupsStatus != types.ContinuousBackupsStatusEnabled {
			t.Fatalf("ContinuousBackupsStatus %s", out.ContinuousBackupsDescription.ContinuousBackupsStatus)
		}
		return out.ContinuousBackupsDescription.PointInTimeRecoveryDescription
	}
	if d := describe(); d.PointInTimeRecoveryStatus != types.PointInTimeRecoveryStatusDisabled || d.EarliestRestorableDateTime != nil {
		t.Fatalf("new table: %+v", d)
	}
	before := time.Now().Add(-time.Second)
	out, err := c.UpdateContinuousBackups(ctx, &ddb.UpdateContinuousBackupsInput{TableName: aws.String("Orders"),
		PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)}})
	if err != nil {
		t.Fatal(err)
	}
	p := out.ContinuousBackupsDescription.PointInTimeRecoveryDescription
	if p.PointInTimeRecoveryStatus != types.PointInTimeRecoveryStatusEnabled || *p.RecoveryPeriodInDays != 35 ||
		p.EarliestRestorableDateTime.Before(before) || p.LatestRestorableDateTime.Before(*p.EarliestRestorableDateTime) {
		t.Fatalf("enabled: %+v", p)
	}
	earliest := *p.EarliestRestorableDateTime
	// A new period keeps the earliest restorable time.
	if _, err := c.UpdateContinuousBackups(ctx, &ddb.UpdateContinuousBackupsInput{TableName: aws.String("Orders"),
		PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true), RecoveryPeriodInDays: aws.Int32(7)}}); err != nil {
		t.Fatal(err)
	}
	if d := describe(); *d.RecoveryPeriodInDays != 7 || !d.EarliestRestorableDateTime.Equal(earliest) {
		t.Fatalf("period 7: %+v", d)
	}
	_, err = c.UpdateContinuousBackups(ctx, &ddb.UpdateContinuousBackupsInput{TableName: aws.String("Orders"),
		PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(false), RecoveryPeriodInDays: aws.Int32(7)}})
	apiErr(t, err, "ValidationException", "Invalid Request: Cannot specify RecoveryPeriodInDays when disabling point-in-time recovery.")
	if _, err := c.UpdateContinuousBackups(ctx, &ddb.UpdateContinuousBackupsInput{TableName: aws.String("Orders"),
		PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(false)}}); err != nil {
		t.Fatal(err)
	}
	if d := describe(); d.PointInTimeRecoveryStatus != types.PointInTimeRecoveryStatusDisabled || d.RecoveryPeriodInDays != nil {
		t.Fatalf("disabled: %+v", d)
	}
	_, err = c.DescribeContinuousBackups(ctx, &ddb.DescribeContinuousBackupsInput{TableName: aws.String("Missing")})
	apiErr(t, err, "TableNotFoundException", "Table not found: Missing")
}

func TestSDKDeletionProtection(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createOrders(t, c, func(in *ddb.CreateTableInput) { in.DeletionProtectionEnabled = aws.Bool(true) })
	d, err := c.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("Orders")})
	if err != nil || !*d.Table.DeletionProtectionEnabled {
		t.Fatalf("describe: %+v, %v", d, err)
	}
	_, err = c.DeleteTable(ctx, &ddb.DeleteTableInput{TableName: aws.String("Orders")})
	apiErr(t, err, "ValidationException", "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
	_, err = c.UpdateTable(ctx, &ddb.UpdateTableInput{TableName: aws.String("Orders"), DeletionProtectionEnabled: aws.Bool(false),
		BillingMode: types.BillingModePayPerRequest})
	apiErr(t, err, "ValidationException", "One or more parameter values were invalid: DeletionProtection modification must be the only operation in the request")
	u, err := c.UpdateTable(ctx, &ddb.UpdateTableInput{TableName: aws.String("Orders"), DeletionProtectionEnabled: aws.Bool(false)})
	if err != nil || *u.TableDescription.DeletionProtectionEnabled {
		t.Fatalf("update: %+v, %v", u, err)
	}
	if _, err := c.DeleteTable(ctx, &ddb.DeleteTableInput{TableName: aws.String("Orders")}); err != nil {
		t.Fatal(err)
	}
}

// TestSDKDeleteIndexDropsAttribute: DescribeTable lists only attributes
// that some key schema uses, so one only a deleted GSI used goes with it.
func TestSDKDeleteIndexDropsAttribute(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createOrders(t, c, nil)
	if _, err := c.UpdateTable(ctx, &ddb.UpdateTableInput{TableName: aws.String("Orders"),
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: aws.String("by-customer")}}}}); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("Orders")})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range d.Table.AttributeDefinitions {
		names = append(names, *a.AttributeName)
	}
	if !slices.Equal(names, []string{"pk"}) || len(d.Table.GlobalSecondaryIndexes) != 0 {
		t.Fatalf("after deleting the index: attributes %v, indexes %d", names, len(d.Table.GlobalSecondaryIndexes))
	}
}

// TestSDKConcurrentSettings: concurrent tag, TTL, backup and table
// changes to one table lose none of each other's changes.
func TestSDKConcurrentSettings(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createOrders(t, c, nil)
	const writers, perWriter = 8, 5
	errs := make(chan error, writers+2)
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				key := "w" + strconv.Itoa(w) + "-" + strconv.Itoa(i)
				if _, err := c.TagResource(ctx, &ddb.TagResourceInput{ResourceArn: aws.String(ordersArn),
					Tags: []types.Tag{{Key: aws.String(key), Value: aws.String("v")}}}); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		_, err := c.UpdateTimeToLive(ctx, &ddb.UpdateTimeToLiveInput{TableName: aws.String("Orders"),
			TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("exp"), Enabled: aws.Bool(true)}})
		errs <- err
	}()
	go func() {
		defer wg.Done()
		_, err := c.UpdateTable(ctx, &ddb.UpdateTableInput{TableName: aws.String("Orders"), DeletionProtectionEnabled: aws.Bool(true)})
		errs <- err
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	tags, err := c.ListTagsOfResource(ctx, &ddb.ListTagsOfResourceInput{ResourceArn: aws.String(ordersArn)})
	if err != nil || len(tags.Tags) != writers*perWriter {
		t.Fatalf("%d tags, want %d (%v)", len(tags.Tags), writers*perWriter, err)
	}
	ttl, err := c.DescribeTimeToLive(ctx, &ddb.DescribeTimeToLiveInput{TableName: aws.String("Orders")})
	if err != nil || ttl.TimeToLiveDescription.TimeToLiveStatus != types.TimeToLiveStatusEnabled {
		t.Fatalf("time to live lost: %+v, %v", ttl, err)
	}
	d, err := c.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("Orders")})
	if err != nil || !*d.Table.DeletionProtectionEnabled {
		t.Fatalf("deletion protection lost: %v", err)
	}
}
