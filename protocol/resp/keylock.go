package resp

import (
	"slices"
	"sync"

	"github.com/cespare/xxhash/v2"

	"github.com/dynacache/dynacache/shard"
)

// numStripes is the number of key stripe locks (a power of two).
const numStripes = 1024

// keyLocks are the RESP layer's key stripe locks. The commands that touch
// several keys (MSET, MSETNX, RENAME, multi-key DEL, EXEC) are atomic in
// the store (shard.Store.MutateAll); their stripes, taken in index order so
// that no two commands deadlock, also keep RESP writers of their keys (and
// the expiry sweeper) out while they decide: single-key writes hold their
// key's stripe until their decide runs, multi-key commands every stripe
// they touch.
//
// Invariant: a stripe lock is always taken before, and released after, the
// store's shard lock inside Table.Mutate or Table.Get; never the reverse.
type keyLocks struct {
	stripes [numStripes]struct {
		sync.RWMutex
		_ [40]byte // keep stripes on separate cache lines
	}
}

func stripeOf(k shard.Key) int { return int(xxhash.Sum64(k) & (numStripes - 1)) }

func (l *keyLocks) lock(k shard.Key) int {
	i := stripeOf(k)
	l.stripes[i].Lock()
	return i
}

func (l *keyLocks) unlock(i int) { l.stripes[i].Unlock() }

func (l *keyLocks) rlock(k shard.Key) int {
	i := stripeOf(k)
	l.stripes[i].RLock()
	return i
}

func (l *keyLocks) runlock(i int) { l.stripes[i].RUnlock() }

// lockAll locks the stripes of keys in index order and returns them (in
// buf) for unlockAll. write: exclusive locks.
func (l *keyLocks) lockAll(buf []int, keys []shard.Key, write bool) []int {
	buf = buf[:0]
	for _, k := range keys {
		buf = append(buf, stripeOf(k))
	}
	slices.Sort(buf)
	buf = slices.Compact(buf)
	for _, i := range buf {
		if write {
			l.stripes[i].Lock()
		} else {
			l.stripes[i].RLock()
		}
	}
	return buf
}

func (l *keyLocks) unlockAll(stripes []int, write bool) {
	for _, i := range stripes {
		if write {
			l.stripes[i].Unlock()
		} else {
			l.stripes[i].RUnlock()
		}
	}
}
