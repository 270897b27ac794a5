// Package http1 is a small HTTP/1.1 server for request/response APIs such
// as DynamoDB's JSON protocol, where every request carries a small body and
// gets a small reply. It does the per-request work net/http does without
// its per-request costs: no header maps, no bufio or textproto readers, no
// per-request goroutine state, no allocation on the hot path.
//
// # What it does
//
// Each connection is one goroutine with a reusable read buffer (4 KiB,
// grown for a large request up to the limits, dropped when the connection
// goes idle with a large one) and a reusable output buffer. The goroutine
// parses and serves every complete request already in the read buffer,
// appending each reply to the output buffer, and writes the output with one
// write when no complete request is left (or once it passes 256 KiB): a
// pipeline of requests costs one write.
//
// Requests are parsed per RFC 9112 (parse.go): the request line, header
// fields (kept as offsets into the read buffer, looked up by a linear
// ASCII case-insensitive scan), and a body framed by Content-Length or by
// the chunked transfer coding, decoded in place. The handler is given the
// whole body. Malformed or over-limit requests are answered by the server
// itself with a short reply (400, 413, 417, 431, 501, 505, 408 on a read
// timeout in the middle of a request) and the connection is closed. The
// Expect: 100-continue mechanism, persistent connections (HTTP/1.1 by
// default, HTTP/1.0 with Connection: keep-alive), HEAD, read, idle and
// write timeouts, panics in handlers (answered with 500, the connection
// closed) and a graceful Shutdown are supported.
//
// A handler that may run long polls Request.ClientGone, which peeks at the
// socket without blocking (no reader goroutine per request), to stop work
// whose client has closed the connection, and Request.Received to apply a
// deadline of its own.
//
// Every reply carries a Date header (formatted at most once a second,
// date.go) and a Content-Length the server computes from the body; the
// handler's own Content-Length, Transfer-Encoding and Connection headers
// are not copied into the reply (see Response.AddHeader).
//
// # What it does not do
//
//   - No HTTP/2, no TLS, no upgrades (101) or CONNECT tunnels.
//   - No response streaming: a reply is built whole in memory and sent
//     with a Content-Length; there is no chunked response encoding.
//   - No request streaming: the handler runs once the whole body has
//     arrived (bounded by Server.MaxBodyBytes).
//   - Trailer fields of a chunked request are read and discarded, not
//     given to the handler.
//   - No transfer codings other than chunked (a request with one gets
//     501), no automatic compression, no URL decoding or routing: Path
//     and RawQuery are the raw bytes of the request-target.
//   - Request and Response values, and every byte slice of a Request, are
//     valid only until the handler returns; a handler must copy what it
//     keeps.
package http1
