package resp

import (
	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// Helpers of the multi-key writes (MSET, MSETNX, DEL); the writes
// themselves are one shard.Store.MutateAll each (writeKeys, txn.go).

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
