package pitr

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynacache/dynacache/backup"
	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/wal"
)

// Defaults of Options.
const (
	DefaultBaseInterval  = time.Hour
	DefaultBaseLogBytes  = 64 << 20
	DefaultMaintainEvery = time.Minute
)

// segmentBytes is the size of a history log's segments: trimming rewrites
// the segment it cuts into while the history is locked, and the
// write-ahead log's committer waits on that lock (as stream's).
const segmentBytes = 1 << 20

// Errors of the Keeper.
var (
	// ErrNotEnabled: the table keeps no history.
	ErrNotEnabled = errors.New("pitr: point-in-time recovery is not enabled")
	// ErrTime: the time is outside the table's recovery window.
	ErrTime = errors.New("pitr: time outside the recovery window")
)

// Options configure a Keeper.
type Options struct {
	// Dir holds the histories ("": memory).
	Dir string
	// MaxBytes bounds the disk (or memory) the histories use; 0: no bound.
	MaxBytes int64
	// BaseInterval: a table that had writes gets a new base when its
	// newest is this old. 0: DefaultBaseInterval.
	BaseInterval time.Duration
	// BaseLogBytes: a table gets a new base when its log has grown by
	// this much (or by its newest base's size, when larger) since that
	// base. 0: DefaultBaseLogBytes.
	BaseLogBytes int64
	// MaintainEvery is how often bases are taken and histories trimmed in
	// the background. 0: DefaultMaintainEvery; negative: never (tests
	// call Maintain).
	MaintainEvery time.Duration
	// Logf reports failures and trims forced by MaxBytes; nil discards.
	Logf func(format string, args ...any)
	// Now is the present for the recovery windows (tests); nil: time.Now.
	// Bases and writes are timed by the real clock, as the log times
	// writes.
	Now func() time.Time
}

// Keeper holds the histories. It implements wal.ChangeSink.
type Keeper struct {
	opts Options
	logf func(string, ...any)

	store atomic.Pointer[shard.Store]
	sync  atomic.Pointer[func() error]
	// lastPos is the position of the last record whose changes were
	// handed over: a history started now needs none at or before it.
	lastPos atomic.Uint64

	mu   sync.RWMutex
	hist map[string]*History // by table name

	warned   atomic.Int64 // Unix s of the last warning about MaxBytes
	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
	closed   atomic.Bool
}

// History is one table's history.
type History struct {
	k     *Keeper
	table string
	id    int64
	dir   string // "": memory

	baseMu sync.Mutex   // one base taken at a time
	trimMu sync.RWMutex // trims (write) against readers of the log (read)

	mu struct {
		sync.Mutex
		meta      histMeta
		log       entryLog
		lastPos   uint64 // position of the last entry (or start-1)
		bases     []*base
		sinceBase int64 // log bytes since the newest base
		dirty     bool  // appended since the last Sync
		err       error // the first append that failed
		// pending holds the entries not yet appended to log (see add),
		// back to back; ends[i] is where entry i ends. entries is
		// flushLocked's scratch.
		pending []byte
		ends    []int
		entries [][]byte
		removed bool
	}
}

type histMeta struct {
	Table string `json:"table"`
	ID    int64  `json:"id"`
	// Start is the first write-ahead log position the history needs.
	Start uint64 `json:"start"`
	// PeriodMs is the recovery period.
	PeriodMs int64 `json:"period"`
}

// base is one base of a history.
type base struct {
	ms     int64  // its instant B, Unix ms
	from   uint64 // the first log entry to replay over it
	path   string // "": memory
	frozen *shard.Frozen
	bytes  int64 // file size (memory: item bytes)
	info   json.RawMessage
}

// Open opens the histories kept in opts.Dir.
func Open(opts Options) (*Keeper, error) {
	if opts.BaseInterval <= 0 {
		opts.BaseInterval = DefaultBaseInterval
	}
	if opts.BaseLogBytes <= 0 {
		opts.BaseLogBytes = DefaultBaseLogBytes
	}
	if opts.MaintainEvery == 0 {
		opts.MaintainEvery = DefaultMaintainEvery
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	k := &Keeper{opts: opts, logf: opts.Logf, hist: map[string]*History{}, stop: make(chan struct{}), done: make(chan struct{})}
	if k.logf == nil {
		k.logf = func(string, ...any) {}
	}
	if opts.Dir != "" {
		if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
			return nil, fmt.Errorf("pitr: %w", err)
		}
		if err := k.load(); err != nil {
			k.closeAll()
			return nil, err
		}
	}
	if opts.MaintainEvery > 0 {
		go k.loop()
	} else {
		close(k.done)
	}
	return k, nil
}

// load opens every history in the directory; of several of one table
// (a crash while one replaced another) the newest is kept.
func (k *Keeper) load() error {
	tables, err := os.ReadDir(k.opts.Dir)
	if err != nil {
		return fmt.Errorf("pitr: %w", err)
	}
	for _, td := range tables {
		if !td.IsDir() {
			continue
		}
		tdir := filepath.Join(k.opts.Dir, td.Name())
		ids, err := os.ReadDir(tdir)
		if err != nil {
			return fmt.Errorf("pitr: %w", err)
		}
		var newest int64 = -1
		for _, d := range ids {
			if id, err := strconv.ParseInt(d.Name(), 10, 64); err == nil && d.IsDir() && id > newest {
				newest = id
			}
		}
		for _, d := range ids {
			if d.Name() != strconv.FormatInt(newest, 10) {
				os.RemoveAll(filepath.Join(tdir, d.Name()))
			}
		}
		if newest < 0 {
			os.Remove(tdir)
			continue
		}
		h, err := k.openHistory(filepath.Join(tdir, strconv.FormatInt(newest, 10)))
		if err != nil {
			return err
		}
		if h == nil {
			continue
		}
		k.hist[h.table] = h
	}
	return nil
}

// openHistory opens the history in dir; nil when dir holds none (a
// history whose creation a crash cut short: removed).
func (k *Keeper) openHistory(dir string) (*History, error) {
	b, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if os.IsNotExist(err) {
		return nil, os.RemoveAll(dir)
	}
	if err != nil {
		return nil, fmt.Errorf("pitr: %w", err)
	}
	var m histMeta
	if err := json.Unmarshal(b, &m); err != nil || m.Table == "" {
		return nil, fmt.Errorf("%w: %s", ErrCorrupt, filepath.Join(dir, "meta.json"))
	}
	h := &History{k: k, table: m.Table, id: m.ID, dir: dir}
	h.mu.meta = m
	files, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("pitr: %w", err)
	}
	for _, f := range files {
		name := f.Name()
		path := filepath.Join(dir, name)
		switch {
		case strings.HasSuffix(name, ".tmp"):
			os.Remove(path)
		case strings.HasPrefix(name, "base-") && strings.HasSuffix(name, ".dcb"):
			var ms int64
			var from uint64
			if _, err := fmt.Sscanf(name, "base-%d-%d.dcb", &ms, &from); err != nil {
				return nil, fmt.Errorf("%w: %s", ErrCorrupt, path)
			}
			hdr, err := backup.ReadHeader(path)
			if err != nil {
				return nil, fmt.Errorf("pitr: %w", err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				return nil, fmt.Errorf("pitr: %w", err)
			}
			h.mu.bases = append(h.mu.bases, &base{ms: ms, from: from, path: path, bytes: fi.Size(), info: hdr.Info})
		}
	}
	sort.Slice(h.mu.bases, func(i, j int) bool { return h.mu.bases[i].ms < h.mu.bases[j].ms })
	if len(h.mu.bases) == 0 {
		// Its first base never became durable: recovery was never
		// enabled (the table's description says so too).
		return nil, os.RemoveAll(dir)
	}
	log, err := wal.OpenRecords(filepath.Join(dir, "log"), segmentBytes, k.logf)
	if err != nil {
		return nil, fmt.Errorf("pitr: %s: %w", m.Table, err)
	}
	h.mu.log = log
	h.mu.lastPos = m.Start - 1
	if last := log.Last(); last >= log.First() && last > 0 {
		raw, err := log.Read(last)
		if err == nil {
			var pos uint64
			pos, _, err = entryHead(raw)
			h.mu.lastPos = pos
		}
		if err != nil {
			log.Close()
			return nil, fmt.Errorf("pitr: %s: last entry: %w", m.Table, err)
		}
	}
	return h, nil
}

// Attach gives the Keeper the store whose tables it keeps and the
// write-ahead log's Sync (nil without a log): bases count once the log is
// durable past their instant, and a restore first has the log hand over
// every write logged before it.
func (k *Keeper) Attach(store *shard.Store, sync func() error) {
	k.store.Store(store)
	if sync != nil {
		k.sync.Store(&sync)
	}
}

func (k *Keeper) syncLog() error {
	if s := k.sync.Load(); s != nil {
		return (*s)()
	}
	return nil
}

func (k *Keeper) history(table string) *History {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.hist[table]
}

// Enable makes t keep a history identified by id (the time recovery was
// enabled, Unix ms) with the recovery period given. A history of t with
// that id already (a restart) is kept; any other is replaced by a new one,
// whose first base is taken before Enable returns.
func (k *Keeper) Enable(t *shard.Table, id int64, period time.Duration) error {
	name := t.Name()
	k.mu.Lock()
	if h := k.hist[name]; h != nil && h.id == id {
		k.mu.Unlock()
		t.SetPITR(true)
		return h.setPeriod(period)
	}
	old := k.hist[name]
	delete(k.hist, name)
	h := &History{k: k, table: name, id: id}
	h.mu.meta = histMeta{Table: name, ID: id, Start: k.lastPos.Load() + 1, PeriodMs: period.Milliseconds()}
	h.mu.lastPos = h.mu.meta.Start - 1
	var err error
	if k.opts.Dir != "" {
		h.dir = filepath.Join(k.opts.Dir, name, strconv.FormatInt(id, 10))
		err = os.MkdirAll(h.dir, 0o755)
		if err == nil {
			h.mu.log, err = wal.OpenRecords(filepath.Join(h.dir, "log"), segmentBytes, k.logf)
		}
		if err == nil {
			err = h.saveMetaLocked()
		}
	} else {
		h.mu.log = newMemLog()
	}
	if err == nil {
		k.hist[name] = h
	}
	k.mu.Unlock()
	if old != nil {
		old.remove()
	}
	if err != nil {
		if h.dir != "" {
			os.RemoveAll(h.dir)
		}
		return fmt.Errorf("pitr: enable %s: %w", name, err)
	}
	// Capture first, then the base: a write the base lacks is captured.
	t.SetPITR(true)
	if err := h.takeBase(t); err != nil {
		t.SetPITR(false)
		k.Disable(name)
		return fmt.Errorf("pitr: enable %s: %w", name, err)
	}
	return nil
}

func (h *History) setPeriod(period time.Duration) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.mu.meta.PeriodMs == period.Milliseconds() {
		return nil
	}
	h.mu.meta.PeriodMs = period.Milliseconds()
	return h.saveMetaLocked()
}

// saveMetaLocked writes meta.json atomically. REQUIRES: h.mu held, or h
// not yet shared.
func (h *History) saveMetaLocked() error {
	if h.dir == "" {
		return nil
	}
	b, _ := json.Marshal(&h.mu.meta)
	path := filepath.Join(h.dir, "meta.json")
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
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
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = syncDir(h.dir)
	}
	return err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Disable drops table's history (recovery disabled, or the table deleted)
// and turns its capture off when the table is still there.
func (k *Keeper) Disable(table string) {
	k.mu.Lock()
	h := k.hist[table]
	delete(k.hist, table)
	k.mu.Unlock()
	if st := k.store.Load(); st != nil {
		if t, ok := st.Table(table); ok {
			t.SetPITR(false)
		}
	}
	if h != nil {
		h.remove()
	}
}

// Retain drops every history but those of keep (table name to id): the
// server's tables as their descriptions say at start.
func (k *Keeper) Retain(keep map[string]int64) {
	k.mu.RLock()
	var drop []string
	for name, h := range k.hist {
		if id, ok := keep[name]; !ok || id != h.id {
			drop = append(drop, name)
		}
	}
	k.mu.RUnlock()
	for _, name := range drop {
		k.Disable(name)
	}
}

// remove closes h and deletes its files.
func (h *History) remove() {
	h.trimMu.Lock()
	defer h.trimMu.Unlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.mu.removed {
		return
	}
	h.mu.removed = true
	if h.mu.log != nil {
		h.mu.log.Close()
	}
	h.mu.bases = nil
	if h.dir != "" {
		if err := os.RemoveAll(h.dir); err != nil {
			h.k.logf("pitr: remove %s: %v", h.dir, err)
		}
		os.Remove(filepath.Dir(h.dir)) // the table's folder, when empty
	}
}

// takeBase takes a new base of t: its first log entry to replay is the
// next one, then the items (Freeze) and their instant; the base counts
// once the write-ahead log is durable past it.
func (h *History) takeBase(t *shard.Table) error {
	h.baseMu.Lock()
	defer h.baseMu.Unlock()
	h.mu.Lock()
	if h.mu.removed {
		h.mu.Unlock()
		return ErrNotEnabled
	}
	if err := h.flushLocked(); err != nil {
		h.mu.Unlock()
		return err
	}
	from := h.mu.log.Last() + 1
	var prev int64
	if n := len(h.mu.bases); n > 0 {
		prev = h.mu.bases[n-1].ms
	}
	h.mu.Unlock()
	f, err := t.Freeze()
	if err != nil {
		return err
	}
	// Every write in f was logged before this instant: their times are
	// at most ms.
	ms := time.Now().UnixMilli()
	if ms <= prev {
		ms = prev + 1 // one base per instant
	}
	if err := h.k.syncLog(); err != nil {
		return err
	}
	b := &base{ms: ms, from: from, info: f.Meta()}
	if h.dir != "" {
		b.path = filepath.Join(h.dir, fmt.Sprintf("base-%013d-%020d.dcb", ms, from))
		hdr := backup.Header{ID: filepath.Base(b.path), Name: "pitr", Table: h.table, CreatedMs: ms, Info: f.Meta()}
		if b.bytes, err = backup.WriteFile(b.path, hdr, f); err != nil {
			return err
		}
	} else {
		b.frozen, b.bytes = f, f.SizeBytes()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.mu.removed {
		if b.path != "" {
			os.Remove(b.path)
		}
		return ErrNotEnabled
	}
	h.mu.bases = append(h.mu.bases, b)
	h.mu.sinceBase = 0
	return nil
}

// Changes implements shard.ChangeSink: the changes of tables with a
// history join their logs.
func (k *Keeper) Changes(pos uint64, cs []shard.Change) {
	if pos > k.lastPos.Load() {
		k.lastPos.Store(pos)
	}
	k.mu.RLock()
	if len(k.hist) == 0 {
		k.mu.RUnlock()
		return
	}
	var groups []struct {
		h  *History
		cs []*shard.Change
	}
	for i := range cs {
		h := k.hist[cs[i].Table]
		if h == nil {
			continue
		}
		j := 0
		for j < len(groups) && groups[j].h != h {
			j++
		}
		if j == len(groups) {
			groups = append(groups, struct {
				h  *History
				cs []*shard.Change
			}{h: h})
		}
		groups[j].cs = append(groups[j].cs, &cs[i])
	}
	k.mu.RUnlock()
	for _, g := range groups {
		g.h.add(pos, g.cs)
	}
}

// flushBytes is how many bytes of entries a history gathers before it
// appends them to its log in one write.
const flushBytes = 128 << 10

// add adds the entry of the record at pos, unless h holds it already.
//
// Entries are gathered in memory and appended to the log flushBytes at a
// time (one write), and before anything reads the log (flushLocked): the
// write-ahead log holds their records, and hands them over again at the
// next start, until it drops them from its front, which it does only after
// Sync, which appends and fsyncs them.
func (h *History) add(pos uint64, cs []*shard.Change) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.mu.removed || pos <= h.mu.lastPos {
		return
	}
	start := len(h.mu.pending)
	h.mu.pending = appendEntry(h.mu.pending, pos, cs[0].Time, cs)
	h.mu.ends = append(h.mu.ends, len(h.mu.pending))
	h.mu.lastPos = pos
	h.mu.sinceBase += int64(len(h.mu.pending) - start)
	if len(h.mu.pending) >= flushBytes {
		h.flushLocked()
	}
}

// flushLocked appends the pending entries to the log. A failure is kept
// (h.mu.err): the history then lacks writes, and images of it fail.
// REQUIRES: h.mu held.
func (h *History) flushLocked() error {
	if len(h.mu.ends) == 0 || h.mu.removed {
		return h.mu.err
	}
	entries, start := h.mu.entries[:0], 0
	for _, end := range h.mu.ends {
		entries = append(entries, h.mu.pending[start:end])
		start = end
	}
	err := h.mu.log.Append(entries...) // copies them
	clear(entries)
	h.mu.entries, h.mu.pending, h.mu.ends = entries[:0], h.mu.pending[:0], h.mu.ends[:0]
	if err != nil {
		if h.mu.err == nil {
			h.mu.err = err
			h.k.logf("pitr: %s: cannot keep writes, point-in-time restores after them will fail: %v", h.table, err)
		}
		return err
	}
	h.mu.dirty = true
	return h.mu.err
}

// pendingCount is the number of entries not yet in the log.
// REQUIRES: h.mu held.
func (h *History) pendingCount() uint64 { return uint64(len(h.mu.ends)) }

// Sync implements wal.ChangeSink: it fsyncs every history's log.
func (k *Keeper) Sync() error {
	var first error
	for _, h := range k.histories() {
		h.mu.Lock()
		err := h.flushLocked()
		if err == nil && h.mu.dirty && !h.mu.removed {
			if err = h.mu.log.Sync(); err == nil {
				h.mu.dirty = false
			}
		}
		if err == nil {
			err = h.mu.err
		}
		h.mu.Unlock()
		if err != nil && first == nil {
			first = fmt.Errorf("pitr: %s: %w", h.table, err)
		}
	}
	return first
}

// Recovered implements wal.ChangeSink: it drops the entries of log
// positions at or after next (writes the crash took from the log).
func (k *Keeper) Recovered(next uint64) error {
	if next > 0 && next-1 > k.lastPos.Load() {
		k.lastPos.Store(next - 1)
	}
	for _, h := range k.histories() {
		if err := h.dropFrom(next); err != nil {
			return fmt.Errorf("pitr: %s: %w", h.table, err)
		}
	}
	return nil
}

func (h *History) dropFrom(next uint64) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.mu.lastPos < next {
		return nil
	}
	if err := h.flushLocked(); err != nil {
		return err
	}
	log := h.mu.log
	keep := log.First() - 1
	for i := log.Last(); i >= log.First() && i > 0; i-- {
		raw, err := log.Read(i)
		if err != nil {
			return err
		}
		pos, _, err := entryHead(raw)
		if err != nil {
			return err
		}
		if pos < next {
			keep = i
			break
		}
	}
	if err := log.TruncateBack(keep); err != nil {
		return err
	}
	h.mu.lastPos = next - 1
	for _, b := range h.mu.bases {
		if b.from > keep+1 {
			b.from = keep + 1
		}
	}
	h.k.logf("pitr: %s: dropped the entries after %d, whose writes the log lost", h.table, keep)
	return nil
}

func (k *Keeper) histories() []*History {
	k.mu.RLock()
	defer k.mu.RUnlock()
	out := make([]*History, 0, len(k.hist))
	for _, h := range k.hist {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].table < out[j].table })
	return out
}

// Window returns table's recovery window: the earliest and the latest
// restorable times, Unix ms.
func (k *Keeper) Window(table string) (earliest, latest int64, err error) {
	h := k.history(table)
	if h == nil {
		return 0, 0, ErrNotEnabled
	}
	now := k.opts.Now().UnixMilli()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.mu.bases) == 0 {
		return 0, 0, ErrNotEnabled
	}
	earliest = max(h.mu.bases[0].ms, now-h.mu.meta.PeriodMs)
	return earliest, max(earliest, now), nil
}

// Stop stops the background maintenance (waiting for a run in progress):
// before the log closes, since a new base syncs it.
func (k *Keeper) Stop() {
	k.stopOnce.Do(func() { close(k.stop) })
	<-k.done
}

// Close stops the maintenance, fsyncs and closes every history.
func (k *Keeper) Close() error {
	if !k.closed.CompareAndSwap(false, true) {
		return nil
	}
	k.Stop()
	err := k.Sync()
	k.closeAll()
	return err
}

func (k *Keeper) closeAll() {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, h := range k.hist {
		h.mu.Lock()
		if h.mu.log != nil {
			h.flushLocked()
			h.mu.log.Close()
		}
		h.mu.removed = true
		h.mu.Unlock()
	}
	k.hist = map[string]*History{}
}

// Tee joins change sinks: each receives every change, Sync and Recovered
// (the streams' hub and the Keeper, as the write-ahead log's one sink).
func Tee(sinks ...wal.ChangeSink) wal.ChangeSink { return tee(sinks) }

type tee []wal.ChangeSink

func (t tee) Changes(pos uint64, cs []shard.Change) {
	for _, s := range t {
		s.Changes(pos, cs)
	}
}

func (t tee) Sync() error {
	var first error
	for _, s := range t {
		if err := s.Sync(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (t tee) Recovered(next uint64) error {
	for _, s := range t {
		if err := s.Recovered(next); err != nil {
			return err
		}
	}
	return nil
}
