package wal

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	twal "github.com/tidwall/wal"
)

// segmentFiles is the production segmentLog: tidwall/wal, with an fsync
// that does not stop writes (SyncTail).
//
// tidwall/wal's Sync holds the log's mutex for the whole fsync, so every
// WriteBatch behind it waits: under --fsync everysec each writer would stall
// once a second for as long as the disk takes (milliseconds on a busy
// disk), which is the p99 of every write. SyncTail fsyncs the tail segment
// through a descriptor of its own instead; fsync flushes the file, not the
// descriptor, and Linux lets write and fsync of one file run at once. (Under
// --fsync always the commit that writes also fsyncs, one at a time, so
// there tidwall/wal's Sync costs nothing extra and is used as it is.)
//
// Correctness: SyncTail must make durable everything written before it was
// called. tidwall/wal writes only to the tail segment, and fsyncs a segment
// itself when it moves on to the next one (cycle). So it suffices to fsync
// the segment that is the tail when Sync starts: it is found by listing
// the directory at every SyncTail, after the writes it must cover have
// returned. A tail not seen before also gets its directory entry fsynced.
type segmentFiles struct {
	*twal.Log
	dir string

	mu       sync.Mutex // serialises SyncTail
	tail     *os.File   // read-only descriptor of the tail segment
	tailName string

	// beside, set for the write-ahead log, makes TruncateFront work
	// beside tidwall/wal rather than under its lock (dropfront.go).
	beside bool
	// removedBeside: segments were removed beside tidwall/wal since Open.
	removedBeside bool
}

// TruncateFront drops the entries before index.
func (f *segmentFiles) TruncateFront(index uint64) error {
	if f.beside {
		return f.truncateFrontUnlocked(index)
	}
	return f.Log.TruncateFront(index)
}

func openSegments(dir string, opts *twal.Options) (*segmentFiles, error) {
	l, err := twal.Open(dir, opts)
	if err != nil {
		return nil, err
	}
	return &segmentFiles{Log: l, dir: dir}, nil
}

// SyncTail fsyncs what has been written to the log, without holding
// tidwall/wal's lock.
func (f *segmentFiles) SyncTail() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	name, err := f.tailSegment()
	if err != nil {
		return err
	}
	if name == "" { // nothing written yet
		return nil
	}
	if name != f.tailName {
		if f.tail != nil {
			f.tail.Close()
			f.tail = nil
		}
		t, err := os.Open(filepath.Join(f.dir, name))
		if err != nil {
			return fmt.Errorf("wal: open segment for fsync: %w", err)
		}
		// The new segment's directory entry, once.
		if err := syncDir(f.dir); err != nil {
			t.Close()
			return fmt.Errorf("wal: fsync directory: %w", err)
		}
		f.tail, f.tailName = t, name
	}
	return f.tail.Sync()
}

// tailSegment returns the name of the newest segment file ("" when none).
// Segment files are named by their first index, 20 decimal digits, so the
// greatest name is the tail; anything else in the directory (tidwall/wal's
// temporary files while it truncates) is skipped.
func (f *segmentFiles) tailSegment() (string, error) {
	entries, err := os.ReadDir(f.dir)
	if err != nil {
		return "", fmt.Errorf("wal: list segments: %w", err)
	}
	tail := ""
	for _, e := range entries {
		if n := e.Name(); isSegmentName(n) && n > tail {
			tail = n
		}
	}
	return tail, nil
}

func isSegmentName(n string) bool {
	if len(n) != 20 {
		return false
	}
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return false
		}
	}
	return true
}

// Close closes the tail descriptor and the log.
func (f *segmentFiles) Close() error {
	f.mu.Lock()
	if f.tail != nil {
		f.tail.Close()
		f.tail = nil
	}
	f.mu.Unlock()
	return f.Log.Close()
}
