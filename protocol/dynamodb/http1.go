package dynamodb

import (
	"hash/crc32"
	"strconv"

	"github.com/dynacache/dynacache/protocol/http1"
)

// ServeHTTP1 serves one request parsed by protocol/http1: the same checks,
// operations and replies as ServeHTTP, without net/http's per-request work
// (dynacache's default HTTP server; see server.Config.HTTPServer). The
// request's bytes are read in place and not kept: the header values are
// only compared, the operation name is taken from operations, and the
// body is copied by the JSON parser.
//
// A body over MaxRequestBytes never reaches here: http1.Server answers it
// with 413 itself when its MaxBodyBytes is MaxRequestBytes.
func (h *Handler) ServeHTTP1(w *http1.Response, r *http1.Request) {
	contentType, status, raw, answered := envelope(unsafeString(r.Method), unsafeString(r.Path),
		unsafeString(r.Header("Content-Type")), r.ContentLength())
	if answered {
		h.writeReply1(w, status, contentType, raw, false)
		return
	}
	st := stopper{client: r, host: unsafeString(r.Header("Host"))}
	if h.opts.RequestTimeout > 0 {
		st.deadline = r.Received().Add(h.opts.RequestTimeout)
	}
	reply, apiErr := h.serve(unsafeString(r.Header("X-Amz-Target")), unsafeString(r.Header("Authorization")),
		unsafeString(r.RawQuery), r.Body, (*http1Request)(r), &st)
	if apiErr != nil {
		h.writeReply1(w, apiErr.Status, contentType, apiErr.appendJSON(w.Body[:0]), true)
		return
	}
	h.writeReply1(w, 200, contentType, reply, true)
}

// writeReply1 is writeReply for http1: the same headers (http1 adds
// Content-Length and Date), spelled as DynamoDB spells them.
func (h *Handler) writeReply1(w *http1.Response, status int, contentType string, body []byte, withID bool) {
	var buf [requestIDLen + 20]byte
	w.Status = status
	w.AddHeader("Content-Type", contentType)
	w.AddHeaderBytes("x-amz-crc32", strconv.AppendUint(buf[:0], uint64(crc32.ChecksumIEEE(body)), 10))
	if withID {
		w.AddHeaderBytes("x-amzn-RequestId", h.appendRequestID(buf[:0]))
	}
	// An error reply was encoded into w.Body's array already: then this
	// copies it onto itself.
	w.Body = append(w.Body[:0], body...)
}
