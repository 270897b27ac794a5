package dynamodb_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
	"github.com/aws/smithy-go/private/requestcompression"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard"
)

const musicArn = "arn:aws:dynamodb:us-east-1:000000000000:table/Music"

// TestSDKTableArns names a table by its ARN in every operation that takes
// a table name, through the SDK.
func TestSDKTableArns(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createMusic(t, c)
	arn := aws.String(musicArn)
	key := map[string]types.AttributeValue{"Artist": s("Acme"), "Song": s("Hit")}

	d, err := c.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: arn})
	if err != nil || *d.Table.TableName != "Music" || *d.Table.TableArn != musicArn {
		t.Fatalf("DescribeTable by ARN: %v %+v", err, d)
	}
	if _, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: arn, Item: map[string]types.AttributeValue{
		"Artist": s("Acme"), "Song": s("Hit"), "Plays": n("1")}}); err != nil {
		t.Fatal(err)
	}
	g, err := c.GetItem(ctx, &ddb.GetItemInput{TableName: arn, Key: key})
	if err != nil || g.Item["Plays"].(*types.AttributeValueMemberN).Value != "1" {
		t.Fatalf("GetItem by ARN: %v %v", err, g)
	}
	if _, err := c.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: arn, Key: key,
		UpdateExpression: aws.String("ADD Plays :one"), ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1")}}); err != nil {
		t.Fatal(err)
	}
	q, err := c.Query(ctx, &ddb.QueryInput{TableName: arn, KeyConditionExpression: aws.String("Artist = :a"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":a": s("Acme")}})
	if err != nil || q.Count != 1 || q.Items[0]["Plays"].(*types.AttributeValueMemberN).Value != "2" {
		t.Fatalf("Query by ARN: %v %+v", err, q)
	}
	sc, err := c.Scan(ctx, &ddb.ScanInput{TableName: arn})
	if err != nil || sc.Count != 1 {
		t.Fatalf("Scan by ARN: %v %+v", err, sc)
	}

	// The batch replies are keyed by what the client sent.
	bw, err := c.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
		musicArn: {{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"Artist": s("Acme"), "Song": s("B-side")}}}},
	}})
	if err != nil || len(bw.UnprocessedItems) != 0 {
		t.Fatalf("BatchWriteItem by ARN: %v %+v", err, bw)
	}
	bg, err := c.BatchGetItem(ctx, &ddb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		musicArn: {Keys: []map[string]types.AttributeValue{key, {"Artist": s("Acme"), "Song": s("B-side")}}},
	}})
	if err != nil || len(bg.Responses[musicArn]) != 2 || len(bg.Responses) != 1 {
		t.Fatalf("BatchGetItem by ARN: %v %+v", err, bg.Responses)
	}

	// Transactions.
	if _, err := c.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: arn, Item: map[string]types.AttributeValue{"Artist": s("Tx"), "Song": s("One")}}},
		{ConditionCheck: &types.ConditionCheck{TableName: arn, Key: key, ConditionExpression: aws.String("attribute_exists(Plays)")}},
	}}); err != nil {
		t.Fatal(err)
	}
	tg, err := c.TransactGetItems(ctx, &ddb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: arn, Key: map[string]types.AttributeValue{"Artist": s("Tx"), "Song": s("One")}}},
	}})
	if err != nil || len(tg.Responses) != 1 || tg.Responses[0].Item == nil {
		t.Fatalf("TransactGetItems by ARN: %v %+v", err, tg)
	}
	if _, err := c.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: arn, Key: key}); err != nil {
		t.Fatal(err)
	}

	// Control plane by ARN.
	if _, err := c.UpdateTimeToLive(ctx, &ddb.UpdateTimeToLiveInput{TableName: arn,
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("exp"), Enabled: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	ttl, err := c.DescribeTimeToLive(ctx, &ddb.DescribeTimeToLiveInput{TableName: arn})
	if err != nil || ttl.TimeToLiveDescription.TimeToLiveStatus != types.TimeToLiveStatusEnabled {
		t.Fatalf("TTL by ARN: %v %+v", err, ttl)
	}
	if _, err := c.DescribeContinuousBackups(ctx, &ddb.DescribeContinuousBackupsInput{TableName: arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateTable(ctx, &ddb.UpdateTableInput{TableName: arn, DeletionProtectionEnabled: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteTable(ctx, &ddb.DeleteTableInput{TableName: arn})
	apiErr(t, err, "ValidationException", "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
	if _, err := c.UpdateTable(ctx, &ddb.UpdateTableInput{TableName: arn, DeletionProtectionEnabled: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}

	// ARNs that name no table of this account and region.
	for _, tc := range []struct{ arn, code, msg string }{
		{"arn:aws:dynamodb:us-east-1:111111111111:table/Music", "AccessDeniedException",
			"User: arn:aws:iam::000000000000:root is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:111111111111:table/Music because no resource-based policy allows the dynamodb:GetItem action"},
		{"arn:aws:dynamodb:eu-west-1:000000000000:table/Music", "ValidationException",
			"Invalid TableArn: Invalid ResourceArn provided as input arn:aws:dynamodb:eu-west-1:000000000000:table/Music"},
		{musicArn + "/index/byPlays", "ValidationException", "Invalid TableArn: Invalid ResourceArn provided as input " + musicArn + "/index/byPlays"},
		{"arn:aws:dynamodb:us-east-1:000000000000:Music", "ValidationException", "Invalid TableArn: Invalid ResourceArn provided as input arn:aws:dynamodb:us-east-1:000000000000:Music"},
	} {
		_, err := c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String(tc.arn), Key: key})
		apiErr(t, err, tc.code, tc.msg)
	}
	_, err = c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("arn:aws:dynamodb:us-east-1:000000000000:table/Nope"), Key: key})
	apiErr(t, err, "ResourceNotFoundException", "Requested resource not found")
	_, err = c.BatchGetItem(ctx, &ddb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		"arn:aws:dynamodb:us-east-1:111111111111:table/Music": {Keys: []map[string]types.AttributeValue{key}},
	}})
	apiErr(t, err, "AccessDeniedException", "")
	// A transaction with one foreign ARN writes nothing.
	_, err = c.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: arn, Item: map[string]types.AttributeValue{"Artist": s("Tx"), "Song": s("Two")}}},
		{Put: &types.Put{TableName: aws.String("arn:aws:dynamodb:us-east-1:111111111111:table/Music"), Item: key}},
	}})
	apiErr(t, err, "AccessDeniedException", "User: arn:aws:iam::000000000000:root is not authorized to perform: dynamodb:TransactWriteItems on resource: arn:aws:dynamodb:us-east-1:111111111111:table/Music because no resource-based policy allows the dynamodb:TransactWriteItems action")
	if g, err := c.GetItem(ctx, &ddb.GetItemInput{TableName: arn, Key: map[string]types.AttributeValue{"Artist": s("Tx"), "Song": s("Two")}}); err != nil || g.Item != nil {
		t.Fatalf("refused transaction wrote: %v %v", err, g.Item)
	}
	_, err = c.ListTagsOfResource(ctx, &ddb.ListTagsOfResourceInput{ResourceArn: aws.String("arn:aws:dynamodb:us-east-1:111111111111:table/Music")})
	apiErr(t, err, "AccessDeniedException", "User: arn:aws:iam::000000000000:root is not authorized to perform: dynamodb:ListTagsOfResource on resource: arn:aws:dynamodb:us-east-1:111111111111:table/Music because no resource-based policy allows the dynamodb:ListTagsOfResource action")
	_, err = c.PutResourcePolicy(ctx, &ddb.PutResourcePolicyInput{ResourceArn: aws.String("arn:aws:dynamodb:us-east-1:111111111111:table/Music"), Policy: aws.String("{}")})
	apiErr(t, err, "AccessDeniedException", "User: arn:aws:iam::000000000000:root is not authorized to perform: dynamodb:PutResourcePolicy on resource: arn:aws:dynamodb:us-east-1:111111111111:table/Music because no resource-based policy allows the dynamodb:PutResourcePolicy action")

	if _, err := c.DeleteTable(ctx, &ddb.DeleteTableInput{TableName: arn}); err != nil {
		t.Fatal(err)
	}
}

func policyDoc(action string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"000000000000"},"Action":["` + action + `"],"Resource":"*"}]}`
}

// TestSDKResourcePolicies puts, reads, replaces and deletes a table's
// resource-based policy through the SDK, with DynamoDB's revision rules and
// messages.
func TestSDKResourcePolicies(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createMusic(t, c)
	arn := aws.String(musicArn)

	_, err := c.GetResourcePolicy(ctx, &ddb.GetResourcePolicyInput{ResourceArn: arn})
	apiErr(t, err, "PolicyNotFoundException", "Resource-based policy not found for the provided ResourceArn: "+musicArn)
	_, err = c.DeleteResourcePolicy(ctx, &ddb.DeleteResourcePolicyInput{ResourceArn: arn})
	apiErr(t, err, "PolicyNotFoundException", "Resource-based policy not found for the provided ResourceArn: "+musicArn)

	p1, err := c.PutResourcePolicy(ctx, &ddb.PutResourcePolicyInput{ResourceArn: arn, Policy: aws.String(policyDoc("dynamodb:*")),
		ExpectedRevisionId: aws.String("NO_POLICY")})
	if err != nil {
		t.Fatal(err)
	}
	g, err := c.GetResourcePolicy(ctx, &ddb.GetResourcePolicyInput{ResourceArn: arn})
	if err != nil || *g.RevisionId != *p1.RevisionId || *g.Policy != policyDoc("dynamodb:*") {
		t.Fatalf("GetResourcePolicy: %v %+v", err, g)
	}
	if _, err := strconv.ParseInt(*p1.RevisionId, 10, 64); err != nil {
		t.Fatalf("revision %q is not a time in milliseconds", *p1.RevisionId)
	}
	// The same document again is no change.
	p2, err := c.PutResourcePolicy(ctx, &ddb.PutResourcePolicyInput{ResourceArn: arn, Policy: aws.String(policyDoc("dynamodb:*"))})
	if err != nil || *p2.RevisionId != *p1.RevisionId {
		t.Fatalf("same policy again: %v %v", err, p2.RevisionId)
	}
	_, err = c.PutResourcePolicy(ctx, &ddb.PutResourcePolicyInput{ResourceArn: arn, Policy: aws.String(policyDoc("dynamodb:GetItem")),
		ExpectedRevisionId: aws.String("NO_POLICY")})
	apiErr(t, err, "PolicyNotFoundException", "Resource-based policy not found for the provided ResourceArn: Requested policy update expecting none to be present for table Music, but a policy exists with revision id "+*p1.RevisionId+".")
	p3, err := c.PutResourcePolicy(ctx, &ddb.PutResourcePolicyInput{ResourceArn: arn, Policy: aws.String(policyDoc("dynamodb:PutItem")),
		ExpectedRevisionId: p1.RevisionId, ConfirmRemoveSelfResourceAccess: true})
	if err != nil {
		t.Fatal(err)
	}
	r1, _ := strconv.ParseInt(*p1.RevisionId, 10, 64)
	r3, _ := strconv.ParseInt(*p3.RevisionId, 10, 64)
	if r3 <= r1 {
		t.Fatalf("revisions %d then %d", r1, r3)
	}
	_, err = c.PutResourcePolicy(ctx, &ddb.PutResourcePolicyInput{ResourceArn: arn, Policy: aws.String(policyDoc("dynamodb:Query")),
		ExpectedRevisionId: p1.RevisionId})
	apiErr(t, err, "PolicyNotFoundException", "Resource-based policy not found for the provided ResourceArn: Requested update for policy with revision id "+
		*p1.RevisionId+", but the policy associated to target table Music has revision id "+*p3.RevisionId+".")
	_, err = c.DeleteResourcePolicy(ctx, &ddb.DeleteResourcePolicyInput{ResourceArn: arn, ExpectedRevisionId: aws.String("unknown")})
	apiErr(t, err, "PolicyNotFoundException", "Resource-based policy not found for the provided ResourceArn: Requested update for policy with revision id unknown, but the policy associated to target table Music has revision id "+*p3.RevisionId+".")

	// Errors of the document and the ARN.
	_, err = c.PutResourcePolicy(ctx, &ddb.PutResourcePolicyInput{ResourceArn: arn, Policy: aws.String("{not json")})
	apiErr(t, err, "ValidationException", "Invalid policy document: the policy must be a JSON object")
	big := `{"Sid":"` + string(make([]byte, 20<<10)) + `"}`
	_, err = c.PutResourcePolicy(ctx, &ddb.PutResourcePolicyInput{ResourceArn: arn, Policy: aws.String(big)})
	apiErr(t, err, "ValidationException", "Policy document size "+strconv.Itoa(len(big))+" exceeds the maximum allowed size of 20480 bytes")
	_, err = c.GetResourcePolicy(ctx, &ddb.GetResourcePolicyInput{ResourceArn: aws.String(musicArn + "unknown")})
	apiErr(t, err, "ResourceNotFoundException", "Requested resource not found: Table: Musicunknown not found")
	_, err = c.PutResourcePolicy(ctx, &ddb.PutResourcePolicyInput{ResourceArn: aws.String(musicArn + "_"), Policy: aws.String(policyDoc("dynamodb:*"))})
	apiErr(t, err, "ResourceNotFoundException", "Requested resource not found: Table: Music_ not found")
	_, err = c.GetResourcePolicy(ctx, &ddb.GetResourcePolicyInput{ResourceArn: aws.String("Music")})
	apiErr(t, err, "ValidationException", "One or more parameter values were invalid: ARNs must start with 'arn:': Music")
	_, err = c.GetResourcePolicy(ctx, &ddb.GetResourcePolicyInput{ResourceArn: aws.String(musicArn + "/index/gsi")})
	apiErr(t, err, "ValidationException", "One or more parameter values were invalid: Invalid resource arn provided, only table or stream is accepted. Provided resource arn: "+musicArn+"/index/gsi")
	_, err = c.GetResourcePolicy(ctx, &ddb.GetResourcePolicyInput{ResourceArn: aws.String(musicArn + "/stream/2026-01-01T00:00:00.000")})
	apiErr(t, err, "ResourceNotFoundException", "Requested resource not found: ResourceArn: "+musicArn+"/stream/2026-01-01T00:00:00.000 not found")

	d, err := c.DeleteResourcePolicy(ctx, &ddb.DeleteResourcePolicyInput{ResourceArn: arn, ExpectedRevisionId: p3.RevisionId})
	if err != nil || *d.RevisionId != *p3.RevisionId {
		t.Fatalf("DeleteResourcePolicy: %v %+v", err, d)
	}
	_, err = c.GetResourcePolicy(ctx, &ddb.GetResourcePolicyInput{ResourceArn: arn})
	apiErr(t, err, "PolicyNotFoundException", "")

	// A policy given to CreateTable, and one on a table's stream.
	_, err = c.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:            aws.String("Streamed"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
		ResourcePolicy:       aws.String(policyDoc("dynamodb:GetItem")),
		StreamSpecification:  &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage},
	})
	if err != nil {
		t.Fatal(err)
	}
	sarn := "arn:aws:dynamodb:us-east-1:000000000000:table/Streamed"
	g, err = c.GetResourcePolicy(ctx, &ddb.GetResourcePolicyInput{ResourceArn: aws.String(sarn)})
	if err != nil || *g.Policy != policyDoc("dynamodb:GetItem") {
		t.Fatalf("CreateTable's policy: %v %+v", err, g)
	}
	desc, err := c.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("Streamed")})
	if err != nil {
		t.Fatal(err)
	}
	stream := desc.Table.LatestStreamArn
	if _, err := c.PutResourcePolicy(ctx, &ddb.PutResourcePolicyInput{ResourceArn: stream, Policy: aws.String(policyDoc("dynamodb:GetRecords"))}); err != nil {
		t.Fatal(err)
	}
	g, err = c.GetResourcePolicy(ctx, &ddb.GetResourcePolicyInput{ResourceArn: stream})
	if err != nil || *g.Policy != policyDoc("dynamodb:GetRecords") {
		t.Fatalf("stream policy: %v %+v", err, g)
	}
	// The table's policy is its own.
	g, err = c.GetResourcePolicy(ctx, &ddb.GetResourcePolicyInput{ResourceArn: aws.String(sarn)})
	if err != nil || *g.Policy != policyDoc("dynamodb:GetItem") {
		t.Fatalf("table policy after stream's: %v %+v", err, g)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(*g.Policy), &doc); err != nil {
		t.Fatal(err)
	}
}

// TestSDKDescribeLimitsEndpoints checks DescribeLimits' quotas and that
// DescribeEndpoints names the server as the client reached it.
func TestSDKDescribeLimitsEndpoints(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	l, err := c.DescribeLimits(ctx, &ddb.DescribeLimitsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *l.AccountMaxReadCapacityUnits != 80000 || *l.AccountMaxWriteCapacityUnits != 80000 ||
		*l.TableMaxReadCapacityUnits != 40000 || *l.TableMaxWriteCapacityUnits != 40000 {
		t.Fatalf("limits %+v", l)
	}
	e, err := c.DescribeEndpoints(ctx, &ddb.DescribeEndpointsInput{})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(*c.Options().BaseEndpoint)
	if len(e.Endpoints) != 1 || *e.Endpoints[0].Address != u.Host || e.Endpoints[0].CachePeriodInMinutes != 1440 {
		t.Fatalf("endpoints %+v, want %s", e.Endpoints, u.Host)
	}
}

// TestSDKCompression: requests compressed by the SDK's request compression
// middleware (smithy-go's, which the SDKs add for operations that allow
// it; here for every DynamoDB operation, through APIOptions) are served
// and their signatures verified over the compressed bytes; replies come
// gzipped to a client with EnableAcceptEncodingGzip, whose x-amz-crc32
// check the SDK makes on the gzipped bytes.
func TestSDKCompression(t *testing.T) {
	h := dynamodb.NewHandler(shard.New(nil), dynamodb.Options{Credentials: map[string]string{"test": "test"}})
	t.Cleanup(h.Close)
	endpoint := serveHandler(t, h)
	c := ddb.New(ddb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		Retryer:      retryClosedConn(),
		APIOptions: []func(*middleware.Stack) error{func(s *middleware.Stack) error {
			return requestcompression.AddRequestCompression(s, false, 1, []string{"gzip"})
		}},
		EnableAcceptEncodingGzip: true,
	})
	var sent []string
	c = ddb.New(c.Options(), func(o *ddb.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Finalize.Add(middleware.FinalizeMiddlewareFunc("recordEncoding", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				if r, ok := in.Request.(*smithyhttp.Request); ok {
					sent = append(sent, r.Header.Get("Content-Encoding"))
				}
				return next.HandleFinalize(ctx, in)
			}), middleware.After)
		})
	})
	ctx := context.Background()
	createMusic(t, c)
	big := strings.Repeat("la", 8<<10)
	for i := 0; i < 3; i++ {
		if _, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("Music"), Item: map[string]types.AttributeValue{
			"Artist": s("Acme"), "Song": s(strconv.Itoa(i)), "Lyrics": s(big)}}); err != nil {
			t.Fatal(err)
		}
	}
	q, err := c.Query(ctx, &ddb.QueryInput{TableName: aws.String("Music"), KeyConditionExpression: aws.String("Artist = :a"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":a": s("Acme")}})
	if err != nil || q.Count != 3 || q.Items[2]["Lyrics"].(*types.AttributeValueMemberS).Value != big {
		t.Fatalf("Query: %v %d", err, q.Count)
	}
	if len(sent) < 5 || sent[0] != "gzip" || sent[len(sent)-1] != "gzip" {
		t.Fatalf("Content-Encoding sent: %v", sent)
	}
	// A wrong secret still fails: the compressed bytes are what is signed.
	bad := ddb.New(ddb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "wrong", ""),
		Retryer:      retryClosedConn(),
		APIOptions: []func(*middleware.Stack) error{func(s *middleware.Stack) error {
			return requestcompression.AddRequestCompression(s, false, 1, []string{"gzip"})
		}},
	})
	_, err = bad.ListTables(ctx, &ddb.ListTablesInput{})
	apiErr(t, err, "InvalidSignatureException", "")
}

// TestSDKTableClassAndOnDemand: TableClass and OnDemandThroughput are
// accepted and described by CreateTable and UpdateTable, and deletion
// protection is switched by UpdateTable.
func TestSDKTableClassAndOnDemand(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	_, err := c.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:                 aws.String("Classy"),
		AttributeDefinitions:      []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:                 []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		BillingMode:               types.BillingModePayPerRequest,
		TableClass:                types.TableClassStandardInfrequentAccess,
		OnDemandThroughput:        &types.OnDemandThroughput{MaxReadRequestUnits: aws.Int64(100), MaxWriteRequestUnits: aws.Int64(50)},
		DeletionProtectionEnabled: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("Classy")})
	if err != nil {
		t.Fatal(err)
	}
	if d.Table.TableClassSummary == nil || d.Table.TableClassSummary.TableClass != types.TableClassStandardInfrequentAccess ||
		d.Table.OnDemandThroughput == nil || *d.Table.OnDemandThroughput.MaxReadRequestUnits != 100 || *d.Table.OnDemandThroughput.MaxWriteRequestUnits != 50 ||
		!*d.Table.DeletionProtectionEnabled {
		t.Fatalf("described: %+v", d.Table)
	}
	_, err = c.UpdateTable(ctx, &ddb.UpdateTableInput{TableName: aws.String("Classy"), TableClass: types.TableClassStandard,
		DeletionProtectionEnabled: aws.Bool(false)})
	apiErr(t, err, "ValidationException", "One or more parameter values were invalid: TableClass modification must be the only operation in the request")
	for _, in := range []*ddb.UpdateTableInput{
		{TableName: aws.String("Classy"), TableClass: types.TableClassStandard},
		{TableName: aws.String("Classy"), OnDemandThroughput: &types.OnDemandThroughput{MaxReadRequestUnits: aws.Int64(200)}},
		{TableName: aws.String("Classy"), DeletionProtectionEnabled: aws.Bool(false)},
	} {
		if _, err := c.UpdateTable(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	d, err = c.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("Classy")})
	if err != nil {
		t.Fatal(err)
	}
	if d.Table.TableClassSummary.TableClass != types.TableClassStandard || *d.Table.OnDemandThroughput.MaxReadRequestUnits != 200 || *d.Table.DeletionProtectionEnabled {
		t.Fatalf("after UpdateTable: %+v %+v", d.Table.TableClassSummary, d.Table.OnDemandThroughput)
	}
	if _, err := c.DeleteTable(ctx, &ddb.DeleteTableInput{TableName: aws.String("Classy")}); err != nil {
		t.Fatal(err)
	}
}
