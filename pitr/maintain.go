package pitr

import (
	"os"
	"path/filepath"
	"time"
)

func (k *Keeper) loop() {
	defer close(k.done)
	t := time.NewTicker(k.opts.MaintainEvery)
	defer t.Stop()
	for {
		select {
		case <-k.stop:
			return
		case <-t.C:
			k.Maintain()
		}
	}
}

// Maintain takes the bases due, trims every history to its recovery
// period, then to MaxBytes (see the package doc). It runs every
// MaintainEvery in the background.
func (k *Keeper) Maintain() {
	now := k.opts.Now().UnixMilli()
	for _, h := range k.histories() {
		if h.baseDue(now) {
			k.rebase(h)
		}
		h.mu.Lock()
		cutoff := now - h.mu.meta.PeriodMs
		h.mu.Unlock()
		if err := h.trim(cutoff); err != nil {
			k.logf("pitr: %s: trim: %v", h.table, err)
		}
	}
	if k.opts.MaxBytes > 0 {
		k.bound()
	}
}

// baseDue reports whether h needs a new base: writes since its newest,
// and either that base is BaseInterval old or the log since it outgrew it.
func (h *History) baseDue(now int64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := len(h.mu.bases)
	if n == 0 || h.mu.removed {
		return false
	}
	b := h.mu.bases[n-1]
	if h.mu.log.Last()+h.pendingCount() < b.from {
		return false // no write since
	}
	return now-b.ms >= h.k.opts.BaseInterval.Milliseconds() || h.mu.sinceBase >= max(h.k.opts.BaseLogBytes, b.bytes)
}

// rebase takes a new base of h's table.
func (k *Keeper) rebase(h *History) {
	st := k.store.Load()
	if st == nil {
		return
	}
	t, ok := st.Table(h.table)
	if !ok {
		return
	}
	if err := h.takeBase(t); err != nil && err != ErrNotEnabled {
		k.logf("pitr: %s: new base: %v", h.table, err)
	}
}

// trim drops the bases older than the newest one at or before cutoff, and
// the log entries only they needed.
func (h *History) trim(cutoff int64) error {
	h.mu.Lock()
	i := 0
	for j, b := range h.mu.bases {
		if b.ms <= cutoff {
			i = j
		}
	}
	h.mu.Unlock()
	if i == 0 {
		return nil
	}
	return h.dropBases(i)
}

// dropBases drops h's n oldest bases and the log before the next one.
func (h *History) dropBases(n int) error {
	h.trimMu.Lock()
	defer h.trimMu.Unlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.mu.removed || n >= len(h.mu.bases) {
		return nil
	}
	if err := h.flushLocked(); err != nil {
		return err
	}
	for _, b := range h.mu.bases[:n] {
		if b.path != "" {
			if err := os.Remove(b.path); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
	}
	h.mu.bases = append(h.mu.bases[:0:0], h.mu.bases[n:]...)
	return h.mu.log.TruncateFront(h.mu.bases[0].from)
}

// Bytes returns what h keeps on disk, with the entries on their way there
// (in memory: the entries and the items' sizes).
func (h *History) Bytes() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.bytesLocked()
}

func (h *History) bytesLocked() int64 {
	n := int64(len(h.mu.pending)) // on their way to the log
	for _, b := range h.mu.bases {
		n += b.bytes
	}
	if m, ok := h.mu.log.(*memLog); ok {
		return n + m.size()
	}
	if h.dir != "" {
		ents, _ := os.ReadDir(filepath.Join(h.dir, "log"))
		for _, e := range ents {
			if fi, err := e.Info(); err == nil {
				n += fi.Size()
			}
		}
	}
	return n
}

// bound trims the histories to MaxBytes: the globally oldest base that is
// not its table's newest goes first; when only newest bases are left, the
// table with the most log since its newest base gets a new one (once per
// call) so that the log before it can go.
func (k *Keeper) bound() {
	hs := k.histories()
	sizes := make([]int64, len(hs))
	var total int64
	for i, h := range hs {
		sizes[i] = h.Bytes()
		total += sizes[i]
	}
	rebased := false
	for total > k.opts.MaxBytes {
		oldest, at := int64(0), -1
		for i, h := range hs {
			h.mu.Lock()
			if len(h.mu.bases) > 1 && !h.mu.removed && (at < 0 || h.mu.bases[0].ms < oldest) {
				oldest, at = h.mu.bases[0].ms, i
			}
			h.mu.Unlock()
		}
		if at < 0 {
			if rebased {
				break
			}
			rebased = true
			big, bigAt := int64(0), -1
			for i, h := range hs {
				h.mu.Lock()
				var logBytes int64
				if n := len(h.mu.bases); n > 0 && h.mu.log.Last()+h.pendingCount() >= h.mu.bases[n-1].from {
					logBytes = sizes[i] - h.mu.bases[n-1].bytes
				}
				h.mu.Unlock()
				if logBytes > big {
					big, bigAt = logBytes, i
				}
			}
			if bigAt < 0 {
				break
			}
			k.rebase(hs[bigAt])
			continue
		}
		if err := hs[at].dropBases(1); err != nil {
			k.logf("pitr: %s: trim: %v", hs[at].table, err)
			break
		}
		k.warnBound(hs[at].table)
		total -= sizes[at]
		sizes[at] = hs[at].Bytes()
		total += sizes[at]
	}
	if total > k.opts.MaxBytes {
		k.warnBound("")
	}
}

// warnBound logs, at most once a minute, that MaxBytes cut a history.
func (k *Keeper) warnBound(table string) {
	now := k.opts.Now().Unix()
	last := k.warned.Load()
	if now-last < 60 || !k.warned.CompareAndSwap(last, now) {
		return
	}
	if table == "" {
		k.logf("pitr: the histories use more than --pitr-max-bytes (%d) with one base per table: the bound holds once their next bases are taken", k.opts.MaxBytes)
		return
	}
	k.logf("pitr: --pitr-max-bytes (%d) reached: the oldest history went first (table %s); earliest restorable times move forward", k.opts.MaxBytes, table)
}

// Stats are the histories' totals.
type Stats struct {
	Tables  int
	Bases   int
	Entries uint64
	Bytes   int64
}

// Stats returns the histories' totals.
func (k *Keeper) Stats() Stats {
	var s Stats
	for _, h := range k.histories() {
		h.mu.Lock()
		if !h.mu.removed {
			s.Tables++
			s.Bases += len(h.mu.bases)
			if l, f := h.mu.log.Last()+h.pendingCount(), h.mu.log.First(); l >= f {
				s.Entries += l - f + 1
			}
			s.Bytes += h.bytesLocked()
		}
		h.mu.Unlock()
	}
	return s
}
