package server_test

import (
	"context"
	"os"
	"path/filepath"
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

// TestBackupsSurviveRestart: a backup taken on a server with a data
// directory is a file in DIR/backups, listed and restorable after a
// restart; a restore cut short by a shutdown is resumed at the next
// start and ends with every item.
func TestBackupsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	srv := &dirServer{t: t, dir: dir}
	srv.start()
	t.Cleanup(srv.stop)
	ctx := context.Background()
	db := srv.client()
	_, err := db.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:            aws.String("Src"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	const items = 3000
	for start := 0; start < items; start += 25 {
		var reqs []types.WriteRequest
		for i := start; i < start+25; i++ {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
				"id": &types.AttributeValueMemberS{Value: "k" + strconv.Itoa(i)}, "n": &types.AttributeValueMemberN{Value: strconv.Itoa(i)}}}})
		}
		if _, err := db.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"Src": reqs}}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := db.CreateBackup(ctx, &ddb.CreateBackupInput{TableName: aws.String("Src"), BackupName: aws.String("kept")})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.BackupDetails.BackupArn)
	// Stopping waits for the backup to be written.
	srv.stop()
	id := arn[len(arn)-len("01700000000000-deadbeef"):]
	if _, err := os.Stat(filepath.Join(dir, "backups", id+".dcb")); err != nil {
		t.Fatal(err)
	}

	srv.start()
	db = srv.client()
	lb, err := db.ListBackups(ctx, &ddb.ListBackupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(lb.BackupSummaries) != 1 || aws.ToString(lb.BackupSummaries[0].BackupArn) != arn ||
		lb.BackupSummaries[0].BackupStatus != types.BackupStatusAvailable {
		t.Fatalf("after restart: %+v", lb.BackupSummaries)
	}
	desc, err := db.DescribeBackup(ctx, &ddb.DescribeBackupInput{BackupArn: aws.String(arn)})
	if err != nil || aws.ToInt64(desc.BackupDescription.SourceTableDetails.ItemCount) != items {
		t.Fatalf("describe after restart: %+v %v", desc, err)
	}
	// Restore, and stop at once: the restore may be cut short; it
	// resumes at the next start.
	if _, err := db.RestoreTableFromBackup(ctx, &ddb.RestoreTableFromBackupInput{TargetTableName: aws.String("Dst"), BackupArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	srv.stop()
	srv.start()
	db = srv.client()
	deadline := time.Now().Add(60 * time.Second)
	for first := true; ; first = false {
		d, err := db.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("Dst")})
		if err != nil {
			t.Fatal(err)
		}
		if first {
			t.Logf("after the restart the restored table is %s with %d items", d.Table.TableStatus, aws.ToInt64(d.Table.ItemCount))
		}
		if d.Table.TableStatus == types.TableStatusActive {
			if aws.ToInt64(d.Table.ItemCount) != items || d.Table.RestoreSummary == nil || aws.ToString(d.Table.RestoreSummary.SourceBackupArn) != arn {
				t.Fatalf("restored table %+v", d.Table)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("restore did not finish after the restart")
		}
		time.Sleep(5 * time.Millisecond)
	}
	sum := 0
	p := ddb.NewScanPaginator(db, &ddb.ScanInput{TableName: aws.String("Dst")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			v, _ := strconv.Atoi(it["n"].(*types.AttributeValueMemberN).Value)
			sum += v
		}
	}
	if sum != items*(items-1)/2 {
		t.Fatalf("restored values sum to %d", sum)
	}
	if _, err := db.DeleteBackup(ctx, &ddb.DeleteBackupInput{BackupArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "backups", id+".dcb")); !os.IsNotExist(err) {
		t.Fatalf("file after DeleteBackup: %v", err)
	}
}

// TestBackupFilesUnderTransactions: backups written to DIR/backups while
// transactions move value between accounts, restored after a restart,
// each hold exactly the total: the file holds the table at one instant.
func TestBackupFilesUnderTransactions(t *testing.T) {
	srv := &dirServer{t: t, dir: t.TempDir()}
	srv.start()
	t.Cleanup(srv.stop)
	ctx := context.Background()
	db := srv.client()
	_, err := db.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:            aws.String("Bank"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	const accounts, each = 32, 1000
	for i := range accounts {
		if _, err := db.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("Bank"), Item: map[string]types.AttributeValue{
			"id": &types.AttributeValueMemberS{Value: "a" + strconv.Itoa(i)}, "bal": &types.AttributeValueMemberN{Value: strconv.Itoa(each)}}}); err != nil {
			t.Fatal(err)
		}
	}
	var stop atomic.Bool
	var moved atomic.Int64
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100000 && !stop.Load(); i++ {
				a, b := (i*7+w)%accounts, (i*13+w+1)%accounts
				if a == b {
					continue
				}
				upd := func(id int, expr string) types.TransactWriteItem {
					return types.TransactWriteItem{Update: &types.Update{TableName: aws.String("Bank"),
						Key:              map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "a" + strconv.Itoa(id)}},
						UpdateExpression: aws.String(expr), ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: "3"}}}}
				}
				if _, err := db.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					upd(a, "SET bal = bal - :v"), upd(b, "SET bal = bal + :v")}}); err == nil {
					moved.Add(1)
				}
			}
		}()
	}
	var arns []string
	for i := range 3 {
		before := moved.Load()
		for deadline := time.Now().Add(10 * time.Second); moved.Load() < before+20 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		out, err := db.CreateBackup(ctx, &ddb.CreateBackupInput{TableName: aws.String("Bank"), BackupName: aws.String("bank" + strconv.Itoa(i))})
		if err != nil {
			stop.Store(true)
			t.Fatal(err)
		}
		arns = append(arns, aws.ToString(out.BackupDetails.BackupArn))
	}
	stop.Store(true)
	wg.Wait()
	srv.stop()
	srv.start()
	db = srv.client()
	for i, arn := range arns {
		target := "Restored" + strconv.Itoa(i)
		if _, err := db.RestoreTableFromBackup(ctx, &ddb.RestoreTableFromBackupInput{TargetTableName: aws.String(target), BackupArn: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
		srv.srv.Handler().WaitRestores()
		out, err := db.Scan(ctx, &ddb.ScanInput{TableName: aws.String(target)})
		if err != nil {
			t.Fatal(err)
		}
		sum := 0
		for _, it := range out.Items {
			v, _ := strconv.Atoi(it["bal"].(*types.AttributeValueMemberN).Value)
			sum += v
		}
		if len(out.Items) != accounts || sum != accounts*each {
			t.Fatalf("backup %d restored %d accounts holding %d", i, len(out.Items), sum)
		}
	}
	t.Logf("%d transfers ran while 3 backups were taken", moved.Load())
}

// TestExportsImportsSurviveRestart: exports to DIR/exports and imports
// from it are described the same after a restart.
func TestExportsImportsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	srv := &dirServer{t: t, dir: dir}
	srv.start()
	t.Cleanup(srv.stop)
	ctx := context.Background()
	db := srv.client()
	params := &types.TableCreationParameters{
		TableName:            aws.String("Src"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	}
	if _, err := db.CreateTable(ctx, &ddb.CreateTableInput{TableName: params.TableName, AttributeDefinitions: params.AttributeDefinitions,
		KeySchema: params.KeySchema, BillingMode: params.BillingMode}); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if _, err := db.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("Src"), Item: map[string]types.AttributeValue{
			"id": &types.AttributeValueMemberS{Value: "k" + strconv.Itoa(i)}}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.UpdateContinuousBackups(ctx, &ddb.UpdateContinuousBackupsInput{TableName: aws.String("Src"),
		PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	ex, err := db.ExportTableToPointInTime(ctx, &ddb.ExportTableToPointInTimeInput{TableArn: aws.String("arn:aws:dynamodb:us-east-1:000000000000:table/Src"),
		S3Bucket: aws.String("bucket"), S3Prefix: aws.String("p")})
	if err != nil {
		t.Fatal(err)
	}
	earn := ex.ExportDescription.ExportArn
	srv.stop() // waits for the export
	srv.start()
	db = srv.client()
	d, err := db.DescribeExport(ctx, &ddb.DescribeExportInput{ExportArn: earn})
	if err != nil || d.ExportDescription.ExportStatus != types.ExportStatusCompleted || aws.ToInt64(d.ExportDescription.ItemCount) != 10 {
		t.Fatalf("export after restart: %+v %v", d, err)
	}
	manifest := aws.ToString(d.ExportDescription.ExportManifest)
	if _, err := os.Stat(filepath.Join(dir, "exports", "bucket", filepath.FromSlash(manifest))); err != nil {
		t.Fatal(err)
	}
	params.TableName = aws.String("Copy")
	im, err := db.ImportTable(ctx, &ddb.ImportTableInput{InputFormat: types.InputFormatDynamodbJson, InputCompressionType: types.InputCompressionTypeGzip,
		S3BucketSource:          &types.S3BucketSource{S3Bucket: aws.String("bucket"), S3KeyPrefix: aws.String(strings.TrimSuffix(manifest, "manifest-summary.json") + "data/")},
		TableCreationParameters: params})
	if err != nil {
		t.Fatal(err)
	}
	iarn := im.ImportTableDescription.ImportArn
	for deadline := time.Now().Add(30 * time.Second); ; {
		out, err := db.DescribeImport(ctx, &ddb.DescribeImportInput{ImportArn: iarn})
		if err != nil {
			t.Fatal(err)
		}
		if out.ImportTableDescription.ImportStatus == types.ImportStatusCompleted {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("import %+v", out.ImportTableDescription)
		}
		time.Sleep(5 * time.Millisecond)
	}
	srv.stop()
	srv.start()
	db = srv.client()
	li, err := db.ListImports(ctx, &ddb.ListImportsInput{})
	if err != nil || len(li.ImportSummaryList) != 1 || li.ImportSummaryList[0].ImportStatus != types.ImportStatusCompleted {
		t.Fatalf("imports after restart: %+v %v", li, err)
	}
	di, err := db.DescribeImport(ctx, &ddb.DescribeImportInput{ImportArn: iarn})
	if err != nil || di.ImportTableDescription.ImportedItemCount != 10 || di.ImportTableDescription.TableCreationParameters == nil ||
		aws.ToString(di.ImportTableDescription.TableCreationParameters.TableName) != "Copy" {
		t.Fatalf("import after restart: %+v %v", di, err)
	}
	if out, err := db.Scan(ctx, &ddb.ScanInput{TableName: aws.String("Copy")}); err != nil || out.Count != 10 {
		t.Fatalf("imported table: %v %v", out, err)
	}
}
