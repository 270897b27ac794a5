package accel

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard"
)

// Tailing one table's stream with the DynamoDB Streams API
// (DynamoDBStreams_20120810.DescribeStream, GetShardIterator, GetRecords).
//
// What is relied on (DynamoDB's documented behaviour, which Alternator,
// moto and dynacache follow):
//
//   - DescribeStream lists the stream's shards, pages chained by
//     LastEvaluatedShardId/ExclusiveStartShardId; a shard names its parent
//     (ParentShardId) and, once closed, has an EndingSequenceNumber.
//   - Within a shard, records are in the order of the changes, with
//     increasing SequenceNumbers (decimal strings); the records of one
//     item are in one shard at a time, and a child's records come after
//     its parent's. So a child is read only once its parent is drained
//     (GetRecords without a NextShardIterator), or when its parent is
//     no longer listed (trimmed) or was closed before tailing began.
//   - GetShardIterator with LATEST starts after the last record; with
//     TRIM_HORIZON at the oldest record kept; with AFTER_SEQUENCE_NUMBER
//     just after a record.
//   - GetRecords returns records in order and a NextShardIterator (none
//     once a closed shard is drained); an empty page at an open shard
//     means the reader is at its tip.
//   - A shard iterator expires (ExpiredIteratorException, after 15
//     minutes on DynamoDB): a new one is taken after the last record
//     applied. Records older than the stream's retention are trimmed
//     (TrimmedDataAccessException), and a deleted table's stream is gone
//     (ResourceNotFoundException): records may have been lost, so the
//     caches are dropped and the stream is read again from its tip (or,
//     when the stream itself is gone, the table's schema is forgotten and
//     a later request learns it again).
//   - Any other error (throttling: about two readers per shard are
//     allowed, an unreachable endpoint) is retried with a backoff.
//
// The shards at the start of tailing are read from LATEST, shards that
// open afterwards from TRIM_HORIZON; after a warm restart, each shard
// with a saved position is read from AFTER_SEQUENCE_NUMBER, and shards
// without one from TRIM_HORIZON (persist.go).

const streamsPrefix = "DynamoDBStreams_20120810."

// Tail timing.
const (
	// DefaultStreamPoll is how long a tail waits before asking again
	// after reaching the tip of every shard: DynamoDB allows five
	// GetRecords per second per shard, shared by its readers.
	DefaultStreamPoll = 250 * time.Millisecond
	// describeEvery is how often the shard list is read again (besides
	// when a shard ends), to find shards opened by splits.
	describeEvery = 30 * time.Second
	// maxBackoff bounds the wait after a failed call.
	maxBackoff = 5 * time.Second
	// recordsLimit is GetRecords's Limit (DynamoDB's maximum).
	recordsLimit = 1000
	// maxDescribePages bounds one DescribeStream walk.
	maxDescribePages = 1000
)

// streamsEndpoint returns the Streams API's URL for an upstream: AWS
// serves it on its own host (streams.dynamodb.<region>.amazonaws.com);
// Alternator, dynacache and moto on the tables' URL.
func streamsEndpoint(upstream string) string {
	u, err := url.Parse(upstream)
	if err != nil {
		return upstream
	}
	host := u.Hostname()
	if strings.HasPrefix(host, "dynamodb.") && (strings.HasSuffix(host, ".amazonaws.com") || strings.HasSuffix(host, ".amazonaws.com.cn")) {
		u.Host = "streams." + u.Host
		return u.String()
	}
	return upstream
}

// tail reads one table's stream and applies it. Its shard map belongs to
// its goroutine; stats and positions are read by others.
type tail struct {
	co     *coherence
	table  string
	stream string
	ks     shard.KeySchema
	stopc  chan struct{}
	donec  chan struct{}
	once   sync.Once
	ctx    context.Context // done once stopped: abandons a call in flight
	cancel context.CancelFunc

	shards map[string]*shardPos
	order  []string // shard ids in discovery order
	resume *tableState
	// describeSoon asks for the shard list again (a shard ended);
	// mustDrop drops the caches once the tip's iterators are taken (after
	// a loss).
	describeSoon, mustDrop bool

	records  atomic.Uint64
	errors   atomic.Uint64
	created  atomic.Int64 // ApproximateCreationDateTime of the last record applied
	lastLag  atomic.Int64 // its lag when it was applied
	caughtUp atomic.Bool
	nshards  atomic.Int64
	gone     atomic.Bool

	mu  sync.Mutex
	pos tableState // positions as of the last batch applied, for persist.go
}

// shardPos is one shard's reading state.
type shardPos struct {
	id, parent string
	iter       string // "" when one must be taken
	seq        seqNum // the last record applied
	start      string // iterator type when there is no seq
	closed     bool   // listed with an EndingSequenceNumber
	done       bool   // drained (or closed before tailing began)
	atTip      bool
	listed     bool // in the last DescribeStream
}

func newTail(co *coherence, table string, ts *tableSchema, resume *tableState) *tail {
	t := &tail{co: co, table: table, stream: ts.stream, ks: ts.key, stopc: make(chan struct{}), donec: make(chan struct{}),
		shards: map[string]*shardPos{}, resume: resume}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	// A fresh tail starts at the tip: entries made before its iterators
	// were taken may miss a change committed in between, so they go once
	// the iterators are taken. A resumed tail replays from positions
	// taken before its entries were saved.
	t.mustDrop = resume == nil
	return t
}

// stop asks the tail to stop.
func (t *tail) stop() {
	t.once.Do(func() {
		close(t.stopc)
		t.cancel()
	})
}

// close stops the tail and waits for it.
func (t *tail) close() {
	t.stop()
	<-t.donec
}

// ended reports whether the tail stopped by itself (its stream is gone).
func (t *tail) ended() bool { return t.gone.Load() }

// wait sleeps d; false when the tail is stopped meanwhile.
func (t *tail) wait(d time.Duration) bool {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-t.stopc:
		return false
	case <-tm.C:
		return true
	}
}

// streamError is a Streams API error reply (or no reply: Type "").
type streamError struct {
	Type, Message string
}

func (e *streamError) Error() string {
	if e.Type == "" {
		return e.Message
	}
	return e.Type + ": " + e.Message
}

func (e *streamError) is(name string) bool {
	return strings.HasSuffix(e.Type, "#"+name) || e.Type == name
}

// call makes one Streams API call.
func (t *tail) call(op string, body []byte) (dynamodb.Doc, *streamError) {
	status, reply, e := t.co.streams.callContext(t.ctx, streamsPrefix+op, body)
	if e != nil {
		return dynamodb.Doc{}, &streamError{Message: e.Message}
	}
	if status != 200 {
		ue := upstreamError(status, reply)
		return dynamodb.Doc{}, &streamError{Type: ue.Type, Message: ue.Message}
	}
	doc, ok := dynamodb.ParseDoc(reply)
	if !ok || !doc.IsObject() {
		return dynamodb.Doc{}, &streamError{Message: "malformed " + op + " reply"}
	}
	return doc, nil
}

// run tails until closed or the stream is gone.
func (t *tail) run() {
	defer close(t.donec)
	backoff := time.Duration(0)
	first := true
	var described time.Time
	for {
		select {
		case <-t.stopc:
			return
		default:
		}
		if backoff > 0 && !t.wait(backoff) {
			return
		}
		if first || time.Since(described) > describeEvery || (t.describeSoon && time.Since(described) > min(time.Second, 10*t.co.poll)) {
			if err := t.describe(first); err != nil {
				if err.is("ResourceNotFoundException") {
					t.streamGone()
					return
				}
				t.failed(err, &backoff)
				continue
			}
			if first && t.mustDrop {
				// At the start or after a loss: the tip's iterators are
				// taken, now the entries made before go.
				t.mustDrop = false
				t.co.a.dropTable(t.table)
			}
			first, t.describeSoon = false, false
			described = time.Now()
		}
		progressed, tip := false, true
		var failure *streamError
		for _, id := range t.order {
			sp := t.shards[id]
			if sp.done || !t.ready(sp) {
				if !sp.done {
					tip = false
				}
				continue
			}
			n, err := t.read(sp)
			if err != nil {
				failure = err
				break
			}
			if n > 0 {
				progressed = true
			}
			if !sp.atTip && !sp.done {
				tip = false
			}
		}
		if failure != nil {
			if failure.is("TrimmedDataAccessException") || failure.is("ResourceNotFoundException") {
				t.lost(failure)
				first = true
				continue
			}
			t.failed(failure, &backoff)
			continue
		}
		backoff = 0
		t.caughtUp.Store(tip)
		t.savePositions()
		if !progressed && !t.wait(t.co.poll) {
			return
		}
	}
}

// failed counts an error and grows the backoff.
func (t *tail) failed(err *streamError, backoff *time.Duration) {
	t.errors.Add(1)
	t.caughtUp.Store(false)
	*backoff = min(max(2**backoff, 100*time.Millisecond), maxBackoff)
	t.co.logger.Debug(fmt.Sprintf("accelerator: stream of %s: %v (retrying in %s)", t.table, err, *backoff))
}

// ready reports whether sp may be read: its parent is drained, or not
// read here.
func (t *tail) ready(sp *shardPos) bool {
	p := t.shards[sp.parent]
	return p == nil || p.done || !p.listed
}

// describe reads the shard list. The first time, the open shards are
// read from LATEST (iterators taken now, so tailing starts now), closed
// ones not at all; later, new shards from TRIM_HORIZON. A resumed tail
// reads shards with a saved position after it, and the others from
// TRIM_HORIZON.
func (t *tail) describe(first bool) *streamError {
	for _, sp := range t.shards {
		sp.listed = false
	}
	saved := map[string]shardState{}
	if first && t.resume != nil {
		for _, s := range t.resume.Shards {
			saved[s.ID] = s
		}
	}
	start := ""
	for range maxDescribePages {
		body := dynamodb.AppendJSONString([]byte(`{"StreamArn":`), t.stream)
		if start != "" {
			body = append(body, `,"ExclusiveStartShardId":`...)
			body = dynamodb.AppendJSONString(body, start)
		}
		body = append(body, '}')
		doc, err := t.call("DescribeStream", body)
		if err != nil {
			return err
		}
		desc := doc.Get("StreamDescription")
		if st, _ := desc.Get("StreamStatus").Str(); st == "DISABLED" || st == "DISABLING" {
			// The stream was turned off: nothing more will come.
			return &streamError{Type: "ResourceNotFoundException", Message: "stream " + st}
		}
		list := desc.Get("Shards")
		for i := range list.Len() {
			_, sh := list.At(i)
			id, _ := sh.Get("ShardId").Str()
			if id == "" {
				continue
			}
			closed := sh.Get("SequenceNumberRange").Get("EndingSequenceNumber").Exists()
			if sp := t.shards[id]; sp != nil {
				sp.listed, sp.closed = true, closed
				continue
			}
			parent, _ := sh.Get("ParentShardId").Str()
			sp := &shardPos{id: id, parent: parent, listed: true, closed: closed, start: "TRIM_HORIZON"}
			switch s, ok := saved[id]; {
			case ok && s.Done:
				sp.done = true
			case ok && s.Seq != "":
				sp.seq = seqNum(s.Seq)
			case ok || t.resume != nil:
				// Known without a record applied, or opened while this
				// node was down: from the oldest record kept.
			case first && closed:
				sp.done = true
			case first:
				sp.start = "LATEST"
			}
			t.shards[id] = sp
			t.order = append(t.order, id)
			if first && sp.start == "LATEST" && sp.seq == "" {
				if err := t.iterator(sp); err != nil {
					return err
				}
			}
		}
		next, _ := desc.Get("LastEvaluatedShardId").Str()
		if next == "" {
			break
		}
		start = next
	}
	if first {
		t.resume = nil
	}
	// Forget drained shards that are no longer listed.
	kept := t.order[:0]
	for _, id := range t.order {
		sp := t.shards[id]
		if !sp.listed && sp.done {
			delete(t.shards, id)
			continue
		}
		kept = append(kept, id)
	}
	t.order = kept
	t.nshards.Store(int64(len(t.order)))
	return nil
}

// iterator takes sp's shard iterator.
func (t *tail) iterator(sp *shardPos) *streamError {
	body := dynamodb.AppendJSONString([]byte(`{"StreamArn":`), t.stream)
	body = append(body, `,"ShardId":`...)
	body = dynamodb.AppendJSONString(body, sp.id)
	if sp.seq != "" {
		body = append(body, `,"ShardIteratorType":"AFTER_SEQUENCE_NUMBER","SequenceNumber":`...)
		body = dynamodb.AppendJSONString(body, string(sp.seq))
	} else {
		body = append(body, `,"ShardIteratorType":`...)
		body = dynamodb.AppendJSONString(body, sp.start)
	}
	body = append(body, '}')
	doc, err := t.call("GetShardIterator", body)
	if err != nil {
		return err
	}
	it, ok := doc.Get("ShardIterator").Str()
	if !ok || it == "" {
		return &streamError{Message: "GetShardIterator reply without a ShardIterator"}
	}
	sp.iter = it
	return nil
}

// read reads one page of sp and applies it; n is the number of records.
func (t *tail) read(sp *shardPos) (int, *streamError) {
	if sp.iter == "" {
		if err := t.iterator(sp); err != nil {
			return 0, err
		}
	}
	body := dynamodb.AppendJSONString([]byte(`{"ShardIterator":`), sp.iter)
	body = append(body, `,"Limit":`+strconv.Itoa(recordsLimit)+`}`...)
	doc, err := t.call("GetRecords", body)
	if err != nil {
		if err.is("ExpiredIteratorException") {
			// Taken again after the last record applied (or as first
			// taken, when none was: LATEST then loses what came since).
			sp.iter = ""
			if sp.seq == "" && sp.start == "LATEST" {
				return 0, &streamError{Type: "TrimmedDataAccessException", Message: "iterator expired before a record was read"}
			}
			return 0, nil
		}
		return 0, err
	}
	recs := doc.Get("Records")
	n := recs.Len()
	applied := 0
	for i := range n {
		_, rd := recs.At(i)
		r, ok := parseRecord(rd, sp.id)
		if !ok {
			// A record not understood may change a held key: the
			// table's entries go.
			t.errors.Add(1)
			t.co.a.dropTable(t.table)
			continue
		}
		if sp.seq != "" && !sp.seq.less(r.seq) {
			continue // already applied
		}
		t.co.apply(t, r)
		if pub := t.co.a.opts.PublishRecord; pub != nil {
			pub(t.table, sp.id, rd.AppendJSON(nil))
		}
		sp.seq = r.seq
		applied++
		t.records.Add(1)
		t.created.Store(r.created)
		t.lastLag.Store(max(time.Now().UnixNano()-r.created, 0))
	}
	if applied > 0 {
		t.co.a.queries.touch([]string{t.table})
	}
	next, _ := doc.Get("NextShardIterator").Str()
	switch {
	case next != "":
		sp.iter = next
		sp.atTip = n == 0
	case n == 0 && !sp.closed:
		// An open shard's empty page without a NextShardIterator (moto
		// answers so at the tip): the iterator stays, and the shard list
		// is read again in case the shard closed meanwhile.
		sp.atTip = true
		t.describeSoon = true
	default:
		// A closed shard, drained: its children are next.
		sp.iter, sp.done = "", true
		t.describeSoon = true
	}
	return n, nil
}

// parseRecord reads one GetRecords record.
func parseRecord(rd dynamodb.Doc, shardID string) (*record, bool) {
	d := rd.Get("dynamodb")
	seq, _ := d.Get("SequenceNumber").Str()
	if !validSeq(seq) {
		return nil, false
	}
	keys, ok := d.Get("Keys").Item()
	if !ok {
		return nil, false
	}
	r := &record{shard: shardID, seq: seqNum(seq), keys: keys}
	if ct := d.Get("ApproximateCreationDateTime"); ct.Exists() {
		if f, err := strconv.ParseFloat(string(ct.AppendJSON(nil)), 64); err == nil && f > 0 {
			r.created = int64(f * 1e9)
		}
	}
	switch ev, _ := rd.Get("eventName").Str(); ev {
	case "REMOVE":
		r.known = true
	case "INSERT", "MODIFY":
		if ni := d.Get("NewImage"); ni.Exists() {
			if r.image, ok = ni.Item(); !ok {
				return nil, false
			}
			r.known = true
		}
	default:
		return nil, false
	}
	return r, true
}

// lost handles records that may have been lost (trimmed, or the shard
// gone): every shard is read again from the stream's tip, whose
// iterators are taken before the table's cached entries are dropped, so that every entry
// made afterwards was read after that tip.
func (t *tail) lost(err *streamError) {
	t.errors.Add(1)
	t.co.logger.Warn(fmt.Sprintf("accelerator: stream of %s: %v: records may be lost; dropping the caches and reading from the stream's tip", t.table, err))
	t.shards = map[string]*shardPos{}
	t.order = nil
	t.resume = nil
	t.mustDrop = true
	t.caughtUp.Store(false)
}

// streamGone ends the tail of a stream that no longer exists: the table
// was deleted (or its stream turned off). The table's schema is
// forgotten and its cached entries dropped; the next request of the table learns
// it again (and tails its new stream, if any).
func (t *tail) streamGone() {
	t.gone.Store(true)
	t.co.logger.Warn(fmt.Sprintf("accelerator: the stream of %s is gone (table deleted or stream disabled)", t.table))
	t.co.a.schemas.drop(t.table)
	t.co.a.dropTable(t.table)
}

// stats returns the tail's figures.
func (t *tail) stats(table string) TableCoherence {
	tc := TableCoherence{Table: table, Mode: CoherenceStreams, Records: t.records.Load(), Errors: t.errors.Load(),
		CaughtUp: t.caughtUp.Load(), Shards: int(t.nshards.Load())}
	if t.gone.Load() {
		tc.Mode, tc.Reason = CoherenceTTL, "stream gone"
	}
	if c := t.created.Load(); c > 0 {
		if tc.CaughtUp {
			tc.Lag = time.Duration(t.lastLag.Load())
		} else {
			tc.Lag = time.Duration(max(time.Now().UnixNano()-c, 0))
		}
	}
	return tc
}

// savePositions publishes the shards' positions for persist.go.
func (t *tail) savePositions() {
	st := tableState{Stream: t.stream, Shards: make([]shardState, 0, len(t.order))}
	for _, id := range t.order {
		sp := t.shards[id]
		st.Shards = append(st.Shards, shardState{ID: id, Parent: sp.parent, Seq: string(sp.seq), Done: sp.done})
	}
	t.mu.Lock()
	t.pos = st
	t.mu.Unlock()
}

// positions returns the positions published last.
func (t *tail) positions() tableState {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pos
}

// tableState is a table's stream positions (persisted).
type tableState struct {
	Stream string       `json:"stream"`
	Shards []shardState `json:"shards"`
}

// shardState is one shard's position: the last record applied.
type shardState struct {
	ID     string `json:"id"`
	Parent string `json:"parent,omitempty"`
	Seq    string `json:"seq,omitempty"`
	Done   bool   `json:"done,omitempty"`
}
