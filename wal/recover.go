package wal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/dynacache/dynacache/shard"
)

// recover rebuilds the store from the newest snapshot and the log, and
// returns it with the sequence number the next record must take. A
// snapshot that does not verify is set aside (renamed *.corrupt) and the
// one before it is used, with the log from its start, which is kept for
// that (snapshotLocked); when none is usable and the log no longer reaches
// back to the first record, the start fails. When a torn tail cannot be cut
// (a full disk), l.readOnly says why and the store holds what came before
// the tear.
func (l *Log) recover() (*shard.Store, uint64, error) {
	began := time.Now()
	defer quietGC()()
	logDir := filepath.Join(l.dir, "wal")
	segs, err := listSegments(logDir)
	if err != nil {
		return nil, 0, err
	}
	store, snapPath, start, snapItems, err := l.loadSnapshot(segs)
	if err != nil {
		return nil, 0, err
	}
	if start == 0 {
		start = 1
	}
	next := start // after the loop: the sequence number of the next record
	logNext := uint64(0)
	replay := newReplayer(store, l.opts.Changes, segs)
	// Segments wholly before start hold nothing to replay: they are kept
	// for a fall back to the snapshot before, which loadSnapshot has
	// decided against already, so they are not read.
	first := 0
	for first+1 < len(segs) && segs[first+1].first <= start {
		first++
	}
	for lo := first; lo < len(segs); {
		// A window of segments of about replayRunBytes, read and checked
		// in parallel, then replayed in order.
		hi, bytes := lo+1, segmentSize(segs[lo])
		for hi < len(segs) && bytes < replayRunBytes {
			bytes += segmentSize(segs[hi])
			hi++
		}
		scans := scanSegments(segs[lo:hi], hi == len(segs), l.warnf)
		for _, sc := range scans {
			if sc.release != nil {
				defer sc.release() // a run may hold records of this window until the end
			}
		}
		total := 0
		for _, sc := range scans {
			total += len(sc.entries)
		}
		replay.reserve(total) // once for the window, not segment by segment
		for i := lo; i < hi; i++ {
			seg := segs[i]
			if i > first && seg.first != logNext {
				return nil, 0, fmt.Errorf("wal: %s: %w: segment starts at entry %d but the log before it ends at %d (missing or damaged segment)",
					seg.path, ErrCorrupt, seg.first, logNext-1)
			}
			if i == first && seg.first > start {
				return nil, 0, fmt.Errorf("wal: %s: %w: log starts at entry %d but the snapshot needs entries from %d",
					seg.path, ErrCorrupt, seg.first, start)
			}
			entries, err := scans[i-lo].entries, scans[i-lo].err
			var torn *tornTailError
			if errors.As(err, &torn) {
				l.readOnly = torn
				err = nil
			}
			if err != nil {
				return nil, 0, err
			}
			skip := 0 // entries before start (seq: seg.first, seg.first+1, ...)
			if seg.first < start {
				skip = int(min(start-seg.first, uint64(len(entries))))
			}
			if err := replay.addEntries(entries[skip:], scans[i-lo].other, skip); err != nil {
				return nil, 0, err
			}
			logNext = seg.first + uint64(len(entries))
			scans[i-lo] = segmentScan{}
		}
		lo = hi
	}
	if err := replay.flush(); err != nil {
		return nil, 0, err
	}
	replayed := replay.replayed
	if logNext > next {
		next = logNext
	}
	store.EndRecovery() // builds the indexes the log left defined (loadSnapshot)
	if sink := l.opts.Changes; sink != nil {
		if err := sink.Recovered(next); err != nil {
			return nil, 0, fmt.Errorf("wal: streams: %w", err)
		}
	}
	var items int64
	for _, t := range store.Tables() {
		items += t.ItemCount()
	}
	from := "no snapshot"
	if snapPath != "" {
		from = fmt.Sprintf("snapshot %s (%d items)", filepath.Base(snapPath), snapItems)
	}
	l.stats.RecoverySeconds = time.Since(began).Seconds()
	l.stats.RecoveredRecords = int64(replayed)
	l.stats.RecoveredSnapshot = snapPath != ""
	l.logf("wal: recovered %d items in %d tables from %s + %d log records in %v",
		items, len(store.Tables()), from, replayed, time.Since(began).Round(time.Millisecond))
	return store, next, nil
}

// loadSnapshot loads the newest snapshot that verifies and that the log
// segs reaches back to into a new store. It returns the store, the
// snapshot's path, start sequence number and item count ("", 0, 0: none).
func (l *Log) loadSnapshot(segs []segmentFile) (*shard.Store, string, uint64, int, error) {
	names, err := snapshots(l.dir)
	if err != nil {
		return nil, "", 0, 0, err
	}
	logFirst := uint64(1)
	if len(segs) > 0 {
		logFirst = segs[0].first
	}
	var damaged error
	for i, name := range names {
		path := filepath.Join(l.dir, name)
		if st, _ := parseSnapshotName(name); i > 0 && st < logFirst {
			break // the log no longer reaches back to it
		}
		store := recoveringStore()
		start, items, err := loadSnapshotFile(path, store)
		if err == nil {
			if damaged != nil {
				l.warnf("wal: started from the older snapshot %s and the log after it", name)
			}
			return store, path, start, items, nil
		}
		if damaged == nil {
			damaged = err
		}
		set := path + ".corrupt"
		if rerr := os.Rename(path, set); rerr != nil {
			set = path
		}
		l.warnf("wal: %v; falling back to the snapshot before it (kept in %s)", err, filepath.Base(set))
	}
	if damaged == nil {
		return recoveringStore(), "", 0, 0, nil
	}
	if len(segs) > 0 && logFirst == 1 {
		l.warnf("wal: no usable snapshot: replaying the whole log")
		return recoveringStore(), "", 0, 0, nil
	}
	return nil, "", 0, 0, fmt.Errorf("%w (and no older snapshot, nor a log from the first record, to fall back to)", damaged)
}

// recoveringStore returns a new store in recovery: index definitions in
// the snapshot and the log wait for the end of the replay (EndRecovery in
// recover), so an index the log drops later is never built, and one that
// stays is built once, after every item is in (shard/load.go).
func recoveringStore() *shard.Store {
	s := shard.New(nil)
	s.BeginRecovery()
	return s
}

// applyRecord installs one record's effect. Records are images, so
// applying one again is harmless.
func applyRecord(store *shard.Store, r *record) {
	switch r.typ {
	case recPut, recDelete:
		t, ok := store.Table(r.table)
		if !ok {
			return // written to a table being dropped
		}
		var enc []byte
		if r.typ == recPut {
			enc = append([]byte(nil), r.item...)
		}
		t.RecoverItem(shard.Key(r.key), enc, r.size)
	case recTable:
		store.RecoverTable(r.table, r.schema, r.indexes, append([]byte(nil), r.meta...))
	case recDropTable:
		store.RecoverDropTable(r.table)
	case recBatch:
		for i := range r.batch {
			applyRecord(store, &r.batch[i])
		}
	}
}

// quietGC turns the collector off for a recovery and returns what turns
// it back on. Recovery allocates little it does not keep (the store it
// builds; the snapshot's and a run's log bytes, live while they are
// loaded), so the collections a growing heap triggers on the way mark
// the new store again and again and free next to nothing: about a tenth
// of a 1M-item restart's CPU. The memory limit (GOMEMLIMIT, --maxmemory)
// still holds while it is off; between runs of a long log the replayer
// collects (replayer.flush) so that the runs' bytes do not pile up. The
// store's first collection comes after recovery, concurrent with serving.
func quietGC() (restore func()) {
	quiet.Lock()
	if quiet.n == 0 {
		quiet.prev = debug.SetGCPercent(-1)
	}
	quiet.n++
	quiet.Unlock()
	return func() {
		quiet.Lock()
		if quiet.n--; quiet.n == 0 {
			debug.SetGCPercent(quiet.prev)
		}
		quiet.Unlock()
	}
}

// quiet counts the recoveries under way (several stores may recover at
// once, in tests): the first turns the collector off, the last restores
// the percent the first found.
var quiet struct {
	sync.Mutex
	n    int
	prev int
}

// collectBetweenRuns frees the log bytes of the runs replayed so far
// before the next one is read (recovery runs with the collector off).
var collectBetweenRuns = runtime.GC
