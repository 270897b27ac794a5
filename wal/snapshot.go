package wal

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dynacache/dynacache/shard"
)

const snapMagic = "DCSNAP01"

func snapshotName(start uint64) string { return fmt.Sprintf("snap-%020d.dcs", start) }

// snapshots lists the snapshot files of dir, newest first, removing
// leftover temporary files of interrupted snapshots.
func snapshots(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("wal: read data directory: %w", err)
	}
	var out []string
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, "snap-") {
			continue
		}
		if strings.HasSuffix(name, ".tmp") {
			os.Remove(filepath.Join(dir, name))
			continue
		}
		if strings.HasSuffix(name, ".dcs") && len(name) == len(snapshotName(0)) {
			out = append(out, name)
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(out)))
	return out, nil
}

// corruptDetail is err's message without the ErrCorrupt prefix, for a
// message that names ErrCorrupt already.
func corruptDetail(err error) string {
	return strings.TrimPrefix(err.Error(), ErrCorrupt.Error()+": ")
}

// loadSnapshotFile loads one snapshot into store (nil: only verifies it)
// and returns its start sequence number and item count.
//
// Loading is built for speed (a restart of 1M items, issue 19): the file
// is read at once (mapped, on Linux: readWhole); its frames are found on
// every core (frames), then one pass handles the table records in order;
// each table's run of item records is then verified and decoded on every
// core, without an allocation per record, copied into images
// (shard.Imager) as it is decoded, and handed to the table in one
// Table.LoadImages, which bulk-loads it in key order (the order
// writeSnapshot wrote it in) shard by shard in parallel. A damaged record
// is still reported at its offset, the first one in the file.
func loadSnapshotFile(path string, store *shard.Store) (uint64, int, error) {
	data, release, err := readWhole(path)
	if err != nil {
		return 0, 0, fmt.Errorf("wal: read snapshot: %w", err)
	}
	defer release()
	bad := func(off int, what string) error {
		return fmt.Errorf("wal: snapshot %s at offset %d: %w: %s", path, off, ErrCorrupt, what)
	}
	if len(data) < len(snapMagic)+8 || string(data[:len(snapMagic)]) != snapMagic {
		return 0, 0, bad(0, "not a dynacache snapshot")
	}
	start := binary.LittleEndian.Uint64(data[len(snapMagic):])
	off := len(snapMagic) + 8
	var count uint64
	items := 0
	var cur *shard.Table // nil when only verifying
	curName := "\x00"    // no table yet
	var run []int        // frame offsets of curName's item records not yet loaded (in fs.offs)
	// flush verifies, decodes and loads the run.
	flush := func() error {
		if len(run) == 0 {
			return nil
		}
		loaded, at, what := decodePuts(data, run, curName, cur)
		if what != "" {
			return bad(at, what)
		}
		if cur != nil {
			cur.LoadImages(loaded)
		}
		run = nil
		return nil
	}
	// fail reports the damage at off, or an earlier one in the run.
	fail := func(off int, what string) error {
		if err := flush(); err != nil {
			return err
		}
		return bad(off, what)
	}
	fs := frames(data, off) // on every core (snapframes.go)
	prev := 0               // offs[prev:] are the frames not handled yet
	for _, i := range fs.other {
		// The item records before it, then the record at offs[i].
		run = fs.offs[prev:i]
		items += len(run)
		count += uint64(len(run))
		prev = i + 1
		at := fs.offs[i]
		size, n := binary.Uvarint(data[at:])
		rec := data[at+n : at+n+int(size)]
		off = at + n + int(size)
		r, err := decodeRecord(rec)
		if err != nil {
			return 0, 0, fail(at, corruptDetail(err))
		}
		switch r.typ {
		case recEnd:
			if err := flush(); err != nil {
				return 0, 0, err
			}
			if r.count != count {
				return 0, 0, bad(at, fmt.Sprintf("trailer counts %d records, found %d", r.count, count))
			}
			if off != len(data) {
				return 0, 0, bad(off, "data after the trailer")
			}
			return start, items, nil
		case recTable:
			if err := flush(); err != nil {
				return 0, 0, err
			}
			curName = r.table
			if store != nil {
				cur = store.RecoverTable(r.table, r.schema, r.indexes, append([]byte(nil), r.meta...))
			}
		default:
			return 0, 0, fail(at, "unexpected record type "+strconv.Itoa(int(r.typ)))
		}
		count++
	}
	run = fs.offs[prev:]
	return 0, 0, fail(fs.end, "truncated (no trailer)")
}

// decodePuts verifies and decodes the item records framed at offs of
// data, all of table, on every core, and, when load is not nil (the
// table), copies them into its images (shard.Imager), in file order: the
// table's order. On damage it returns the offset of the first damaged
// record and what is wrong ("" when none).
func decodePuts(data []byte, offs []int, table string, load *shard.Table) (items []shard.Image, at int, what string) {
	if load != nil {
		items = make([]shard.Image, len(offs))
	}
	workers := min(runtime.GOMAXPROCS(0), 8)
	if len(offs) < 4096 {
		workers = 1
	}
	type damage struct {
		at   int
		what string
	}
	found := make([]damage, workers)
	step := (len(offs) + workers - 1) / workers
	parallelRanges(workers, step, len(offs), func(w, lo, hi int) {
		var m shard.Imager
		for i := lo; i < hi; i++ {
			off := offs[i]
			size, n := binary.Uvarint(data[off:])
			it, what := decodePut(data[off+n:off+n+int(size)], table)
			if what != "" {
				found[w] = damage{off, what}
				return
			}
			if load != nil {
				items[i] = m.Copy(load, shard.PartitionHash(it.Key), it.Key, it.Enc, it.Size)
			}
		}
	})
	for _, d := range found { // in file order: the first damage wins
		if d.what != "" {
			return nil, d.at, d.what
		}
	}
	return items, 0, ""
}

// decodePut verifies and decodes one item record of table without
// allocating (decodeRecord copies the table name).
func decodePut(b []byte, table string) (shard.LoadItem, string) {
	typ, body, err := checkRecord(b)
	if err != nil {
		return shard.LoadItem{}, corruptDetail(err)
	}
	d := reader{b: body}
	name := d.bytes()
	key := d.bytes()
	size := d.uvarint()
	enc := d.bytes()
	if typ != recPut || d.err != nil || d.off != len(d.b) {
		return shard.LoadItem{}, fmt.Sprintf("malformed record of type %d", typ)
	}
	if string(name) != table {
		return shard.LoadItem{}, "item outside its table"
	}
	return shard.LoadItem{Key: shard.Key(key), Enc: enc, Size: int(size)}, ""
}

// maybeSnapshot starts a snapshot in the background when enough log has
// been written since the last one. Called by the committer.
func (l *Log) maybeSnapshot() {
	if l.opts.SnapshotBytes < 0 {
		return
	}
	l.mu.Lock()
	due := l.mu.sinceSnapshot >= l.opts.SnapshotBytes
	l.mu.Unlock()
	if !due || !l.snapping.TryLock() {
		return
	}
	go func() {
		defer l.snapping.Unlock()
		if err := l.snapshotLocked(); err != nil {
			l.errorf("wal: snapshot failed (the log keeps everything; will retry): %v", err)
		}
	}()
}

// Snapshot writes a snapshot now and truncates the log before it.
func (l *Log) Snapshot() error {
	l.snapping.Lock()
	defer l.snapping.Unlock()
	return l.snapshotLocked()
}

// snapshotLocked writes a fuzzy snapshot (see doc.go).
// REQUIRES: l.snapping held.
func (l *Log) snapshotLocked() error {
	began := time.Now()
	l.mu.Lock()
	if l.mu.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	if errors.Is(l.mu.failed, ErrReadOnly) {
		err := l.mu.failed
		l.mu.Unlock()
		return err
	}
	// Every record before start is applied in memory, or is being applied
	// by a writer holding its shard's lock, which the dump below waits for.
	start := l.mu.next
	l.mu.sinceSnapshot = 0
	l.mu.Unlock()

	final := filepath.Join(l.dir, snapshotName(start))
	tmp := final + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	items, err := writeSnapshot(f, l.store, start)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// Every record before start must be in the log before the
		// snapshot that follows them can be found: recovery replays from
		// start and expects the log to reach it.
		err = l.Sync()
	}
	if err == nil && l.opts.Changes != nil {
		// The log is about to lose records from its front: their stream
		// changes must be durable in the streams' own store first.
		err = l.opts.Changes.Sync()
	}
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err == nil {
		err = syncDir(l.dir)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	// The snapshot is durable. The previous one is kept, with the log
	// from its start, so that recovery can fall back to it should this one
	// be damaged; anything older may go.
	names, _ := snapshots(l.dir)
	if len(names) > 1 && names[0] == filepath.Base(final) {
		prev, _ := parseSnapshotName(names[1])
		if err := l.files.TruncateFront(prev); err != nil {
			return fmt.Errorf("wal: truncate log before %d: %w", prev, err)
		}
		for _, n := range names[2:] {
			os.Remove(filepath.Join(l.dir, n))
		}
	}
	l.stats.Snapshot.Since(began)
	l.stats.SnapshotItems.Store(int64(items))
	if fi, err := os.Stat(final); err == nil {
		l.stats.SnapshotBytes.Store(fi.Size())
	}
	l.logf("wal: snapshot %s: %d items in %v", filepath.Base(final), items, time.Since(began).Round(time.Millisecond))
	return nil
}

// parseSnapshotName returns the start sequence number of a snapshot file.
func parseSnapshotName(name string) (uint64, bool) {
	if len(name) != len(snapshotName(0)) || !strings.HasPrefix(name, "snap-") || !strings.HasSuffix(name, ".dcs") {
		return 0, false
	}
	n, err := strconv.ParseUint(name[len("snap-"):len(name)-len(".dcs")], 10, 64)
	return n, err == nil
}

func writeSnapshot(f *os.File, store *shard.Store, start uint64) (int, error) {
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString(snapMagic)
	var hdr [8]byte
	binary.LittleEndian.PutUint64(hdr[:], start)
	w.Write(hdr[:])
	var rec, frame []byte
	count := uint64(0)
	emit := func(typ byte, fill func([]byte) []byte) error {
		var st int
		rec, st = beginRecord(rec[:0], typ)
		rec = finishRecord(fill(rec), st)
		frame = binary.AppendUvarint(frame[:0], uint64(len(rec)))
		w.Write(frame)
		_, err := w.Write(rec)
		count++
		return err
	}
	items := 0
	for _, t := range store.Tables() {
		name := t.Name()
		if err := emit(recTable, func(b []byte) []byte {
			return appendTable(b, name, t.Schema(), t.Indexes(), t.Meta())
		}); err != nil {
			return 0, err
		}
		err := t.Dump(func(k shard.Key, e shard.Entry) error {
			items++
			return emit(recPut, func(b []byte) []byte { return appendPut(b, name, k, e.Size(), e.Encoded()) })
		})
		if err != nil {
			return 0, err
		}
	}
	n := count
	if err := emit(recEnd, func(b []byte) []byte { return binary.AppendUvarint(b, n) }); err != nil {
		return 0, err
	}
	return items, w.Flush()
}
