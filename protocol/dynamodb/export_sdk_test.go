package dynamodb_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard"
)

// exportClient serves a handler whose S3 buckets are directories under
// dir.
func exportClient(t *testing.T, dir string) *ddb.Client {
	h := dynamodb.NewHandler(shard.New(nil), dynamodb.Options{ExportDir: dir})
	t.Cleanup(func() {
		h.CloseBackups()
		h.Close()
	})
	return ddb.New(ddb.Options{Region: "us-east-1", BaseEndpoint: aws.String(serveHandler(t, h)),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), Retryer: retryClosedConn()})
}

func waitExport(t *testing.T, c *ddb.Client, arn string) *types.ExportDescription {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := c.DescribeExport(context.Background(), &ddb.DescribeExportInput{ExportArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		if d := out.ExportDescription; d.ExportStatus != types.ExportStatusInProgress {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatal("export still in progress")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func waitImport(t *testing.T, c *ddb.Client, arn string) *types.ImportTableDescription {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := c.DescribeImport(context.Background(), &ddb.DescribeImportInput{ImportArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		if d := out.ImportTableDescription; d.ImportStatus != types.ImportStatusInProgress {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatal("import still in progress")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func musicParams(name string) *types.TableCreationParameters {
	return &types.TableCreationParameters{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("Artist"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("Song"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("Artist"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("Song"), KeyType: types.KeyTypeRange},
		},
		BillingMode: types.BillingModePayPerRequest,
	}
}

// TestSDKExportImport exports a table to a directory in DynamoDB's
// layout, checks the layout, imports it into a new table and compares.
func TestSDKExportImport(t *testing.T) {
	dir := t.TempDir()
	c := exportClient(t, dir)
	ctx := context.Background()
	createMusic(t, c)
	for i := range 40 {
		putSong(t, c, "Music", "a"+strconv.Itoa(i%3), "s"+strconv.Itoa(i), i)
	}
	arn := "arn:aws:dynamodb:us-east-1:000000000000:table/Music"
	_, err := c.ExportTableToPointInTime(ctx, &ddb.ExportTableToPointInTimeInput{TableArn: aws.String(arn), S3Bucket: aws.String("bkt")})
	apiErr(t, err, "PointInTimeRecoveryUnavailableException", "Point in time recovery is not enabled for table 'Music'")
	if _, err := c.UpdateContinuousBackups(ctx, &ddb.UpdateContinuousBackupsInput{TableName: aws.String("Music"),
		PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.ExportTableToPointInTime(ctx, &ddb.ExportTableToPointInTimeInput{TableArn: aws.String(arn), S3Bucket: aws.String("bkt"),
		ExportTime: aws.Time(time.Now().Add(-time.Hour))})
	apiErr(t, err, "InvalidExportTimeException", "")
	_, err = c.ExportTableToPointInTime(ctx, &ddb.ExportTableToPointInTimeInput{TableArn: aws.String(arn), S3Bucket: aws.String("bkt"), S3Prefix: aws.String("../up")})
	apiErr(t, err, "ValidationException", "")
	out, err := c.ExportTableToPointInTime(ctx, &ddb.ExportTableToPointInTimeInput{TableArn: aws.String(arn), S3Bucket: aws.String("bkt"),
		S3Prefix: aws.String("exports/music")})
	if err != nil {
		t.Fatal(err)
	}
	if out.ExportDescription.ExportStatus != types.ExportStatusInProgress || out.ExportDescription.ExportFormat != types.ExportFormatDynamodbJson {
		t.Fatalf("export reply %+v", out.ExportDescription)
	}
	d := waitExport(t, c, aws.ToString(out.ExportDescription.ExportArn))
	if d.ExportStatus != types.ExportStatusCompleted || aws.ToInt64(d.ItemCount) != 40 || !strings.HasSuffix(aws.ToString(d.ExportManifest), "/manifest-summary.json") {
		t.Fatalf("export %+v", d)
	}
	ls, err := c.ListExports(ctx, &ddb.ListExportsInput{TableArn: aws.String(arn)})
	if err != nil || len(ls.ExportSummaries) != 1 || ls.ExportSummaries[0].ExportStatus != types.ExportStatusCompleted {
		t.Fatalf("list exports %+v %v", ls, err)
	}

	// The layout: the manifest names the data files, which hold the items.
	var summary struct {
		ItemCount          int64  `json:"itemCount"`
		ManifestFilesS3Key string `json:"manifestFilesS3Key"`
		OutputFormat       string `json:"outputFormat"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "bkt", filepath.FromSlash(aws.ToString(d.ExportManifest))))
	if err != nil || json.Unmarshal(b, &summary) != nil || summary.ItemCount != 40 || summary.OutputFormat != "DYNAMODB_JSON" {
		t.Fatalf("manifest-summary %s %v", b, err)
	}
	mf, err := os.ReadFile(filepath.Join(dir, "bkt", filepath.FromSlash(summary.ManifestFilesS3Key)))
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	for _, l := range strings.Split(strings.TrimSpace(string(mf)), "\n") {
		var f struct {
			ItemCount     int64  `json:"itemCount"`
			DataFileS3Key string `json:"dataFileS3Key"`
		}
		json.Unmarshal([]byte(l), &f)
		file, err := os.Open(filepath.Join(dir, "bkt", filepath.FromSlash(f.DataFileS3Key)))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(file)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(zr)
		for sc.Scan() {
			if !strings.HasPrefix(sc.Text(), `{"Item":{`) {
				t.Fatalf("data line %s", sc.Text())
			}
			lines++
		}
		file.Close()
	}
	if lines != 40 {
		t.Fatalf("%d data lines", lines)
	}

	// Import the export's data files into a new table.
	dataPrefix := strings.TrimSuffix(aws.ToString(d.ExportManifest), "manifest-summary.json") + "data/"
	im, err := c.ImportTable(ctx, &ddb.ImportTableInput{InputFormat: types.InputFormatDynamodbJson, InputCompressionType: types.InputCompressionTypeGzip,
		S3BucketSource: &types.S3BucketSource{S3Bucket: aws.String("bkt"), S3KeyPrefix: aws.String(dataPrefix)}, TableCreationParameters: musicParams("Imported")})
	if err != nil {
		t.Fatal(err)
	}
	id := waitImport(t, c, aws.ToString(im.ImportTableDescription.ImportArn))
	if id.ImportStatus != types.ImportStatusCompleted || id.ImportedItemCount != 40 || id.ErrorCount != 0 {
		t.Fatalf("import %+v", id)
	}
	want, got := scanAll(t, c, "Music"), scanAll(t, c, "Imported")
	if len(got) != len(want) {
		t.Fatalf("imported %d items, exported %d", len(got), len(want))
	}
	for k, it := range want {
		if g, ok := got[k]; !ok || g["Plays"].(*types.AttributeValueMemberN).Value != it["Plays"].(*types.AttributeValueMemberN).Value {
			t.Fatalf("item %s: %v", k, g)
		}
	}
	li, err := c.ListImports(ctx, &ddb.ListImportsInput{})
	if err != nil || len(li.ImportSummaryList) != 1 {
		t.Fatalf("list imports %+v %v", li, err)
	}
	_, err = c.ImportTable(ctx, &ddb.ImportTableInput{InputFormat: types.InputFormatDynamodbJson,
		S3BucketSource: &types.S3BucketSource{S3Bucket: aws.String("bkt"), S3KeyPrefix: aws.String(dataPrefix)}, TableCreationParameters: musicParams("Imported")})
	apiErr(t, err, "ResourceInUseException", "Table already exists: Imported")
}

// TestSDKImportHandMade imports a file written by hand in DynamoDB's
// documented export format, uncompressed, with a line of another key
// schema and a line that is not JSON: both are counted as errors.
func TestSDKImportHandMade(t *testing.T) {
	dir := t.TempDir()
	c := exportClient(t, dir)
	ctx := context.Background()
	os.MkdirAll(filepath.Join(dir, "handmade", "in"), 0o755)
	data := `{"Item":{"Artist":{"S":"Acme"},"Song":{"S":"One"},"Plays":{"N":"3"},"Tags":{"SS":["a","b"]}}}
{"Item":{"Artist":{"S":"Acme"},"Song":{"S":"Two"},"M":{"M":{"x":{"L":[{"BOOL":true},{"NULL":true},{"B":"AAE="}]}}}}}

{"Item":{"Id":{"S":"wrong schema"}}}
not json
{"Item":{"Artist":{"S":"Other"},"Song":{"S":"Three"}}}
`
	os.WriteFile(filepath.Join(dir, "handmade", "in", "part-0.json"), []byte(data), 0o644)
	im, err := c.ImportTable(ctx, &ddb.ImportTableInput{InputFormat: types.InputFormatDynamodbJson, InputCompressionType: types.InputCompressionTypeNone,
		S3BucketSource: &types.S3BucketSource{S3Bucket: aws.String("handmade"), S3KeyPrefix: aws.String("in/")}, TableCreationParameters: musicParams("Hand")})
	if err != nil {
		t.Fatal(err)
	}
	d := waitImport(t, c, aws.ToString(im.ImportTableDescription.ImportArn))
	if d.ImportStatus != types.ImportStatusCompleted || d.ImportedItemCount != 3 || d.ErrorCount != 2 || d.ProcessedItemCount != 5 {
		t.Fatalf("import %+v", d)
	}
	got := scanAll(t, c, "Hand")
	if len(got) != 3 || got["Acme/One"]["Tags"] == nil || got["Acme/Two"]["M"] == nil {
		t.Fatalf("imported %v", got)
	}
	// Nothing under the prefix: the import fails, no table is made.
	im, err = c.ImportTable(ctx, &ddb.ImportTableInput{InputFormat: types.InputFormatDynamodbJson,
		S3BucketSource: &types.S3BucketSource{S3Bucket: aws.String("handmade"), S3KeyPrefix: aws.String("none/")}, TableCreationParameters: musicParams("Empty")})
	if err != nil || im.ImportTableDescription.ImportStatus != types.ImportStatusFailed {
		t.Fatalf("empty import %+v %v", im, err)
	}
	if _, err := c.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("Empty")}); err == nil {
		t.Fatal("a failed import made a table")
	}
	_, err = c.DescribeImport(ctx, &ddb.DescribeImportInput{ImportArn: aws.String("arn:aws:dynamodb:us-east-1:000000000000:table/Hand/import/01700000000000-00000000")})
	apiErr(t, err, "ImportNotFoundException", "")
}
