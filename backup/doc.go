// Package backup keeps dynacache's on-demand backups (DynamoDB's
// CreateBackup): each a copy of one table's items at one instant
// (shard.Frozen), with the table's description, written to a file in the
// data directory in the background and listed again at start. With no
// directory (--in-memory) the copies stay in memory.
//
// # Directory
//
//	DIR/backups/<id>.dcb       one backup; <id> is the backup ARN's last
//	                           part: <ms since epoch, 14 digits>-<8 hex>
//	DIR/backups/<id>.dcb.tmp   a backup being written (removed at start)
//
// A backup file is written to its .tmp name, fsynced, renamed into place
// and the directory fsynced: a file under its final name is complete.
//
// # File format
//
//	magic "DCBACKUP" | frame* | end frame
//
//	frame = uvarint(len) | crc32c:4 | type:1 | body      len counts crc32c, type, body
//
// crc32c is CRC-32C (Castagnoli), little endian, over type and body. The
// first frame is the header, then one frame per item in the table's order,
// then the end frame:
//
//	typeHeader  JSON of Header (ARN, name, table, creation time, item count
//	            and size, and Info: the table's description, opaque here)
//	typeItem    key:str size:uvarint item:str   (str = uvarint length + bytes;
//	            key is the shard.Key, item the attr encoding, size its
//	            DynamoDB size)
//	typeEnd     count:u64le                      the number of item frames
//
// The end frame has a fixed size (14 bytes), so a listing at start checks
// a file's header and end without reading its items; a restore verifies
// every frame's checksum before it creates the table.
package backup
