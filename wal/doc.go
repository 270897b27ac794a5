// Package wal is dynacache's durability: a segmented write-ahead log on
// github.com/tidwall/wal with group commit and fsync policies, fuzzy
// snapshots, and crash recovery.
//
// # Directory
//
//	DIR/LOCK                     flock'd by the running process
//	DIR/wal/00000000000000000001 log segments (tidwall/wal), named by the
//	                             sequence number of their first record
//	DIR/wal/<segment>.broken.N   bytes cut from a torn tail, kept for forensics
//	DIR/snap-<seq:020d>.dcs      snapshots; <seq> is the first log sequence
//	                             number to replay over it
//
// # Log entries
//
// tidwall/wal frames each entry as uvarint(len) + payload and checks
// nothing. Every payload is one of our records:
//
//	+----------+---------+------+------------------+
//	| crc32c:4 | version | type | body ...         |
//	+----------+---------+------+------------------+
//
// crc32c is CRC-32C (Castagnoli), little endian, over version, type and
// body. version is 1. The entry's tidwall index is the record's sequence
// number; sequence numbers are contiguous from 1.
//
// Bodies (str = uvarint length + bytes):
//
//	recPut         table:str key:str size:uvarint item:str   item = attr encoding
//	recDelete      table:str key:str
//	recTable       table:str schema indexes meta:str         create or redefine
//	recDropTable   table:str
//	recBatch       count:uvarint (type:byte body)*           applied all or nothing
//	recChange      stream:uvarint time:uvarint flags:byte [old:str] type:byte body
//	               a recPut or recDelete (type, body) of a table with a stream,
//	               with what its stream record needs: the stream id, the time
//	               (Unix ms), flags (1 service delete, 2 the item existed, 4 the
//	               old image follows) and the old image; also inside a recBatch
//
// A recChange makes a stream change exactly as durable as its write, and
// lets recovery hand the changes of the records it replays to the streams'
// store (package stream), which keeps only the ones it does not hold yet:
// so a crash between the log and the streams' own files loses no change.
// The log drops records from its front only after the streams' store has
// made their changes durable (ChangeSink.Sync).
//
//	schema   = hashName:str hashType:byte rangeName:str rangeType:byte
//	indexes  = count:uvarint (name:str local:byte schema projection)*
//	projection = type:byte (0 ALL, 1 KEYS_ONLY, 2 INCLUDE) count:uvarint nonKeyAttribute:str*
//
// Records are physical: a put carries the item's whole new image, so replay
// is deterministic and idempotent, and a record may be replayed over a
// state that already holds it.
//
// # Snapshots
//
//	magic "DCSNAP01" | startSeq:u64le | records... | trailer
//
// Each snapshot record is framed like a log entry (uvarint(len) + crc32c +
// version + type + body) and is a recTable or recPut. The trailer is a
// frame of type recEnd whose body is the record count (uvarint); a snapshot
// without a valid trailer is incomplete and refused.
//
// A snapshot is fuzzy: it notes startSeq (every record before it is applied
// in memory), then dumps the tables shard by shard while writers go on. It
// may therefore hold some effects of records at or after startSeq; replaying
// the log from startSeq over it converges to the exact state because records
// are images. It is written to a temporary file, fsynced, renamed into place
// and the directory fsynced; only then is the log truncated before startSeq
// and older snapshots removed. No write waits for any of it: the log's
// fsync is SyncTail (segments.go) and the truncation works on the files
// beside tidwall/wal, not under its lock (dropfront.go).
//
// # Recovery
//
// Open loads the newest snapshot, then replays the log from its startSeq
// (segments wholly before it are not read). The segments are mapped (but
// the last, read) and checked on every core, a window at a time; the item
// records between two table records are decoded on every core, reduced to
// the last image of each key and bulk-loaded shard by shard (replay.go).
// A snapshot is mapped too, its frames found and its items decoded and
// copied on every core (snapshot.go, snapframes.go). The collector is off
// while recovery runs (quietGC: it allocates little it does not keep). A
// torn tail of the last segment (an incomplete entry, a zeroed region, or a
// last entry whose checksum fails: a crash mid-write) is cut off, the cut
// bytes are kept in a .broken file and the repair is logged. Any other
// corruption (a checksum failure followed by valid entries, a gap between
// segments, a snapshot that does not verify) stops the start with an error
// naming the file and offset.
//
// # Group commit and fsync policies
//
// Writers append records under their shard lock (so log order equals apply
// order for one key) into the pending group and wait outside the lock. One
// committer goroutine takes the whole pending group, writes it with one
// WriteBatch and, under FsyncAlways, one fsync, then releases every waiter
// of the group. Under FsyncAlways a write is acknowledged only after the
// fsync covering it; under FsyncEverySec and FsyncNo after it has been
// written to the operating system (so it survives the process being killed),
// with an fsync at least once a second (everysec) or when the OS decides
// (no). A failed write or fsync is never ignored: the log fails, every
// waiter and every later write gets the error, and the server refuses
// writes rather than acknowledge what it cannot keep.
//
// Writes are applied in memory once appended to the pending group, before
// the group is written: so a refused group must not stay visible. The log
// keeps, beside each pending item record, its shard.Undo; when a group is
// refused, the log fails (no record can be appended after that moment),
// reverts the group and every record pending after it, newest first, and
// only then releases their writers with the error. Table records are
// waited for before they are applied (shard.Store), so they need no undo.
package wal
