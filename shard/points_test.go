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
