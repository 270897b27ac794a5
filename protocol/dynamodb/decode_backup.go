package dynamodb

import (
	"math"
	"strconv"
	"strings"
)

// The on-demand backup operations' requests: CreateBackup,
// DescribeBackup, DeleteBackup, ListBackups and RestoreTableFromBackup.
// Constraints are the API model's (BackupName 3-255 of [a-zA-Z0-9_.-],
// BackupArn 37-1024 characters, ListBackups' Limit 1-100), worded by the
// generic validator as DynamoDB words them.

// CreateBackupInput is a validated CreateBackup request.
type CreateBackupInput struct {
	TableName  string
	BackupName string
}

// BackupArnInput is a validated DescribeBackup or DeleteBackup request.
type BackupArnInput struct {
	BackupArn string
}

// ListBackupsInput is a validated ListBackups request.
type ListBackupsInput struct {
	TableName               string
	Limit                   int // 0: not given
	ExclusiveStartBackupArn string
	BackupType              string // "": not given
	// TimeRangeLowerBound and TimeRangeUpperBound are epoch seconds
	// (NaN: not given).
	TimeRangeLowerBound float64
	TimeRangeUpperBound float64
}

// RestoreTableFromBackupInput is a validated RestoreTableFromBackup
// request; the overrides are kept as JSON, to be given to CreateTable's
// own validation in place of the source table's settings.
type RestoreTableFromBackupInput struct {
	TargetTableName string
	BackupArn       string
	BillingMode     string // "": the source's
	GSIs, LSIs      []byte // JSON lists; nil: the source's
	Throughput      []byte // JSON ProvisionedThroughput; nil: the source's
	OnDemand        []byte // JSON OnDemandThroughput; nil: the source's
	SSE             []byte // JSON SSESpecification; nil: the source's
}

func fBackupArn(name string, c ...schCheck) *schField {
	return fString(name, append(c, minLen(37), maxLen(1024))...)
}

var createBackupSchema = []*schField{
	fTopTableName(),
	fString("BackupName", notNull(), minLen(3), maxLen(255), nameRegex()),
}

var backupArnSchema = []*schField{fBackupArn("BackupArn", notNull())}

var listBackupsSchema = []*schField{
	fString("TableName", minLen(3), maxLen(255), nameRegex()),
	fInteger("Limit", minVal(1), maxVal(100)),
	fBackupArn("ExclusiveStartBackupArn"),
	fString("BackupType", enumOf("USER", "SYSTEM", "AWS_BACKUP", "ALL")),
}

// createTableMember returns CreateTable's schema of member name.
func createTableMember(name string) *schField {
	for _, f := range createTableSchema {
		if f.name == name {
			return f
		}
	}
	panic("dynamodb: CreateTable has no member " + name)
}

func renamed(f *schField, name string) *schField {
	g := *f
	g.name = name
	return &g
}

var restoreTableFromBackupSchema = []*schField{
	{name: "TargetTableName", typ: stString, required: true, checks: []schCheck{minLen(3), maxLen(255), nameRegex()}},
	fBackupArn("BackupArn", notNull()),
	fString("BillingModeOverride", enumOf("PROVISIONED", "PAY_PER_REQUEST")),
	renamed(createTableMember("GlobalSecondaryIndexes"), "GlobalSecondaryIndexOverride"),
	renamed(createTableMember("LocalSecondaryIndexes"), "LocalSecondaryIndexOverride"),
	fProvisionedThroughput("ProvisionedThroughputOverride"),
	renamed(fOnDemandThroughput(), "OnDemandThroughputOverride"),
	renamed(fSSESpecification(), "SSESpecificationOverride"),
}

func decodeCreateBackup(body []byte) (*CreateBackupInput, *Error) {
	data, e := decPrepare(body, createBackupSchema)
	if e != nil {
		return nil, e
	}
	return &CreateBackupInput{TableName: jStr(data, "TableName"), BackupName: jStr(data, "BackupName")}, nil
}

func decodeBackupArn(body []byte) (*BackupArnInput, *Error) {
	data, e := decPrepare(body, backupArnSchema)
	if e != nil {
		return nil, e
	}
	return &BackupArnInput{BackupArn: jStr(data, "BackupArn")}, nil
}

// jTime returns member name of v as epoch seconds (NaN: absent). SDKs
// send timestamps as JSON numbers; a string of a number is taken too.
func jTime(v *jv, name string) (float64, *Error) {
	m := v.present(name)
	if m == nil {
		return math.NaN(), nil
	}
	if m.kind == jvNumber || m.kind == jvString {
		if f, err := strconv.ParseFloat(m.str, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f, nil
		}
	}
	// The wording of the generic type checks (validate.go); DynamoDB's
	// own for a Timestamp member is not recorded.
	switch {
	case m.kind == jvBool && m.b:
		return 0, typeErr("TRUE_VALUE cannot be converted to Timestamp")
	case m.kind == jvBool:
		return 0, typeErr("FALSE_VALUE cannot be converted to Timestamp")
	}
	return 0, typeErr("STRING_VALUE cannot be converted to Timestamp")
}

func decodeListBackups(body []byte) (*ListBackupsInput, *Error) {
	data, e := decPrepare(body, listBackupsSchema)
	if e != nil {
		return nil, e
	}
	in := &ListBackupsInput{
		TableName:               jStr(data, "TableName"),
		ExclusiveStartBackupArn: jStr(data, "ExclusiveStartBackupArn"),
		BackupType:              jStr(data, "BackupType"),
	}
	if n, ok := jNum(data, "Limit"); ok {
		in.Limit = clampInt(n)
	}
	if in.TimeRangeLowerBound, e = jTime(data, "TimeRangeLowerBound"); e != nil {
		return nil, e
	}
	if in.TimeRangeUpperBound, e = jTime(data, "TimeRangeUpperBound"); e != nil {
		return nil, e
	}
	return in, nil
}

func decodeRestoreTableFromBackup(body []byte) (*RestoreTableFromBackupInput, *Error) {
	data, e := decPrepare(body, restoreTableFromBackupSchema)
	if e != nil {
		return nil, e
	}
	raw := func(name string) []byte {
		if m := data.present(name); m != nil {
			return appendJV(nil, m)
		}
		return nil
	}
	return &RestoreTableFromBackupInput{
		TargetTableName: jStr(data, "TargetTableName"),
		BackupArn:       jStr(data, "BackupArn"),
		BillingMode:     jStr(data, "BillingModeOverride"),
		GSIs:            raw("GlobalSecondaryIndexOverride"),
		LSIs:            raw("LocalSecondaryIndexOverride"),
		Throughput:      raw("ProvisionedThroughputOverride"),
		OnDemand:        raw("OnDemandThroughputOverride"),
		SSE:             raw("SSESpecificationOverride"),
	}, nil
}

// RestoreTableToPointInTimeInput is a validated RestoreTableToPointInTime
// request: the source (by name or ARN), the time, and the same overrides
// as RestoreTableFromBackup's (BackupArn unused).
type RestoreTableToPointInTimeInput struct {
	RestoreTableFromBackupInput
	SourceTableName string
	// UseLatest is UseLatestRestorableTime; RestoreDateTime is epoch
	// seconds (NaN: not given).
	UseLatest       bool
	RestoreDateTime float64
}

var restoreTableToPointInTimeSchema = append([]*schField{
	fString("SourceTableArn", minLen(1), maxLen(1024)),
	fString("SourceTableName", minLen(3), maxLen(255), nameRegex()),
	fBool("UseLatestRestorableTime"),
}, restoreOverrides()...)

// restoreOverrides returns RestoreTableFromBackup's members but BackupArn:
// the target and the overrides.
func restoreOverrides() []*schField {
	var out []*schField
	for _, f := range restoreTableFromBackupSchema {
		if f.name != "BackupArn" {
			out = append(out, f)
		}
	}
	return out
}

// decodeRestoreTableToPointInTime decodes the request; the checks across
// members are worded as DynamoDB words them (observed answers).
func (h *Handler) decodeRestoreTableToPointInTime(body []byte) (*RestoreTableToPointInTimeInput, *Error) {
	data, e := decPrepare(body, restoreTableToPointInTimeSchema)
	if e != nil {
		return nil, e
	}
	raw := func(name string) []byte {
		if m := data.present(name); m != nil {
			return appendJV(nil, m)
		}
		return nil
	}
	in := &RestoreTableToPointInTimeInput{
		RestoreTableFromBackupInput: RestoreTableFromBackupInput{
			TargetTableName: jStr(data, "TargetTableName"),
			BillingMode:     jStr(data, "BillingModeOverride"),
			GSIs:            raw("GlobalSecondaryIndexOverride"),
			LSIs:            raw("LocalSecondaryIndexOverride"),
			Throughput:      raw("ProvisionedThroughputOverride"),
			OnDemand:        raw("OnDemandThroughputOverride"),
			SSE:             raw("SSESpecificationOverride"),
		},
		SourceTableName: jStr(data, "SourceTableName"),
		UseLatest:       jBool(data, "UseLatestRestorableTime"),
	}
	if in.RestoreDateTime, e = jTime(data, "RestoreDateTime"); e != nil {
		return nil, e
	}
	arn := data.present("SourceTableArn") != nil
	switch {
	case arn && data.present("SourceTableName") != nil:
		return nil, validationError("Must provide exactly one of: sourceTableArn, sourceTableName")
	case !arn && data.present("SourceTableName") == nil:
		return nil, validationError("The parameter 'TableName' is required")
	case in.UseLatest && !math.IsNaN(in.RestoreDateTime):
		return nil, validationError("Both RestoreDateTime and UseLatestRestorableTime cannot be set")
	case !in.UseLatest && math.IsNaN(in.RestoreDateTime):
		return nil, validationError("Either one of RestoreDateTime or UseLatestRestorableTime must be specified")
	}
	if arn {
		name, e := h.tableNameOfArn("RestoreTableToPointInTime", jStr(data, "SourceTableArn"))
		switch {
		case e != nil && strings.HasSuffix(e.Type, "AccessDeniedException"):
			return nil, validationError("This action is only supported by accounts that match the resource owner's account")
		case e != nil:
			return nil, validationError("sourceTableArn is not a valid ARN")
		}
		in.SourceTableName = name
	}
	return in, nil
}
