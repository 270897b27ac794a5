package shard

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

// pointKey returns the Key of partition value k of a table keyed on "pk" (S).
func pointKey(k string) Key {
	key, _ := arenaKS.EncodeKey(attr.Item{"pk": attr.Value{Type: attr.S, Str: k}})
	return key
}

// pointImage returns an image of item {pk: k} of DynamoDB size size, with
// its Key inside the encoding or in front of it.
func pointImage(k string, size int, inside bool) tableItem {
	name := ""
	if inside {
		name = "pk"
	}
	enc := attr.EncodeItem(attr.Item{"pk": attr.Value{Type: attr.S, Str: k}})
	it := storedItem(nil, name, 0, 0, pointKey(k), enc, size)
	if (it.klen&keyInside != 0) != inside {
		panic("pointImage: wrong layout")
	}
	return it
}

// TestPointIndex checks the hash index against a map under random sets and
// deletes, with the real hash and with every key in four home slots.
func TestPointIndex(t *testing.T) {
	for _, weak := range []bool{false, true} {
		rng := rand.New(rand.NewSource(1))
		x := pointIndex{weak: weak, a: newArena()}
		model := map[string]uint32{}
		for step := 0; step < 20000; step++ {
			k := fmt.Sprint("k", rng.Intn(500))
			if rng.Intn(3) == 0 {
				pointDelete(&x, string(pointKey(k)))
				delete(model, k)
			} else {
				sz := rng.Intn(1000)
				pointSet(&x, pointImage(k, sz, rng.Intn(2) == 0))
				model[k] = uint32(sz)
			}
			if x.n != len(model) {
				t.Fatalf("weak=%v step %d: %d slots in use, want %d", weak, step, x.n, len(model))
			}
			if step%97 == 0 {
				for i := 0; i < 500; i++ {
					k := fmt.Sprint("k", i)
					it, ok := pointGet(&x, string(pointKey(k)))
					want, in := model[k]
					if ok != in || (ok && (it.size() != want || it.key() != string(pointKey(k)) || !sameItem(it.enc(), k))) {
						t.Fatalf("weak=%v step %d: get(%s) = %v, want %d %v", weak, step, k, ok, want, in)
					}
				}
			}
		}
	}
}

// TestPointIndexShrinks checks that a mass delete gives the slots back and
// that every remaining key is still found.
func TestPointIndexShrinks(t *testing.T) {
	x := pointIndex{a: newArena()}
	const n = 10000
	for i := 0; i < n; i++ {
		pointSet(&x, pointImage(fmt.Sprint("k", i), i, i%2 == 0))
	}
	peak := len(x.slots)
	for i := 0; i < n-10; i++ {
		pointDelete(&x, string(pointKey(fmt.Sprint("k", i))))
	}
	if len(x.slots) > 64 {
		t.Fatalf("%d slots for 10 keys after deletes (peak %d)", len(x.slots), peak)
	}
	for i := n - 10; i < n; i++ {
		k := string(pointKey(fmt.Sprint("k", i)))
		it, ok := pointGet(&x, k)
		if !ok || it.key() != k || it.size() != uint32(i) {
			t.Fatalf("get(%s) after shrink = %v", k, ok)
		}
	}
	for i := n - 10; i < n; i++ {
		pointDelete(&x, string(pointKey(fmt.Sprint("k", i))))
	}
	if x.n != 0 || len(x.slots) > 64 {
		t.Fatalf("empty index: n=%d, %d slots", x.n, len(x.slots))
	}
}

// pointSet stores it in x (and its arena), replacing the item with the
// same key.
func pointSet(x *pointIndex, it tableItem) {
	a := x.a
	if i := x.find(it.key()); i >= 0 {
		c := a.cellMut(x.slots[i].id)
		a.release(c)
		a.place(c, it)
		return
	}
	id := a.newCell()
	a.place(a.cellMut(id), it)
	x.add(id)
}

// pointGet returns the image stored under k.
func pointGet(x *pointIndex, k string) (tableItem, bool) {
	i := x.find(k)
	if i < 0 {
		return tableItem{}, false
	}
	c := x.a.cell(x.slots[i].id)
	return tableItem{p: x.a.ptr(c), n: c.n, klen: c.klen}, true
}

// sameItem reports whether enc is the encoding of item {pk: k}.
func sameItem(enc []byte, k string) bool {
	it, err := attr.DecodeItem(enc)
	v := it["pk"]
	return err == nil && len(it) == 1 && v.Type == attr.S && v.Str == k
}

// pointDelete removes k and frees its cell.
func pointDelete(x *pointIndex, k string) {
	if i := x.find(k); i >= 0 {
		id := x.slots[i].id
		x.deleteAt(i)
		x.a.freeCell(id)
	}
}
