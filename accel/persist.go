package accel

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// Warm restart (--dir): the item cache's entries and the tables' stream
// positions are saved to one file at Close and every SaveEvery, and read
// back by Start, which replays each table's stream from its positions
// before the node serves. A table coherent by TTL keeps its entries
// until their original expiry.
//
// The file, cacheFile in the directory, is written whole to a temporary
// file, fsynced, renamed over the old one, and the directory fsynced: a
// crash leaves the old file or the new one. Its format (little endian):
//
//	magic    8 bytes  "DCACCEL2"
//	tables   uint32 n, then n bytes of JSON: []savedTable
//	entries  repeated:
//	           uint32 key length (0 ends the list), key
//	           uint8 found, uint32 JSON length, the item's JSON
//	           int64 expiry, int64 when made (Unix nanoseconds)
//	           uint16 length, SequenceNumber; uint16 length, ShardId
//	crc      uint32 CRC-32C of everything before it
//
// Only entries valid when saved, and not expired, are written, within the
// item cache's byte budget (the sizes ristretto is charged), so the file
// is about the cache's size. The positions are taken before the entries:
// an entry never reflects a record after its table's saved position, so
// the replay from those positions brings every entry up to date (a
// record the entry already reflects is recognized: coherence.go rules 1
// and 2).
//
// On Start, a table's entries are loaded only if its key schema is the
// one saved and either it had no stream and has none (TTL coherence) or
// its stream is the one whose positions were saved; otherwise (the table
// was recreated, its stream turned on or off while this node was down)
// they are dropped, since what changed meanwhile cannot be known.

const (
	cacheFile  = "accel.cache"
	cacheMagic = "DCACCEL2"
	// DefaultSaveEvery is how often the cache is saved while serving:
	// after a crash the stream is replayed from the last save, so a
	// longer period costs replay time, a shorter one writes the whole
	// cache more often.
	DefaultSaveEvery = 5 * time.Minute
	// DefaultReplayTimeout bounds the replay of the streams at Start.
	DefaultReplayTimeout = time.Minute
	// maxTablesJSON bounds the tables section read back.
	maxTablesJSON = 64 << 20
)

// savedTable is one table's saved state.
type savedTable struct {
	Table     string          `json:"table"`
	Key       shard.KeySchema `json:"key"`
	Positions tableState      `json:"positions"`
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// saver saves the cache periodically and at close.
type saver struct {
	a     *Accelerator
	path  string
	mu    sync.Mutex // one save at a time
	stopc chan struct{}
	donec chan struct{}
	once  sync.Once
}

// Start readies the accelerator to serve: with Options.Dir, it loads the
// saved cache, replays the tables' streams from the saved positions
// (waiting at most Options.ReplayTimeout), and starts saving
// periodically. Without Dir it does nothing. Call it once, before
// serving.
func (a *Accelerator) Start() error {
	if f := a.co.follower; f != nil {
		go f.run()
	}
	if a.opts.Dir == "" || a.cache.c == nil {
		return nil
	}
	if err := os.MkdirAll(a.opts.Dir, 0o755); err != nil {
		return fmt.Errorf("accel: %w", err)
	}
	sv := &saver{a: a, path: filepath.Join(a.opts.Dir, cacheFile), stopc: make(chan struct{}), donec: make(chan struct{})}
	if err := a.load(sv.path); err != nil {
		a.opts.Logger.Warn(fmt.Sprintf("accelerator: %v: starting cold", err))
	}
	a.saver = sv
	go sv.run(a.opts.SaveEvery)
	return nil
}

func (sv *saver) run(every time.Duration) {
	defer close(sv.donec)
	if every < 0 {
		<-sv.stopc
		return
	}
	tk := time.NewTicker(every)
	defer tk.Stop()
	for {
		select {
		case <-sv.stopc:
			return
		case <-tk.C:
			if err := sv.a.save(sv.path); err != nil {
				sv.a.opts.Logger.Warn(fmt.Sprintf("accelerator: saving the cache: %v", err))
			}
		}
	}
}

// close stops the periodic saves and saves once more.
func (sv *saver) close() {
	sv.once.Do(func() {
		close(sv.stopc)
		<-sv.donec
		if err := sv.a.save(sv.path); err != nil {
			sv.a.opts.Logger.Warn(fmt.Sprintf("accelerator: saving the cache: %v", err))
		}
	})
}

// Save writes the cache and the stream positions to Options.Dir now
// (Close does too).
func (a *Accelerator) Save() error {
	if a.saver == nil {
		return nil
	}
	return a.save(a.saver.path)
}

// save writes the file (see the format above).
func (a *Accelerator) save(path string) error {
	if a.saver != nil {
		a.saver.mu.Lock()
		defer a.saver.mu.Unlock()
	}
	c := a.cache
	// Positions first (see above), then the entries.
	tables := map[string]*savedTable{}
	a.co.mu.Lock()
	for name, t := range a.co.mu.tails {
		if t.ended() {
			continue
		}
		tables[name] = &savedTable{Table: name, Key: t.ks, Positions: t.positions()}
	}
	ttl := make([]string, 0, len(a.co.mu.ttl))
	for name := range a.co.mu.ttl {
		ttl = append(ttl, name)
	}
	a.co.mu.Unlock()
	for _, name := range ttl {
		if ks, ok := a.schemas.lookup(name); ok {
			tables[name] = &savedTable{Table: name, Key: ks}
		}
	}

	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // after a successful rename there is nothing to remove
	crc := crc32.New(crcTable)
	w := bufio.NewWriterSize(io.MultiWriter(f, crc), 1<<20)
	list := make([]*savedTable, 0, len(tables))
	for _, st := range tables {
		list = append(list, st)
	}
	tj, err := json.Marshal(list)
	if err != nil {
		f.Close()
		return err
	}
	w.WriteString(cacheMagic)
	putU32(w, uint32(len(tj)))
	w.Write(tj)
	budget := c.c.MaxCost()
	now := time.Now().UnixNano()
	var used int64
	c.index.Range(func(k, v any) bool {
		key, e := k.(string), v.(*entry)
		cur, ok := c.get(key)
		if !ok || cur != e || e.expires <= now {
			return true
		}
		table, _, _ := strings.Cut(key, "\x00")
		if tables[table] == nil {
			return true
		}
		cost := int64(len(key) + len(e.json) + entryOverhead)
		if used+cost > budget {
			return false
		}
		used += cost
		putU32(w, uint32(len(key)))
		w.WriteString(key)
		found := byte(0)
		if e.found {
			found = 1
		}
		w.WriteByte(found)
		putU32(w, uint32(len(e.json)))
		w.Write(e.json)
		var b [16]byte
		binary.LittleEndian.PutUint64(b[:8], uint64(e.expires))
		binary.LittleEndian.PutUint64(b[8:], uint64(e.at))
		w.Write(b[:])
		putStr16(w, string(e.seq))
		putStr16(w, e.shard)
		return true
	})
	putU32(w, 0)
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], crc.Sum32())
	if _, err := f.Write(b[:]); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func putU32(w *bufio.Writer, v uint32) {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], v)
	w.Write(b[:])
}

func putStr16(w *bufio.Writer, s string) {
	var b [2]byte
	binary.LittleEndian.PutUint16(b[:], uint16(len(s)))
	w.Write(b[:])
	w.WriteString(s)
}

// savedEntry is an entry read back.
type savedEntry struct {
	key, table string
	found      bool
	json       []byte
	expires    int64
	at         int64
	seq, shard string
}

// errCorrupt reports a cache file that does not read back.
var errCorrupt = errors.New("corrupt")

// readCacheFile reads a saved file whole, checking its CRC; limit bounds
// the entries' total size.
func readCacheFile(path string, limit int64) ([]savedTable, []savedEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	crc := crc32.New(crcTable)
	r := &crcReader{r: bufio.NewReaderSize(f, 1<<20), crc: crc}
	magic := make([]byte, len(cacheMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != cacheMagic {
		return nil, nil, errCorrupt
	}
	n, err := r.u32()
	if err != nil || n > maxTablesJSON {
		return nil, nil, errCorrupt
	}
	tj := make([]byte, n)
	if _, err := io.ReadFull(r, tj); err != nil {
		return nil, nil, errCorrupt
	}
	var tables []savedTable
	if err := json.Unmarshal(tj, &tables); err != nil {
		return nil, nil, errCorrupt
	}
	var entries []savedEntry
	var used int64
	for {
		kl, err := r.u32()
		if err != nil {
			return nil, nil, errCorrupt
		}
		if kl == 0 {
			break
		}
		if int64(kl) > limit-used {
			return nil, nil, errCorrupt
		}
		key := make([]byte, kl)
		if _, err := io.ReadFull(r, key); err != nil {
			return nil, nil, errCorrupt
		}
		found, err := r.byte()
		if err != nil {
			return nil, nil, errCorrupt
		}
		jl, err := r.u32()
		if err != nil || int64(jl) > limit-used-int64(kl) {
			return nil, nil, errCorrupt
		}
		js := make([]byte, jl)
		if _, err := io.ReadFull(r, js); err != nil {
			return nil, nil, errCorrupt
		}
		var b [16]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, nil, errCorrupt
		}
		seq, err1 := r.str16()
		shardID, err2 := r.str16()
		if err1 != nil || err2 != nil || (seq != "" && !validSeq(seq)) {
			return nil, nil, errCorrupt
		}
		used += int64(kl) + int64(jl) + entryOverhead
		table, _, ok := strings.Cut(string(key), "\x00")
		if !ok {
			return nil, nil, errCorrupt
		}
		entries = append(entries, savedEntry{key: string(key), table: table, found: found == 1, json: js,
			expires: int64(binary.LittleEndian.Uint64(b[:8])), at: int64(binary.LittleEndian.Uint64(b[8:])), seq: seq, shard: shardID})
	}
	want := crc.Sum32()
	var b [4]byte
	if _, err := io.ReadFull(r.r, b[:]); err != nil || binary.LittleEndian.Uint32(b[:]) != want {
		return nil, nil, errCorrupt
	}
	return tables, entries, nil
}

// crcReader reads through a CRC.
type crcReader struct {
	r   *bufio.Reader
	crc hash.Hash32
}

func (c *crcReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.crc.Write(p[:n])
	return n, err
}

func (c *crcReader) u32() (uint32, error) {
	var b [4]byte
	if _, err := io.ReadFull(c, b[:]); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b[:]), nil
}

func (c *crcReader) byte() (byte, error) {
	var b [1]byte
	if _, err := io.ReadFull(c, b[:]); err != nil {
		return 0, err
	}
	return b[0], nil
}

func (c *crcReader) str16() (string, error) {
	var b [2]byte
	if _, err := io.ReadFull(c, b[:]); err != nil {
		return "", err
	}
	s := make([]byte, binary.LittleEndian.Uint16(b[:]))
	if _, err := io.ReadFull(c, s); err != nil {
		return "", err
	}
	return string(s), nil
}

// load reads the saved file back (see above) and replays the streams.
func (a *Accelerator) load(path string) error {
	budget := a.cache.c.MaxCost()
	tables, entries, err := readCacheFile(path, budget)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	byTable := map[string][]savedEntry{}
	for _, e := range entries {
		byTable[e.table] = append(byTable[e.table], e)
	}
	var replaying []string
	loaded := 0
	for _, st := range tables {
		ts := a.schemas.describe(st.Table)
		keep := ts.ok && ts.key == st.Key
		switch {
		case !keep:
		case st.Positions.Stream == "":
			// Coherent by TTL when saved: only if it still has no stream
			// followed here.
			keep = ts.stream == "" || !a.co.on
		default:
			keep = a.co.on && ts.stream == st.Positions.Stream
		}
		if !keep {
			a.opts.Logger.Info(fmt.Sprintf("accelerator: table %s changed while this node was down: its saved entries are dropped", st.Table))
		}
		if keep {
			loaded += a.loadEntries(byTable[st.Table])
		}
		if keep && st.Positions.Stream != "" {
			a.co.mu.Lock()
			pos := st.Positions
			a.co.mu.resume[st.Table] = &pos
			a.co.mu.Unlock()
			replaying = append(replaying, st.Table)
		}
		if ts.ok {
			a.schemas.learn(st.Table, ts)
		}
	}
	a.opts.Logger.Info(fmt.Sprintf("accelerator: loaded %d cached entries from %s", loaded, path))
	if len(replaying) == 0 {
		return nil
	}
	// Replay: wait until each resumed tail has reached its stream's tip.
	deadline := time.Now().Add(a.opts.ReplayTimeout)
	for _, table := range replaying {
		for {
			t := a.co.tail(table)
			if t == nil || t.ended() || t.caughtUp.Load() {
				break
			}
			if time.Now().After(deadline) {
				a.cache.invalidateAll()
				return fmt.Errorf("the stream of %s was not replayed within %s: the saved entries are dropped", table, a.opts.ReplayTimeout)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	a.opts.Logger.Info(fmt.Sprintf("accelerator: replayed the streams of %d tables", len(replaying)))
	return nil
}

// loadEntries installs saved entries that have not expired, valid under
// the current generations, and returns how many.
func (a *Accelerator) loadEntries(entries []savedEntry) int {
	c := a.cache
	now := time.Now().UnixNano()
	n := 0
	for _, se := range entries {
		if se.expires <= now {
			continue
		}
		var item attr.Item
		if se.found {
			doc, ok := parseItemJSON(se.json)
			if !ok {
				continue
			}
			item = doc
		}
		t := c.snapshot(se.key)
		e := newEntry(t, t.gen, item, se.json)
		e.seq, e.shard, e.at = seqNum(se.seq), se.shard, se.at
		for range 3 {
			if c.setUntil(se.key, e, se.expires) {
				n++
				break
			}
			c.wait() // ristretto's buffer was full
		}
	}
	c.wait()
	return n
}
