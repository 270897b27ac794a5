package dynamodb

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dynacache/dynacache/protocol/http1"
)

// Signature Version 4 verification (Options.Credentials). Unset, any
// AWS4 signature passes, as before; set, every request must be signed
// with one of the configured keys, by header or presigned query, within 15
// minutes of the server's clock, and gets DynamoDB's errors otherwise:
//
//	MissingAuthenticationTokenException  no signature at all (checkAuth)
//	IncompleteSignatureException         a malformed Authorization header or query
//	UnrecognizedClientException          an access key that is not configured
//	InvalidSignatureException            a wrong signature, or one outside the 15 minutes
//
// The canonical request is built as the AWS SDKs build it: method, the
// path URI-encoded, the query sorted, the signed headers lower-cased with
// their values trimmed and inner spaces collapsed, the SHA-256 of the body
// (or the x-amz-content-sha256 the client signed, e.g. UNSIGNED-PAYLOAD).

// sigRequest is the part of an HTTP request a signature covers.
type sigRequest interface {
	method() string
	path() string
	rawQuery() string
	// headerValues returns every value of the header name (compared
	// case-insensitively); Host comes from the request line or Host field.
	headerValues(name string) []string
}

// netRequest adapts net/http.
type netRequest http.Request

func (r *netRequest) method() string   { return r.Method }
func (r *netRequest) path() string     { return r.URL.EscapedPath() }
func (r *netRequest) rawQuery() string { return r.URL.RawQuery }
func (r *netRequest) headerValues(name string) []string {
	if strings.EqualFold(name, "host") {
		return []string{r.Host}
	}
	return (*http.Request)(r).Header.Values(name)
}

// http1Request adapts protocol/http1.
type http1Request http1.Request

func (r *http1Request) method() string   { return string(r.Method) }
func (r *http1Request) path() string     { return string(r.Path) }
func (r *http1Request) rawQuery() string { return string(r.RawQuery) }
func (r *http1Request) headerValues(name string) []string {
	var out []string
	(*http1.Request)(r).HeaderValues(name, func(v []byte) { out = append(out, string(v)) })
	return out
}

// sigWindow is how far a signature's time may be from the server's.
const sigWindow = 15 * time.Minute

const sigAlgorithm = "AWS4-HMAC-SHA256"

func incompleteSignature(msg string) *Error {
	return &Error{Status: 400, Type: nsCoralService + "IncompleteSignatureException", Message: msg}
}

func invalidSignature(msg string) *Error {
	return &Error{Status: 400, Type: nsCoralService + "InvalidSignatureException", Message: msg}
}

// msgSignatureMismatch is AWS's message for a signature that does not
// verify.
const msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

// sigParts are the parsed parts of a signature.
type sigParts struct {
	accessKey, date, region, service string // from the credential scope
	signedHeaders                    []string
	signature                        string
	amzDate                          string // the request time, yyyymmddThhmmssZ
	presigned                        bool
	expires                          time.Duration // presigned only
}

// verifySignature checks req's signature against creds (access key id ->
// secret) at time now.
func verifySignature(creds map[string]string, req sigRequest, auth string, body []byte, now time.Time) *Error {
	var p sigParts
	var e *Error
	query, _ := url.ParseQuery(req.rawQuery())
	if auth != "" {
		p, e = parseAuthHeader(auth, req)
	} else {
		p, e = parsePresigned(query)
	}
	if e != nil {
		return e
	}
	secret, ok := creds[p.accessKey]
	if !ok {
		return &Error{Status: 400, Type: nsCoralService + "UnrecognizedClientException", Message: "The security token included in the request is invalid."}
	}
	t, err := time.Parse("20060102T150405Z", p.amzDate)
	if err != nil {
		return incompleteSignature("Date must be in ISO-8601 'basic format'. Got '" + p.amzDate + "'. See http://en.wikipedia.org/wiki/ISO_8601")
	}
	if p.presigned {
		if now.After(t.Add(p.expires)) {
			return invalidSignature("Signature expired: " + t.Add(p.expires).UTC().Format("20060102T150405Z") + " is now earlier than " + now.UTC().Format("20060102T150405Z"))
		}
	} else {
		if t.Before(now.Add(-sigWindow)) {
			return invalidSignature("Signature expired: " + p.amzDate + " is now earlier than " + now.Add(-sigWindow).UTC().Format("20060102T150405Z") +
				" (" + now.UTC().Format("20060102T150405Z") + " - 15 min.)")
		}
	}
	if t.After(now.Add(sigWindow)) {
		return invalidSignature("Signature not yet current: " + p.amzDate + " is still later than " + now.Add(sigWindow).UTC().Format("20060102T150405Z") +
			" (" + now.UTC().Format("20060102T150405Z") + " + 15 min.)")
	}
	if p.date != p.amzDate[:8] {
		return invalidSignature("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" + p.date + "' != '" + p.amzDate[:8] + "', from '" + p.amzDate + "'.")
	}
	want := signature(secret, &p, canonicalRequest(req, &p, query, body))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(p.signature))) {
		return invalidSignature(msgSignatureMismatch)
	}
	return nil
}

// parseAuthHeader parses "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
// Signature=...", reporting every missing part at once as AWS does.
func parseAuthHeader(auth string, req sigRequest) (sigParts, *Error) {
	var p sigParts
	alg, rest, _ := strings.Cut(strings.TrimSpace(auth), " ")
	if alg != sigAlgorithm {
		return p, incompleteSignature("Unsupported AWS 'algorithm': '" + alg + "'. Supported algorithms: '" + sigAlgorithm + "'")
	}
	var cred, signed string
	var haveCred, haveSigned, haveSig bool
	for _, kv := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			continue
		}
		switch k {
		case "Credential":
			cred, haveCred = v, true
		case "SignedHeaders":
			signed, haveSigned = v, true
		case "Signature":
			p.signature, haveSig = v, true
		}
	}
	if v := req.headerValues("X-Amz-Date"); len(v) > 0 {
		p.amzDate = v[0]
	} else if v := req.headerValues("Date"); len(v) > 0 {
		if t, err := http.ParseTime(v[0]); err == nil {
			p.amzDate = t.UTC().Format("20060102T150405Z")
		} else {
			p.amzDate = v[0]
		}
	}
	var missing []string
	if !haveCred {
		missing = append(missing, "Authorization header requires 'Credential' parameter.")
	}
	if !haveSig {
		missing = append(missing, "Authorization header requires 'Signature' parameter.")
	}
	if !haveSigned {
		missing = append(missing, "Authorization header requires 'SignedHeaders' parameter.")
	}
	if p.amzDate == "" {
		missing = append(missing, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if len(missing) > 0 {
		return p, incompleteSignature(strings.Join(missing, " ") + " Authorization=" + strings.TrimSpace(auth))
	}
	if e := p.setCredential(cred); e != nil {
		return p, e
	}
	p.signedHeaders = strings.Split(signed, ";")
	return p, nil
}

// parsePresigned parses a presigned query's X-Amz-* parameters.
func parsePresigned(q url.Values) (sigParts, *Error) {
	p := sigParts{presigned: true}
	if alg := q.Get("X-Amz-Algorithm"); alg != sigAlgorithm {
		return p, incompleteSignature("Unsupported AWS 'algorithm': '" + alg + "'. Supported algorithms: '" + sigAlgorithm + "'")
	}
	var missing []string
	for _, k := range []string{"X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"} {
		if !q.Has(k) {
			missing = append(missing, "AWS query-string parameters must include '"+k+"'.")
		}
	}
	if len(missing) > 0 {
		return p, incompleteSignature(strings.Join(missing, " ") + " Re-examine the query-string parameters.")
	}
	p.amzDate = q.Get("X-Amz-Date")
	p.signature = q.Get("X-Amz-Signature")
	p.signedHeaders = strings.Split(q.Get("X-Amz-SignedHeaders"), ";")
	p.expires = sigWindow
	if ex := q.Get("X-Amz-Expires"); ex != "" {
		d, err := time.ParseDuration(ex + "s")
		if err != nil || d < 0 || d > 7*24*time.Hour {
			return p, incompleteSignature("X-Amz-Expires must be a non-negative integer number of seconds, at most 604800: '" + ex + "'.")
		}
		p.expires = d
	}
	return p, p.setCredential(q.Get("X-Amz-Credential"))
}

// setCredential parses AKID/yyyymmdd/region/service/aws4_request.
func (p *sigParts) setCredential(cred string) *Error {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return incompleteSignature("Credential should have exactly 5 slash-separated parts, not " + strconv.Itoa(len(parts)) + ": '" + cred + "'.")
	}
	p.accessKey, p.date, p.region, p.service = parts[0], parts[1], parts[2], parts[3]
	if parts[4] != "aws4_request" {
		return incompleteSignature("Credential should be scoped with a valid terminator: 'aws4_request', not '" + parts[4] + "'.")
	}
	if p.service != "dynamodb" {
		return invalidSignature("Credential should be scoped to correct service: 'dynamodb'. ")
	}
	return nil
}

// canonicalRequest builds SigV4's canonical request.
func canonicalRequest(req sigRequest, p *sigParts, query url.Values, body []byte) string {
	var b strings.Builder
	b.WriteString(req.method())
	b.WriteByte('\n')
	path := req.path()
	if path == "" {
		path = "/"
	}
	b.WriteString(escapePath(path))
	b.WriteByte('\n')
	keys := make([]string, 0, len(query))
	for k := range query {
		if p.presigned && k == "X-Amz-Signature" {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	first := true
	for _, k := range keys {
		vals := append([]string(nil), query[k]...)
		sort.Strings(vals)
		for _, v := range vals {
			if !first {
				b.WriteByte('&')
			}
			first = false
			b.WriteString(escapeSigV4(k))
			b.WriteByte('=')
			b.WriteString(escapeSigV4(v))
		}
	}
	b.WriteByte('\n')
	for _, h := range p.signedHeaders {
		b.WriteString(strings.ToLower(h))
		b.WriteByte(':')
		vals := req.headerValues(h)
		for i, v := range vals {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strings.Join(strings.Fields(v), " "))
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(p.signedHeaders, ";"))
	b.WriteByte('\n')
	payload := ""
	if v := req.headerValues("X-Amz-Content-Sha256"); len(v) > 0 {
		payload = v[0]
	}
	if payload == "" || (payload != "UNSIGNED-PAYLOAD" && !strings.HasPrefix(payload, "STREAMING-")) {
		sum := sha256.Sum256(body)
		payload = hex.EncodeToString(sum[:])
	}
	b.WriteString(payload)
	return b.String()
}

// signature computes the expected signature of the canonical request.
func signature(secret string, p *sigParts, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	scope := p.date + "/" + p.region + "/" + p.service + "/aws4_request"
	toSign := sigAlgorithm + "\n" + p.amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	k := hmacSHA256([]byte("AWS4"+secret), p.date)
	k = hmacSHA256(k, p.region)
	k = hmacSHA256(k, p.service)
	k = hmacSHA256(k, "aws4_request")
	return hex.EncodeToString(hmacSHA256(k, toSign))
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// escapePath URI-encodes each segment of an already escaped path, as
// SigV4 does for services other than S3 (the path is encoded twice).
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = escapeSigV4(s)
	}
	return strings.Join(segs, "/")
}

// escapeSigV4 percent-encodes everything but A-Z a-z 0-9 - _ . ~.
func escapeSigV4(s string) string {
	const hexd = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexd[c>>4])
		b.WriteByte(hexd[c&15])
	}
	return b.String()
}
