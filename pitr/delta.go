package pitr

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/dynacache/dynacache/shard"
)

// ItemChange is how one item changed over a span of time: its image
// before the span (nil: it did not exist), its image at the span's end
// (nil: it does not exist), and the time of its last write in the span.
type ItemChange struct {
	Key      shard.Key
	Time     int64 // Unix ms
	Old, New []byte
}

// Delta calls fn, in key order, for every item written at a time in
// [from, to) (Unix ms): its image as of from-1 and as of to-1. Items
// created and deleted within the span are left out. Both from-1 and to-1
// must be in the table's window (ErrTime).
func (k *Keeper) Delta(table string, from, to int64, fn func(ItemChange) error) error {
	if to <= from {
		return ErrTime
	}
	h := k.history(table)
	if h == nil {
		return ErrNotEnabled
	}
	newImg, err := k.Image(table, to-1)
	if err != nil {
		return err
	}
	defer newImg.Close()
	oldImg, err := k.Image(table, from-1)
	if err != nil {
		return err
	}
	defer oldImg.Close()
	// The keys written in the span, with their last write's time.
	written := map[string]int64{}
	if err := h.scan(from, to, func(e entry) {
		for _, w := range e.writes {
			written[string(w.key)] = e.time
		}
	}); err != nil {
		return err
	}
	if len(written) == 0 {
		return nil
	}
	old, cur := map[string][]byte{}, map[string][]byte{}
	pick := func(m map[string][]byte) func(shard.Key, []byte) error {
		return func(key shard.Key, enc []byte) error {
			if _, ok := written[string(key)]; ok {
				m[string(key)] = bytes.Clone(enc)
			}
			return nil
		}
	}
	if err := oldImg.Items(pick(old)); err != nil {
		return err
	}
	if err := newImg.Items(pick(cur)); err != nil {
		return err
	}
	keys := make([]string, 0, len(written))
	for key := range written {
		if old[key] != nil || cur[key] != nil {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	for _, key := range keys {
		if err := fn(ItemChange{Key: shard.Key(key), Time: written[key], Old: old[key], New: cur[key]}); err != nil {
			return err
		}
	}
	return nil
}

// scan calls fn for every log entry of a time in [from, to), in order.
func (h *History) scan(from, to int64, fn func(entry)) error {
	h.trimMu.RLock()
	defer h.trimMu.RUnlock()
	h.mu.Lock()
	if h.mu.removed {
		h.mu.Unlock()
		return ErrNotEnabled
	}
	if err := h.flushLocked(); err != nil {
		h.mu.Unlock()
		return err
	}
	log := h.mu.log
	first, last := log.First(), log.Last()
	h.mu.Unlock()
	for i := first; i <= last && i > 0; i++ {
		raw, err := log.Read(i)
		if err != nil {
			return fmt.Errorf("pitr: %s: entry %d: %w", h.table, i, err)
		}
		_, t, err := entryHead(raw)
		if err != nil {
			return fmt.Errorf("pitr: %s: entry %d: %w", h.table, i, err)
		}
		if t < from {
			continue
		}
		if t >= to {
			break
		}
		e, err := decodeEntry(raw)
		if err != nil {
			return fmt.Errorf("pitr: %s: entry %d: %w", h.table, i, err)
		}
		fn(e)
	}
	return nil
}
