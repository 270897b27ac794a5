package wal

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Truncating the log's front without stopping writers (issue 16: "no
// write waits on a snapshot").
//
// tidwall/wal's TruncateFront holds the log's mutex while it reads the
// segment holding the new first entry, writes its remainder to a new file,
// fsyncs and renames it, and removes the segments before: tens of
// milliseconds (more on a busy disk) during which every WriteBatch waits.
// After each snapshot that was the p99 of the writes.
//
// tidwall/wal writes only to its tail segment and, at run time, reads
// none (SegmentCacheSize 1; recovery reads the files itself). So a front
// truncation that does not reach the tail segment can be done beside it,
// on the files alone, with tidwall/wal's own crash protocol: the remainder
// of the segment holding index is written to INDEX.START (a temporary
// file, fsynced, renamed), the segments before it are removed oldest
// first, then INDEX.START is renamed to INDEX. A crash at any point leaves
// either the old front or a .START file that listSegments (and
// tidwall/wal's Open) finishes. The segments it removed stay in
// tidwall/wal's memory until the next Open, which lists the directory;
// nothing reads them.
//
// When index is in the tail segment (the log since the previous snapshot
// is shorter than one segment: a small log, cheap to rewrite), tidwall/wal
// truncates it under its lock, as before; unless segments were removed
// beside it since Open, which tidwall/wal would try to remove again: then
// the tail is kept whole (at most one segment more than asked for).

// truncateFrontUnlocked drops the entries before index, as
// twal.Log.TruncateFront does.
func (f *segmentFiles) truncateFrontUnlocked(index uint64) error {
	segs, err := segmentNames(f.dir)
	if err != nil {
		return err
	}
	k := -1 // the segment holding index
	for i, s := range segs {
		if s.first <= index {
			k = i
		}
	}
	if k < 0 || (k == 0 && segs[0].first == index) {
		return nil // nothing before index
	}
	if k == len(segs)-1 {
		if f.removedBeside {
			// tidwall/wal would remove the segments it still lists, some
			// gone already, and fail: keep the tail whole until the next
			// truncation reaches past it (at most one segment more).
			return nil
		}
		return f.Log.TruncateFront(index)
	}
	f.removedBeside = true
	if segs[k].first < index {
		data, err := os.ReadFile(segs[k].path)
		if err != nil {
			return fmt.Errorf("wal: truncate: %w", err)
		}
		off := 0
		for n := segs[k].first; n < index; n++ {
			size, w := binary.Uvarint(data[off:])
			if w <= 0 || size > uint64(len(data)-off-w) {
				return fmt.Errorf("wal: truncate: %s: %w: entry %d not found", segs[k].path, ErrCorrupt, n)
			}
			off += w + int(size)
		}
		start := filepath.Join(f.dir, segmentFileName(index)+".START")
		tmp := start + ".tmp"
		if err := writeFileSync(tmp, data[off:]); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("wal: truncate: %w", err)
		}
		if err := os.Rename(tmp, start); err != nil {
			return fmt.Errorf("wal: truncate: %w", err)
		}
		if err := syncDir(f.dir); err != nil {
			return fmt.Errorf("wal: truncate: %w", err)
		}
		for _, s := range segs[:k+1] {
			if err := os.Remove(s.path); err != nil {
				return fmt.Errorf("wal: truncate: %w", err)
			}
		}
		if err := os.Rename(start, strings.TrimSuffix(start, ".START")); err != nil {
			return fmt.Errorf("wal: truncate: %w", err)
		}
	} else {
		for _, s := range segs[:k] {
			if err := os.Remove(s.path); err != nil {
				return fmt.Errorf("wal: truncate: %w", err)
			}
		}
	}
	return syncDir(f.dir)
}

// segmentNames lists the segment files of dir in order, and nothing else
// (unlike listSegments, it changes nothing).
func segmentNames(dir string) ([]segmentFile, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("wal: read log directory: %w", err)
	}
	var segs []segmentFile
	for _, e := range ents {
		if name := e.Name(); isSegmentName(name) {
			if idx, err := strconv.ParseUint(name, 10, 64); err == nil && idx > 0 {
				segs = append(segs, segmentFile{filepath.Join(dir, name), idx})
			}
		}
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i].first < segs[j].first })
	return segs, nil
}

// segmentFileName is tidwall/wal's name of the segment starting at index.
func segmentFileName(index uint64) string { return fmt.Sprintf("%020d", index) }
