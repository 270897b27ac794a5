package shard

import (
	"encoding/binary"
	"fmt"
	"math/rand"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/shard/btree"
)

var arenaKS = KeySchema{HashName: "pk", HashType: attr.S}

func arenaItem(k, v int, pad int) attr.Item {
	return attr.Item{
		"pk": attr.Str(fmt.Sprint("k", k)),
		"g":  attr.Str(fmt.Sprint("g", k%7)),
		"v":  attr.Str(fmt.Sprintf("%d|%d|%s", k, v, strings.Repeat("x", pad))),
	}
}

func arenaKey(t testing.TB, k int) Key {
	key, err := arenaKS.EncodeKey(arenaItem(k, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// checkArena checks every shard's arena against its point index: each
// key's cell lies in a slab the shard has, the live bytes of each slab
// are the sizes of the cells in it, the totals agree, and every index
// entry points at the very bytes of its item's current image (so that
// no index entry keeps a dropped slab alive, and compaction moved them
// all).
func checkArena(t *testing.T, tb *Table) (used, live int64) {
	t.Helper()
	images := map[string]*byte{}
	for si := range tb.shards {
		s := &tb.shards[si]
		s.mu.RLock()
		a := s.mu.arena
		perSlab := make([]int64, len(a.slabs))
		var sum int64
		for _, sl := range s.mu.points.slots {
			if sl.id == 0 {
				continue
			}
			c := a.cell(sl.id)
			if c.slab == 0 || int(c.slab) >= len(a.slabs) || a.slabs[c.slab].base == nil {
				t.Fatalf("shard %d: cell %d in slab %d, which the shard does not have", si, sl.id, c.slab)
			}
			// (A slab filled elsewhere, cap 0, holds other shards' images
			// too: its offsets are not bounded by this shard's bytes.)
			if b := a.slabs[c.slab]; b.cap != 0 && c.off+c.n > b.used {
				t.Fatalf("shard %d: cell %d at [%d,%d) beyond slab %d's %d used bytes", si, sl.id, c.off, c.off+c.n, c.slab, a.slabs[c.slab].used)
			}
			perSlab[c.slab] += int64(c.n)
			sum += int64(c.n)
			images[a.key(sl.id)] = a.ptr(c)
		}
		var slabUsed int64
		for id := 1; id < len(a.slabs); id++ {
			if int64(a.slabs[id].live) != perSlab[id] {
				t.Fatalf("shard %d: slab %d counts %d live bytes, its cells hold %d", si, id, a.slabs[id].live, perSlab[id])
			}
			slabUsed += int64(a.slabs[id].used)
		}
		if a.live != sum || a.used != slabUsed {
			t.Fatalf("shard %d: arena counts live %d used %d; cells hold %d, slabs %d", si, a.live, a.used, sum, slabUsed)
		}
		used += a.used
		live += a.live
		s.mu.RUnlock()
	}
	for _, ix := range tb.indexes.Load().ixs {
		for i := range ix.shards {
			s := &ix.shards[i]
			s.mu.RLock()
			s.mu.tree.Scan(func(e indexEntry) bool {
				if p := images[e.baseKey()]; uintptr(unsafe.Pointer(p)) != e.bp {
					t.Fatalf("index %s: entry of %q points at %#x, the item's image is at %p", ix.schema.Name, e.baseKey(), e.bp, p)
				}
				return true
			})
			checkKeyStore(t, ix.schema.Name, &ix.keys[i], s.mu.tree)
			s.mu.RUnlock()
		}
	}
	return used, live
}

// checkKeyStore checks an index shard's key store against its entries:
// each entry names a record in a slab of the store, holding its index key
// (whose hash is the entry's), counting the entries that name it; the
// live bytes of each slab are its records' and the totals agree.
func checkKeyStore(t *testing.T, name string, ks *keyStore, tr *btree.BTreeG[indexEntry]) {
	t.Helper()
	refs := map[uintptr]uint32{}
	lens := map[uintptr]uint32{}
	tr.Scan(func(e indexEntry) bool {
		id := binary.LittleEndian.Uint32(hdrOf(e.ik))
		if id == 0 || int(id) >= len(ks.slabs) || ks.slabs[id].b == nil {
			t.Fatalf("index %s: entry names a record of slab %d, which the store does not have", name, id)
		}
		sl := ks.slabs[id]
		if e.ik < addr(sl.b)+keyHdr || e.ik+uintptr(e.ikn) > addr(sl.b)+uintptr(sl.used) {
			t.Fatalf("index %s: record at %#x outside slab %d's used bytes", name, e.ik, id)
		}
		if h := hashPartition(Key(e.ikey()).Partition()); h != e.h {
			t.Fatalf("index %s: entry of %q has hash %x, its index key %q hashes to %x", name, e.baseKey(), e.h, e.ikey(), h)
		}
		if n, ok := lens[e.ik]; ok && n != e.ikn {
			t.Fatalf("index %s: record at %#x named with lengths %d and %d", name, e.ik, n, e.ikn)
		}
		refs[e.ik]++
		lens[e.ik] = e.ikn
		return true
	})
	perSlab := make([]int64, len(ks.slabs))
	var live int64
	for p, n := range refs {
		hdr := hdrOf(p)
		if got := binary.LittleEndian.Uint32(hdr[4:]); got != n {
			t.Fatalf("index %s: record %q counts %d entries, %d name it", name, at(p, lens[p]), got, n)
		}
		perSlab[binary.LittleEndian.Uint32(hdr)] += int64(keyHdr + lens[p])
		live += int64(keyHdr + lens[p])
	}
	var used int64
	for id := 1; id < len(ks.slabs); id++ {
		if int64(ks.slabs[id].live) != perSlab[id] {
			t.Fatalf("index %s: key slab %d counts %d live bytes, its records hold %d", name, id, ks.slabs[id].live, perSlab[id])
		}
		used += int64(ks.slabs[id].used)
	}
	if ks.live != live || ks.used != used {
		t.Fatalf("index %s: key store counts live %d used %d; records hold %d, slabs %d", name, ks.live, ks.used, live, used)
	}
}

// TestArenaCompaction overwrites and deletes random keys of a table with
// an index, with images of changing sizes (some large enough for a slab
// of their own), until compaction has run many rounds: every item reads
// back as the model has it, the arena's accounts hold, the index points
// at the current images, and the dead bytes stay bounded.
func TestArenaCompaction(t *testing.T) {
	s := New(nil)
	tb, _ := s.CreateTable("a", arenaKS, []IndexSchema{{Name: "byg", Key: KeySchema{HashName: "g", HashType: attr.S}, Projection: ProjectAll}}, nil)
	rng := rand.New(rand.NewSource(7))
	const keys = 10000
	model := map[int]string{}
	rounds := 0
	for step := 0; step < 80000; step++ {
		k := rng.Intn(keys)
		key := arenaKey(t, k)
		if rng.Intn(10) == 0 {
			tb.Mutate(key, func(Entry) (Write, error) { return Write{Delete: true}, nil })
			delete(model, k)
		} else {
			pad := rng.Intn(1000)
			if rng.Intn(200) == 0 {
				pad = 40000 + rng.Intn(20000)
			}
			it := arenaItem(k, step, pad)
			tb.Mutate(key, func(Entry) (Write, error) { return Write{Item: it}, nil })
			model[k] = it["v"].Str
		}
		if step%10000 == 9999 {
			used, live := checkArena(t, tb)
			// Dead bytes: a quarter of the slab bytes before a round
			// starts, plus what dies while it runs, plus each shard's
			// compactMinDead.
			if dead := used - live; dead > used/2+numShards*compactMinDead {
				t.Fatalf("step %d: %d dead bytes of %d", step, dead, used)
			}
		}
	}
	for i := range tb.shards {
		rounds += tb.shards[i].mu.arena.rounds
	}
	if rounds < numShards {
		t.Fatalf("%d compaction rounds in %d shards", rounds, numShards)
	}
	t.Logf("%d compaction rounds", rounds)
	checkArena(t, tb)
	for k := 0; k < keys; k++ {
		e, ok := tb.Get(arenaKey(t, k))
		want, in := model[k]
		if ok != in {
			t.Fatalf("key %d: present %v, want %v", k, ok, in)
		}
		if ok {
			it, _ := e.Item()
			if it["v"].Str != want || e.Size() != attr.ItemSize(it) {
				t.Fatalf("key %d: %q (size %d), want %q", k, it["v"].Str, e.Size(), want)
			}
		}
	}
	n := 0
	for g := 0; g < 7; g++ {
		tb.Query("byg", &Range{Partition: []byte(fmt.Sprint("g", g))}, nil, func(h Hit) bool {
			it, _ := h.Entry.Item()
			var k int
			fmt.Sscan(strings.TrimPrefix(it["pk"].Str, "k"), &k)
			if model[k] != it["v"].Str {
				t.Fatalf("index entry of key %d: %q, want %q", k, it["v"].Str, model[k])
			}
			n++
			return true
		})
	}
	if n != len(model) {
		t.Fatalf("index holds %d entries, want %d", n, len(model))
	}
}

// TestArenaRevertAfterCompaction: a write whose record the log refuses is
// reverted even when compaction has moved its image in the meantime.
func TestArenaRevertAfterCompaction(t *testing.T) {
	l := &undoLog{}
	s := New(l)
	tb, _ := s.CreateTable("a", arenaKS, nil, nil)
	key := arenaKey(t, 1)
	tb.Mutate(key, func(Entry) (Write, error) { return Write{Item: arenaItem(1, 1, 10)}, nil })
	tb.Mutate(key, func(Entry) (Write, error) { return Write{Item: arenaItem(1, 2, 10)}, nil })
	u := l.undos[len(l.undos)-1]
	_, sh := tb.locate(key)
	// Fill the key's shard with garbage until a compaction round has
	// moved key 1's image.
	sh.mu.RLock()
	before := slotItem(sh, pivotOf(0, key), sh.mu.points.find(str(key))).p
	sh.mu.RUnlock()
	moved := false
	for i := 2; i < 200000 && !moved; i++ {
		k := arenaKey(t, i)
		if _, s2 := tb.locate(k); s2 != sh {
			continue
		}
		// One key in three stays: its slabs stay, mostly dead.
		it := arenaItem(i, 0, 500)
		tb.Mutate(k, func(Entry) (Write, error) { return Write{Item: it}, nil })
		if i%3 != 0 {
			tb.Mutate(k, func(Entry) (Write, error) { return Write{Delete: true}, nil })
		}
		sh.mu.RLock()
		moved = slotItem(sh, pivotOf(0, key), sh.mu.points.find(str(key))).p != before
		sh.mu.RUnlock()
	}
	if !moved {
		t.Fatal("compaction never moved the image")
	}
	u.Revert()
	e, _ := tb.Get(key)
	if it, _ := e.Item(); it["v"].Str != "1|1|xxxxxxxxxx" {
		t.Fatalf("after revert: %q, want version 1", it["v"].Str)
	}
	checkArena(t, tb)
}

// TestArenaConcurrentCompaction runs writers that keep compaction busy
// against readers and Freezes (run it with -race): a reader's entry is an
// image of its own key and does not change while held, and a frozen copy
// reads the same each time.
func TestArenaConcurrentCompaction(t *testing.T) {
	s := New(nil)
	tb, _ := s.CreateTable("a", arenaKS, []IndexSchema{{Name: "byg", Key: KeySchema{HashName: "g", HashType: attr.S}, Projection: ProjectKeysOnly}}, nil)
	const keys = 400
	for k := 0; k < keys; k++ {
		it := arenaItem(k, 0, 100)
		tb.Mutate(arenaKey(t, k), func(Entry) (Write, error) { return Write{Item: it}, nil })
	}
	var writers, readers sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < 2; w++ {
		writers.Add(1)
		go func(w int) {
			defer writers.Done()
			rng := rand.New(rand.NewSource(int64(w)))
			for step := 0; step < 20000; step++ {
				k := rng.Intn(keys)
				if rng.Intn(8) == 0 {
					tb.Mutate(arenaKey(t, k), func(Entry) (Write, error) { return Write{Delete: true}, nil })
					continue
				}
				it := arenaItem(k, step, rng.Intn(400))
				tb.Mutate(arenaKey(t, k), func(Entry) (Write, error) { return Write{Item: it}, nil })
			}
		}(w)
	}
	check := func(k int, e Entry) {
		it, err := e.Item()
		if err != nil || !strings.HasPrefix(it["v"].Str, fmt.Sprint(k, "|")) {
			t.Errorf("key %d: image %v, %v", k, it, err)
			return
		}
		held := string(e.Encoded())
		for range 3 {
			if string(e.Encoded()) != held {
				t.Errorf("key %d: image changed while held", k)
				return
			}
		}
	}
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	readers.Add(2)
	go func() {
		defer readers.Done()
		rng := rand.New(rand.NewSource(9))
		for !stopped() {
			k := rng.Intn(keys)
			if e, ok := tb.Get(arenaKey(t, k)); ok {
				check(k, e)
			}
			tb.Scan("", Segment{}, nil, func(h Hit) bool {
				it, _ := h.Entry.Item()
				var k int
				fmt.Sscan(strings.TrimPrefix(it["pk"].Str, "k"), &k)
				check(k, h.Entry)
				return true
			})
			tb.Query("byg", &Range{Partition: []byte(fmt.Sprint("g", k%7))}, nil, func(Hit) bool { return true })
		}
	}()
	go func() {
		defer readers.Done()
		for i := 0; i < 50 && !stopped(); i++ {
			f, err := tb.Freeze()
			if err != nil {
				t.Error(err)
				return
			}
			read := func() string {
				var b strings.Builder
				f.Items(func(k Key, e Entry) error {
					b.Write(k)
					b.Write(e.Encoded())
					return nil
				})
				return b.String()
			}
			first := read()
			for range 3 {
				if read() != first {
					t.Error("a frozen copy changed")
					return
				}
			}
		}
	}()
	writers.Wait()
	close(stop)
	readers.Wait()
	checkArena(t, tb)
}

// TestArenaAdoptsLoadBlocks: images loaded from a recovery's load blocks
// (Imager, LoadImages) stay in those blocks, adopted as slabs by every
// shard that has images there, and are evacuated like any other slab
// once overwrites leave them mostly dead.
func TestArenaAdoptsLoadBlocks(t *testing.T) {
	s := New(nil)
	tb, _ := s.CreateTable("a", arenaKS, nil, nil)
	var m Imager
	var ims []Image
	const keys = 20000
	for k := 0; k < keys; k++ {
		it := arenaItem(k, 0, 100)
		key := arenaKey(t, k)
		enc := attr.EncodeItem(it)
		ims = append(ims, m.Copy(tb, PartitionHash(key), key, enc, attr.ItemSize(it)))
	}
	tb.LoadImages(ims)
	used, live := checkArena(t, tb)
	if used != live {
		t.Fatalf("after the load: %d bytes used, %d live", used, live)
	}
	adopted := filledElsewhere(tb)
	if adopted < numShards {
		t.Fatalf("%d adopted slabs in %d shards", adopted, numShards)
	}
	// Overwrite three keys in four: the load blocks end a quarter live.
	for k := 0; k < keys; k++ {
		if k%4 == 0 {
			continue
		}
		it := arenaItem(k, 1, 100)
		tb.Mutate(arenaKey(t, k), func(Entry) (Write, error) { return Write{Item: it}, nil })
	}
	used, live = checkArena(t, tb)
	// Compaction keeps each shard's dead bytes under a quarter of its
	// slab bytes or compactMinDead, give or take the image that tips it.
	if dead := used - live; dead > used/4+numShards*compactMinDead {
		t.Fatalf("%d dead bytes of %d", dead, used)
	}
	left := filledElsewhere(tb)
	if left*2 > adopted {
		t.Fatalf("%d of %d adopted slabs left after three quarters of their images died", left, adopted)
	}
	for k := 0; k < keys; k++ {
		e, ok := tb.Get(arenaKey(t, k))
		it, _ := e.Item()
		want := fmt.Sprintf("%d|%d|", k, min(k%4, 1))
		if !ok || !strings.HasPrefix(it["v"].Str, want) {
			t.Fatalf("key %d: %v, want version %s", k, it, want)
		}
	}
}

// TestArenaTruncate: a truncation takes the shards' arenas with their
// trees; a refused one puts them back, and the items read as before.
func TestArenaTruncate(t *testing.T) {
	s := New(nil)
	tb, _ := s.CreateTable("a", arenaKS, []IndexSchema{{Name: "byg", Key: KeySchema{HashName: "g", HashType: attr.S}, Projection: ProjectAll}}, nil)
	for k := 0; k < 1000; k++ {
		it := arenaItem(k, 0, 50)
		tb.Mutate(arenaKey(t, k), func(Entry) (Write, error) { return Write{Item: it}, nil })
	}
	d := &Truncated{t: tb}
	tb.lockAll()
	tb.swapLocked(d)
	tb.unlockAll()
	if n := tb.ItemCount(); n != 0 {
		t.Fatalf("%d items after the swap", n)
	}
	if _, ok := tb.Get(arenaKey(t, 5)); ok {
		t.Fatal("an item after the swap")
	}
	it := arenaItem(5, 9, 50)
	tb.Mutate(arenaKey(t, 5), func(Entry) (Write, error) { return Write{Item: it}, nil })
	checkArena(t, tb)
	tb.Mutate(arenaKey(t, 5), func(Entry) (Write, error) { return Write{Delete: true}, nil })
	tb.lockAll()
	tb.swapLocked(d)
	tb.unlockAll()
	checkArena(t, tb)
	for k := 0; k < 1000; k++ {
		e, ok := tb.Get(arenaKey(t, k))
		it, _ := e.Item()
		if !ok || !strings.HasPrefix(it["v"].Str, fmt.Sprint(k, "|0|")) {
			t.Fatalf("key %d after the swap back: %v", k, it)
		}
	}
}

// filledElsewhere counts the slabs of tb's shards that place does not
// fill (cap 0): adopted load blocks, and large images' own slabs.
func filledElsewhere(tb *Table) int {
	n := 0
	for i := range tb.shards {
		for _, sl := range tb.shards[i].mu.arena.slabs {
			if sl.base != nil && sl.cap == 0 {
				n++
			}
		}
	}
	return n
}
