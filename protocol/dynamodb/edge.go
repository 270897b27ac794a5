package dynamodb

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
)

// The HTTP edge beyond the envelope: compressed request bodies, compressed
// replies, CORS for browser SDKs and the headers every reply carries. Both
// front doors (ServeHTTP on net/http, ServeHTTP1 on protocol/http1) use
// these.
//
//   - A request body with Content-Encoding: gzip (what the AWS SDKs' request
//     compression sends) is decompressed before anything reads it; the
//     signature is checked over the bytes as sent. DynamoDB answers an
//     encoding other than gzip or identity, and a body that is not gzip
//     (corrupt, cut short, empty), with a 500 InternalServerError, and so
//     does dynacache (scylladb test/alternator/test_compressed_request.py,
//     run against DynamoDB). Two differences: dynacache refuses bytes after
//     the last gzip member (DynamoDB ignores them, which that test calls a
//     bug), and a body over MaxRequestBytes once decompressed gets 413
//     (DynamoDB accepts decompressed bodies far larger than its limit).
//   - A reply goes out gzipped when the client accepts gzip and the body is
//     at least gzipMinBytes: smaller ones gain too little to pay for the
//     work, as DynamoDB also leaves small replies plain. The x-amz-crc32 of
//     a gzipped reply is the checksum of the gzipped bytes, which is what
//     the SDKs verify. The Go SDK asks for gzip only with its
//     EnableAcceptEncodingGzip option (it sends Accept-Encoding: identity
//     otherwise), so its default requests never take this path.
//   - An OPTIONS request is a CORS preflight: it is answered 200 with the
//     Access-Control-Allow-* headers a browser needs before it sends a
//     signed POST. Every reply to a request with an Origin carries
//     Access-Control-Allow-Origin and exposes the headers an SDK reads.
//   - Every reply carries a Server header and an x-amzn-RequestId, the
//     health check's and the 404s' included.

// gzipMinBytes is the smallest reply body sent gzipped.
const gzipMinBytes = 4 << 10

// serverName is the Server header's value, DynamoDB's.
const serverName = "Server"

// CORS header values. The allowed headers are those the AWS SDKs send
// (when a preflight names none; else its list is echoed).
const (
	corsAllowMethods  = "GET, POST, OPTIONS"
	corsAllowHeaders  = "Accept-Encoding, Amz-Sdk-Invocation-Id, Amz-Sdk-Request, Authorization, Content-Encoding, Content-Type, X-Amz-Content-Sha256, X-Amz-Date, X-Amz-Security-Token, X-Amz-Target, X-Amz-User-Agent"
	corsExposeHeaders = "x-amzn-RequestId, x-amz-crc32, x-amzn-ErrorType, x-amzn-ErrorMessage, Date"
	corsMaxAge        = "172800"
)

// edge is what a reply's headers take from its request.
type edge struct {
	cors string // Access-Control-Allow-Origin's value ("": none; see corsOrigin)
	gzip bool   // the client accepts a gzipped reply
}

// corsOrigin returns the Access-Control-Allow-Origin value for a request
// from origin ("" when the request has none or it is not allowed).
//
// Which web pages may call the API (Options.CORSOrigins): by default,
// pages served from this machine (an origin whose host is localhost,
// *.localhost, 127.0.0.0/8 or [::1]), unless signatures are verified
// (Options.Credentials), when any page may: a page cannot sign without a
// secret. Without credentials the server takes any signature, so a
// page of any web site open in a browser beside the server could read
// and change every table through it; browsers let a page send this API's
// requests (X-Amz-Target, JSON) only once a preflight allowed its
// origin, and that is what this refuses. ["*"] allows every origin.
func (h *Handler) corsOrigin(origin string) string {
	if origin == "" {
		return ""
	}
	allowed := h.opts.CORSOrigins
	if allowed == nil {
		if h.opts.Credentials != nil {
			return "*"
		}
		if loopbackOrigin(origin) {
			return origin
		}
		return ""
	}
	for _, a := range allowed {
		if a == "*" {
			return "*"
		}
		if strings.EqualFold(a, origin) {
			return origin
		}
	}
	return ""
}

// loopbackOrigin reports whether a browser origin ("scheme://host[:port]")
// names this machine.
func loopbackOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// acceptsGzip reports whether an Accept-Encoding value accepts gzip: a
// gzip (or x-gzip) coding, or *, without q=0.
func acceptsGzip(v string) bool {
	for v != "" {
		var item string
		item, v, _ = strings.Cut(v, ",")
		coding, params, _ := strings.Cut(item, ";")
		coding = strings.TrimSpace(coding)
		if !strings.EqualFold(coding, "gzip") && !strings.EqualFold(coding, "x-gzip") && coding != "*" {
			continue
		}
		return !qZero(params)
	}
	return false
}

// qZero reports whether Accept-Encoding parameters say q=0 (0, 0.0, 0.000).
func qZero(params string) bool {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		name, val, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		val = strings.TrimSpace(val)
		if val == "" || val[0] != '0' {
			return false
		}
		return strings.Trim(val[1:], ".0") == ""
	}
	return false
}

// errContentEncoding is DynamoDB's answer to a body it cannot decode.
func errContentEncoding() *Error {
	return &Error{Status: 500, Type: nsDynamoDB + "InternalServerError", Message: "Internal server error"}
}

// errDecodedTooLarge is returned by decodeBody for a body over
// MaxRequestBytes once decompressed (answered 413, as a plain one).
var errDecodedTooLarge = errors.New("dynamodb: decompressed request body too large")

// decodeBody undoes a request's Content-Encoding (a comma-separated list
// of codings, applied in order). It returns body itself when there is
// nothing to undo (no allocation), or DynamoDB's error.
func decodeBody(encoding string, body []byte) ([]byte, *Error, error) {
	if encoding == "" {
		return body, nil, nil
	}
	gzips := 0
	for rest := encoding; rest != ""; {
		var c string
		c, rest, _ = strings.Cut(rest, ",")
		switch c = strings.TrimSpace(c); {
		case strings.EqualFold(c, "gzip"), strings.EqualFold(c, "x-gzip"):
			gzips++
		case strings.EqualFold(c, "identity"), c == "":
		default:
			return nil, errContentEncoding(), nil
		}
	}
	for ; gzips > 0; gzips-- {
		out, err := gunzip(body)
		if err == errDecodedTooLarge {
			return nil, nil, err
		}
		if err != nil {
			return nil, errContentEncoding(), nil
		}
		body = out
	}
	return body, nil, nil
}

var gzipReaders sync.Pool // *gzip.Reader

// gunzip decompresses every gzip member of b, refusing anything else after
// them and more than MaxRequestBytes of output.
func gunzip(b []byte) ([]byte, error) {
	src := bytes.NewReader(b)
	zr, _ := gzipReaders.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(src)
	} else {
		err = zr.Reset(src)
	}
	if err != nil {
		return nil, err
	}
	defer gzipReaders.Put(zr)
	size := 4 * len(b)
	if size > MaxRequestBytes {
		size = MaxRequestBytes
	}
	out := make([]byte, 0, size+1)
	lr := io.LimitReader(zr, MaxRequestBytes+1)
	for {
		if len(out) == cap(out) {
			out = append(out, 0)[:len(out)]
		}
		n, err := lr.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if len(out) > MaxRequestBytes {
		return nil, errDecodedTooLarge
	}
	return out, nil
}

var (
	gzipWriters sync.Pool // *gzip.Writer
	gzipBuffers sync.Pool // *bytes.Buffer
)

// gzipReply returns body gzipped into a pooled buffer, to be given back
// with releaseGzip once the reply is written; nil when body should go as
// it is (too small to gain).
func gzipReply(body []byte) *bytes.Buffer {
	if len(body) < gzipMinBytes {
		return nil
	}
	buf, _ := gzipBuffers.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	buf.Reset()
	zw, _ := gzipWriters.Get().(*gzip.Writer)
	if zw == nil {
		zw, _ = gzip.NewWriterLevel(buf, gzip.BestSpeed)
	} else {
		zw.Reset(buf)
	}
	zw.Write(body)
	zw.Close()
	gzipWriters.Put(zw)
	return buf
}

// releaseGzip gives a gzipReply buffer back to the pool (nil: none).
func releaseGzip(buf *bytes.Buffer) {
	if buf == nil || buf.Cap() > 1<<20 {
		return
	}
	gzipBuffers.Put(buf)
}
