package dynamodb

import (
	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/shard/expr"
)

// The decoded, validated requests. decode<Op> (decode_*.go) turns a request
// body into one of these, applying DynamoDB's type checks (SerializationException),
// constraint checks ("N validation errors detected: ...") and the
// operation's own checks, in DynamoDB's order. Everything here is therefore
// valid on its own; what depends on the table (key schema, indexes) is
// checked by the actions (action_*.go).
//
// Optional scalars are pointers or "" when absent. Attribute values are
// attr.Values with numbers in canonical form. Expressions, and the legacy
// parameters that mean the same, arrive parsed: Cond, Update, Proj, Filter.

// KeySchemaElement is one element of a KeySchema.
type KeySchemaElement struct {
	AttributeName string `json:"AttributeName"`
	KeyType       string `json:"KeyType"` // HASH or RANGE
}

// AttributeDefinition names a key attribute's type.
type AttributeDefinition struct {
	AttributeName string `json:"AttributeName"`
	AttributeType string `json:"AttributeType"` // S, N or B
}

// Projection is an index projection.
type Projection struct {
	ProjectionType   string   `json:"ProjectionType,omitempty"` // ALL, KEYS_ONLY, INCLUDE
	NonKeyAttributes []string `json:"NonKeyAttributes,omitempty"`
}

// ProvisionedThroughput as given in requests.
type ProvisionedThroughput struct {
	ReadCapacityUnits  int64 `json:"ReadCapacityUnits"`
	WriteCapacityUnits int64 `json:"WriteCapacityUnits"`
}

// OnDemandThroughput as given in requests (-1 or absent means no limit).
type OnDemandThroughput struct {
	MaxReadRequestUnits  *int64 `json:"MaxReadRequestUnits,omitempty"`
	MaxWriteRequestUnits *int64 `json:"MaxWriteRequestUnits,omitempty"`
}

// GlobalSecondaryIndex as declared in CreateTable or UpdateTable Create.
type GlobalSecondaryIndex struct {
	IndexName             string
	KeySchema             []KeySchemaElement
	Projection            Projection
	ProvisionedThroughput *ProvisionedThroughput
	OnDemandThroughput    *OnDemandThroughput
}

// LocalSecondaryIndex as declared in CreateTable.
type LocalSecondaryIndex struct {
	IndexName  string
	KeySchema  []KeySchemaElement
	Projection Projection
}

// StreamSpecification as given in requests.
type StreamSpecification struct {
	StreamEnabled  bool   `json:"StreamEnabled"`
	StreamViewType string `json:"StreamViewType,omitempty"`
}

// SSESpecification as given in requests.
type SSESpecification struct {
	Enabled        *bool  `json:"Enabled,omitempty"`
	SSEType        string `json:"SSEType,omitempty"`
	KMSMasterKeyID string `json:"KMSMasterKeyId,omitempty"`
}

// Tag is a resource tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// CreateTableInput is a validated CreateTable request.
type CreateTableInput struct {
	TableName                 string
	AttributeDefinitions      []AttributeDefinition
	KeySchema                 []KeySchemaElement
	LocalSecondaryIndexes     []LocalSecondaryIndex
	GlobalSecondaryIndexes    []GlobalSecondaryIndex
	BillingMode               string // "" when absent (PROVISIONED)
	ProvisionedThroughput     *ProvisionedThroughput
	OnDemandThroughput        *OnDemandThroughput
	StreamSpecification       *StreamSpecification
	SSESpecification          *SSESpecification
	Tags                      []Tag
	TableClass                string
	DeletionProtectionEnabled *bool
	ResourcePolicy            string

	// restore, when set, makes the table a restore's target: its
	// description carries the RestoreSummary (action_backup_ondemand.go).
	restore *restoreSummary
}

// GlobalSecondaryIndexUpdate is one element of UpdateTable's
// GlobalSecondaryIndexUpdates: exactly one of the three is set.
type GlobalSecondaryIndexUpdate struct {
	Create *GlobalSecondaryIndex
	Update *struct {
		IndexName             string
		ProvisionedThroughput *ProvisionedThroughput
		OnDemandThroughput    *OnDemandThroughput
	}
	Delete *struct{ IndexName string }
}

// UpdateTableInput is a validated UpdateTable request.
type UpdateTableInput struct {
	TableName                   string
	AttributeDefinitions        []AttributeDefinition
	BillingMode                 string
	ProvisionedThroughput       *ProvisionedThroughput
	OnDemandThroughput          *OnDemandThroughput
	GlobalSecondaryIndexUpdates []GlobalSecondaryIndexUpdate
	StreamSpecification         *StreamSpecification
	SSESpecification            *SSESpecification
	TableClass                  string
	DeletionProtectionEnabled   *bool
}

// TableNameInput is DescribeTable, DeleteTable and DescribeTimeToLive.
type TableNameInput struct {
	TableName string
}

// ListTablesInput is a validated ListTables request.
type ListTablesInput struct {
	ExclusiveStartTableName string
	Limit                   int // 0 when absent (DynamoDB's default 100)
}

// WriteOptions are the reply options shared by the single-item writes.
type WriteOptions struct {
	ReturnValues                        string // "" = NONE
	ReturnConsumedCapacity              string // "" = NONE; TOTAL, INDEXES
	ReturnItemCollectionMetrics         string // "" = NONE; SIZE
	ReturnValuesOnConditionCheckFailure string // "" = NONE; ALL_OLD
}

// PutItemInput is a validated PutItem request.
type PutItemInput struct {
	TableName string
	Item      attr.Item
	Cond      *expr.Condition // ConditionExpression or Expected; nil when none
	WriteOptions
}

// GetItemInput is a validated GetItem request.
type GetItemInput struct {
	TableName              string
	Key                    attr.Item
	ConsistentRead         bool
	Proj                   *expr.Projection // ProjectionExpression or AttributesToGet; nil = all
	ReturnConsumedCapacity string
}

// DeleteItemInput is a validated DeleteItem request.
type DeleteItemInput struct {
	TableName string
	Key       attr.Item
	Cond      *expr.Condition
	WriteOptions
}

// UpdateItemInput is a validated UpdateItem request.
type UpdateItemInput struct {
	TableName string
	Key       attr.Item
	Update    *expr.Update // UpdateExpression or AttributeUpdates; nil = none
	Cond      *expr.Condition
	WriteOptions
}

// QueryInput is a validated Query request.
type QueryInput struct {
	TableName              string
	IndexName              string
	KeyCond                *expr.KeyCondition // KeyConditionExpression or KeyConditions
	Filter                 *expr.Condition    // FilterExpression or QueryFilter
	Proj                   *expr.Projection   // ProjectionExpression or AttributesToGet
	Select                 string
	ScanIndexForward       *bool
	Limit                  int // 0 = none
	ExclusiveStartKey      attr.Item
	ConsistentRead         bool
	ReturnConsumedCapacity string
	LegacyFilter           bool // Filter came from QueryFilter
	LegacyProj             bool // Proj came from AttributesToGet

	stop stopper // the request's cancellation (stop.go), not a parameter
}

// ScanInput is a validated Scan request.
type ScanInput struct {
	TableName              string
	IndexName              string
	Filter                 *expr.Condition
	Proj                   *expr.Projection
	Select                 string
	Limit                  int
	ExclusiveStartKey      attr.Item
	ConsistentRead         bool
	Segment                *int
	TotalSegments          *int
	ReturnConsumedCapacity string
	LegacyFilter           bool // Filter came from ScanFilter
	LegacyProj             bool // Proj came from AttributesToGet

	stop stopper // the request's cancellation (stop.go), not a parameter
}

// KeysAndAttributes is one table's entry of BatchGetItem's RequestItems.
type KeysAndAttributes struct {
	Keys           []attr.Item
	ConsistentRead bool
	Proj           *expr.Projection
}

// BatchGetItemInput is a validated BatchGetItem request. Tables keeps the
// request's table order.
type BatchGetItemInput struct {
	Tables                 []string
	RequestItems           map[string]*KeysAndAttributes
	ReturnConsumedCapacity string

	stop stopper // the request's cancellation (stop.go), not a parameter
}

// WriteRequest is one put (Item set) or delete (Key set) of BatchWriteItem.
type WriteRequest struct {
	Item attr.Item
	Key  attr.Item
}

// BatchWriteItemInput is a validated BatchWriteItem request.
type BatchWriteItemInput struct {
	Tables                      []string
	RequestItems                map[string][]WriteRequest
	ReturnConsumedCapacity      string
	ReturnItemCollectionMetrics string
}
