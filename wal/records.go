package wal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	twal "github.com/tidwall/wal"
)

// recBody frames an entry of a Records log.
const recBody byte = 8

// Records is a plain log of opaque entries on tidwall/wal, framed and
// checked as the write-ahead log's records are (a CRC-32C per entry, a torn
// tail cut on open and kept aside), for the stores that keep their own
// history beside the write-ahead log (DynamoDB Streams, package stream).
// Entries are numbered from 1, contiguously; Append writes but does not
// fsync (Sync does). It is safe for concurrent use.
type Records struct {
	files *segmentFiles
	buf   []byte
	batch twal.Batch
}

// OpenRecords opens (creating if needed) the Records log in dir. logf
// reports a repaired tail.
func OpenRecords(dir string, segmentBytes int, logf func(string, ...any)) (*Records, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if segmentBytes <= 0 {
		segmentBytes = 4 << 20
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	opts := &twal.Options{NoSync: true, SegmentSize: segmentBytes, SegmentCacheSize: 2, AllowEmpty: true}
	files, err := openSegments(dir, opts)
	if errors.Is(err, twal.ErrCorrupt) {
		// A torn tail (a crash in the middle of a write): cut it, as the
		// write-ahead log's recovery does, and open again.
		if rerr := cutTornTail(dir, logf); rerr != nil {
			return nil, fmt.Errorf("wal: %s: %w (repair: %v)", dir, err, rerr)
		}
		files, err = openSegments(dir, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("wal: open %s: %w", dir, err)
	}
	return &Records{files: files}, nil
}

// cutTornTail cuts the torn tail of the last segment in dir.
func cutTornTail(dir string, logf func(string, ...any)) error {
	segs, err := listSegments(dir)
	if err != nil {
		return err
	}
	if len(segs) == 0 {
		return errors.New("no segment")
	}
	_, err = scanSegment(segs[len(segs)-1], true, logf)
	return err
}

// First returns the number of the first entry, and Last that of the last
// (First = Last+1 when the log is empty).
func (r *Records) First() uint64 {
	i, _ := r.files.FirstIndex()
	if i == 0 {
		return r.Last() + 1
	}
	return i
}

// Last returns the number of the last entry, 0 when none was ever written.
func (r *Records) Last() uint64 {
	i, _ := r.files.LastIndex()
	return i
}

// Append writes entries as the next ones. REQUIRES: one caller at a time.
func (r *Records) Append(entries ...[]byte) error {
	next := r.Last() + 1
	r.batch.Clear()
	buf := r.buf[:0]
	var offsBuf [8]int
	offs := offsBuf[:0]
	for _, e := range entries {
		offs = append(offs, len(buf))
		var start int
		buf, start = beginRecord(buf, recBody)
		buf = append(buf, e...)
		buf = finishRecord(buf, start)
	}
	offs = append(offs, len(buf))
	for i := range entries {
		r.batch.Write(next+uint64(i), buf[offs[i]:offs[i+1]])
	}
	r.buf = buf
	return r.files.WriteBatch(&r.batch)
}

// Read returns entry i (a copy).
func (r *Records) Read(i uint64) ([]byte, error) {
	b, err := r.files.Read(i)
	if err != nil {
		return nil, err
	}
	typ, body, err := checkRecord(b)
	if err != nil {
		return nil, err
	}
	if typ != recBody {
		return nil, fmt.Errorf("%w: entry %d has type %d", ErrCorrupt, i, typ)
	}
	return body, nil
}

// TruncateFront drops the entries before i (i may be Last+1: all).
func (r *Records) TruncateFront(i uint64) error {
	if i <= r.First() {
		return nil
	}
	return r.files.TruncateFront(i)
}

// TruncateBack drops the entries after i.
func (r *Records) TruncateBack(i uint64) error {
	if i >= r.Last() {
		return nil
	}
	return r.files.TruncateBack(i)
}

// Sync fsyncs what was appended.
func (r *Records) Sync() error { return r.files.SyncTail() }

// Close closes the log.
func (r *Records) Close() error { return r.files.Close() }

// RemoveRecords deletes the Records log in dir.
func RemoveRecords(dir string) error { return os.RemoveAll(filepath.Clean(dir)) }
