package wal

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckAndRepair: check and repair on damaged copies of a real data
// directory (a snapshot and a log of many segments). check reports the
// first bad record and changes nothing; repair cuts the log there, keeping
// the bytes, and a start then recovers every record before the damage;
// Load (dump) agrees with what a start recovers.
func TestCheckAndRepair(t *testing.T) {
	const n = 60
	tests := []struct {
		name     string
		damage   func(t *testing.T, dir string, segs []string) (bad string)
		torn     bool
		survive  int // items a start recovers after repair
		wantText string
	}{
		{"intact", func(*testing.T, string, []string) string { return "" }, false, n, ""},
		{"torn tail", func(t *testing.T, _ string, segs []string) string {
			last := segs[len(segs)-1]
			offs := entryOffsets(t, last)
			os.Truncate(last, int64(offs[len(offs)-1]+5))
			return last
		}, true, n - 1, "torn tail"},
		{"bit flip in the middle", func(t *testing.T, _ string, segs []string) string {
			mid := segs[len(segs)/2]
			offs := entryOffsets(t, mid)
			data, _ := os.ReadFile(mid)
			data[offs[1]+8] ^= 0x01
			os.WriteFile(mid, data, 0o644)
			return mid
		}, false, -1, "checksum mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			segs := writeN(t, dir, n)
			bad := tt.damage(t, dir, segs)
			before := dirListing(t, dir)
			rep, err := Check(dir)
			if err != nil {
				t.Fatal(err)
			}
			if after := dirListing(t, dir); after != before {
				t.Fatalf("check changed the directory:\n%s\nwas:\n%s", after, before)
			}
			if bad == "" {
				if len(rep.Problems) != 0 || !rep.Usable || rep.Records != n+1 {
					t.Fatalf("intact: %+v", rep)
				}
				return
			}
			if len(rep.Problems) != 1 || rep.Problems[0].File != bad || rep.Problems[0].TornTail != tt.torn ||
				!strings.Contains(rep.Problems[0].String(), tt.wantText) {
				t.Fatalf("problems %v, want one in %s (%s, torn %v)", rep.Problems, bad, tt.wantText, tt.torn)
			}
			if rep.Usable != tt.torn {
				t.Fatalf("usable %v, want %v", rep.Usable, tt.torn)
			}
			survive := tt.survive
			if survive < 0 {
				// Everything before the bad record: the entries of the
				// segments before it, and the first entry of its own.
				survive = int(rep.LastSeq) - 1 // entry 1 is the table
			}
			loaded, err := Load(dir)
			if tt.torn {
				if err != nil {
					t.Fatalf("Load with a torn tail: %v", err)
				}
				if tb, _ := loaded.Table("t"); tb.ItemCount() != int64(survive) {
					t.Fatalf("Load: %d items, want %d", tb.ItemCount(), survive)
				}
			} else if err == nil {
				t.Fatal("Load of a corrupt log succeeded")
			}

			rrep, err := Repair(dir)
			if err != nil {
				t.Fatal(err)
			}
			if rrep.Problem == nil || len(rrep.Cut) == 0 {
				t.Fatalf("repair did nothing: %+v", rrep)
			}
			if rep2, _ := Check(dir); len(rep2.Problems) != 0 || !rep2.Usable {
				t.Fatalf("check after repair: %v", rep2.Problems)
			}
			l, s := openT(t, dir, Options{SegmentBytes: 1024, SnapshotBytes: -1})
			defer l.Close()
			tb, _ := s.Table("t")
			if tb.ItemCount() != int64(survive) {
				t.Fatalf("after repair a start recovers %d items, want %d", tb.ItemCount(), survive)
			}
			for i := range survive {
				k := fmt.Sprint("k", i)
				if _, ok := get(t, tb, k); !ok {
					t.Fatalf("%s lost", k)
				}
			}
			broken, _ := filepath.Glob(filepath.Join(dir, "wal", "*.broken*"))
			if len(broken) == 0 {
				t.Fatal("the cut bytes were not kept")
			}
		})
	}
}

// TestCheckSnapshot: a damaged snapshot is reported; with the previous
// snapshot (or the whole log) to fall back to, the directory is usable.
func TestCheckSnapshot(t *testing.T) {
	dir := t.TempDir()
	l, s := openT(t, dir, Options{SnapshotBytes: -1})
	tb, _ := s.CreateTable("t", testSchema, nil, nil)
	put(t, tb, "a", "1")
	l.Snapshot()
	put(t, tb, "b", "2")
	l.Snapshot()
	l.Close()
	snaps, _ := filepath.Glob(filepath.Join(dir, "snap-*.dcs"))
	data, _ := os.ReadFile(snaps[len(snaps)-1])
	data[len(data)/2] ^= 0x10
	os.WriteFile(snaps[len(snaps)-1], data, 0o644)
	rep, err := Check(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 1 || rep.Problems[0].File != snaps[len(snaps)-1] || !rep.Usable {
		t.Fatalf("report %+v, problems %v", rep, rep.Problems)
	}
	store, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	tb, _ = store.Table("t")
	if tb.ItemCount() != 2 {
		t.Fatalf("Load fell back to %d items, want 2", tb.ItemCount())
	}
}

func dirListing(t *testing.T, dir string) string {
	t.Helper()
	var out []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && filepath.Base(p) != "LOCK" {
			out = append(out, fmt.Sprintf("%s %d", p, fi.Size()))
		}
		return nil
	})
	return strings.Join(out, "\n")
}
