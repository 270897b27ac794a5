package dynamodb

import (
	"encoding/base64"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/dynacache/dynacache/shard/attr"
)

// Replies are built by appending to a byte slice: items are the bulk of
// every reply and encoding/json's reflection would dominate the hot path.

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string, escaped as JavaScript's
// JSON.stringify does (DynamoDB's messages quote values that way). Invalid
// UTF-8 is replaced by U+FFFD, as encoding/json does.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func appendBase64(dst []byte, b string) []byte {
	dst = append(dst, '"')
	n := base64.StdEncoding.EncodedLen(len(b))
	dst = append(dst, make([]byte, n)...)
	base64.StdEncoding.Encode(dst[len(dst)-n:], []byte(b))
	return append(dst, '"')
}

// appendValue appends v as a DynamoDB AttributeValue object.
func appendValue(dst []byte, v attr.Value) []byte {
	switch v.Type {
	case attr.S:
		dst = append(dst, `{"S":`...)
		dst = appendJSONString(dst, v.Str)
	case attr.N:
		dst = append(dst, `{"N":"`...)
		dst = append(dst, v.Str...)
		dst = append(dst, '"')
	case attr.B:
		dst = append(dst, `{"B":`...)
		dst = appendBase64(dst, v.Str)
	case attr.BOOL:
		if v.Bool {
			return append(dst, `{"BOOL":true}`...)
		}
		return append(dst, `{"BOOL":false}`...)
	case attr.NULL:
		return append(dst, `{"NULL":true}`...)
	case attr.SS, attr.NS, attr.BS:
		dst = append(dst, `{"`...)
		dst = append(dst, v.Type.String()...)
		dst = append(dst, `":[`...)
		for i, s := range v.Set {
			if i > 0 {
				dst = append(dst, ',')
			}
			switch v.Type {
			case attr.SS:
				dst = appendJSONString(dst, s)
			case attr.NS:
				dst = append(dst, '"')
				dst = append(dst, s...)
				dst = append(dst, '"')
			default:
				dst = appendBase64(dst, s)
			}
		}
		dst = append(dst, ']')
	case attr.L:
		dst = append(dst, `{"L":[`...)
		for i, e := range v.List {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendValue(dst, e)
		}
		dst = append(dst, ']')
	case attr.M:
		dst = append(dst, `{"M":`...)
		dst = appendItem(dst, v.Map)
	default:
		return append(dst, `{}`...)
	}
	return append(dst, '}')
}

// appendItem appends an attribute map, attributes in name order so that
// replies are deterministic.
func appendItem(dst []byte, it attr.Item) []byte {
	dst = append(dst, '{')
	if len(it) <= 16 {
		var arr [16]string
		names := arr[:0]
		for k := range it {
			names = append(names, k)
		}
		sortSmall(names)
		for i, k := range names {
			dst = appendAttr(dst, i, k, it[k])
		}
	} else {
		names := make([]string, 0, len(it))
		for k := range it {
			names = append(names, k)
		}
		sort.Strings(names)
		for i, k := range names {
			dst = appendAttr(dst, i, k, it[k])
		}
	}
	return append(dst, '}')
}

func appendAttr(dst []byte, i int, k string, v attr.Value) []byte {
	if i > 0 {
		dst = append(dst, ',')
	}
	dst = appendJSONString(dst, k)
	dst = append(dst, ':')
	return appendValue(dst, v)
}

// sortSmall is an insertion sort: no allocation, fast for a few names.
func sortSmall(a []string) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// appendFloat appends a capacity figure as DynamoDB writes it (1.0, 0.5).
func appendFloat(dst []byte, f float64) []byte {
	dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
	if f == float64(int64(f)) {
		dst = append(dst, ".0"...)
	}
	return dst
}
