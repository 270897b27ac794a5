package dynamodb

import "strings"

// The operations of DynamoDB's API that concern other regions or other
// services, answered as DynamoDB answers them for a table of one region
// (dynacache is one region: it has no replicas, no Kinesis and no
// Application Auto Scaling):
//
//   - global tables version 2017.11.29 (CreateGlobalTable,
//     UpdateGlobalTable, DescribeGlobalTable, ListGlobalTables,
//     DescribeGlobalTableSettings, UpdateGlobalTableSettings): DynamoDB
//     rejects every CreateGlobalTable ("version 2017.11.29 is not
//     supported"), so no such global table can exist; the others answer
//     GlobalTableNotFoundException, ListGlobalTables an empty list;
//   - replica auto scaling (DescribeTableReplicaAutoScaling,
//     UpdateTableReplicaAutoScaling) exists only for tables with replicas
//     (global tables version 2019.11.21): for a table of one region
//     DynamoDB answers ResourceNotFoundException "Global table with name:
//     'x' does not exist.";
//   - the Kinesis streaming destination (Enable, Disable, Update,
//     DescribeKinesisStreamingDestination): DynamoDB accepts any
//     well-formed stream ARN (ENABLING) and checks the stream afterwards;
//     a stream it cannot use leaves the destination ENABLE_FAILED with a
//     description. No Kinesis stream is reachable from here, so every
//     destination ends so; the destinations are kept in the table's stored
//     description (tableMeta.Kinesis) and survive restarts.
//
// Messages are DynamoDB's as recorded against it (2026).

// GlobalTableInput is a validated request of a global-table operation
// naming a global table (all but ListGlobalTables).
type GlobalTableInput struct {
	op   string
	Name string
	// Create: the request adds a replica (CreateGlobalTable always does;
	// UpdateGlobalTable when one of its ReplicaUpdates is a Create).
	Create bool
}

// ListGlobalTablesInput is a validated ListGlobalTables request.
type ListGlobalTablesInput struct{}

// ReplicaAutoScalingInput is a validated DescribeTableReplicaAutoScaling
// or UpdateTableReplicaAutoScaling request.
type ReplicaAutoScalingInput struct{ TableName string }

// KinesisDestinationInput is a validated request of a Kinesis streaming
// destination operation.
type KinesisDestinationInput struct {
	op        string
	TableName string
	StreamArn string
	// Precision is the ApproximateCreationDateTimePrecision asked for
	// ("" when not given).
	Precision string
	hasConfig bool
}

func fGlobalTableName() *schField {
	return &schField{name: "GlobalTableName", typ: stString, required: true, checks: []schCheck{minLen(3), maxLen(255), nameRegex()}}
}

func fStreamArn() *schField {
	return &schField{name: "StreamArn", typ: stString, required: true, checks: []schCheck{minLen(37), maxLen(1024)}}
}

func fRegionName() *schField { return fString("RegionName") }

var createGlobalTableSchema = []*schField{
	fGlobalTableName(),
	{name: "ReplicationGroup", typ: stList, required: true,
		elem: fValueStruct("", "Replica", []*schField{fRegionName()})},
}

var updateGlobalTableSchema = []*schField{
	fGlobalTableName(),
	{name: "ReplicaUpdates", typ: stList, required: true, elem: fValueStruct("", "ReplicaUpdate", []*schField{
		fFieldStruct("Create", "CreateReplicaAction", []*schField{fString("RegionName", notNull())}),
		fFieldStruct("Delete", "DeleteReplicaAction", []*schField{fString("RegionName", notNull())}),
	})},
}

var globalTableNameSchema = []*schField{fGlobalTableName()}

var updateGlobalTableSettingsSchema = []*schField{
	fGlobalTableName(),
	fString("GlobalTableBillingMode", enumOf("PROVISIONED", "PAY_PER_REQUEST")),
	fLong("GlobalTableProvisionedWriteCapacityUnits", minVal(1)),
}

var listGlobalTablesSchema = []*schField{
	fString("ExclusiveStartGlobalTableName", nameRegex(), minLen(3), maxLen(255)),
	fInteger("Limit", minVal(1)),
	fString("RegionName"),
}

var kinesisConfigFields = []*schField{
	fString("ApproximateCreationDateTimePrecision", enumOf("MILLISECOND", "MICROSECOND")),
}

var describeKinesisSchema = []*schField{fTopTableName()}

var enableKinesisSchema = []*schField{
	fTopTableName(),
	fStreamArn(),
	fFieldStruct("EnableKinesisStreamingConfiguration", "EnableKinesisStreamingConfiguration", kinesisConfigFields),
}

var updateKinesisSchema = []*schField{
	fTopTableName(),
	fStreamArn(),
	fFieldStruct("UpdateKinesisStreamingConfiguration", "UpdateKinesisStreamingConfiguration", kinesisConfigFields),
}

// decodeInventory decodes the operations of this file and of
// action_insights.go; ok is false for any other operation.
func decodeInventory(op string, body []byte) (in any, e *Error, ok bool) {
	switch op {
	case "DescribeContributorInsights":
		in, e = ret(decodeDescribeContributorInsights(body))
	case "UpdateContributorInsights":
		in, e = ret(decodeUpdateContributorInsights(body))
	case "ListContributorInsights":
		in, e = ret(decodeListContributorInsights(body))
	case "CreateGlobalTable":
		in, e = decodeGlobalTable(op, body, createGlobalTableSchema)
	case "UpdateGlobalTable":
		in, e = decodeGlobalTable(op, body, updateGlobalTableSchema)
	case "DescribeGlobalTable", "DescribeGlobalTableSettings":
		in, e = decodeGlobalTable(op, body, globalTableNameSchema)
	case "UpdateGlobalTableSettings":
		in, e = decodeGlobalTable(op, body, updateGlobalTableSettingsSchema)
	case "ListGlobalTables":
		if _, e = decPrepare(body, listGlobalTablesSchema); e == nil {
			in = &ListGlobalTablesInput{}
		}
	case "DescribeTableReplicaAutoScaling", "UpdateTableReplicaAutoScaling":
		// UpdateTableReplicaAutoScaling's settings only matter for a
		// table with replicas: its shape checks are the type checks.
		var data *jv
		if data, e = decPrepare(body, []*schField{fTopTableName()}); e == nil {
			in = &ReplicaAutoScalingInput{TableName: jStr(data, "TableName")}
		}
	case "DescribeKinesisStreamingDestination":
		in, e = decodeKinesis(op, body, describeKinesisSchema, "")
	case "EnableKinesisStreamingDestination", "DisableKinesisStreamingDestination":
		in, e = decodeKinesis(op, body, enableKinesisSchema, "EnableKinesisStreamingConfiguration")
	case "UpdateKinesisStreamingDestination":
		in, e = decodeKinesis(op, body, updateKinesisSchema, "UpdateKinesisStreamingConfiguration")
	default:
		return nil, nil, false
	}
	return in, e, true
}

func decodeGlobalTable(op string, body []byte, schema []*schField) (any, *Error) {
	data, e := decPrepare(body, schema)
	if e != nil {
		return nil, e
	}
	in := &GlobalTableInput{op: op, Name: jStr(data, "GlobalTableName"), Create: op == "CreateGlobalTable"}
	if op == "UpdateGlobalTable" {
		ups := data.present("ReplicaUpdates")
		if ups == nil || len(ups.kids) == 0 {
			return nil, validationError("One or more parameter values were invalid")
		}
		for i := range ups.kids {
			if ups.kids[i].val.present("Create") != nil {
				in.Create = true
			}
		}
	}
	return in, nil
}

func decodeKinesis(op string, body []byte, schema []*schField, config string) (any, *Error) {
	data, e := decPrepare(body, schema)
	if e != nil {
		return nil, e
	}
	in := &KinesisDestinationInput{op: op, TableName: jStr(data, "TableName"), StreamArn: jStr(data, "StreamArn")}
	if config != "" {
		if c := data.present(config); c != nil {
			in.hasConfig = true
			in.Precision = jStr(c, "ApproximateCreationDateTimePrecision")
		}
	}
	return in, nil
}

// msgGlobalTablesLegacy is DynamoDB's answer to any attempt to make a
// global table of version 2017.11.29.
const msgGlobalTablesLegacy = "One or more parameter values were invalid: DynamoDB global tables version 2017.11.29 is not supported. " +
	"We recommend using DynamoDB global tables version 2019.11.21, instead of version 2017.11.29 (Legacy)."

func globalTableNotFound(msg string) *Error {
	return &Error{Status: 400, Type: nsDynamoDB + "GlobalTableNotFoundException", Message: msg}
}

func (in *GlobalTableInput) serve(*Handler, *stopper) ([]byte, *Error) {
	if in.Create {
		return nil, validationError(msgGlobalTablesLegacy)
	}
	msg := "Global table with name: '" + in.Name + "' does not exist."
	if in.op == "DescribeGlobalTable" {
		msg = "Global table not found: " + msg
	}
	return nil, globalTableNotFound(msg)
}

func (in *ListGlobalTablesInput) serve(*Handler, *stopper) ([]byte, *Error) {
	return []byte(`{"GlobalTables":[]}`), nil
}

func (in *ReplicaAutoScalingInput) serve(*Handler, *stopper) ([]byte, *Error) {
	return nil, resourceNotFound("Global table with name: '" + in.TableName + "' does not exist.")
}

// kinesisDestination is a table's Kinesis streaming destination.
type kinesisDestination struct {
	StreamArn                            string `json:"StreamArn"`
	DestinationStatus                    string `json:"DestinationStatus"`
	DestinationStatusDescription         string `json:"DestinationStatusDescription,omitempty"`
	ApproximateCreationDateTimePrecision string `json:"ApproximateCreationDateTimePrecision,omitempty"`
}

// kinesisFailure is DynamoDB's description of why it cannot stream to
// arn, for a stream it cannot use: in another region, of another account
// or not a Kinesis stream at all, or (the same words DynamoDB uses for a
// stream that does not exist) one it may not use.
func (h *Handler) kinesisFailure(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	switch {
	case len(parts) == 6 && parts[3] != h.opts.Region:
		return "The kinesis Arn used to enable kinesis replication belongs to a stream which is not in the current region"
	case len(parts) == 6 && (parts[4] != h.opts.AccountID || parts[2] == "firehose"):
		return "The kinesis Arn used to enable kinesis replication belongs to a stream which is not in Active state"
	}
	return "User does not have a permission to use kinesis stream"
}

// maxKinesisDestinations bounds the failed destinations a table keeps (the
// most recent ones): DynamoDB keeps one per stream ARN ever tried, which
// would let a client grow a table's stored description without end.
const maxKinesisDestinations = 10

const msgKinesisState = "Table is not in a valid state to enable Kinesis Streaming Destination: "

func (in *KinesisDestinationInput) serve(h *Handler, _ *stopper) ([]byte, *Error) {
	if in.op == "DescribeKinesisStreamingDestination" {
		t, ok := h.store.Table(in.TableName)
		if !ok {
			return nil, tableNotFound(in.TableName)
		}
		m := loadMeta(t)
		dests := m.Kinesis
		if dests == nil {
			dests = []kinesisDestination{}
		}
		return mustMarshal(&struct {
			KinesisDataStreamDestinations []kinesisDestination `json:"KinesisDataStreamDestinations"`
			TableName                     string               `json:"TableName"`
		}{dests, in.TableName}), nil
	}
	h.ctl.Lock()
	defer h.ctl.Unlock()
	t, ok := h.store.Table(in.TableName)
	if !ok {
		return nil, tableNotFound(in.TableName)
	}
	switch in.op {
	case "DisableKinesisStreamingDestination":
		// No destination here is ever ACTIVE.
		return nil, validationError(msgKinesisState + "KinesisStreamingDestination must be ACTIVE to perform DISABLE operation.")
	case "UpdateKinesisStreamingDestination":
		return nil, validationError(msgKinesisState + "Kinesis streaming is not in ACTIVE state. Updates are only allowed in ACTIVE state.")
	}
	// Enable: accepted, then failed, as DynamoDB does with a stream it
	// cannot use; enabling a failed destination again replaces it.
	m := loadMeta(t)
	d := kinesisDestination{StreamArn: in.StreamArn, DestinationStatus: "ENABLE_FAILED",
		DestinationStatusDescription: h.kinesisFailure(in.StreamArn)}
	dests := make([]kinesisDestination, 0, len(m.Kinesis)+1)
	for _, x := range m.Kinesis {
		if x.StreamArn != in.StreamArn {
			dests = append(dests, x)
		}
	}
	if len(dests) >= maxKinesisDestinations {
		dests = dests[len(dests)-maxKinesisDestinations+1:]
	}
	m.Kinesis = append(dests, d)
	if e := h.storeMeta(t, &m); e != nil {
		return nil, e
	}
	type config struct {
		ApproximateCreationDateTimePrecision string `json:"ApproximateCreationDateTimePrecision,omitempty"`
	}
	return mustMarshal(&struct {
		TableName                           string `json:"TableName"`
		StreamArn                           string `json:"StreamArn"`
		DestinationStatus                   string `json:"DestinationStatus"`
		EnableKinesisStreamingConfiguration config `json:"EnableKinesisStreamingConfiguration"`
	}{in.TableName, in.StreamArn, "ENABLING", config{in.Precision}}), nil
}

// inventoryInput is the input of an operation of this file or of
// action_insights.go: it runs itself.
type inventoryInput interface {
	serve(h *Handler, st *stopper) ([]byte, *Error)
}
