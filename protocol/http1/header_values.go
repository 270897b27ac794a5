package http1

// HeaderValues calls fn with the value of every header field named name
// (compared ASCII case-insensitively), in order, without surrounding
// whitespace. The values alias the request's buffer: copy to keep.
func (r *Request) HeaderValues(name string, fn func(value []byte)) {
	for i := range r.fields {
		f := &r.fields[i]
		if f.name.end-f.name.start == len(name) && equalFoldBoth(r.head[f.name.start:f.name.end], name) {
			fn(r.head[f.value.start:f.value.end:f.value.end])
		}
	}
}
