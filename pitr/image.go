package pitr

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/dynacache/dynacache/backup"
	"github.com/dynacache/dynacache/shard"
)

// Image is a table as it was at one time: a base and the writes after it.
type Image struct {
	table string
	ms    int64
	info  json.RawMessage
	file  *os.File // the base's file, open (a trim may remove its name)
	path  string
	// frozen is the base in memory.
	frozen *shard.Frozen
	// writes are the keys written after the base up to ms: the last image
	// of each (nil: deleted).
	writes map[string][]byte
}

// Image returns table as it was at ms (Unix ms): every write logged at or
// before ms, none after. It waits until the clock has passed ms and the
// write-ahead log has handed over every write logged before the call, so
// that no write of a time at or before ms can arrive after it. ErrTime
// when ms is outside the table's window, ErrNotEnabled when it keeps no
// history.
func (k *Keeper) Image(table string, ms int64) (*Image, error) {
	h := k.history(table)
	if h == nil {
		return nil, ErrNotEnabled
	}
	earliest, latest, err := k.Window(table)
	if err != nil {
		return nil, err
	}
	if ms < earliest || ms > latest {
		return nil, ErrTime
	}
	// The clock passes ms (at most a millisecond for the latest time):
	// a write logged from now on has a later time.
	for i := 0; time.Now().UnixMilli() <= ms && i < 100; i++ {
		time.Sleep(100 * time.Microsecond)
	}
	if err := k.syncLog(); err != nil {
		return nil, err
	}
	h.trimMu.RLock()
	defer h.trimMu.RUnlock()
	h.mu.Lock()
	if h.mu.removed {
		h.mu.Unlock()
		return nil, ErrNotEnabled
	}
	if err := h.flushLocked(); err != nil {
		h.mu.Unlock()
		return nil, fmt.Errorf("pitr: %s: the history lost writes: %w", table, err)
	}
	var b *base
	for _, x := range h.mu.bases {
		if x.ms <= ms {
			b = x
		}
	}
	log, last := h.mu.log, h.mu.log.Last()
	h.mu.Unlock()
	if b == nil {
		return nil, ErrTime
	}
	img := &Image{table: table, ms: ms, info: b.info, frozen: b.frozen, path: b.path, writes: map[string][]byte{}}
	if b.path != "" {
		if img.file, err = os.Open(b.path); err != nil {
			return nil, err
		}
	}
	for i := b.from; i <= last; i++ {
		raw, err := log.Read(i)
		if err != nil {
			img.Close()
			return nil, fmt.Errorf("pitr: %s: entry %d: %w", table, i, err)
		}
		e, err := decodeEntry(raw)
		if err != nil {
			img.Close()
			return nil, fmt.Errorf("pitr: %s: entry %d: %w", table, i, err)
		}
		if e.time > ms {
			break
		}
		for _, w := range e.writes {
			img.writes[string(w.key)] = w.enc
		}
	}
	return img, nil
}

// Info returns the table's description (opaque here) at the image's base.
func (img *Image) Info() json.RawMessage { return img.info }

// Items calls fn for every item of the image (the base's that were not
// written since, then the written ones), until fn returns an error, which
// it returns. The slices are valid only during the call. It may be called
// once.
func (img *Image) Items(fn func(k shard.Key, enc []byte) error) error {
	each := func(k shard.Key, enc []byte) error {
		if _, ok := img.writes[string(k)]; ok {
			return nil
		}
		return fn(k, enc)
	}
	var err error
	if img.frozen != nil {
		err = img.frozen.Items(func(k shard.Key, e shard.Entry) error { return each(k, e.Encoded()) })
	} else if img.file != nil {
		err = backup.ReadItems(img.file, img.path, func(k shard.Key, enc []byte, _ int) error { return each(k, enc) })
	}
	if err != nil {
		return err
	}
	for k, enc := range img.writes {
		if enc == nil {
			continue
		}
		if err := fn(shard.Key(k), enc); err != nil {
			return err
		}
	}
	return nil
}

// Close releases the image.
func (img *Image) Close() {
	if img.file != nil {
		img.file.Close()
		img.file = nil
	}
}
