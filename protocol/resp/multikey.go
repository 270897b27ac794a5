package resp

import (
	"sync"
	"sync/atomic"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// Multi-key writes (MSET, MSETNX) hold the stripe locks of all their keys
// for their whole duration, so no RESP command observes them half done.
// Within that, the keys are independent: each is its own Table.Mutate, and
// they run concurrently so that one command waits for the log about once,
// not once per key.

// maxParallelKeys bounds the goroutines of one multi-key write.
const maxParallelKeys = 64

// lastOccurrences returns the index of the last occurrence of each distinct
// key, in order (a key given twice takes its last value, as in Redis).
func lastOccurrences(keys []shard.Key) []int {
	if len(keys) > 64 {
		return lastOccurrencesMap(keys)
	}
	idx := make([]int, 0, len(keys))
outer:
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if string(keys[i]) == string(keys[j]) {
				continue outer
			}
		}
		idx = append(idx, i)
	}
	return idx
}

func lastOccurrencesMap(keys []shard.Key) []int {
	last := make(map[string]int, len(keys))
	for i, k := range keys {
		last[string(k)] = i
	}
	idx := make([]int, 0, len(last))
	for i, k := range keys {
		if last[string(k)] == i {
			idx = append(idx, i)
		}
	}
	return idx
}

// checkSizes refuses, before anything is written, a multi-key write one of
// whose items would exceed DynamoDB's item size limit.
func checkSizes(keys []shard.Key, vals [][]byte) error {
	for i, k := range keys {
		it := attr.Item{attrKey: {Type: attr.S, Str: bstr(k.Partition())}, attrVal: textValue(vals[i])}
		if attr.ItemSize(it) > attr.MaxItemSize {
			return errItemTooLarge
		}
	}
	return nil
}

// putStrings writes vals[i] under keys[i] (no expiry) for every i of idx,
// concurrently when concurrent (a store with a log to wait for). create:
// only where no live key exists. It returns the entries written (empty where
// nothing was) and the first error.
// REQUIRES: the stripes of keys held for writing.
func (s *Server) putStrings(t *shard.Table, keys []shard.Key, vals [][]byte, idx []int, create, concurrent bool) ([]shard.Entry, error) {
	written := make([]shard.Entry, len(keys))
	errs := make([]error, len(keys))
	now := nowMs()
	parallel(idx, concurrent, func(i int) {
		written[i], errs[i] = s.putString(t, keys[i], vals[i], create, now, nil)
	})
	for _, i := range idx {
		if errs[i] != nil {
			return written, errs[i]
		}
	}
	return written, nil
}

// putString writes val under k (no expiry); create: only where no live key
// exists (the entry returned is then empty if it did). decided, if not nil,
// is called from the decide callback, under the shard lock.
func (s *Server) putString(t *shard.Table, k shard.Key, val []byte, create bool, now int64, decided func()) (shard.Entry, error) {
	wrote := false
	_, cur, err := s.mutate(t, k, func(old shard.Entry) (shard.Write, error) {
		if decided != nil {
			decided()
		}
		if create && old.Exists() && !viewOf(old.Encoded()).expiredAt(now) {
			return shard.Write{Skip: true}, nil // someone else's key
		}
		it := attr.Item{
			attrKey: {Type: attr.S, Str: bstr(k.Partition())},
			attrVal: textValue(val),
		}
		if attr.ItemSize(it) > attr.MaxItemSize {
			return shard.Write{}, errItemTooLarge
		}
		wrote = true
		return shard.Write{Item: it}, nil
	})
	if err != nil || !wrote {
		return shard.Entry{}, err
	}
	return cur, nil
}

// msetApplied writes vals[i] under keys[i] for every i of idx and returns
// once every write has been applied, not yet made durable: each write's
// decide callback signals, then Table.Get on its key waits for Mutate to
// release the shard lock, which it holds through the log append and the
// apply. The caller may then release the stripes (RESP readers see the
// whole MSET) and call wait, which returns the first error once every
// write is durable.
// REQUIRES: the stripes of keys held for writing.
func (s *Server) msetApplied(t *shard.Table, keys []shard.Key, vals [][]byte, idx []int) (wait func() error) {
	errs := make([]error, len(keys))
	now := nowMs()
	signals := make(chan int, len(idx))
	var wg sync.WaitGroup
	workers := min(len(idx), maxParallelKeys)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for j := w; j < len(idx); j += workers {
				i := idx[j]
				signaled := false
				_, errs[i] = s.putString(t, keys[i], vals[i], false, now, func() {
					if !signaled {
						signaled = true
						signals <- i
					}
				})
				if !signaled {
					signals <- -1 // Mutate failed before decide: nothing to wait for
				}
			}
		}(w)
	}
	for range idx {
		if i := <-signals; i >= 0 {
			t.Get(keys[i]) // returns once that Mutate has applied and unlocked
		}
	}
	return func() error {
		wg.Wait()
		for _, i := range idx {
			if errs[i] != nil {
				return errs[i]
			}
		}
		return nil
	}
}

// parallel calls fn(i) for every i of idx, on up to maxParallelKeys
// goroutines when concurrent (else, or for one key, inline).
func parallel(idx []int, concurrent bool, fn func(i int)) {
	if len(idx) == 1 || !concurrent {
		for _, i := range idx {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	workers := min(len(idx), maxParallelKeys)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for j := w; j < len(idx); j += workers {
				fn(idx[j])
			}
		}(w)
	}
	wg.Wait()
}

// deleteAll deletes the live items of keys[i] for every i of idx,
// concurrently, and returns how many there were.
// REQUIRES: the stripes of keys held for writing.
func (s *Server) deleteAll(t *shard.Table, keys []shard.Key, idx []int, concurrent bool) (int64, error) {
	var n atomic.Int64
	errs := make([]error, len(keys))
	now := nowMs()
	parallel(idx, concurrent, func(i int) {
		_, _, err := s.mutate(t, keys[i], func(old shard.Entry) (shard.Write, error) {
			if !old.Exists() {
				return shard.Write{Skip: true}, nil
			}
			if !viewOf(old.Encoded()).expiredAt(now) {
				n.Add(1)
			}
			return shard.Write{Delete: true}, nil // expired items go too
		})
		errs[i] = err
	})
	for _, i := range idx {
		if errs[i] != nil {
			return n.Load(), errs[i]
		}
	}
	return n.Load(), nil
}
