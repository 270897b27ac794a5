// Package pitr keeps the point-in-time histories of the tables that have
// point-in-time recovery enabled (DynamoDB's continuous backups), and
// rebuilds a table as it was at any millisecond of its recovery window.
//
// # What a history is
//
// A history is a list of bases and a log:
//
//   - a base is the table's items at one instant B (shard.Table.Freeze,
//     the on-demand backups' consistent copy), with From: the first log
//     entry that may hold a write the base lacks;
//   - the log holds, in commit order, one entry per committed write
//     record that touched the table: the record's position in the
//     write-ahead log, its time (Unix ms, non-decreasing in log order),
//     and the new image (or a tombstone) of each item it wrote.
//
// The table at time T (B <= T) is the newest base with B <= T, then the
// log from its From, in order, up to the last entry whose time is <= T.
// Items are images, so replaying an entry whose write the base already
// holds changes nothing; every write in the base has a time <= B <= T;
// every write not in it is in the log at or after From. So the result
// holds every write logged at or before T and none after: every write
// acknowledged before T, none begun after it (Keeper.Image). The items
// written in a span [from, to), with their images before and after it,
// are two images and the entries of the span (Keeper.Delta: incremental
// exports).
//
// # Where the writes come from
//
// A table with a history has its capture on (shard.Table.SetPITR): each
// of its writes that changes an item yields a shard.Change, which the
// write-ahead log carries inside the write's own record (recChange, with
// the write's time) and hands over, once the record's group is written and
// before any of its writers is acknowledged, to its ChangeSink: the
// streams' hub and this Keeper, joined by Tee. Recovery hands over the
// changes of every record it replays again; the Keeper keeps only those
// after the last position it holds, and, when recovery ends, drops those
// at or after the log's next position (records the crash took from the
// log). So a history holds exactly the durable writes, after a crash as
// after a clean stop, in the order they were committed.
//
// A history gathers its entries in memory and appends them to its log
// 128 KiB at a time, and before anything reads the log: until the
// write-ahead log drops a record from its front, which it does only after
// Sync has appended and fsynced every entry gathered, a crash loses no
// entry that recovery cannot hand over again.
//
// Why a log of its own and not pinned write-ahead log segments: the
// write-ahead log holds every table's writes and is cut after each
// snapshot; keeping 35 days of it would keep every table's history, would
// tie its truncation (another subsystem's) to the longest recovery
// period, and would have to be scanned whole for one table's restore. A
// history costs only the tables that enable it, is trimmed per table to
// its own period, and is read alone.
//
// # Directory
//
//	DIR/pitr/<table>/<id>/meta.json          table, id, start position, period
//	DIR/pitr/<table>/<id>/log/               the log (wal.Records, 1 MiB segments)
//	DIR/pitr/<table>/<id>/base-<B>-<From>.dcb a base: package backup's file format;
//	                                         B in Unix ms (13 digits), From 20 digits
//
// <id> is the time recovery was enabled (Unix ms): disabling it, or
// deleting the table, removes the history; enabling it again starts a new
// one. A base is written to a .tmp name, fsynced and renamed; it counts
// only once the write-ahead log is durable past its instant (a base must
// not hold a write the log could still lose).
//
// # Log entries
//
//	pos:uvarint time:uvarint count:uvarint (flags:byte key:str [item:str])*
//
// str is a uvarint length and the bytes; flags 1: a put (item follows),
// 0: a delete. key is the shard.Key, item the attr encoding.
//
// # Retention
//
// Every minute the Keeper takes a new base of a table whose log has grown
// since its newest base by more than that base's size (at least
// BaseLogBytes), or that has had writes and a base older than
// BaseInterval; then it drops the bases older than the newest one at or
// before now minus the recovery period, and the log entries before the
// oldest base left. The earliest restorable time is the later of the
// oldest base's instant and now minus the period. When MaxBytes is set and
// the histories use more, the oldest bases of all tables go first (the
// earliest restorable times move forward, and a warning is logged); the
// newest base of each table and the log after it are always kept, and
// when that alone is over the bound a new base is taken so that the log
// before it can go.
package pitr
