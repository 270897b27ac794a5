package wal

import (
	"bytes"
	"cmp"
	"fmt"
	"math/bits"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/dynacache/dynacache/shard"
)

// Replay of the log (issue 16: a 1M-item restart from the log alone in
// under 0.5 s).
//
// Recovery hands the log's records to a replayer in log order. Records
// that change items (recPut, recDelete, recChange, recBatch) are gathered
// into a run; any other record (a table created, redefined or dropped)
// ends the run: the run is applied, then that record, so every item record
// meets the tables as they were when it was logged. A run is applied in
// four steps, none of which allocates per record:
//
//  1. decode: the records are split among the cores; each item they carry
//     becomes a replayItem, offsets into the record's bytes and no
//     pointers (so the collector has nothing to scan in them);
//  2. bucket: the items are grouped by table and by the top bits of the
//     xxhash of their partition key, the store's own shard stripes
//     (shard/order.go), keeping log order within each bucket;
//  3. resolve: each bucket, on its own core, is sorted by (hash, key, log
//     position) (resolve: a counting sort on more of the hash's bits,
//     then small sorts) and keeps only the last record of each key:
//     records are images, so the last one is the key's state at the end
//     of the run;
//  4. load: the surviving puts are copied (shard.Imager) in log order,
//     reading the run's bytes in order, on every core, each to the slot
//     bucketing gave it (a write into one of the buckets' streams); each
//     table's images, gathered bucket by bucket in the table's order, go
//     to Table.LoadImages in one call (which loads the shards in
//     parallel, appending to an empty shard's tree without a search,
//     reading no item's bytes), its surviving deletes to
//     Table.RecoverItem. Copying in the table's order instead read the
//     log's bytes at random: a cache miss or two per item, a fifth of a
//     restart's CPU; writing each image straight to its place in the
//     table's order cost a tenth.
//
// Invariant: for every key, the state after a run is the image of the
// key's last record in the run (or its absence, for a delete), exactly as
// applying the records one by one in log order would leave it. Keys are
// independent of one another (a record of one key never reads another),
// and a batch's items are applied with the run that holds the whole
// batch, so all or nothing holds.
//
// Stream changes (ChangeSink.Changes) are delivered in log order, record
// by record, before the run is applied.

// replayRunBytes bounds the log bytes one run holds (and so the memory
// recovery holds beyond the store). A log between two snapshots
// (DefaultSnapshotBytes) is usually one run.
var replayRunBytes = 256 << 20

// replayItem is one item record of a run: offsets into its record's bytes.
type replayItem struct {
	h          uint64 // xxhash of the partition key
	rec        uint32 // index of the record in the run
	pos        uint32 // position in the run's log order
	koff, klen uint32 // the key, in the record
	eoff, elen uint32 // the item's encoding (a put)
	size       uint32 // DynamoDB size (a put)
	table      uint32 // index in replayer.tables
	slot       uint32 // index in replayer.sorted after bucketing (apply)
	del        bool
}

// replayer applies recovered log records to a store (see above).
type replayer struct {
	store    *shard.Store
	sink     ChangeSink
	segs     []segmentFile // for error messages
	run      []entry       // the run's item records, in log order
	runBytes int
	replayed int

	// per run, reused
	tables  []*shard.Table
	byName  map[string]uint32
	items   []replayItem
	sorted  []replayItem
	slot    []uint32
	alive   []bool
	workers int
}

func newReplayer(store *shard.Store, sink ChangeSink, segs []segmentFile) *replayer {
	return &replayer{store: store, sink: sink, segs: segs, byName: map[string]uint32{},
		workers: min(runtime.GOMAXPROCS(0), 8)}
}

// itemRecord reports whether records of type typ change items (and so
// join a run).
func itemRecord(typ byte) bool {
	switch typ {
	case recPut, recDelete, recChange, recBatch:
		return true
	}
	return false
}

// addEntries takes the next records of the log, es, of which those at
// the indexes other, less base, are not item records (scanSegments found
// them). The item records between them join the run without a read of
// their bytes, which another core scanned last: a cache miss each.
func (p *replayer) addEntries(es []entry, other []int, base int) error {
	from := 0
	for _, o := range other {
		if o -= base; o < 0 {
			continue
		}
		if err := p.addItems(es[from:o]); err != nil {
			return err
		}
		if err := p.add(es[o]); err != nil {
			return err
		}
		from = o + 1
	}
	return p.addItems(es[from:])
}

// addItems adds item records to the run, flushing it when it is full.
func (p *replayer) addItems(es []entry) error {
	from := 0
	for j := range es {
		p.runBytes += len(es[j].data)
		if p.runBytes >= replayRunBytes {
			p.run = append(p.run, es[from:j+1]...)
			p.replayed += j + 1 - from
			from = j + 1
			if err := p.flush(); err != nil {
				return err
			}
			collectBetweenRuns() // the collector is off (quietGC)
		}
	}
	p.run = append(p.run, es[from:]...)
	p.replayed += len(es) - from
	return nil
}

// add takes the next record of the log.
func (p *replayer) add(e entry) error {
	p.replayed++
	if itemRecord(e.data[5]) { // the type; scanSegment checked the header
		p.run = append(p.run, e)
		p.runBytes += len(e.data)
		if p.runBytes >= replayRunBytes {
			if err := p.flush(); err != nil {
				return err
			}
			collectBetweenRuns() // the collector is off (quietGC)
		}
		return nil
	}
	if err := p.flush(); err != nil {
		return err
	}
	r, err := decodeRecord(e.data)
	if err != nil {
		return p.entryError(e.seq, err)
	}
	applyRecord(p.store, &r)
	return nil
}

// entryError names the segment and the entry of err.
func (p *replayer) entryError(seq uint64, err error) error {
	path := ""
	for _, s := range p.segs {
		if s.first <= seq {
			path = s.path
		}
	}
	return fmt.Errorf("wal: %s: entry %d: %w", path, seq, err)
}

// flush applies the run.
func (p *replayer) flush() error {
	if len(p.run) == 0 {
		return nil
	}
	defer func() {
		clear(p.run) // drop the references to the segments' bytes
		p.run = p.run[:0]
		p.runBytes = 0
	}()
	p.tables = p.tables[:0]
	clear(p.byName)
	for _, t := range p.store.Tables() {
		p.byName[t.Name()] = uint32(len(p.tables))
		p.tables = append(p.tables, t)
	}
	if err := p.decode(); err != nil {
		return err
	}
	if p.sink != nil {
		for _, e := range p.run {
			if typ := e.data[5]; typ != recChange && typ != recBatch {
				continue
			}
			r, err := decodeRecord(e.data)
			if err != nil {
				return p.entryError(e.seq, err)
			}
			if cs := r.changes(nil); len(cs) > 0 {
				p.sink.Changes(e.seq, ownChanges(cs))
			}
		}
	}
	p.apply()
	return nil
}

// ownChanges gives cs bytes of their own (in one allocation): a
// record's changes alias the log's bytes, which recovery maps and
// releases (scanSegments), and a sink may keep them.
func ownChanges(cs []shard.Change) []shard.Change {
	n := 0
	for _, c := range cs {
		n += len(c.Key) + len(c.Old) + len(c.New)
	}
	buf := make([]byte, 0, n)
	own := func(b []byte) []byte {
		if b == nil {
			return nil
		}
		buf = append(buf, b...)
		return buf[len(buf)-len(b) : len(buf) : len(buf)]
	}
	for i := range cs {
		cs[i].Key = shard.Key(own(cs[i].Key))
		cs[i].Old = own(cs[i].Old)
		cs[i].New = own(cs[i].New)
	}
	return cs
}

// decode fills p.items from p.run, in log order, on every core.
func (p *replayer) decode() error {
	workers := p.workers
	if len(p.run) < 4096 {
		workers = 1
	}
	// Each core decodes its range of records into the same range of
	// p.items (a record holds one item, but for a batch): the parts are
	// then in place, or close to it, not copied into p.items. A part that
	// outgrows its range (batches) moves to an array of its own.
	p.items = slices.Grow(p.items[:0], len(p.run))[:len(p.run)]
	parts := make([][]replayItem, workers)
	bad := make([]int, workers) // index of the first bad record, or -1
	step := (len(p.run) + workers - 1) / workers
	parallelRanges(workers, step, len(p.run), func(w, lo, hi int) {
		bad[w] = -1
		out := p.items[lo:lo:hi]
		for i := lo; i < hi; i++ {
			var ok bool
			out, ok = p.decodeEntry(out, uint32(i))
			if !ok {
				bad[w] = i
				break
			}
		}
		parts[w] = out
	})
	for _, i := range bad { // in log order: the first damage wins
		if i >= 0 {
			e := p.run[i]
			_, err := decodeRecord(e.data)
			if err == nil {
				err = fmt.Errorf("%w: malformed record of type %d", ErrCorrupt, e.data[5])
			}
			return p.entryError(e.seq, err)
		}
	}
	n, inPlace := 0, true
	for w, part := range parts {
		lo := min(w*step, len(p.run))
		if len(part) > 0 && &part[0] != &p.items[lo] {
			inPlace = false // it outgrew its range
		}
		n += len(part)
	}
	if inPlace {
		// Close the gaps the ranges left (copy moves down, in order).
		n = 0
		for _, part := range parts {
			n += copy(p.items[n:], part)
		}
		p.items = p.items[:n]
	} else {
		items := make([]replayItem, 0, n)
		for _, part := range parts {
			items = append(items, part...)
		}
		p.items = items
	}
	for i := range p.items {
		p.items[i].pos = uint32(i)
	}
	return nil
}

// decodeEntry appends the items of record rec of the run to out, checking
// the record as decodeRecord does (scanSegment checked its checksum).
// Items of a table not in the store (written to a table being dropped)
// are left out.
func (p *replayer) decodeEntry(out []replayItem, rec uint32) ([]replayItem, bool) {
	b := p.run[rec].data
	d := reader{b: b, off: headerLen}
	out, ok := p.decodeBody(out, &d, rec, b[5], 0)
	return out, ok && d.err == nil && d.off == len(b)
}

// decodeBody decodes one body of type typ at d (see reader.body).
func (p *replayer) decodeBody(out []replayItem, d *reader, rec uint32, typ byte, depth int) ([]replayItem, bool) {
	switch typ {
	case recPut, recDelete:
		name := d.bytes()
		key := d.bytes()
		it := replayItem{rec: rec, koff: uint32(d.off - len(key)), klen: uint32(len(key)), del: typ == recDelete}
		if typ == recPut {
			it.size = uint32(d.uvarint())
			enc := d.bytes()
			it.eoff, it.elen = uint32(d.off-len(enc)), uint32(len(enc))
		}
		if d.err != nil {
			return out, false
		}
		t, ok := p.byName[string(name)]
		if !ok {
			return out, true
		}
		it.table = t
		it.h = shard.PartitionHash(shard.Key(key))
		return append(out, it), true
	case recChange:
		if depth > 1 {
			return out, false
		}
		d.uvarint() // stream
		d.uvarint() // time
		flags := d.byte()
		if flags&^(chgService|chgOldExisted|chgOldImage) != 0 {
			return out, false
		}
		if flags&chgOldImage != 0 {
			d.bytes()
		}
		inner := d.byte()
		if d.err != nil || (inner != recPut && inner != recDelete) {
			return out, false
		}
		return p.decodeBody(out, d, rec, inner, depth+1)
	case recBatch:
		if depth > 0 {
			return out, false
		}
		n := d.uvarint()
		if d.err != nil || n > uint64(len(d.b)) {
			return out, false
		}
		for i := uint64(0); i < n; i++ {
			var ok bool
			if out, ok = p.decodeBody(out, d, rec, d.byte(), depth+1); !ok || d.err != nil {
				return out, false
			}
		}
		return out, true
	}
	return out, false
}

// key returns the key of it.
func (p *replayer) key(it *replayItem) []byte {
	return p.run[it.rec].data[it.koff : it.koff+it.klen]
}

// apply resolves and loads p.items (steps 2 to 4 above).
func (p *replayer) apply() {
	if len(p.items) == 0 {
		return
	}
	// Bucket by (table, stripe), keeping log order: a counting sort, each
	// core counting and then placing one range of the run (a range's
	// items go after those of the ranges before it in every bucket).
	const stripes = 64
	nb := len(p.tables) * stripes
	bucketOf := func(it *replayItem) int { return int(it.table)*stripes + int(it.h>>58) }
	workers := p.workers
	if len(p.items) < 4096 {
		workers = 1
	}
	step := (len(p.items) + workers - 1) / workers
	fills := make([][]int, workers) // fills[w][b]: where range w's next item of bucket b goes
	parallelRanges(workers, step, len(p.items), func(w, lo, hi int) {
		counts := make([]int, nb)
		for i := lo; i < hi; i++ {
			counts[bucketOf(&p.items[i])]++
		}
		fills[w] = counts
	})
	starts := make([]int, nb+1)
	for b := range nb {
		at := starts[b]
		for w := range workers {
			n := fills[w][b]
			fills[w][b] = at
			at += n
		}
		starts[b+1] = at
	}
	p.sorted = slices.Grow(p.sorted[:0], len(p.items))[:len(p.items)]
	// slot[i]: where item i lands; the item keeps it through resolve.
	slot := slices.Grow(p.slot[:0], len(p.items))[:len(p.items)]
	parallelRanges(workers, step, len(p.items), func(w, lo, hi int) {
		fill := fills[w]
		for i := lo; i < hi; i++ {
			b := bucketOf(&p.items[i])
			q := fill[b]
			p.sorted[q] = p.items[i]
			p.sorted[q].slot = uint32(q)
			slot[i] = uint32(q)
			fill[b]++
		}
	})
	// Resolve each bucket on its own core: sort, keep the last of a key.
	kept := make([]int, nb) // survivors of bucket b: sorted[starts[b]:starts[b]+kept[b]]
	scratch := make([][]replayItem, p.workers)
	parallelEach(p.workers, nb, func(w, b int) {
		kept[b], scratch[w] = p.resolve(p.sorted[starts[b]:starts[b+1]], scratch[w])
	})
	// Copy the surviving puts in log order (reading the run's bytes in
	// order, on every core), each to its bucket's slot: nb streams of
	// writes, not one write at random in the whole run per item.
	alive := slices.Grow(p.alive[:0], len(p.items))[:len(p.items)]
	clear(alive)
	counts := make([]int, len(p.tables))
	for b := range nb {
		for i := starts[b]; i < starts[b]+kept[b]; i++ {
			if it := &p.sorted[i]; !it.del {
				alive[it.pos] = true
				counts[it.table]++
			}
		}
	}
	slots := make([]shard.Image, len(p.items))
	parallelRanges(workers, step, len(p.items), func(_, lo, hi int) {
		var m shard.Imager
		for i := lo; i < hi; i++ {
			if !alive[i] {
				continue
			}
			it := &p.items[i]
			data := p.run[it.rec].data
			slots[slot[i]] = m.Copy(p.tables[it.table], it.h, shard.Key(data[it.koff:it.koff+it.klen]),
				data[it.eoff:it.eoff+it.elen], int(it.size))
		}
	})
	// Load each table's puts in its order (gathered bucket by bucket, each
	// bucket's slots a small region), then apply its deletes.
	for ti, t := range p.tables {
		ims := make([]shard.Image, 0, counts[ti])
		var dels []shard.Key
		for b := ti * stripes; b < (ti+1)*stripes; b++ {
			for i := starts[b]; i < starts[b]+kept[b]; i++ {
				it := &p.sorted[i]
				if it.del {
					dels = append(dels, shard.Key(p.key(it)))
					continue
				}
				ims = append(ims, slots[it.slot])
			}
		}
		t.LoadImages(ims)
		for _, k := range dels {
			t.RecoverItem(k, nil, 0)
		}
	}
	p.slot, p.alive = slot, alive
	clear(p.tables)
}

// parallelEach runs fn(w, i) for every i in [0, n) on up to workers
// goroutines (w: which), each taking the next i, and waits for them.
func parallelEach(workers, n int, fn func(w, i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range max(min(workers, n), 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(w, i)
			}
		}()
	}
	wg.Wait()
}

// parallelRanges runs fn(w, lo, hi) over [0, n) cut into ranges of step,
// the w-th on a goroutine of its own, and waits for them.
func parallelRanges(workers, step, n int, fn func(w, lo, hi int)) {
	if workers <= 1 {
		fn(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := min(w*step, n), min((w+1)*step, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(w, lo, hi)
		}()
	}
	wg.Wait()
}

// resolve sorts the items of one bucket, in log order, by (hash, key, log
// position) and moves the last item of each key to the front, in key
// order; it returns how many there are, and scratch (reused by the next
// call). The sort is a counting sort on the hash's next bits (below the
// stripe's) into groups of a few items each, then each group is sorted on
// its own: an insertion sort for a small one (a stable sort: the items
// of one key keep their log order), a comparison sort for a large one
// (many records of a few keys); pdqsort over the whole bucket cost a
// sixth of a restart's CPU.
func (p *replayer) resolve(items, scratch []replayItem) (int, []replayItem) {
	if len(items) == 0 {
		return 0, scratch
	}
	scratch = slices.Grow(scratch[:0], len(items))[:len(items)]
	bits := min(bits.Len(uint(len(items)/4)), 16)
	const below = 64 - 6 // the stripe's bits (apply) are the same in a bucket
	digit := func(it *replayItem) int { return int(it.h>>(below-bits)) & (1<<bits - 1) }
	starts := make([]int32, 1<<bits+1)
	for i := range items {
		starts[digit(&items[i])+1]++
	}
	for d := 1; d < len(starts); d++ {
		starts[d] += starts[d-1]
	}
	fill := slices.Clone(starts[:len(starts)-1])
	for i := range items {
		d := digit(&items[i])
		scratch[fill[d]] = items[i]
		fill[d]++
	}
	n := 0
	for d := 0; d+1 < len(starts); d++ {
		group := scratch[starts[d]:starts[d+1]]
		if len(group) <= 32 {
			p.insertionSort(group)
		} else {
			slices.SortFunc(group, func(a, b replayItem) int {
				if c := cmp.Compare(a.h, b.h); c != 0 {
					return c
				}
				if c := bytes.Compare(p.key(&a), p.key(&b)); c != 0 {
					return c
				}
				return cmp.Compare(a.pos, b.pos)
			})
		}
		for i := range group {
			if i+1 < len(group) && group[i+1].h == group[i].h && bytes.Equal(p.key(&group[i+1]), p.key(&group[i])) {
				continue // a later record of the same key follows
			}
			items[n] = group[i]
			n++
		}
	}
	return n, scratch
}

// insertionSort sorts items by (hash, key), stably.
func (p *replayer) insertionSort(items []replayItem) {
	for i := 1; i < len(items); i++ {
		x := items[i]
		j := i
		for ; j > 0; j-- {
			y := &items[j-1]
			if x.h > y.h || x.h == y.h && bytes.Compare(p.key(&x), p.key(y)) >= 0 {
				break
			}
			items[j] = *y
		}
		items[j] = x
	}
}

// reserve makes room in the run for n more records.
func (p *replayer) reserve(n int) {
	if cap(p.run)-len(p.run) < n {
		p.run = slices.Grow(p.run, max(n, cap(p.run))) // doubling: slices.Grow alone grows large slices by 1.25x
	}
}

// segmentScan is what scanSegment found in one segment.
type segmentScan struct {
	entries []entry
	other   []int // indexes of the entries that are not item records
	err     error
	release func() // unmaps the segment's bytes (nil: read, not mapped)
}

// scanSegments scans segs on every core; lastIsTail says whether the last
// of them is the log's last segment (whose torn tail scanSegment cuts).
// Every segment but the log's last is mapped (readWhole), not read: a
// replay then costs neither the zeroing of a buffer nor a copy of the
// log (a quarter of a 1M-item restart's CPU). The entries alias the
// mapping until the caller releases it (recover: at its end, since a
// run may hold records of many windows; nothing recovery builds keeps
// them: items are copied, and changes are copied for the sink, flush).
// The log's last segment is read, as scanSegment may cut its tail.
func scanSegments(segs []segmentFile, lastIsTail bool, logf func(string, ...any)) []segmentScan {
	out := make([]segmentScan, len(segs))
	parallelEach(min(runtime.GOMAXPROCS(0), 8), len(segs), func(_, i int) {
		if lastIsTail && i == len(segs)-1 {
			data, err := os.ReadFile(segs[i].path)
			if err != nil {
				out[i].err = fmt.Errorf("wal: read %s: %w", segs[i].path, err)
				return
			}
			out[i].entries, out[i].err = scanSegmentData(segs[i], data, true, logf, &out[i].other)
			return
		}
		data, release, err := readWhole(segs[i].path)
		if err != nil {
			out[i].err = fmt.Errorf("wal: read %s: %w", segs[i].path, err)
			return
		}
		out[i].release = release
		out[i].entries, out[i].err = scanSegmentData(segs[i], data, false, logf, &out[i].other)
	})
	return out
}

// segmentSize is the size of seg's file (0 if it cannot be read: the
// scan reports why).
func segmentSize(seg segmentFile) int {
	fi, err := os.Stat(seg.path)
	if err != nil {
		return 0
	}
	return int(fi.Size())
}
