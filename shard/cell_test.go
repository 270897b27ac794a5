package shard

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

var cellKS = KeySchema{HashName: "pk", HashType: attr.S, RangeName: "sk", RangeType: attr.N}

// cellItem is item (pk, sk) at version v: its value names all three, so a
// reader can tell an image of another key or a torn one.
func cellItem(pk string, sk, v int) attr.Item {
	return attr.Item{
		"pk": attr.Str(pk),
		"sk": attr.Num(fmt.Sprint(sk)),
		"v":  attr.Str(fmt.Sprintf("%s|%d|%d|%s", pk, sk, v, strings.Repeat("x", v%50))),
	}
}

func cellKey(t testing.TB, pk string, sk int) Key {
	k, err := cellKS.EncodeKey(cellItem(pk, sk, 0))
	if err != nil {
		t.Error(err)
	}
	return k
}

// cellValue returns the v attribute of e, checking that it is an image of
// (pk, sk).
func cellValue(t testing.TB, pk string, sk int, e Entry) string {
	t.Helper()
	it, err := e.Item()
	if err != nil || it == nil {
		t.Errorf("%s/%d: item %v, %v", pk, sk, it, err)
		return ""
	}
	v := it["v"].Str
	if !strings.HasPrefix(v, fmt.Sprintf("%s|%d|", pk, sk)) || it["pk"].Str != pk || it["sk"].Str != fmt.Sprint(sk) {
		t.Errorf("%s/%d: image of another key: %v", pk, sk, it)
	}
	if e.Size() != attr.ItemSize(it) {
		t.Errorf("%s/%d: size %d, want %d", pk, sk, e.Size(), attr.ItemSize(it))
	}
	return v
}

// cellOf returns the cell of k in its shard's point index and the tree
// element's cell.
func cellOf(t *testing.T, tb *Table, k Key) (point, tree uint32) {
	h, s := tb.locate(k)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if i := s.mu.points.find(str(k)); i >= 0 {
		point = s.mu.points.slots[i].id
	}
	if el, ok := s.mu.tree.GetLess(pivotOf(h, k).treePivot(), pivotLess(s.mu.arena, str(k))); ok {
		tree = el.id
	}
	return point, tree
}

var errStopDump = errors.New("enough")

// undoLog is a Log that keeps the undo of every item write.
type undoLog struct{ undos []Undo }

func (l *undoLog) LogItem(_ string, _ Key, _ []byte, _ int, u Undo) (func() error, error) {
	l.undos = append(l.undos, u)
	return nil, nil
}
func (l *undoLog) LogBatch(items []BatchItem) (func() error, error) {
	for _, it := range items {
		l.undos = append(l.undos, it.Undo)
	}
	return nil, nil
}
func (l *undoLog) LogTable(string, KeySchema, []IndexSchema, []byte, bool) (func() error, error) {
	return nil, nil
}

// TestOverwriteKeepsTree: an overwrite changes the key's cell, which the
// tree and the point index share, and not the tree; after a Freeze the
// overwrites still change the cell in place (the frozen copy has its own
// copy of the cells, and the old image stays where it was).
// Reverting an overwrite puts the old image back through the cell.
func TestOverwriteKeepsTree(t *testing.T) {
	l := &undoLog{}
	s := New(l)
	tb, _ := s.CreateTable("c", cellKS, []IndexSchema{{Name: "byv", Key: KeySchema{HashName: "v", HashType: attr.S}, Projection: ProjectKeysOnly}}, nil)
	put := func(sk, v int) {
		t.Helper()
		if _, _, err := tb.Mutate(cellKey(t, "p", sk), func(Entry) (Write, error) { return Write{Item: cellItem("p", sk, v)}, nil }); err != nil {
			t.Fatal(err)
		}
	}
	get := func(sk int) string {
		t.Helper()
		e, ok := tb.Get(cellKey(t, "p", sk))
		if !ok {
			t.Fatalf("sk %d missing", sk)
		}
		return cellValue(t, "p", sk, e)
	}
	for sk := range 100 {
		put(sk, 0)
	}
	k := cellKey(t, "p", 7)
	p0, t0 := cellOf(t, tb, k)
	if p0 == 0 || p0 != t0 {
		t.Fatalf("point index and tree disagree on the cell: %d %d", p0, t0)
	}
	put(7, 1)
	p1, t1 := cellOf(t, tb, k)
	if p1 != p0 || t1 != p0 {
		t.Fatalf("overwrite replaced the cell (%d -> %d, tree %d): it should change it in place", p0, p1, t1)
	}
	if v := get(7); v != "p|7|1|x" {
		t.Fatalf("after overwrite: %q", v)
	}

	f, err := tb.Freeze()
	if err != nil {
		t.Fatal(err)
	}
	put(7, 2)
	p2, t2 := cellOf(t, tb, k)
	if p2 != p1 || t2 != p2 {
		t.Fatalf("overwrite after Freeze replaced the cell (%d -> %d, tree %d)", p1, p2, t2)
	}
	put(7, 3)
	if p3, t3 := cellOf(t, tb, k); p3 != p2 || t3 != p2 {
		t.Fatalf("second overwrite after Freeze replaced the cell (%d -> %d, tree %d)", p2, p3, t3)
	}
	tb.Mutate(cellKey(t, "p", 8), func(Entry) (Write, error) { return Write{Delete: true}, nil })
	frozen := map[int]string{}
	f.Items(func(k Key, e Entry) error {
		it, _ := e.Item()
		var sk int
		fmt.Sscan(it["sk"].Str, &sk)
		frozen[sk] = cellValue(t, "p", sk, e)
		return nil
	})
	if len(frozen) != 100 || frozen[7] != "p|7|1|x" || frozen[8] != "p|8|0|" {
		t.Fatalf("frozen copy changed by later writes: %d items, 7=%q 8=%q", len(frozen), frozen[7], frozen[8])
	}
	if _, ok := tb.Get(cellKey(t, "p", 8)); ok {
		t.Fatal("deleted item still there")
	}

	// Revert the last overwrite of 7 (version 3), made in place.
	var u Undo
	for _, x := range l.undos {
		if x.cur.exists() && x.cur.key() == str(k) {
			u = x
		}
	}
	if v := (Entry{enc: u.cur.enc(), size: sizeInTrailer}); cellValue(t, "p", 7, v) != "p|7|3|xxx" {
		t.Fatalf("wrong undo picked: %q", cellValue(t, "p", 7, v))
	}
	u.Revert()
	if v := get(7); v != "p|7|2|xx" {
		t.Fatalf("after revert: %q, want version 2", v)
	}
	var seen []string
	tb.Query("", &Range{Partition: []byte("p")}, nil, func(h Hit) bool {
		if it, _ := h.Entry.Item(); it["sk"].Str == "7" {
			seen = append(seen, it["v"].Str)
		}
		return true
	})
	if len(seen) != 1 || seen[0] != "p|7|2|xx" {
		t.Fatalf("Query after revert sees %q", seen)
	}
	var byv int
	tb.Query("byv", &Range{Partition: []byte("p|7|2|xx")}, nil, func(Hit) bool { byv++; return true })
	if byv != 1 {
		t.Fatalf("index entries of the reverted image: %d, want 1", byv)
	}
	if n := tb.ItemCount(); n != 99 {
		t.Fatalf("ItemCount %d, want 99", n)
	}
}

// TestCellsUnderConcurrentWrites runs overwrites, deletes and re-inserts
// against readers of every kind (Get, Query, Scan, ScanHash, Dump) and
// against Freezes: every entry a reader gets is an image of its own key,
// and stays byte for byte the same while the reader holds it, however
// the key is written meanwhile; every frozen copy reads the same each
// time. Run it with -race.
func TestCellsUnderConcurrentWrites(t *testing.T) {
	s := New(nil)
	tb, _ := s.CreateTable("c", cellKS, nil, nil)
	const parts, per = 20, 50
	for p := range parts {
		for sk := range per {
			pk := fmt.Sprint("p", p)
			tb.Mutate(cellKey(t, pk, sk), func(Entry) (Write, error) { return Write{Item: cellItem(pk, sk, 0)}, nil })
		}
	}
	// The writers run a fixed number of writes; the readers and the
	// freezer run until the writers are done (or their own bound).
	var stop atomic.Bool
	var wg, writers sync.WaitGroup
	for w := range 3 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			r := rand.New(rand.NewSource(int64(w)))
			for i := 0; i < 6000; i++ {
				pk, sk := fmt.Sprint("p", r.Intn(parts)), r.Intn(per)
				del := r.Intn(5) == 0
				tb.Mutate(cellKey(t, pk, sk), func(old Entry) (Write, error) {
					if del {
						return Write{Delete: true}, nil
					}
					v := 0
					if old.Exists() {
						fmt.Sscanf(cellValue(t, pk, sk, old)[len(pk)+len(fmt.Sprint(sk))+2:], "%d", &v)
					}
					return Write{Item: cellItem(pk, sk, v+1)}, nil
				})
			}
		}()
	}
	// held is what readers keep: entries with a copy of their bytes.
	type heldEntry struct {
		e    Entry
		copy []byte
	}
	check := func(held []heldEntry) {
		for _, h := range held {
			if !bytes.Equal(h.e.Encoded(), h.copy) {
				t.Errorf("an entry changed while held: %q -> %q", h.copy, h.e.Encoded())
				return
			}
		}
	}
	hold := func(held []heldEntry, e Entry) []heldEntry {
		if len(held) >= 200 {
			check(held)
			held = held[:0]
		}
		return append(held, heldEntry{e, bytes.Clone(e.Encoded())})
	}
	keyOf := func(t *testing.T, k Key, e Entry) (string, int) {
		it, err := e.Item()
		if err != nil {
			t.Error(err)
			return "", 0
		}
		var sk int
		fmt.Sscan(it["sk"].Str, &sk)
		if !bytes.Equal(k, cellKey(t, it["pk"].Str, sk)) {
			t.Errorf("hit key %q holds the image of %v", k, it)
		}
		return it["pk"].Str, sk
	}
	readers := []func(r *rand.Rand, held []heldEntry) []heldEntry{
		func(r *rand.Rand, held []heldEntry) []heldEntry { // Get
			pk, sk := fmt.Sprint("p", r.Intn(parts)), r.Intn(per)
			if e, ok := tb.Get(cellKey(t, pk, sk)); ok {
				cellValue(t, pk, sk, e)
				held = hold(held, e)
			}
			return held
		},
		func(r *rand.Rand, held []heldEntry) []heldEntry { // Query, ascending or not
			pk := fmt.Sprint("p", r.Intn(parts))
			tb.Query("", &Range{Partition: []byte(pk), Reverse: r.Intn(2) == 0}, nil, func(h Hit) bool {
				gpk, sk := keyOf(t, h.Key, h.Entry)
				if gpk != pk {
					t.Errorf("Query of %s returned %s", pk, gpk)
				}
				cellValue(t, pk, sk, h.Entry)
				held = hold(held, h.Entry)
				return true
			})
			return held
		},
		func(r *rand.Rand, held []heldEntry) []heldEntry { // Scan, in pages
			var start *Start
			for range 3 {
				n := 0
				var last Hit
				tb.Scan("", Segment{}, start, func(h Hit) bool {
					pk, sk := keyOf(t, h.Key, h.Entry)
					cellValue(t, pk, sk, h.Entry)
					held = hold(held, h.Entry)
					last, n = h, n+1
					return n < 97
				})
				if n < 97 {
					break
				}
				start = &Start{Key: bytes.Clone(last.Key)}
			}
			return held
		},
		func(r *rand.Rand, held []heldEntry) []heldEntry { // ScanHash
			var from uint64
			for range 3 {
				next, done := tb.ScanHash(from, 50, func(k Key, e Entry) {
					pk, sk := keyOf(t, k, e)
					cellValue(t, pk, sk, e)
					held = hold(held, e)
				})
				if done {
					break
				}
				from = next
			}
			return held
		},
		func(r *rand.Rand, held []heldEntry) []heldEntry { // Dump
			n := 0
			tb.Dump(func(k Key, e Entry) error {
				if n++; n > 100 {
					return errStopDump
				}
				pk, sk := keyOf(t, k, e)
				cellValue(t, pk, sk, e)
				held = hold(held, e)
				return nil
			})
			return held
		},
	}
	for i, read := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewSource(int64(100 + i)))
			var held []heldEntry
			for n := 0; n < 100000 && !stop.Load(); n++ {
				held = read(r, held)
			}
			check(held)
		}()
	}
	// The freezer: each copy is read three times, with writes between.
	wg.Add(1)
	go func() {
		defer wg.Done()
		contents := func(f *Frozen) map[string]string {
			m := map[string]string{}
			f.Items(func(k Key, e Entry) error {
				pk, sk := keyOf(t, k, e)
				m[string(k)] = cellValue(t, pk, sk, e)
				return nil
			})
			return m
		}
		for n := 0; n < 1000 && !stop.Load(); n++ {
			f, err := tb.Freeze()
			if err != nil {
				t.Error(err)
				return
			}
			first := contents(f)
			if int64(len(first)) != f.ItemCount() {
				t.Errorf("frozen copy holds %d items, counted %d", len(first), f.ItemCount())
			}
			for range 2 {
				for range 20 { // let the writers change the live table
					tb.Get(cellKey(t, "p0", 0))
				}
				if again := contents(f); fmt.Sprint(again) != fmt.Sprint(first) {
					t.Errorf("frozen copy changed under later writes")
					return
				}
			}
		}
	}()
	writers.Wait()
	stop.Store(true)
	wg.Wait()

	// The table at rest: Get, Query and Scan agree.
	got := map[string]string{}
	tb.Scan("", Segment{}, nil, func(h Hit) bool {
		pk, sk := keyOf(t, h.Key, h.Entry)
		got[string(h.Key)] = cellValue(t, pk, sk, h.Entry)
		return true
	})
	if int64(len(got)) != tb.ItemCount() {
		t.Fatalf("Scan finds %d items, ItemCount %d", len(got), tb.ItemCount())
	}
	for p := range parts {
		pk := fmt.Sprint("p", p)
		for sk := range per {
			k := cellKey(t, pk, sk)
			e, ok := tb.Get(k)
			v, in := got[string(k)]
			if ok != in || (ok && cellValue(t, pk, sk, e) != v) {
				t.Fatalf("%s/%d: Get %v, Scan %v %q", pk, sk, ok, in, v)
			}
		}
	}
}
