package btree

import (
	"math/rand"
	"sort"
	"testing"
)

func assert(x bool) {
	if !x {
		panic("assert failed")
	}
}

// fill returns the items of tr's leaves over the most they can hold, and
// over the capacity of their arrays.
func (tr *BTreeG[T]) fill() (ofMax, ofCap float64) {
	var items, leaves, capacity int
	var walk func(n *node[T])
	walk = func(n *node[T]) {
		if n.leaf() {
			items += len(n.items)
			capacity += cap(n.items)
			leaves++
			return
		}
		for _, c := range *n.children {
			walk(c)
		}
	}
	if tr.root != nil {
		walk(tr.root)
	}
	return float64(items) / float64(leaves*tr.max), float64(items) / float64(capacity)
}

type runKey struct{ run, seq int }

func lessRunKey(a, b runKey) bool {
	if a.run != b.run {
		return a.run < b.run
	}
	return a.seq < b.seq
}

// TestFillInOrder: keys inserted in order fill the nodes, whether they
// come at the end of the tree (Set or Load) or as runs in the middle of it
// (the items of many DynamoDB partitions, each written in sort key order).
func TestFillInOrder(t *testing.T) {
	const n = 100_000
	for _, tc := range []struct {
		name string
		keys func() []runKey
		load bool
		// full is the least fill of the leaves: a run that starts in the
		// middle of a full node leaves the node's items after it behind,
		// in a node of their own (at least half full).
		full float64
	}{
		{"append", func() []runKey {
			ks := make([]runKey, n)
			for i := range ks {
				ks[i] = runKey{0, i}
			}
			return ks
		}, false, 0.95},
		{"load", func() []runKey {
			ks := make([]runKey, n)
			for i := range ks {
				ks[i] = runKey{0, i}
			}
			return ks
		}, true, 0.95},
		{"runs", func() []runKey {
			// 1000 runs of 100 keys in a random order of runs, each run
			// written in order, two runs at a time interleaved.
			rng := rand.New(rand.NewSource(1))
			perm := rng.Perm(n / 100)
			var ks []runKey
			for i := 0; i < len(perm); i += 2 {
				for s := range 100 {
					ks = append(ks, runKey{perm[i], s}, runKey{perm[i+1], s})
				}
			}
			return ks
		}, false, 0.7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := NewBTreeGOptions(lessRunKey, Options{NoLocks: true})
			for _, k := range tc.keys() {
				if tc.load {
					tr.Load(k)
				} else {
					tr.Set(k)
				}
			}
			if err := tr.Sane(); err != nil {
				t.Fatal(err)
			}
			if tr.Len() != n {
				t.Fatalf("%d items", tr.Len())
			}
			ofMax, ofCap := tr.fill()
			t.Logf("leaves %.0f%% full, arrays %.0f%% used", ofMax*100, ofCap*100)
			if ofMax < tc.full || ofCap < 0.9 {
				t.Fatalf("leaves %.2f full, arrays %.2f used: want at least %.2f and 0.9", ofMax, ofCap, tc.full)
			}
		})
	}
}

// TestFillRandom: keys in random order fill nodes as a B-tree does (about
// 70%), and their arrays are not much larger than the nodes (with
// append's doubling, 44 items of a node took an array of 64, about 69%
// of array slots used over the tree; growing by half, grownCap, uses 83%).
func TestFillRandom(t *testing.T) {
	tr := NewBTreeGOptions(func(a, b int) bool { return a < b }, Options{NoLocks: true})
	rng := rand.New(rand.NewSource(1))
	for range 100_000 {
		tr.Set(rng.Int())
	}
	if err := tr.Sane(); err != nil {
		t.Fatal(err)
	}
	ofMax, ofCap := tr.fill()
	t.Logf("leaves %.0f%% full, arrays %.0f%% used", ofMax*100, ofCap*100)
	if ofMax < 0.6 || ofCap < 0.8 {
		t.Fatalf("leaves %.2f full, arrays %.2f used", ofMax, ofCap)
	}
}

// TestModelRunsAndDeletes runs sets (in runs, loads and at random),
// deletes (Delete, PopMin, PopMax, DeleteAt) and copies against a model, checking the tree's invariants as it
// goes: the small nodes that splits in key order leave behind must not
// break a later delete or rebalance.
func TestModelRunsAndDeletes(t *testing.T) {
	seeds := int64(20)
	if raceEnabled {
		seeds = 4
	}
	for seed := int64(1); seed <= seeds; seed++ {
		rng := rand.New(rand.NewSource(seed))
		tr := NewBTreeGOptions(lessRunKey, Options{NoLocks: true, Degree: 2 + rng.Intn(8)})
		model := map[runKey]bool{}
		var frozen *BTreeG[runKey]
		var frozenItems []runKey
		for step := range 300 {
			switch op := rng.Intn(10); {
			case op < 4: // a run in key order
				run, start := rng.Intn(50), rng.Intn(1000)
				for s := start; s < start+1+rng.Intn(200); s++ {
					tr.Set(runKey{run, s})
					model[runKey{run, s}] = true
				}
			case op < 5: // a bulk load at the end (Load falls back to Set
				// for a key that is not past the last)
				run := 40 + rng.Intn(11)
				for s := range rng.Intn(300) {
					tr.Load(runKey{run, s})
					model[runKey{run, s}] = true
				}
			case op < 7: // random sets
				for range rng.Intn(100) {
					k := runKey{rng.Intn(50), rng.Intn(1200)}
					tr.Set(k)
					model[k] = true
				}
			case op < 8: // deletes, some of absent keys
				for range rng.Intn(300) {
					k := runKey{rng.Intn(50), rng.Intn(1200)}
					_, ok := tr.Delete(k)
					if ok != model[k] {
						t.Fatalf("seed %d step %d: Delete(%v) = %v, model %v", seed, step, k, ok, model[k])
					}
					delete(model, k)
				}
			case op < 9: // the other deletes, which have fast paths of their own
				for range rng.Intn(30) {
					if tr.Len() == 0 {
						break
					}
					var k runKey
					var ok bool
					switch rng.Intn(3) {
					case 0:
						k, ok = tr.PopMin()
					case 1:
						k, ok = tr.PopMax()
					default:
						i := rng.Intn(tr.Len())
						at, _ := tr.GetAt(i)
						if k, ok = tr.DeleteAt(i); k != at {
							t.Fatalf("seed %d step %d: DeleteAt(%d) = %v, GetAt %v", seed, step, i, k, at)
						}
					}
					if !ok || !model[k] {
						t.Fatalf("seed %d step %d: removed %v (%v), not in the model", seed, step, k, ok)
					}
					delete(model, k)
				}
			default: // a copy, checked later against what it held
				if frozen != nil && !equalItems(frozen.Items(), frozenItems) {
					t.Fatalf("seed %d step %d: a copy changed", seed, step)
				}
				frozen = tr.Copy()
				frozenItems = tr.Items()
			}
			if err := tr.Sane(); err != nil {
				t.Fatalf("seed %d step %d: %v", seed, step, err)
			}
			want := make([]runKey, 0, len(model))
			for k := range model {
				want = append(want, k)
			}
			sort.Slice(want, func(i, j int) bool { return lessRunKey(want[i], want[j]) })
			if !equalItems(tr.Items(), want) {
				t.Fatalf("seed %d step %d: items differ from the model", seed, step)
			}
		}
	}
}

func equalItems(a, b []runKey) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// BenchmarkSet inserts 24-byte items (a shard tree's) into a tree of
// 100,000, in random order and in runs.
func BenchmarkSet(b *testing.B) {
	type item struct{ a, b, c uint64 }
	less := func(x, y item) bool { return x.a < y.a || (x.a == y.a && x.b < y.b) }
	rng := rand.New(rand.NewSource(1))
	random := make([]item, 100_000)
	for i := range random {
		random[i] = item{a: rng.Uint64()}
	}
	runs := make([]item, 0, 100_000)
	for r := range 1000 {
		a := rng.Uint64()
		for s := range 100 {
			runs = append(runs, item{a: a, b: uint64(s), c: uint64(r)})
		}
	}
	for _, bc := range []struct {
		name  string
		items []item
	}{{"random", random}, {"runs", runs}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				tr := NewBTreeGOptions(less, Options{NoLocks: true})
				for _, it := range bc.items {
					tr.Set(it)
				}
			}
		})
	}
}
