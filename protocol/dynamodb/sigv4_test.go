package dynamodb_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/protocol/http1"
	"github.com/dynacache/dynacache/shard"
)

var sigCreds = map[string]string{"AKIDLOCAL": "s3cret/Key+1", "AKIDOTHER": "other"}

// sigServers starts a handler that verifies signatures behind both HTTP
// servers, and returns their base URLs.
func sigServers(t *testing.T) map[string]string {
	t.Helper()
	h := dynamodb.NewHandler(shard.New(nil), dynamodb.Options{Credentials: sigCreds})
	t.Cleanup(h.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http1.Server{Handler: h, MaxBodyBytes: dynamodb.MaxRequestBytes}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	ns := httptest.NewServer(h)
	t.Cleanup(ns.Close)
	return map[string]string{"http1": "http://" + ln.Addr().String(), "net/http": ns.URL}
}

// signed builds a ListTables request signed by the AWS SDK's own signer.
func signed(t *testing.T, url, akid, secret string, at time.Time, chunked bool) *http.Request {
	t.Helper()
	body := []byte(`{}`)
	req, _ := http.NewRequest("POST", url+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
	if chunked { // sent as it is signed: with no Content-Length
		req.ContentLength = -1
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.TransferEncoding = []string{"chunked"}
	}
	sum := sha256.Sum256(body)
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret},
		req, hex.EncodeToString(sum[:]), "dynamodb", "us-east-1", at)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func do(t *testing.T, req *http.Request) (int, string, string) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	json.Unmarshal(b, &e)
	return res.StatusCode, e.Type, e.Message
}

func TestSigV4(t *testing.T) {
	now := time.Now()
	for name, url := range sigServers(t) {
		t.Run(name, func(t *testing.T) {
			cases := []struct {
				name    string
				req     func() *http.Request
				status  int
				errType string
				msg     string // prefix
			}{
				{"valid", func() *http.Request { return signed(t, url, "AKIDLOCAL", sigCreds["AKIDLOCAL"], now, false) }, 200, "", ""},
				{"valid, second key", func() *http.Request { return signed(t, url, "AKIDOTHER", "other", now, false) }, 200, "", ""},
				{"valid, chunked body", func() *http.Request { return signed(t, url, "AKIDLOCAL", sigCreds["AKIDLOCAL"], now, true) }, 200, "", ""},
				{"wrong secret", func() *http.Request { return signed(t, url, "AKIDLOCAL", "wrong", now, false) }, 400,
					"com.amazon.coral.service#InvalidSignatureException", "The request signature we calculated does not match the signature you provided."},
				{"unknown key", func() *http.Request { return signed(t, url, "AKIDNOBODY", "x", now, false) }, 400,
					"com.amazon.coral.service#UnrecognizedClientException", "The security token included in the request is invalid."},
				{"expired", func() *http.Request {
					return signed(t, url, "AKIDLOCAL", sigCreds["AKIDLOCAL"], now.Add(-16*time.Minute), false)
				}, 400,
					"com.amazon.coral.service#InvalidSignatureException", "Signature expired: "},
				{"not yet current", func() *http.Request {
					return signed(t, url, "AKIDLOCAL", sigCreds["AKIDLOCAL"], now.Add(16*time.Minute), false)
				}, 400,
					"com.amazon.coral.service#InvalidSignatureException", "Signature not yet current: "},
				{"within the window", func() *http.Request {
					return signed(t, url, "AKIDLOCAL", sigCreds["AKIDLOCAL"], now.Add(-10*time.Minute), false)
				}, 200, "", ""},
				{"body changed after signing", func() *http.Request {
					r := signed(t, url, "AKIDLOCAL", sigCreds["AKIDLOCAL"], now, false)
					r.Body = io.NopCloser(strings.NewReader(`{"Limit":1}`))
					r.ContentLength = int64(len(`{"Limit":1}`))
					return r
				}, 400, "com.amazon.coral.service#InvalidSignatureException", "The request signature we calculated"},
				{"target changed after signing", func() *http.Request {
					r := signed(t, url, "AKIDLOCAL", sigCreds["AKIDLOCAL"], now, false)
					r.Header.Set("X-Amz-Target", "DynamoDB_20120810.NoSuchOperation")
					return r
				}, 400, "com.amazon.coral.service#UnknownOperationException", ""},
				{"incomplete", func() *http.Request {
					r := signed(t, url, "AKIDLOCAL", sigCreds["AKIDLOCAL"], now, false)
					r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/dynamodb/aws4_request")
					return r
				}, 400, "com.amazon.coral.service#IncompleteSignatureException",
					"Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."},
				{"no signature", func() *http.Request {
					r := signed(t, url, "AKIDLOCAL", sigCreds["AKIDLOCAL"], now, false)
					r.Header.Del("Authorization")
					return r
				}, 400, "com.amazon.coral.service#MissingAuthenticationTokenException", "Request is missing Authentication Token"},
				{"presigned", func() *http.Request { return presigned(t, url, "AKIDLOCAL", sigCreds["AKIDLOCAL"], now) }, 200, "", ""},
				{"presigned, wrong secret", func() *http.Request { return presigned(t, url, "AKIDLOCAL", "nope", now) }, 400,
					"com.amazon.coral.service#InvalidSignatureException", "The request signature we calculated"},
				{"presigned, expired", func() *http.Request {
					return presigned(t, url, "AKIDLOCAL", sigCreds["AKIDLOCAL"], now.Add(-20*time.Minute))
				}, 400,
					"com.amazon.coral.service#InvalidSignatureException", "Signature expired: "},
			}
			for _, c := range cases {
				status, typ, msg := do(t, c.req())
				if status != c.status || typ != c.errType || !strings.HasPrefix(msg, c.msg) {
					t.Errorf("%s: %d %s %q, want %d %s %q", c.name, status, typ, msg, c.status, c.errType, c.msg)
				}
			}
		})
	}
}

// presigned builds a ListTables request presigned by the AWS SDK's signer
// (X-Amz-Expires 900 s).
func presigned(t *testing.T, url, akid, secret string, at time.Time) *http.Request {
	t.Helper()
	body := []byte(`{}`)
	req, _ := http.NewRequest("POST", url+"/?X-Amz-Expires=900", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
	sum := sha256.Sum256(body)
	u, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret},
		req, hex.EncodeToString(sum[:]), "dynamodb", "us-east-1", at)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := http.NewRequest("POST", u, bytes.NewReader(body))
	for k, v := range hdr {
		out.Header[k] = v
	}
	out.Header.Set("Content-Type", "application/x-amz-json-1.0")
	out.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
	return out
}

// TestSigV4SDK: the SDK client works with a configured key and gets
// DynamoDB's errors with a wrong secret or an unknown key.
func TestSigV4SDK(t *testing.T) {
	url := sigServers(t)["http1"]
	client := func(akid, secret string) *ddb.Client {
		return ddb.New(ddb.Options{Region: "eu-west-1", BaseEndpoint: aws.String(url),
			Credentials: credentials.NewStaticCredentialsProvider(akid, secret, ""), RetryMaxAttempts: 1})
	}
	ctx := context.Background()
	createMusic(t, client("AKIDLOCAL", sigCreds["AKIDLOCAL"]))
	if _, err := client("AKIDOTHER", "other").DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("Music")}); err != nil {
		t.Fatal(err)
	}
	_, err := client("AKIDLOCAL", "bad").ListTables(ctx, &ddb.ListTablesInput{})
	apiErr(t, err, "InvalidSignatureException", "")
	_, err = client("AKIDNOBODY", "x").ListTables(ctx, &ddb.ListTablesInput{})
	apiErr(t, err, "UnrecognizedClientException", "The security token included in the request is invalid.")
}
