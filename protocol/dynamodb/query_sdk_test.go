package dynamodb_test

import (
	"context"
	"fmt"
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

// Query, Scan, secondary indexes and batches through the AWS SDK.

func b(v []byte) types.AttributeValue { return &types.AttributeValueMemberB{Value: v} }

func attrS(it map[string]types.AttributeValue, k string) string {
	if v, ok := it[k].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func attrN(it map[string]types.AttributeValue, k string) string {
	if v, ok := it[k].(*types.AttributeValueMemberN); ok {
		return v.Value
	}
	return ""
}

// createIndexed creates table name: pk S, sk N, a GSI "byg" (g S, sk N)
// projecting proj (INCLUDE with "v"), and an LSI "byl" (pk, l S) KEYS_ONLY.
func createIndexed(t *testing.T, c *ddb.Client, name string, proj types.ProjectionType) {
	t.Helper()
	p := &types.Projection{ProjectionType: proj}
	if proj == types.ProjectionTypeInclude {
		p.NonKeyAttributes = []string{"v"}
	}
	_, err := c.CreateTable(context.Background(), &ddb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN},
			{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("l"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String("byg"),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
			},
			Projection: p,
		}},
		LocalSecondaryIndexes: []types.LocalSecondaryIndex{{
			IndexName: aws.String("byl"),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("l"), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
		}},
		BillingMode: types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
}

func put(t *testing.T, c *ddb.Client, table string, item map[string]types.AttributeValue) {
	t.Helper()
	if _, err := c.PutItem(context.Background(), &ddb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatal(err)
	}
}

func TestSDKQuery(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createIndexed(t, c, "QQQ", types.ProjectionTypeInclude)
	// Partition "a": sk -20..19 (numeric order differs from string order);
	// every third item has no g (sparse GSI).
	for i := -20; i < 20; i++ {
		it := map[string]types.AttributeValue{"pk": s("a"), "sk": n(strconv.Itoa(i)), "v": s("v" + strconv.Itoa(i)), "w": s("w")}
		if (i+20)%3 != 0 {
			it["g"] = s("g" + strconv.Itoa((i+20)%2))
		}
		it["l"] = s(fmt.Sprintf("l%03d", 100-i))
		put(t, c, "QQQ", it)
	}
	put(t, c, "QQQ", map[string]types.AttributeValue{"pk": s("b"), "sk": n("1")})

	query := func(in *ddb.QueryInput) *ddb.QueryOutput {
		t.Helper()
		in.TableName = aws.String("QQQ")
		out, err := c.Query(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	sks := func(items []map[string]types.AttributeValue) string {
		var out []string
		for _, it := range items {
			out = append(out, attrN(it, "sk"))
		}
		return strings.Join(out, ",")
	}
	vals := map[string]types.AttributeValue{":p": s("a"), ":x": n("-3"), ":y": n("2")}
	out := query(&ddb.QueryInput{KeyConditionExpression: aws.String("pk = :p AND sk BETWEEN :x AND :y"), ExpressionAttributeValues: vals})
	if got := sks(out.Items); got != "-3,-2,-1,0,1,2" || out.Count != 6 || out.ScannedCount != 6 || out.LastEvaluatedKey != nil {
		t.Fatalf("BETWEEN: %s %d %d %v", got, out.Count, out.ScannedCount, out.LastEvaluatedKey)
	}
	out = query(&ddb.QueryInput{KeyConditionExpression: aws.String("pk = :p AND sk < :x"), ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("a"), ":x": n("-17")}, ScanIndexForward: aws.Bool(false)})
	if got := sks(out.Items); got != "-18,-19,-20" {
		t.Fatalf("reverse <: %s", got)
	}

	// Pagination: every item exactly once, in order, forward and reverse.
	for _, fwd := range []bool{true, false} {
		for _, limit := range []int32{1, 3, 7, 40, 100} {
			var got []string
			p := ddb.NewQueryPaginator(c, &ddb.QueryInput{TableName: aws.String("QQQ"), KeyConditionExpression: aws.String("pk = :p"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("a")}, Limit: aws.Int32(limit), ScanIndexForward: aws.Bool(fwd)})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range page.Items {
					got = append(got, attrN(it, "sk"))
				}
			}
			if len(got) != 40 {
				t.Fatalf("limit %d: %d items", limit, len(got))
			}
			for i, v := range got {
				want := i - 20
				if !fwd {
					want = 19 - i
				}
				if v != strconv.Itoa(want) {
					t.Fatalf("limit %d fwd %v: item %d is %s", limit, fwd, i, v)
				}
			}
		}
	}

	// Filter after Limit: ScannedCount counts what was read.
	out = query(&ddb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), FilterExpression: aws.String("begins_with(v, :f)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("a"), ":f": s("v1")}, Limit: aws.Int32(25)})
	if out.ScannedCount != 25 || out.Count != 1 || out.LastEvaluatedKey == nil {
		t.Fatalf("filter: count %d scanned %d lek %v", out.Count, out.ScannedCount, out.LastEvaluatedKey)
	}
	out = query(&ddb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), Select: types.SelectCount,
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("a")}})
	if out.Count != 40 || out.Items != nil {
		t.Fatalf("COUNT: %d %v", out.Count, out.Items)
	}
	out = query(&ddb.QueryInput{KeyConditionExpression: aws.String("pk = :p AND sk = :x"), ProjectionExpression: aws.String("v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("a"), ":x": n("-3")}, ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
	if len(out.Items) != 1 || len(out.Items[0]) != 1 || attrS(out.Items[0], "v") != "v-3" {
		t.Fatalf("projection: %v", out.Items)
	}
	if cc := out.ConsumedCapacity; cc == nil || *cc.CapacityUnits != 0.5 || *cc.Table.CapacityUnits != 0.5 {
		t.Fatalf("capacity: %+v", cc)
	}

	// GSI: sparse, sorted by sk, INCLUDE projection, LastEvaluatedKey has
	// index and table keys.
	out = query(&ddb.QueryInput{IndexName: aws.String("byg"), KeyConditionExpression: aws.String("g = :g"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":g": s("g1")}, Limit: aws.Int32(3)})
	if got := sks(out.Items); got != "-19,-15,-13" {
		t.Fatalf("GSI: %s", got)
	}
	if len(out.Items[0]) != 4 || out.Items[0]["w"] != nil || attrS(out.Items[0], "v") != "v-19" {
		t.Fatalf("GSI projection INCLUDE(v): %v", out.Items[0])
	}
	if len(out.LastEvaluatedKey) != 3 || attrS(out.LastEvaluatedKey, "g") != "g1" || attrN(out.LastEvaluatedKey, "sk") != "-13" {
		t.Fatalf("GSI LastEvaluatedKey: %v", out.LastEvaluatedKey)
	}
	total := 0
	for _, g := range []string{"g0", "g1"} {
		p := ddb.NewQueryPaginator(c, &ddb.QueryInput{TableName: aws.String("QQQ"), IndexName: aws.String("byg"), KeyConditionExpression: aws.String("g = :g"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":g": s(g)}, Limit: aws.Int32(4)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			total += len(page.Items)
		}
	}
	if total != 26 {
		t.Fatalf("GSI holds %d items, want 26 (sparse)", total)
	}
	// LSI: KEYS_ONLY by default (ALL_PROJECTED_ATTRIBUTES), whole items on
	// ALL_ATTRIBUTES (read from the table).
	out = query(&ddb.QueryInput{IndexName: aws.String("byl"), KeyConditionExpression: aws.String("pk = :p AND l < :l"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("a"), ":l": s("l083")}, ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
	if got := sks(out.Items); got != "19,18" || len(out.Items[0]) != 3 {
		t.Fatalf("LSI: %s %v", got, out.Items)
	}
	if cc := out.ConsumedCapacity; cc.LocalSecondaryIndexes["byl"].CapacityUnits == nil || *cc.Table.CapacityUnits != 0 {
		t.Fatalf("LSI capacity: %+v", cc)
	}
	out = query(&ddb.QueryInput{IndexName: aws.String("byl"), KeyConditionExpression: aws.String("pk = :p AND l < :l"), Select: types.SelectAllAttributes,
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("a"), ":l": s("l082")}})
	if len(out.Items) != 1 || attrS(out.Items[0], "w") != "w" {
		t.Fatalf("LSI ALL_ATTRIBUTES: %v", out.Items)
	}

	// Errors, with DynamoDB's messages.
	for _, tc := range []struct {
		in  *ddb.QueryInput
		msg string
	}{
		{&ddb.QueryInput{KeyConditionExpression: aws.String("sk = :x"), ExpressionAttributeValues: map[string]types.AttributeValue{":x": n("1")}},
			"Query condition missed key schema element: pk"},
		{&ddb.QueryInput{KeyConditionExpression: aws.String("pk > :p"), ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("a")}},
			"Query key condition not supported"},
		{&ddb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), FilterExpression: aws.String("sk > :x"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("a"), ":x": n("1")}},
			"Filter Expression can only contain non-primary key attributes: Primary key attribute: sk"},
		{&ddb.QueryInput{KeyConditionExpression: aws.String("g = :p"), IndexName: aws.String("byg"), ConsistentRead: aws.Bool(true),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("a")}},
			"Consistent reads are not supported on global secondary indexes"},
		{&ddb.QueryInput{KeyConditionExpression: aws.String("g = :p"), IndexName: aws.String("byg"), Select: types.SelectAllAttributes,
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("a")}},
			"One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index byg because its projection type is not ALL"},
		{&ddb.QueryInput{KeyConditionExpression: aws.String("g = :p"), IndexName: aws.String("byg"), ProjectionExpression: aws.String("w, v, zz"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("a")}},
			"One or more parameter values were invalid: Global secondary index byg does not project [w, zz]"},
		{&ddb.QueryInput{KeyConditionExpression: aws.String("g = :p"), IndexName: aws.String("byg"), FilterExpression: aws.String("w = :p"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("a")}},
			"One or more parameter values were invalid: Secondary index byg does not project one or more filter attributes: [w]"},
		{&ddb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), Select: types.SelectAllProjectedAttributes,
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("a")}},
			"ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"},
		{&ddb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), Select: types.SelectCount, ProjectionExpression: aws.String("v"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("a")}},
			"Cannot specify the ProjectionExpression when choosing to get only the Count"},
		{&ddb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), Select: types.SelectSpecificAttributes,
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("a")}},
			"Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES"},
		{&ddb.QueryInput{KeyConditionExpression: aws.String("pk = :p AND sk > :x"), ExclusiveStartKey: map[string]types.AttributeValue{"pk": s("a"), "sk": n("0")},
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("a"), ":x": n("1")}},
			"The provided starting key does not match the range key predicate"},
		{&ddb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), IndexName: aws.String("nope"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("a")}},
			"The table does not have the specified index: nope"},
	} {
		tc.in.TableName = aws.String("QQQ")
		_, err := c.Query(ctx, tc.in)
		apiErr(t, err, "ValidationException", tc.msg)
	}
}

func TestSDKQuerySortOrder(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	for _, typ := range []types.ScalarAttributeType{types.ScalarAttributeTypeS, types.ScalarAttributeTypeB} {
		name := "Ord" + string(typ)
		_, err := c.CreateTable(ctx, &ddb.CreateTableInput{
			TableName: aws.String(name),
			AttributeDefinitions: []types.AttributeDefinition{
				{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
				{AttributeName: aws.String("sk"), AttributeType: typ},
			},
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
			},
			BillingMode: types.BillingModePayPerRequest,
		})
		if err != nil {
			t.Fatal(err)
		}
		// Unsigned byte order: 0x00 < 0x7f < 0x80 < 0xff; "é" (0xc3 0xa9) after "z".
		keys := [][]byte{{0xff}, {0x80}, {0x7f}, {0x00}, {0x01, 0x00}, []byte("z"), []byte("é")}
		if typ == types.ScalarAttributeTypeS {
			keys = [][]byte{[]byte("é"), []byte("z"), []byte("Z"), []byte("a"), []byte("ab"), []byte("a\x7f")}
		}
		for _, k := range keys {
			var v types.AttributeValue = s(string(k))
			if typ == types.ScalarAttributeTypeB {
				v = b(k)
			}
			put(t, c, name, map[string]types.AttributeValue{"pk": s("p"), "sk": v})
		}
		out, err := c.Query(ctx, &ddb.QueryInput{TableName: aws.String(name), KeyConditionExpression: aws.String("pk = :p"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("p")}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, it := range out.Items {
			switch v := it["sk"].(type) {
			case *types.AttributeValueMemberS:
				got = append(got, fmt.Sprintf("%x", v.Value))
			case *types.AttributeValueMemberB:
				got = append(got, fmt.Sprintf("%x", v.Value))
			}
		}
		want := map[types.ScalarAttributeType]string{
			types.ScalarAttributeTypeB: "00,0100,7a,7f,80,c3a9,ff",
			types.ScalarAttributeTypeS: "5a,61,6162,617f,7a,c3a9",
		}[typ]
		if strings.Join(got, ",") != want {
			t.Fatalf("%s order: %s, want %s", typ, strings.Join(got, ","), want)
		}
	}
}

func TestSDKScan(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createIndexed(t, c, "SSS", types.ProjectionTypeKeysOnly)
	const items = 600
	var wb []types.WriteRequest
	flush := func() {
		if len(wb) == 0 {
			return
		}
		if _, err := c.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"SSS": wb}}); err != nil {
			t.Fatal(err)
		}
		wb = nil
	}
	for i := 0; i < items; i++ {
		wb = append(wb, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
			"pk": s("p" + strconv.Itoa(i%50)), "sk": n(strconv.Itoa(i)), "g": s("g" + strconv.Itoa(i%7)), "l": s("l"), "x": s("stable"),
		}}})
		if len(wb) == 25 {
			flush()
		}
	}
	flush()

	// Writers churn other items and rewrite stable ones while we scan.
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				sk := strconv.Itoa(items + w*100000 + i%300)
				if i%2 == 0 {
					c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("SSS"), Item: map[string]types.AttributeValue{"pk": s("p" + strconv.Itoa(i%60)), "sk": n(sk), "g": s("g1"), "x": s("churn")}})
				} else {
					c.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: aws.String("SSS"), Key: map[string]types.AttributeValue{"pk": s("p" + strconv.Itoa((i-1)%60)), "sk": n(sk)}})
				}
			}
		}(w)
	}
	scan := func(index string, seg, total int32, limit int32) map[string]int {
		seen := map[string]int{}
		in := &ddb.ScanInput{TableName: aws.String("SSS"), Limit: aws.Int32(limit)}
		if index != "" {
			in.IndexName = aws.String(index)
		}
		if total > 0 {
			in.Segment, in.TotalSegments = aws.Int32(seg), aws.Int32(total)
		}
		p := ddb.NewScanPaginator(c, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range page.Items {
				seen[attrS(it, "pk")+"/"+attrN(it, "sk")]++
			}
		}
		return seen
	}
	check := func(what string, seen map[string]int) {
		t.Helper()
		for k, n := range seen {
			if n != 1 {
				t.Fatalf("%s: %s seen %d times", what, k, n)
			}
		}
		for i := 0; i < items; i++ {
			if seen["p"+strconv.Itoa(i%50)+"/"+strconv.Itoa(i)] != 1 {
				t.Fatalf("%s: stable item %d missing", what, i)
			}
		}
	}
	check("scan", scan("", 0, 0, 23))
	check("GSI scan", scan("byg", 0, 0, 31))
	union := map[string]int{}
	for seg := int32(0); seg < 4; seg++ {
		for k, n := range scan("", seg, 4, 17) {
			union[k] += n
		}
	}
	check("parallel scan", union)
	stop.Store(true)
	wg.Wait()

	_, err := c.Scan(ctx, &ddb.ScanInput{TableName: aws.String("SSS"), Segment: aws.Int32(1), TotalSegments: aws.Int32(4),
		ExclusiveStartKey: firstKeyOfSegment(t, c, 0, 4)})
	apiErr(t, err, "ValidationException", "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: 4 Segment: 1")
	_, err = c.Scan(ctx, &ddb.ScanInput{TableName: aws.String("SSS"), IndexName: aws.String("byg"), ConsistentRead: aws.Bool(true)})
	apiErr(t, err, "ValidationException", "Consistent reads are not supported on global secondary indexes")
	out, err := c.Scan(ctx, &ddb.ScanInput{TableName: aws.String("SSS"), IndexName: aws.String("byg"), Limit: aws.Int32(1)})
	if err != nil || len(out.Items[0]) != 3 || len(out.LastEvaluatedKey) != 3 {
		t.Fatalf("KEYS_ONLY GSI scan: %v %v", out.Items, err)
	}
}

func firstKeyOfSegment(t *testing.T, c *ddb.Client, seg, total int32) map[string]types.AttributeValue {
	out, err := c.Scan(context.Background(), &ddb.ScanInput{TableName: aws.String("SSS"), Segment: aws.Int32(seg), TotalSegments: aws.Int32(total), Limit: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	return out.LastEvaluatedKey
}

// A GSI added by UpdateTable is backfilled while writers run, reported
// CREATING then ACTIVE, and then holds exactly the table's items.
func TestSDKIndexBackfill(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createMusic(t, c)
	for i := 0; i < 2000; i++ {
		put(t, c, "Music", map[string]types.AttributeValue{"Artist": s("a" + strconv.Itoa(i%20)), "Song": s("s" + strconv.Itoa(i)), "Year": n(strconv.Itoa(1990 + i%10))})
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			put(t, c, "Music", map[string]types.AttributeValue{"Artist": s("a" + strconv.Itoa(i%20)), "Song": s("s" + strconv.Itoa(i%2500)), "Year": n(strconv.Itoa(1990 + i%13))})
		}
	}()
	_, err := c.UpdateTable(ctx, &ddb.UpdateTableInput{
		TableName:            aws.String("Music"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("Year"), AttributeType: types.ScalarAttributeTypeN}},
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
			IndexName:  aws.String("byYear"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("Year"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		d, err := c.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("Music")})
		if err != nil {
			t.Fatal(err)
		}
		st := d.Table.GlobalSecondaryIndexes[0].IndexStatus
		if st == types.IndexStatusActive {
			break
		}
		if st != types.IndexStatusCreating || time.Now().After(deadline) {
			t.Fatalf("index status %s", st)
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline
	}
	stop.Store(true)
	wg.Wait()
	table := map[string]string{}
	p := ddb.NewScanPaginator(c, &ddb.ScanInput{TableName: aws.String("Music")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			table[attrS(it, "Artist")+"/"+attrS(it, "Song")] = attrN(it, "Year")
		}
	}
	index := map[string]string{}
	for y := 1990; y < 2003; y++ {
		q := ddb.NewQueryPaginator(c, &ddb.QueryInput{TableName: aws.String("Music"), IndexName: aws.String("byYear"),
			KeyConditionExpression: aws.String("#y = :y"), ExpressionAttributeNames: map[string]string{"#y": "Year"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":y": n(strconv.Itoa(y))}, Limit: aws.Int32(333)})
		for q.HasMorePages() {
			page, err := q.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range page.Items {
				k := attrS(it, "Artist") + "/" + attrS(it, "Song")
				if _, dup := index[k]; dup {
					t.Fatalf("%s twice in the index", k)
				}
				index[k] = attrN(it, "Year")
			}
		}
	}
	if len(index) != len(table) {
		t.Fatalf("index %d items, table %d", len(index), len(table))
	}
	for k, y := range table {
		if index[k] != y {
			t.Fatalf("%s: index year %q, table %q", k, index[k], y)
		}
	}
	d, _ := c.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("Music")})
	if g := d.Table.GlobalSecondaryIndexes[0]; *g.ItemCount != int64(len(table)) || *g.IndexSizeBytes <= 0 {
		t.Fatalf("describe: count %d size %d, want %d items", *g.ItemCount, *g.IndexSizeBytes, len(table))
	}
}

func TestSDKBatch(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createMusic(t, c)
	createIndexed(t, c, "LLL", types.ProjectionTypeAll)
	var reqs []types.WriteRequest
	for i := 0; i < 25; i++ {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"Artist": s("a"), "Song": s(strconv.Itoa(i))}}})
	}
	out, err := c.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{
		RequestItems: map[string][]types.WriteRequest{"Music": reqs,
			"LLL": {{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"pk": s("x"), "sk": n("1")}}}}},
		ReturnConsumedCapacity:      types.ReturnConsumedCapacityTotal,
		ReturnItemCollectionMetrics: types.ReturnItemCollectionMetricsSize,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.UnprocessedItems) != 0 || len(out.ConsumedCapacity) != 2 || len(out.ItemCollectionMetrics["LLL"]) != 1 || out.ItemCollectionMetrics["Music"] != nil {
		t.Fatalf("BatchWriteItem reply: %+v", out)
	}
	_, err = c.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"Music": {
		{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"Artist": s("a"), "Song": s("1")}}},
		{DeleteRequest: &types.DeleteRequest{Key: map[string]types.AttributeValue{"Artist": s("a"), "Song": s("1")}}},
	}}})
	apiErr(t, err, "ValidationException", "Provided list of item keys contains duplicates")
	_, err = c.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"Nope": {
		{DeleteRequest: &types.DeleteRequest{Key: map[string]types.AttributeValue{"Artist": s("a")}}}}}})
	apiErr(t, err, "ResourceNotFoundException", "Requested resource not found")

	var keys []map[string]types.AttributeValue
	for i := 0; i < 30; i++ {
		keys = append(keys, map[string]types.AttributeValue{"Artist": s("a"), "Song": s(strconv.Itoa(i))})
	}
	got, err := c.BatchGetItem(ctx, &ddb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		"Music": {Keys: keys, ProjectionExpression: aws.String("Song")}}, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Responses["Music"]) != 25 || len(got.Responses["Music"][0]) != 1 || len(got.UnprocessedKeys) != 0 || *got.ConsumedCapacity[0].CapacityUnits != 15 {
		t.Fatalf("BatchGetItem: %d items %v, capacity %v", len(got.Responses["Music"]), got.UnprocessedKeys, *got.ConsumedCapacity[0].CapacityUnits)
	}
	_, err = c.BatchGetItem(ctx, &ddb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"Music": {Keys: []map[string]types.AttributeValue{keys[0], keys[0]}}}})
	apiErr(t, err, "ValidationException", "Provided list of item keys contains duplicates")

	// Past 16 MB the rest comes back in UnprocessedKeys; asking again gets it.
	big := strings.Repeat("x", 390*1024)
	for i := 0; i < 50; i++ {
		put(t, c, "Music", map[string]types.AttributeValue{"Artist": s("big"), "Song": s(strconv.Itoa(i)), "v": s(big)})
	}
	var bigKeys []map[string]types.AttributeValue
	for i := 0; i < 50; i++ {
		bigKeys = append(bigKeys, map[string]types.AttributeValue{"Artist": s("big"), "Song": s(strconv.Itoa(i))})
	}
	seen := 0
	req := map[string]types.KeysAndAttributes{"Music": {Keys: bigKeys}}
	for rounds := 0; len(req) > 0; rounds++ {
		if rounds > 5 {
			t.Fatal("UnprocessedKeys never drains")
		}
		got, err := c.BatchGetItem(ctx, &ddb.BatchGetItemInput{RequestItems: req})
		if err != nil {
			t.Fatal(err)
		}
		if rounds == 0 && len(got.UnprocessedKeys) == 0 {
			t.Fatal("20 MB read in one BatchGetItem")
		}
		seen += len(got.Responses["Music"])
		req = got.UnprocessedKeys
	}
	if seen != 50 {
		t.Fatalf("read %d of 50 big items", seen)
	}
}
