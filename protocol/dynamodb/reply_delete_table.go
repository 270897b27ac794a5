package dynamodb

// deleteTableDescription is DeleteTable's TableDescription: DynamoDB
// answers with the table's name, status, throughput, size and count and
// its identity and billing, but not its key schema, attribute definitions,
// creation time or indexes (the AWS CLI reference's example reply has
// TableName, TableStatus, ProvisionedThroughput, TableSizeBytes and
// ItemCount; TableArn, TableId, BillingModeSummary and
// DeletionProtectionEnabled are in today's replies). dynalite answers
// with the whole description.
type deleteTableDescription struct {
	TableName                 string                            `json:"TableName"`
	TableStatus               string                            `json:"TableStatus"`
	ProvisionedThroughput     *provisionedThroughputDescription `json:"ProvisionedThroughput,omitempty"`
	TableSizeBytes            int64                             `json:"TableSizeBytes"`
	ItemCount                 int64                             `json:"ItemCount"`
	TableArn                  string                            `json:"TableArn"`
	TableID                   string                            `json:"TableId"`
	BillingModeSummary        *billingModeSummary               `json:"BillingModeSummary,omitempty"`
	StreamSpecification       *StreamSpecification              `json:"StreamSpecification,omitempty"`
	LatestStreamLabel         string                            `json:"LatestStreamLabel,omitempty"`
	LatestStreamArn           string                            `json:"LatestStreamArn,omitempty"`
	SSEDescription            *sseDescription                   `json:"SSEDescription,omitempty"`
	TableClassSummary         *tableClassSummary                `json:"TableClassSummary,omitempty"`
	DeletionProtectionEnabled bool                              `json:"DeletionProtectionEnabled"`
}

// deleteDescription is d as DeleteTable reports it.
func deleteDescription(d *tableDescription) *deleteTableDescription {
	return &deleteTableDescription{
		TableName:                 d.TableName,
		TableStatus:               d.TableStatus,
		ProvisionedThroughput:     d.ProvisionedThroughput,
		TableSizeBytes:            d.TableSizeBytes,
		ItemCount:                 d.ItemCount,
		TableArn:                  d.TableArn,
		TableID:                   d.TableID,
		BillingModeSummary:        d.BillingModeSummary,
		StreamSpecification:       d.StreamSpecification,
		LatestStreamLabel:         d.LatestStreamLabel,
		LatestStreamArn:           d.LatestStreamArn,
		SSEDescription:            d.SSEDescription,
		TableClassSummary:         d.TableClassSummary,
		DeletionProtectionEnabled: d.DeletionProtectionEnabled,
	}
}
