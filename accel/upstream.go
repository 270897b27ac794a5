package accel

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/dynacache/dynacache/protocol/dynamodb"
)

// upstream is the client of the DynamoDB-compatible endpoint behind the
// accelerator: raw JSON bodies, re-signed with SigV4, over a pool of
// keep-alive connections.
type upstream struct {
	endpoint string // the URL requests are posted to
	region   string
	timeout  time.Duration
	creds    aws.CredentialsProvider
	signer   *v4.Signer
	client   *http.Client

	calls   atomic.Uint64 // requests sent
	errs    atomic.Uint64 // requests that got no reply (unreachable, timeout)
	nanos   atomic.Uint64 // total time of calls that got a reply
	replied atomic.Uint64 // calls that got a reply (any status)
}

// maxReplyBytes bounds an upstream reply read into memory: DynamoDB's
// largest replies (a 16 MB BatchGetItem, a 1 MB page with its metadata)
// fit well below it.
const maxReplyBytes = 64 << 20

// newTransport returns the pooled transport: keep-alive connections, as
// many idle ones per host as concurrent requests are expected (the default
// of 2 would make most requests under load open a new connection), no
// transparent gzip (the upstream is near; compression costs CPU on both
// sides and DynamoDB's CRC covers the uncompressed body).
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   5 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   512,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
	}
}

func newUpstream(rawURL, region string, timeout time.Duration, creds aws.CredentialsProvider, rt http.RoundTripper) (*upstream, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("invalid --upstream %q: want an http:// or https:// URL", rawURL)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	if rt == nil {
		rt = newTransport()
	}
	return &upstream{
		endpoint: u.String(),
		region:   region,
		timeout:  timeout,
		creds:    aws.NewCredentialsCache(creds),
		signer:   v4.NewSigner(),
		client:   &http.Client{Transport: rt},
	}, nil
}

// call posts one request and returns the upstream's status and body. An
// error means there was no reply: the upstream could not be reached, did
// not answer within the timeout, or credentials could not be had; it is
// already in DynamoDB's wire form.
func (u *upstream) call(target string, body []byte) (int, []byte, *dynamodb.Error) {
	return u.callContext(context.Background(), target, body)
}

// callContext is call, abandoned when ctx is done.
func (u *upstream) callContext(parent context.Context, target string, body []byte) (int, []byte, *dynamodb.Error) {
	ctx, cancel := context.WithTimeout(parent, u.timeout)
	defer cancel()
	u.calls.Add(1)
	start := time.Now()
	status, reply, err := u.roundTrip(ctx, target, body)
	if err != nil {
		u.errs.Add(1)
		return 0, nil, err
	}
	u.replied.Add(1)
	u.nanos.Add(uint64(time.Since(start)))
	return status, reply, nil
}

func (u *upstream) roundTrip(ctx context.Context, target string, body []byte) (int, []byte, *dynamodb.Error) {
	// The transport may still read the body after the reply came (an
	// early error reply); body may be a connection's buffer that is
	// reused once this request is answered, so the transport gets a copy.
	req, err := http.NewRequestWithContext(ctx, "POST", u.endpoint, bytes.NewReader(bytes.Clone(body)))
	if err != nil {
		return 0, nil, internalError("upstream request: " + err.Error())
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", target)
	creds, err := u.creds.Retrieve(ctx)
	if err != nil {
		return 0, nil, u.unavailable("has no AWS credentials to sign with", err)
	}
	sum := sha256.Sum256(body)
	if err := u.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "dynamodb", u.region, time.Now()); err != nil {
		return 0, nil, internalError("signing the upstream request: " + err.Error())
	}
	resp, err := u.client.Do(req)
	if err != nil {
		return 0, nil, u.unreachable(ctx, err)
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes+1))
	if err != nil {
		return 0, nil, u.unreachable(ctx, err)
	}
	if len(reply) > maxReplyBytes {
		return 0, nil, internalError(fmt.Sprintf("upstream %s sent a reply over %d bytes", u.endpoint, maxReplyBytes))
	}
	return resp.StatusCode, reply, nil
}

// Errors for an upstream that gave no reply. DynamoDB's ServiceUnavailable
// (HTTP 503) says what happened from the client's side: the service is
// not available now, try again. The SDKs retry a 503 with backoff, and
// the message names the upstream and the cause for the person reading it.
const typeServiceUnavailable = "com.amazonaws.dynamodb.v20120810#ServiceUnavailable"

func (u *upstream) unreachable(ctx context.Context, err error) *dynamodb.Error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return &dynamodb.Error{Status: 503, Type: typeServiceUnavailable,
			Message: fmt.Sprintf("upstream %s did not answer within %s", u.endpoint, u.timeout)}
	}
	return u.unavailable("is unreachable", err)
}

func (u *upstream) unavailable(what string, err error) *dynamodb.Error {
	msg := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) {
		msg = ue.Err.Error()
	}
	return &dynamodb.Error{Status: 503, Type: typeServiceUnavailable,
		Message: "upstream " + u.endpoint + " " + what + ": " + msg}
}

func internalError(msg string) *dynamodb.Error {
	return &dynamodb.Error{Status: 500, Type: "com.amazonaws.dynamodb.v20120810#InternalServerError", Message: msg}
}

// upstreamError turns an upstream's error reply into an Error that is
// written to HTTP clients as it came (status and body) and names its type
// and message for the RESP port.
func upstreamError(status int, body []byte) *dynamodb.Error {
	e := &dynamodb.Error{Status: status, Raw: append([]byte(nil), body...)}
	if doc, ok := dynamodb.ParseDoc(body); ok {
		e.Type, _ = doc.Get("__type").Str()
		msg, ok := doc.Get("message").Str()
		if !ok {
			msg, _ = doc.Get("Message").Str()
		}
		e.Message = msg
		e.NoMessage = msg == ""
	}
	if e.Type == "" {
		e.Type = fmt.Sprintf("com.amazonaws.dynamodb.v20120810#UpstreamHTTP%d", status)
		e.Message = strings.TrimSpace(string(body))
		e.NoMessage = e.Message == ""
	}
	return e
}
