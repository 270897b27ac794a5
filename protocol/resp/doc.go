// Package resp serves the Redis protocol (RESP2) on dynacache's store: the
// connection commands redis-cli, redis-benchmark and the client libraries
// need, Redis strings, hashes and key expiry on one table of the store, and
// every DynamoDB operation through the DYNAMODB command.
//
// # Connections
//
// On Linux, connections are served by event loops (loop_linux.go; one by
// default, Options.EventLoops): epoll returns every connection with input,
// each gets one read and runs every complete request read so far (a
// pipeline is one batch), and once all have run, each connection's replies
// are written with one write. Elsewhere, or with EventLoops < 0, each
// connection is one goroutine doing the same for itself. Requests are read
// with a bounded RESP reader (reader.go) and replies encoded with redcon's
// RESP writers.
//
// Replies leave only once every write of the batch is durable (conn.serve,
// conn.settle): writes are logged and applied one by one, in order, and wait
// for the log together, so a pipeline (and, under an event loop, one loop
// turn of every connection) costs one log write. Shutdown stops accepting,
// lets each connection finish the batch it is running and flush its
// replies, then closes it.
//
// # The RESP table
//
// Redis keys live in one table of the store (--resp-table, default "redis"),
// created on first write with the key schema pk (S, HASH) and on-demand
// billing, so the DynamoDB API sees it like any other table. An item is:
//
//	pk   S        the Redis key (escaped, see below)
//	val  S|B|N    present: the key holds a Redis string, this is its value
//	exp  N        optional: expiry time, Unix epoch milliseconds
//	...           absent val: the key holds a Redis hash; every other
//	              attribute is one field (name escaped, value S|B|N)
//
// A string is an item with a val attribute; a hash is an item without one
// (Redis has no empty hashes: the last HDEL removes the item). Values are
// stored as S when they are valid UTF-8, as B otherwise; INCR-family results
// are stored as N, so counters are numbers to the DynamoDB API as well.
// Values of other types written through the DynamoDB API (BOOL, NULL, L, M,
// sets) read back as their plain JSON text.
//
// Names and keys are escaped so that every Redis key and field name works:
// a name that is valid UTF-8, non-empty, does not begin with a backslash and
// (for fields) is not pk, val or exp is stored as it is. Otherwise it is
// stored as `\s` followed by the name when it is valid UTF-8 (`\sval`, `\s`
// for the empty name), or as `\b` followed by the standard base64 of its
// bytes when it is not. The same rule gives the pk of a key.
//
// # Expiry
//
// An item whose exp is in the past does not exist for any RESP command: reads
// do not return it and writes treat it as absent. Expired items are removed
// by a Redis-like sweeper (expire.go) that samples the keys known to carry an
// exp and deletes the expired ones through Table.Mutate, so removals are
// logged like any write. The index of keys carrying an exp is changed by
// every RESP write under the item's shard lock, so it holds exactly the
// items that carry one (INFO's expires=); changes made through the DynamoDB
// API reach it at the next scan of the table (at start, after the log's
// replay, and every RescanInterval).
//
// # Hostile input
//
// Lengths are checked before bytes are buffered: a bulk string longer than
// proto-max-bulk-len (Options.ProtoMaxBulkLen, 1 MiB by default) or a
// request of more arguments is a protocol error that closes the
// connection, as are Redis's lower limits before AUTH; a request bigger
// than client-query-buffer-limit (64 MiB, or twice proto-max-bulk-len)
// closes it without a reply. A request whose
// first word is POST or Host: is an HTTP request a web page made a browser
// send (cross protocol scripting): the connection is closed before anything
// after it runs, as Redis does (security.go).
//
// # Pub/sub
//
// SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their UNSUBSCRIBEs, PUBLISH,
// SPUBLISH and PUBSUB are Redis 7.0's over RESP2 (pubsub.go,
// pubsub_cmd.go). A publisher appends each message to its subscribers'
// outboxes and wakes their event loops; it never writes to a socket or
// waits for a subscriber, and a subscriber whose pending output passes
// Options.PubSubLimit (Redis's client-output-buffer-limit pubsub) is
// closed. Server.Publish is the same delivery for Go code (the DynamoDB
// tables' dynamodb:<table> channels). Keyspace notifications
// (notify-keyspace-events, notify.go) publish Redis's events for every
// RESP write, after it is applied.
//
// # Atomicity
//
// Every single-key command checks and writes inside one Table.Mutate decide
// callback (one shard lock). Multi-key commands (MSET, MSETNX, RENAME,
// RENAMENX, DEL of several keys) and EXEC are one shard.Store.MutateAll
// each: decided under the shard locks of all their keys, applied as one log
// record (txn.go: writeKeys, execQueue), so no reader of either port sees
// them half done and a crash recovers all of one or none of it. They also
// take the RESP layer's key stripe locks (keylock.go), which order them
// with the other RESP commands.
package resp
