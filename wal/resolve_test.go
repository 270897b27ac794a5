package wal

import (
	"bytes"
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dynacache/dynacache/shard"
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

// TestDecodeInPlace: a run decoded on several cores, each into its range
// of the items, yields the items of the run in log order, whether the
// ranges hold fewer items than records (records of a table not in the
// store) or more (batches).
func TestDecodeInPlace(t *testing.T) {
	for _, tc := range []struct {
		name           string
		batchEvery     int // 0: no batches
		missingEvery   int // 0: none
		records, cores int
	}{
		{"one-each", 0, 0, 10000, 2},
		{"gaps", 0, 3, 10000, 2},
		{"batches", 7, 0, 10000, 3},
		{"both", 5, 4, 10000, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &replayer{byName: map[string]uint32{"a": 0}, workers: tc.cores}
			var want []string
			for i := 0; i < tc.records; i++ {
				table := "a"
				if tc.missingEvery > 0 && i%tc.missingEvery == 0 {
					table = "x"
				}
				var rec []byte
				if tc.batchEvery > 0 && i%tc.batchEvery == 0 {
					var its []shard.BatchItem
					for j := 0; j < 3; j++ {
						k := shard.Key(fmt.Sprintf("b%d-%d", i, j))
						its = append(its, shard.BatchItem{Table: table, Key: k, Enc: []byte("e"), Size: 1})
						if table == "a" {
							want = append(want, string(k))
						}
					}
					var st int
					rec, st = beginRecord(nil, recBatch)
					rec = finishRecord(appendBatch(rec, its, nil), st)
				} else {
					k := shard.Key(fmt.Sprint("k", i))
					var st int
					rec, st = beginRecord(nil, recPut)
					rec = finishRecord(appendPut(rec, table, k, 1, []byte("e")), st)
					if table == "a" {
						want = append(want, string(k))
					}
				}
				p.run = append(p.run, entry{seq: uint64(i + 1), data: rec})
			}
			if err := p.decode(); err != nil {
				t.Fatal(err)
			}
			var got []string
			for i := range p.items {
				if p.items[i].pos != uint32(i) {
					t.Fatalf("item %d has pos %d", i, p.items[i].pos)
				}
				got = append(got, string(p.key(&p.items[i])))
			}
			if !slices.Equal(got, want) {
				t.Fatalf("decoded %d items, want %d (or in another order)", len(got), len(want))
			}
		})
	}
}
