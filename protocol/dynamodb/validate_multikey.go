package dynamodb

import (
	"strconv"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// Multi-attribute keys of global secondary indexes: a GSI's KeySchema may
// list up to shard.MaxKeyAttrs HASH elements, then up to as many RANGE
// elements. A schema of the classic shape (HASH, or HASH then RANGE) is
// checked by the older rules (decode_table.go); these are for the others.

// multiAttributeKey reports whether a GSI KeySchema is not of the classic
// shape: more than two elements, or a second HASH.
func multiAttributeKey(ks []*jv) bool {
	return len(ks) > 2 || (len(ks) == 2 && jStr(ks[1], "KeyType") == "HASH")
}

// checkMultiAttributeKey checks a multi-attribute GSI KeySchema (whose
// attributes the caller found defined) and returns DynamoDB's message, or
// "".
func checkMultiAttributeKey(ks []*jv) string {
	if len(ks) == 0 || jStr(ks[0], "KeyType") != "HASH" {
		return "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"
	}
	var hash, rng int
	seen := map[string]bool{}
	for i, e := range ks {
		name := jStr(e, "AttributeName")
		switch jStr(e, "KeyType") {
		case "HASH":
			if rng > 0 {
				return "Invalid KeySchema: The KeySchemaElement at position " + strconv.Itoa(i+1) +
					" is a HASH key type after a RANGE key type: all HASH key elements must come first"
			}
			hash++
		case "RANGE":
			rng++
		default:
			return "Invalid KeySchema: The KeySchemaElement at position " + strconv.Itoa(i+1) + " is neither a HASH nor a RANGE key type"
		}
		if seen[name] {
			return "Invalid KeySchema: Duplicate attribute name in KeySchema: " + name
		}
		seen[name] = true
	}
	if hash > shard.MaxKeyAttrs {
		return msgInvalid + "The KeySchema has " + strconv.Itoa(hash) + " HASH key elements; at most " +
			strconv.Itoa(shard.MaxKeyAttrs) + " are allowed"
	}
	if rng > shard.MaxKeyAttrs {
		return msgInvalid + "The KeySchema has " + strconv.Itoa(rng) + " RANGE key elements; at most " +
			strconv.Itoa(shard.MaxKeyAttrs) + " are allowed"
	}
	return ""
}

// setKeyAttrs gives ix (whose Key keySchemaOf resolved) its
// multi-attribute key when its KeySchema has more than one HASH or more
// than one RANGE element.
func setKeyAttrs(ix *shard.IndexSchema, ks []KeySchemaElement, defs []AttributeDefinition) {
	var hash, rng []shard.KeyAttr
	for _, e := range ks {
		a := shard.KeyAttr{Name: e.AttributeName, Type: attr.TypeInvalid}
		for _, d := range defs {
			if d.AttributeName == e.AttributeName {
				a.Type = attr.ParseType(d.AttributeType)
			}
		}
		if e.KeyType == "HASH" {
			hash = append(hash, a)
		} else {
			rng = append(rng, a)
		}
	}
	if len(hash) > 1 || len(rng) > 1 {
		ix.HashAttrs, ix.RangeAttrs = hash, rng
	}
}
