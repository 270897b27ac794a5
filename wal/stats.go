package wal

import (
	"sync/atomic"
	"time"

	"github.com/dynacache/dynacache/metrics"
)

// Stats are the log's figures, for metrics (server/ exports them).
type Stats struct {
	Records atomic.Uint64 // records appended
	Bytes   atomic.Uint64 // bytes appended
	// GroupRecords is the number of records per commit (group commit).
	GroupRecords *metrics.Histogram
	// Fsync is the latency of the log's fsyncs, in seconds.
	Fsync *metrics.Histogram
	// Snapshot is the duration of snapshots, in seconds.
	Snapshot          *metrics.Histogram
	SnapshotBytes     atomic.Int64 // size of the newest snapshot
	SnapshotItems     atomic.Int64 // items in the newest snapshot
	RecoverySeconds   float64      // set once, by Open
	RecoveredRecords  int64        // log records replayed by Open
	RecoveredSnapshot bool         // Open started from a snapshot
}

// groupBounds are the buckets of GroupRecords.
var groupBounds = []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}

func newStats() *Stats {
	return &Stats{
		GroupRecords: metrics.NewHistogram(groupBounds),
		Fsync:        metrics.NewLatency(),
		Snapshot:     metrics.NewLatency(),
	}
}

// Stats returns the log's figures; they are live.
func (l *Log) Stats() *Stats { return l.stats }

// timedFsync runs an fsync and records its latency.
func (l *Log) timedFsync(fsync func() error) error {
	t := time.Now()
	err := fsync()
	l.stats.Fsync.Since(t)
	return err
}
