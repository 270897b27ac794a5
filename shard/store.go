// Package shard is dynacache's item store: tables whose items are spread
// over lock-striped shards by the xxhash of their partition key. Every
// mutation goes through Table.Mutate, the one apply path the write-ahead log
// hooks into.
//
// The store knows DynamoDB's data model (package attr) and nothing of any
// wire format: the protocol layers decode requests, call the store and
// encode replies.
package shard

import (
	"errors"
	"sort"
	"sync"
	"sync/atomic"
)

// Sentinel errors of the store.
var (
	ErrTableExists   = errors.New("shard: table already exists")
	ErrTableNotFound = errors.New("shard: table not found")
)

// Log is the seam between the store and the write-ahead log. The store calls
// it with the affected shard's lock held, so that log order equals apply
// order; the returned wait (nil when there is nothing to wait for) blocks
// until the record is durable under the log's fsync policy.
//
// An item write is applied to memory as soon as LogItem has accepted its
// record, before the record is written: that is what lets writers share
// one write and one fsync (group commit). When the log then fails to
// write a record, it must revert, newest first, the undo of that record
// and of every record logged after it, and only then release their waits
// with the error: so a write the log refused is never left in memory, and
// its writer learns of the refusal only once memory is as it was.
type Log interface {
	// LogItem records the new image enc, of DynamoDB size size, of the item
	// under key in table (enc nil: the item was deleted). Records are made
	// durable in the order they were logged: once a record's wait has
	// returned nil, so would the wait of every record logged before it.
	// undo reverts the write in memory should the record be refused.
	LogItem(table string, key Key, enc []byte, size int, undo Undo) (wait func() error, err error)
	// LogBatch records the new images of several items as one record,
	// recovered all or nothing, with their undos.
	LogBatch(items []BatchItem) (wait func() error, err error)
	// LogTable records a table's creation or new definition, or, when
	// deleted, its removal. The store waits for it before applying it.
	LogTable(table string, schema KeySchema, indexes []IndexSchema, meta []byte, deleted bool) (wait func() error, err error)
}

// BatchItem is one item of a LogBatch: as LogItem's arguments.
type BatchItem struct {
	Table string
	Key   Key
	Enc   []byte // nil: deleted
	Size  int
	Undo  Undo
}

// Store holds every table.
type Store struct {
	log Log // nil: in memory only
	// sink receives the changes of tables with a stream (changes.go);
	// mem numbers them when there is no log.
	sink ChangeSink
	mem  memChanges
	tap  atomic.Pointer[func() bool] // SetTap

	budget Budget // --maxmemory (budget.go)

	mu struct {
		sync.RWMutex
		tables map[string]*Table
	}

	// recovery, while the store recovers, holds the index definitions
	// deferred to EndRecovery (load.go); under mu.
	recovery *recoveryState

	// bf is closed and replaced whenever a backfill ends (WaitIndexes).
	bf struct {
		sync.Mutex
		ch chan struct{}
	}
}

func (s *Store) backfilled() <-chan struct{} {
	s.bf.Lock()
	defer s.bf.Unlock()
	if s.bf.ch == nil {
		s.bf.ch = make(chan struct{})
	}
	return s.bf.ch
}

func (s *Store) notifyBackfilled() {
	s.bf.Lock()
	if s.bf.ch != nil {
		close(s.bf.ch)
		s.bf.ch = nil
	}
	s.bf.Unlock()
}

// startBackfills fills new indexes of t in the background.
func (s *Store) startBackfills(t *Table, fresh []*index) {
	for _, ix := range fresh {
		go func() {
			t.backfill(ix)
			s.notifyBackfilled()
		}()
	}
}

// New returns an empty store writing to log (nil for none).
func New(log Log) *Store {
	s := &Store{log: log}
	s.mu.tables = make(map[string]*Table)
	s.budget.store = s
	return s
}

func (s *Store) logItem(t *Table, k Key, old, cur tableItem, service bool) (func() error, error) {
	if s.log == nil {
		return nil, nil
	}
	e := cur.entry()
	return s.log.LogItem(t.name, k, e.enc, e.Size(), Undo{t: t, old: old, cur: cur, service: service})
}

// SetLog attaches the log every later mutation is written to. Recovery
// fills a store with no log, then attaches it.
func (s *Store) SetLog(l Log) {
	s.mu.Lock()
	s.log = l
	s.mu.Unlock()
}

// Tables returns every table, in name order.
func (s *Store) Tables() []*Table {
	s.mu.RLock()
	out := make([]*Table, 0, len(s.mu.tables))
	for _, t := range s.mu.tables {
		out = append(out, t)
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// RecoverTable creates a table, or redefines an existing one keeping its
// items, without logging. It is for replaying the log, and for the
// protocol layer to complete index definitions the log does not carry
// (projections). Indexes it adds are filled from the items before it
// returns; indexes it no longer names are dropped. While the store
// recovers, the indexes wait for EndRecovery instead (load.go).
func (s *Store) RecoverTable(name string, schema KeySchema, indexes []IndexSchema, meta []byte) *Table {
	s.mu.Lock()
	t, ok := s.mu.tables[name]
	if !ok || t.schema != schema {
		t = newTable(s, name, schema)
		s.mu.tables[name] = t
	}
	t.meta.Store(&meta)
	if s.deferIndexesLocked(t, indexes) {
		s.mu.Unlock()
		return t
	}
	fresh := t.installIndexes(indexes)
	s.mu.Unlock()
	for _, ix := range fresh {
		t.backfill(ix)
	}
	return t
}

// RecoverDropTable removes a table without logging.
func (s *Store) RecoverDropTable(name string) {
	s.mu.Lock()
	delete(s.mu.tables, name)
	s.mu.Unlock()
}

// CreateTable adds an empty table.
func (s *Store) CreateTable(name string, schema KeySchema, indexes []IndexSchema, meta []byte) (*Table, error) {
	s.mu.Lock()
	if _, ok := s.mu.tables[name]; ok {
		s.mu.Unlock()
		return nil, ErrTableExists
	}
	if err := s.logTableLocked(name, schema, indexes, meta, false); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	t := newTable(s, name, schema)
	t.meta.Store(&meta)
	for _, ix := range t.installIndexes(indexes) {
		ix.ready.Store(true) // the table is empty
	}
	s.mu.tables[name] = t
	s.mu.Unlock()
	return t, nil
}

// logTableLocked logs a table's definition (or its drop) and waits until
// the log has it: table changes are rare, so they are applied only once
// logged rather than undone when the log refuses them. Lookups of every
// table wait meanwhile, for one log write.
// REQUIRES: s.mu held for writing.
func (s *Store) logTableLocked(name string, schema KeySchema, indexes []IndexSchema, meta []byte, deleted bool) error {
	if s.log == nil {
		return nil
	}
	wait, err := s.log.LogTable(name, schema, indexes, meta, deleted)
	if err == nil && wait != nil {
		err = wait()
	}
	return err
}

// UpdateTable replaces a table's indexes and description. An index it
// adds is backfilled from the table's items in the background
// (IndexStats.Backfilling until done); one it no longer names is dropped.
func (s *Store) UpdateTable(t *Table, indexes []IndexSchema, meta []byte) error {
	s.mu.Lock()
	if err := s.logTableLocked(t.name, t.schema, indexes, meta, false); err != nil {
		s.mu.Unlock()
		return err
	}
	t.meta.Store(&meta)
	fresh := t.installIndexes(indexes)
	s.mu.Unlock()
	s.startBackfills(t, fresh)
	return nil
}

// Table returns the named table.
func (s *Store) Table(name string) (*Table, bool) {
	s.mu.RLock()
	t, ok := s.mu.tables[name]
	s.mu.RUnlock()
	return t, ok
}

// DeleteTable removes the named table and returns it. Every shard of the
// table is locked while the drop is appended to the log, so that no write
// to the table can be logged after its drop record; the table is removed
// once the log has the record, and left as it was if the log refuses it.
func (s *Store) DeleteTable(name string) (*Table, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.mu.tables[name]
	if !ok {
		return nil, ErrTableNotFound
	}
	for i := range t.shards {
		t.shards[i].mu.Lock()
	}
	var wait func() error
	var err error
	if s.log != nil {
		wait, err = s.log.LogTable(name, t.schema, nil, nil, true)
	}
	if err == nil {
		t.setDropped(true)
	}
	for i := range t.shards {
		t.shards[i].mu.Unlock()
	}
	if err == nil && wait != nil {
		if err = wait(); err != nil {
			// Refused: the writes fenced off meanwhile were answered
			// ErrTableNotFound; the table is back as it was.
			for i := range t.shards {
				t.shards[i].mu.Lock()
			}
			t.setDropped(false)
			for i := range t.shards {
				t.shards[i].mu.Unlock()
			}
		}
	}
	if err != nil {
		return nil, err
	}
	delete(s.mu.tables, name)
	return t, nil
}

// TableNames returns the names of all tables in byte order.
func (s *Store) TableNames() []string {
	s.mu.RLock()
	names := make([]string, 0, len(s.mu.tables))
	for n := range s.mu.tables {
		names = append(names, n)
	}
	s.mu.RUnlock()
	sort.Strings(names)
	return names
}
