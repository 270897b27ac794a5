package dynamodb

import (
	"github.com/dynacache/dynacache/shard/attr"
	"time"
)

// The backend seam. The front door (the HTTP envelope, the health check,
// the content type, the authentication check, the error shapes) is this
// package's; behind it a request runs either on the local store (the
// default) or on a Backend, such as the accelerator (package accel), which
// serves it from a cache or another DynamoDB-compatible endpoint.
//
// With a Backend every request that passes the front door goes to it,
// whatever its target: operations this package does not know (TagResource,
// TransactWriteItems, DynamoDBStreams_20120810.GetRecords, ...) are the
// backend's to serve or pass on, so serve does not answer them with
// UnknownOperationException itself.

// Backend serves DynamoDB requests behind a Handler.
type Backend interface {
	// Serve runs one request: target is the whole X-Amz-Target value
	// ("DynamoDB_20120810.GetItem"), body the JSON request, which the
	// backend must not keep (it may be a connection's buffer). It returns
	// the JSON reply (status 200) or an error. An Error with Raw set is
	// written as is: that is how an upstream's own error body reaches
	// the client unchanged.
	Serve(target string, body []byte) ([]byte, *Error)
}

// Target returns the X-Amz-Target value of a DynamoDB operation.
func Target(op string) string { return targetPrefix + op }

// serveBackend is serve for a handler with a backend: the body syntax and
// the authentication are checked here, the rest is the backend's.
//
// DescribeEndpoints is the exception: it names the endpoint clients are to
// use, and that is this front door, not whatever the backend talks to.
func (h *Handler) serveBackend(target, auth, rawQuery string, body []byte, req sigRequest, st *stopper) ([]byte, *Error) {
	if e := checkAuth(auth, rawQuery); e != nil {
		return nil, e
	}
	if h.opts.Credentials != nil {
		if e := verifySignature(h.opts.Credentials, req, auth, st.signedBody(body), time.Now()); e != nil {
			return nil, e
		}
	}
	if target == targetPrefix+"DescribeEndpoints" {
		if _, e := decodeDescribeEndpoints(body); e != nil {
			return nil, e
		}
		return h.describeEndpoints(st)
	}
	return h.opts.Backend.Serve(target, body)
}

// Local returns a handler on the same store without the backend (h itself
// when h has none): the RESP port keeps its own keys in a local table, and
// that table must not be created on an upstream. Its API method gives h
// back, for what must reach the backend (the DYNAMODB command).
func (h *Handler) Local() *Handler {
	if h.opts.Backend == nil {
		return h
	}
	h.localOnce.Do(func() {
		opts := h.opts
		opts.Backend = nil
		opts.CacheBytes = 0
		h.local = NewHandler(h.store, opts)
		h.local.api = h
	})
	return h.local
}

// API returns the handler DynamoDB operations should run on: the handler
// with the backend when h is its Local twin, else h.
func (h *Handler) API() *Handler {
	if h.api != nil {
		return h.api
	}
	return h
}

// Doc is a parsed JSON document (a request or reply body), read by member
// name: what a Backend needs to look into a request without this
// package's validation. The zero Doc is absent.
type Doc struct{ v *jv }

// ParseDoc parses body as one JSON document (JSON.parse's grammar). The
// Doc copies what it keeps of body.
func ParseDoc(body []byte) (Doc, bool) {
	v, ok := jvParse(body)
	if !ok {
		return Doc{}, false
	}
	return Doc{&v}, true
}

// Get returns the member name of an object (absent when d is not an
// object, when there is no such member, or when it is null).
func (d Doc) Get(name string) Doc { return Doc{d.v.present(name)} }

// Exists reports whether d is present (and not null).
func (d Doc) Exists() bool { return d.v != nil && d.v.kind != jvNull }

// IsObject reports whether d is a JSON object.
func (d Doc) IsObject() bool { return d.v != nil && d.v.kind == jvObject }

// Str returns a string value; ok is false for any other kind.
func (d Doc) Str() (s string, ok bool) {
	if d.v == nil || d.v.kind != jvString {
		return "", false
	}
	return d.v.str, true
}

// Bool returns a boolean value; ok is false for any other kind.
func (d Doc) Bool() (b, ok bool) {
	if d.v == nil || d.v.kind != jvBool {
		return false, false
	}
	return d.v.b, true
}

// Len returns the number of an array's elements or an object's members.
func (d Doc) Len() int {
	if d.v == nil || (d.v.kind != jvArray && d.v.kind != jvObject) {
		return 0
	}
	return len(d.v.kids)
}

// At returns an array's element i, or an object's member i and its name.
// REQUIRES: 0 <= i < d.Len().
func (d Doc) At(i int) (name string, v Doc) {
	m := &d.v.kids[i]
	return m.key, Doc{&m.val}
}

// Strings returns an array of strings; ok is false if d is not one.
func (d Doc) Strings() ([]string, bool) {
	if d.v == nil || d.v.kind != jvArray {
		return nil, false
	}
	out := make([]string, len(d.v.kids))
	for i := range d.v.kids {
		if d.v.kids[i].val.kind != jvString {
			return nil, false
		}
		out[i] = d.v.kids[i].val.str
	}
	return out, true
}

// StringMap returns an object of strings (ExpressionAttributeNames); ok is
// false if d is not one.
func (d Doc) StringMap() (map[string]string, bool) {
	if !d.IsObject() {
		return nil, false
	}
	out := make(map[string]string, len(d.v.kids))
	for i := range d.v.kids {
		if d.v.kids[i].val.kind != jvString {
			return nil, false
		}
		out[d.v.kids[i].key] = d.v.kids[i].val.str
	}
	return out, true
}

// Item returns a Map<AttributeValue> (an item or a key) converted and
// checked as a request's item is (numbers in canonical form); ok is false
// if any value is invalid.
func (d Doc) Item() (attr.Item, bool) {
	if !d.IsObject() {
		return nil, false
	}
	it, msg := avItem(d.v)
	return it, msg == ""
}

// AppendItemJSON appends an item in DynamoDB's JSON, attributes in name
// order, as this package's replies write it.
func AppendItemJSON(dst []byte, it attr.Item) []byte { return appendItem(dst, it) }

// AppendJSONString appends s as a JSON string.
func AppendJSONString(dst []byte, s string) []byte { return appendJSONString(dst, s) }

// AppendConsumedCapacity appends `"ConsumedCapacity":{...}` for one table
// as GetItem and the writes reply it (nothing unless mode is TOTAL or
// INDEXES).
func AppendConsumedCapacity(dst []byte, mode, table string, units float64) []byte {
	return appendCapacity(dst, mode, table, units)
}

// AppendTableCapacity appends one table's element of BatchGetItem's
// ConsumedCapacity array.
func AppendTableCapacity(dst []byte, mode, table string, units float64) []byte {
	return appendTableCapacity(dst, mode, table, units)
}

// AppendJSON appends d as JSON (numbers as their text; strings
// re-escaped), for a Backend that rewrites a request or a reply.
func (d Doc) AppendJSON(dst []byte) []byte {
	if d.v == nil {
		return append(dst, "null"...)
	}
	return appendJV(dst, d.v)
}

func appendJV(dst []byte, v *jv) []byte {
	switch v.kind {
	case jvBool:
		if v.b {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case jvNumber:
		return append(dst, v.str...)
	case jvString:
		return appendJSONString(dst, v.str)
	case jvArray:
		dst = append(dst, '[')
		for i := range v.kids {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJV(dst, &v.kids[i].val)
		}
		return append(dst, ']')
	case jvObject:
		dst = append(dst, '{')
		for i := range v.kids {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, v.kids[i].key)
			dst = append(dst, ':')
			dst = appendJV(dst, &v.kids[i].val)
		}
		return append(dst, '}')
	}
	return append(dst, "null"...)
}
