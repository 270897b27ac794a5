package dynamodb_test

import (
	"context"
	"fmt"
	"math/rand"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynacache/dynacache/backup"
	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard"
)

var backupArnRE = regexp.MustCompile(`^arn:aws:dynamodb:us-east-1:000000000000:table/[A-Za-z0-9_.-]+/backup/\d{14}-[0-9a-f]{8}$`)

// waitBackup polls DescribeBackup until the backup is AVAILABLE.
func waitBackup(t *testing.T, c *ddb.Client, arn string) *types.BackupDescription {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := c.DescribeBackup(context.Background(), &ddb.DescribeBackupInput{BackupArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		if out.BackupDescription.BackupDetails.BackupStatus == types.BackupStatusAvailable {
			return out.BackupDescription
		}
		if time.Now().After(deadline) {
			t.Fatalf("backup %s still %s", arn, out.BackupDescription.BackupDetails.BackupStatus)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitRestored polls DescribeTable until the restored table is ACTIVE.
func waitRestored(t *testing.T, c *ddb.Client, table string) *types.TableDescription {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := c.DescribeTable(context.Background(), &ddb.DescribeTableInput{TableName: aws.String(table)})
		if err != nil {
			t.Fatal(err)
		}
		d := out.Table
		if d.TableStatus == types.TableStatusActive {
			if d.RestoreSummary == nil || aws.ToBool(d.RestoreSummary.RestoreInProgress) {
				t.Fatalf("ACTIVE with restore summary %+v", d.RestoreSummary)
			}
			return d
		}
		if d.TableStatus != types.TableStatusCreating || d.RestoreSummary == nil || !aws.ToBool(d.RestoreSummary.RestoreInProgress) {
			t.Fatalf("restoring table is %s, summary %+v", d.TableStatus, d.RestoreSummary)
		}
		if time.Now().After(deadline) {
			t.Fatalf("table %s still restoring", table)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// scanAll returns every item of a table by "Artist/Song".
func scanAll(t *testing.T, c *ddb.Client, table string) map[string]map[string]types.AttributeValue {
	t.Helper()
	out := map[string]map[string]types.AttributeValue{}
	p := ddb.NewScanPaginator(c, &ddb.ScanInput{TableName: aws.String(table)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			k := it["Artist"].(*types.AttributeValueMemberS).Value
			if sv, ok := it["Song"]; ok {
				k += "/" + sv.(*types.AttributeValueMemberS).Value
			}
			out[k] = it
		}
	}
	return out
}

func putSong(t *testing.T, c *ddb.Client, table, artist, song string, plays int) {
	t.Helper()
	_, err := c.PutItem(context.Background(), &ddb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
		"Artist": s(artist), "Song": s(song), "Plays": n(strconv.Itoa(plays)), "Genre": s("g" + strconv.Itoa(plays%3)),
	}})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSDKBackupRestore(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createMusic(t, c)
	for i := range 50 {
		putSong(t, c, "Music", "a"+strconv.Itoa(i%5), "s"+strconv.Itoa(i), i)
	}
	before := scanAll(t, c, "Music")

	cb, err := c.CreateBackup(ctx, &ddb.CreateBackupInput{TableName: aws.String("Music"), BackupName: aws.String("first")})
	if err != nil {
		t.Fatal(err)
	}
	det := cb.BackupDetails
	arn := aws.ToString(det.BackupArn)
	if !backupArnRE.MatchString(arn) || aws.ToString(det.BackupName) != "first" || det.BackupType != types.BackupTypeUser ||
		(det.BackupStatus != types.BackupStatusCreating && det.BackupStatus != types.BackupStatusAvailable) ||
		det.BackupCreationDateTime == nil || time.Since(*det.BackupCreationDateTime) > time.Minute {
		t.Fatalf("backup details %+v", det)
	}
	// Writes after the backup are not in it.
	putSong(t, c, "Music", "late", "comer", 1)
	_, err = c.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: aws.String("Music"), Key: map[string]types.AttributeValue{"Artist": s("a0"), "Song": s("s0")}})
	if err != nil {
		t.Fatal(err)
	}

	desc := waitBackup(t, c, arn)
	src := desc.SourceTableDetails
	if aws.ToString(src.TableName) != "Music" || aws.ToInt64(src.ItemCount) != 50 || src.BillingMode != types.BillingModePayPerRequest ||
		len(src.KeySchema) != 2 || aws.ToString(src.TableArn) != "arn:aws:dynamodb:us-east-1:000000000000:table/Music" ||
		aws.ToInt64(src.TableSizeBytes) <= 0 || aws.ToInt64(desc.BackupDetails.BackupSizeBytes) != aws.ToInt64(src.TableSizeBytes) {
		t.Fatalf("source table details %+v", src)
	}

	rs, err := c.RestoreTableFromBackup(ctx, &ddb.RestoreTableFromBackupInput{TargetTableName: aws.String("Music2"), BackupArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	td := rs.TableDescription
	if td.TableStatus != types.TableStatusCreating || aws.ToString(td.TableName) != "Music2" || td.RestoreSummary == nil ||
		!aws.ToBool(td.RestoreSummary.RestoreInProgress) || aws.ToString(td.RestoreSummary.SourceBackupArn) != arn ||
		aws.ToString(td.RestoreSummary.SourceTableArn) != "arn:aws:dynamodb:us-east-1:000000000000:table/Music" ||
		!td.RestoreSummary.RestoreDateTime.Equal(*det.BackupCreationDateTime) {
		t.Fatalf("restore reply %+v summary %+v", td, td.RestoreSummary)
	}
	d := waitRestored(t, c, "Music2")
	if aws.ToInt64(d.ItemCount) != 50 || d.BillingModeSummary == nil || d.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
		t.Fatalf("restored table %+v", d)
	}
	after := scanAll(t, c, "Music2")
	if len(after) != len(before) {
		t.Fatalf("restored %d items, backed up %d", len(after), len(before))
	}
	for k, it := range before {
		got, ok := after[k]
		if !ok || fmt.Sprint(got["Plays"]) != fmt.Sprint(it["Plays"]) {
			t.Fatalf("item %s: %v, want %v", k, got, it)
		}
	}

	// Restoring onto an existing table, from a missing backup.
	_, err = c.RestoreTableFromBackup(ctx, &ddb.RestoreTableFromBackupInput{TargetTableName: aws.String("Music"), BackupArn: aws.String(arn)})
	apiErr(t, err, "TableAlreadyExistsException", "Table already exists: Music")
	missing := "arn:aws:dynamodb:us-east-1:000000000000:table/Music/backup/01700000000000-deadbeef"
	_, err = c.RestoreTableFromBackup(ctx, &ddb.RestoreTableFromBackupInput{TargetTableName: aws.String("Music3"), BackupArn: aws.String(missing)})
	apiErr(t, err, "BackupNotFoundException", "Backup not found: "+missing)
	_, err = c.DescribeBackup(ctx, &ddb.DescribeBackupInput{BackupArn: aws.String(missing)})
	apiErr(t, err, "BackupNotFoundException", "Backup not found: "+missing)

	del, err := c.DeleteBackup(ctx, &ddb.DeleteBackupInput{BackupArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if del.BackupDescription.BackupDetails.BackupStatus != types.BackupStatusDeleted || aws.ToString(del.BackupDescription.BackupDetails.BackupArn) != arn {
		t.Fatalf("delete reply %+v", del.BackupDescription.BackupDetails)
	}
	_, err = c.DeleteBackup(ctx, &ddb.DeleteBackupInput{BackupArn: aws.String(arn)})
	apiErr(t, err, "BackupNotFoundException", "Backup not found: "+arn)
	_, err = c.DescribeBackup(ctx, &ddb.DescribeBackupInput{BackupArn: aws.String(arn)})
	apiErr(t, err, "BackupNotFoundException", "Backup not found: "+arn)
}

func TestSDKBackupErrors(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	_, err := c.CreateBackup(ctx, &ddb.CreateBackupInput{TableName: aws.String("Nope"), BackupName: aws.String("bk1")})
	apiErr(t, err, "TableNotFoundException", "Table not found: Nope")
	createMusic(t, c)
	_, err = c.CreateBackup(ctx, &ddb.CreateBackupInput{TableName: aws.String("Music"), BackupName: aws.String("b!")})
	apiErr(t, err, "ValidationException", "2 validation errors detected: "+
		"Value 'b!' at 'backupName' failed to satisfy constraint: Member must have length greater than or equal to 3; "+
		"Value 'b!' at 'backupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
	_, err = c.DescribeBackup(ctx, &ddb.DescribeBackupInput{BackupArn: aws.String("arn:short")})
	apiErr(t, err, "ValidationException", "1 validation error detected: Value 'arn:short' at 'backupArn' failed to satisfy constraint: Member must have length greater than or equal to 37")
	_, err = c.ListBackups(ctx, &ddb.ListBackupsInput{Limit: aws.Int32(101)})
	apiErr(t, err, "ValidationException", "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100")
	_, err = c.ListBackups(ctx, &ddb.ListBackupsInput{BackupType: "OTHER"})
	apiErr(t, err, "ValidationException", "")
}

func TestSDKListBackups(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createMusic(t, c)
	_, err := c.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:            aws.String("Other"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("Artist"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("Artist"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	var arns []string
	var times []time.Time
	for i := range 5 {
		table := "Music"
		if i == 2 {
			table = "Other"
		}
		out, err := c.CreateBackup(ctx, &ddb.CreateBackupInput{TableName: aws.String(table), BackupName: aws.String("b" + strconv.Itoa(i) + "x")})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, aws.ToString(out.BackupDetails.BackupArn))
		times = append(times, *out.BackupDetails.BackupCreationDateTime)
		// Distinct creation milliseconds, so that the time range below
		// separates them.
		for time.Since(times[i]) < 2*time.Millisecond {
			time.Sleep(time.Millisecond)
		}
	}
	list := func(in *ddb.ListBackupsInput) ([]string, string) {
		t.Helper()
		out, err := c.ListBackups(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, b := range out.BackupSummaries {
			if b.BackupType != types.BackupTypeUser || b.TableArn == nil || b.TableId == nil || b.BackupName == nil {
				t.Fatalf("summary %+v", b)
			}
			got = append(got, aws.ToString(b.BackupArn))
		}
		return got, aws.ToString(out.LastEvaluatedBackupArn)
	}
	same := func(got []string, want ...string) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("listed %v\nwant %v", got, want)
		}
	}
	got, last := list(&ddb.ListBackupsInput{})
	same(got, arns...)
	if last != "" {
		t.Fatalf("last evaluated %q", last)
	}
	got, _ = list(&ddb.ListBackupsInput{TableName: aws.String("Music")})
	same(got, arns[0], arns[1], arns[3], arns[4])
	got, _ = list(&ddb.ListBackupsInput{BackupType: types.BackupTypeFilterSystem})
	same(got)
	got, _ = list(&ddb.ListBackupsInput{BackupType: types.BackupTypeFilterAll, TableName: aws.String("Other")})
	same(got, arns[2])
	got, _ = list(&ddb.ListBackupsInput{TimeRangeLowerBound: aws.Time(times[1]), TimeRangeUpperBound: aws.Time(times[3])})
	same(got, arns[1], arns[2])

	// Paging, two at a time.
	var all []string
	var start *string
	for range 10 {
		got, last := list(&ddb.ListBackupsInput{Limit: aws.Int32(2), ExclusiveStartBackupArn: start})
		all = append(all, got...)
		if last == "" {
			break
		}
		start = aws.String(last)
	}
	same(all, arns...)
}

func TestSDKRestoreOverrides(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	_, err := c.CreateTable(ctx, &ddb.CreateTableInput{
		TableName: aws.String("Music"),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("Artist"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("Song"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("Genre"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("Artist"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("Song"), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:             aws.String("ByGenre"),
			KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("Genre"), KeyType: types.KeyTypeHash}},
			Projection:            &types.Projection{ProjectionType: types.ProjectionTypeAll},
			ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(3), WriteCapacityUnits: aws.Int64(4)},
		}},
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(6)},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		putSong(t, c, "Music", "a"+strconv.Itoa(i%4), "s"+strconv.Itoa(i), i)
	}
	cb, err := c.CreateBackup(ctx, &ddb.CreateBackupInput{TableName: aws.String("Music"), BackupName: aws.String("withIndex")})
	if err != nil {
		t.Fatal(err)
	}
	arn := cb.BackupDetails.BackupArn
	desc := waitBackup(t, c, *arn)
	if f := desc.SourceTableFeatureDetails; f == nil || len(f.GlobalSecondaryIndexes) != 1 || aws.ToString(f.GlobalSecondaryIndexes[0].IndexName) != "ByGenre" ||
		aws.ToInt64(f.GlobalSecondaryIndexes[0].ProvisionedThroughput.ReadCapacityUnits) != 3 {
		t.Fatalf("feature details %+v", desc.SourceTableFeatureDetails)
	}
	if d := desc.SourceTableDetails; d.BillingMode != types.BillingModeProvisioned || aws.ToInt64(d.ProvisionedThroughput.WriteCapacityUnits) != 6 {
		t.Fatalf("source details %+v", d)
	}

	// As backed up: the index comes back, filled.
	if _, err := c.RestoreTableFromBackup(ctx, &ddb.RestoreTableFromBackupInput{TargetTableName: aws.String("Same"), BackupArn: arn}); err != nil {
		t.Fatal(err)
	}
	d := waitRestored(t, c, "Same")
	if len(d.GlobalSecondaryIndexes) != 1 || aws.ToInt64(d.ProvisionedThroughput.ReadCapacityUnits) != 5 {
		t.Fatalf("restored %+v", d)
	}
	q, err := c.Query(ctx, &ddb.QueryInput{TableName: aws.String("Same"), IndexName: aws.String("ByGenre"),
		KeyConditionExpression: aws.String("Genre = :g"), ExpressionAttributeValues: map[string]types.AttributeValue{":g": s("g1")}})
	if err != nil || q.Count != 10 {
		t.Fatalf("query of the restored index: %d items, %v", q.Count, err)
	}

	// Overridden: no indexes, on demand, encrypted.
	_, err = c.RestoreTableFromBackup(ctx, &ddb.RestoreTableFromBackupInput{TargetTableName: aws.String("Bare"), BackupArn: arn,
		GlobalSecondaryIndexOverride: []types.GlobalSecondaryIndex{}, BillingModeOverride: types.BillingModePayPerRequest,
		SSESpecificationOverride: &types.SSESpecification{Enabled: aws.Bool(true), SSEType: types.SSETypeKms}})
	if err != nil {
		t.Fatal(err)
	}
	d = waitRestored(t, c, "Bare")
	if len(d.GlobalSecondaryIndexes) != 0 || d.BillingModeSummary == nil || d.BillingModeSummary.BillingMode != types.BillingModePayPerRequest ||
		d.SSEDescription == nil || d.SSEDescription.Status != types.SSEStatusEnabled || aws.ToInt64(d.ItemCount) != 30 || len(d.AttributeDefinitions) != 2 {
		t.Fatalf("restored with overrides %+v", d)
	}

	// Other throughput; an index override naming an attribute the backup
	// does not define is CreateTable's error.
	_, err = c.RestoreTableFromBackup(ctx, &ddb.RestoreTableFromBackupInput{TargetTableName: aws.String("Faster"), BackupArn: arn,
		ProvisionedThroughputOverride: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(50), WriteCapacityUnits: aws.Int64(60)}})
	if err != nil {
		t.Fatal(err)
	}
	if d = waitRestored(t, c, "Faster"); aws.ToInt64(d.ProvisionedThroughput.WriteCapacityUnits) != 60 {
		t.Fatalf("throughput %+v", d.ProvisionedThroughput)
	}
	_, err = c.RestoreTableFromBackup(ctx, &ddb.RestoreTableFromBackupInput{TargetTableName: aws.String("Bad"), BackupArn: arn,
		GlobalSecondaryIndexOverride: []types.GlobalSecondaryIndex{{IndexName: aws.String("ByYear"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("Year"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}, ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}}}})
	apiErr(t, err, "ValidationException", "")
	if _, err := c.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("Bad")}); err == nil {
		t.Fatal("a refused restore left a table")
	}
}

// TestSDKBackupInUse holds a backup in CREATING (its catalog's log sync
// waits on a gate): it cannot be deleted or restored until it is
// AVAILABLE.
func TestSDKBackupInUse(t *testing.T) {
	gate := make(chan struct{})
	cat, err := backup.Open(backup.Options{Sync: func() error { <-gate; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	h := dynamodb.NewHandler(shard.New(nil), dynamodb.Options{Backups: cat})
	defer func() {
		h.CloseBackups()
		h.Close()
	}()
	c := ddb.New(ddb.Options{Region: "us-east-1", BaseEndpoint: aws.String(serveHandler(t, h)), Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), Retryer: retryClosedConn()})
	ctx := context.Background()
	createMusic(t, c)
	out, err := c.CreateBackup(ctx, &ddb.CreateBackupInput{TableName: aws.String("Music"), BackupName: aws.String("held")})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.BackupDetails.BackupArn
	if out.BackupDetails.BackupStatus != types.BackupStatusCreating {
		t.Fatalf("status %s", out.BackupDetails.BackupStatus)
	}
	_, err = c.DeleteBackup(ctx, &ddb.DeleteBackupInput{BackupArn: arn})
	apiErr(t, err, "BackupInUseException", "")
	_, err = c.RestoreTableFromBackup(ctx, &ddb.RestoreTableFromBackupInput{TargetTableName: aws.String("Copy"), BackupArn: arn})
	apiErr(t, err, "BackupInUseException", "")
	lb, err := c.ListBackups(ctx, &ddb.ListBackupsInput{})
	if err != nil || len(lb.BackupSummaries) != 1 || lb.BackupSummaries[0].BackupStatus != types.BackupStatusCreating {
		t.Fatalf("list while creating: %+v %v", lb, err)
	}
	close(gate)
	waitBackup(t, c, *arn)
	if _, err := c.DeleteBackup(ctx, &ddb.DeleteBackupInput{BackupArn: arn}); err != nil {
		t.Fatal(err)
	}
}

// TestSDKBackupUnderTransactions takes backups while transactions move
// value between accounts whose sum is constant: every backup, restored,
// must hold exactly that sum, so it is the table at one instant.
func TestSDKBackupUnderTransactions(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	_, err := c.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:            aws.String("Bank"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("Id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("Id"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	const accounts, each = 64, 1000
	for i := range accounts {
		_, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("Bank"), Item: map[string]types.AttributeValue{
			"Id": s("acct" + strconv.Itoa(i)), "Balance": n(strconv.Itoa(each))}})
		if err != nil {
			t.Fatal(err)
		}
	}
	var stop atomic.Bool
	var moved atomic.Int64
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewSource(int64(w)))
			for i := 0; i < 100000 && !stop.Load(); i++ {
				a, b := r.Intn(accounts), r.Intn(accounts)
				if a == b {
					continue
				}
				amt := strconv.Itoa(1 + r.Intn(50))
				upd := func(id int, expr string) types.TransactWriteItem {
					return types.TransactWriteItem{Update: &types.Update{TableName: aws.String("Bank"),
						Key: map[string]types.AttributeValue{"Id": s("acct" + strconv.Itoa(id))}, UpdateExpression: aws.String(expr),
						ExpressionAttributeValues: map[string]types.AttributeValue{":v": n(amt)}}}
				}
				_, err := c.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					upd(a, "SET Balance = Balance - :v"), upd(b, "SET Balance = Balance + :v")}})
				if err == nil {
					moved.Add(1)
				}
			}
		}()
	}
	var arns []string
	for i := range 4 {
		before := moved.Load()
		for moved.Load() < before+20 && !stop.Load() { // some transfers between backups
			time.Sleep(time.Millisecond)
		}
		out, err := c.CreateBackup(ctx, &ddb.CreateBackupInput{TableName: aws.String("Bank"), BackupName: aws.String("bank" + strconv.Itoa(i))})
		if err != nil {
			stop.Store(true)
			t.Fatal(err)
		}
		arns = append(arns, aws.ToString(out.BackupDetails.BackupArn))
	}
	stop.Store(true)
	wg.Wait()
	if moved.Load() == 0 {
		t.Fatal("no transfer ran")
	}
	for i, arn := range arns {
		waitBackup(t, c, arn)
		target := "Restored" + strconv.Itoa(i)
		if _, err := c.RestoreTableFromBackup(ctx, &ddb.RestoreTableFromBackupInput{TargetTableName: aws.String(target), BackupArn: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
		waitRestored(t, c, target)
		sum, count := 0, 0
		p := ddb.NewScanPaginator(c, &ddb.ScanInput{TableName: aws.String(target)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range page.Items {
				v, _ := strconv.Atoi(it["Balance"].(*types.AttributeValueMemberN).Value)
				sum += v
				count++
			}
		}
		if count != accounts || sum != accounts*each {
			t.Fatalf("backup %d restored %d accounts holding %d, want %d holding %d", i, count, sum, accounts, accounts*each)
		}
	}
}
