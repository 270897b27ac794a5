package wal

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// snapshotSeed returns a valid snapshot of two tables, one with a GSI.
func snapshotSeed(tb testing.TB, items int) []byte {
	s := shard.New(nil)
	t1, _ := s.CreateTable("a", testSchema, nil, []byte("m"))
	gsi := []shard.IndexSchema{{Name: "g", Key: shard.KeySchema{HashName: "v", HashType: attr.S}}}
	t2, _ := s.CreateTable("b", testSchema, gsi, nil)
	for i := 0; i < items; i++ {
		put(tb, t1, fmt.Sprint("k", i), fmt.Sprint("v", i%3))
		put(tb, t2, fmt.Sprint("k", i), fmt.Sprint("v", i%3))
	}
	f, err := os.CreateTemp(tb.TempDir(), "snap")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if _, err := writeSnapshot(f, s, 7); err != nil {
		tb.Fatal(err)
	}
	b, err := os.ReadFile(f.Name())
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// FuzzLoadSnapshot: whatever bytes a snapshot file holds, loading it into
// a store and only verifying it agree (both fail with the same error, or
// both succeed with the same counts), and nothing panics; a snapshot
// that loads gives the store the items it counts.
func FuzzLoadSnapshot(f *testing.F) {
	seed := snapshotSeed(f, 20)
	f.Add(seed)
	f.Add(seed[:len(seed)-5])
	f.Add(seed[:len(seed)/2])
	flipped := bytes.Clone(seed)
	flipped[len(flipped)/3] ^= 0x40
	f.Add(flipped)
	f.Add([]byte(snapMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), snapshotName(1))
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		store := shard.New(nil)
		store.BeginRecovery()
		start, items, err := loadSnapshotFile(path, store)
		vstart, vitems, verr := loadSnapshotFile(path, nil)
		if (err == nil) != (verr == nil) || (err != nil && err.Error() != verr.Error()) {
			t.Fatalf("load: %v; verify: %v", err, verr)
		}
		if err != nil {
			return
		}
		store.EndRecovery()
		if start != vstart || items != vitems {
			t.Fatalf("load: start %d, %d items; verify: start %d, %d items", start, items, vstart, vitems)
		}
		var n int64
		for _, tb := range store.Tables() {
			n += tb.ItemCount()
		}
		if n > int64(items) {
			t.Fatalf("store holds %d items, the snapshot counts %d", n, items)
		}
	})
}

// TestLoadSnapshotLarge: a snapshot with enough items to be decoded on
// several goroutines loads the same store as the one written, and a
// damaged record in the middle is reported at its offset.
func TestLoadSnapshotLarge(t *testing.T) {
	seed := snapshotSeed(t, 6000)
	path := filepath.Join(t.TempDir(), snapshotName(1))
	os.WriteFile(path, seed, 0o644)
	store := shard.New(nil)
	store.BeginRecovery()
	if _, items, err := loadSnapshotFile(path, store); err != nil || items != 12000 {
		t.Fatalf("load: %d items, %v", items, err)
	}
	store.EndRecovery()
	for _, name := range []string{"a", "b"} {
		tb, _ := store.Table(name)
		if tb.ItemCount() != 6000 {
			t.Fatalf("table %s: %d items", name, tb.ItemCount())
		}
	}
	b, _ := store.Table("b")
	if st, _ := b.IndexStats("g"); st.Backfilling || st.ItemCount != 6000 {
		t.Fatalf("index g after load: %+v", st)
	}
	bad := bytes.Clone(seed)
	at := len(bad) * 3 / 4
	bad[at] ^= 0x01
	os.WriteFile(path, bad, 0o644)
	_, _, err := loadSnapshotFile(path, shard.New(nil))
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("checksum mismatch")) {
		t.Fatalf("damaged snapshot: %v", err)
	}
}
