package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// AWS's Signature Version 4 test suite (AWS General Reference, "Signature
// Version 4 test suite"): credentials AKIDEXAMPLE, region us-east-1,
// service "service", 2015-08-30T12:36:00Z, host example.amazonaws.com.
var (
	suiteCreds = Credentials{AccessKey: "AKIDEXAMPLE", SecretKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	suiteTime  = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
)

func TestSigV4TestSuite(t *testing.T) {
	const scope = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
	cases := []struct {
		name    string
		method  string
		url     string
		headers map[string][]string
		body    string
		want    string
	}{
		{"get-vanilla", "GET", "https://example.amazonaws.com/", nil, "",
			scope + "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
		{"post-vanilla", "POST", "https://example.amazonaws.com/", nil, "",
			scope + "SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
		{"get-vanilla-query-order-key-case", "GET", "https://example.amazonaws.com/?Param2=value2&Param1=value1", nil, "",
			scope + "SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
		{"get-utf8", "GET", "https://example.amazonaws.com/%E1%88%B4", nil, "",
			scope + "SignedHeaders=host;x-amz-date, Signature=8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
		{"post-x-www-form-urlencoded", "POST", "https://example.amazonaws.com/",
			map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}}, "Param1=value1",
			scope + "SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.Parse(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			hdrs := map[string][]string{}
			for k, v := range tc.headers {
				hdrs[k] = v
			}
			s := NewSigner(suiteCreds, "us-east-1", "service")
			got := s.signHTTPHeaders(tc.method, u, u.Host, hdrs, []byte(tc.body), suiteTime)
			if got != tc.want {
				t.Errorf("Authorization\n got %s\nwant %s", got, tc.want)
			}
			if hdrs["X-Amz-Date"][0] != "20150830T123600Z" {
				t.Errorf("X-Amz-Date = %q", hdrs["X-Amz-Date"])
			}
		})
	}
}

// The derived signing key of the suite's scope, as published.
func TestSigV4SigningKey(t *testing.T) {
	got := hex.EncodeToString(signingKey(suiteCreds.SecretKey, "20150830", "us-east-1", "service"))
	if want := "938127b5336810ddb6a5d6af445fcac9e371f9ed418ed386b022aed82901be75"; got != want {
		t.Errorf("signing key %s, want %s", got, want)
	}
}

// The hot-path signer (dynamoClient.call) must agree with aws-sdk-go-v2's
// signer on DynamoDB requests, with and without a session token, across a
// day boundary (the cached key is re-derived).
func TestSigV4MatchesSDK(t *testing.T) {
	for _, tok := range []string{"", "FQoGZXIvYXdzEXAMPLETOKEN"} {
		for _, at := range []time.Time{suiteTime, suiteTime.Add(24 * time.Hour)} {
			creds := Credentials{AccessKey: "AKIDEXAMPLE", SecretKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", SessionToken: tok}
			body := []byte(`{"TableName":"bench","Key":{"pk":{"S":"user0000000001"},"sk":{"S":"000002"}}}`)
			host := "127.0.0.1:8000"
			amzDate := at.Format(amzDateFmt)

			s := NewSigner(creds, "eu-west-1", "dynamodb")
			hs := []header{{"content-type", jsonType}, {"host", host}, {"x-amz-date", amzDate}}
			if tok != "" {
				hs = append(hs, header{"x-amz-security-token", tok})
			}
			hs = append(hs, header{"x-amz-target", targetPrefix + "GetItem"})
			sum := sha256.Sum256(body)
			// Sign twice: the second use of the cached key must agree.
			s.appendAuthorization(nil, "POST", "/", "", hs, hex.EncodeToString(sum[:]), amzDate)
			mine := string(s.appendAuthorization(nil, "POST", "/", "", hs, hex.EncodeToString(sum[:]), amzDate))

			req, _ := http.NewRequest("POST", "http://"+host+"/", bytes.NewReader(body))
			req.ContentLength = 0 // the SDK would sign content-length; our client does not
			req.Header.Set("Content-Type", jsonType)
			req.Header.Set("X-Amz-Target", targetPrefix+"GetItem")
			sdkCreds := aws.Credentials{AccessKeyID: creds.AccessKey, SecretAccessKey: creds.SecretKey, SessionToken: tok}
			if err := v4.NewSigner().SignHTTP(context.Background(), sdkCreds, req, hex.EncodeToString(sum[:]), "dynamodb", "eu-west-1", at); err != nil {
				t.Fatal(err)
			}
			if sdk := req.Header.Get("Authorization"); sdk != mine {
				t.Errorf("token %q, %s:\n mine %s\n sdk  %s", tok, amzDate, mine, sdk)
			}
		}
	}
}

var authRE = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$`)

// verifyingServer is a DynamoDB stand-in that checks every request's
// signature the way AWS does (recomputing it, here with the SDK's signer,
// from the headers the request says it signed) and answers the table
// setup; every other operation gets {} (a GetItem miss, a put done).
func verifyingServer(t *testing.T, secret string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fail := func(msg string) {
			w.Header().Set("Content-Type", jsonType)
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"__type":"com.amazon.coral.service#InvalidSignatureException","message":%q}`, msg)
		}
		m := authRE.FindStringSubmatch(r.Header.Get("Authorization"))
		if m == nil {
			fail("bad Authorization: " + r.Header.Get("Authorization"))
			return
		}
		at, err := time.Parse(amzDateFmt, r.Header.Get("X-Amz-Date"))
		if err != nil || at.Format("20060102") != m[2] {
			fail("bad X-Amz-Date")
			return
		}
		check, _ := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
		check.ContentLength = 0
		for _, name := range strings.Split(m[5], ";") {
			if name == "host" || name == "x-amz-date" {
				continue
			}
			if name == "content-length" {
				check.ContentLength = r.ContentLength
				continue
			}
			check.Header[http.CanonicalHeaderKey(name)] = r.Header.Values(name)
		}
		sum := sha256.Sum256(body)
		creds := aws.Credentials{AccessKeyID: m[1], SecretAccessKey: secret, SessionToken: r.Header.Get("X-Amz-Security-Token")}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, check, hex.EncodeToString(sum[:]), m[4], m[3], at); err != nil {
			fail(err.Error())
			return
		}
		if check.Header.Get("Authorization") != r.Header.Get("Authorization") {
			fail("The request signature we calculated does not match the signature you provided.")
			return
		}
		w.Header().Set("Content-Type", jsonType)
		switch strings.TrimPrefix(r.Header.Get("X-Amz-Target"), targetPrefix) {
		case "DescribeTable":
			io.WriteString(w, `{"Table":{"TableName":"bench","TableStatus":"ACTIVE"}}`)
		default:
			io.WriteString(w, `{}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// The generator's real requests pass a server that verifies signatures;
// the same requests signed with a wrong secret are refused and reported.
func TestSignedRequestsVerify(t *testing.T) {
	srv := verifyingServer(t, "s3cret")
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s3cret", "AWS_SESSION_TOKEN": "tok", "AWS_REGION": "eu-west-1"}
	getenv := func(k string) string { return env[k] }
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"--target", srv.URL, "--mix", "get=1,put=1,update=1,query=1,batchget=1,batchwrite=1,rmw=1",
		"--records", "50", "--ops", "300", "--connections", "3", "--warmup", "0s", "--fail-on-error", "--json"}, getenv, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out.String(), errb.String())
	}

	env["AWS_SECRET_ACCESS_KEY"] = "wrong"
	out.Reset()
	errb.Reset()
	code = run(context.Background(), []string{"--target", srv.URL, "--workload", "get", "--skip-load", "--ops", "20", "--connections", "1", "--warmup", "0s"}, getenv, &out, &errb)
	// DescribeTable is refused first: the run cannot start.
	if code != 1 || !strings.Contains(errb.String(), "InvalidSignatureException") {
		t.Fatalf("wrong secret: exit %d, stderr %q", code, errb.String())
	}
}

func BenchmarkSign(b *testing.B) {
	body := []byte(`{"TableName":"bench","Key":{"pk":{"S":"user0000000001"},"sk":{"S":"000002"}}}`)
	sum := sha256.Sum256(body)
	payload := hex.EncodeToString(sum[:])
	amzDate := suiteTime.Format(amzDateFmt)
	b.Run("bench", func(b *testing.B) {
		s := NewSigner(suiteCreds, "us-east-1", "dynamodb")
		hs := []header{{"content-type", jsonType}, {"host", "127.0.0.1:8000"}, {"x-amz-date", amzDate}, {"x-amz-target", targetPrefix + "GetItem"}}
		var dst []byte
		b.ReportAllocs()
		for b.Loop() {
			dst = s.appendAuthorization(dst[:0], "POST", "/", "", hs, payload, amzDate)
		}
	})
	b.Run("aws-sdk-go-v2", func(b *testing.B) {
		signer := v4.NewSigner()
		creds := aws.Credentials{AccessKeyID: suiteCreds.AccessKey, SecretAccessKey: suiteCreds.SecretKey}
		req, _ := http.NewRequest("POST", "http://127.0.0.1:8000/", nil)
		req.Header.Set("Content-Type", jsonType)
		req.Header.Set("X-Amz-Target", targetPrefix+"GetItem")
		b.ReportAllocs()
		for b.Loop() {
			if err := signer.SignHTTP(context.Background(), creds, req, payload, "dynamodb", "us-east-1", suiteTime); err != nil {
				b.Fatal(err)
			}
		}
	})
}
