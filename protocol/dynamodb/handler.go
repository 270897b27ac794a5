// Package dynamodb serves the DynamoDB JSON API (version 2012-08-10) over
// HTTP: POST / with X-Amz-Target: DynamoDB_20120810.<Operation>.
//
// A request flows decode (decode_*.go: type checks, constraints and the
// operation's own validation, in DynamoDB's order) -> action (action_*.go:
// the checks that need the table, then one call into the store) -> reply
// (encode.go). Errors are *Error values in DynamoDB's wire form; errors.go
// is the one table of them.
package dynamodb

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"hash/crc32"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynacache/dynacache/backup"
	"github.com/dynacache/dynacache/metrics"
	"github.com/dynacache/dynacache/pitr"
	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/stream"
)

// MaxRequestBytes is the largest request body accepted (DynamoDB's limit).
const MaxRequestBytes = 16 << 20

// Options configure a Handler.
type Options struct {
	// Region names the region in ARNs when a request's signature does not
	// carry one. Default "us-east-1".
	Region string
	// AccountID is the account in ARNs. Default "000000000000".
	AccountID string
	// CacheBytes bounds the read cache (cache.go), which holds the JSON of
	// hot items for GetItem and BatchGetItem. 0 turns it off.
	CacheBytes int64
	// Credentials, when not nil, are the access key ids and their secrets
	// a request must be signed with (SigV4, sigv4.go); nil accepts any
	// AWS4 signature unverified.
	Credentials map[string]string
	// RequestTimeout bounds how long a Query, Scan or BatchGetItem runs
	// (from the arrival of its request) before it stops with an
	// InternalServerError (stop.go). 0: no deadline.
	RequestTimeout time.Duration
	// CORSOrigins are the browser origins whose pages may call the API
	// ("*": any); nil: the default of corsOrigin (this machine's pages, or
	// any page when Credentials are set).
	CORSOrigins []string
	// Backend, when set, serves every request that passes the front door
	// instead of the local store (backend.go).
	Backend Backend
	// Streams keeps the tables' DynamoDB Streams (action_streams.go); nil:
	// a hub in memory. With a write-ahead log it must be the log's
	// ChangeSink too.
	Streams *stream.Hub
	// Backups keeps the on-demand backups (action_backup_ondemand.go);
	// nil: a catalog in memory.
	Backups *backup.Catalog
	// PITR keeps the point-in-time histories (action_backup_pitr.go),
	// attached to the store and, with a log, joined with Streams as the
	// log's change sink (pitr.Tee); nil: histories in memory.
	PITR *pitr.Keeper
	// Logf, when set, receives what goes wrong in the background (a
	// restore that fails).
	Logf func(format string, args ...any)
	// ExportDir is the directory S3 buckets are mapped onto for exports
	// and imports (action_export.go); "": none.
	ExportDir string
	// JobJournal, when set, is the file that keeps the descriptions of
	// exports and imports across restarts (action_jobs_journal.go).
	JobJournal string
}

// Handler serves the DynamoDB API over one store.
type Handler struct {
	store *shard.Store
	opts  Options

	cache *readCache // nil: off
	stats *metrics.Requests

	idPrefix string
	idSeq    atomic.Uint64

	localOnce sync.Once
	local     *Handler // Local's twin without the backend
	api       *Handler // in a Local twin: the handler with the backend
	// ctl serialises the operations that read a table's description,
	// change it and store it back (UpdateTable, DeleteTable, tags, time
	// to live, continuous backups), so that none loses another's change
	// and none stores a description of a table after its drop.
	ctl    sync.Mutex
	tokens txTokens // TransactWriteItems' ClientRequestTokens

	backups  *backup.Catalog
	exports  exportList
	imports  importList
	restores struct {
		wg   sync.WaitGroup // restores loading items
		stop atomic.Bool    // set by CloseBackups
	}
}

// NewHandler returns a Handler serving store. Close it to stop the read
// cache's goroutines. It panics only if ristretto rejects a positive
// CacheBytes, which it does not.
func NewHandler(store *shard.Store, opts Options) *Handler {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "000000000000"
	}
	var b [20]byte
	rand.Read(b[:])
	cache, err := newReadCache(opts.CacheBytes)
	if err != nil {
		panic("dynamodb: read cache: " + err.Error())
	}
	ops := make([]string, 0, len(operations)+len(streamOperations))
	for op := range operations {
		ops = append(ops, op)
	}
	for op := range streamOperations {
		ops = append(ops, op)
	}
	if opts.Streams == nil {
		hub, err := stream.Open(stream.Options{})
		if err != nil {
			panic("dynamodb: streams: " + err.Error())
		}
		opts.Streams = hub
	}
	if opts.PITR == nil {
		// In memory, maintained by no goroutine (a server passes its own).
		opts.PITR, _ = pitr.Open(pitr.Options{MaintainEvery: -1})
		opts.PITR.Attach(store, nil)
	}
	store.SetChangeSink(pitr.Tee(opts.Streams, opts.PITR))
	if opts.Backups == nil {
		opts.Backups, _ = backup.Open(backup.Options{}) // in memory: cannot fail
	}
	h := &Handler{
		store:    store,
		opts:     opts,
		cache:    cache,
		stats:    metrics.NewRequests(ops),
		idPrefix: base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])[:32],
		backups:  opts.Backups,
	}
	if opts.Backend == nil {
		h.reconcileStreams()
		h.reconcilePITR()
		h.loadJournal()
	}
	return h
}

// Streams returns the hub of the tables' streams.
func (h *Handler) Streams() *stream.Hub { return h.opts.Streams }

// Close releases the read cache. The handler must not serve afterwards.
func (h *Handler) Close() {
	h.cache.close()
	if h.local != nil {
		h.local.Close()
	}
}

// Store returns the store the handler serves.
func (h *Handler) Store() *shard.Store { return h.store }

// requestIDLen is the length of a request ID.
const requestIDLen = 52

// requestID returns a request ID, unique per process.
func (h *Handler) requestID() string {
	return string(h.appendRequestID(make([]byte, 0, requestIDLen)))
}

// appendRequestID appends a new request ID: the process's random prefix
// and a sequence number in base 32.
func (h *Handler) appendRequestID(dst []byte) []byte {
	dst = append(dst, h.idPrefix...)
	n := h.idSeq.Add(1)
	var b [requestIDLen - 32]byte
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = "0123456789ABCDEFGHIJKLMNOPQRSTUV"[n&31]
		n >>= 5
	}
	return append(dst, b[:]...)
}

// operations is every operation the API knows, each mapped to its own
// name (so an operation named by bytes of a connection's buffer is taken
// from here, never kept). An operation outside this set is answered with
// UnknownOperationException.
var operations = func() map[string]string {
	m := map[string]string{}
	for _, op := range []string{"CreateTable", "DescribeTable", "ListTables", "DeleteTable",
		"UpdateTable", "PutItem", "GetItem", "UpdateItem", "DeleteItem",
		"DescribeTimeToLive", "Query", "Scan", "BatchGetItem", "BatchWriteItem",
		"UpdateTimeToLive", "TagResource", "UntagResource", "ListTagsOfResource",
		"DescribeContinuousBackups", "UpdateContinuousBackups",
		"PutResourcePolicy", "GetResourcePolicy", "DeleteResourcePolicy",
		"DescribeLimits", "DescribeEndpoints",
		"CreateBackup", "DescribeBackup", "ListBackups", "DeleteBackup", "RestoreTableFromBackup",
		"RestoreTableToPointInTime",
		"ExportTableToPointInTime", "DescribeExport", "ListExports", "ImportTable", "DescribeImport", "ListImports",

		// action_insights.go and action_global.go (issue 14's inventory).
		"DescribeContributorInsights", "UpdateContributorInsights", "ListContributorInsights",
		"CreateGlobalTable", "UpdateGlobalTable", "DescribeGlobalTable", "ListGlobalTables",
		"DescribeGlobalTableSettings", "UpdateGlobalTableSettings",
		"DescribeTableReplicaAutoScaling", "UpdateTableReplicaAutoScaling",
		"DescribeKinesisStreamingDestination", "EnableKinesisStreamingDestination",
		"DisableKinesisStreamingDestination", "UpdateKinesisStreamingDestination",

		"ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction",

		"TransactWriteItems", "TransactGetItems"} {
		m[op] = op
	}
	return m
}()

const targetPrefix = "DynamoDB_20120810."

// envelope is the first check of every request, in DynamoDB's order: the
// health check, the content type, the method. It returns the content type
// the reply is given and, when the request is answered already (before its
// body is read), that answer. contentLength is the declared body length
// (-1: not declared). The request's strings are not kept.
func envelope(method, path, contentType string, contentLength int64) (replyType string, status int, raw []byte, answered bool) {
	if method == "GET" && path == "/" {
		// DynamoDB answers health checks this way (trailing space included).
		return "text/plain", 200, healthyBody, true
	}
	if i := strings.IndexByte(contentType, ';'); i >= 0 {
		contentType = contentType[:i]
	}
	contentType = strings.TrimSpace(contentType)
	switch contentType {
	case "application/x-amz-json-1.0", "application/x-amz-json-1.1", "application/json":
	default:
		if method != "POST" || contentLength != 0 {
			return "application/x-amz-json-1.0", 404, unknownOperationBody, true
		}
	}
	if method != "POST" {
		return "application/x-amz-json-1.0", 404, unknownOperationBody, true
	}
	switch contentType {
	case "application/x-amz-json-1.1":
		return "application/x-amz-json-1.1", 0, nil, false
	case "application/json", "":
		// A request without a Content-Type (and without a body: it is
		// answered with an error) gets its error as application/json,
		// as DynamoDB answers it (issue 14).
		return "application/json", 0, nil, false
	}
	return "application/x-amz-json-1.0", 0, nil, false
}

var (
	healthyBody          = []byte("healthy: dynamodb.us-east-1.amazonaws.com ")
	unknownOperationBody = []byte("<UnknownOperationException/>\n")
)

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ed := edge{cors: h.corsOrigin(r.Header.Get("Origin"))}
	if r.Method == "OPTIONS" {
		h.preflight(w, r)
		return
	}
	if ae := r.Header["Accept-Encoding"]; len(ae) > 0 {
		ed.gzip = acceptsGzip(strings.Join(ae, ","))
	}
	contentType, status, raw, answered := envelope(r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.ContentLength)
	if answered {
		h.writeReply(w, ed, status, contentType, raw)
		return
	}
	sent, err := readBody(r)
	var body []byte
	var apiErr *Error
	if err == nil {
		body, apiErr, err = decodeBody(r.Header.Get("Content-Encoding"), sent)
	}
	if err != nil {
		h.writeReply(w, ed, http.StatusRequestEntityTooLarge, "", nil)
		return
	}
	if apiErr != nil {
		h.writeReply(w, ed, apiErr.Status, contentType, apiErr.appendJSON(nil))
		return
	}
	st := stopper{ctx: r.Context(), host: r.Host}
	if r.Header.Get("Content-Encoding") != "" {
		st.signed = sent
	}
	if h.opts.RequestTimeout > 0 {
		st.deadline = time.Now().Add(h.opts.RequestTimeout)
	}
	reply, apiErr := h.serve(r.Header.Get("X-Amz-Target"), r.Header.Get("Authorization"), r.URL.RawQuery, body, (*netRequest)(r), &st)
	if apiErr != nil {
		h.writeReply(w, ed, apiErr.Status, contentType, apiErr.appendJSON(nil))
		return
	}
	h.writeReply(w, ed, 200, contentType, reply)
}

// preflight answers a CORS preflight (any OPTIONS request).
func (h *Handler) preflight(w http.ResponseWriter, r *http.Request) {
	origin := h.corsOrigin(r.Header.Get("Origin"))
	if origin == "" {
		h.writeReply(w, edge{}, 200, "", nil) // no Access-Control-*: the browser refuses
		return
	}
	hdr := w.Header()
	allow := corsAllowHeaders
	if v := r.Header.Get("Access-Control-Request-Headers"); v != "" {
		allow = v
	}
	hdr["Access-Control-Allow-Methods"] = []string{corsAllowMethods}
	hdr["Access-Control-Allow-Headers"] = []string{allow}
	hdr["Access-Control-Max-Age"] = []string{corsMaxAge}
	h.writeReply(w, edge{cors: origin}, 200, "", nil)
}

// serve checks the request envelope in DynamoDB's order (body syntax,
// target, authentication) and runs the operation, which st may stop. The
// strings are not kept; req is read only to verify a signature
// (Options.Credentials).
func (h *Handler) serve(target, auth, rawQuery string, body []byte, req sigRequest, st *stopper) ([]byte, *Error) {
	if len(body) > 0 && !jsonWellFormed(body) {
		return nil, &Error{Status: 400, Type: nsCoralService + "SerializationException", NoMessage: true}
	}
	if h.opts.Backend != nil {
		return h.serveBackend(target, auth, rawQuery, body, req, st)
	}
	name, ok := strings.CutPrefix(target, targetPrefix)
	op, known := operations[name]
	if !ok {
		if name, ok := strings.CutPrefix(target, streamsTargetPrefix); ok {
			if op, known := streamOperations[name]; known {
				start := time.Now()
				e := h.authenticate(auth, rawQuery, body, req, st, start)
				var reply []byte
				if e == nil {
					reply, e = h.serveStreams(op, body)
				}
				h.stats.Observe(op, outcome(e), time.Since(start))
				return reply, e
			}
		}
	}
	if !ok || !known {
		return nil, &Error{Status: 400, Type: nsCoralService + "UnknownOperationException", NoMessage: true}
	}
	start := time.Now()
	e := h.authenticate(auth, rawQuery, body, req, st, start)
	var reply []byte
	if e == nil {
		reply, e = h.do(op, body, st)
	}
	h.stats.Observe(op, outcome(e), time.Since(start))
	return reply, e
}

// authenticate checks a request's signature: present and well formed,
// and, with Options.Credentials, verified.
func (h *Handler) authenticate(auth, rawQuery string, body []byte, req sigRequest, st *stopper, now time.Time) *Error {
	e := checkAuth(auth, rawQuery)
	if e == nil && h.opts.Credentials != nil {
		e = verifySignature(h.opts.Credentials, req, auth, st.signedBody(body), now)
	} else if e == nil {
		e = checkSignatureShape(auth, rawQuery, req)
	}
	return e
}

// outcome names a request's outcome for metrics: "ok" or the error's type
// without its namespace.
func outcome(e *Error) string {
	if e == nil {
		return "ok"
	}
	if i := strings.LastIndexByte(e.Type, '#'); i >= 0 {
		return e.Type[i+1:]
	}
	return e.Type
}

// Stats returns the counts and latencies of the requests served over HTTP,
// by operation and outcome.
func (h *Handler) Stats() *metrics.Requests { return h.stats }

// Do runs one operation on a JSON request body and returns the JSON reply.
// It is the protocol-neutral entry point: the RESP port's DYNAMODB command
// calls it too.
func (h *Handler) Do(op string, body []byte) ([]byte, *Error) {
	if h.opts.Backend != nil {
		return h.opts.Backend.Serve(targetPrefix+op, body)
	}
	return h.do(op, body, nil)
}

// do is Do on the local store with the request's cancellation (nil: none).
func (h *Handler) do(op string, body []byte, st *stopper) ([]byte, *Error) {
	if _, ok := operations[op]; !ok {
		return nil, &Error{Status: 400, Type: nsCoralService + "UnknownOperationException", NoMessage: true}
	}
	if len(body) == 0 {
		return nil, &Error{Status: 400, Type: nsCoralService + "SerializationException", NoMessage: true}
	}
	body, aliases, e := h.resolveTableArns(op, body)
	if e != nil {
		return nil, e
	}
	if aliases != nil {
		reply, e := h.run(op, body, st)
		if e != nil {
			return nil, e
		}
		return renameReplyTables(op, reply, aliases), nil
	}
	return h.run(op, body, st)
}

// run decodes and runs one operation whose tables are named by name.
func (h *Handler) run(op string, body []byte, st *stopper) ([]byte, *Error) {
	in, e := h.decode(op, body)
	if e != nil {
		return nil, e
	}
	charge, e := h.checkBudget(in, body)
	if e != nil {
		return nil, e
	}
	if charge > 0 {
		defer h.store.Budget().Charge(charge) // after the write: see shard.Budget
	}
	attachStop(in, st)
	switch in := in.(type) {
	case *CreateTableInput:
		return h.createTable(in)
	case *UpdateTableInput:
		return h.updateTable(in)
	case *ListTablesInput:
		return h.listTables(in)
	case *PutItemInput:
		return h.putItem(in)
	case *GetItemInput:
		return h.getItem(in)
	case *UpdateItemInput:
		return h.updateItem(in)
	case *DeleteItemInput:
		return h.deleteItem(in)
	case *QueryInput:
		return h.query(in)
	case *ScanInput:
		return h.scan(in)
	case *BatchGetItemInput:
		return h.batchGetItem(in)
	case *BatchWriteItemInput:
		return h.batchWriteItem(in)
	case *TagResourceInput:
		return h.tagResource(in)
	case *UntagResourceInput:
		return h.untagResource(in)
	case *ListTagsOfResourceInput:
		return h.listTagsOfResource(in)
	case *UpdateTimeToLiveInput:
		return h.updateTimeToLive(in)
	case *UpdateContinuousBackupsInput:
		return h.updateContinuousBackups(in)
	case *ExecuteStatementInput:
		return h.executeStatement(in)
	case *BatchExecuteStatementInput:
		return h.batchExecuteStatement(in)
	case *ExecuteTransactionInput:
		return h.executeTransaction(in)
	case *TransactWriteItemsInput:
		return h.transactWriteItems(in)
	case *TransactGetItemsInput:
		return h.transactGetItems(in)
	case *PutResourcePolicyInput:
		return h.putResourcePolicy(in)
	case *ResourcePolicyInput:
		if op == "GetResourcePolicy" {
			return h.getResourcePolicy(in)
		}
		return h.deleteResourcePolicy(in)
	case *DescribeLimitsInput:
		return h.describeLimits()
	case *DescribeEndpointsInput:
		return h.describeEndpoints(st)
	case inventoryInput:
		return in.serve(h, st)
	case *CreateBackupInput:
		return h.createBackup(in)
	case *BackupArnInput:
		if op == "DeleteBackup" {
			return h.deleteBackup(in)
		}
		return h.describeBackupOp(in)
	case *ListBackupsInput:
		return h.listBackups(in)
	case *RestoreTableFromBackupInput:
		return h.restoreTableFromBackup(in)
	case *RestoreTableToPointInTimeInput:
		return h.restoreTableToPointInTime(in)
	case *ExportTableInput:
		return h.exportTable(in)
	case *ExportArnInput:
		return h.describeExport(in)
	case *ListExportsInput:
		return h.listExports(in)
	case *ImportTableInput:
		return h.importTable(in)
	case *ImportArnInput:
		return h.describeImport(in)
	case *ListImportsInput:
		return h.listImports(in)
	case *TableNameInput:
		switch op {
		case "DescribeTable":
			return h.describeTable(in)
		case "DeleteTable":
			return h.deleteTable(in)
		case "DescribeTimeToLive":
			return h.describeTimeToLive(in)
		case "DescribeContinuousBackups":
			return h.describeContinuousBackups(in)
		}
	}
	return nil, internalError("operation " + op + " is not implemented")
}

// checkAuth requires a signature, as DynamoDB does. Signatures are not
// verified (yet): any AWS4 Authorization header, or presigned query, passes.
func checkAuth(auth, rawQuery string) *Error {
	query := false
	if rawQuery != "" {
		q, _ := url.ParseQuery(rawQuery)
		query = q.Has("X-Amz-Algorithm")
	}
	if auth != "" && query {
		return &Error{Status: 400, Type: nsCoralService + "InvalidSignatureException",
			Message: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."}
	}
	if (auth == "" && !query) || (auth != "" && !strings.HasPrefix(strings.TrimSpace(auth), "AWS4-")) {
		return &Error{Status: 400, Type: nsCoralService + "MissingAuthenticationTokenException",
			Message: "Request is missing Authentication Token"}
	}
	return nil
}

func readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength > MaxRequestBytes {
		return nil, io.ErrShortBuffer
	}
	size := 512
	if r.ContentLength > 0 {
		// One byte more than announced, so the read that finds EOF does
		// not grow the buffer.
		size = int(r.ContentLength) + 1
	}
	buf := make([]byte, 0, size)
	lr := io.LimitReader(r.Body, MaxRequestBytes+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if len(buf) > MaxRequestBytes {
		return nil, io.ErrShortBuffer
	}
	return buf, nil
}

// Header values shared by every reply (net/http only reads them).
var (
	serverHeader     = []string{serverName}
	gzipHeader       = []string{"gzip"}
	corsAnyOrigin    = []string{"*"}
	corsVaryHeader   = []string{"Origin"}
	corsExposeHeader = []string{corsExposeHeaders}
)

// writeReply writes a reply: its headers (a new request ID, the Server,
// CORS headers when ed.cors is set, the gzip coding when ed.gzip and the body is
// large enough) and body. The header values of its own share one string
// and one slice array, two allocations in all; net/http only reads them.
// An empty contentType sends none.
func (h *Handler) writeReply(w http.ResponseWriter, ed edge, status int, contentType string, body []byte) {
	var zbuf *bytes.Buffer
	if ed.gzip {
		if zbuf = gzipReply(body); zbuf != nil {
			body = zbuf.Bytes()
			defer releaseGzip(zbuf)
		}
	}
	var buf [requestIDLen + 2*20]byte
	b := h.appendRequestID(buf[:0])
	idEnd := len(b)
	b = strconv.AppendUint(b, uint64(crc32.ChecksumIEEE(body)), 10)
	crcEnd := len(b)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	s := string(b)
	vals := make([]string, 4)
	vals[0], vals[1], vals[2], vals[3] = contentType, s[idEnd:crcEnd], s[crcEnd:], s[:idEnd]
	hdr := w.Header()
	if contentType != "" {
		hdr["Content-Type"] = vals[0:1:1]
	}
	hdr["X-Amz-Crc32"] = vals[1:2:2]
	hdr["Content-Length"] = vals[2:3:3]
	hdr["X-Amzn-Requestid"] = vals[3:4:4]
	hdr["Server"] = serverHeader
	if zbuf != nil {
		hdr["Content-Encoding"] = gzipHeader
	}
	if ed.cors != "" {
		if ed.cors == "*" {
			hdr["Access-Control-Allow-Origin"] = corsAnyOrigin
		} else {
			hdr["Access-Control-Allow-Origin"] = []string{ed.cors}
			hdr["Vary"] = corsVaryHeader
		}
		hdr["Access-Control-Expose-Headers"] = corsExposeHeader
	}
	w.WriteHeader(status)
	w.Write(body)
}

// appendJSON appends the error's wire form.
func (e *Error) appendJSON(dst []byte) []byte {
	if e.Raw != nil {
		return append(dst, e.Raw...)
	}
	dst = append(dst, `{"__type":`...)
	dst = appendJSONString(dst, e.Type)
	if !e.NoMessage {
		if e.CapitalMessage {
			dst = append(dst, `,"Message":`...)
		} else {
			dst = append(dst, `,"message":`...)
		}
		dst = appendJSONString(dst, e.Message)
	}
	if e.Item != nil {
		dst = append(dst, `,"Item":`...)
		dst = appendItem(dst, e.Item)
	}
	if e.Reasons != nil {
		dst = append(dst, `,"CancellationReasons":[`...)
		for i, r := range e.Reasons {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"Code":`...)
			dst = appendJSONString(dst, r.Code)
			if r.Message != "" {
				dst = append(dst, `,"Message":`...)
				dst = appendJSONString(dst, r.Message)
			}
			if r.Item != nil {
				dst = append(dst, `,"Item":`...)
				dst = appendItem(dst, r.Item)
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}
