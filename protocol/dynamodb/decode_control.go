package dynamodb

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The control-plane settings beside the table itself: tags (TagResource,
// UntagResource, ListTagsOfResource, CreateTable's Tags), time to live
// (UpdateTimeToLive) and continuous backups (UpdateContinuousBackups,
// DescribeContinuousBackups). Messages are DynamoDB's as recorded against
// the service (dynalite's tests and later captures); the tag operations
// check their members by hand, in DynamoDB's order, because DynamoDB does
// not apply the model's generic constraints to them.

// TagResourceInput is a validated TagResource request.
type TagResourceInput struct {
	ResourceArn string
	TableName   string // from ResourceArn
	Tags        []Tag
}

// UntagResourceInput is a validated UntagResource request.
type UntagResourceInput struct {
	ResourceArn string
	TableName   string
	TagKeys     []string
}

// ListTagsOfResourceInput is a validated ListTagsOfResource request.
type ListTagsOfResourceInput struct {
	ResourceArn string
	TableName   string
	NextToken   *string
}

// UpdateTimeToLiveInput is a validated UpdateTimeToLive request.
type UpdateTimeToLiveInput struct {
	TableName     string
	AttributeName string
	Enabled       bool
}

// UpdateContinuousBackupsInput is a validated UpdateContinuousBackups
// request.
type UpdateContinuousBackupsInput struct {
	TableName            string
	Enabled              bool
	RecoveryPeriodInDays int64 // 0: not given
}

// DynamoDB's tag limits.
const (
	maxTags           = 50
	maxTagKeyChars    = 128
	maxTagValueChars  = 256
	reservedTagPrefix = "aws:"
)

var tagSchema = fValueStruct("", "Tag", []*schField{fString("Key"), fString("Value")})

var tagResourceSchema = []*schField{
	fString("ResourceArn"),
	fList("Tags", tagSchema),
}

var untagResourceSchema = []*schField{
	fString("ResourceArn"),
	fStrings("TagKeys"),
}

var listTagsOfResourceSchema = []*schField{
	fString("ResourceArn"),
	fString("NextToken"),
}

var updateTimeToLiveSchema = []*schField{
	fTopTableName(),
	fFieldStruct("TimeToLiveSpecification", "TimeToLiveSpecification", []*schField{
		fString("AttributeName", notNull(), minLen(1), maxLen(255)),
		fBool("Enabled", notNull()),
	}, notNull()),
}

var updateContinuousBackupsSchema = []*schField{
	fTopTableName(),
	fFieldStruct("PointInTimeRecoverySpecification", "PointInTimeRecoverySpecification", []*schField{
		fBool("PointInTimeRecoveryEnabled", notNull()),
		fInteger("RecoveryPeriodInDays", minVal(1), maxVal(35)),
	}, notNull()),
}

// nullMember is the generic validator's message for a missing member.
func nullMember(path string) *Error {
	return validationError("1 validation error detected: Value null at '" + path + "' failed to satisfy constraint: Member must not be null")
}

// tableOfArn returns the name of the table a tag operation's ResourceArn
// names, or DynamoDB's error for an ARN that names no table of this
// server's region and account (AccessDeniedException for op on another
// account's table, as for every operation: action_arn.go).
func (h *Handler) tableOfArn(op, arn string) (string, *Error) {
	invalid := validationError("Invalid TableArn: Invalid ResourceArn provided as input " + arn)
	if !strings.HasPrefix(arn, "arn:") {
		return "", validationError(msgInvalid + "ARNs must start with 'arn:': " + arn)
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return "", invalid
	}
	if parts[2] != "dynamodb" {
		return "", validationError(msgInvalid + "Provided Arn is not a DynamoDB resource arn: " + arn)
	}
	if parts[4] != "" && parts[4] != h.opts.AccountID {
		return "", h.accessDenied(op, arn)
	}
	name, ok := strings.CutPrefix(parts[5], "table/")
	if !ok {
		return "", invalid
	}
	if i := strings.IndexByte(name, '/'); i >= 0 {
		if !strings.HasPrefix(name[i:], "/stream/") {
			return "", validationError(msgInvalid + "Invalid resource arn provided, only table or stream is accepted. Provided resource arn: " + arn)
		}
		// A stream is a resource of its own, and dynacache keeps no
		// stream resources: the caller answers "not found".
		return "", nil
	}
	if parts[1] != "aws" || parts[3] != h.opts.Region || parts[4] != h.opts.AccountID ||
		len(name) < 3 || len(name) > 255 || !isNameChars(name) {
		return "", invalid
	}
	return name, nil
}

// validTagText reports whether s is made of the characters AWS allows in
// tags: letters, digits, white space and + - = . _ : / @.
func validTagText(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.In(r, unicode.Z) && !strings.ContainsRune("+-=._:/@", r) {
			return false
		}
	}
	return true
}

// checkTagKey returns DynamoDB's error for a bad tag key (nil: absent).
func checkTagKey(key *string) *Error {
	if key == nil {
		return validationError("The Tag Key provided is invalid, Key: null")
	}
	if n := utf8.RuneCountInString(*key); n < 1 || n > maxTagKeyChars || !validTagText(*key) {
		return validationError("The Tag Key provided is invalid, Key: " + *key)
	}
	return nil
}

// checkTags validates a list of tags as TagResource and CreateTable do:
// every key and value, the reserved prefix, duplicates, the count.
func checkTags(list *jv) ([]Tag, *Error) {
	elems := structElems(list)
	tags := make([]Tag, 0, len(elems))
	seen := make(map[string]bool, len(elems))
	for _, e := range elems {
		key, value := jStrPtr(e, "Key"), jStrPtr(e, "Value")
		if err := checkTagKey(key); err != nil {
			return nil, err
		}
		if value == nil {
			return nil, validationError("The Tag Value provided is invalid, Value: null")
		}
		if utf8.RuneCountInString(*value) > maxTagValueChars || !validTagText(*value) {
			return nil, validationError("The Tag Value provided is invalid, Value: " + *value)
		}
		if strings.HasPrefix(*key, reservedTagPrefix) {
			return nil, validationError("Tag Key cannot be prefixed with aws:, Key: " + *key)
		}
		if seen[*key] {
			return nil, validationError("Duplicate Tag Keys provided as input: Duplicate Tag Key found " + *key)
		}
		seen[*key] = true
		tags = append(tags, Tag{Key: *key, Value: *value})
	}
	if len(tags) > maxTags {
		return nil, tagLimitExceeded()
	}
	return tags, nil
}

func tagLimitExceeded() *Error {
	return validationError("Number of Tags exceed the current limit for the provided ResourceArn")
}

func (h *Handler) decodeTagResource(body []byte) (*TagResourceInput, *Error) {
	data, e := decPrepare(body, tagResourceSchema)
	if e != nil {
		return nil, e
	}
	arn := data.present("ResourceArn")
	if arn == nil {
		return nil, validationError("Invalid TableArn")
	}
	list := data.present("Tags")
	if list == nil {
		return nil, nullMember("tags")
	}
	name, e := h.tableOfArn("TagResource", arn.str)
	if e != nil {
		return nil, e
	}
	if len(list.kids) == 0 {
		return nil, validationError("Atleast one Tag needs to be provided as Input.")
	}
	tags, e := checkTags(list)
	if e != nil {
		return nil, e
	}
	return &TagResourceInput{ResourceArn: arn.str, TableName: name, Tags: tags}, nil
}

func (h *Handler) decodeUntagResource(body []byte) (*UntagResourceInput, *Error) {
	data, e := decPrepare(body, untagResourceSchema)
	if e != nil {
		return nil, e
	}
	arn := data.present("ResourceArn")
	if arn == nil {
		return nil, validationError("Invalid TableArn")
	}
	list := data.present("TagKeys")
	if list == nil {
		return nil, nullMember("tagKeys")
	}
	name, e := h.tableOfArn("UntagResource", arn.str)
	if e != nil {
		return nil, e
	}
	if len(list.kids) == 0 {
		return nil, validationError("Atleast one Tag Key needs to be provided as Input.")
	}
	if len(list.kids) > maxTags {
		return nil, tagLimitExceeded()
	}
	keys := make([]string, 0, len(list.kids))
	for i := range list.kids {
		k := &list.kids[i].val
		var key *string
		if k.kind == jvString {
			key = &k.str
		}
		if err := checkTagKey(key); err != nil {
			return nil, err
		}
		keys = append(keys, *key)
	}
	return &UntagResourceInput{ResourceArn: arn.str, TableName: name, TagKeys: keys}, nil
}

func (h *Handler) decodeListTagsOfResource(body []byte) (*ListTagsOfResourceInput, *Error) {
	data, e := decPrepare(body, listTagsOfResourceSchema)
	if e != nil {
		return nil, e
	}
	arn := data.present("ResourceArn")
	if arn == nil {
		return nil, validationError("Invalid TableArn")
	}
	name, e := h.tableOfArn("ListTagsOfResource", arn.str)
	if e != nil {
		return nil, e
	}
	return &ListTagsOfResourceInput{ResourceArn: arn.str, TableName: name, NextToken: jStrPtr(data, "NextToken")}, nil
}

func decodeUpdateTimeToLive(body []byte) (*UpdateTimeToLiveInput, *Error) {
	data, e := decPrepare(body, updateTimeToLiveSchema)
	if e != nil {
		return nil, e
	}
	spec := data.present("TimeToLiveSpecification")
	return &UpdateTimeToLiveInput{
		TableName:     jStr(data, "TableName"),
		AttributeName: jStr(spec, "AttributeName"),
		Enabled:       jBool(spec, "Enabled"),
	}, nil
}

func decodeUpdateContinuousBackups(body []byte) (*UpdateContinuousBackupsInput, *Error) {
	data, e := decPrepare(body, updateContinuousBackupsSchema)
	if e != nil {
		return nil, e
	}
	spec := data.present("PointInTimeRecoverySpecification")
	in := &UpdateContinuousBackupsInput{
		TableName: jStr(data, "TableName"),
		Enabled:   jBool(spec, "PointInTimeRecoveryEnabled"),
	}
	if n, ok := jNum(spec, "RecoveryPeriodInDays"); ok {
		if !in.Enabled {
			return nil, validationError("Invalid Request: Cannot specify RecoveryPeriodInDays when disabling point-in-time recovery.")
		}
		in.RecoveryPeriodInDays = clampInt64(n)
	}
	return in, nil
}

func decodeDescribeContinuousBackups(body []byte) (*TableNameInput, *Error) {
	return decodeTableNameOnly(body)
}

// decode decodes op's body: the tag operations here (their ARNs name this
// server's region and account), every other operation by decodeRequest.
func (h *Handler) decode(op string, body []byte) (any, *Error) {
	switch op {
	case "TagResource":
		return ret(h.decodeTagResource(body))
	case "UntagResource":
		return ret(h.decodeUntagResource(body))
	case "ListTagsOfResource":
		return ret(h.decodeListTagsOfResource(body))
	case "PutResourcePolicy":
		return ret(decodePutResourcePolicy(body))
	case "GetResourcePolicy":
		return ret(decodeGetResourcePolicy(body))
	case "DeleteResourcePolicy":
		return ret(decodeDeleteResourcePolicy(body))
	case "DescribeLimits":
		return ret(decodeDescribeLimits(body))
	case "DescribeEndpoints":
		return ret(decodeDescribeEndpoints(body))
	case "ExportTableToPointInTime":
		return ret(h.decodeExportTable(body))
	case "RestoreTableToPointInTime":
		return ret(h.decodeRestoreTableToPointInTime(body))
	case "DescribeExport":
		return ret(decodeDescribeExport(body))
	case "ListExports":
		return ret(decodeListExports(body))
	case "ImportTable":
		return ret(decodeImportTable(body))
	case "DescribeImport":
		return ret(decodeDescribeImport(body))
	case "ListImports":
		return ret(decodeListImports(body))
	}
	if in, e, ok := decodeInventory(op, body); ok {
		return in, e
	}
	return decodeRequest(op, body)
}
