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

// segmentFile is one log segment on disk.
type segmentFile struct {
	path  string
	first uint64 // sequence number of its first entry
}

// listSegments returns the log's segments in order, first finishing a
// front truncation that a crash interrupted (a .START file, as tidwall/wal
// leaves it: complete, written atomically, to replace every segment before
// it).
func listSegments(dir string) ([]segmentFile, error) {
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("wal: read log directory: %w", err)
	}
	var segs []segmentFile
	var start *segmentFile
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() || len(name) < 20 {
			continue
		}
		idx, err := strconv.ParseUint(name[:20], 10, 64)
		if err != nil || idx == 0 {
			continue
		}
		switch {
		case len(name) == 20:
			segs = append(segs, segmentFile{filepath.Join(dir, name), idx})
		case name[20:] == ".START":
			start = &segmentFile{filepath.Join(dir, name), idx}
		case name[20:] == ".END":
			return nil, fmt.Errorf("wal: %s: unexpected back-truncation file", filepath.Join(dir, name))
		}
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i].first < segs[j].first })
	if start != nil {
		var keep []segmentFile
		for _, s := range segs {
			if s.first <= start.first {
				if err := os.Remove(s.path); err != nil {
					return nil, fmt.Errorf("wal: finish truncation: %w", err)
				}
				continue
			}
			keep = append(keep, s)
		}
		final := strings.TrimSuffix(start.path, ".START")
		if err := os.Rename(start.path, final); err != nil {
			return nil, fmt.Errorf("wal: finish truncation: %w", err)
		}
		segs = append([]segmentFile{{final, start.first}}, keep...)
	}
	return segs, nil
}

// entry is one log entry found by a scan.
type entry struct {
	seq  uint64
	data []byte // the record (aliases the segment's bytes)
}

// tornTailError is a torn tail that could not be cut (the disk is full or
// read-only): the log can be read up to it but not written after it.
type tornTailError struct {
	path  string
	off   int
	cause error
}

func (e *tornTailError) Error() string {
	return fmt.Sprintf("wal: cannot repair the torn tail of %s at offset %d: %v", e.path, e.off, e.cause)
}

func (e *tornTailError) Unwrap() error { return e.cause }

// scanSegment parses the entries of one segment. When last is true, a torn
// tail is repaired (see doc.go); otherwise any bad entry is an error. It
// returns the entries in order; when the repair itself fails, the entries
// before the tear and a *tornTailError.
func scanSegment(seg segmentFile, last bool, logf func(string, ...any)) ([]entry, error) {
	data, err := os.ReadFile(seg.path)
	if err != nil {
		return nil, fmt.Errorf("wal: read %s: %w", seg.path, err)
	}
	return scanSegmentData(seg, data, last, logf, nil)
}

// scanSegmentData is scanSegment of data, the bytes of seg; with other,
// it appends to *other the index of each entry that is not an item
// record (itemRecord).
func scanSegmentData(seg segmentFile, data []byte, last bool, logf func(string, ...any), other *[]int) ([]entry, error) {
	out := make([]entry, 0, countEntries(data))
	off := 0
	for off < len(data) {
		size, n := binary.Uvarint(data[off:])
		end := off + n + int(size)
		if n > 0 && size <= uint64(len(data)) && end <= len(data) {
			rec := data[off+n : end]
			if typ, _, cerr := checkRecord(rec); cerr == nil {
				if other != nil && !itemRecord(typ) {
					*other = append(*other, len(out))
				}
				out = append(out, entry{seq: seg.first + uint64(len(out)), data: rec})
				off = end
				continue
			} else if !last || !(end == len(data) || allZero(data[end:])) {
				return nil, fmt.Errorf("wal: %s: entry %d at offset %d: %w", seg.path, seg.first+uint64(len(out)), off, cerr)
			}
		} else if !last {
			return nil, fmt.Errorf("wal: %s: entry %d at offset %d: %w: truncated", seg.path, seg.first+uint64(len(out)), off, ErrCorrupt)
		}
		// A torn tail: the entry at off was being written when the
		// process or machine stopped. Cut it and everything after it.
		if err := cutTail(seg.path, data, off); err != nil {
			return out, &tornTailError{path: seg.path, off: off, cause: err}
		}
		logf("wal: repaired a torn tail of %s: cut %d bytes at offset %d (entry %d), kept in %s.broken*",
			seg.path, len(data)-off, off, seg.first+uint64(len(out)), seg.path)
		break
	}
	return out, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// cutTail saves data[off:] to a .broken file beside path, then truncates
// path to off, fsyncing both.
func cutTail(path string, data []byte, off int) error {
	broken := path + ".broken"
	for i := 1; ; i++ {
		if _, err := os.Stat(broken); os.IsNotExist(err) {
			break
		}
		broken = path + ".broken." + strconv.Itoa(i)
	}
	if err := writeFileSync(broken, data[off:]); err != nil {
		os.Remove(broken)
		return fmt.Errorf("wal: keep torn tail of %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("wal: repair %s: %w", path, err)
	}
	defer f.Close()
	if err := f.Truncate(int64(off)); err != nil {
		return fmt.Errorf("wal: repair %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("wal: repair %s: %w", path, err)
	}
	return nil
}

func writeFileSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir fsyncs a directory, making renames and creations in it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
