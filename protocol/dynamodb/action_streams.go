package dynamodb

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/stream"
)

// The DynamoDB Streams API (X-Amz-Target: DynamoDBStreams_20120810.<Op>)
// on the same port as the tables: ListStreams, DescribeStream,
// GetShardIterator and GetRecords, over the streams of package stream.

const streamsTargetPrefix = "DynamoDBStreams_20120810."

// streamOperations is every operation of the Streams API.
var streamOperations = map[string]string{
	"ListStreams": "ListStreams", "DescribeStream": "DescribeStream",
	"GetShardIterator": "GetShardIterator", "GetRecords": "GetRecords",
}

// iteratorLifetime is how long a shard iterator may be used, as DynamoDB.
const iteratorLifetime = 15 * time.Minute

// Limits of GetRecords, as DynamoDB.
const (
	maxGetRecords      = 1000
	maxGetRecordsBytes = 1 << 20
)

func expiredIterator(msg string) *Error {
	return &Error{Status: 400, Type: nsDynamoDB + "ExpiredIteratorException", Message: msg}
}

func trimmedDataAccess(msg string) *Error {
	return &Error{Status: 400, Type: nsDynamoDB + "TrimmedDataAccessException", Message: msg}
}

// streamArn returns the ARN of a table's stream.
func (h *Handler) streamArn(table string, id int64) string {
	return h.tableArn(table) + "/stream/" + stream.Label(id)
}

// streamNotFound is DynamoDB's answer for a stream ARN that names no
// stream.
func streamNotFound(arn string) *Error {
	return resourceNotFound("Requested resource not found: Stream: " + arn + " not found")
}

// parseStreamArn returns the stream an ARN names.
func (h *Handler) parseStreamArn(arn string) (*stream.Stream, *Error) {
	prefix := "arn:aws:dynamodb:" + h.opts.Region + ":" + h.opts.AccountID + ":table/"
	rest, ok := strings.CutPrefix(arn, prefix)
	if !ok {
		return nil, streamNotFound(arn)
	}
	table, label, ok := strings.Cut(rest, "/stream/")
	if !ok {
		return nil, streamNotFound(arn)
	}
	id, ok := stream.ParseLabel(label)
	if !ok {
		return nil, streamNotFound(arn)
	}
	s, ok := h.opts.Streams.Stream(table, id)
	if !ok {
		return nil, streamNotFound(arn)
	}
	return s, nil
}

// serveStreams runs one operation of the Streams API.
func (h *Handler) serveStreams(op string, body []byte) ([]byte, *Error) {
	if len(body) == 0 {
		return nil, &Error{Status: 400, Type: nsCoralService + "SerializationException", NoMessage: true}
	}
	switch op {
	case "ListStreams":
		var in struct {
			TableName               *string
			Limit                   *int
			ExclusiveStartStreamArn *string
		}
		if e := decodeStreamsInput(body, &in); e != nil {
			return nil, e
		}
		errs := optional("tableName", in.TableName, 3, 255)
		errs = append(errs, positive(in.Limit)...)
		errs = append(errs, optional("exclusiveStartStreamArn", in.ExclusiveStartStreamArn, 37, 1024)...)
		if e := constraintErrors(errs); e != nil {
			return nil, e
		}
		return h.listStreams(deref(in.TableName), deref(in.ExclusiveStartStreamArn), in.Limit)
	case "DescribeStream":
		var in struct {
			StreamArn             *string
			Limit                 *int
			ExclusiveStartShardId *string
		}
		if e := decodeStreamsInput(body, &in); e != nil {
			return nil, e
		}
		errs := required("streamArn", in.StreamArn, 37, 1024)
		errs = append(errs, positive(in.Limit)...)
		errs = append(errs, optional("exclusiveStartShardId", in.ExclusiveStartShardId, 28, 65)...)
		if e := constraintErrors(errs); e != nil {
			return nil, e
		}
		return h.describeStream(*in.StreamArn, deref(in.ExclusiveStartShardId), in.Limit)
	case "GetShardIterator":
		var in struct {
			StreamArn         *string
			ShardId           *string
			ShardIteratorType *string
			SequenceNumber    *string
		}
		if e := decodeStreamsInput(body, &in); e != nil {
			return nil, e
		}
		errs := required("streamArn", in.StreamArn, 37, 1024)
		errs = append(errs, required("shardId", in.ShardId, 28, 65)...)
		switch t := deref(in.ShardIteratorType); {
		case in.ShardIteratorType == nil:
			errs = append(errs, "Value null at 'shardIteratorType' failed to satisfy constraint: Member must not be null")
		case t != "TRIM_HORIZON" && t != "LATEST" && t != "AT_SEQUENCE_NUMBER" && t != "AFTER_SEQUENCE_NUMBER":
			errs = append(errs, "Value '"+t+"' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]")
		}
		errs = append(errs, optional("sequenceNumber", in.SequenceNumber, 21, 40)...)
		if e := constraintErrors(errs); e != nil {
			return nil, e
		}
		return h.getShardIterator(*in.StreamArn, *in.ShardId, *in.ShardIteratorType, in.SequenceNumber)
	case "GetRecords":
		var in struct {
			ShardIterator *string
			Limit         *int
		}
		if e := decodeStreamsInput(body, &in); e != nil {
			return nil, e
		}
		errs := required("shardIterator", in.ShardIterator, 1, 2048)
		errs = append(errs, positive(in.Limit)...)
		if in.Limit != nil && *in.Limit > maxGetRecords {
			errs = append(errs, fmt.Sprintf("Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to %d", *in.Limit, maxGetRecords))
		}
		if e := constraintErrors(errs); e != nil {
			return nil, e
		}
		limit := maxGetRecords
		if in.Limit != nil {
			limit = *in.Limit
		}
		return h.getRecords(*in.ShardIterator, limit)
	}
	return nil, &Error{Status: 400, Type: nsCoralService + "UnknownOperationException", NoMessage: true}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// decodeStreamsInput decodes a Streams API request into v, whose fields
// are pointers: a member of the wrong JSON type is a SerializationException,
// as in DynamoDB; unknown members are ignored.
func decodeStreamsInput(body []byte, v any) *Error {
	if bytes.Equal(bytes.TrimSpace(body), []byte("null")) {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		if te, ok := err.(*json.UnmarshalTypeError); ok {
			return serializationError("Unexpected value type in payload for member " + te.Field)
		}
		return &Error{Status: 400, Type: nsCoralService + "SerializationException", NoMessage: true}
	}
	return nil
}

// required checks a required string member's presence and length.
func required(member string, v *string, lo, hi int) []string {
	if v == nil {
		return []string{"Value null at '" + member + "' failed to satisfy constraint: Member must not be null"}
	}
	return checkLength(member, *v, lo, hi)
}

// optional checks an optional string member's length.
func optional(member string, v *string, lo, hi int) []string {
	if v == nil {
		return nil
	}
	return checkLength(member, *v, lo, hi)
}

// positive checks that an optional Limit is at least 1.
func positive(v *int) []string {
	if v != nil && *v < 1 {
		return []string{fmt.Sprintf("Value '%d' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1", *v)}
	}
	return nil
}

func checkLength(member, v string, lo, hi int) []string {
	switch {
	case len(v) < lo:
		return []string{fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", v, member, lo)}
	case len(v) > hi:
		return []string{fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", v, member, hi)}
	}
	return nil
}

// constraintErrors words constraint violations as DynamoDB does.
func constraintErrors(errs []string) *Error {
	if len(errs) == 0 {
		return nil
	}
	return validationError(fmt.Sprintf("%d validation error%s detected: %s", len(errs), plural(len(errs)), strings.Join(errs, "; ")))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (h *Handler) listStreams(table, exclusiveStart string, limit *int) ([]byte, *Error) {
	n := 100
	if limit != nil {
		n = min(*limit, 100)
	}
	out := []byte(`{"Streams":[`)
	count := 0
	last := ""
	more := false
	started := exclusiveStart == ""
	for _, s := range h.opts.Streams.Streams() {
		info := s.Info()
		if table != "" && info.Table != table {
			continue
		}
		arn := h.streamArn(info.Table, info.ID)
		if !started {
			started = arn == exclusiveStart
			continue
		}
		if count == n {
			more = true
			break
		}
		if count > 0 {
			out = append(out, ',')
		}
		out = append(out, `{"StreamArn":`...)
		out = appendJSONString(out, arn)
		out = append(out, `,"StreamLabel":`...)
		out = appendJSONString(out, info.Label())
		out = append(out, `,"TableName":`...)
		out = appendJSONString(out, info.Table)
		out = append(out, '}')
		count++
		last = arn
	}
	out = append(out, ']')
	if more {
		out = append(out, `,"LastEvaluatedStreamArn":`...)
		out = appendJSONString(out, last)
	}
	return append(out, '}'), nil
}

func appendSeq(dst []byte, seq uint64) []byte {
	var b [21]byte
	s := strconv.AppendUint(b[:0], seq, 10)
	dst = append(dst, '"')
	for i := len(s); i < 21; i++ {
		dst = append(dst, '0')
	}
	dst = append(dst, s...)
	return append(dst, '"')
}

func (h *Handler) describeStream(arn, exclusiveStart string, limit *int) ([]byte, *Error) {
	s, e := h.parseStreamArn(arn)
	if e != nil {
		return nil, e
	}
	info := s.Info()
	n := 100
	if limit != nil {
		n = min(*limit, 100)
	}
	out := []byte(`{"StreamDescription":{"CreationRequestDateTime":`)
	out = appendFloat(out, float64(info.ID)/1000)
	out = append(out, `,"KeySchema":[{"AttributeName":`...)
	out = appendJSONString(out, info.Key.HashName)
	out = append(out, `,"KeyType":"HASH"}`...)
	if info.Key.RangeName != "" {
		out = append(out, `,{"AttributeName":`...)
		out = appendJSONString(out, info.Key.RangeName)
		out = append(out, `,"KeyType":"RANGE"}`...)
	}
	out = append(out, `],"Shards":[`...)
	shards := s.Shards()
	start := 0
	if exclusiveStart != "" {
		start = len(shards)
		for i, sh := range shards {
			if sh.ID == exclusiveStart {
				start = i + 1
				break
			}
		}
	}
	end := min(start+n, len(shards))
	for i := start; i < end; i++ {
		sh := shards[i]
		if i > start {
			out = append(out, ',')
		}
		out = append(out, '{')
		if sh.Parent != "" {
			out = append(out, `"ParentShardId":`...)
			out = appendJSONString(out, sh.Parent)
			out = append(out, ',')
		}
		out = append(out, `"SequenceNumberRange":{`...)
		if sh.Closed {
			out = append(out, `"EndingSequenceNumber":`...)
			out = appendSeq(out, sh.End)
			out = append(out, ',')
		}
		out = append(out, `"StartingSequenceNumber":`...)
		out = appendSeq(out, sh.Start)
		out = append(out, `},"ShardId":`...)
		out = appendJSONString(out, sh.ID)
		out = append(out, '}')
	}
	out = append(out, ']')
	if end < len(shards) {
		out = append(out, `,"LastEvaluatedShardId":`...)
		out = appendJSONString(out, shards[end-1].ID)
	}
	status := "ENABLED"
	if info.Disabled != 0 {
		status = "DISABLED"
	}
	out = append(out, `,"StreamArn":`...)
	out = appendJSONString(out, arn)
	out = append(out, `,"StreamLabel":`...)
	out = appendJSONString(out, info.Label())
	out = append(out, `,"StreamStatus":"`...)
	out = append(out, status...)
	out = append(out, `","StreamViewType":`...)
	out = appendJSONString(out, info.ViewType)
	out = append(out, `,"TableName":`...)
	out = appendJSONString(out, info.Table)
	return append(out, `}}`...), nil
}

// A shard iterator is "<stream ARN>|1|<base64>", the base64 holding the
// shard's interval, the next sequence number and the creation time; as
// DynamoDB's, it is opaque to clients.
func encodeIterator(arn string, sh stream.Shard, seq uint64, created time.Time) string {
	b := binary.AppendUvarint(nil, uint64(len(sh.ID)))
	b = append(b, sh.ID...)
	b = binary.AppendUvarint(b, seq)
	b = binary.AppendUvarint(b, uint64(created.UnixMilli()))
	return arn + "|1|" + base64.RawURLEncoding.EncodeToString(b)
}

func decodeIterator(it string) (arn, shardID string, seq uint64, created time.Time, ok bool) {
	i := strings.LastIndex(it, "|1|")
	if i < 0 {
		return
	}
	b, err := base64.RawURLEncoding.DecodeString(it[i+3:])
	if err != nil {
		return
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return
	}
	shardID = string(b[k : k+int(n)])
	b = b[k+int(n):]
	seq, k = binary.Uvarint(b)
	if k <= 0 {
		return
	}
	b = b[k:]
	ms, k := binary.Uvarint(b)
	if k <= 0 || k != len(b) || ms > 1<<62 {
		return
	}
	return it[:i], shardID, seq, time.UnixMilli(int64(ms)), true
}

func (h *Handler) getShardIterator(arn, shardID, typ string, seqNum *string) ([]byte, *Error) {
	s, e := h.parseStreamArn(arn)
	if e != nil {
		return nil, e
	}
	sh, ok := s.Shard(shardID)
	if !ok {
		return nil, resourceNotFound("Requested resource not found: Shard does not exist")
	}
	var seq uint64
	switch typ {
	case "TRIM_HORIZON":
		seq = sh.Start
	case "LATEST":
		seq = s.Latest()
		if sh.Closed && seq > sh.End {
			seq = sh.End + 1
		}
	default:
		if seqNum == nil {
			return nil, validationError("Must specify sequence number for shard iterator type " + typ)
		}
		n, err := strconv.ParseUint(*seqNum, 10, 64)
		if err != nil || n < sh.Start || sh.Closed && n > sh.End {
			return nil, validationError("Invalid SequenceNumber for ShardIteratorType " + typ + ": " + *seqNum)
		}
		seq = n
		if typ == "AFTER_SEQUENCE_NUMBER" {
			seq++
		}
	}
	if seqNum != nil && (typ == "TRIM_HORIZON" || typ == "LATEST") {
		return nil, validationError("Sequence number must not be specified for shard iterator type " + typ)
	}
	out := []byte(`{"ShardIterator":`)
	out = appendJSONString(out, encodeIterator(arn, sh, seq, time.Now()))
	return append(out, '}'), nil
}

func (h *Handler) getRecords(iter string, limit int) ([]byte, *Error) {
	arn, shardID, seq, created, ok := decodeIterator(iter)
	if !ok {
		return nil, validationError("Invalid ShardIterator")
	}
	s, e := h.parseStreamArn(arn)
	if e != nil {
		return nil, e
	}
	now := time.Now()
	if now.Sub(created) > iteratorLifetime {
		return nil, expiredIterator("Shard iterator has expired")
	}
	sh, ok := s.Shard(shardID)
	if !ok {
		return nil, trimmedDataAccess("The operation attempted to read past the oldest stream record in a shard.")
	}
	recs, next, ended, err := s.Read(sh, seq, limit, maxGetRecordsBytes)
	if err == stream.ErrTrimmed {
		return nil, trimmedDataAccess("The operation attempted to read past the oldest stream record in a shard.")
	}
	if err != nil {
		return nil, internalError(err.Error())
	}
	info := s.Info()
	out := []byte(`{`)
	if !ended {
		out = append(out, `"NextShardIterator":`...)
		out = appendJSONString(out, encodeIterator(arn, sh, next, now))
		out = append(out, ',')
	}
	out = append(out, `"Records":[`...)
	for i := range recs {
		if i > 0 {
			out = append(out, ',')
		}
		var rerr error
		out, rerr = h.appendStreamRecord(out, &info, &recs[i])
		if rerr != nil {
			return nil, internalError(rerr.Error())
		}
	}
	return append(out, `]}`...), nil
}

// appendStreamRecord encodes one record as DynamoDB Streams does, with the
// images the stream's view type asks for.
func (h *Handler) appendStreamRecord(out []byte, info *stream.Info, r *stream.Record) ([]byte, error) {
	var oldIt, newIt attr.Item
	var err error
	if r.Old != nil {
		if oldIt, err = attr.DecodeItem(r.Old); err != nil {
			return out, err
		}
	}
	if r.New != nil {
		if newIt, err = attr.DecodeItem(r.New); err != nil {
			return out, err
		}
	}
	src := newIt
	if src == nil {
		src = oldIt
	}
	keys := attr.Item{}
	for _, name := range []string{info.Key.HashName, info.Key.RangeName} {
		if v, ok := src[name]; ok && name != "" {
			keys[name] = v
		}
	}
	view := info.ViewType
	size := attr.ItemSize(keys)
	withNew := newIt != nil && (view == "NEW_IMAGE" || view == "NEW_AND_OLD_IMAGES")
	withOld := oldIt != nil && stream.OldImages(view)
	if withNew {
		size += attr.ItemSize(newIt)
	}
	if withOld {
		size += attr.ItemSize(oldIt)
	}
	out = append(out, `{"awsRegion":`...)
	out = appendJSONString(out, h.opts.Region)
	out = append(out, `,"dynamodb":{"ApproximateCreationDateTime":`...)
	out = strconv.AppendInt(out, r.Time/1000, 10)
	out = append(out, `,"Keys":`...)
	out = appendItem(out, keys)
	if withNew {
		out = append(out, `,"NewImage":`...)
		out = appendItem(out, newIt)
	}
	if withOld {
		out = append(out, `,"OldImage":`...)
		out = appendItem(out, oldIt)
	}
	out = append(out, `,"SequenceNumber":`...)
	out = appendSeq(out, r.Seq)
	out = append(out, `,"SizeBytes":`...)
	out = strconv.AppendInt(out, int64(size), 10)
	out = append(out, `,"StreamViewType":`...)
	out = appendJSONString(out, view)
	out = append(out, `},"eventID":"`...)
	out = fmt.Appendf(out, "%016x%016x", uint64(info.ID), r.Seq)
	out = append(out, `","eventName":"`...)
	out = append(out, r.EventName()...)
	out = append(out, `","eventSource":"aws:dynamodb","eventVersion":"1.1"`...)
	if r.Service {
		out = append(out, `,"userIdentity":{"PrincipalId":"dynamodb.amazonaws.com","Type":"Service"}`...)
	}
	return append(out, '}'), nil
}

// AppendChangeJSON encodes a change as a GetRecords record (the RESP port
// publishes it; see stream.WatchFunc): a record of the stream info
// describes, or, info nil, a change of a table without a stream, with the
// images it has (the new one; the old one of a delete) and no sequence
// number.
func (h *Handler) AppendChangeJSON(dst []byte, table string, info *stream.Info, r *stream.Record) ([]byte, error) {
	if info == nil {
		t, ok := h.store.Table(table)
		if !ok {
			return dst, shard.ErrTableNotFound
		}
		info = &stream.Info{Table: table, Key: t.Schema(), ViewType: "NEW_AND_OLD_IMAGES"}
	}
	return h.appendStreamRecord(dst, info, r)
}

// enableStream creates a new stream for table t and attaches it; it
// returns the stream's id.
func (h *Handler) enableStream(table string, ks shard.KeySchema, view string) (int64, error) {
	id := time.Now().UnixMilli()
	for {
		if _, taken := h.opts.Streams.Stream(table, id); !taken {
			break
		}
		id++
	}
	if _, err := h.opts.Streams.Create(stream.Info{Table: table, ID: id, ViewType: view, Key: ks}); err != nil {
		return 0, err
	}
	return id, nil
}

// reconcileStreams makes the hub agree with the tables' descriptions at
// start: each table's enabled stream exists and is attached; every other
// stream is disabled.
func (h *Handler) reconcileStreams() {
	enabled := map[string]int64{}
	for _, t := range h.store.Tables() {
		m := loadMeta(t)
		d := &m.Desc
		if d.StreamSpecification == nil || !d.StreamSpecification.StreamEnabled || d.LatestStreamLabel == "" {
			continue
		}
		id, ok := stream.ParseLabel(d.LatestStreamLabel)
		if !ok {
			continue
		}
		view := d.StreamSpecification.StreamViewType
		if _, err := h.opts.Streams.Create(stream.Info{Table: t.Name(), ID: id, ViewType: view, Key: t.Schema()}); err != nil {
			continue
		}
		t.SetStream(id, stream.OldImages(view))
		enabled[t.Name()] = id
	}
	for _, s := range h.opts.Streams.Streams() {
		info := s.Info()
		if info.Disabled == 0 && enabled[info.Table] != info.ID {
			h.opts.Streams.Disable(info.Table, info.ID)
		}
	}
}
