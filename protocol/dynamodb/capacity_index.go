package dynamodb

import (
	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// Write capacity charged to secondary indexes. DynamoDB charges a write
// for every index the write changes, on top of the table's: putting an
// item into an index costs the write units of its projected image there
// (1 KB each), removing one the same for the image removed, and changing an
// item's index key both; a write that leaves an index's image as it was
// costs that index nothing. The total ConsumedCapacity includes these
// units, and ReturnConsumedCapacity INDEXES lists them per index
// (GlobalSecondaryIndexes, LocalSecondaryIndexes) beside the table's
// ("Provisioned capacity ... for global secondary indexes", DynamoDB
// Developer Guide).

// indexUnits is one index's share of a write.
type indexUnits struct {
	name  string
	local bool
	units float64
}

// writeIndexUnits returns the indexes of t that a write from old to cur
// charged, in schema order; nil when none (or t has none).
func writeIndexUnits(t *shard.Table, old, cur shard.Entry) []indexUnits {
	indexes := t.Indexes()
	if len(indexes) == 0 {
		return nil
	}
	var oldItem, newItem attr.Item
	if old.Exists() {
		oldItem, _ = old.Item()
	}
	if cur.Exists() {
		newItem, _ = cur.Item()
	}
	ks := t.Schema()
	var out []indexUnits
	for i := range indexes {
		ix := &indexes[i]
		oldKey, oldIn := indexKeyOf(ix, ks, oldItem)
		newKey, newIn := indexKeyOf(ix, ks, newItem)
		sameKey := attr.Equal(oldKey[0], newKey[0]) && (!ix.Key.HasRange() || attr.Equal(oldKey[1], newKey[1]))
		if ix.Composite() {
			var ok, nk shard.Key
			ok, oldIn = ix.EncodeIndexKey(oldItem)
			nk, newIn = ix.EncodeIndexKey(newItem)
			sameKey = string(ok) == string(nk)
		}
		var u float64
		switch {
		case oldIn && newIn && sameKey:
			oldImg, newImg := projectFor(ix, ks, oldItem), projectFor(ix, ks, newItem)
			if sameItem(oldImg, newImg) {
				continue
			}
			u = attr.WriteUnits(attr.ItemSize(newImg))
		default:
			if oldIn {
				u += attr.WriteUnits(attr.ItemSize(projectFor(ix, ks, oldItem)))
			}
			if newIn {
				u += attr.WriteUnits(attr.ItemSize(projectFor(ix, ks, newItem)))
			}
		}
		if u > 0 {
			out = append(out, indexUnits{name: ix.Name, local: ix.Local, units: u})
		}
	}
	return out
}

// indexKeyOf returns it's key values in ix (hash, range) and whether it is
// in the index at all: every key attribute present with the key's type,
// not an empty string or binary.
func indexKeyOf(ix *shard.IndexSchema, table shard.KeySchema, it attr.Item) ([2]attr.Value, bool) {
	var out [2]attr.Value
	if it == nil {
		return out, false
	}
	hashName, hashType := ix.Key.HashName, ix.Key.HashType
	if ix.Local {
		hashName, hashType = table.HashName, table.HashType
	}
	get := func(name string, t attr.Type) (attr.Value, bool) {
		v, ok := it[name]
		if !ok || v.Type != t || ((t == attr.S || t == attr.B) && v.Str == "") {
			return attr.Value{}, false
		}
		return v, true
	}
	var ok bool
	if out[0], ok = get(hashName, hashType); !ok {
		return out, false
	}
	if ix.Key.HasRange() {
		if out[1], ok = get(ix.Key.RangeName, ix.Key.RangeType); !ok {
			return out, false
		}
	}
	return out, true
}

// sameItem reports whether a and b hold the same attributes and values.
func sameItem(a, b attr.Item) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !attr.Equal(v, w) {
			return false
		}
	}
	return true
}

// appendWriteCapacity appends a write's ConsumedCapacity: the table's
// units plus those its indexes were charged, listed per index for INDEXES.
func appendWriteCapacity(dst []byte, mode, table string, units float64, indexes []indexUnits) []byte {
	if mode != "TOTAL" && mode != "INDEXES" {
		return dst
	}
	total := units
	for _, ix := range indexes {
		total += ix.units
	}
	dst = append(dst, `"ConsumedCapacity":{"CapacityUnits":`...)
	dst = appendFloat(dst, total)
	dst = append(dst, `,"TableName":`...)
	dst = appendJSONString(dst, table)
	if mode == "INDEXES" {
		dst = append(dst, `,"Table":{"CapacityUnits":`...)
		dst = appendFloat(dst, units)
		dst = append(dst, '}')
		for _, local := range []bool{false, true} {
			first := true
			for _, ix := range indexes {
				if ix.local != local {
					continue
				}
				if first {
					if local {
						dst = append(dst, `,"LocalSecondaryIndexes":{`...)
					} else {
						dst = append(dst, `,"GlobalSecondaryIndexes":{`...)
					}
					first = false
				} else {
					dst = append(dst, ',')
				}
				dst = appendJSONString(dst, ix.name)
				dst = append(dst, `:{"CapacityUnits":`...)
				dst = appendFloat(dst, ix.units)
				dst = append(dst, '}')
			}
			if !first {
				dst = append(dst, '}')
			}
		}
	}
	return append(dst, '}')
}
