// Package attr is DynamoDB's data model: the ten attribute types, exact
// decimal numbers, item size as DynamoDB computes it, and the compact binary
// encoding items are stored in.
//
// A Value is a plain tree used while a request is processed. Stored items are
// not kept as Values but as their binary encoding (see codec.go), decoded on
// demand.
package attr

import (
	"bytes"
	"sort"
	"unicode/utf16"
)

// Type is an attribute's DynamoDB type.
type Type uint8

// The ten DynamoDB attribute types. The numeric values are part of the
// on-disk item encoding (codec.go) and must not change.
const (
	TypeInvalid Type = 0
	S           Type = 1
	N           Type = 2
	B           Type = 3
	BOOL        Type = 4
	NULL        Type = 5
	M           Type = 6
	L           Type = 7
	SS          Type = 8
	NS          Type = 9
	BS          Type = 10
)

var typeNames = [...]string{"", "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"}

// String returns the type's wire name ("S", "NS", ...).
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "?"
}

// ParseType returns the type named s, or TypeInvalid.
func ParseType(s string) Type {
	for i, n := range typeNames {
		if i > 0 && n == s {
			return Type(i)
		}
	}
	return TypeInvalid
}

// IsSet reports whether t is SS, NS or BS.
func (t Type) IsSet() bool { return t == SS || t == NS || t == BS }

// IsScalar reports whether t is S, N or B (the types a key may have).
func (t Type) IsScalar() bool { return t == S || t == N || t == B }

// SetElem returns the scalar type of a set's members (SS -> S), or
// TypeInvalid when t is not a set.
func (t Type) SetElem() Type {
	switch t {
	case SS:
		return S
	case NS:
		return N
	case BS:
		return B
	}
	return TypeInvalid
}

// SetOf returns the set type whose members have scalar type t (S -> SS).
func (t Type) SetOf() Type {
	switch t {
	case S:
		return SS
	case N:
		return NS
	case B:
		return BS
	}
	return TypeInvalid
}

// Value is one attribute value.
//
// Which fields are meaningful depends on Type:
//
//	S     Str: the string
//	N     Str: the number in canonical form (see CanonicalNumber)
//	B     Str: the raw bytes (not base64)
//	BOOL  Bool
//	NULL  nothing (NULL is always true)
//	M     Map
//	L     List
//	SS    Set: the strings
//	NS    Set: the numbers, each canonical
//	BS    Set: the raw byte strings
//
// Sets keep the order they were given in; they never hold duplicates.
type Value struct {
	Type Type
	Bool bool
	Str  string
	Set  []string
	List []Value
	Map  map[string]Value
}

// Item is a whole item: attribute name -> value.
type Item map[string]Value

// Convenience constructors.

// Str returns an S value.
func Str(s string) Value { return Value{Type: S, Str: s} }

// Bin returns a B value holding b (not base64).
func Bin(b []byte) Value { return Value{Type: B, Str: string(b)} }

// Num returns an N value; s must already be canonical (see CanonicalNumber).
func Num(s string) Value { return Value{Type: N, Str: s} }

// Bool returns a BOOL value.
func Boolean(b bool) Value { return Value{Type: BOOL, Bool: b} }

// Null returns the NULL value.
func Null() Value { return Value{Type: NULL, Bool: true} }

// Equal reports whether a and b are the same DynamoDB value. Sets compare
// as sets (order does not matter); numbers compare numerically.
func Equal(a, b Value) bool {
	if a.Type != b.Type {
		return false
	}
	switch a.Type {
	case S, B:
		return a.Str == b.Str
	case N:
		return CompareNumbers(a.Str, b.Str) == 0
	case BOOL:
		return a.Bool == b.Bool
	case NULL:
		return true
	case SS, BS:
		return setsEqual(a.Set, b.Set, func(x, y string) bool { return x == y })
	case NS:
		return setsEqual(a.Set, b.Set, func(x, y string) bool { return CompareNumbers(x, y) == 0 })
	case L:
		if len(a.List) != len(b.List) {
			return false
		}
		for i := range a.List {
			if !Equal(a.List[i], b.List[i]) {
				return false
			}
		}
		return true
	case M:
		if len(a.Map) != len(b.Map) {
			return false
		}
		for k, av := range a.Map {
			bv, ok := b.Map[k]
			if !ok || !Equal(av, bv) {
				return false
			}
		}
		return true
	}
	return false
}

func setsEqual(a, b []string, eq func(x, y string) bool) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		found := false
		for _, y := range b {
			if eq(x, y) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// SetContains reports whether set value v holds member m (compared as the
// set's element type).
func SetContains(v Value, m string) bool {
	for _, x := range v.Set {
		if v.Type == NS {
			if CompareNumbers(x, m) == 0 {
				return true
			}
		} else if x == m {
			return true
		}
	}
	return false
}

// Compare orders two scalar values of the same type: numbers numerically,
// strings and binaries by unsigned bytes. It returns -1, 0 or +1. Values of
// different or non-scalar types compare as 0; callers check types first.
func Compare(a, b Value) int {
	if a.Type != b.Type {
		return 0
	}
	switch a.Type {
	case N:
		return CompareNumbers(a.Str, b.Str)
	case S, B:
		return bytes.Compare([]byte(a.Str), []byte(b.Str))
	}
	return 0
}

// Clone returns a deep copy of v.
func Clone(v Value) Value {
	switch v.Type {
	case SS, NS, BS:
		v.Set = append([]string(nil), v.Set...)
	case L:
		l := make([]Value, len(v.List))
		for i := range v.List {
			l[i] = Clone(v.List[i])
		}
		v.List = l
	case M:
		m := make(map[string]Value, len(v.Map))
		for k, x := range v.Map {
			m[k] = Clone(x)
		}
		v.Map = m
	}
	return v
}

// CloneItem returns a deep copy of it.
func (it Item) Clone() Item {
	if it == nil {
		return nil
	}
	out := make(Item, len(it))
	for k, v := range it {
		out[k] = Clone(v)
	}
	return out
}

// SortedNames returns the item's attribute names in byte order.
func (it Item) SortedNames() []string {
	names := make([]string, 0, len(it))
	for k := range it {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// UTF16Len returns a string's length in UTF-16 code units, as Java and
// JavaScript count it: what DynamoDB's length constraints and size()
// measure for strings. Invalid UTF-8 bytes count one unit each.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
