package dynamodb

import (
	"context"
	"time"
)

// A request's work stops early when nobody will read its reply (the
// client closed its connection) or when it has run past the server's
// deadline (Options.RequestTimeout). The loops whose length the request
// decides poll a stopper: the items of a Query or Scan page (each read,
// filtered, projected and encoded) and the keys of a BatchGetItem.
// Expression parsing needs no polling: MaxExpressionBytes bounds it.
//
// Writes are never stopped: a write that has begun runs to its reply, so
// a cancellation cannot leave it half-applied (single-item writes and
// BatchWriteItem's puts and deletes do not poll at all).
//
// Polling costs a counter increment per step; every stopPollEvery steps
// it reads the clock and asks the connection (one non-blocking system
// call, http1.Request.ClientGone, or net/http's request context). A small
// request never polls, and a stopper allocates nothing: it is copied into
// the decoded input of the operations that poll it.

// stopPollEvery is how many steps pass between two polls.
const stopPollEvery = 64

// clientProbe tells whether a request's client has gone
// (*http1.Request).
type clientProbe interface{ ClientGone() bool }

// stopper is one request's cancellation. The zero value never stops.
type stopper struct {
	deadline time.Time       // zero: none
	client   clientProbe     // nil: cannot tell
	ctx      context.Context // net/http's request context; nil: none
	steps    uint32
	// host is the Host the client addressed (DescribeEndpoints answers
	// it); "" when the request came by another protocol.
	host string
	// signed is the body as the client sent it when its Content-Encoding
	// was undone (the signature covers these bytes); nil: the body itself.
	signed []byte
}

// signedBody returns the bytes a request's signature covers: body, or the
// body as sent before its Content-Encoding was undone.
func (st *stopper) signedBody(body []byte) []byte {
	if st != nil && st.signed != nil {
		return st.signed
	}
	return body
}

// errRequestTimeout is the reply to a request stopped by the server's
// deadline: DynamoDB's answer to a request that failed on its side
// (SDKs retry it).
func errRequestTimeout() *Error {
	return &Error{Status: 500, Type: nsDynamoDB + "InternalServerError", Message: "Internal server error"}
}

// Why a request stopped, for tests.
const (
	stopDeadline   = "deadline"
	stopClientGone = "client gone"
)

// Test hooks: timeNow is the clock of deadlines; testHookPoll, when set,
// runs at the start of each poll; testHookStop is told each stop and the
// steps taken.
var (
	timeNow      = time.Now
	testHookPoll func(s *stopper)
	testHookStop func(reason string, steps uint32)
)

// check counts one step of a long loop and, every stopPollEvery steps,
// polls: it returns the error to stop with, or nil. s may be nil.
func (s *stopper) check() *Error {
	if s == nil {
		return nil
	}
	s.steps++
	if s.steps%stopPollEvery != 0 {
		return nil
	}
	return s.poll()
}

func (s *stopper) poll() *Error {
	if testHookPoll != nil {
		testHookPoll(s)
	}
	reason := ""
	switch {
	case !s.deadline.IsZero() && !timeNow().Before(s.deadline):
		reason = stopDeadline
	case s.ctx != nil && s.ctx.Err() != nil:
		reason = stopClientGone
	case s.client != nil && s.client.ClientGone():
		reason = stopClientGone
	default:
		return nil
	}
	if testHookStop != nil {
		testHookStop(reason, s.steps)
	}
	// The client that has gone never reads the reply; the error ends the
	// work all the same.
	return errRequestTimeout()
}

// attachStop gives the decoded input of an operation that polls a copy of
// st.
func attachStop(in any, st *stopper) {
	if st == nil {
		return
	}
	switch in := in.(type) {
	case *QueryInput:
		in.stop = *st
	case *ScanInput:
		in.stop = *st
	case *BatchGetItemInput:
		in.stop = *st
	}
}
