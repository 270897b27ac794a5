// Package wal will hold dynacache's segmented write-ahead log on
// github.com/tidwall/wal: record framing with CRC-32C, group commit, fsync
// policies, snapshots and crash recovery. The store's seam for it is
// shard.Log. It is not built yet; until it is, dynacache keeps data in
// memory only.
package wal
