package dynamodb

import (
	"strings"
	"testing"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

var backupOps = []string{"CreateBackup", "DescribeBackup", "DeleteBackup", "ListBackups", "RestoreTableFromBackup", "RestoreTableToPointInTime",
	"ExportTableToPointInTime", "DescribeExport", "ListExports", "ImportTable", "DescribeImport", "ListImports"}

// FuzzBackupRequests decodes arbitrary bodies as the backup, export and
// import operations, and arbitrary lines as import data: an error or a
// value, never a panic.
func FuzzBackupRequests(f *testing.F) {
	for i, s := range []string{
		`{"TableName":"Music","BackupName":"b1x"}`,
		`{"BackupArn":"arn:aws:dynamodb:us-east-1:000000000000:table/Music/backup/01700000000000-deadbeef"}`,
		`{"TableName":"Music","Limit":2,"TimeRangeLowerBound":1.7e9,"TimeRangeUpperBound":"1800000000","BackupType":"ALL"}`,
		`{"TargetTableName":"T2","BackupArn":"arn:aws:dynamodb:us-east-1:000000000000:table/Music/backup/01700000000000-deadbeef","GlobalSecondaryIndexOverride":[],"BillingModeOverride":"PAY_PER_REQUEST","SSESpecificationOverride":{"Enabled":true}}`,
		`{"TableArn":"arn:aws:dynamodb:us-east-1:000000000000:table/Music","S3Bucket":"b","S3Prefix":"p/q","ExportTime":1.7e9}`,
		`{"InputFormat":"DYNAMODB_JSON","S3BucketSource":{"S3Bucket":"b"},"TableCreationParameters":{"TableName":"abc","AttributeDefinitions":[{"AttributeName":"a","AttributeType":"S"}],"KeySchema":[{"AttributeName":"a","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}}`,
		`{"Item":{"a":{"S":"x"},"n":{"N":"1"}}}`,
		`{"SourceTableArn":"arn:aws:dynamodb:us-east-1:000000000000:table/Music","TargetTableName":"T2","RestoreDateTime":1.7e9,"GlobalSecondaryIndexOverride":[]}`,
		`{"TableArn":"arn:aws:dynamodb:us-east-1:000000000000:table/Music","S3Bucket":"b","ExportType":"INCREMENTAL_EXPORT","IncrementalExportSpecification":{"ExportFromTime":1.7e9,"ExportToTime":"1700000900","ExportViewType":"NEW_IMAGE"}}`,
	} {
		f.Add(byte(i), []byte(s))
	}
	h := NewHandler(shard.New(nil), Options{})
	defer h.Close()
	schema := shard.KeySchema{HashName: "a", HashType: attr.S}
	f.Fuzz(func(t *testing.T, op byte, body []byte) {
		h.decode(backupOps[int(op)%len(backupOps)], body)
		importLine(body, schema)
	})
}

// TestBackupRequestValidation: the messages of requests an SDK would not
// send (it checks required members itself).
func TestBackupRequestValidation(t *testing.T) {
	h := NewHandler(shard.New(nil), Options{})
	defer h.Close()
	for _, tc := range []struct{ op, body, typ, msg string }{
		{"CreateBackup", `{"TableName":"Music"}`, "ValidationException",
			"1 validation error detected: Value null at 'backupName' failed to satisfy constraint: Member must not be null"},
		{"DescribeBackup", `{}`, "ValidationException",
			"1 validation error detected: Value null at 'backupArn' failed to satisfy constraint: Member must not be null"},
		{"ListBackups", `{"TimeRangeLowerBound":true}`, "SerializationException", "TRUE_VALUE cannot be converted to Timestamp"},
		{"RestoreTableFromBackup", `{"BackupArn":"arn:aws:dynamodb:us-east-1:000000000000:table/Music/backup/01700000000000-deadbeef"}`,
			"ValidationException", "The parameter 'TargetTableName' is required but was not present in the request"},
		{"ImportTable", `{"InputFormat":"DYNAMODB_JSON","S3BucketSource":{"S3Bucket":"b"}}`, "ValidationException",
			"1 validation error detected: Value null at 'tableCreationParameters' failed to satisfy constraint: Member must not be null"},
		{"ExportTableToPointInTime", `{"TableArn":"arn:aws:dynamodb:us-east-1:000000000000:table/Music","S3Bucket":"b"}`,
			"ValidationException", "dynacache: exports and imports need --export-dir, the directory S3 buckets are mapped onto"},
	} {
		_, e := h.Do(tc.op, []byte(tc.body))
		if e == nil || !strings.HasSuffix(e.Type, "#"+tc.typ) || e.Message != tc.msg {
			t.Errorf("%s %s: got %v, want %s: %s", tc.op, tc.body, e, tc.typ, tc.msg)
		}
	}
}
