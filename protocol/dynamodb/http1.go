package dynamodb

import (
	"bytes"
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
	ed := edge{cors: h.corsOrigin(unsafeString(r.Header("Origin")))}
	if string(r.Method) == "OPTIONS" {
		h.preflight1(w, r)
		return
	}
	if ae := r.Header("Accept-Encoding"); ae != nil {
		ed.gzip = acceptsGzip(unsafeString(ae))
	}
	contentType, status, raw, answered := envelope(unsafeString(r.Method), unsafeString(r.Path),
		unsafeString(r.Header("Content-Type")), r.ContentLength())
	if answered {
		h.writeReply1(w, ed, status, contentType, raw)
		return
	}
	st := stopper{client: r, host: unsafeString(r.Header("Host"))}
	body := r.Body
	if enc := r.Header("Content-Encoding"); enc != nil {
		decoded, apiErr, err := decodeBody(unsafeString(enc), body)
		if err != nil {
			h.writeReply1(w, ed, 413, "", nil)
			return
		}
		if apiErr != nil {
			h.writeReply1(w, ed, apiErr.Status, contentType, apiErr.appendJSON(w.Body[:0]))
			return
		}
		st.signed, body = body, decoded
		if st.signed == nil {
			st.signed = []byte{}
		}
	}
	if h.opts.RequestTimeout > 0 {
		st.deadline = r.Received().Add(h.opts.RequestTimeout)
	}
	reply, apiErr := h.serve(unsafeString(r.Header("X-Amz-Target")), unsafeString(r.Header("Authorization")),
		unsafeString(r.RawQuery), body, (*http1Request)(r), &st)
	if apiErr != nil {
		h.writeReply1(w, ed, apiErr.Status, contentType, apiErr.appendJSON(w.Body[:0]))
		return
	}
	h.writeReply1(w, ed, 200, contentType, reply)
}

// preflight1 is preflight for http1.
func (h *Handler) preflight1(w *http1.Response, r *http1.Request) {
	origin := h.corsOrigin(unsafeString(r.Header("Origin")))
	if origin == "" {
		h.writeReply1(w, edge{}, 200, "", nil) // no Access-Control-*: the browser refuses
		return
	}
	w.AddHeader("Access-Control-Allow-Methods", corsAllowMethods)
	if v := r.Header("Access-Control-Request-Headers"); len(v) > 0 {
		w.AddHeaderBytes("Access-Control-Allow-Headers", v)
	} else {
		w.AddHeader("Access-Control-Allow-Headers", corsAllowHeaders)
	}
	w.AddHeader("Access-Control-Max-Age", corsMaxAge)
	h.writeReply1(w, edge{cors: origin}, 200, "", nil)
}

// writeReply1 is writeReply for http1: the same headers (http1 adds
// Content-Length and Date), spelled as DynamoDB spells them.
func (h *Handler) writeReply1(w *http1.Response, ed edge, status int, contentType string, body []byte) {
	var zbuf *bytes.Buffer
	if ed.gzip {
		if zbuf = gzipReply(body); zbuf != nil {
			body = zbuf.Bytes()
			defer releaseGzip(zbuf)
		}
	}
	var buf [requestIDLen + 20]byte
	w.Status = status
	if contentType != "" {
		w.AddHeader("Content-Type", contentType)
	}
	w.AddHeaderBytes("x-amz-crc32", strconv.AppendUint(buf[:0], uint64(crc32.ChecksumIEEE(body)), 10))
	w.AddHeaderBytes("x-amzn-RequestId", h.appendRequestID(buf[:0]))
	w.AddHeader("Server", serverName)
	if zbuf != nil {
		w.AddHeader("Content-Encoding", "gzip")
	}
	if ed.cors != "" {
		w.AddHeader("Access-Control-Allow-Origin", ed.cors)
		if ed.cors != "*" {
			w.AddHeader("Vary", "Origin")
		}
		w.AddHeader("Access-Control-Expose-Headers", corsExposeHeaders)
	}
	// An error reply was encoded into w.Body's array already: then this
	// copies it onto itself.
	w.Body = append(w.Body[:0], body...)
}

// AppendErrorHeaders appends the headers every reply carries (the body's
// x-amz-crc32, a request ID, the Server) as header lines:
// http1.Server.ErrorHeaders, for the replies the HTTP server makes itself
// (a body over MaxRequestBytes, a malformed request).
func (h *Handler) AppendErrorHeaders(dst, body []byte) []byte {
	dst = append(dst, "x-amz-crc32: "...)
	dst = strconv.AppendUint(dst, uint64(crc32.ChecksumIEEE(body)), 10)
	dst = append(dst, "\r\nx-amzn-RequestId: "...)
	dst = h.appendRequestID(dst)
	dst = append(dst, "\r\nServer: "+serverName+"\r\n"...)
	return dst
}
