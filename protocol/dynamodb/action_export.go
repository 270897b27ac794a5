package dynamodb

import (
	"bufio"
	"compress/gzip"
	"crypto/md5"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// Export to "S3": ExportTableToPointInTime, DescribeExport, ListExports.
//
// An S3 bucket and prefix are a directory under Options.ExportDir
// (--export-dir): s3://<bucket>/<prefix>/ is ExportDir/<bucket>/<prefix>/.
// An export is written there in DynamoDB's layout and format:
//
//	<prefix>/AWSDynamoDB/<export id>/_started
//	<prefix>/AWSDynamoDB/<export id>/manifest-summary.json
//	<prefix>/AWSDynamoDB/<export id>/manifest-files.json   one JSON line per data file
//	<prefix>/AWSDynamoDB/<export id>/data/<name>.json.gz   {"Item":{...}} per line, DynamoDB JSON
//
// A full export is of the table at one instant: without ExportTime, the
// instant the request arrives (shard.Table.Freeze, as a backup); with an
// ExportTime in the recovery window, the table's point-in-time image then.
// An incremental export holds the items written in [ExportFromTime,
// ExportToTime), from the table's history (action_export_pitr.go). As
// DynamoDB, exports need point-in-time recovery enabled on the table. The
// ION format is not done. The list of exports is kept in memory (the files
// stay).

// exportItemsPerFile bounds the items of one data file.
const exportItemsPerFile = 100_000

type exportDescription struct {
	ExportArn       string  `json:"ExportArn"`
	ExportStatus    string  `json:"ExportStatus"`
	StartTime       float64 `json:"StartTime"`
	EndTime         float64 `json:"EndTime,omitempty"`
	ExportManifest  string  `json:"ExportManifest,omitempty"`
	TableArn        string  `json:"TableArn"`
	TableID         string  `json:"TableId"`
	ExportTime      float64 `json:"ExportTime,omitempty"`
	ClientToken     string  `json:"ClientToken,omitempty"`
	S3Bucket        string  `json:"S3Bucket"`
	S3BucketOwner   string  `json:"S3BucketOwner,omitempty"`
	S3Prefix        string  `json:"S3Prefix,omitempty"`
	S3SseAlgorithm  string  `json:"S3SseAlgorithm,omitempty"`
	S3SseKmsKeyID   string  `json:"S3SseKmsKeyId,omitempty"`
	FailureCode     string  `json:"FailureCode,omitempty"`
	FailureMessage  string  `json:"FailureMessage,omitempty"`
	ExportFormat    string  `json:"ExportFormat"`
	BilledSizeBytes int64   `json:"BilledSizeBytes"`
	ItemCount       int64   `json:"ItemCount"`
	ExportType      string  `json:"ExportType"`
	// Incremental is the IncrementalExportSpecification of an incremental
	// export (action_export_pitr.go).
	Incremental *incrementalExportSpec `json:"IncrementalExportSpecification,omitempty"`
}

// exportList is the exports of this process, oldest first.
type exportList struct {
	mu   sync.Mutex
	list []*exportDescription
	wg   sync.WaitGroup // exports being written
}

// ExportTableInput is a validated ExportTableToPointInTime request.
type ExportTableInput struct {
	TableArn, TableName      string
	ExportTime               float64 // NaN: now
	ClientToken              string
	S3Bucket, S3BucketOwner  string
	S3Prefix                 string
	S3SseAlgorithm, S3SseKey string
	ExportFormat, ExportType string
	// Incremental is IncrementalExportSpecification (nil: not given);
	// its times are epoch seconds, NaN when not given.
	Incremental *incrementalExportSpec
}

// ExportArnInput is a validated DescribeExport request.
type ExportArnInput struct{ ExportArn string }

// ListExportsInput is a validated ListExports request.
type ListExportsInput struct {
	TableArn   string
	MaxResults int
	NextToken  string
}

var exportTableSchema = []*schField{
	fString("TableArn", notNull(), minLen(1), maxLen(1024)),
	fString("ClientToken"),
	fString("S3Bucket", notNull(), maxLen(255)),
	fString("S3BucketOwner"),
	fString("S3Prefix", maxLen(1024)),
	fString("S3SseAlgorithm", enumOf("AES256", "KMS")),
	fString("S3SseKmsKeyId", minLen(1), maxLen(2048)),
	fString("ExportFormat", enumOf("DYNAMODB_JSON", "ION")),
	fString("ExportType", enumOf("FULL_EXPORT", "INCREMENTAL_EXPORT")),
}

var describeExportSchema = []*schField{fString("ExportArn", notNull(), minLen(37), maxLen(1024))}

var listExportsSchema = []*schField{
	fString("TableArn", minLen(1), maxLen(1024)),
	fInteger("MaxResults", minVal(1), maxVal(25)),
	fString("NextToken"),
}

func (h *Handler) decodeExportTable(body []byte) (*ExportTableInput, *Error) {
	data, e := decPrepare(body, exportTableSchema)
	if e != nil {
		return nil, e
	}
	in := &ExportTableInput{
		TableArn: jStr(data, "TableArn"), ClientToken: jStr(data, "ClientToken"),
		S3Bucket: jStr(data, "S3Bucket"), S3BucketOwner: jStr(data, "S3BucketOwner"), S3Prefix: jStr(data, "S3Prefix"),
		S3SseAlgorithm: jStr(data, "S3SseAlgorithm"), S3SseKey: jStr(data, "S3SseKmsKeyId"),
		ExportFormat: jStr(data, "ExportFormat"), ExportType: jStr(data, "ExportType"),
	}
	if in.ExportTime, e = jTime(data, "ExportTime"); e != nil {
		return nil, e
	}
	if e = decodeIncrementalSpec(data, in); e != nil {
		return nil, e
	}
	if in.TableName, e = h.tableNameOfArn("ExportTableToPointInTime", in.TableArn); e != nil {
		return nil, e
	}
	return in, nil
}

func decodeDescribeExport(body []byte) (*ExportArnInput, *Error) {
	data, e := decPrepare(body, describeExportSchema)
	if e != nil {
		return nil, e
	}
	return &ExportArnInput{ExportArn: jStr(data, "ExportArn")}, nil
}

func decodeListExports(body []byte) (*ListExportsInput, *Error) {
	data, e := decPrepare(body, listExportsSchema)
	if e != nil {
		return nil, e
	}
	in := &ListExportsInput{TableArn: jStr(data, "TableArn"), NextToken: jStr(data, "NextToken")}
	if n, ok := jNum(data, "MaxResults"); ok {
		in.MaxResults = clampInt(n)
	}
	return in, nil
}

// s3Dir maps an S3 bucket and key prefix onto a directory under the
// export directory, refusing names that would leave it.
func (h *Handler) s3Dir(bucket, prefix string) (string, *Error) {
	if h.opts.ExportDir == "" {
		return "", validationError("dynacache: exports and imports need --export-dir, the directory S3 buckets are mapped onto")
	}
	if bucket == "" || strings.ContainsAny(bucket, "/\\") || bucket == "." || bucket == ".." {
		return "", validationError("Invalid S3 bucket name: " + bucket)
	}
	for _, seg := range strings.Split(prefix, "/") {
		if seg == "." || seg == ".." || strings.Contains(seg, "\\") {
			return "", validationError("dynacache: an S3 prefix may not have a '.' or '..' segment: " + prefix)
		}
	}
	return filepath.Join(h.opts.ExportDir, bucket, filepath.FromSlash(prefix)), nil
}

// s3Key joins a prefix and a key as S3 keys are.
func s3Key(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return strings.TrimSuffix(prefix, "/") + "/" + key
}

func (h *Handler) exportTable(in *ExportTableInput) ([]byte, *Error) {
	if in.ExportFormat == "ION" {
		return nil, validationError("dynacache: only exports in DYNAMODB_JSON are done")
	}
	dir, e := h.s3Dir(in.S3Bucket, in.S3Prefix)
	if e != nil {
		return nil, e
	}
	t, ok := h.store.Table(in.TableName)
	if !ok {
		return nil, backupsTableNotFound(in.TableName)
	}
	m := loadMeta(t)
	if m.PITR == nil || !m.PITR.Enabled {
		return nil, &Error{Status: 400, Type: nsDynamoDB + "PointInTimeRecoveryUnavailableException",
			Message: "Point in time recovery is not enabled for table '" + in.TableName + "'"}
	}
	now := time.Now()
	src, e := h.exportSource(t, in, now.UnixMilli())
	if e != nil {
		return nil, e
	}
	id := backupID(now.UnixMilli())
	d := &exportDescription{ExportArn: h.tableArn(in.TableName) + "/export/" + id, ExportStatus: "IN_PROGRESS",
		StartTime: msSeconds(now.UnixMilli()), TableArn: h.tableArn(in.TableName), TableID: m.Desc.TableID,
		ExportTime: msSeconds(src.at), ClientToken: in.ClientToken, S3Bucket: in.S3Bucket, S3BucketOwner: in.S3BucketOwner,
		S3Prefix: in.S3Prefix, S3SseAlgorithm: in.S3SseAlgorithm, S3SseKmsKeyID: in.S3SseKey, ExportFormat: "DYNAMODB_JSON",
		ExportType: "FULL_EXPORT"}
	if src.incremental != nil {
		d.ExportType, d.ExportTime, d.Incremental = "INCREMENTAL_EXPORT", 0, src.incremental
	}
	if d.S3SseAlgorithm == "" {
		d.S3SseAlgorithm = "AES256"
	}
	reply := marshalReply("ExportDescription", d)
	h.exports.mu.Lock()
	h.exports.list = append(h.exports.list, d)
	h.journal(journalLine{Export: d})
	h.exports.wg.Add(1)
	h.exports.mu.Unlock()
	go h.writeExport(d, id, dir, src.lines, src.done)
	return reply, nil
}

// writeExport writes the export's files, then marks it COMPLETED (or
// FAILED).
func (h *Handler) writeExport(d *exportDescription, id, dir string, lines exportLines, done func()) {
	defer h.exports.wg.Done()
	items, size, err := writeExportFiles(d, id, dir, lines)
	if done != nil {
		done()
	}
	h.exports.mu.Lock()
	defer h.exports.mu.Unlock()
	defer h.journal(journalLine{Export: d})
	d.EndTime = nowSeconds()
	if err != nil {
		d.ExportStatus, d.FailureCode, d.FailureMessage = "FAILED", "UNKNOWN", err.Error()
		return
	}
	d.ExportStatus, d.ItemCount, d.BilledSizeBytes = "COMPLETED", items, size
	d.ExportManifest = s3Key(d.S3Prefix, "AWSDynamoDB/"+id+"/manifest-summary.json")
}

type manifestFile struct {
	ItemCount     int64  `json:"itemCount"`
	MD5Checksum   string `json:"md5Checksum"`
	ETag          string `json:"etag"`
	DataFileS3Key string `json:"dataFileS3Key"`
}

func isoTime(sec float64) string {
	return time.UnixMilli(int64(math.Round(sec * 1000))).UTC().Format("2006-01-02T15:04:05.000Z")
}

// exportLines is what an export writes: it calls emit with each data
// line (newline included) and the DynamoDB size of its item.
type exportLines func(emit func(line []byte, size int64) error) error

// frozenLines are the lines of a full export of f.
func frozenLines(f *shard.Frozen) exportLines {
	return func(emit func([]byte, int64) error) error {
		var line []byte
		return f.Items(func(k shard.Key, e shard.Entry) error {
			item, err := e.Item()
			if err != nil {
				return err
			}
			line = append(appendItem(append(line[:0], `{"Item":`...), item), '}', '\n')
			return emit(line, int64(e.Size()))
		})
	}
}

func writeExportFiles(d *exportDescription, id, dir string, lines exportLines) (int64, int64, error) {
	base := filepath.Join(dir, "AWSDynamoDB", id)
	if err := os.MkdirAll(filepath.Join(base, "data"), 0o755); err != nil {
		return 0, 0, err
	}
	if err := os.WriteFile(filepath.Join(base, "_started"), nil, 0o644); err != nil {
		return 0, 0, err
	}
	var files []manifestFile
	var cur *os.File
	var zw *gzip.Writer
	var bw *bufio.Writer
	var sum io.Writer
	var md = md5.New()
	var curItems int64
	var curKey string
	closeFile := func() error {
		if cur == nil {
			return nil
		}
		err := bw.Flush()
		if err == nil {
			err = zw.Close()
		}
		if err == nil {
			err = cur.Sync()
		}
		if cerr := cur.Close(); err == nil {
			err = cerr
		}
		digest := md.Sum(nil)
		files = append(files, manifestFile{ItemCount: curItems, MD5Checksum: base64.StdEncoding.EncodeToString(digest),
			ETag: hex.EncodeToString(digest), DataFileS3Key: curKey})
		cur = nil
		return err
	}
	var items, size int64
	err := lines(func(line []byte, itemSize int64) error {
		if cur == nil || curItems == exportItemsPerFile {
			if err := closeFile(); err != nil {
				return err
			}
			var rb [15]byte
			rand.Read(rb[:])
			name := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(rb[:])) + ".json.gz"
			file, err := os.Create(filepath.Join(base, "data", name))
			if err != nil {
				return err
			}
			md.Reset()
			cur, curItems, curKey = file, 0, s3Key(d.S3Prefix, "AWSDynamoDB/"+id+"/data/"+name)
			sum = io.MultiWriter(file, md)
			zw = gzip.NewWriter(sum)
			bw = bufio.NewWriterSize(zw, 1<<16)
		}
		if _, err := bw.Write(line); err != nil {
			return err
		}
		curItems++
		items++
		size += itemSize
		return nil
	})
	if err == nil {
		err = closeFile()
	} else {
		closeFile()
	}
	if err != nil {
		return 0, 0, err
	}
	var mf []byte
	for _, fl := range files {
		b, _ := json.Marshal(fl)
		mf = append(append(mf, b...), '\n')
	}
	if err := writeSynced(filepath.Join(base, "manifest-files.json"), mf); err != nil {
		return 0, 0, err
	}
	summary := map[string]any{
		"version": "2020-06-30", "exportArn": d.ExportArn, "startTime": isoTime(d.StartTime), "endTime": isoTime(nowSeconds()),
		"tableArn": d.TableArn, "tableId": d.TableID, "exportTime": isoTime(d.ExportTime), "s3Bucket": d.S3Bucket,
		"s3Prefix": nilIfEmpty(d.S3Prefix), "s3SseAlgorithm": d.S3SseAlgorithm, "s3SseKmsKeyId": nilIfEmpty(d.S3SseKmsKeyID),
		"manifestFilesS3Key": s3Key(d.S3Prefix, "AWSDynamoDB/"+id+"/manifest-files.json"), "billedSizeBytes": size,
		"itemCount": items, "outputFormat": "DYNAMODB_JSON", "exportType": d.ExportType,
	}
	if inc := d.Incremental; inc != nil {
		delete(summary, "exportTime")
		summary["exportFromTime"], summary["exportToTime"] = isoTime(inc.ExportFromTime), isoTime(inc.ExportToTime)
		summary["exportViewType"] = inc.ExportViewType
	}
	sb, _ := json.Marshal(summary)
	if err := writeSynced(filepath.Join(base, "manifest-summary.json"), sb); err != nil {
		return 0, 0, err
	}
	return items, size, nil
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func writeSynced(path string, b []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (h *Handler) describeExport(in *ExportArnInput) ([]byte, *Error) {
	h.exports.mu.Lock()
	defer h.exports.mu.Unlock()
	for _, d := range h.exports.list {
		if d.ExportArn == in.ExportArn {
			return marshalReply("ExportDescription", d), nil
		}
	}
	return nil, &Error{Status: 400, Type: nsDynamoDB + "ExportNotFoundException", Message: "Export not found: " + in.ExportArn}
}

// jobPage reads the paging of ListExports and ListImports: NextToken is
// the index of the next job to list, and a limit of 0 means 25.
func jobPage(token string, limit int) (start, n int, e *Error) {
	if limit == 0 {
		limit = 25
	}
	if token != "" {
		i, err := strconv.Atoi(token)
		if err != nil || i < 0 {
			return 0, 0, validationError("Invalid NextToken")
		}
		start = i
	}
	return start, limit, nil
}

func (h *Handler) listExports(in *ListExportsInput) ([]byte, *Error) {
	start, limit, e := jobPage(in.NextToken, in.MaxResults)
	if e != nil {
		return nil, e
	}
	type summary struct {
		ExportArn    string `json:"ExportArn"`
		ExportStatus string `json:"ExportStatus"`
		ExportType   string `json:"ExportType"`
	}
	out := struct {
		ExportSummaries []summary `json:"ExportSummaries"`
		NextToken       string    `json:"NextToken,omitempty"`
	}{ExportSummaries: []summary{}}
	h.exports.mu.Lock()
	defer h.exports.mu.Unlock()
	for i := start; i < len(h.exports.list); i++ {
		d := h.exports.list[i]
		if in.TableArn != "" && d.TableArn != in.TableArn {
			continue
		}
		if len(out.ExportSummaries) == limit {
			out.NextToken = strconv.Itoa(i)
			break
		}
		out.ExportSummaries = append(out.ExportSummaries, summary{d.ExportArn, d.ExportStatus, d.ExportType})
	}
	return marshalJSON(&out), nil
}

// avItemOf is avItem for the import reader: an item of DynamoDB JSON.
func avItemOf(v *jv) (attr.Item, error) {
	it, msg := avItem(v)
	if msg != "" {
		return nil, fmt.Errorf("%s", msg)
	}
	return it, nil
}
