package wal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	twal "github.com/tidwall/wal"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

var testSchema = shard.KeySchema{HashName: "pk", HashType: attr.S}

func openT(t testing.TB, dir string, opts Options) (*Log, *shard.Store) {
	t.Helper()
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	l, s, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return l, s
}

func put(t testing.TB, tb *shard.Table, key, val string) {
	t.Helper()
	it := attr.Item{"pk": attr.Str(key), "v": attr.Str(val)}
	k, err := tb.Schema().EncodeKey(it)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := tb.Mutate(k, func(shard.Entry) (shard.Write, error) { return shard.Write{Item: it}, nil }); err != nil {
		t.Fatal(err)
	}
}

func del(t testing.TB, tb *shard.Table, key string) {
	t.Helper()
	k, _ := tb.Schema().EncodeKey(attr.Item{"pk": attr.Str(key)})
	if _, _, err := tb.Mutate(k, func(shard.Entry) (shard.Write, error) { return shard.Write{Delete: true}, nil }); err != nil {
		t.Fatal(err)
	}
}

// contents renders every table and item of a store, sorted, for comparison.
func contents(t testing.TB, s *shard.Store) string {
	t.Helper()
	var lines []string
	for _, tb := range s.Tables() {
		lines = append(lines, fmt.Sprintf("table %s meta=%q count=%d size=%d", tb.Name(), tb.Meta(), tb.ItemCount(), tb.SizeBytes()))
		tb.Dump(func(k shard.Key, e shard.Entry) error {
			it, err := e.Item()
			if err != nil {
				t.Fatal(err)
			}
			lines = append(lines, fmt.Sprintf("  %s/%q=%s size=%d", tb.Name(), k, it["v"].Str, e.Size()))
			return nil
		})
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func TestRecordRoundTrip(t *testing.T) {
	ix := []shard.IndexSchema{
		{Name: "g", Key: shard.KeySchema{HashName: "a", HashType: attr.N, RangeName: "b", RangeType: attr.B}, Projection: shard.ProjectInclude, NonKeyAttributes: []string{"x", "y"}},
		{Name: "l", Local: true, Projection: shard.ProjectKeysOnly},
	}
	var b []byte
	b, st := beginRecord(b, recTable)
	b = finishRecord(appendTable(b, "t", testSchema, ix, []byte("meta")), st)
	r, err := decodeRecord(b)
	if err != nil {
		t.Fatal(err)
	}
	if r.table != "t" || r.schema != testSchema || len(r.indexes) != 2 || !reflect.DeepEqual(r.indexes, ix) || string(r.meta) != "meta" {
		t.Fatalf("%+v", r)
	}
	for i := range b {
		c := append([]byte(nil), b...)
		c[i] ^= 0x10
		if _, err := decodeRecord(c); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("bit flip at %d not detected: %v", i, err)
		}
	}
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	l, s := openT(t, dir, Options{Policy: FsyncAlways})
	tb, err := s.CreateTable("t", testSchema, nil, []byte("m1"))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		put(t, tb, fmt.Sprint("k", i), fmt.Sprint("v", i))
	}
	del(t, tb, "k7")
	put(t, tb, "k8", "changed")
	gsi := []shard.IndexSchema{{Name: "g", Key: shard.KeySchema{HashName: "v", HashType: attr.S},
		Projection: shard.ProjectInclude, NonKeyAttributes: []string{"x"}}}
	if err := s.UpdateTable(tb, gsi, []byte("m2")); err != nil {
		t.Fatal(err)
	}
	gone, _ := s.CreateTable("gone", testSchema, nil, nil)
	put(t, gone, "x", "y")
	if _, err := s.DeleteTable("gone"); err != nil {
		t.Fatal(err)
	}
	want := contents(t, s)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2, s2 := openT(t, dir, Options{})
	defer l2.Close()
	if got := contents(t, s2); got != want {
		t.Fatalf("after reopen:\n%s\nwant:\n%s", got, want)
	}
	tb2, _ := s2.Table("t")
	if !reflect.DeepEqual(tb2.Indexes(), gsi) {
		t.Fatalf("indexes recovered as %+v, want %+v", tb2.Indexes(), gsi)
	}
	// Appends continue after recovery.
	put(t, tb2, "after", "reopen")
	want = contents(t, s2)
	l2.Close()
	l3, s3 := openT(t, dir, Options{})
	defer l3.Close()
	if got := contents(t, s3); got != want {
		t.Fatalf("after second reopen:\n%s\nwant:\n%s", got, want)
	}
}

func TestLockHeld(t *testing.T) {
	dir := t.TempDir()
	l, _ := openT(t, dir, Options{})
	defer l.Close()
	if _, _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "in use by another dynacache") {
		t.Fatalf("second open: %v", err)
	}
}

func TestUnusableDir(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o644)
	if _, _, err := Open(f, Options{}); err == nil || !strings.Contains(err.Error(), "data directory") {
		t.Fatalf("open on a file: %v", err)
	}
}

// writeN creates a log of n puts (k0..k{n-1}) in small segments and returns
// the segment paths.
func writeN(t *testing.T, dir string, n int) []string {
	t.Helper()
	l, s := openT(t, dir, Options{Policy: FsyncNo, SegmentBytes: 1024, SnapshotBytes: -1})
	tb, err := s.CreateTable("t", testSchema, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		put(t, tb, fmt.Sprint("k", i), strings.Repeat("v", 40))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	segs, err := listSegments(filepath.Join(dir, "wal"))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, sg := range segs {
		paths = append(paths, sg.path)
	}
	// tidwall/wal opens a new, empty segment when one fills up; make the
	// last segment the one holding the last entries, as after a crash
	// between a write and the next cycle.
	if fi, err := os.Stat(paths[len(paths)-1]); err == nil && fi.Size() == 0 {
		os.Remove(paths[len(paths)-1])
		paths = paths[:len(paths)-1]
	}
	return paths
}

// entryOffsets returns the byte offsets of the entries of a segment file.
func entryOffsets(t *testing.T, path string) []int {
	t.Helper()
	data, _ := os.ReadFile(path)
	var offs []int
	for off := 0; off < len(data); {
		offs = append(offs, off)
		size, n := uvarint(data[off:])
		off += n + int(size)
	}
	return offs
}

func uvarint(b []byte) (uint64, int) {
	var x uint64
	var s uint
	for i, c := range b {
		if c < 0x80 {
			return x | uint64(c)<<s, i + 1
		}
		x |= uint64(c&0x7f) << s
		s += 7
	}
	return 0, 0
}

// The etcd-style corruption table: each case damages the log of 1 table
// record + 60 puts, then asserts how many puts survive (or that the start
// fails) and that appends work after a repair.
func TestCorruption(t *testing.T) {
	const n = 60
	tests := []struct {
		name     string
		damage   func(t *testing.T, segs []string)
		survive  int    // puts recovered; -1: Open must fail
		errMatch string // substring of the failure
	}{
		{"intact", func(*testing.T, []string) {}, n, ""},
		{"truncate mid-record", func(t *testing.T, segs []string) {
			last := segs[len(segs)-1]
			offs := entryOffsets(t, last)
			os.Truncate(last, int64(offs[len(offs)-1]+5))
		}, n - 1, ""},
		{"zeroed last sector", func(t *testing.T, segs []string) {
			last := segs[len(segs)-1]
			data, _ := os.ReadFile(last)
			offs := entryOffsets(t, last)
			// Zero from inside the second-to-last entry to the end.
			from := offs[len(offs)-2] + 3
			for i := from; i < len(data); i++ {
				data[i] = 0
			}
			os.WriteFile(last, data, 0o644)
		}, n - 2, ""},
		{"bit flip in the last record", func(t *testing.T, segs []string) {
			last := segs[len(segs)-1]
			data, _ := os.ReadFile(last)
			data[len(data)-3] ^= 0x01
			os.WriteFile(last, data, 0o644)
		}, n - 1, ""},
		{"bit flip in the middle", func(t *testing.T, segs []string) {
			mid := segs[len(segs)/2]
			data, _ := os.ReadFile(mid)
			data[len(data)/2] ^= 0x01
			os.WriteFile(mid, data, 0o644)
		}, -1, "checksum mismatch"},
		{"bit flip in the middle of the last segment", func(t *testing.T, segs []string) {
			last := segs[len(segs)-1]
			offs := entryOffsets(t, last)
			if len(offs) < 3 {
				t.Skip("last segment too short")
			}
			data, _ := os.ReadFile(last)
			data[offs[0]+8] ^= 0x01
			os.WriteFile(last, data, 0o644)
		}, -1, "checksum mismatch"},
		{"missing segment", func(t *testing.T, segs []string) {
			os.Remove(segs[len(segs)/2])
		}, -1, "missing or damaged segment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			segs := writeN(t, dir, n)
			if len(segs) < 4 {
				t.Fatalf("want several segments, got %d", len(segs))
			}
			tt.damage(t, segs)
			l, s, err := Open(dir, Options{Logf: t.Logf, SegmentBytes: 1024, SnapshotBytes: -1})
			if tt.survive < 0 {
				if err == nil {
					l.Close()
					t.Fatal("Open succeeded on a corrupt log")
				}
				if !strings.Contains(err.Error(), tt.errMatch) || !strings.Contains(err.Error(), string(filepath.Separator)+"wal"+string(filepath.Separator)) {
					t.Fatalf("error %q should name the file and contain %q", err, tt.errMatch)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tb, ok := s.Table("t")
			if !ok || tb.ItemCount() != int64(tt.survive) {
				t.Fatalf("recovered %d items, want %d", tb.ItemCount(), tt.survive)
			}
			for i := 0; i < tt.survive; i++ {
				k, _ := testSchema.EncodeKey(attr.Item{"pk": attr.Str(fmt.Sprint("k", i))})
				if _, ok := tb.Get(k); !ok {
					t.Fatalf("k%d lost", i)
				}
			}
			if tt.survive < n {
				broken, _ := filepath.Glob(filepath.Join(dir, "wal", "*.broken*"))
				if len(broken) == 0 {
					t.Fatal("no .broken file kept")
				}
			}
			// Appends work after the repair, and survive another reopen.
			put(t, tb, "after", "repair")
			l.Close()
			l2, s2 := openT(t, dir, Options{SegmentBytes: 1024, SnapshotBytes: -1})
			defer l2.Close()
			tb2, _ := s2.Table("t")
			if tb2.ItemCount() != int64(tt.survive+1) {
				t.Fatalf("after append and reopen: %d items, want %d", tb2.ItemCount(), tt.survive+1)
			}
		})
	}
}

func TestSnapshotUnderWrites(t *testing.T) {
	dir := t.TempDir()
	l, s := openT(t, dir, Options{Policy: FsyncNo, SnapshotBytes: -1, SegmentBytes: 64 << 10})
	tb, _ := s.CreateTable("t", testSchema, nil, nil)
	for i := 0; i < 2000; i++ {
		put(t, tb, fmt.Sprint("k", i), "initial")
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if i >= 20000 {
					return
				}
				key := fmt.Sprint("k", (i*7+w)%3000)
				if i%5 == 0 {
					del(t, tb, key)
				} else {
					put(t, tb, key, fmt.Sprint("w", w, "-", i))
				}
			}
		}(w)
	}
	for i := 0; i < 3; i++ {
		if err := l.Snapshot(); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if err := l.Snapshot(); err != nil {
		t.Fatal(err)
	}
	put(t, tb, "tail", "after the last snapshot")
	want := contents(t, s)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	snaps, _ := filepath.Glob(filepath.Join(dir, "snap-*.dcs"))
	if len(snaps) != 2 {
		t.Fatalf("want the newest snapshot and the one before it left, got %v", snaps)
	}
	l2, s2 := openT(t, dir, Options{})
	defer l2.Close()
	if got := contents(t, s2); got != want {
		t.Fatal("recovered state differs from the live state")
	}
}

// A snapshot taken while writers run, then a crash (no Close): the
// recovered state must equal the live state at the crash.
func TestFuzzySnapshotConverges(t *testing.T) {
	dir := t.TempDir()
	l, s := openT(t, dir, Options{Policy: FsyncNo, SnapshotBytes: -1})
	tb, _ := s.CreateTable("t", testSchema, nil, nil)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 3000; i++ {
				put(t, tb, fmt.Sprint("k", (i*13+w)%500), fmt.Sprint(w, ":", i))
			}
		}(w)
	}
	errc := make(chan error, 1)
	go func() { errc <- l.Snapshot() }()
	wg.Wait()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	want := contents(t, s)
	// Simulate a crash: release the lock and files without Close's work.
	l.mu.Lock()
	l.mu.closed = true
	l.mu.Unlock()
	close(l.done)
	<-l.stopped
	l.files.Close()
	l.lock.Close()
	l2, s2 := openT(t, dir, Options{})
	defer l2.Close()
	if got := contents(t, s2); got != want {
		t.Fatal("recovered state differs")
	}
}

// TestSnapshotCorrupt: a snapshot that does not verify is set aside and
// recovery falls back to the one before it (and the log kept from its
// start), or to the whole log; with neither, the start fails with one
// clear error naming the file and the offset.
func TestSnapshotCorrupt(t *testing.T) {
	flip := func(t *testing.T, path string) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		data[len(data)/2] ^= 0x40
		os.WriteFile(path, data, 0o644)
	}
	build := func(t *testing.T, snapshots int) (dir, want string, snaps []string) {
		dir = t.TempDir()
		l, s := openT(t, dir, Options{SnapshotBytes: -1})
		tb, _ := s.CreateTable("t", testSchema, nil, nil)
		for i := range snapshots {
			put(t, tb, fmt.Sprint("k", i), "before snapshot")
			if err := l.Snapshot(); err != nil {
				t.Fatal(err)
			}
		}
		put(t, tb, "tail", "after the last snapshot")
		want = contents(t, s)
		l.Close()
		snaps, _ = filepath.Glob(filepath.Join(dir, "snap-*.dcs"))
		sort.Strings(snaps)
		return dir, want, snaps
	}
	t.Run("newest of several", func(t *testing.T) {
		dir, want, snaps := build(t, 3)
		if len(snaps) != 2 {
			t.Fatalf("snapshots kept: %v", snaps)
		}
		flip(t, snaps[1])
		var logged []string
		l, s := openT(t, dir, Options{Logf: func(f string, a ...any) { logged = append(logged, fmt.Sprintf(f, a...)) }})
		if got := contents(t, s); got != want {
			t.Fatalf("recovered from the older snapshot:\n%s\nwant:\n%s", got, want)
		}
		if _, err := os.Stat(snaps[1] + ".corrupt"); err != nil {
			t.Fatalf("damaged snapshot not set aside: %v", err)
		}
		if !strings.Contains(strings.Join(logged, "\n"), "falling back") {
			t.Fatalf("fallback not logged: %q", logged)
		}
		// The next snapshot keeps the good one as its fallback, not the
		// damaged one.
		if err := l.Snapshot(); err != nil {
			t.Fatal(err)
		}
		l.Close()
		l2, s2 := openT(t, dir, Options{})
		defer l2.Close()
		if got := contents(t, s2); got != want {
			t.Fatal("recovered state differs after the next snapshot")
		}
	})
	t.Run("the only one", func(t *testing.T) {
		dir, want, snaps := build(t, 1)
		flip(t, snaps[0])
		l, s := openT(t, dir, Options{})
		defer l.Close()
		if got := contents(t, s); got != want {
			t.Fatalf("recovered from the whole log:\n%s\nwant:\n%s", got, want)
		}
	})
	t.Run("nothing to fall back to", func(t *testing.T) {
		dir, _, snaps := build(t, 3)
		flip(t, snaps[0])
		flip(t, snaps[1])
		_, _, err := Open(dir, Options{})
		if err == nil || !strings.Contains(err.Error(), "snapshot") || !strings.Contains(err.Error(), "offset") {
			t.Fatalf("corrupt snapshots: %v", err)
		}
		if n := strings.Count(err.Error(), ErrCorrupt.Error()); n != 1 {
			t.Fatalf("%q names %q %d times", err, ErrCorrupt, n)
		}
	})
}

// failingFiles injects write or fsync failures into the commit pipeline.
type failingFiles struct {
	segmentLog
	failWrite, failSync bool
}

func (f *failingFiles) WriteBatch(b *twal.Batch) error {
	if f.failWrite {
		return errors.New("injected: no space left on device")
	}
	return f.segmentLog.WriteBatch(b)
}

func (f *failingFiles) Sync() error {
	if f.failSync {
		return errors.New("injected: input/output error")
	}
	return f.segmentLog.Sync()
}

func (f *failingFiles) SyncTail() error {
	if f.failSync {
		return errors.New("injected: input/output error")
	}
	return f.segmentLog.SyncTail()
}

// TestEverySecFsyncFailureIsSticky: under everysec a write is acknowledged
// before its fsync; a failed fsync then refuses every later write.
func TestEverySecFsyncFailureIsSticky(t *testing.T) {
	l, s := openT(t, t.TempDir(), Options{Policy: FsyncEverySec})
	defer l.Close()
	tb, _ := s.CreateTable("t", testSchema, nil, nil)
	l.files = &failingFiles{segmentLog: l.files, failSync: true}
	it := attr.Item{"pk": attr.Str("a")}
	k, _ := testSchema.EncodeKey(it)
	if _, _, err := tb.Mutate(k, func(shard.Entry) (shard.Write, error) { return shard.Write{Item: it}, nil }); err != nil {
		t.Fatalf("write before the fsync: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for l.Err() == nil {
		if time.Now().After(deadline) {
			t.Fatal("the failed fsync was not reported")
		}
		time.Sleep(10 * time.Millisecond)
	}
	_, _, err := tb.Mutate(k, func(shard.Entry) (shard.Write, error) { return shard.Write{Item: it}, nil })
	if err == nil || !strings.Contains(err.Error(), "fsync failed") {
		t.Fatalf("write after the failed fsync: %v", err)
	}
}

// TestSyncTailFollowsSegments: SyncTail finds the tail segment as the log
// moves on to new ones, and everything written stays readable.
func TestSyncTailFollowsSegments(t *testing.T) {
	dir := t.TempDir()
	l, s := openT(t, dir, Options{Policy: FsyncEverySec, SegmentBytes: 4096, SnapshotBytes: -1})
	tb, _ := s.CreateTable("t", testSchema, nil, nil)
	f := l.files.(*segmentFiles)
	seen := map[string]bool{}
	for i := 0; i < 400; i++ {
		it := attr.Item{"pk": attr.Str(fmt.Sprint("k", i)), "v": attr.Str(strings.Repeat("x", 100))}
		k, _ := testSchema.EncodeKey(it)
		if _, _, err := tb.Mutate(k, func(shard.Entry) (shard.Write, error) { return shard.Write{Item: it}, nil }); err != nil {
			t.Fatal(err)
		}
		if err := f.SyncTail(); err != nil {
			t.Fatal(err)
		}
		want, err := f.tailSegment()
		if err != nil {
			t.Fatal(err)
		}
		// Under f.mu: the log's syncer calls SyncTail too (every quarter
		// segment, and these segments are 4 KB).
		f.mu.Lock()
		synced := f.tailName
		f.mu.Unlock()
		if synced != want {
			t.Fatalf("after write %d SyncTail synced %q, the tail is %q", i, synced, want)
		}
		seen[synced] = true
	}
	if len(seen) < 3 {
		t.Fatalf("the log used %d segments; the test needs several", len(seen))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2, s2 := openT(t, dir, Options{Policy: FsyncEverySec})
	defer l2.Close()
	tb2, _ := s2.Table("t")
	if n := tb2.ItemCount(); n != 400 {
		t.Fatalf("recovered %d items, want 400", n)
	}
}

func TestFailuresAreSticky(t *testing.T) {
	for _, tc := range []struct {
		name          string
		write, fsync  bool
		policy        Policy
		wantInMessage string
	}{
		{"write", true, false, FsyncEverySec, "write failed"},
		{"fsync always", false, true, FsyncAlways, "fsync failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, s := openT(t, t.TempDir(), Options{Policy: tc.policy})
			defer l.Close()
			tb, _ := s.CreateTable("t", testSchema, nil, nil)
			l.files = &failingFiles{segmentLog: l.files, failWrite: tc.write, failSync: tc.fsync}
			it := attr.Item{"pk": attr.Str("a")}
			k, _ := testSchema.EncodeKey(it)
			_, _, err := tb.Mutate(k, func(shard.Entry) (shard.Write, error) { return shard.Write{Item: it}, nil })
			if err == nil || !strings.Contains(err.Error(), tc.wantInMessage) {
				t.Fatalf("write: %v", err)
			}
			// Later writes are refused at once, with the same reason.
			_, _, err = tb.Mutate(k, func(shard.Entry) (shard.Write, error) { return shard.Write{Item: it}, nil })
			if err == nil || !strings.Contains(err.Error(), tc.wantInMessage) {
				t.Fatalf("second write: %v", err)
			}
		})
	}
}

// Group commit: b.Run over fsync policy (and no log at all, as
// --in-memory) x concurrent writers.
//
//	go test -run '^$' -bench BenchmarkAppend ./wal
func BenchmarkAppend(b *testing.B) {
	for _, policy := range []string{"always", "everysec", "no", "in-memory"} {
		for _, writers := range []int{1, 8, 64} {
			b.Run(fmt.Sprintf("fsync=%s/writers=%d", policy, writers), func(b *testing.B) {
				s := shard.New(nil)
				if policy != "in-memory" {
					p, _ := ParsePolicy(policy)
					var l *Log
					l, s = openT(b, b.TempDir(), Options{Policy: p, SnapshotBytes: -1, Logf: func(string, ...any) {}})
					defer l.Close()
				}
				tb, _ := s.CreateTable("t", testSchema, nil, nil)
				val := strings.Repeat("x", 100)
				b.SetBytes(100)
				b.ReportAllocs()
				b.SetParallelism(writers)
				var ctr sync.Mutex
				id := 0
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					ctr.Lock()
					me := id
					id++
					ctr.Unlock()
					i := 0
					for pb.Next() {
						it := attr.Item{"pk": attr.Str(fmt.Sprint(me, "-", i%1000)), "v": attr.Str(val)}
						k, _ := testSchema.EncodeKey(it)
						if _, _, err := tb.Mutate(k, func(shard.Entry) (shard.Write, error) { return shard.Write{Item: it}, nil }); err != nil {
							b.Fatal(err)
						}
						i++
					}
				})
			})
		}
	}
}
