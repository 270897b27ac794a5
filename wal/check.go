package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/dynacache/dynacache/shard"
)

// The operator's tools: Check verifies a data directory without changing
// it, Repair cuts a damaged log at its first bad record (keeping the cut
// bytes, as redis-check-aof --fix does), Load reads a directory's state
// without taking it over (for dump).

// Problem is the first thing wrong that Check found.
type Problem struct {
	File   string
	Offset int64
	Entry  uint64 // log entry (sequence number); 0 in a snapshot
	// TornTail is a damaged end of the last segment: a crash mid-write,
	// which a start repairs by itself.
	TornTail bool
	Err      error
}

func (p *Problem) String() string {
	what := "corrupt"
	if p.TornTail {
		what = "torn tail (a start cuts it, keeping the bytes)"
	}
	if p.Entry > 0 {
		return fmt.Sprintf("%s: entry %d at offset %d: %s: %v", p.File, p.Entry, p.Offset, what, p.Err)
	}
	return fmt.Sprintf("%s: offset %d: %s: %v", p.File, p.Offset, what, p.Err)
}

// SnapshotInfo describes one snapshot file.
type SnapshotInfo struct {
	File     string
	StartSeq uint64
	Records  int
	Err      error // nil: it verifies
}

// CheckReport is what Check found.
type CheckReport struct {
	Snapshots []SnapshotInfo // newest first
	Segments  int
	FirstSeq  uint64 // first log entry (0: no log)
	LastSeq   uint64 // last good log entry
	Records   int    // good log records
	// Problems are the first bad record of the log (at most one: what
	// follows it cannot be trusted) and any snapshot that does not verify.
	Problems []*Problem
	// Usable is whether a start would succeed: some snapshot that verifies
	// (or the whole log) with a log reaching back to it, and no corruption
	// but a torn tail.
	Usable bool
}

// Check verifies every snapshot and every log record of the data directory
// dir, changing nothing.
func Check(dir string) (*CheckReport, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("wal: data directory: %w", err)
	}
	rep := &CheckReport{}
	names, err := snapshotNames(dir)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		path := filepath.Join(dir, n)
		start, records, err := verifySnapshot(path)
		rep.Snapshots = append(rep.Snapshots, SnapshotInfo{File: path, StartSeq: start, Records: records, Err: err})
		if err != nil {
			rep.Problems = append(rep.Problems, &Problem{File: path, Err: err})
		}
	}
	segs, err := readSegments(filepath.Join(dir, "wal"))
	if err != nil {
		return nil, err
	}
	rep.Segments = len(segs)
	p := scanLog(segs, func(seq uint64, rec []byte) {
		if rep.FirstSeq == 0 {
			rep.FirstSeq = seq
		}
		rep.LastSeq = seq
		rep.Records++
	})
	if p != nil {
		rep.Problems = append(rep.Problems, p)
	}
	logOK := p == nil || p.TornTail
	for _, s := range rep.Snapshots {
		if s.Err == nil && (rep.FirstSeq == 0 || rep.FirstSeq <= s.StartSeq || s.StartSeq == 0) {
			rep.Usable = logOK
			break
		}
	}
	if len(rep.Snapshots) == 0 || (!rep.Usable && rep.FirstSeq <= 1) {
		rep.Usable = logOK && rep.FirstSeq <= 1
	}
	return rep, nil
}

// snapshotNames lists dir's snapshots, newest first, without removing
// anything (snapshots() removes leftover temporary files).
func snapshotNames(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("wal: read data directory: %w", err)
	}
	var out []string
	for i := len(ents) - 1; i >= 0; i-- {
		if _, ok := parseSnapshotName(ents[i].Name()); ok {
			out = append(out, ents[i].Name())
		}
	}
	return out, nil
}

// verifySnapshot checks one snapshot file: every record and the trailer.
func verifySnapshot(path string) (uint64, int, error) {
	return loadSnapshotFile(path, nil)
}

// readSegments lists the log's segments in order without changing the
// directory (listSegments finishes an interrupted truncation).
func readSegments(dir string) ([]segmentFile, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("wal: read log directory: %w", err)
	}
	var segs []segmentFile
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() || !isSegmentName(name) {
			continue
		}
		first, err := strconv.ParseUint(name, 10, 64)
		if err != nil || first == 0 {
			continue
		}
		segs = append(segs, segmentFile{filepath.Join(dir, name), first})
	}
	return segs, nil // os.ReadDir sorts by name: by first entry
}

// scanLog reads every entry of segs in order, calling fn for each good
// record, and returns the first problem: a record whose checksum or body
// is bad, a gap between segments, or a torn tail of the last segment.
func scanLog(segs []segmentFile, fn func(seq uint64, rec []byte)) *Problem {
	next := uint64(0)
	for i, seg := range segs {
		if i > 0 && seg.first != next {
			return &Problem{File: seg.path, Entry: seg.first, Err: fmt.Errorf("%w: segment starts at entry %d but the log before it ends at %d", ErrCorrupt, seg.first, next-1)}
		}
		data, err := os.ReadFile(seg.path)
		if err != nil {
			return &Problem{File: seg.path, Err: err}
		}
		last := i == len(segs)-1
		seq := seg.first
		off := 0
		for off < len(data) {
			size, n := binary.Uvarint(data[off:])
			end := off + n + int(size)
			var perr error
			if n <= 0 || size > uint64(len(data)) || end > len(data) {
				perr = fmt.Errorf("%w: truncated entry", ErrCorrupt)
			} else if _, err := decodeRecord(data[off+n : end]); err != nil {
				perr = err
			}
			if perr != nil {
				torn := last && (end >= len(data) || allZero(data[min(end, len(data)):]))
				return &Problem{File: seg.path, Offset: int64(off), Entry: seq, TornTail: torn, Err: perr}
			}
			fn(seq, data[off+n:end])
			seq++
			off = end
		}
		next = seq
	}
	return nil
}

// RepairReport is what Repair did.
type RepairReport struct {
	Problem *Problem // what was wrong (nil: nothing)
	Cut     []string // files the cut bytes were kept in
	Dropped int      // log records cut off (counting whole segments after the bad one)
}

// Repair cuts the log of dir at its first bad record: the bytes from there
// to the end of that segment, and every later segment, are moved aside
// (SEGMENT.broken*), so a start recovers every record before it. Snapshots
// that do not verify are renamed *.corrupt. It takes the directory's lock,
// so it refuses a directory that a server is using.
func Repair(dir string) (*RepairReport, error) {
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	rep := &RepairReport{}
	names, err := snapshotNames(dir)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		path := filepath.Join(dir, n)
		if _, _, err := verifySnapshot(path); err != nil {
			if err := os.Rename(path, path+".corrupt"); err != nil {
				return rep, fmt.Errorf("wal: set aside %s: %w", path, err)
			}
			rep.Cut = append(rep.Cut, path+".corrupt")
		}
	}
	segs, err := listSegments(filepath.Join(dir, "wal"))
	if err != nil {
		return rep, err
	}
	p := scanLog(segs, func(uint64, []byte) {})
	rep.Problem = p
	if p == nil {
		return rep, nil
	}
	for i, seg := range segs {
		if seg.path != p.File {
			continue
		}
		data, err := os.ReadFile(seg.path)
		if err != nil {
			return rep, err
		}
		rep.Dropped += countEntries(data[p.Offset:])
		if err := cutTail(seg.path, data, int(p.Offset)); err != nil {
			return rep, err
		}
		rep.Cut = append(rep.Cut, seg.path+".broken*")
		for _, later := range segs[i+1:] {
			data, _ := os.ReadFile(later.path)
			rep.Dropped += countEntries(data)
			if err := os.Rename(later.path, later.path+".broken"); err != nil {
				return rep, fmt.Errorf("wal: set aside %s: %w", later.path, err)
			}
			rep.Cut = append(rep.Cut, later.path+".broken")
		}
		return rep, syncDir(filepath.Dir(seg.path))
	}
	return rep, nil // a gap: nothing to cut in a file (reported)
}

// countEntries counts the well-framed entries of data (at least 1 when
// data is not empty: what cannot be framed counts as one).
func countEntries(data []byte) int {
	n, off := 0, 0
	for off < len(data) {
		size, w := binary.Uvarint(data[off:])
		if w <= 0 || size > uint64(len(data)-off-w) {
			return n + 1
		}
		off += w + int(size)
		n++
	}
	return n
}

// Load reads the state of the data directory dir (newest usable snapshot
// and the log after it) into a store with no log, without taking the
// directory's lock or changing anything: a torn tail is left alone and
// its entry not applied. It is for inspecting a directory, e.g. dump.
func Load(dir string) (*shard.Store, error) {
	segs, err := readSegments(filepath.Join(dir, "wal"))
	if err != nil {
		return nil, err
	}
	names, err := snapshotNames(dir)
	if err != nil {
		return nil, err
	}
	logFirst := uint64(1)
	if len(segs) > 0 {
		logFirst = segs[0].first
	}
	var store *shard.Store
	start := uint64(1)
	for i, n := range names {
		st, _ := parseSnapshotName(n)
		if i > 0 && st < logFirst {
			break
		}
		s := shard.New(nil)
		if _, _, err := loadSnapshotFile(filepath.Join(dir, n), s); err == nil {
			store, start = s, st
			break
		}
	}
	if store == nil {
		if len(names) > 0 && logFirst != 1 {
			return nil, fmt.Errorf("wal: %s: no snapshot verifies and the log does not start at the first record", dir)
		}
		store = shard.New(nil)
	}
	var applyErr error
	p := scanLog(segs, func(seq uint64, rec []byte) {
		if seq < start || applyErr != nil {
			return
		}
		r, err := decodeRecord(rec)
		if err != nil {
			applyErr = err
			return
		}
		applyRecord(store, &r)
	})
	if applyErr != nil {
		return nil, applyErr
	}
	if p != nil && !p.TornTail {
		return nil, errors.New(p.String())
	}
	return store, nil
}
