package resp

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/dynacache/dynacache/shard/attr"
)

// Plain JSON documents are what the DYNAMODB short forms speak: a DynamoDB
// item as an ordinary JSON object. The mapping:
//
//	string  <-> S            number <-> N (the literal, kept exact)
//	true    <-> BOOL         null   <-> NULL
//	array   <-> L            object <-> M
//	B, SS, NS, BS read as a base64 string and arrays (never written).

// appendPlainJSON appends v as plain JSON.
func appendPlainJSON(dst []byte, v attr.Value) []byte {
	switch v.Type {
	case attr.S:
		return appendJSONString(dst, v.Str)
	case attr.N:
		return append(dst, v.Str...)
	case attr.B:
		return appendJSONString(dst, base64.StdEncoding.EncodeToString([]byte(v.Str)))
	case attr.BOOL:
		return strconv.AppendBool(dst, v.Bool)
	case attr.NULL:
		return append(dst, "null"...)
	case attr.L:
		dst = append(dst, '[')
		for i, e := range v.List {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendPlainJSON(dst, e)
		}
		return append(dst, ']')
	case attr.M:
		return appendPlainItem(dst, v.Map)
	case attr.SS, attr.NS, attr.BS:
		dst = append(dst, '[')
		for i, s := range v.Set {
			if i > 0 {
				dst = append(dst, ',')
			}
			switch v.Type {
			case attr.SS:
				dst = appendJSONString(dst, s)
			case attr.NS:
				dst = append(dst, s...)
			default:
				dst = appendJSONString(dst, base64.StdEncoding.EncodeToString([]byte(s)))
			}
		}
		return append(dst, ']')
	}
	return append(dst, "null"...)
}

// appendPlainItem appends an item (or map) as a plain JSON object, names in
// byte order.
func appendPlainItem(dst []byte, it map[string]attr.Value) []byte {
	names := make([]string, 0, len(it))
	for k := range it {
		names = append(names, k)
	}
	sort.Strings(names)
	dst = append(dst, '{')
	for i, k := range names {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, k)
		dst = append(dst, ':')
		dst = appendPlainJSON(dst, it[k])
	}
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string (invalid UTF-8 becomes U+FFFD).
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+n]...)
		}
		i += n
	}
	return append(dst, '"')
}

// errNotDocument is a short form's argument that is not a JSON object.
var errNotDocument = errors.New("not a JSON object")

// decodePlain parses one plain JSON value, numbers kept as json.Number.
func decodePlain(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

// typedDocument converts a plain JSON object to DynamoDB's typed form
// (an attribute map of AttributeValues).
func typedDocument(b []byte) (map[string]any, error) {
	v, err := decodePlain(b)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errNotDocument
	}
	out := make(map[string]any, len(m))
	for k, e := range m {
		out[k] = typedValue(e)
	}
	return out, nil
}

// typedValue converts one plain JSON value to an AttributeValue.
func typedValue(v any) any {
	switch v := v.(type) {
	case string:
		return map[string]any{"S": v}
	case json.Number:
		return map[string]any{"N": v.String()}
	case bool:
		return map[string]any{"BOOL": v}
	case nil:
		return map[string]any{"NULL": true}
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = typedValue(e)
		}
		return map[string]any{"L": l}
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = typedValue(e)
		}
		return map[string]any{"M": m}
	}
	return map[string]any{"NULL": true}
}

// plainValue converts a decoded AttributeValue to plain JSON.
func plainValue(av any) any {
	m, ok := av.(map[string]any)
	if !ok || len(m) != 1 {
		return av
	}
	for t, v := range m {
		switch t {
		case "S", "B", "BOOL":
			return v
		case "N":
			if s, ok := v.(string); ok {
				return json.Number(s)
			}
		case "NULL":
			return nil
		case "SS", "BS":
			return v
		case "NS":
			if l, ok := v.([]any); ok {
				out := make([]any, len(l))
				for i, e := range l {
					if s, ok := e.(string); ok {
						out[i] = json.Number(s)
					}
				}
				return out
			}
		case "L":
			if l, ok := v.([]any); ok {
				out := make([]any, len(l))
				for i, e := range l {
					out[i] = plainValue(e)
				}
				return out
			}
		case "M":
			if mm, ok := v.(map[string]any); ok {
				return plainDocument(mm)
			}
		}
	}
	return av
}

// plainDocument converts an attribute map to a plain JSON object.
func plainDocument(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = plainValue(v)
	}
	return out
}

// marshalPlain encodes a plain value without HTML escaping.
func marshalPlain(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return []byte("null")
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}
