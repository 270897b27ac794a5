package shard

import (
	"fmt"
	"math/rand"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

// TestScanHashCoverage: a walk by ScanHash, resumed call after call while
// writers add and delete other keys, visits every key present for the
// whole walk, each once, and ends; small and large limits alike.
func TestScanHashCoverage(t *testing.T) {
	s := New(nil)
	ks := KeySchema{HashName: "pk", HashType: attr.S}
	tb, _ := s.CreateTable("scan", ks, nil, nil)
	put := func(pk string) {
		it := attr.Item{"pk": attr.Str(pk)}
		k, _ := ks.EncodeKey(it)
		tb.Mutate(k, func(Entry) (Write, error) { return Write{Item: it}, nil })
	}
	const stable = 5000
	for i := range stable {
		put(fmt.Sprint("s", i))
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		rng := rand.New(rand.NewSource(1))
		for i := 0; !stop.Load() && i < 200000; i++ {
			pk := fmt.Sprint("v", rng.Intn(3000))
			if rng.Intn(2) == 0 {
				put(pk)
			} else {
				k, _ := ks.EncodeKey(attr.Item{"pk": attr.Str(pk)})
				tb.Mutate(k, func(old Entry) (Write, error) { return Write{Delete: old.Exists(), Skip: !old.Exists()}, nil })
			}
		}
	}()
	for _, limit := range []int{1, 10, 97, 100000} {
		seen := map[string]int{}
		cursor, calls := uint64(0), 0
		for {
			next, done := tb.ScanHash(cursor, limit, func(k Key, e Entry) { seen[string(k)]++ })
			calls++
			if done {
				break
			}
			if next <= cursor {
				t.Fatalf("limit %d: cursor went from %d to %d", limit, cursor, next)
			}
			cursor = next
			if calls > stable*10 {
				t.Fatalf("limit %d: no end after %d calls", limit, calls)
			}
		}
		for i := range stable {
			k, _ := ks.EncodeKey(attr.Item{"pk": attr.Str(fmt.Sprint("s", i))})
			if n := seen[string(k)]; n != 1 {
				t.Fatalf("limit %d: s%d visited %d times", limit, i, n)
			}
		}
		if limit == 1 && calls < stable {
			t.Fatalf("limit 1: %d calls for %d keys", calls, stable)
		}
	}
	stop.Store(true)
	wg.Wait()
}
