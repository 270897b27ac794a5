package dynamodb

import (
	"strconv"
	"strings"
	"time"
)

// Resource-based policies: PutResourcePolicy, GetResourcePolicy,
// DeleteResourcePolicy, and CreateTable's ResourcePolicy. A table's policy
// and its stream's live in the table's stored description (tableMeta), so
// they are logged, snapshotted and recovered with it, as tags are, and go
// with the table when it is dropped.
//
// dynacache stores policies, checks that they are JSON objects of at most
// 20 KB, and keeps their revisions as DynamoDB does (a revision is the
// time of the change in milliseconds, and putting the same document again
// keeps it); it does not evaluate them: requests are authorised as before.
//
// Messages are DynamoDB's as recorded by moto's tests run against AWS
// (tests/test_dynamodb/test_dynamodb_resource_policy.py); the ones no
// recording shows (a document that is not JSON or is too large) are
// marked below.

// resourcePolicy is a stored policy document and its revision.
type resourcePolicy struct {
	Doc string `json:"doc"`
	Rev string `json:"rev"`
	// Arn is the stream ARN a stream's policy was put on: a stream
	// re-enabled later is another stream, without the policy.
	Arn string `json:"arn,omitempty"`
}

// maxPolicyBytes is DynamoDB's limit on a policy document, whitespace
// counted.
const maxPolicyBytes = 20 << 10

// noPolicyRevision is the ExpectedRevisionId that asks for a put only when
// no policy exists yet.
const noPolicyRevision = "NO_POLICY"

// PutResourcePolicyInput is a validated PutResourcePolicy request.
type PutResourcePolicyInput struct {
	ResourceArn        string
	Policy             string
	ExpectedRevisionID *string
	// ConfirmRemoveSelfResourceAccess is accepted; with no policy
	// evaluation there is no access of one's own to lose.
	ConfirmRemoveSelfResourceAccess bool
}

// ResourcePolicyInput is a validated GetResourcePolicy or
// DeleteResourcePolicy request.
type ResourcePolicyInput struct {
	ResourceArn        string
	ExpectedRevisionID *string // DeleteResourcePolicy only
}

var putResourcePolicySchema = []*schField{
	fString("ResourceArn", notNull(), minLen(1), maxLen(1283)),
	fString("Policy", notNull()),
	fString("ExpectedRevisionId", minLen(1), maxLen(255)),
	fBool("ConfirmRemoveSelfResourceAccess"),
}

var getResourcePolicySchema = []*schField{
	fString("ResourceArn", notNull(), minLen(1), maxLen(1283)),
}

var deleteResourcePolicySchema = []*schField{
	fString("ResourceArn", notNull(), minLen(1), maxLen(1283)),
	fString("ExpectedRevisionId", minLen(1), maxLen(255)),
}

// checkPolicyDocument returns DynamoDB's error for a policy that is too
// large or not a JSON object (the wording of both is dynacache's: no
// recording of DynamoDB's was found).
func checkPolicyDocument(doc string) *Error {
	if len(doc) > maxPolicyBytes {
		return validationError("Policy document size " + strconv.Itoa(len(doc)) +
			" exceeds the maximum allowed size of " + strconv.Itoa(maxPolicyBytes) + " bytes")
	}
	v, ok := jvParse([]byte(doc))
	if !ok || v.kind != jvObject {
		return validationError("Invalid policy document: the policy must be a JSON object")
	}
	return nil
}

func decodePutResourcePolicy(body []byte) (*PutResourcePolicyInput, *Error) {
	data, e := decPrepare(body, putResourcePolicySchema)
	if e != nil {
		return nil, e
	}
	in := &PutResourcePolicyInput{
		ResourceArn:                     jStr(data, "ResourceArn"),
		Policy:                          jStr(data, "Policy"),
		ExpectedRevisionID:              jStrPtr(data, "ExpectedRevisionId"),
		ConfirmRemoveSelfResourceAccess: jBool(data, "ConfirmRemoveSelfResourceAccess"),
	}
	if e := checkPolicyDocument(in.Policy); e != nil {
		return nil, e
	}
	return in, nil
}

func decodeGetResourcePolicy(body []byte) (*ResourcePolicyInput, *Error) {
	data, e := decPrepare(body, getResourcePolicySchema)
	if e != nil {
		return nil, e
	}
	return &ResourcePolicyInput{ResourceArn: jStr(data, "ResourceArn")}, nil
}

func decodeDeleteResourcePolicy(body []byte) (*ResourcePolicyInput, *Error) {
	data, e := decPrepare(body, deleteResourcePolicySchema)
	if e != nil {
		return nil, e
	}
	return &ResourcePolicyInput{ResourceArn: jStr(data, "ResourceArn"), ExpectedRevisionID: jStrPtr(data, "ExpectedRevisionId")}, nil
}

// policyTarget is the resource a policy operation names: a table, or its
// stream (stream != "").
type policyTarget struct {
	table  string
	stream string // the stream's ARN
}

// policyTargetOf checks a policy operation's ResourceArn: a table ARN or a
// stream ARN of this server's account and region (an index is governed by
// its table's policy, and has none of its own).
func (h *Handler) policyTargetOf(op, arn string) (policyTarget, *Error) {
	if !strings.HasPrefix(arn, "arn:") {
		return policyTarget{}, validationError(msgInvalid + "ARNs must start with 'arn:': " + arn)
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[2] == "dynamodb" && parts[4] != "" && parts[4] != h.opts.AccountID {
		return policyTarget{}, h.accessDenied(op, arn)
	}
	if len(parts) == 6 && parts[2] != "dynamodb" {
		return policyTarget{}, validationError(msgInvalid + "Provided Arn is not a DynamoDB resource arn: " + arn)
	}
	invalid := validationError("Invalid TableArn: Invalid ResourceArn provided as input " + arn)
	if len(parts) < 6 || parts[1] != "aws" || parts[3] != h.opts.Region {
		return policyTarget{}, invalid
	}
	rest, ok := strings.CutPrefix(parts[5], "table/")
	if !ok {
		return policyTarget{}, invalid
	}
	name, sub, hasSub := strings.Cut(rest, "/")
	if len(name) < 3 || len(name) > 255 || !isNameChars(name) {
		return policyTarget{}, invalid
	}
	if !hasSub {
		return policyTarget{table: name}, nil
	}
	if label, ok := strings.CutPrefix(sub, "stream/"); ok && label != "" && !strings.Contains(label, "/") {
		return policyTarget{table: name, stream: arn}, nil
	}
	return policyTarget{}, validationError(msgInvalid + "Invalid resource arn provided, only table or stream is accepted. Provided resource arn: " + arn)
}

// policyRef returns the table of a policy operation's target and a pointer
// to its policy slot in ref.m (the table's or its stream's), or DynamoDB's
// not-found error.
// REQUIRES: h.ctl held.
func (h *Handler) policyRef(target policyTarget) (*tableMetaRef, **resourcePolicy, *Error) {
	t, ok := h.store.Table(target.table)
	if !ok {
		return nil, nil, tableNotFound(target.table)
	}
	ref := &tableMetaRef{t: t, m: loadMeta(t)}
	if target.stream == "" {
		return ref, &ref.m.Policy, nil
	}
	if ref.m.Desc.LatestStreamArn != target.stream || ref.m.Desc.StreamSpecification == nil || !ref.m.Desc.StreamSpecification.StreamEnabled {
		return nil, nil, resourceNotFound("Requested resource not found: ResourceArn: " + target.stream + " not found")
	}
	if ref.m.StreamPolicy != nil && ref.m.StreamPolicy.Arn != target.stream {
		ref.m.StreamPolicy = nil
	}
	return ref, &ref.m.StreamPolicy, nil
}

// policyNotFound is PolicyNotFoundException with DynamoDB's prefix.
func policyNotFound(detail string) *Error {
	return &Error{Status: 400, Type: nsDynamoDB + "PolicyNotFoundException",
		Message: "Resource-based policy not found for the provided ResourceArn: " + detail}
}

// revisionMismatch is the answer to an ExpectedRevisionId that is not the
// current policy's.
func revisionMismatch(expected, table string, cur *resourcePolicy) *Error {
	return policyNotFound("Requested update for policy with revision id " + expected +
		", but the policy associated to target table " + table + " has revision id " + cur.Rev + ".")
}

// nextRevision returns a revision for a change now, after prev (""
// none): the time in milliseconds, later than prev's.
func nextRevision(prev string) string {
	now := time.Now().UnixMilli()
	if p, err := strconv.ParseInt(prev, 10, 64); err == nil && now <= p {
		now = p + 1
	}
	return strconv.FormatInt(now, 10)
}

func (h *Handler) putResourcePolicy(in *PutResourcePolicyInput) ([]byte, *Error) {
	target, e := h.policyTargetOf("PutResourcePolicy", in.ResourceArn)
	if e != nil {
		return nil, e
	}
	h.ctl.Lock()
	defer h.ctl.Unlock()
	ref, slot, e := h.policyRef(target)
	if e != nil {
		return nil, e
	}
	cur := *slot
	if cur != nil && in.ExpectedRevisionID != nil {
		if *in.ExpectedRevisionID == noPolicyRevision {
			return nil, policyNotFound("Requested policy update expecting none to be present for table " +
				target.table + ", but a policy exists with revision id " + cur.Rev + ".")
		}
		if *in.ExpectedRevisionID != cur.Rev {
			return nil, revisionMismatch(*in.ExpectedRevisionID, target.table, cur)
		}
	}
	if cur == nil && in.ExpectedRevisionID != nil && *in.ExpectedRevisionID != noPolicyRevision {
		return nil, policyNotFound(in.ResourceArn)
	}
	if cur != nil && cur.Doc == in.Policy {
		// The same document again changes nothing, revision included.
		return revisionReply(cur.Rev), nil
	}
	prev := ""
	if cur != nil {
		prev = cur.Rev
	}
	*slot = &resourcePolicy{Doc: in.Policy, Rev: nextRevision(prev), Arn: target.stream}
	if e := h.storeMeta(ref.t, &ref.m); e != nil {
		return nil, e
	}
	return revisionReply((*slot).Rev), nil
}

func (h *Handler) getResourcePolicy(in *ResourcePolicyInput) ([]byte, *Error) {
	target, e := h.policyTargetOf("GetResourcePolicy", in.ResourceArn)
	if e != nil {
		return nil, e
	}
	h.ctl.Lock()
	defer h.ctl.Unlock()
	_, slot, e := h.policyRef(target)
	if e != nil {
		return nil, e
	}
	cur := *slot
	if cur == nil {
		return nil, policyNotFound(in.ResourceArn)
	}
	out := append(make([]byte, 0, len(cur.Doc)+64), `{"Policy":`...)
	out = appendJSONString(out, cur.Doc)
	out = append(out, `,"RevisionId":`...)
	out = appendJSONString(out, cur.Rev)
	return append(out, '}'), nil
}

func (h *Handler) deleteResourcePolicy(in *ResourcePolicyInput) ([]byte, *Error) {
	target, e := h.policyTargetOf("DeleteResourcePolicy", in.ResourceArn)
	if e != nil {
		return nil, e
	}
	h.ctl.Lock()
	defer h.ctl.Unlock()
	ref, slot, e := h.policyRef(target)
	if e != nil {
		return nil, e
	}
	cur := *slot
	if cur == nil {
		return nil, policyNotFound(in.ResourceArn)
	}
	if in.ExpectedRevisionID != nil && *in.ExpectedRevisionID != cur.Rev {
		return nil, revisionMismatch(*in.ExpectedRevisionID, target.table, cur)
	}
	*slot = nil
	if e := h.storeMeta(ref.t, &ref.m); e != nil {
		return nil, e
	}
	return revisionReply(cur.Rev), nil
}

func revisionReply(rev string) []byte {
	out := append(make([]byte, 0, 32), `{"RevisionId":`...)
	out = appendJSONString(out, rev)
	return append(out, '}')
}
