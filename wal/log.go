package wal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	twal "github.com/tidwall/wal"

	"github.com/dynacache/dynacache/shard"
)

// Policy is when the log fsyncs.
type Policy int

// Fsync policies.
const (
	// FsyncEverySec acknowledges writes once written to the OS and fsyncs
	// at least once a second.
	FsyncEverySec Policy = iota
	// FsyncAlways acknowledges a write only after the fsync covering it.
	FsyncAlways
	// FsyncNo acknowledges writes once written to the OS; the OS decides
	// when to flush.
	FsyncNo
)

// ParsePolicy parses always, everysec or no.
func ParsePolicy(s string) (Policy, error) {
	switch s {
	case "always":
		return FsyncAlways, nil
	case "everysec":
		return FsyncEverySec, nil
	case "no":
		return FsyncNo, nil
	}
	return 0, fmt.Errorf("wal: unknown fsync policy %q (want always, everysec or no)", s)
}

func (p Policy) String() string {
	switch p {
	case FsyncAlways:
		return "always"
	case FsyncNo:
		return "no"
	}
	return "everysec"
}

// Options configure a Log.
type Options struct {
	Policy Policy
	// SnapshotBytes is how much log (bytes appended since the last
	// snapshot) triggers a snapshot. 0 means DefaultSnapshotBytes; a
	// negative value disables automatic snapshots.
	SnapshotBytes int64
	// SegmentBytes is the target size of a log segment. 0: 1 MiB.
	//
	// tidwall/wal keeps the segment being written in memory (and a cache of
	// read segments), so this bounds the log's share of RSS: with 64 MiB
	// segments a server holding 1M items of 100 bytes used about 925 bytes
	// of RSS per item, with 8 MiB about 593 (before the arenas). 1 MiB
	// rather than 8: the segment is built by append, so a large one is
	// regrown into fresh pages as it fills (12% of a pipelined SET's CPU
	// at 8 MiB); redis-benchmark -P 16 SET ran 1.04-1.09x as fast, and a
	// restart from the log of 1M items took 483-490 ms against 506-531
	// (bench/restart.sh, 2026-12-05).
	SegmentBytes int
	// Logger reports recovery, repairs, snapshots and failures, each at
	// its level; when nil, Logf gets them all (nil too: discarded).
	Logger *slog.Logger
	// Logf reports recovery and repairs; nil discards.
	Logf func(format string, args ...any)
	// Changes, when set, receives the stream changes of every committed
	// record (shard/changes.go), and those of the records recovery
	// replays; the store must be given the same sink.
	Changes ChangeSink
}

// ChangeSink is the log's view of the streams' store (package stream).
type ChangeSink interface {
	shard.ChangeSink
	// Sync makes durable every change received so far: the log calls it
	// before it drops records from its front, since recovery can no
	// longer deliver their changes again after that.
	Sync() error
	// Recovered tells the sink that recovery ended and that the log's
	// next record is next: the sink drops any change it holds from a
	// position at or after next (a record the crash took from the log).
	Recovered(next uint64) error
}

// DefaultSnapshotBytes is the default log size that triggers a snapshot.
const DefaultSnapshotBytes = 256 << 20

// segmentLog is the seam between the commit pipeline and the log files
// (tidwall/wal in production), so tests can inject a failing or slow log.
type segmentLog interface {
	WriteBatch(b *twal.Batch) error
	// Sync fsyncs what has been written; WriteBatch waits for it.
	Sync() error
	// SyncTail fsyncs what has been written, while WriteBatch goes on.
	SyncTail() error
	TruncateFront(index uint64) error
	Close() error
}

// Log is an open write-ahead log. It implements shard.Log.
type Log struct {
	dir   string
	opts  Options
	files segmentLog
	lock  *os.File
	// logf, warnf and errorf log at info, warning and error level.
	logf, warnf, errorf func(format string, args ...any)

	mu struct {
		sync.Mutex
		next    uint64 // sequence number of the next record
		pending *group // records not yet handed to the committer
		failed  error  // sticky: once set, every append fails
		closed  bool
		scratch []byte
		// clock is the time of the last change logged (Unix ms): change
		// times do not decrease in log order.
		clock int64
		// sinceSnapshot counts bytes appended since the last snapshot began.
		sinceSnapshot int64
	}

	kick     chan struct{} // wakes the committer
	done     chan struct{} // closed by Close
	stopped  chan struct{} // closed when the committer and syncer exit
	snapping sync.Mutex    // one snapshot at a time
	store    *shard.Store
	// readOnly, set by recovery, is why the log cannot be written (a torn
	// tail that could not be cut): the server then starts read-only.
	readOnly error
	stats    *Stats

	// commitMu is held while a group is written (and, under FsyncAlways,
	// fsynced): commits happen one at a time, in sequence order.
	commitMu   sync.Mutex
	written    uint64 // last sequence number written (REQUIRES: commitMu)
	syncNeeded bool   // written but not fsynced (guarded by syncMu)
	unsynced   int64  // bytes written since the last fsync began (guarded by syncMu)
	syncKick   chan struct{}
	syncMu     sync.Mutex

	// sinceCacheClear counts bytes written since tidwall/wal's segment
	// cache was last emptied (segcache.go; REQUIRES: commitMu).
	sinceCacheClear int64
}

// group is a set of records committed together: one WriteBatch, one fsync,
// one release of all its waiters.
type group struct {
	batch *twal.Batch
	// undos are the group's item writes, applied in memory already, to
	// revert should the group be refused (shard.Log), in log order.
	undos *[]shard.Undo
	// changes are the stream changes of the group's records, delivered
	// to Options.Changes once the group is written.
	changes []logChanges
	first   uint64
	last    uint64
	bytes   int64
	done    chan struct{}
	err     error
	// waitFn is the wait of every record in the group (Log.waiter),
	// made by the group's first record: one allocation per group, not
	// one per record.
	waitFn func() error
}

// logChanges are the stream changes of the record at pos.
type logChanges struct {
	pos uint64
	cs  []shard.Change
}

// batches and undoLists recycle the buffers of committed groups.
var (
	batches   = sync.Pool{New: func() any { return new(twal.Batch) }}
	undoLists = sync.Pool{New: func() any { return new([]shard.Undo) }}
)

func newGroup() *group {
	return &group{batch: batches.Get().(*twal.Batch), undos: undoLists.Get().(*[]shard.Undo), done: make(chan struct{})}
}

// recycle returns the group's buffers to their pools.
func (g *group) recycle() {
	g.batch.Clear()
	batches.Put(g.batch)
	g.batch = nil
	clear(*g.undos) // drop the references to items
	*g.undos = (*g.undos)[:0]
	undoLists.Put(g.undos)
	g.undos = nil
	g.changes = nil
}

// revert undoes the group's item writes in memory, newest first.
func (g *group) revert() {
	u := *g.undos
	for i := len(u) - 1; i >= 0; i-- {
		u[i].Revert()
	}
}

func (g *group) wait() error {
	<-g.done
	return g.err
}

// Open opens (creating if needed) the data directory dir, recovers the
// store's state from its newest snapshot and log, and returns the store
// with the log attached, ready for writes.
func Open(dir string, opts Options) (*Log, *shard.Store, error) {
	if opts.SnapshotBytes == 0 {
		opts.SnapshotBytes = DefaultSnapshotBytes
	}
	if opts.SegmentBytes == 0 {
		opts.SegmentBytes = 1 << 20
	}
	logf, warnf, errorf := leveled(opts)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("wal: data directory %s: %w", dir, err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, nil, err
	}
	l := &Log{dir: dir, opts: opts, lock: lock, logf: logf, warnf: warnf, errorf: errorf, stats: newStats(),
		kick: make(chan struct{}, 1), syncKick: make(chan struct{}, 1), done: make(chan struct{}), stopped: make(chan struct{})}
	store, next, err := l.recover()
	if err != nil {
		lock.Close()
		return nil, nil, err
	}
	if l.readOnly != nil {
		// tidwall/wal refuses a torn log, and we could not cut the tear:
		// serve what was recovered, refuse every write, say why.
		l.files = readOnlyFiles{}
		l.store = store
		l.mu.next = next
		l.mu.pending = newGroup()
		l.mu.pending.first = next
		l.mu.failed = fmt.Errorf("%w: %v; make room on the disk and restart to accept writes", ErrReadOnly, l.readOnly)
		errorf("%v", l.mu.failed)
		go l.run()
		store.SetLog(l)
		return l, store, nil
	}
	files, err := openSegments(filepath.Join(dir, "wal"), &twal.Options{
		NoSync:      true, // the committer fsyncs, per policy
		SegmentSize: opts.SegmentBytes,
		// Recovery reads segments itself; at run time tidwall/wal reads
		// back only when truncating the front. Its minimum cache is 1.
		SegmentCacheSize: 1,
		AllowEmpty:       true,
		NoCopy:           true,
	})
	if err != nil {
		lock.Close()
		return nil, nil, fmt.Errorf("wal: open log: %w", err)
	}
	if err := alignFirst(files.Log, next); err != nil {
		files.Close()
		lock.Close()
		return nil, nil, err
	}
	files.beside = true
	l.files = files
	l.store = store
	l.mu.next = next
	l.mu.pending = newGroup()
	l.mu.pending.first = next
	go l.run()
	store.SetLog(l)
	return l, store, nil
}

// alignFirst makes an empty log start at sequence number next (after a
// snapshot whose log was fully truncated, or on a fresh directory).
func alignFirst(files *twal.Log, next uint64) error {
	last, err := files.LastIndex()
	if err != nil {
		return fmt.Errorf("wal: open log: %w", err)
	}
	if last+1 == next {
		return nil
	}
	first, err := files.FirstIndex()
	if err != nil {
		return fmt.Errorf("wal: open log: %w", err)
	}
	if last == 0 || first > last {
		// An empty log: tidwall/wal starts at 1; we need next. Truncating
		// the empty front to next is not allowed, so write nothing and
		// let the first batch fail loudly if this ever mismatches.
		return fmt.Errorf("wal: log is empty at index %d but recovery expects the next record at %d", last+1, next)
	}
	return fmt.Errorf("wal: log ends at %d but recovery expects the next record at %d", last, next)
}

// lockDir takes an exclusive flock on dir/LOCK.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "LOCK"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("wal: data directory %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("wal: data directory %s is in use by another dynacache (lock held on %s)", dir, f.Name())
		}
		return nil, fmt.Errorf("wal: lock %s: %w", f.Name(), err)
	}
	f.Truncate(0)
	fmt.Fprintf(f, "%d\n", os.Getpid())
	return f, nil
}

// append encodes one record with fill into the pending group and returns
// its waiter. It is called with the caller's shard lock held. undo, when
// not nil, reverts the record's write in memory should the log refuse it;
// so do undos.
//
// chs are the record's stream changes (for a batch, one per item, Stream 0
// where an item has none), which fill encodes: append sets their Time.
func (l *Log) append(typ byte, fill func([]byte) []byte, chs []shard.Change, undo *shard.Undo, undos ...shard.BatchItem) (func() error, error) {
	l.mu.Lock()
	if err := l.mu.failed; err != nil {
		l.mu.Unlock()
		return nil, err
	}
	if l.mu.closed {
		l.mu.Unlock()
		return nil, ErrClosed
	}
	if chs != nil {
		now := time.Now().UnixMilli()
		if now < l.mu.clock {
			now = l.mu.clock
		}
		l.mu.clock = now
		for i := range chs {
			chs[i].Time = now
		}
	}
	buf, start := beginRecord(l.mu.scratch[:0], typ)
	buf = fill(buf)
	buf = finishRecord(buf, start)
	l.mu.scratch = buf
	seq := l.mu.next
	l.mu.next++
	g := l.mu.pending
	g.batch.Write(seq, buf)
	if chs != nil && l.opts.Changes != nil {
		g.changes = append(g.changes, logChanges{pos: seq, cs: compactChanges(chs)})
	}
	if undo != nil {
		*g.undos = append(*g.undos, *undo)
	}
	for i := range undos {
		*g.undos = append(*g.undos, undos[i].Undo)
	}
	g.last = seq
	g.bytes += int64(len(buf))
	if g.waitFn == nil {
		g.waitFn = l.waiter(g)
	}
	wait := g.waitFn
	l.mu.sinceSnapshot += int64(len(buf))
	l.mu.Unlock()
	l.stats.Records.Add(1)
	l.stats.Bytes.Add(uint64(len(buf)))
	return wait, nil
}

// waiter returns the wait of a record in group g. It runs outside the
// caller's shard lock. When no commit is in flight the writer commits the
// pending group itself, saving the handoff to the committer goroutine (the
// cost that dominates a lone writer); otherwise it leaves the group to the
// committer, which takes it as soon as the commit in flight ends: that is
// the group commit.
func (l *Log) waiter(g *group) func() error {
	return func() error {
		select {
		case <-g.done: // committed already (a pipeline's later waits)
			return g.err
		default:
		}
		if l.commitMu.TryLock() {
			l.commit()
			l.commitMu.Unlock()
		} else {
			select {
			case l.kick <- struct{}{}:
			default:
			}
		}
		return g.wait()
	}
}

// LogItem implements shard.Log.
func (l *Log) LogItem(table string, key shard.Key, enc []byte, size int, undo shard.Undo) (func() error, error) {
	if ch, ok := undo.Change(); ok {
		chs := []shard.Change{ch}
		return l.append(recChange, func(b []byte) []byte {
			b = appendChange(b, &chs[0])
			if enc == nil {
				return appendDelete(append(b, recDelete), table, key)
			}
			return appendPut(append(b, recPut), table, key, size, enc)
		}, chs, &undo)
	}
	if enc == nil {
		return l.append(recDelete, func(b []byte) []byte { return appendDelete(b, table, key) }, nil, &undo)
	}
	return l.append(recPut, func(b []byte) []byte { return appendPut(b, table, key, size, enc) }, nil, &undo)
}

// LogBatch implements shard.Log: one recBatch record.
func (l *Log) LogBatch(items []shard.BatchItem) (func() error, error) {
	var chs []shard.Change
	for i := range items {
		if ch, ok := items[i].Undo.Change(); ok {
			if chs == nil {
				chs = make([]shard.Change, len(items))
			}
			chs[i] = ch
		}
	}
	return l.append(recBatch, func(b []byte) []byte { return appendBatch(b, items, chs) }, chs, nil, items...)
}

// compactChanges returns the changes of chs that exist (Stream not 0).
func compactChanges(chs []shard.Change) []shard.Change {
	n := 0
	for _, ch := range chs {
		if ch.Stream != 0 {
			n++
		}
	}
	if n == len(chs) {
		return chs
	}
	out := make([]shard.Change, 0, n)
	for _, ch := range chs {
		if ch.Stream != 0 {
			out = append(out, ch)
		}
	}
	return out
}

// LogTable implements shard.Log.
func (l *Log) LogTable(table string, schema shard.KeySchema, indexes []shard.IndexSchema, meta []byte, deleted bool) (func() error, error) {
	if deleted {
		return l.append(recDropTable, func(b []byte) []byte { return appendStr(b, []byte(table)) }, nil, nil)
	}
	return l.append(recTable, func(b []byte) []byte { return appendTable(b, table, schema, indexes, meta) }, nil, nil)
}

// run is the committer: it takes the pending group, writes it with one
// WriteBatch (and, under FsyncAlways, one fsync), and releases its waiters.
// While it writes, the next group fills up: that is the group commit.
func (l *Log) run() {
	defer close(l.stopped)
	syncerDone := make(chan struct{})
	go l.syncer(syncerDone)
	// The tick commits a group nobody has waited for yet (a safety net:
	// every writer waits).
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-l.kick:
			l.commitMu.Lock()
			l.commit()
			l.commitMu.Unlock()
		case <-tick.C:
			l.commitMu.Lock()
			l.commit()
			l.commitMu.Unlock()
		case <-l.done:
			l.commitMu.Lock()
			l.commit() // whatever was appended before Close
			l.commitMu.Unlock()
			<-syncerDone
			l.syncIfNeeded()
			return
		}
	}
}

// syncer fsyncs, beside the committer so that an fsync never holds up a
// commit: once a second under FsyncEverySec, and whenever earlySyncBytes
// have been written since the last fsync (see commit).
func (l *Log) syncer(done chan<- struct{}) {
	defer close(done)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if l.opts.Policy == FsyncEverySec {
				l.syncIfNeeded()
			}
		case <-l.syncKick:
			l.syncIfNeeded()
		case <-l.done:
			return
		}
	}
}

// earlySyncBytes is how much log written since the last fsync makes the
// syncer fsync at once under FsyncEverySec, rather than at its next tick.
//
// tidwall/wal fsyncs a segment when it moves on to the next one, under the
// lock every WriteBatch takes, so the commits wait for however much of
// the segment is not yet on disk: at 30 MB/s of writes (RESP SET with
// pipelining) up to a whole segment, several times a second. Syncing the
// tail every quarter segment bounds that wait to the fsync of a quarter
// segment, or less.
func (l *Log) earlySyncBytes() int64 { return int64(l.opts.SegmentBytes / 4) }

// commit writes the pending group with one WriteBatch (and, under
// FsyncAlways, one fsync) and releases its waiters.
// REQUIRES: l.commitMu held.
func (l *Log) commit() {
	l.mu.Lock()
	g := l.mu.pending
	if g.last < g.first { // empty
		l.mu.Unlock()
		return
	}
	next := newGroup()
	next.first = g.last + 1
	l.mu.pending = next
	failed := l.mu.failed
	l.mu.Unlock()

	err := failed
	if err == nil {
		l.stats.GroupRecords.Observe(float64(g.last - g.first + 1))
		err = l.files.WriteBatch(g.batch)
		if err != nil {
			err = fmt.Errorf("wal: write failed, refusing further writes: %w", err)
		}
	}
	if err == nil {
		l.written = g.last
		l.dropSegmentCache(g.bytes)
		if l.opts.Policy == FsyncAlways {
			if serr := l.timedFsync(l.files.Sync); serr != nil {
				err = fmt.Errorf("wal: fsync failed, refusing further writes: %w", serr)
			}
		} else {
			l.syncMu.Lock()
			l.syncNeeded = true
			l.unsynced += g.bytes
			early := l.opts.Policy == FsyncEverySec && l.unsynced >= l.earlySyncBytes()
			l.syncMu.Unlock()
			if early {
				select {
				case l.syncKick <- struct{}{}:
				default:
				}
			}
		}
	}
	if err != nil {
		l.refuse(g, err)
		return
	}
	// The group's changes reach the streams before its writers are
	// released: a client that reads a stream after its write returned
	// finds the write's record there.
	if sink := l.opts.Changes; sink != nil {
		for _, c := range g.changes {
			sink.Changes(c.pos, c.cs)
		}
	}
	g.recycle()
	close(g.done)
	l.maybeSnapshot()
}

// refuse fails the log with err and refuses group g and every record
// logged after it: their writes are reverted in memory, newest first,
// before their writers learn of the refusal (shard.Log). Failing the log
// and taking the pending group happen under one lock, so no record can be
// logged after them.
// REQUIRES: l.commitMu held; g is no longer pending.
func (l *Log) refuse(g *group, err error) {
	l.mu.Lock()
	if l.mu.failed == nil {
		l.mu.failed = err
		l.errorf("%v", err)
	}
	later := l.mu.pending
	l.mu.pending = newGroup()
	l.mu.pending.first = l.mu.next
	l.mu.Unlock()
	// A writer whose record is in later may still be applying it under
	// its shard lock; Revert takes that lock, so it reverts after.
	later.revert()
	g.revert()
	for _, x := range []*group{later, g} {
		x.recycle()
		x.err = err
		close(x.done)
	}
}

// syncIfNeeded fsyncs what has been written since the last fsync.
func (l *Log) syncIfNeeded() {
	l.syncMu.Lock()
	need := l.syncNeeded
	l.syncNeeded = false
	l.unsynced = 0
	l.syncMu.Unlock()
	if !need || l.opts.Policy == FsyncNo {
		return
	}
	if err := l.timedFsync(l.files.SyncTail); err != nil {
		l.fail(fmt.Errorf("wal: fsync failed, refusing further writes: %w", err))
	}
}

// fail makes err sticky: every later append returns it.
func (l *Log) fail(err error) {
	l.mu.Lock()
	if l.mu.failed == nil {
		l.mu.failed = err
		l.errorf("%v", err)
	}
	l.mu.Unlock()
}

// Err returns the error that stopped the log, if any.
func (l *Log) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mu.failed
}

// Sync writes and fsyncs everything appended so far, and returns once the
// changes of those records have reached Options.Changes (package pitr
// reads its history after a Sync). It does not stop writers while it
// fsyncs (SyncTail): a snapshot calls it.
func (l *Log) Sync() error {
	// Taking commitMu waits for a commit in flight, whose group may hold
	// records appended before this call and may still be handing their
	// changes to the sink; commit then writes (and hands over) the rest.
	l.commitMu.Lock()
	l.commit()
	l.commitMu.Unlock()
	if err := l.Err(); err != nil {
		return err
	}
	if err := l.files.SyncTail(); err != nil {
		err = fmt.Errorf("wal: fsync failed, refusing further writes: %w", err)
		l.fail(err)
		return err
	}
	return nil
}

// Close commits and fsyncs what was appended, stops the committer and
// releases the directory.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.mu.closed {
		l.mu.Unlock()
		return nil
	}
	l.mu.closed = true
	l.mu.Unlock()
	close(l.done)
	<-l.stopped
	l.snapping.Lock() // wait for a snapshot in progress
	defer l.snapping.Unlock()
	err := l.Err()
	if errors.Is(err, ErrReadOnly) {
		err = nil // nothing was refused: nothing was asked of it
	}
	if serr := l.files.Sync(); serr != nil && err == nil {
		err = serr
	}
	if cerr := l.files.Close(); cerr != nil && err == nil {
		err = cerr
	}
	l.lock.Close()
	return err
}

var _ io.Closer = (*Log)(nil)

// readOnlyFiles is the segmentLog of a log started read-only: it is never
// written (every append fails first).
type readOnlyFiles struct{}

func (readOnlyFiles) WriteBatch(*twal.Batch) error { return ErrReadOnly }
func (readOnlyFiles) Sync() error                  { return nil }
func (readOnlyFiles) SyncTail() error              { return nil }
func (readOnlyFiles) TruncateFront(uint64) error   { return ErrReadOnly }
func (readOnlyFiles) Close() error                 { return nil }

// leveled returns the info, warning and error loggers of opts.
func leveled(opts Options) (info, warn, errorf func(string, ...any)) {
	if l := opts.Logger; l != nil {
		at := func(level slog.Level) func(string, ...any) {
			return func(format string, args ...any) { l.Log(context.Background(), level, fmt.Sprintf(format, args...)) }
		}
		return at(slog.LevelInfo), at(slog.LevelWarn), at(slog.LevelError)
	}
	f := opts.Logf
	if f == nil {
		f = func(string, ...any) {}
	}
	return f, f, f
}
