package wal

// tidwall/wal keeps in memory the whole of the segment it appends to
// (that is how it writes) and, once it moves on to a new segment, the
// whole of the previous one too, in a cache of read segments whose least
// size is one. The log never reads segments through tidwall/wal at run
// time (recovery reads the files itself, TruncateFront works beside it),
// so that cached copy, a segment (Options.SegmentBytes, 1 MiB) of records
// already on disk, only takes memory: with 8 MiB segments, 9 MiB, 9.5
// bytes per item of a 1M-item store (BenchmarkLiveBytesPerItem). The
// committer drops it every quarter segment of writes.

// segmentCacheClearer is the part of tidwall/wal that empties its cache
// of read segments (segmentFiles has it; a test's segmentLog need not).
type segmentCacheClearer interface {
	ClearCache() error
}

// dropSegmentCache counts n bytes written and, every quarter segment,
// empties tidwall/wal's cache of read segments.
// REQUIRES: l.commitMu held.
func (l *Log) dropSegmentCache(n int64) {
	l.sinceCacheClear += n
	if l.sinceCacheClear < int64(l.opts.SegmentBytes/4) {
		return
	}
	l.sinceCacheClear = 0
	if c, ok := l.files.(segmentCacheClearer); ok {
		// An error here is the log's closed or corrupt state, which the
		// next WriteBatch reports; the cache is only memory.
		_ = c.ClearCache()
	}
}
