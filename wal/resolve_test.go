package wal

import (
	"bytes"
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestResolve: resolve keeps the last record of each key, in (hash, key)
// order, whatever the mix: distinct keys whose hashes collide, keys
// logged many times (groups past the insertion sort's size), buckets of
// one item and of thousands.
func TestResolve(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		name          string
		n, keys, hash int // items, distinct keys, distinct hashes
	}{
		{"one", 1, 1, 1},
		{"distinct", 5000, 5000, 5000},
		{"collide", 5000, 400, 7},
		{"hot", 5000, 3, 3},
		{"small", 40, 30, 30},
		{"same-hash", 3000, 50, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &replayer{}
			hashes := make([]uint64, tc.hash)
			for i := range hashes {
				hashes[i] = rng.Uint64() >> 6 // one stripe (top bits zero)
			}
			var items []replayItem
			for i := 0; i < tc.n; i++ {
				k := rng.IntN(tc.keys)
				key := []byte(fmt.Sprintf("key%d", k))
				p.run = append(p.run, entry{data: key})
				items = append(items, replayItem{h: hashes[k%tc.hash], rec: uint32(i), pos: uint32(i), klen: uint32(len(key))})
			}
			want := slices.Clone(items)
			slices.SortStableFunc(want, func(a, b replayItem) int {
				return cmp.Or(cmp.Compare(a.h, b.h), bytes.Compare(p.key(&a), p.key(&b)))
			})
			var last []replayItem
			for i := range want {
				if i+1 < len(want) && want[i+1].h == want[i].h && bytes.Equal(p.key(&want[i+1]), p.key(&want[i])) {
					continue
				}
				last = append(last, want[i])
			}
			got := slices.Clone(items)
			n, _ := p.resolve(got, nil)
			if !slices.Equal(got[:n], last) {
				t.Fatalf("resolve kept %d items, want %d (or in another order)", n, len(last))
			}
		})
	}
}
