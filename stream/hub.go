// Package stream keeps dynacache's DynamoDB Streams: the change records of
// every table with an enabled stream, by stream, in shards, for 24 hours.
//
// # Data flow
//
// The store captures one change per item write that changes an item
// (shard/changes.go). With a data directory, the write-ahead log carries
// each change inside the write's own record, and hands the changes of each
// written group to the Hub (the log's ChangeSink) before it acknowledges
// the group's writers; without one, the store hands them over itself. The
// Hub appends each change as a Record to its stream's store: a Records log
// (wal.Records, on tidwall/wal) in <dir>/<table>/<stream id>/log, or
// memory. A record's sequence number is its place in that log.
//
// # Durability
//
// A change is durable when its write is: it is in the write-ahead log. The
// streams' own logs are written at once but fsynced only when the
// write-ahead log is about to drop records from its front (Sync). After a
// crash, recovery replays the write-ahead log from its snapshot and hands
// every change it replays to the Hub again; each stream keeps only those
// after the last one it holds (by the change's log position), so every
// change is kept exactly once, with the same sequence numbers. Records
// older than the retention (24 hours) are dropped from the front.
//
// # Shards
//
// A stream's shards are consecutive intervals of time (ShardInterval, 4
// hours by default, as DynamoDB rolls its shards over): a record belongs to
// the shard of the time it reached the hub. A shard is open while the
// stream's clock is inside its interval, then closed: the stream's clock
// never goes back, so no record can join a shard after a reader saw it
// closed. Shard ids name the interval, so they are the same after a
// restart.
package stream

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/wal"
)

// Defaults of Options.
const (
	DefaultRetention     = 24 * time.Hour
	DefaultShardInterval = 4 * time.Hour
	// LabelLayout formats a stream's label (its creation time, UTC), as
	// DynamoDB does in stream ARNs.
	LabelLayout = "2006-01-02T15:04:05.000"
)

// segmentBytes is the size of a stream log's segments. Trimming rewrites
// the segment it cuts into (tidwall/wal's TruncateFront) while the stream
// is locked, and the write-ahead log's committer waits on that lock to
// hand the next changes over: small segments keep that pause short (about
// a millisecond per MB on a slow disk), at the cost of more files.
const segmentBytes = 1 << 20

// ErrTrimmed is Read's error for a position whose records aged out.
var ErrTrimmed = errors.New("stream: records trimmed")

// Options configure a Hub.
type Options struct {
	// Dir holds the streams' logs; "": memory only.
	Dir string
	// Retention is how long records are kept; 0: DefaultRetention.
	Retention time.Duration
	// ShardInterval is how long a shard stays open; 0:
	// DefaultShardInterval.
	ShardInterval time.Duration
	// Logf reports repairs and failures; nil discards.
	Logf func(format string, args ...any)
	// Now is the clock (tests); nil: time.Now.
	Now func() time.Time
}

// Info describes a stream.
type Info struct {
	Table    string
	ID       int64 // creation time, Unix ms: the label
	ViewType string
	Key      shard.KeySchema
	// Disabled is when the stream was disabled (or its table deleted),
	// Unix ms; 0 while enabled.
	Disabled int64
}

// Label returns the stream's label, as in its ARN.
func (i *Info) Label() string { return Label(i.ID) }

// Label formats a stream id as its label.
func Label(id int64) string { return time.UnixMilli(id).UTC().Format(LabelLayout) }

// ParseLabel returns the stream id of a label.
func ParseLabel(label string) (int64, bool) {
	t, err := time.Parse(LabelLayout, label)
	if err != nil || t.Format(LabelLayout) != label {
		return 0, false
	}
	return t.UnixMilli(), true
}

// OldImages reports whether records of a stream of view type v carry the
// old image.
func OldImages(v string) bool { return v == "OLD_IMAGE" || v == "NEW_AND_OLD_IMAGES" }

type streamKey struct {
	table string
	id    int64
}

// Hub holds every stream. It implements wal.ChangeSink.
type Hub struct {
	opts       Options
	intervalMs int64
	logf       func(string, ...any)

	mu         sync.RWMutex
	streams    map[streamKey]*Stream
	recovering bool // between Open and Recovered: changes keep their log time
	watch      WatchFunc

	stop chan struct{}
	done chan struct{}
}

// Open opens the hub, loading the streams kept in opts.Dir.
func Open(opts Options) (*Hub, error) {
	if opts.Retention <= 0 {
		opts.Retention = DefaultRetention
	}
	if opts.ShardInterval <= 0 {
		opts.ShardInterval = DefaultShardInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	h := &Hub{opts: opts, intervalMs: opts.ShardInterval.Milliseconds(), logf: opts.Logf,
		streams: make(map[streamKey]*Stream), stop: make(chan struct{}), done: make(chan struct{})}
	if h.intervalMs <= 0 {
		h.intervalMs = 1
	}
	if h.logf == nil {
		h.logf = func(string, ...any) {}
	}
	if opts.Dir != "" {
		h.recovering = true
		if err := h.load(); err != nil {
			h.closeStreams()
			return nil, err
		}
	}
	go h.trimLoop()
	return h, nil
}

// load opens every stream under opts.Dir: <table>/<id>/{meta.json,log}.
func (h *Hub) load() error {
	if err := os.MkdirAll(h.opts.Dir, 0o755); err != nil {
		return err
	}
	tables, err := os.ReadDir(h.opts.Dir)
	if err != nil {
		return err
	}
	for _, t := range tables {
		if !t.IsDir() {
			continue
		}
		ids, err := os.ReadDir(filepath.Join(h.opts.Dir, t.Name()))
		if err != nil {
			return err
		}
		for _, d := range ids {
			id, err := strconv.ParseInt(d.Name(), 10, 64)
			if err != nil || !d.IsDir() {
				continue
			}
			dir := filepath.Join(h.opts.Dir, t.Name(), d.Name())
			info := Info{Table: t.Name(), ID: id}
			if b, err := os.ReadFile(filepath.Join(dir, "meta.json")); err == nil {
				if err := json.Unmarshal(b, &info); err != nil {
					return fmt.Errorf("stream: %s: %w", dir, err)
				}
			}
			s, err := h.openStream(info, dir)
			if err != nil {
				return err
			}
			h.streams[streamKey{info.Table, info.ID}] = s
		}
	}
	return nil
}

// openStream opens a stream's store and rebuilds its state.
func (h *Hub) openStream(info Info, dir string) (*Stream, error) {
	s := &Stream{hub: h, info: info, dir: dir}
	if dir == "" {
		s.st = newMemStore()
		return s, nil
	}
	st, err := wal.OpenRecords(filepath.Join(dir, "log"), segmentBytes, h.logf)
	if err != nil {
		return nil, err
	}
	s.st = st
	if err := s.rebuild(); err != nil {
		st.Close()
		return nil, err
	}
	return s, nil
}

// Streams returns every stream, by table, then creation.
func (h *Hub) Streams() []*Stream {
	h.mu.RLock()
	out := make([]*Stream, 0, len(h.streams))
	for _, s := range h.streams {
		out = append(out, s)
	}
	h.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].info.Table != out[j].info.Table {
			return out[i].info.Table < out[j].info.Table
		}
		return out[i].info.ID < out[j].info.ID
	})
	return out
}

// Stream returns a stream.
func (h *Hub) Stream(table string, id int64) (*Stream, bool) {
	h.mu.RLock()
	s, ok := h.streams[streamKey{table, id}]
	h.mu.RUnlock()
	return s, ok
}

// WatchFunc is called with every change the hub receives, in commit order:
// the record appended to a stream (info describes the stream), or, for a
// change of a table without a stream (shard.TapOnly), a record kept
// nowhere (info nil, Seq 0). It runs on the write path, with the stream
// locked: it must be quick and must not call back into the hub.
type WatchFunc func(table string, info *Info, r *Record)

// Watch sets fn to be called with every change (nil: none); not during
// recovery.
func (h *Hub) Watch(fn WatchFunc) {
	h.mu.Lock()
	h.watch = fn
	h.mu.Unlock()
}

// Create adds a new, enabled stream. The caller then attaches it to its
// table (shard.Table.SetStream). Creating a stream that exists already
// (recovery reconciling a table with its stream) updates its description.
func (h *Hub) Create(info Info) (*Stream, error) {
	info.Disabled = 0
	h.mu.Lock()
	defer h.mu.Unlock()
	k := streamKey{info.Table, info.ID}
	if s, ok := h.streams[k]; ok {
		s.mu.Lock()
		changed := s.info != info
		s.info = info
		s.mu.Unlock()
		if changed {
			return s, s.saveMeta()
		}
		return s, nil
	}
	dir := ""
	if h.opts.Dir != "" {
		dir = filepath.Join(h.opts.Dir, info.Table, strconv.FormatInt(info.ID, 10))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	s, err := h.openStream(info, dir)
	if err != nil {
		return nil, err
	}
	if err := s.saveMeta(); err != nil {
		s.st.Close()
		return nil, err
	}
	h.streams[k] = s
	return s, nil
}

// Disable marks a stream disabled (its table stopped it, or was deleted):
// its shards close, and it is readable until its records age out.
func (h *Hub) Disable(table string, id int64) error {
	s, ok := h.Stream(table, id)
	if !ok {
		return nil
	}
	s.mu.Lock()
	if s.info.Disabled != 0 {
		s.mu.Unlock()
		return nil
	}
	s.info.Disabled = s.tickLocked()
	s.mu.Unlock()
	return s.saveMeta()
}

// Changes implements shard.ChangeSink.
func (h *Hub) Changes(pos uint64, cs []shard.Change) {
	h.mu.RLock()
	recovering, watch := h.recovering, h.watch
	h.mu.RUnlock()
	for i := range cs {
		c := &cs[i]
		if c.Stream == shard.TapOnly {
			if watch != nil && !recovering {
				t := h.opts.Now().UnixMilli()
				watch(c.Table, nil, &Record{Time: t, Old: c.Old, New: c.New, OldExisted: c.OldExisted, Service: c.Service})
			}
			continue
		}
		s, ok := h.Stream(c.Table, c.Stream)
		if !ok {
			// A change of a stream the hub has no trace of: its directory
			// was lost while the log kept the changes. Keep them; the
			// server describes the stream again when it reconciles.
			var err error
			if s, err = h.Create(Info{Table: c.Table, ID: c.Stream}); err != nil {
				h.logf("stream: %s: cannot keep a change: %v", c.Table, err)
				continue
			}
		}
		s.add(pos, uint64(i), c, recovering, watch)
	}
}

// Sync implements wal.ChangeSink.
func (h *Hub) Sync() error {
	var first error
	for _, s := range h.Streams() {
		if err := s.sync(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Recovered implements wal.ChangeSink: it drops records of log positions
// at or after next, and ends recovery.
func (h *Hub) Recovered(next uint64) error {
	for _, s := range h.Streams() {
		if err := s.dropFrom(next); err != nil {
			return err
		}
	}
	h.mu.Lock()
	h.recovering = false
	h.mu.Unlock()
	return nil
}

// Close stops the trimmer, syncs and closes every stream.
func (h *Hub) Close() error {
	select {
	case <-h.stop:
		return nil
	default:
	}
	close(h.stop)
	<-h.done
	err := h.Sync()
	h.closeStreams()
	return err
}

func (h *Hub) closeStreams() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.streams {
		s.mu.Lock()
		s.st.Close()
		s.mu.Unlock()
	}
}

// trimLoop trims every minute (or every tenth of the retention, when
// shorter).
func (h *Hub) trimLoop() {
	defer close(h.done)
	every := time.Minute
	if r := h.opts.Retention / 10; r < every {
		every = r
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
			h.Trim()
		}
	}
}

// Trim drops the records older than the retention, and the disabled
// streams whose records have all aged out.
func (h *Hub) Trim() {
	cutoff := h.opts.Now().Add(-h.opts.Retention).UnixMilli()
	for _, s := range h.Streams() {
		gone, err := s.trim(cutoff)
		if err != nil {
			h.logf("stream: %s: trim: %v", s.info.Table, err)
			continue
		}
		if gone {
			h.mu.Lock()
			delete(h.streams, streamKey{s.info.Table, s.info.ID})
			h.mu.Unlock()
			s.mu.Lock()
			s.st.Close()
			s.mu.Unlock()
			if s.dir != "" {
				if err := os.RemoveAll(s.dir); err != nil {
					h.logf("stream: remove %s: %v", s.dir, err)
				}
			}
		}
	}
}

// Stream is one stream.
type Stream struct {
	hub *Hub
	dir string // "": in memory

	mu    sync.Mutex
	info  Info
	st    store
	clock int64 // the stream's clock, Unix ms: it never goes back
	// lastPos and lastSub place the last record's change in the log.
	lastPos, lastSub uint64
	hasLast          bool
	// marks are the first records of the intervals that have records,
	// in order.
	marks    []mark
	appended uint64 // records appended since the hub opened
	dirty    bool   // appended since the last sync
	err      error  // the first append that failed
	buf      []byte // add's scratch
}

type mark struct {
	bucket int64
	seq    uint64
}

// Info returns the stream's description.
func (s *Stream) Info() Info {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.info
}

func (s *Stream) saveMeta() error {
	if s.dir == "" {
		return nil
	}
	s.mu.Lock()
	b, _ := json.Marshal(&s.info)
	s.mu.Unlock()
	return writeFileAtomic(filepath.Join(s.dir, "meta.json"), b)
}

// tickLocked advances the stream's clock to now and returns it.
func (s *Stream) tickLocked() int64 {
	now := s.hub.opts.Now().UnixMilli()
	if now < s.info.ID {
		now = s.info.ID
	}
	if now > s.clock {
		s.clock = now
	}
	return s.clock
}

func (s *Stream) bucket(ms int64) int64 { return ms / s.hub.intervalMs }

// add appends the record of change c, unless the stream holds it already.
func (s *Stream) add(pos, sub uint64, c *shard.Change, recovering bool, watch WatchFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hasLast && (pos < s.lastPos || pos == s.lastPos && sub <= s.lastSub) {
		return
	}
	var t int64
	if recovering {
		if c.Time < s.hub.opts.Now().Add(-s.hub.opts.Retention).UnixMilli() {
			// Older than the retention: trimmed already, or it would be
			// at once (and a stream whose every record was trimmed has
			// no last position to tell it held this one).
			return
		}
		t = c.Time
		if t < s.clock {
			t = s.clock
		}
		if t < s.info.ID {
			t = s.info.ID
		}
		s.clock = t
	} else {
		t = s.tickLocked()
	}
	r := Record{Seq: s.st.Last() + 1, Time: t, New: c.New, OldExisted: c.OldExisted, Service: c.Service, pos: pos, sub: sub}
	if c.New == nil || s.info.ViewType == "" || OldImages(s.info.ViewType) {
		r.Old = c.Old
	}
	s.buf = appendRecord(s.buf[:0], &r) // the store copies it
	if err := s.st.Append(s.buf); err != nil {
		if s.err == nil {
			s.err = err
			s.hub.logf("stream: %s: cannot append a record: %v", s.info.Table, err)
		}
		return
	}
	s.lastPos, s.lastSub, s.hasLast, s.dirty = pos, sub, true, true
	s.appended++
	if b := s.bucket(t); len(s.marks) == 0 || s.marks[len(s.marks)-1].bucket < b {
		s.marks = append(s.marks, mark{bucket: b, seq: r.Seq})
	}
	if watch != nil && !recovering {
		watch(s.info.Table, &s.info, &r)
	}
}

func (s *Stream) sync() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dirty {
		return s.err
	}
	if err := s.st.Sync(); err != nil {
		return err
	}
	s.dirty = false
	return s.err
}

// readLocked reads and decodes record seq.
func (s *Stream) readLocked(seq uint64) (Record, error) {
	b, err := s.st.Read(seq)
	if err != nil {
		return Record{}, err
	}
	return decodeRecord(b, seq)
}

// rebuild recomputes the stream's state from its store.
func (s *Stream) rebuild() error {
	s.marks = s.marks[:0]
	s.hasLast = false
	first, last := s.st.First(), s.st.Last()
	if first > last {
		return nil
	}
	r, err := s.readLocked(last)
	if err != nil {
		return err
	}
	s.lastPos, s.lastSub, s.hasLast, s.clock = r.pos, r.sub, true, r.Time
	// The first record of each interval, by binary search on time.
	seq := first
	for seq <= last {
		r, err := s.readLocked(seq)
		if err != nil {
			return err
		}
		b := s.bucket(r.Time)
		s.marks = append(s.marks, mark{bucket: b, seq: seq})
		end := (b + 1) * s.hub.intervalMs
		var serr error
		n := sort.Search(int(last-seq+1), func(i int) bool {
			if serr != nil {
				return true
			}
			x, err := s.readLocked(seq + uint64(i))
			if err != nil {
				serr = err
				return true
			}
			return x.Time >= end
		})
		if serr != nil {
			return serr
		}
		seq += uint64(n)
	}
	return nil
}

// dropFrom drops the records of log positions at or after next.
func (s *Stream) dropFrom(next uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.hasLast || s.lastPos < next {
		return nil
	}
	keep := s.st.First() - 1
	for seq := s.st.Last(); seq >= s.st.First(); seq-- {
		r, err := s.readLocked(seq)
		if err != nil {
			return err
		}
		if r.pos < next {
			keep = seq
			break
		}
	}
	if err := s.st.TruncateBack(keep); err != nil {
		return err
	}
	s.hub.logf("stream: %s: dropped the records after %d, whose writes the log lost", s.info.Table, keep)
	return s.rebuild()
}

// trim drops records older than cutoff; gone reports a disabled stream
// with nothing left to read.
func (s *Stream) trim(cutoff int64) (gone bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	first, last := s.st.First(), s.st.Last()
	var serr error
	n := sort.Search(int(last-first+1), func(i int) bool {
		if serr != nil {
			return true
		}
		r, err := s.readLocked(first + uint64(i))
		if err != nil {
			serr = err
			return true
		}
		return r.Time >= cutoff
	})
	if serr != nil {
		return false, serr
	}
	if n > 0 {
		if err := s.st.TruncateFront(first + uint64(n)); err != nil {
			return false, err
		}
		for len(s.marks) > 1 && s.marks[1].seq <= first+uint64(n) {
			s.marks = s.marks[1:]
		}
	}
	return s.info.Disabled != 0 && s.info.Disabled < cutoff, nil
}

// Shard is one shard of a stream.
type Shard struct {
	ID, Parent string
	bucket     int64
	// Start is the sequence number of the shard's first record (or of the
	// next record, when it has none yet); End, when Closed, that of its
	// last (Start, when it has none).
	Start, End uint64
	Closed     bool
}

// shardID names interval b of the stream.
func (s *Stream) shardID(b int64) string {
	sum := crc32.ChecksumIEEE([]byte(s.info.Table + "/" + strconv.FormatInt(s.info.ID, 10)))
	return fmt.Sprintf("shardId-%020d-%08x", b*s.hub.intervalMs, sum)
}

// parseShardID returns the interval a shard id names.
func (s *Stream) parseShardID(id string) (int64, bool) {
	if len(id) != len("shardId-")+20+1+8 || id[:8] != "shardId-" {
		return 0, false
	}
	ms, err := strconv.ParseInt(id[8:28], 10, 64)
	if err != nil || ms%s.hub.intervalMs != 0 || s.shardID(ms/s.hub.intervalMs) != id {
		return 0, false
	}
	return ms / s.hub.intervalMs, true
}

// rangeLocked returns the intervals of the stream's shards, lo to hi, and
// whether hi is closed too.
func (s *Stream) rangeLocked() (lo, hi int64, allClosed bool) {
	now := s.tickLocked()
	cutoff := s.hub.opts.Now().Add(-s.hub.opts.Retention).UnixMilli()
	from := max(s.info.ID, cutoff)
	lo = s.bucket(from)
	if len(s.marks) > 0 && s.marks[0].bucket > lo && s.st.First() > s.marks[0].seq {
		lo = s.marks[0].bucket
	}
	if s.info.Disabled != 0 {
		hi = s.bucket(s.info.Disabled)
		if len(s.marks) > 0 && s.marks[len(s.marks)-1].bucket > hi {
			hi = s.marks[len(s.marks)-1].bucket
		}
		return lo, max(lo, hi), true
	}
	return lo, s.bucket(now), false
}

// startLocked is the first sequence number of interval b (the next one,
// when b and all after it have none).
func (s *Stream) startLocked(b int64) uint64 {
	seq := s.st.Last() + 1
	i := sort.Search(len(s.marks), func(i int) bool { return s.marks[i].bucket >= b })
	if i < len(s.marks) {
		seq = s.marks[i].seq
	}
	return max(seq, s.st.First())
}

func (s *Stream) shardLocked(b, lo, hi int64, allClosed bool) Shard {
	sh := Shard{ID: s.shardID(b), bucket: b, Start: s.startLocked(b), Closed: b < hi || allClosed}
	if b > lo {
		sh.Parent = s.shardID(b - 1)
	}
	if sh.Closed {
		sh.End = s.startLocked(b+1) - 1
		if sh.End < sh.Start {
			sh.End = sh.Start
		}
	}
	return sh
}

// Shards returns the stream's shards, oldest first.
func (s *Stream) Shards() []Shard {
	s.mu.Lock()
	defer s.mu.Unlock()
	lo, hi, all := s.rangeLocked()
	out := make([]Shard, 0, hi-lo+1)
	for b := lo; b <= hi; b++ {
		out = append(out, s.shardLocked(b, lo, hi, all))
	}
	return out
}

// Shard returns the shard of the given id, false when the stream has none
// (any more).
func (s *Stream) Shard(id string) (Shard, bool) {
	b, ok := s.parseShardID(id)
	if !ok {
		return Shard{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	lo, hi, all := s.rangeLocked()
	if b < lo || b > hi {
		return Shard{}, false
	}
	return s.shardLocked(b, lo, hi, all), true
}

// StreamStats are a stream's counters.
type StreamStats struct {
	Held     uint64 // records kept (within the retention)
	Appended uint64 // records appended since the hub opened
	Last     uint64 // the last record's sequence number (0: none yet)
}

// Stats returns the stream's counters.
func (s *Stream) Stats() StreamStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	first, last := s.st.First(), s.st.Last()
	held := uint64(0)
	if last >= first {
		held = last - first + 1
	}
	return StreamStats{Held: held, Appended: s.appended, Last: last}
}

// Latest returns the sequence number the stream's next record will take.
func (s *Stream) Latest() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.Last() + 1
}

// Read returns the records of shard sh from sequence number from: at most
// limit records and, beyond the first, maxBytes of images. next is where
// the next read starts; ended reports that the shard is closed and every
// record of it has been returned. ErrTrimmed: from has aged out.
func (s *Stream) Read(sh Shard, from uint64, limit, maxBytes int) (recs []Record, next uint64, ended bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if from < s.st.First() {
		return nil, from, false, ErrTrimmed
	}
	// The shard as it is now: it may have closed since sh was read.
	lo, hi, all := s.rangeLocked()
	if sh.bucket < lo {
		return nil, from, false, ErrTrimmed
	}
	closed := sh.bucket < hi || all
	last := s.st.Last()
	size := 0
	next = from
	for next <= last && len(recs) < limit {
		r, err := s.readLocked(next)
		if err != nil {
			return nil, from, false, err
		}
		if s.bucket(r.Time) > sh.bucket {
			break
		}
		n := len(r.Old) + len(r.New)
		if len(recs) > 0 && size+n > maxBytes {
			break
		}
		size += n
		recs = append(recs, r)
		next++
	}
	if closed && (next > last || s.bucketAtLocked(next) > sh.bucket) {
		ended = true
	}
	return recs, next, ended, nil
}

// bucketAtLocked returns the interval of record seq.
func (s *Stream) bucketAtLocked(seq uint64) int64 {
	r, err := s.readLocked(seq)
	if err != nil {
		return 0
	}
	return s.bucket(r.Time)
}

// writeFileAtomic writes b to path through a fsynced temporary file.
func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err = f.Write(b); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		var d *os.File
		if d, err = os.Open(filepath.Dir(path)); err == nil {
			err = d.Sync()
			d.Close()
		}
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
