package wal

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/dynacache/dynacache/shard"
)

// recover rebuilds the store from the newest snapshot and the log, and
// returns it with the sequence number the next record must take.
func (l *Log) recover() (*shard.Store, uint64, error) {
	began := time.Now()
	store := shard.New(nil)
	snapPath, start, snapItems, err := loadNewestSnapshot(l.dir, store)
	if err != nil {
		return nil, 0, err
	}
	if start == 0 {
		start = 1
	}
	logDir := filepath.Join(l.dir, "wal")
	segs, err := listSegments(logDir)
	if err != nil {
		return nil, 0, err
	}
	next := start
	replayed := 0
	for i, seg := range segs {
		if i > 0 && seg.first != next {
			return nil, 0, fmt.Errorf("wal: %s: %w: segment starts at entry %d but the log before it ends at %d (missing or damaged segment)",
				seg.path, ErrCorrupt, seg.first, next-1)
		}
		if i == 0 && seg.first > start {
			return nil, 0, fmt.Errorf("wal: %s: %w: log starts at entry %d but the snapshot needs entries from %d",
				seg.path, ErrCorrupt, seg.first, start)
		}
		entries, err := scanSegment(seg, i == len(segs)-1, l.logf)
		if err != nil {
			return nil, 0, err
		}
		for _, e := range entries {
			if e.seq < start {
				continue
			}
			r, err := decodeRecord(e.data)
			if err != nil {
				return nil, 0, fmt.Errorf("wal: %s: entry %d: %w", seg.path, e.seq, err)
			}
			applyRecord(store, &r)
			replayed++
		}
		next = seg.first + uint64(len(entries))
		if next < start {
			next = start
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
	l.logf("wal: recovered %d items in %d tables from %s + %d log records in %v",
		items, len(store.Tables()), from, replayed, time.Since(began).Round(time.Millisecond))
	return store, next, nil
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
