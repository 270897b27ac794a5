package shard

import (
	"encoding/binary"
	"unsafe"

	"github.com/cespare/xxhash/v2"
	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/shard/btree"
)

// The order of items.
//
// (Within one hash, items are compared first on the leading 8 bytes of their
// sort key, then on the whole Key; see lessTableItem.)
//
// Every table and every secondary index is one ordered space, split into
// numShards lock-striped shards. An item's place in its table is
//
//	(h, Key)       h = xxhash64(encoded partition key), Key = uvarint(len(p)) p s
//
// and an index entry's place in its index is
//
//	(h, IndexKey, bh, Key)   h = xxhash64(encoded index partition key),
//	                         IndexKey = uvarint(len(ip)) ip is, bh = the item's h,
//	                         Key = the item's primary key
//
// (entries with one index key follow their items' order in the table;
// see indexEntry)
// compared field by field, h as an unsigned integer and the keys as unsigned
// bytes. A shard holds one contiguous range of h: shard i holds the h whose
// top six bits are i. Iterating the shards in order therefore visits every
// item in the global order, so
//
//   - a partition (all items with one partition key) is one contiguous run of
//     one shard, sorted by sort key (AppendKeyValue is order-preserving, and
//     uvarint(len(p)) p is prefix-free, so no other partition interleaves);
//   - a Query is one seek and a walk: O(log n + items returned);
//   - a Scan page resumes from its ExclusiveStartKey with one seek;
//   - a parallel Scan segment is a contiguous range of h.

// numShards is the number of lock stripes per table or index (a power of
// two); shardBits is its log2.
const (
	numShards = 64
	shardBits = 6
)

// btreeDegree sets the fan-out of the shard trees: nodes of up to 2*degree-1
// items. Items are small fixed-size structs stored inline in the nodes.
// The trees are shard/btree's: tidwall/btree's, with nodes that stay full
// when keys arrive in order (a partition written in sort key order, a
// bulk load).
const btreeDegree = 32

func hashPartition(p []byte) uint64 { return xxhash.Sum64(p) }

func shardOf(h uint64) int { return int(h >> (64 - shardBits)) }

// str returns b as a string without copying; b must not change afterwards.
func str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// bytesOf returns s as a byte slice without copying; it must not be
// modified.
func bytesOf(s string) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// tableItem is one item image: p points at its n bytes, its encoding and
// its DynamoDB size as a 4-byte little-endian trailer, and its Key, either
// in front of the encoding or inside it (klen, see keyInside), bytes that
// never change once written (in a slab of the shard's arena, or, for an
// image not yet applied, in an allocation of its own); Entries hand out
// slices of it. A pivot (a search key) points at its key alone (n == klen,
// no trailer). p == nil is no item. s8 is the first 8 bytes of the key's
// sort part, zero-padded (sortPrefix): items of one partition share h, and
// s8 lets most comparisons between them end without reading p.
//
// A tableItem is a value read under the shard lock (getLocked, treeItem's
// itemIn): the shard keeps the item's image in its arena (arena.go), and
// the tableItem points at it there; the image never changes.
type tableItem struct {
	h    uint64
	s8   uint64
	p    *byte
	n    uint32
	klen uint32 // the Key's length, keyInside set when it is inside the encoding
}

// treeItem is one element of a table shard's tree: the key's cell in the
// shard's arena (24 bytes: the tree holds them inline, so every byte here
// costs about 1.1 bytes per item for keys written in order and 1.2 for
// random keys, see shard/btree). It holds no pointer, so the collector
// does not scan the tree's nodes (arena.go).
//
// A search key (a pivot) has id 0 and its key beside it: the search
// compares with pivotLess, which knows the key. A pivot searched with the
// tree's own comparison (treeLess) has the empty key: a position in the
// hash space.
type treeItem struct {
	h  uint64
	s8 uint64
	id uint32
}

// keyIn returns t's Key, read from its cell in a ("" for a pivot).
// REQUIRES: the shard's lock held (a is the shard's arena), or a is a
// frozen copy.
func (t treeItem) keyIn(a *arena) string {
	if t.id == 0 {
		return ""
	}
	return a.key(t.id)
}

// itemIn returns the current image of the element's key.
// REQUIRES: as keyIn.
func (t treeItem) itemIn(a *arena) tableItem {
	if t.id == 0 {
		return tableItem{h: t.h, s8: t.s8}
	}
	c := a.cell(t.id)
	return tableItem{h: t.h, s8: t.s8, p: a.ptr(c), n: c.n, klen: c.klen}
}

// treePivot returns a tree search key for the key of it (a pivot or a
// stored item), to search with pivotLess(a, it.key()).
func (it tableItem) treePivot() treeItem {
	return treeItem{h: it.h, s8: it.s8}
}

// treeLess orders the elements of a tree whose cells are in a as
// lessTableItem orders items. Its body is lessTreeItem's with no pivot
// key, written out: the tree calls it on every insert, and a closure that
// calls lessTreeItem made inserts measurably slower.
func treeLess(a *arena) func(x, y treeItem) bool {
	return func(x, y treeItem) bool {
		if x.h != y.h {
			return x.h < y.h
		}
		if x.s8 != y.s8 {
			return x.s8 < y.s8
		}
		return x.keyIn(a) < y.keyIn(a)
	}
}

// pivotLess is treeLess for a search whose pivot has key pkey.
func pivotLess(a *arena, pkey string) func(x, y treeItem) bool {
	return func(x, y treeItem) bool { return lessTreeItem(a, pkey, x, y) }
}

// keyOr returns t's Key: pkey for a pivot.
func (t treeItem) keyOr(a *arena, pkey string) string {
	if t.id == 0 {
		return pkey
	}
	return a.key(t.id)
}

func lessTreeItem(a *arena, pkey string, x, y treeItem) bool {
	if x.h != y.h {
		return x.h < y.h
	}
	if x.s8 != y.s8 {
		return x.s8 < y.s8
	}
	return x.keyOr(a, pkey) < y.keyOr(a, pkey)
}

// sizeTrailer is the length of the DynamoDB size after a stored item's
// encoding.
const sizeTrailer = 4

// Keys stored once (issue 16). A table whose Key is its partition key
// alone, of type S or B, has the Key's bytes in every item's encoding: the
// Key is uvarint(len(v)) v, and the partition attribute's value encodes as
// its type byte, then uvarint(len(v)) v. Such a table's images are laid out
// with that attribute first (the encoding's attributes may be in any
// order), and the Key is not written again in front of the encoding:
//
//	key in front:  Key | encoding                              | size
//	key inside:    count | len(name) name | type Key | others... | size
//
// An image's klen (in its cell, tableItem and index entries) says which:
// with keyInside set, the Key is klen&^keyInside bytes at 3+len(name) (the
// image's second byte: the count and len(name) are one-byte uvarints, or
// the image keeps its Key in front). A table of any other schema, and an
// image that does not fit (128 attributes or more, a Key that differs from
// the attribute's bytes), keep the Key in front.
const keyInside = 1 << 31

// keyAt returns the Key of the image at p whose klen is kl.
func keyAt(p *byte, kl uint32) string {
	if kl&keyInside == 0 {
		return unsafe.String(p, kl)
	}
	return unsafe.String((*byte)(unsafe.Add(unsafe.Pointer(p), insideOff(p))), kl&^keyInside)
}

// insideOff returns where the Key of a key-inside image at p starts.
func insideOff(p *byte) uintptr {
	return 3 + uintptr(*(*byte)(unsafe.Add(unsafe.Pointer(p), 1)))
}

// keyLen returns the length of the Key of an image whose klen is kl.
func keyLen(kl uint32) uint32 { return kl &^ keyInside }

// encOff returns where the encoding starts in an image whose klen is kl.
func encOff(kl uint32) uint32 {
	if kl&keyInside != 0 {
		return 0
	}
	return kl
}

// insideAttr returns where, in encoding enc, the attribute name holding
// Key k is ([start, end): its name and value), when an image of enc can
// keep k inside (see keyInside): name is under 128 bytes, enc has under
// 128 attributes and name's value is of type S or B with k's bytes.
func insideAttr(name string, k Key, enc []byte) (start, end int, ok bool) {
	if name == "" || len(name) >= 0x80 || len(enc) == 0 || enc[0] >= 0x80 {
		return 0, 0, false
	}
	off := 1
	for i := 0; i < int(enc[0]); i++ {
		l, o, ok := uvarintAt(enc, off)
		if !ok || l > uint64(len(enc)-o) {
			return 0, 0, false
		}
		end, ok := skipValue(enc, o+int(l), 0)
		if !ok {
			return 0, 0, false
		}
		if l == uint64(len(name)) && string(enc[o:o+int(l)]) == name {
			v := enc[o+int(l) : end]
			if t := attr.Type(v[0]); (t != attr.S && t != attr.B) || string(v[1:]) != string(k) {
				return 0, 0, false
			}
			return off, end, true
		}
		off = end
	}
	return 0, 0, false
}

// storedItem returns the tableItem of key k (hash h, sort prefix s8) and
// encoding enc with DynamoDB size size, both copied into room(a, n) as
// appendImage lays them out.
func storedItem(a *arena, name string, h, s8 uint64, k Key, enc []byte, size int) tableItem {
	l := layoutOf(name, k, enc)
	buf, klen := l.append(room(a, l.n), k, enc, size)
	return tableItem{h: h, s8: s8, p: unsafe.SliceData(buf), n: l.n, klen: klen}
}

// layout is how an image of a Key and an encoding is laid out: its
// length, and, for a Key inside the encoding, the place of the attribute
// holding it.
type layout struct {
	n          uint32
	start, end int
	inside     bool
}

// layoutOf lays out the image of Key k and encoding enc in a table whose
// partition attribute is name ("" when its Key cannot be inside, see
// keyInside): the Key inside the encoding when it fits, in front of it
// otherwise.
func layoutOf(name string, k Key, enc []byte) layout {
	if start, end, ok := insideAttr(name, k, enc); ok {
		return layout{n: uint32(len(enc) + sizeTrailer), start: start, end: end, inside: true}
	}
	return layout{n: uint32(len(k) + len(enc) + sizeTrailer)}
}

// append appends the image (l.n bytes) to dst and returns it with the
// image's klen.
func (l layout) append(dst []byte, k Key, enc []byte, size int) ([]byte, uint32) {
	klen := uint32(len(k))
	if l.inside {
		// The partition attribute first, then the others in their order.
		dst = append(dst, enc[0])
		dst = append(dst, enc[l.start:l.end]...)
		dst = append(dst, enc[1:l.start]...)
		dst = append(dst, enc[l.end:]...)
		klen |= keyInside
	} else {
		dst = append(dst, k...)
		dst = append(dst, enc...)
	}
	return binary.LittleEndian.AppendUint32(dst, uint32(size)), klen
}

// room returns room for an image of n bytes (len 0, cap n): a's reserved
// room (see arena.reserve), which applying the image then takes without a
// copy, or, with a nil, an allocation of its own.
func room(a *arena, n uint32) []byte {
	if a == nil {
		return make([]byte, 0, n)
	}
	return a.reserve(n)
}

// exists reports whether it is an item (not the zero tableItem).
func (it tableItem) exists() bool { return it.p != nil }

// enc returns a stored item's encoding.
func (it tableItem) enc() []byte {
	off := encOff(it.klen)
	return unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(it.p), off)), it.n-sizeTrailer-off)
}

// size returns a stored item's DynamoDB size.
func (it tableItem) size() uint32 {
	return binary.LittleEndian.Uint32(unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(it.p), it.n-sizeTrailer)), sizeTrailer))
}

// sortPrefix returns the first 8 bytes, zero-padded, of the sort part of
// key k (what follows its partition). Padding with the smallest byte keeps
// the order: if a < b then sortPrefix(a) <= sortPrefix(b).
func sortPrefix(k string) uint64 {
	n, w := binary.Uvarint(bytesOf(k))
	if w <= 0 || n > uint64(len(k)-w) {
		return 0
	}
	r := k[w+int(n):]
	var b [8]byte
	copy(b[:], r)
	return binary.BigEndian.Uint64(b[:])
}

func (it tableItem) key() string { return keyAt(it.p, it.klen) }

// pivot returns a search key for a stored item's Key (aliasing it).
func (it tableItem) pivot() tableItem {
	k := it.key()
	return tableItem{h: it.h, s8: it.s8, p: unsafe.StringData(k), n: uint32(len(k)), klen: uint32(len(k))}
}

func (it tableItem) entry() Entry {
	if it.p == nil {
		return Entry{}
	}
	return Entry{enc: it.enc(), size: sizeInTrailer}
}

// lessTableItem orders items by (h, s8, Key). Within one partition that is
// Key order (s8 is monotone in the sort part); across partitions with the
// same hash (a 64-bit collision) it interleaves them, which the walks allow
// for (read.go).
func lessTableItem(a, b tableItem) bool {
	if a.h != b.h {
		return a.h < b.h
	}
	if a.s8 != b.s8 {
		return a.s8 < b.s8
	}
	return a.key() < b.key()
}

// indexEntry is one entry in an index shard's tree: 64 bytes, no pointer
// (ikeys.go says why, and why naming bytes by address is safe). ik names
// the index key, in a record of the index shard's key store; bp the
// indexed item's image (Key and encoding) in its table shard's arena:
// an index entry costs its index key (shared by entries with equal keys)
// and this struct, never a copy of the item.
//
// Entries with the same index key (many items of one index partition
// share their index sort key, or the index has none) are ordered as their
// items are in the table: by bh and bs8, the item's own h and s8, then by
// its Key. The two words spare most of those comparisons a read of the
// image, a cache miss into the item (it was 70% of a backfill, issue 19).
//
// A search key (a pivot) names bytes of its own (indexPivot), or, in a
// write, the index key its writer computed and the image it holds.
type indexEntry struct {
	h    uint64
	s8   uint64 // sortPrefix(ikey)
	bh   uint64 // the item's h: the hash of its partition
	bs8  uint64 // the item's s8: sortPrefix of its Key
	ik   uintptr
	bp   uintptr
	ikn  uint32 // index key length: uvarint(len(ip)) ip is
	bkn  uint32 // the item's klen (tableItem): its Key's length, and where it is
	bn   uint32 // length of its image less the size trailer
	size uint32 // DynamoDB size of the projected item
}

// ikey returns the entry's index key.
// REQUIRES: the index shard's lock held, or e a pivot whose bytes are held.
func (e indexEntry) ikey() string { return at(e.ik, e.ikn) }

// baseKey returns the Key of the entry's item. REQUIRES: as ikey.
func (e indexEntry) baseKey() string { return keyAt((*byte)(ptrOf(e.bp)), e.bkn) }

// entry returns the entry's item. REQUIRES: as ikey; the Entry then keeps
// the image alive.
func (e indexEntry) entry() Entry {
	return Entry{enc: bytesOf(at(e.bp, e.bn))[encOff(e.bkn):], size: int(e.size)}
}

// indexPivot returns a search key with these hashes and keys, and the
// string holding its bytes: the caller keeps it alive (runtime.KeepAlive)
// for as long as it searches with the pivot.
func indexPivot(h, s8, bh, bs8 uint64, ikey, bkey string) (indexEntry, string) {
	buf := heapBytes(len(ikey) + len(bkey))
	copy(buf, ikey)
	copy(buf[len(ikey):], bkey)
	e := indexEntry{h: h, s8: s8, bh: bh, bs8: bs8, ikn: uint32(len(ikey)), bkn: uint32(len(bkey)), bn: uint32(len(bkey))}
	if len(ikey) > 0 {
		e.ik = addr(buf)
	}
	if len(bkey) > 0 {
		e.bp = addr(buf[len(ikey):])
	}
	return e, str(buf)
}

func lessIndexEntry(a, b indexEntry) bool {
	if a.h != b.h {
		return a.h < b.h
	}
	if a.s8 != b.s8 {
		return a.s8 < b.s8
	}
	// Entries of one interned index key name the same bytes.
	if a.ik != b.ik || a.ikn != b.ikn {
		if ak, bk := a.ikey(), b.ikey(); ak != bk {
			return ak < bk
		}
	}
	if a.bh != b.bh {
		return a.bh < b.bh
	}
	if a.bs8 != b.bs8 {
		return a.bs8 < b.bs8
	}
	return a.baseKey() < b.baseKey()
}

// newTableTree returns an empty tree for a shard whose cells are in a.
func newTableTree(a *arena) *btree.BTreeG[treeItem] {
	return btree.NewBTreeGOptions(treeLess(a), btree.Options{NoLocks: true, Degree: btreeDegree})
}

func newIndexTree() *btree.BTreeG[indexEntry] {
	return btree.NewBTreeGOptions(lessIndexEntry, btree.Options{NoLocks: true, Degree: btreeDegree})
}

// keyPrefix returns uvarint(len(p)) p: the part of a Key naming its
// partition.
func keyPrefix(p []byte) []byte {
	b := make([]byte, 0, binary.MaxVarintLen64+len(p))
	b = binary.AppendUvarint(b, uint64(len(p)))
	return append(b, p...)
}

// successor returns the smallest string greater than every string having
// prefix p, and false when there is none (p is empty or all 0xff).
func successor(p []byte) ([]byte, bool) {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] != 0xff {
			s := make([]byte, i+1)
			copy(s, p[:i+1])
			s[i]++
			return s, true
		}
	}
	return nil, false
}
