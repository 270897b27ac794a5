package pitr

import (
	"fmt"
	"sync"

	"github.com/dynacache/dynacache/wal"
)

// entryLog is a history's log: a wal.Records on disk, a memLog in memory.
type entryLog interface {
	First() uint64
	Last() uint64
	Append(entries ...[]byte) error
	Read(i uint64) ([]byte, error)
	TruncateFront(i uint64) error
	TruncateBack(i uint64) error
	Sync() error
	Close() error
}

var _ entryLog = (*wal.Records)(nil)

// memLog is an entryLog in memory (--in-memory).
type memLog struct {
	mu      sync.Mutex
	first   uint64 // number of entries[0]
	entries [][]byte
	bytes   int64
}

func newMemLog() *memLog { return &memLog{first: 1} }

func (m *memLog) First() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.first
}

func (m *memLog) Last() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.first + uint64(len(m.entries)) - 1
}

func (m *memLog) Append(entries ...[]byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range entries {
		m.entries = append(m.entries, append([]byte(nil), e...))
		m.bytes += int64(len(e))
	}
	return nil
}

func (m *memLog) Read(i uint64) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if i < m.first || i >= m.first+uint64(len(m.entries)) {
		return nil, fmt.Errorf("pitr: entry %d not found", i)
	}
	return m.entries[i-m.first], nil
}

func (m *memLog) TruncateFront(i uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for m.first < i && len(m.entries) > 0 {
		m.bytes -= int64(len(m.entries[0]))
		m.entries[0] = nil
		m.entries = m.entries[1:]
		m.first++
	}
	if len(m.entries) == 0 && m.first < i {
		m.first = i
	}
	return nil
}

func (m *memLog) TruncateBack(i uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for len(m.entries) > 0 && m.first+uint64(len(m.entries))-1 > i {
		m.bytes -= int64(len(m.entries[len(m.entries)-1]))
		m.entries = m.entries[:len(m.entries)-1]
	}
	return nil
}

func (m *memLog) Sync() error  { return nil }
func (m *memLog) Close() error { return nil }

func (m *memLog) size() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bytes
}
