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
type Log interface {
	// LogItem records the new image enc of the item under key in table
	// (enc nil: the item was deleted).
	LogItem(table string, key Key, enc []byte) (wait func() error, err error)
	// LogTable records a table's creation or new definition, or, when
	// deleted, its removal.
	LogTable(table string, schema KeySchema, indexes []IndexSchema, meta []byte, deleted bool) (wait func() error, err error)
}

// Store holds every table.
type Store struct {
	log Log // nil: in memory only

	mu struct {
		sync.RWMutex
		tables map[string]*Table
	}
}

// New returns an empty store writing to log (nil for none).
func New(log Log) *Store {
	s := &Store{log: log}
	s.mu.tables = make(map[string]*Table)
	return s
}

func (s *Store) logItem(t *Table, k Key, enc []byte) (func() error, error) {
	if s.log == nil {
		return nil, nil
	}
	return s.log.LogItem(t.name, k, enc)
}

// CreateTable adds an empty table.
func (s *Store) CreateTable(name string, schema KeySchema, indexes []IndexSchema, meta []byte) (*Table, error) {
	s.mu.Lock()
	if _, ok := s.mu.tables[name]; ok {
		s.mu.Unlock()
		return nil, ErrTableExists
	}
	t := &Table{name: name, schema: schema, store: s}
	t.meta.Store(&meta)
	t.indexes.Store(&indexes)
	var wait func() error
	if s.log != nil {
		var err error
		if wait, err = s.log.LogTable(name, schema, indexes, meta, false); err != nil {
			s.mu.Unlock()
			return nil, err
		}
	}
	s.mu.tables[name] = t
	s.mu.Unlock()
	if wait != nil {
		if err := wait(); err != nil {
			return t, err
		}
	}
	return t, nil
}

// UpdateTable replaces a table's indexes and description.
func (s *Store) UpdateTable(t *Table, indexes []IndexSchema, meta []byte) error {
	s.mu.Lock()
	var wait func() error
	if s.log != nil {
		var err error
		if wait, err = s.log.LogTable(t.name, t.schema, indexes, meta, false); err != nil {
			s.mu.Unlock()
			return err
		}
	}
	t.meta.Store(&meta)
	t.indexes.Store(&indexes)
	s.mu.Unlock()
	if wait != nil {
		return wait()
	}
	return nil
}

// Table returns the named table.
func (s *Store) Table(name string) (*Table, bool) {
	s.mu.RLock()
	t, ok := s.mu.tables[name]
	s.mu.RUnlock()
	return t, ok
}

// DeleteTable removes the named table and returns it.
func (s *Store) DeleteTable(name string) (*Table, error) {
	s.mu.Lock()
	t, ok := s.mu.tables[name]
	if !ok {
		s.mu.Unlock()
		return nil, ErrTableNotFound
	}
	var wait func() error
	if s.log != nil {
		var err error
		if wait, err = s.log.LogTable(name, t.schema, nil, nil, true); err != nil {
			s.mu.Unlock()
			return nil, err
		}
	}
	delete(s.mu.tables, name)
	s.mu.Unlock()
	if wait != nil {
		if err := wait(); err != nil {
			return t, err
		}
	}
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
