package dynamodb

import (
	"net/url"
	"strings"
)

// checkSignatureShape is what a server without Options.Credentials checks
// of a signature: not the signature itself (any key passes), but its
// form. A SigV4 Authorization header without its Credential, Signature or
// SignedHeaders parameter, with another algorithm, or with a credential
// scope that is not "AKID/date/region/service/aws4_request", and a
// presigned query missing its X-Amz-* parameters, are refused with
// DynamoDB's IncompleteSignatureException, as a signing server refuses
// them (issue 14). A header without an X-Amz-Date or Date field passes
// here: many load tools sign with a fixed header and no date, and no key
// is checked anyway.
func checkSignatureShape(auth, rawQuery string, req sigRequest) *Error {
	var e *Error
	if auth != "" {
		if authShapeOK(auth) {
			return nil // what parseAuthHeader would pass, without its allocations
		}
		_, e = parseAuthHeader(auth, datedRequest{req})
	} else if rawQuery != "" {
		q, _ := url.ParseQuery(rawQuery)
		if q.Has("X-Amz-Algorithm") {
			_, e = parsePresigned(q)
		}
	}
	if e != nil && strings.HasSuffix(e.Type, "#IncompleteSignatureException") {
		return e
	}
	return nil
}

// datedRequest is a request that has a date for parseAuthHeader's check of
// one, whether or not it carries one.
type datedRequest struct{ sigRequest }

func (r datedRequest) headerValues(name string) []string {
	v := r.sigRequest.headerValues(name)
	if len(v) == 0 && strings.EqualFold(name, "X-Amz-Date") && len(r.sigRequest.headerValues("Date")) == 0 {
		return []string{"19700101T000000Z"}
	}
	return v
}

// authShapeOK reports, without allocating, that parseAuthHeader would find
// no IncompleteSignatureException in auth (given a date, which
// checkSignatureShape supplies): the algorithm, the three parameters, and
// a credential of five parts ending in aws4_request. It parses exactly as
// parseAuthHeader does (the last of a repeated parameter counts); when it
// says no, parseAuthHeader words the error.
func authShapeOK(auth string) bool {
	alg, rest, _ := strings.Cut(strings.TrimSpace(auth), " ")
	if alg != sigAlgorithm {
		return false
	}
	var cred string
	var haveCred, haveSigned, haveSig bool
	for rest != "" {
		var kv string
		kv, rest, _ = strings.Cut(rest, ",")
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			continue
		}
		switch k {
		case "Credential":
			cred, haveCred = v, true
		case "SignedHeaders":
			haveSigned = true
		case "Signature":
			haveSig = true
		}
	}
	if !haveCred || !haveSigned || !haveSig || strings.Count(cred, "/") != 4 {
		return false
	}
	return cred[strings.LastIndexByte(cred, '/')+1:] == "aws4_request"
}
