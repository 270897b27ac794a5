package dynamodb

import "unicode/utf16"

// javaSetOrder returns names (distinct) in the order a java.util.HashSet
// built by adding them in that order iterates them. DynamoDB lists some
// sets of attribute names in its messages in that order: "keys used: [a,
// sk, pk]" for the keys pk, sk (table) and a (an index), measured against
// DynamoDB, where neither the request's order nor the sorted order
// would give it.
//
// A HashSet is a HashMap: a key goes to bucket (h ^ h>>>16) & (cap-1),
// where h is String.hashCode (over UTF-16 code units) and cap starts at 16
// and doubles whenever the set holds more than three quarters of it;
// iteration walks the buckets in order, each in insertion order (a resize
// keeps it). (Buckets of eight keys and more turn into trees in Java;
// attribute name sets are far too small for that.)
func javaSetOrder(names []string) []string {
	capacity := 16
	for len(names) > capacity*3/4 {
		capacity *= 2
	}
	type slot struct {
		bucket uint32
		name   string
	}
	slots := make([]slot, len(names))
	for i, n := range names {
		var h uint32
		for _, u := range utf16.Encode([]rune(n)) {
			h = 31*h + uint32(u)
		}
		slots[i] = slot{(h ^ h>>16) & uint32(capacity-1), n}
	}
	out := make([]string, 0, len(names))
	for b := uint32(0); b < uint32(capacity); b++ {
		for _, s := range slots {
			if s.bucket == b {
				out = append(out, s.name)
			}
		}
	}
	return out
}
