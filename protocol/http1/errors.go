package http1

import "errors"

// ErrServerClosed is returned by Serve once Shutdown or Close has been
// called.
var ErrServerClosed = errors.New("http1: server closed")

// errNilHandler is returned by Serve on a Server without a Handler.
var errNilHandler = errors.New("http1: Server.Handler is nil")

// statusError is a request the server refuses itself. The client gets a
// reply with status and the connection is closed, since after a framing
// error the next request cannot be found reliably.
type statusError struct {
	status int
	msg    string // "http1: ..."
}

func (e *statusError) Error() string { return e.msg }

// The errors of parsing and reading a request.
var (
	errRequestLine        = &statusError{400, "http1: malformed request line"}
	errMethod             = &statusError{400, "http1: invalid method"}
	errTarget             = &statusError{400, "http1: invalid request target"}
	errVersion            = &statusError{400, "http1: malformed HTTP version"}
	errUnsupportedVersion = &statusError{505, "http1: unsupported HTTP version"}
	errHeaderLine         = &statusError{400, "http1: malformed header line"}
	errHeaderName         = &statusError{400, "http1: invalid header name"}
	errHeaderValue        = &statusError{400, "http1: invalid header value"}
	errObsFold            = &statusError{400, "http1: obsolete line folding"}
	errHost               = &statusError{400, "http1: missing, repeated or invalid Host header"}
	errContentLength      = &statusError{400, "http1: invalid Content-Length"}
	errBothLengths        = &statusError{400, "http1: both Transfer-Encoding and Content-Length"}
	errTransferEncoding   = &statusError{400, "http1: invalid Transfer-Encoding"}
	errUnsupportedCoding  = &statusError{501, "http1: unsupported transfer coding"}
	errChunked            = &statusError{400, "http1: malformed chunked body"}
	errChunkOverhead      = &statusError{400, "http1: chunked body has too much non-data"}
	errHeaderTooLarge     = &statusError{431, "http1: request header too large"}
	errBodyTooLarge       = &statusError{413, "http1: request body too large"}
	errExpectation        = &statusError{417, "http1: unsupported expectation"}
	errReadTimeout        = &statusError{408, "http1: timeout reading request"}
	errHandlerPanic       = &statusError{500, "http1: handler panicked"}
	errBadStatus          = &statusError{500, "http1: handler set an invalid status"}
)

// errIncomplete says the buffer holds only the beginning of a request.
var errIncomplete = errors.New("http1: incomplete request")

// errClosed ends a connection without a reply: the client went away or
// stayed idle too long, a write failed, or the server is shutting down.
var errClosed = errors.New("http1: connection closed")
