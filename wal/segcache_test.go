package wal

import (
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// clearCounting counts the times the committer empties tidwall/wal's
// segment cache.
type clearCounting struct {
	segmentLog
	clears atomic.Int64
}

func (c *clearCounting) ClearCache() error {
	c.clears.Add(1)
	return c.segmentLog.(segmentCacheClearer).ClearCache()
}

// TestSegmentCacheDropped: the committer empties tidwall/wal's cache of
// read segments as the log grows, and the log goes on working: writes
// after each drop, over several segments, are all recovered.
func TestSegmentCacheDropped(t *testing.T) {
	dir := t.TempDir()
	const segment = 64 << 10
	l, s := openT(t, dir, Options{SegmentBytes: segment, SnapshotBytes: -1})
	files := &clearCounting{segmentLog: l.files}
	l.files = files
	tb, err := s.CreateTable("t", testSchema, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	val := strings.Repeat("x", 100)
	const items = 3000 // about 400 KB: six segments
	for i := range items {
		put(t, tb, "k"+strconv.Itoa(i), val)
	}
	// One drop per quarter segment of writes.
	if n := files.clears.Load(); n < 4*5 {
		t.Fatalf("segment cache emptied %d times over six segments, want at least 20", n)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, s = openT(t, dir, Options{SegmentBytes: segment, SnapshotBytes: -1})
	defer l.Close()
	tb, _ = s.Table("t")
	if n := tb.ItemCount(); n != items {
		t.Fatalf("recovered %d items, want %d", n, items)
	}
	for _, i := range []int{0, items / 2, items - 1} {
		if v, ok := get(t, tb, "k"+strconv.Itoa(i)); !ok || v != val {
			t.Fatalf("k%d recovered as %q, %v", i, v, ok)
		}
	}
}
