// Package btree is tidwall/btree v1.7.0's generic B-tree (BTreeG, MIT
// licensed, see LICENSE), vendored for the shard trees so that nodes fill
// up. Its API and behaviour are tidwall/btree's, except how a full node
// splits and how big a node's array is:
//
//   - tidwall/btree splits a full node in the middle, so keys inserted in
//     order (Load, or the items of a DynamoDB partition written in sort
//     key order, anywhere in the tree) leave every node half full; here a
//     node split for an insert that continues a run of inserts in key
//     order keeps the items before the insert (splitAt), and such keys
//     leave nodes about 98% full;
//   - tidwall/btree's split let the right node share the left's array and
//     grew arrays by append (doubling), so a node of 33 items could hold
//     an array of 64; here a split gives each node an array of about its
//     size and arrays grow by half (grow, grownCap).
//
// It adds AscendLess, DescendLess and GetLess: a search whose pivot the
// tree's own comparison cannot read (the table trees hold cell numbers,
// not keys), compared by a function given for the call.
//
// A node may so hold fewer than the minimum items of a B-tree (a run that
// stops right after a split leaves a small right node); deletes rebalance
// as before, and every node but a root holds at least one item.
//
// For 1M items of 100 bytes it saves about 5.5 bytes of live heap per item
// with random keys (RESP strings) and 17.5 with partitions of 100 items
// written in order (wal.BenchmarkLiveBytesPerItem; node fill in
// TestFillInOrder and TestFillRandom).
package btree
