package dynamodb

import (
	"bufio"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// Import from "S3": ImportTable, DescribeImport, ListImports. The bucket
// is a directory under the export directory (action_export.go); every
// file of the bucket whose key (its path below the bucket, with '/')
// starts with S3KeyPrefix is read, as DynamoDB reads every object under
// the prefix: lines of DynamoDB JSON ({"Item":{...}}), gzip-compressed or
// not, as an export writes them. The table is created through
// CreateTable's path from TableCreationParameters, then the items are
// loaded in the background through the logged multi-item write, 100 per
// record. A line that is not an item of the table's key schema is
// counted in ErrorCount and skipped, as DynamoDB does. ION, CSV and ZSTD
// are not done. The list of imports is kept in memory.

type importDescription struct {
	ImportArn               string          `json:"ImportArn"`
	ImportStatus            string          `json:"ImportStatus"`
	TableArn                string          `json:"TableArn"`
	TableID                 string          `json:"TableId,omitempty"`
	ClientToken             string          `json:"ClientToken,omitempty"`
	S3BucketSource          s3BucketSource  `json:"S3BucketSource"`
	ErrorCount              int64           `json:"ErrorCount"`
	CloudWatchLogGroupArn   string          `json:"CloudWatchLogGroupArn,omitempty"`
	InputFormat             string          `json:"InputFormat"`
	InputCompressionType    string          `json:"InputCompressionType,omitempty"`
	TableCreationParameters rawJSON         `json:"TableCreationParameters"`
	StartTime               float64         `json:"StartTime"`
	EndTime                 float64         `json:"EndTime,omitempty"`
	ProcessedSizeBytes      int64           `json:"ProcessedSizeBytes"`
	ProcessedItemCount      int64           `json:"ProcessedItemCount"`
	ImportedItemCount       int64           `json:"ImportedItemCount"`
	FailureCode             string          `json:"FailureCode,omitempty"`
	FailureMessage          string          `json:"FailureMessage,omitempty"`
	table                   string          // the new table's name
	files                   []string        // the files to read
	schema                  shard.KeySchema // the new table's
}

type s3BucketSource struct {
	S3Bucket      string `json:"S3Bucket"`
	S3KeyPrefix   string `json:"S3KeyPrefix,omitempty"`
	S3BucketOwner string `json:"S3BucketOwner,omitempty"`
}

// rawJSON is JSON kept as the client sent it.
type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("null"), nil
	}
	return r, nil
}

func (r *rawJSON) UnmarshalJSON(b []byte) error {
	*r = append((*r)[:0], b...)
	return nil
}

// importList is the imports of this process, oldest first.
type importList struct {
	mu   sync.Mutex
	list []*importDescription
	wg   sync.WaitGroup
}

// ImportTableInput is a validated ImportTable request.
type ImportTableInput struct {
	Source      s3BucketSource
	InputFormat string
	Compression string
	ClientToken string
	Create      *CreateTableInput
	CreateJSON  []byte
}

// ImportArnInput is a validated DescribeImport request.
type ImportArnInput struct{ ImportArn string }

// ListImportsInput is a validated ListImports request.
type ListImportsInput struct {
	TableArn  string
	PageSize  int
	NextToken string
}

var importTableSchema = []*schField{
	fString("ClientToken"),
	fFieldStruct("S3BucketSource", "S3BucketSource", []*schField{
		fString("S3BucketOwner"),
		fString("S3Bucket", notNull(), maxLen(255)),
		fString("S3KeyPrefix", maxLen(1024)),
	}, notNull()),
	fString("InputFormat", notNull(), enumOf("DYNAMODB_JSON", "ION", "CSV")),
	fString("InputCompressionType", enumOf("GZIP", "ZSTD", "NONE")),
	// TableCreationParameters is checked as a CreateTable request.
}

var describeImportSchema = []*schField{fString("ImportArn", notNull(), minLen(37), maxLen(1024))}

var listImportsSchema = []*schField{
	fString("TableArn", minLen(1), maxLen(1024)),
	fInteger("PageSize", minVal(1), maxVal(25)),
	fString("NextToken"),
}

func decodeImportTable(body []byte) (*ImportTableInput, *Error) {
	data, e := decPrepare(body, importTableSchema)
	if e != nil {
		return nil, e
	}
	params := data.present("TableCreationParameters")
	if params == nil {
		return nil, nullMember("tableCreationParameters")
	}
	src := data.present("S3BucketSource")
	in := &ImportTableInput{
		Source:      s3BucketSource{S3Bucket: jStr(src, "S3Bucket"), S3KeyPrefix: jStr(src, "S3KeyPrefix"), S3BucketOwner: jStr(src, "S3BucketOwner")},
		InputFormat: jStr(data, "InputFormat"), Compression: jStr(data, "InputCompressionType"), ClientToken: jStr(data, "ClientToken"),
		CreateJSON: appendJV(nil, params),
	}
	if in.Create, e = decodeCreateTable(in.CreateJSON); e != nil {
		return nil, e
	}
	return in, nil
}

func decodeDescribeImport(body []byte) (*ImportArnInput, *Error) {
	data, e := decPrepare(body, describeImportSchema)
	if e != nil {
		return nil, e
	}
	return &ImportArnInput{ImportArn: jStr(data, "ImportArn")}, nil
}

func decodeListImports(body []byte) (*ListImportsInput, *Error) {
	data, e := decPrepare(body, listImportsSchema)
	if e != nil {
		return nil, e
	}
	in := &ListImportsInput{TableArn: jStr(data, "TableArn"), NextToken: jStr(data, "NextToken")}
	if n, ok := jNum(data, "PageSize"); ok {
		in.PageSize = clampInt(n)
	}
	return in, nil
}

// importFiles lists the files of bucket dir whose key starts with prefix,
// in key order.
func importFiles(dir, prefix string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		if strings.HasPrefix(filepath.ToSlash(rel), prefix) {
			out = append(out, path)
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	sort.Strings(out)
	return out, err
}

func (h *Handler) importTable(in *ImportTableInput) ([]byte, *Error) {
	if in.InputFormat != "DYNAMODB_JSON" || in.Compression == "ZSTD" {
		return nil, validationError("dynacache: only DYNAMODB_JSON input, compressed with GZIP or not at all, is imported")
	}
	dir, e := h.s3Dir(in.Source.S3Bucket, "")
	if e != nil {
		return nil, e
	}
	files, err := importFiles(dir, in.Source.S3KeyPrefix)
	if err != nil {
		return nil, internalError(err.Error())
	}
	name := in.Create.TableName
	now := nowSeconds()
	d := &importDescription{ImportArn: h.tableArn(name) + "/import/" + backupID(time.Now().UnixMilli()), ImportStatus: "IN_PROGRESS",
		TableArn: h.tableArn(name), ClientToken: in.ClientToken, S3BucketSource: in.Source, InputFormat: in.InputFormat,
		InputCompressionType: in.Compression, TableCreationParameters: in.CreateJSON, StartTime: now,
		CloudWatchLogGroupArn: "arn:aws:logs:" + h.opts.Region + ":" + h.opts.AccountID + ":log-group:/aws-dynamodb/imports:*",
		table:                 name, files: files, schema: keySchemaOf(in.Create.KeySchema, in.Create.AttributeDefinitions)}
	if d.InputCompressionType == "" {
		d.InputCompressionType = "NONE"
	}
	if len(files) == 0 {
		d.ImportStatus, d.EndTime = "FAILED", now
		d.FailureCode, d.FailureMessage = "ItemValidationError", "No objects found under s3://"+in.Source.S3Bucket+"/"+in.Source.S3KeyPrefix
	} else {
		if _, e := h.createTable(in.Create); e != nil {
			return nil, e
		}
		if t, ok := h.store.Table(name); ok {
			d.TableID = loadMeta(t).Desc.TableID
		}
	}
	reply := marshalReply("ImportTableDescription", d)
	h.imports.mu.Lock()
	h.imports.list = append(h.imports.list, d)
	h.journal(journalLine{Import: d})
	if d.ImportStatus == "IN_PROGRESS" {
		h.imports.wg.Add(1)
		go h.runImport(d)
	}
	h.imports.mu.Unlock()
	return reply, nil
}

// runImport loads the import's files into its table.
func (h *Handler) runImport(d *importDescription) {
	defer h.imports.wg.Done()
	t, ok := h.store.Table(d.table)
	var counts importCounts
	err := shard.ErrTableNotFound
	if ok {
		err = nil
		for _, path := range d.files {
			if err = h.importFile(t, d, path, &counts); err != nil {
				break
			}
		}
	}
	h.imports.mu.Lock()
	defer h.imports.mu.Unlock()
	defer h.journal(journalLine{Import: d})
	d.EndTime = nowSeconds()
	d.ProcessedItemCount, d.ImportedItemCount, d.ErrorCount, d.ProcessedSizeBytes = counts.processed, counts.imported, counts.errors, counts.bytes
	if err != nil {
		d.ImportStatus, d.FailureCode, d.FailureMessage = "FAILED", "InternalError", err.Error()
		return
	}
	d.ImportStatus = "COMPLETED"
}

type importCounts struct{ processed, imported, errors, bytes int64 }

// importFile loads one file; a file that cannot be read counts as one
// error, the import goes on. It returns an error only when the store
// refuses a write.
func (h *Handler) importFile(t *shard.Table, d *importDescription, path string, c *importCounts) error {
	f, err := os.Open(path)
	if err != nil {
		c.errors++
		return nil
	}
	defer f.Close()
	var r io.Reader = f
	if d.InputCompressionType == "GZIP" {
		zr, err := gzip.NewReader(f)
		if err != nil {
			c.errors++
			return nil
		}
		defer zr.Close()
		r = zr
	}
	var refs []shard.Ref
	var items []attr.Item
	inBatch := map[string]bool{}
	flush := func() error {
		if len(refs) == 0 {
			return nil
		}
		if h.restores.stop.Load() {
			return errRestoreStopped
		}
		_, _, wait, err := h.store.MutateAll(refs, func([]shard.Entry) ([]shard.Write, error) {
			ws := make([]shard.Write, len(items))
			for i, it := range items {
				ws[i] = shard.Write{Item: it}
			}
			return ws, nil
		})
		if err == nil && wait != nil {
			err = wait()
		}
		if err == nil {
			c.imported += int64(len(refs))
		}
		refs, items = refs[:0], items[:0]
		clear(inBatch)
		return err
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Bytes()
		c.bytes += int64(len(line)) + 1
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		c.processed++
		item, k, ok := importLine(line, d.schema)
		if !ok {
			c.errors++
			continue
		}
		if inBatch[string(k)] {
			if err := flush(); err != nil {
				return err
			}
		}
		inBatch[string(k)] = true
		refs = append(refs, shard.Ref{Table: t, Key: k})
		items = append(items, item)
		if len(refs) == restoreBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if sc.Err() != nil {
		c.errors++
	}
	return flush()
}

// importLine parses one line {"Item":{...}} into an item of the table's
// key schema.
func importLine(line []byte, schema shard.KeySchema) (attr.Item, shard.Key, bool) {
	root, ok := jvParse(line)
	if !ok || root.kind != jvObject {
		return nil, nil, false
	}
	m := root.present("Item")
	if m == nil || m.kind != jvObject {
		return nil, nil, false
	}
	item, err := avItemOf(m)
	if err != nil || attr.ItemSize(item) > maxItemBytes {
		return nil, nil, false
	}
	k, err := schema.EncodeKey(item)
	if err != nil {
		return nil, nil, false
	}
	return item, k, true
}

// maxItemBytes is DynamoDB's item size limit.
const maxItemBytes = 400 * 1024

func (h *Handler) describeImport(in *ImportArnInput) ([]byte, *Error) {
	h.imports.mu.Lock()
	defer h.imports.mu.Unlock()
	for _, d := range h.imports.list {
		if d.ImportArn == in.ImportArn {
			return marshalReply("ImportTableDescription", d), nil
		}
	}
	return nil, &Error{Status: 400, Type: nsDynamoDB + "ImportNotFoundException", Message: "Import not found: " + in.ImportArn}
}

func (h *Handler) listImports(in *ListImportsInput) ([]byte, *Error) {
	start, limit, e := jobPage(in.NextToken, in.PageSize)
	if e != nil {
		return nil, e
	}
	type summary struct {
		ImportArn             string         `json:"ImportArn"`
		ImportStatus          string         `json:"ImportStatus"`
		TableArn              string         `json:"TableArn"`
		S3BucketSource        s3BucketSource `json:"S3BucketSource"`
		CloudWatchLogGroupArn string         `json:"CloudWatchLogGroupArn,omitempty"`
		InputFormat           string         `json:"InputFormat"`
		StartTime             float64        `json:"StartTime"`
		EndTime               float64        `json:"EndTime,omitempty"`
	}
	out := struct {
		ImportSummaryList []summary `json:"ImportSummaryList"`
		NextToken         string    `json:"NextToken,omitempty"`
	}{ImportSummaryList: []summary{}}
	h.imports.mu.Lock()
	defer h.imports.mu.Unlock()
	for i := start; i < len(h.imports.list); i++ {
		d := h.imports.list[i]
		if in.TableArn != "" && d.TableArn != in.TableArn {
			continue
		}
		if len(out.ImportSummaryList) == limit {
			out.NextToken = strconv.Itoa(i)
			break
		}
		out.ImportSummaryList = append(out.ImportSummaryList, summary{d.ImportArn, d.ImportStatus, d.TableArn, d.S3BucketSource,
			d.CloudWatchLogGroupArn, d.InputFormat, d.StartTime, d.EndTime})
	}
	return marshalJSON(&out), nil
}
