package dynamodb_test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	ddbs "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/stream"
)

// fakeClock is a settable clock for the stream hub.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// streamsEnv is a server with an SDK client for tables and one for
// streams.
type streamsEnv struct {
	db    *ddb.Client
	st    *ddbs.Client
	hub   *stream.Hub
	h     *dynamodb.Handler
	clock *fakeClock
}

func newStreamsEnv(t *testing.T, interval time.Duration) *streamsEnv {
	t.Helper()
	clock := &fakeClock{t: time.Now()}
	hub, err := stream.Open(stream.Options{ShardInterval: interval, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hub.Close() })
	h := dynamodb.NewHandler(shard.New(nil), dynamodb.Options{Streams: hub})
	endpoint := serveHandler(t, h)
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	return &streamsEnv{
		db:    ddb.New(ddb.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), Credentials: creds, Retryer: retryClosedConn()}),
		st:    ddbs.New(ddbs.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), Credentials: creds, Retryer: retryClosedConn()}),
		hub:   hub,
		h:     h,
		clock: clock,
	}
}

func (e *streamsEnv) createTable(t *testing.T, name, view string) string {
	t.Helper()
	out, err := e.db.CreateTable(context.Background(), &ddb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		BillingMode:         types.BillingModePayPerRequest,
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewType(view)},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.TableDescription.LatestStreamArn)
	if !strings.HasPrefix(arn, "arn:aws:dynamodb:us-east-1:000000000000:table/"+name+"/stream/") {
		t.Fatalf("stream ARN %q", arn)
	}
	return arn
}

// readAll walks every shard of a stream from TRIM_HORIZON, parents before
// children, and returns every record.
func (e *streamsEnv) readAll(t *testing.T, arn string) []stypes.Record {
	t.Helper()
	ctx := context.Background()
	d, err := e.st.DescribeStream(ctx, &ddbs.DescribeStreamInput{StreamArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	var out []stypes.Record
	seen := map[string]bool{}
	for _, sh := range d.StreamDescription.Shards {
		if p := aws.ToString(sh.ParentShardId); p != "" && !seen[p] {
			// A parent is listed before its children (and one that aged
			// out is not listed at all).
			for _, x := range d.StreamDescription.Shards {
				if aws.ToString(x.ShardId) == p {
					t.Fatalf("shard %s listed after its child", p)
				}
			}
		}
		seen[aws.ToString(sh.ShardId)] = true
		it, err := e.st.GetShardIterator(ctx, &ddbs.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: sh.ShardId,
			ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		iter := it.ShardIterator
		for i := 0; iter != nil && i < 1000; i++ {
			r, err := e.st.GetRecords(ctx, &ddbs.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, r.Records...)
			if len(r.Records) == 0 && sh.SequenceNumberRange.EndingSequenceNumber == nil {
				break // an open shard read to its end
			}
			iter = r.NextShardIterator
		}
	}
	return out
}

// rec is a record reduced to what a test compares.
type rec struct {
	Event    string
	Keys     string
	New, Old string
}

func attrString(m map[string]stypes.AttributeValue) string {
	if m == nil {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		switch v := m[k].(type) {
		case *stypes.AttributeValueMemberS:
			fmt.Fprintf(&b, "%s=S:%s ", k, v.Value)
		case *stypes.AttributeValueMemberN:
			fmt.Fprintf(&b, "%s=N:%s ", k, v.Value)
		default:
			fmt.Fprintf(&b, "%s=%T ", k, v)
		}
	}
	return strings.TrimSpace(b.String())
}

func reduce(t *testing.T, recs []stypes.Record) []rec {
	t.Helper()
	out := make([]rec, len(recs))
	prev := ""
	for i, r := range recs {
		seq := aws.ToString(r.Dynamodb.SequenceNumber)
		if len(seq) != 21 || seq <= prev {
			t.Fatalf("record %d: sequence number %q after %q", i, seq, prev)
		}
		prev = seq
		if aws.ToString(r.EventSource) != "aws:dynamodb" || aws.ToString(r.AwsRegion) != "us-east-1" || aws.ToString(r.EventVersion) != "1.1" ||
			len(aws.ToString(r.EventID)) != 32 || r.Dynamodb.ApproximateCreationDateTime == nil || aws.ToInt64(r.Dynamodb.SizeBytes) <= 0 {
			t.Fatalf("record %d: %+v", i, r)
		}
		out[i] = rec{Event: string(r.EventName), Keys: attrString(r.Dynamodb.Keys), New: attrString(r.Dynamodb.NewImage), Old: attrString(r.Dynamodb.OldImage)}
	}
	return out
}

func sitem(pk string, sk int, v string) map[string]types.AttributeValue {
	it := map[string]types.AttributeValue{"pk": s(pk), "sk": n(fmt.Sprint(sk))}
	if v != "" {
		it["v"] = s(v)
	}
	return it
}

func skey(pk string, sk int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": s(pk), "sk": n(fmt.Sprint(sk))}
}

// TestSDKStreamsEveryWritePath drives every write path and checks the
// exact records: images, order, and none for a write that changes nothing.
func TestSDKStreamsEveryWritePath(t *testing.T) {
	e := newStreamsEnv(t, 0)
	ctx := context.Background()
	arn := e.createTable(t, "paths", "NEW_AND_OLD_IMAGES")
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.db.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("paths"), Item: sitem("a", 1, "x")}))
	must(e.db.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("paths"), Item: sitem("a", 1, "x")})) // same image: no record
	must(e.db.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String("paths"), Key: skey("a", 1),
		UpdateExpression: aws.String("SET v = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("y")}}))
	must(e.db.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String("paths"), Key: skey("a", 1),
		UpdateExpression: aws.String("SET v = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("y")}})) // no change
	must(e.db.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: aws.String("paths"), Key: skey("zz", 9)})) // nothing to delete
	_, err := e.db.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("paths"), Item: sitem("a", 1, "no"),
		ConditionExpression: aws.String("attribute_not_exists(pk)")})
	apiErr(t, err, "ConditionalCheckFailedException", "")
	must(e.db.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"paths": {
		{PutRequest: &types.PutRequest{Item: sitem("b", 1, "p")}},
		{PutRequest: &types.PutRequest{Item: sitem("b", 2, "q")}},
		{DeleteRequest: &types.DeleteRequest{Key: skey("a", 1)}},
	}}}))
	must(e.db.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("paths"), Item: sitem("c", 1, "t")}},
		{Update: &types.Update{TableName: aws.String("paths"), Key: skey("b", 1), UpdateExpression: aws.String("SET v = :v"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("u")}}},
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String("paths"), Key: skey("b", 2), ConditionExpression: aws.String("attribute_exists(pk)")}},
	}}))
	must(e.db.ExecuteStatement(ctx, &ddb.ExecuteStatementInput{Statement: aws.String(`INSERT INTO "paths" VALUE {'pk': 'd', 'sk': 1, 'v': 'i'}`)}))
	must(e.db.ExecuteStatement(ctx, &ddb.ExecuteStatementInput{Statement: aws.String(`UPDATE "paths" SET v = 'j' WHERE pk = 'd' AND sk = 1`)}))
	must(e.db.ExecuteStatement(ctx, &ddb.ExecuteStatementInput{Statement: aws.String(`DELETE FROM "paths" WHERE pk = 'd' AND sk = 1`)}))

	got := reduce(t, e.readAll(t, arn))
	// Batch and transaction items are recorded in request order here; each
	// item's records are in commit order, which is all DynamoDB promises.
	want := []rec{
		{"INSERT", "pk=S:a sk=N:1", "pk=S:a sk=N:1 v=S:x", ""},
		{"MODIFY", "pk=S:a sk=N:1", "pk=S:a sk=N:1 v=S:y", "pk=S:a sk=N:1 v=S:x"},
		{"INSERT", "pk=S:b sk=N:1", "pk=S:b sk=N:1 v=S:p", ""},
		{"INSERT", "pk=S:b sk=N:2", "pk=S:b sk=N:2 v=S:q", ""},
		{"REMOVE", "pk=S:a sk=N:1", "", "pk=S:a sk=N:1 v=S:y"},
		{"INSERT", "pk=S:c sk=N:1", "pk=S:c sk=N:1 v=S:t", ""},
		{"MODIFY", "pk=S:b sk=N:1", "pk=S:b sk=N:1 v=S:u", "pk=S:b sk=N:1 v=S:p"},
		{"INSERT", "pk=S:d sk=N:1", "pk=S:d sk=N:1 v=S:i", ""},
		{"MODIFY", "pk=S:d sk=N:1", "pk=S:d sk=N:1 v=S:j", "pk=S:d sk=N:1 v=S:i"},
		{"REMOVE", "pk=S:d sk=N:1", "", "pk=S:d sk=N:1 v=S:j"},
	}
	sortBatch := func(r []rec) {
		// BatchWriteItem's three items may be applied in any order.
		sort.Slice(r[2:5], func(i, j int) bool { return r[2+i].Keys+r[2+i].Event < r[2+j].Keys+r[2+j].Event })
	}
	if len(got) == len(want) {
		sortBatch(got)
		sortBatch(want)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("records:\n got %v\nwant %v", got, want)
	}
}

// TestSDKStreamsViewTypes checks which images each view type carries.
func TestSDKStreamsViewTypes(t *testing.T) {
	e := newStreamsEnv(t, 0)
	ctx := context.Background()
	for _, view := range []string{"KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"} {
		name := "view_" + strings.ToLower(view)
		arn := e.createTable(t, name, view)
		for _, v := range []string{"1", "2"} {
			if _, err := e.db.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String(name), Item: sitem("k", 1, v)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.db.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: aws.String(name), Key: skey("k", 1)}); err != nil {
			t.Fatal(err)
		}
		recs := e.readAll(t, arn)
		got := reduce(t, recs)
		newOn, oldOn := strings.Contains(view, "NEW"), strings.Contains(view, "OLD")
		img := func(on bool, s string) string {
			if on {
				return s
			}
			return ""
		}
		want := []rec{
			{"INSERT", "pk=S:k sk=N:1", img(newOn, "pk=S:k sk=N:1 v=S:1"), ""},
			{"MODIFY", "pk=S:k sk=N:1", img(newOn, "pk=S:k sk=N:1 v=S:2"), img(oldOn, "pk=S:k sk=N:1 v=S:1")},
			{"REMOVE", "pk=S:k sk=N:1", "", img(oldOn, "pk=S:k sk=N:1 v=S:2")},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\n got %v\nwant %v", view, got, want)
		}
		for _, r := range recs {
			if string(r.Dynamodb.StreamViewType) != view {
				t.Fatalf("%s: record view type %s", view, r.Dynamodb.StreamViewType)
			}
		}
	}
}

// TestSDKStreamsShardsRollOver walks a stream whose shards close and open
// children while it is written, and sees every change exactly once.
func TestSDKStreamsShardsRollOver(t *testing.T) {
	e := newStreamsEnv(t, time.Minute)
	ctx := context.Background()
	arn := e.createTable(t, "rolling", "NEW_IMAGE")
	var want []rec
	for i := 0; i < 40; i++ {
		if i%7 == 3 {
			e.clock.Add(time.Minute) // the open shard closes; its child opens
		}
		if i == 20 {
			e.clock.Add(3 * time.Minute) // and a few that stay empty
		}
		if _, err := e.db.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("rolling"), Item: sitem("r", i, "v")}); err != nil {
			t.Fatal(err)
		}
		k := fmt.Sprintf("pk=S:r sk=N:%d", i)
		want = append(want, rec{"INSERT", k, k + " v=S:v", ""})
	}
	d, err := e.st.DescribeStream(ctx, &ddbs.DescribeStreamInput{StreamArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	shards := d.StreamDescription.Shards
	if len(shards) < 8 {
		t.Fatalf("%d shards, want the 9 the clock made", len(shards))
	}
	for i, sh := range shards {
		last := i == len(shards)-1
		if last != (sh.SequenceNumberRange.EndingSequenceNumber == nil) {
			t.Fatalf("shard %d of %d: ending %v", i, len(shards), sh.SequenceNumberRange.EndingSequenceNumber)
		}
		if i > 0 && aws.ToString(sh.ParentShardId) != aws.ToString(shards[i-1].ShardId) {
			t.Fatalf("shard %d: parent %v, want %s", i, sh.ParentShardId, aws.ToString(shards[i-1].ShardId))
		}
	}
	if got := reduce(t, e.readAll(t, arn)); !reflect.DeepEqual(got, want) {
		t.Fatalf("records:\n got %v\nwant %v", got, want)
	}
	// Paging through DescribeStream gives the same shards.
	var paged []string
	var start *string
	for i := 0; i < 20; i++ {
		p, err := e.st.DescribeStream(ctx, &ddbs.DescribeStreamInput{StreamArn: aws.String(arn), Limit: aws.Int32(2), ExclusiveStartShardId: start})
		if err != nil {
			t.Fatal(err)
		}
		for _, sh := range p.StreamDescription.Shards {
			paged = append(paged, aws.ToString(sh.ShardId))
		}
		if start = p.StreamDescription.LastEvaluatedShardId; start == nil {
			break
		}
	}
	if len(paged) != len(shards) {
		t.Fatalf("paged %d shards, want %d", len(paged), len(shards))
	}

	// LATEST on the open shard sees only what comes after it.
	open := shards[len(shards)-1]
	it, err := e.st.GetShardIterator(ctx, &ddbs.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: open.ShardId,
		ShardIteratorType: stypes.ShardIteratorTypeLatest})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("rolling"), Item: sitem("late", 1, "v")}); err != nil {
		t.Fatal(err)
	}
	r, err := e.st.GetRecords(ctx, &ddbs.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Records) != 1 || attrString(r.Records[0].Dynamodb.Keys) != "pk=S:late sk=N:1" || r.NextShardIterator == nil {
		t.Fatalf("LATEST read %v", r.Records)
	}
	// AT_ and AFTER_SEQUENCE_NUMBER.
	seq := r.Records[0].Dynamodb.SequenceNumber
	for typ, want := range map[stypes.ShardIteratorType]int{stypes.ShardIteratorTypeAtSequenceNumber: 1, stypes.ShardIteratorTypeAfterSequenceNumber: 0} {
		it, err := e.st.GetShardIterator(ctx, &ddbs.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: open.ShardId,
			ShardIteratorType: typ, SequenceNumber: seq})
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.st.GetRecords(ctx, &ddbs.GetRecordsInput{ShardIterator: it.ShardIterator})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Records) != want {
			t.Fatalf("%s: %d records, want %d", typ, len(r.Records), want)
		}
	}
	// A GetRecords Limit is honoured, and paging with NextShardIterator
	// reads on.
	first := shards[0]
	it, err = e.st.GetShardIterator(ctx, &ddbs.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: first.ShardId,
		ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	r, err = e.st.GetRecords(ctx, &ddbs.GetRecordsInput{ShardIterator: it.ShardIterator, Limit: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Records) != 2 || r.NextShardIterator == nil {
		t.Fatalf("limit 2: %d records, next %v", len(r.Records), r.NextShardIterator)
	}
	r, err = e.st.GetRecords(ctx, &ddbs.GetRecordsInput{ShardIterator: r.NextShardIterator, Limit: aws.Int32(100)})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Records) != 1 || r.NextShardIterator != nil {
		t.Fatalf("rest of the first (closed) shard: %d records, next %v", len(r.Records), r.NextShardIterator)
	}
}

// TestSDKStreamsEnableDisable follows a table's streams through
// UpdateTable and DeleteTable.
func TestSDKStreamsEnableDisable(t *testing.T) {
	e := newStreamsEnv(t, 0)
	ctx := context.Background()
	createMusic(t, e.db)
	_, err := e.db.UpdateTable(ctx, &ddb.UpdateTableInput{TableName: aws.String("Music"),
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(false)}})
	apiErr(t, err, "ValidationException", "Table has no stream to disable: TableName: Music")
	u, err := e.db.UpdateTable(ctx, &ddb.UpdateTableInput{TableName: aws.String("Music"),
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeKeysOnly}})
	if err != nil {
		t.Fatal(err)
	}
	arn1 := aws.ToString(u.TableDescription.LatestStreamArn)
	_, err = e.db.UpdateTable(ctx, &ddb.UpdateTableInput{TableName: aws.String("Music"),
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage}})
	apiErr(t, err, "ValidationException", "Table already has an enabled stream: TableName: Music")
	put := func(title string) {
		t.Helper()
		if _, err := e.db.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("Music"),
			Item: map[string]types.AttributeValue{"Artist": s("A"), "Song": s(title)}}); err != nil {
			t.Fatal(err)
		}
	}
	put("one")
	if _, err := e.db.UpdateTable(ctx, &ddb.UpdateTableInput{TableName: aws.String("Music"),
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(false)}}); err != nil {
		t.Fatal(err)
	}
	put("not recorded")
	d, err := e.db.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("Music")})
	if err != nil {
		t.Fatal(err)
	}
	if d.Table.StreamSpecification != nil || aws.ToString(d.Table.LatestStreamArn) != arn1 {
		t.Fatalf("after disabling: %+v %v", d.Table.StreamSpecification, aws.ToString(d.Table.LatestStreamArn))
	}
	ds, err := e.st.DescribeStream(ctx, &ddbs.DescribeStreamInput{StreamArn: aws.String(arn1)})
	if err != nil {
		t.Fatal(err)
	}
	if ds.StreamDescription.StreamStatus != stypes.StreamStatusDisabled {
		t.Fatalf("status %s", ds.StreamDescription.StreamStatus)
	}
	for _, sh := range ds.StreamDescription.Shards {
		if sh.SequenceNumberRange.EndingSequenceNumber == nil {
			t.Fatalf("a disabled stream's shard is open: %+v", sh)
		}
	}
	u, err = e.db.UpdateTable(ctx, &ddb.UpdateTableInput{TableName: aws.String("Music"),
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage}})
	if err != nil {
		t.Fatal(err)
	}
	arn2 := aws.ToString(u.TableDescription.LatestStreamArn)
	if arn2 == arn1 {
		t.Fatal("re-enabling gave the same stream ARN")
	}
	put("two")
	if got := reduce(t, e.readAll(t, arn1)); len(got) != 1 || got[0].Keys != "Artist=S:A Song=S:one" || got[0].New != "" {
		t.Fatalf("first stream: %v", got)
	}
	if got := reduce(t, e.readAll(t, arn2)); len(got) != 1 || got[0].New != "Artist=S:A Song=S:two" {
		t.Fatalf("second stream: %v", got)
	}
	ls, err := e.st.ListStreams(ctx, &ddbs.ListStreamsInput{TableName: aws.String("Music")})
	if err != nil {
		t.Fatal(err)
	}
	if len(ls.Streams) != 2 || aws.ToString(ls.Streams[0].StreamArn) != arn1 || aws.ToString(ls.Streams[1].StreamArn) != arn2 {
		t.Fatalf("ListStreams: %+v", ls.Streams)
	}
	// Deleting the table disables its stream, which stays readable.
	if _, err := e.db.DeleteTable(ctx, &ddb.DeleteTableInput{TableName: aws.String("Music")}); err != nil {
		t.Fatal(err)
	}
	ds, err = e.st.DescribeStream(ctx, &ddbs.DescribeStreamInput{StreamArn: aws.String(arn2)})
	if err != nil {
		t.Fatal(err)
	}
	if ds.StreamDescription.StreamStatus != stypes.StreamStatusDisabled || len(e.readAll(t, arn2)) != 1 {
		t.Fatalf("after DeleteTable: %s", ds.StreamDescription.StreamStatus)
	}
	// Paging ListStreams.
	e.createTable(t, "other", "KEYS_ONLY")
	var all []string
	var start *string
	for i := 0; i < 10; i++ {
		p, err := e.st.ListStreams(ctx, &ddbs.ListStreamsInput{Limit: aws.Int32(1), ExclusiveStartStreamArn: start})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range p.Streams {
			all = append(all, aws.ToString(s.StreamArn))
		}
		if start = p.LastEvaluatedStreamArn; start == nil {
			break
		}
	}
	if len(all) != 3 {
		t.Fatalf("paged ListStreams: %v", all)
	}
	// Records age out: after the retention the disabled streams go.
	e.clock.Add(25 * time.Hour)
	e.hub.Trim()
	ls, err = e.st.ListStreams(ctx, &ddbs.ListStreamsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ls.Streams) != 1 || aws.ToString(ls.Streams[0].TableName) != "other" {
		t.Fatalf("after the retention: %+v", ls.Streams)
	}
}

// TestSDKStreamsErrors checks the Streams API's validation and errors.
func TestSDKStreamsErrors(t *testing.T) {
	e := newStreamsEnv(t, 0)
	ctx := context.Background()
	arn := e.createTable(t, "errs", "NEW_IMAGE")
	missing := "arn:aws:dynamodb:us-east-1:000000000000:table/errs/stream/2000-01-01T00:00:00.000"
	_, err := e.st.DescribeStream(ctx, &ddbs.DescribeStreamInput{StreamArn: aws.String(missing)})
	apiErr(t, err, "ResourceNotFoundException", "Requested resource not found: Stream: "+missing+" not found")
	_, err = e.st.GetShardIterator(ctx, &ddbs.GetShardIteratorInput{StreamArn: aws.String(arn),
		ShardId: aws.String("shardId-00000000000000000000-00000000"), ShardIteratorType: stypes.ShardIteratorTypeLatest})
	apiErr(t, err, "ResourceNotFoundException", "Requested resource not found: Shard does not exist")
	d, err := e.st.DescribeStream(ctx, &ddbs.DescribeStreamInput{StreamArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	sh := d.StreamDescription.Shards[0].ShardId
	_, err = e.st.GetShardIterator(ctx, &ddbs.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: sh,
		ShardIteratorType: stypes.ShardIteratorTypeAtSequenceNumber})
	apiErr(t, err, "ValidationException", "")
	_, err = e.st.GetRecords(ctx, &ddbs.GetRecordsInput{ShardIterator: aws.String("not an iterator")})
	apiErr(t, err, "ValidationException", "Invalid ShardIterator")
	it, err := e.st.GetShardIterator(ctx, &ddbs.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: sh,
		ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.st.GetRecords(ctx, &ddbs.GetRecordsInput{ShardIterator: it.ShardIterator, Limit: aws.Int32(1001)})
	apiErr(t, err, "ValidationException", "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000")
	// Records trimmed under an iterator.
	if _, err := e.db.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("errs"), Item: sitem("x", 1, "")}); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(25 * time.Hour)
	e.hub.Trim()
	_, err = e.st.GetRecords(ctx, &ddbs.GetRecordsInput{ShardIterator: it.ShardIterator})
	apiErr(t, err, "TrimmedDataAccessException", "")
}

// TestSDKStreamsTTL checks that a time-to-live delete is recorded as the
// service's REMOVE.
func TestSDKStreamsTTL(t *testing.T) {
	e := newStreamsEnv(t, 0)
	ctx := context.Background()
	arn := e.createTable(t, "ttl_stream", "OLD_IMAGE")
	if _, err := e.db.UpdateTimeToLive(ctx, &ddb.UpdateTimeToLiveInput{TableName: aws.String("ttl_stream"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("exp"), Enabled: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	it := sitem("t", 1, "")
	it["exp"] = n("1700000000")
	if _, err := e.db.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("ttl_stream"), Item: it}); err != nil {
		t.Fatal(err)
	}
	exp := e.h.NewExpirer(dynamodb.ExpirerOptions{})
	for i := 0; i < 10; i++ {
		if exp.Tick().Deleted > 0 {
			break
		}
	}
	recs := e.readAll(t, arn)
	if len(recs) != 2 || recs[1].EventName != stypes.OperationTypeRemove || recs[1].UserIdentity == nil ||
		aws.ToString(recs[1].UserIdentity.Type) != "Service" || aws.ToString(recs[1].UserIdentity.PrincipalId) != "dynamodb.amazonaws.com" {
		t.Fatalf("records %+v", recs)
	}
	if recs[0].UserIdentity != nil {
		t.Fatalf("a client's write names a user identity: %+v", recs[0].UserIdentity)
	}
}

// TestVectorIndexesRefused: a table asked for with vector indexes is
// refused (vector search does not exist here), never created without them.
func TestVectorIndexesRefused(t *testing.T) {
	h := dynamodb.NewHandler(shard.New(nil), dynamodb.Options{})
	_, e := h.Do("CreateTable", []byte(`{"TableName":"vec","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],
		"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST","VectorIndexes":[{"IndexName":"v"}]}`))
	if e == nil || !strings.Contains(e.Message, "VectorIndexes are not supported") {
		t.Fatalf("CreateTable with VectorIndexes: %v", e)
	}
	if _, e := h.Do("DescribeTable", []byte(`{"TableName":"vec"}`)); e == nil {
		t.Fatal("the table was created")
	}
	if _, e := h.Do("CreateTable", []byte(`{"TableName":"vec","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],
		"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`)); e != nil {
		t.Fatal(e)
	}
	_, e = h.Do("UpdateTable", []byte(`{"TableName":"vec","VectorIndexUpdates":[{"Create":{"IndexName":"v"}}]}`))
	if e == nil || !strings.Contains(e.Message, "VectorIndexUpdates are not supported") {
		t.Fatalf("UpdateTable with VectorIndexUpdates: %v", e)
	}
}
