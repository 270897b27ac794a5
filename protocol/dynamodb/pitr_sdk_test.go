package dynamodb_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// enablePITR turns point-in-time recovery on for table.
func enablePITR(t *testing.T, c *ddb.Client, table string) *types.PointInTimeRecoveryDescription {
	t.Helper()
	out, err := c.UpdateContinuousBackups(context.Background(), &ddb.UpdateContinuousBackupsInput{TableName: aws.String(table),
		PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)}})
	if err != nil {
		t.Fatal(err)
	}
	return out.ContinuousBackupsDescription.PointInTimeRecoveryDescription
}

// passMillisecond returns the current time in ms once the clock has moved
// past the moment of the call: a write made after it returns has a later
// time than the returned one.
func passMillisecond() int64 {
	now := time.Now().UnixMilli()
	for i := 0; time.Now().UnixMilli() <= now && i < 1000000; i++ {
	}
	return now
}

// TestSDKPointInTimeRestore records the table's items at several instants
// while puts, updates, deletes, batches and transactions go on, restores
// it to each instant and compares the restored table with the recorded
// items exactly; UseLatestRestorableTime restores the table as it is.
func TestSDKPointInTimeRestore(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createMusic(t, c)
	putSong(t, c, "Music", "before", "enable", 1)
	d := enablePITR(t, c, "Music")
	if d.PointInTimeRecoveryStatus != types.PointInTimeRecoveryStatusEnabled || d.EarliestRestorableDateTime == nil ||
		d.LatestRestorableDateTime == nil || d.LatestRestorableDateTime.Before(*d.EarliestRestorableDateTime) {
		t.Fatalf("enabled: %+v", d)
	}
	rng := rand.New(rand.NewSource(1))
	type point struct {
		ms    int64
		items map[string]map[string]types.AttributeValue
	}
	var points []point
	for round := 0; round < 6; round++ {
		for i := 0; i < 40; i++ {
			artist, song := "a"+strconv.Itoa(rng.Intn(5)), "s"+strconv.Itoa(rng.Intn(8))
			key := map[string]types.AttributeValue{"Artist": s(artist), "Song": s(song)}
			var err error
			switch rng.Intn(5) {
			case 0, 1:
				putSong(t, c, "Music", artist, song, rng.Intn(1000))
			case 2:
				_, err = c.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String("Music"), Key: key,
					UpdateExpression:          aws.String("ADD Plays :one SET Round = :r"),
					ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1"), ":r": n(strconv.Itoa(round))}})
			case 3:
				_, err = c.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: aws.String("Music"), Key: key})
			case 4:
				other := map[string]types.AttributeValue{"Artist": s("t" + artist), "Song": s(song), "Round": n(strconv.Itoa(round))}
				_, err = c.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					{Put: &types.Put{TableName: aws.String("Music"), Item: other}},
					{Delete: &types.Delete{TableName: aws.String("Music"), Key: key}},
				}})
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		points = append(points, point{ms: passMillisecond(), items: scanAll(t, c, "Music")})
	}
	for i, p := range points {
		target := fmt.Sprintf("Music_%d", i)
		out, err := c.RestoreTableToPointInTime(ctx, &ddb.RestoreTableToPointInTimeInput{SourceTableName: aws.String("Music"),
			TargetTableName: aws.String(target), RestoreDateTime: aws.Time(time.UnixMilli(p.ms))})
		if err != nil {
			t.Fatal(err)
		}
		rs := out.TableDescription.RestoreSummary
		if rs == nil || !aws.ToBool(rs.RestoreInProgress) || rs.RestoreDateTime == nil || rs.RestoreDateTime.UnixMilli() != p.ms ||
			!strings.HasSuffix(aws.ToString(rs.SourceTableArn), ":table/Music") || rs.SourceBackupArn != nil {
			t.Fatalf("restore summary %+v", rs)
		}
		waitRestored(t, c, target)
		if got := scanAll(t, c, target); !reflect.DeepEqual(got, p.items) {
			t.Fatalf("restored to point %d: %d items, recorded %d:\n got %v\nwant %v", i, len(got), len(p.items), got, p.items)
		}
	}
	if _, err := c.RestoreTableToPointInTime(ctx, &ddb.RestoreTableToPointInTimeInput{SourceTableName: aws.String("Music"),
		TargetTableName: aws.String("Music_latest"), UseLatestRestorableTime: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	waitRestored(t, c, "Music_latest")
	if got, want := scanAll(t, c, "Music_latest"), scanAll(t, c, "Music"); !reflect.DeepEqual(got, want) {
		t.Fatalf("latest: %d items, table %d", len(got), len(want))
	}
	// The window covers every point.
	dc, err := c.DescribeContinuousBackups(ctx, &ddb.DescribeContinuousBackupsInput{TableName: aws.String("Music")})
	if err != nil {
		t.Fatal(err)
	}
	pd := dc.ContinuousBackupsDescription.PointInTimeRecoveryDescription
	if pd.EarliestRestorableDateTime.UnixMilli() > points[0].ms || pd.LatestRestorableDateTime.UnixMilli() < points[len(points)-1].ms ||
		aws.ToInt32(pd.RecoveryPeriodInDays) != 35 {
		t.Fatalf("window %v..%v, points %d..%d", pd.EarliestRestorableDateTime, pd.LatestRestorableDateTime, points[0].ms, points[len(points)-1].ms)
	}
}

// TestSDKPointInTimeRestoreErrors: DynamoDB's errors and messages, and
// that none of them leaves a target table behind.
func TestSDKPointInTimeRestoreErrors(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	restore := func(in ddb.RestoreTableToPointInTimeInput) error {
		if in.TargetTableName == nil {
			in.TargetTableName = aws.String("Target")
		}
		_, err := c.RestoreTableToPointInTime(ctx, &in)
		return err
	}
	err := restore(ddb.RestoreTableToPointInTimeInput{SourceTableName: aws.String("Nope"), UseLatestRestorableTime: aws.Bool(true)})
	var nf *types.TableNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("missing source: %v", err)
	}
	apiErr(t, err, "TableNotFoundException", "Table not found: Nope")
	createMusic(t, c)
	putSong(t, c, "Music", "x", "y", 1)
	err = restore(ddb.RestoreTableToPointInTimeInput{SourceTableName: aws.String("Music"), UseLatestRestorableTime: aws.Bool(true)})
	var pu *types.PointInTimeRecoveryUnavailableException
	if !errors.As(err, &pu) {
		t.Fatalf("disabled: %v", err)
	}
	apiErr(t, err, "PointInTimeRecoveryUnavailableException", "Point in time recovery is not enabled for table 'Music'")
	d := enablePITR(t, c, "Music")
	err = restore(ddb.RestoreTableToPointInTimeInput{SourceTableName: aws.String("Music"), TargetTableName: aws.String("Music"), UseLatestRestorableTime: aws.Bool(true)})
	var ae *types.TableAlreadyExistsException
	if !errors.As(err, &ae) {
		t.Fatalf("existing target: %v", err)
	}
	apiErr(t, err, "TableAlreadyExistsException", "Table already exists: Music")
	before := d.EarliestRestorableDateTime.Add(-time.Second)
	err = restore(ddb.RestoreTableToPointInTimeInput{SourceTableName: aws.String("Music"), RestoreDateTime: aws.Time(before)})
	var it *types.InvalidRestoreTimeException
	if !errors.As(err, &it) || !strings.HasPrefix(it.ErrorMessage(), "RestoreDateTime "+before.UTC().Format("2006-01-02T15:04:05.000Z")+" must be within EarliestRestorableDateTime ") {
		t.Fatalf("before the window: %v", err)
	}
	err = restore(ddb.RestoreTableToPointInTimeInput{SourceTableName: aws.String("Music"), RestoreDateTime: aws.Time(time.Now().Add(time.Hour))})
	if !errors.As(err, &it) {
		t.Fatalf("in the future: %v", err)
	}
	for _, tc := range []struct {
		in  ddb.RestoreTableToPointInTimeInput
		msg string
	}{
		{ddb.RestoreTableToPointInTimeInput{UseLatestRestorableTime: aws.Bool(true)}, "The parameter 'TableName' is required"},
		{ddb.RestoreTableToPointInTimeInput{SourceTableName: aws.String("Music"), SourceTableArn: aws.String("arn:aws:dynamodb:us-east-1:000000000000:table/Music"),
			UseLatestRestorableTime: aws.Bool(true)}, "Must provide exactly one of: sourceTableArn, sourceTableName"},
		{ddb.RestoreTableToPointInTimeInput{SourceTableName: aws.String("Music")}, "Either one of RestoreDateTime or UseLatestRestorableTime must be specified"},
		{ddb.RestoreTableToPointInTimeInput{SourceTableName: aws.String("Music"), UseLatestRestorableTime: aws.Bool(false)},
			"Either one of RestoreDateTime or UseLatestRestorableTime must be specified"},
		{ddb.RestoreTableToPointInTimeInput{SourceTableName: aws.String("Music"), UseLatestRestorableTime: aws.Bool(true), RestoreDateTime: aws.Time(time.Now())},
			"Both RestoreDateTime and UseLatestRestorableTime cannot be set"},
		{ddb.RestoreTableToPointInTimeInput{SourceTableArn: aws.String("not-an-arn"), UseLatestRestorableTime: aws.Bool(true)}, "sourceTableArn is not a valid ARN"},
		{ddb.RestoreTableToPointInTimeInput{SourceTableArn: aws.String("arn:aws:dynamodb:us-east-1:111111111111:table/Music"), UseLatestRestorableTime: aws.Bool(true)},
			"This action is only supported by accounts that match the resource owner's account"},
		{ddb.RestoreTableToPointInTimeInput{SourceTableName: aws.String("Music"), UseLatestRestorableTime: aws.Bool(true), TargetTableName: aws.String("T!")},
			"2 validation errors detected: Value 'T!' at 'targetTableName' failed to satisfy constraint: Member must have length greater than or equal to 3; " +
				"Value 'T!' at 'targetTableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},
	} {
		apiErr(t, restore(tc.in), "ValidationException", tc.msg)
	}
	// By ARN, with overrides: the restored table takes them.
	if _, err := c.RestoreTableToPointInTime(ctx, &ddb.RestoreTableToPointInTimeInput{SourceTableArn: aws.String("arn:aws:dynamodb:us-east-1:000000000000:table/Music"),
		TargetTableName: aws.String("Prov"), UseLatestRestorableTime: aws.Bool(true), BillingModeOverride: types.BillingModeProvisioned,
		ProvisionedThroughputOverride: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(7), WriteCapacityUnits: aws.Int64(3)},
		SSESpecificationOverride:      &types.SSESpecification{Enabled: aws.Bool(true), SSEType: types.SSETypeKms}}); err != nil {
		t.Fatal(err)
	}
	td := waitRestored(t, c, "Prov")
	if (td.BillingModeSummary != nil && td.BillingModeSummary.BillingMode != types.BillingModeProvisioned) ||
		aws.ToInt64(td.ProvisionedThroughput.ReadCapacityUnits) != 7 || td.SSEDescription == nil || td.SSEDescription.Status != types.SSEStatusEnabled ||
		aws.ToInt64(td.ItemCount) != 1 {
		t.Fatalf("overrides: %+v", td)
	}
	// No failed request left a table.
	lt, err := c.ListTables(ctx, &ddb.ListTablesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(lt.TableNames, []string{"Music", "Prov"}) {
		t.Fatalf("tables %v", lt.TableNames)
	}
	// Disabling recovery drops the history: the table is unavailable
	// again, and enabling it anew starts a new window.
	if _, err := c.UpdateContinuousBackups(ctx, &ddb.UpdateContinuousBackupsInput{TableName: aws.String("Music"),
		PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(false)}}); err != nil {
		t.Fatal(err)
	}
	apiErr(t, restore(ddb.RestoreTableToPointInTimeInput{SourceTableName: aws.String("Music"), UseLatestRestorableTime: aws.Bool(true)}),
		"PointInTimeRecoveryUnavailableException", "Point in time recovery is not enabled for table 'Music'")
	disabled := passMillisecond()
	d2 := enablePITR(t, c, "Music")
	if d2.EarliestRestorableDateTime.UnixMilli() <= disabled {
		t.Fatalf("re-enabled window starts at %v, first at %v", d2.EarliestRestorableDateTime, d.EarliestRestorableDateTime)
	}
}

// plainItem is an item of S and N attributes as DynamoDB JSON decodes into
// Go values.
func plainItem(it map[string]types.AttributeValue) map[string]any {
	out := map[string]any{}
	for k, v := range it {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			out[k] = map[string]any{"S": v.Value}
		case *types.AttributeValueMemberN:
			out[k] = map[string]any{"N": v.Value}
		}
	}
	return out
}

// exportLines returns the data lines of a completed export, decoded.
func exportLines(t *testing.T, dir string, d *types.ExportDescription) []map[string]any {
	t.Helper()
	var summary struct {
		ManifestFilesS3Key string `json:"manifestFilesS3Key"`
		ExportType         string `json:"exportType"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "bkt", filepath.FromSlash(aws.ToString(d.ExportManifest))))
	if err != nil || json.Unmarshal(b, &summary) != nil || summary.ExportType != string(d.ExportType) {
		t.Fatalf("manifest-summary %s %v", b, err)
	}
	mf, err := os.ReadFile(filepath.Join(dir, "bkt", filepath.FromSlash(summary.ManifestFilesS3Key)))
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(string(mf)), "\n") {
		if l == "" {
			continue
		}
		var f struct{ DataFileS3Key string }
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
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Fatalf("data line %s: %v", sc.Text(), err)
			}
			out = append(out, m)
		}
		file.Close()
	}
	return out
}

// TestSDKExportPointInTime: a full export at a past ExportTime holds the
// table as it was then; an incremental export between two instants holds
// one line per item written between them, with its image before and after,
// in DynamoDB's incremental layout.
func TestSDKExportPointInTime(t *testing.T) {
	dir := t.TempDir()
	c := exportClient(t, dir)
	ctx := context.Background()
	createMusic(t, c)
	for i := range 20 {
		putSong(t, c, "Music", "a"+strconv.Itoa(i%3), "s"+strconv.Itoa(i), i)
	}
	enablePITR(t, c, "Music")
	t1 := passMillisecond()
	before := scanAll(t, c, "Music")
	for i := range 10 { // 10 updated, 10 deleted, then 5 new, and one new then deleted
		putSong(t, c, "Music", "a"+strconv.Itoa(i%3), "s"+strconv.Itoa(i), 100+i)
		if _, err := c.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: aws.String("Music"),
			Key: map[string]types.AttributeValue{"Artist": s("a" + strconv.Itoa((i+10)%3)), "Song": s("s" + strconv.Itoa(i+10))}}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		putSong(t, c, "Music", "new", "n"+strconv.Itoa(i), i)
	}
	putSong(t, c, "Music", "gone", "g", 1)
	if _, err := c.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: aws.String("Music"),
		Key: map[string]types.AttributeValue{"Artist": s("gone"), "Song": s("g")}}); err != nil {
		t.Fatal(err)
	}
	t2 := passMillisecond()
	after := scanAll(t, c, "Music")
	putSong(t, c, "Music", "later", "l", 1) // after t2: in neither export
	arn := aws.String("arn:aws:dynamodb:us-east-1:000000000000:table/Music")

	// Full, at t1.
	out, err := c.ExportTableToPointInTime(ctx, &ddb.ExportTableToPointInTimeInput{TableArn: arn, S3Bucket: aws.String("bkt"),
		S3Prefix: aws.String("full"), ExportTime: aws.Time(time.UnixMilli(t1))})
	if err != nil {
		t.Fatal(err)
	}
	d := waitExport(t, c, aws.ToString(out.ExportDescription.ExportArn))
	if d.ExportStatus != types.ExportStatusCompleted || d.ExportTime.UnixMilli() != t1 || d.ExportType != types.ExportTypeFullExport {
		t.Fatalf("full export %+v", d)
	}
	want := map[string]bool{}
	for _, it := range before {
		b, _ := json.Marshal(plainItem(it))
		want[string(b)] = true
	}
	lines := exportLines(t, dir, d)
	if len(lines) != len(before) {
		t.Fatalf("full export at t1: %d lines, %d items then", len(lines), len(before))
	}
	for _, l := range lines {
		b, _ := json.Marshal(l["Item"])
		if !want[string(b)] {
			t.Fatalf("full export at t1: %s was not in the table then", b)
		}
	}

	// Incremental, (t1, t2]: writes at t1+1 up to t2.
	out, err = c.ExportTableToPointInTime(ctx, &ddb.ExportTableToPointInTimeInput{TableArn: arn, S3Bucket: aws.String("bkt"),
		S3Prefix: aws.String("inc"), ExportType: types.ExportTypeIncrementalExport,
		IncrementalExportSpecification: &types.IncrementalExportSpecification{ExportFromTime: aws.Time(time.UnixMilli(t1 + 1)),
			ExportToTime: aws.Time(time.UnixMilli(t2 + 1))}})
	if err != nil {
		t.Fatal(err)
	}
	d = waitExport(t, c, aws.ToString(out.ExportDescription.ExportArn))
	if d.ExportStatus != types.ExportStatusCompleted || d.ExportType != types.ExportTypeIncrementalExport || d.IncrementalExportSpecification == nil ||
		d.IncrementalExportSpecification.ExportViewType != types.ExportViewTypeNewAndOldImages {
		t.Fatalf("incremental export %+v", d)
	}
	lines = exportLines(t, dir, d)
	seen := map[string]bool{}
	for _, l := range lines {
		keys := l["Keys"].(map[string]any)
		k := keys["Artist"].(map[string]any)["S"].(string) + "/" + keys["Song"].(map[string]any)["S"].(string)
		if seen[k] || len(keys) != 2 {
			t.Fatalf("line %v", l)
		}
		seen[k] = true
		us, _ := strconv.ParseInt(l["Metadata"].(map[string]any)["WriteTimestampMicros"].(map[string]any)["N"].(string), 10, 64)
		if us <= t1*1000 || us > t2*1000 {
			t.Fatalf("%s written at %d µs, outside (%d, %d] ms", k, us, t1, t2)
		}
		for _, img := range []struct {
			name string
			item map[string]types.AttributeValue
		}{{"NewImage", after[k]}, {"OldImage", before[k]}} {
			got, has := l[img.name]
			if (img.item != nil) != has || (has && !reflect.DeepEqual(got, plainItem(img.item))) {
				t.Fatalf("%s %s: %v, want %v", k, img.name, got, img.item)
			}
		}
	}
	// Every key whose image changed, and no other.
	changed := 0
	for k := range before {
		if !reflect.DeepEqual(before[k], after[k]) {
			changed++
		}
	}
	for k := range after {
		if before[k] == nil {
			changed++
		}
	}
	if len(seen) != changed || seen["gone/g"] || seen["later/l"] {
		t.Fatalf("incremental export: %d keys, %d changed: %v", len(seen), changed, seen)
	}

	// Errors.
	_, err = c.ExportTableToPointInTime(ctx, &ddb.ExportTableToPointInTimeInput{TableArn: arn, S3Bucket: aws.String("bkt"),
		ExportType: types.ExportTypeIncrementalExport})
	apiErr(t, err, "ValidationException", "IncrementalExportSpecification.ExportFromTime is required for ExportType INCREMENTAL_EXPORT")
	_, err = c.ExportTableToPointInTime(ctx, &ddb.ExportTableToPointInTimeInput{TableArn: arn, S3Bucket: aws.String("bkt"),
		ExportType: types.ExportTypeIncrementalExport, IncrementalExportSpecification: &types.IncrementalExportSpecification{
			ExportFromTime: aws.Time(time.UnixMilli(t2)), ExportToTime: aws.Time(time.UnixMilli(t1))}})
	apiErr(t, err, "InvalidExportTimeException", "ExportFromTime must be before ExportToTime")
	_, err = c.ExportTableToPointInTime(ctx, &ddb.ExportTableToPointInTimeInput{TableArn: arn, S3Bucket: aws.String("bkt"),
		ExportType: types.ExportTypeIncrementalExport, IncrementalExportSpecification: &types.IncrementalExportSpecification{
			ExportFromTime: aws.Time(time.UnixMilli(t1 - 3600_000))}})
	apiErr(t, err, "InvalidExportTimeException", "")
	_, err = c.ExportTableToPointInTime(ctx, &ddb.ExportTableToPointInTimeInput{TableArn: arn, S3Bucket: aws.String("bkt"),
		ExportTime: aws.Time(time.Now().Add(time.Hour))})
	apiErr(t, err, "InvalidExportTimeException", "")
}
