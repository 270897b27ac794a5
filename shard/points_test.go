package shard

import (
	"fmt"
	"math/rand"
	"testing"
)

// TestPointIndex checks the hash index against a map under random sets and
// deletes, with the real hash and with every key in four home slots.
func TestPointIndex(t *testing.T) {
	for _, weak := range []bool{false, true} {
		rng := rand.New(rand.NewSource(1))
		x := pointIndex{weak: weak}
		model := map[string]uint32{}
		for step := 0; step < 20000; step++ {
			k := fmt.Sprint("k", rng.Intn(500))
			if rng.Intn(3) == 0 {
				x.delete(k)
				delete(model, k)
			} else {
				sz := rng.Intn(1000)
				it := storedItem(0, Key(k), 3, func(b []byte) []byte { return append(b, "enc"...) }, sz)
				x.set(it)
				model[k] = uint32(sz)
			}
			if x.n != len(model) {
				t.Fatalf("weak=%v step %d: %d slots in use, want %d", weak, step, x.n, len(model))
			}
			if step%97 == 0 {
				for i := 0; i < 500; i++ {
					k := fmt.Sprint("k", i)
					p, n, ok := x.get(k)
					want, in := model[k]
					it := tableItem{p: p, n: n, klen: uint32(len(k))}
					if ok != in || (ok && (it.size() != want || it.kv() != k+"enc" || it.key() != k)) {
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
	var x pointIndex
	const n = 10000
	for i := 0; i < n; i++ {
		x.set(storedItem(0, Key(fmt.Sprint("k", i)), 0, func(b []byte) []byte { return b }, i))
	}
	peak := len(x.slots)
	for i := 0; i < n-10; i++ {
		x.delete(fmt.Sprint("k", i))
	}
	if len(x.slots) > 64 {
		t.Fatalf("%d slots for 10 keys after deletes (peak %d)", len(x.slots), peak)
	}
	for i := n - 10; i < n; i++ {
		k := fmt.Sprint("k", i)
		p, m, ok := x.get(k)
		it := tableItem{p: p, n: m, klen: uint32(len(k))}
		if !ok || it.key() != k || it.size() != uint32(i) {
			t.Fatalf("get(%s) after shrink = %v", k, ok)
		}
	}
	for i := n - 10; i < n; i++ {
		x.delete(fmt.Sprint("k", i))
	}
	if x.n != 0 || len(x.slots) > 64 {
		t.Fatalf("empty index: n=%d, %d slots", x.n, len(x.slots))
	}
}
