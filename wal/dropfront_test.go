package wal

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestTruncateBesideWriters: snapshots truncate a log of many segments
// while writers go on; the log's first entry is then exactly the previous
// snapshot's start, tidwall/wal goes on appending, and a restart (also one
// interrupted in the middle of a truncation) recovers every write.
func TestTruncateBesideWriters(t *testing.T) {
	dir := t.TempDir()
	l, s := openT(t, dir, Options{Policy: FsyncNo, SnapshotBytes: -1, SegmentBytes: 32 << 10})
	tb, _ := s.CreateTable("t", testSchema, nil, nil)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1500 {
				put(t, tb, fmt.Sprintf("w%d-%d", w, i%700), fmt.Sprint("v", i))
			}
		}()
	}
	var starts []uint64
	for range 4 {
		if err := l.Snapshot(); err != nil {
			t.Fatal(err)
		}
		names, _ := snapshots(dir)
		st, _ := parseSnapshotName(names[0])
		starts = append(starts, st)
	}
	wg.Wait()
	if err := l.Snapshot(); err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		put(t, tb, fmt.Sprint("after", i), "x")
	}
	names, _ := snapshots(dir)
	prev, _ := parseSnapshotName(names[1])
	segs, err := segmentNames(filepath.Join(dir, "wal"))
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) < 2 || segs[0].first != prev {
		t.Fatalf("log starts at %d (%d segments), want the previous snapshot's start %d (snapshot starts %v)", segs[0].first, len(segs), prev, starts)
	}
	want := contents(t, s)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, s = openT(t, dir, Options{SnapshotBytes: -1})
	if got := contents(t, s); got != want {
		t.Fatal("recovered state differs")
	}
	l.Close()

	// A crash after the .START file was written and before the segments
	// before it were removed: the start finishes the truncation.
	segs, _ = segmentNames(filepath.Join(dir, "wal"))
	data, err := os.ReadFile(segs[0].path)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "wal", segmentFileName(segs[0].first)+".START"), data, 0o644)
	l, s = openT(t, dir, Options{SnapshotBytes: -1})
	defer l.Close()
	if got := contents(t, s); got != want {
		t.Fatal("recovered state differs after an interrupted truncation")
	}
}
