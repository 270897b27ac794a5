package dynamodb

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/stream"
)

// tableMeta is what the store keeps as a table's opaque description (and
// logs and snapshots with the table): the TableDescription fields that do
// not change with the data, and the settings DescribeTable does not show.
type tableMeta struct {
	Desc tableDescription `json:"d"`
	Tags []Tag            `json:"t,omitempty"`
	// TTL is the time-to-live setting (nil: never enabled).
	TTL *ttlSetting `json:"ttl,omitempty"`
	// PITR is the point-in-time recovery setting (nil: never enabled).
	PITR *pitrSetting `json:"pitr,omitempty"`
	// Policy and StreamPolicy are the resource-based policies of the
	// table and of its stream (action_policy.go; nil: none).
	Policy       *resourcePolicy `json:"pol,omitempty"`
	StreamPolicy *resourcePolicy `json:"spol,omitempty"`
	// Insights are the Contributor Insights settings, by index name (""
	// for the table; action_insights.go). Kinesis is the table's Kinesis
	// streaming destinations (action_global.go).
	Insights map[string]*insightsSetting `json:"ci,omitempty"`
	Kinesis  []kinesisDestination        `json:"kin,omitempty"`
}

// loadMeta returns t's stored description.
func loadMeta(t *shard.Table) tableMeta {
	var m tableMeta
	json.Unmarshal(t.Meta(), &m)
	return m
}

// storeMeta replaces t's description, keeping its indexes, and waits
// until the change is logged.
// REQUIRES: h.ctl held, t still the table of its name.
func (h *Handler) storeMeta(t *shard.Table, m *tableMeta) *Error {
	b, _ := json.Marshal(m)
	if err := h.store.UpdateTable(t, t.Indexes(), b); err != nil {
		return internalError(err.Error())
	}
	return nil
}

type tableDescription struct {
	AttributeDefinitions      []AttributeDefinition             `json:"AttributeDefinitions"`
	TableName                 string                            `json:"TableName"`
	KeySchema                 []KeySchemaElement                `json:"KeySchema"`
	TableStatus               string                            `json:"TableStatus"`
	CreationDateTime          float64                           `json:"CreationDateTime"`
	ProvisionedThroughput     *provisionedThroughputDescription `json:"ProvisionedThroughput,omitempty"`
	TableSizeBytes            int64                             `json:"TableSizeBytes"`
	ItemCount                 int64                             `json:"ItemCount"`
	TableArn                  string                            `json:"TableArn"`
	TableID                   string                            `json:"TableId"`
	BillingModeSummary        *billingModeSummary               `json:"BillingModeSummary,omitempty"`
	LocalSecondaryIndexes     []indexDescription                `json:"LocalSecondaryIndexes,omitempty"`
	GlobalSecondaryIndexes    []indexDescription                `json:"GlobalSecondaryIndexes,omitempty"`
	StreamSpecification       *StreamSpecification              `json:"StreamSpecification,omitempty"`
	LatestStreamLabel         string                            `json:"LatestStreamLabel,omitempty"`
	LatestStreamArn           string                            `json:"LatestStreamArn,omitempty"`
	SSEDescription            *sseDescription                   `json:"SSEDescription,omitempty"`
	TableClassSummary         *tableClassSummary                `json:"TableClassSummary,omitempty"`
	DeletionProtectionEnabled bool                              `json:"DeletionProtectionEnabled"`
	OnDemandThroughput        *OnDemandThroughput               `json:"OnDemandThroughput,omitempty"`
	RestoreSummary            *restoreSummary                   `json:"RestoreSummary,omitempty"`
}

type provisionedThroughputDescription struct {
	LastIncreaseDateTime   float64 `json:"LastIncreaseDateTime,omitempty"`
	LastDecreaseDateTime   float64 `json:"LastDecreaseDateTime,omitempty"`
	NumberOfDecreasesToday int64   `json:"NumberOfDecreasesToday"`
	ReadCapacityUnits      int64   `json:"ReadCapacityUnits"`
	WriteCapacityUnits     int64   `json:"WriteCapacityUnits"`
}

type billingModeSummary struct {
	BillingMode                       string  `json:"BillingMode"`
	LastUpdateToPayPerRequestDateTime float64 `json:"LastUpdateToPayPerRequestDateTime,omitempty"`
}

type indexDescription struct {
	IndexName             string                            `json:"IndexName"`
	KeySchema             []KeySchemaElement                `json:"KeySchema"`
	Projection            Projection                        `json:"Projection"`
	IndexStatus           string                            `json:"IndexStatus,omitempty"` // GSIs only
	ProvisionedThroughput *provisionedThroughputDescription `json:"ProvisionedThroughput,omitempty"`
	OnDemandThroughput    *OnDemandThroughput               `json:"OnDemandThroughput,omitempty"`
	IndexSizeBytes        int64                             `json:"IndexSizeBytes"`
	ItemCount             int64                             `json:"ItemCount"`
	IndexArn              string                            `json:"IndexArn"`
}

type sseDescription struct {
	Status          string `json:"Status"`
	SSEType         string `json:"SSEType,omitempty"`
	KMSMasterKeyArn string `json:"KMSMasterKeyArn,omitempty"`
}

type tableClassSummary struct {
	TableClass string `json:"TableClass"`
}

func nowSeconds() float64 {
	return float64(time.Now().UnixMilli()) / 1000
}

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (h *Handler) tableArn(name string) string {
	return "arn:aws:dynamodb:" + h.opts.Region + ":" + h.opts.AccountID + ":table/" + name
}

func tableNotFound(name string) *Error {
	return resourceNotFound("Requested resource not found: Table: " + name + " not found")
}

// keySchemaOf resolves a KeySchema against AttributeDefinitions.
func keySchemaOf(ks []KeySchemaElement, defs []AttributeDefinition) shard.KeySchema {
	typeOf := func(name string) attr.Type {
		for _, d := range defs {
			if d.AttributeName == name {
				return attr.ParseType(d.AttributeType)
			}
		}
		return attr.TypeInvalid
	}
	var s shard.KeySchema
	for _, e := range ks {
		// A multi-attribute key's first partition and sort attributes.
		if e.KeyType == "HASH" {
			if s.HashName == "" {
				s.HashName, s.HashType = e.AttributeName, typeOf(e.AttributeName)
			}
		} else if s.RangeName == "" {
			s.RangeName, s.RangeType = e.AttributeName, typeOf(e.AttributeName)
		}
	}
	return s
}

// indexSchemas returns the store's view of a description's indexes: GSIs
// first, then LSIs, the order in which DynamoDB checks index keys.
func indexSchemas(d *tableDescription) []shard.IndexSchema {
	var out []shard.IndexSchema
	for _, g := range d.GlobalSecondaryIndexes {
		pt, nonKey := projectionType(g.Projection)
		ix := shard.IndexSchema{Name: g.IndexName, Key: keySchemaOf(g.KeySchema, d.AttributeDefinitions),
			Projection: pt, NonKeyAttributes: nonKey}
		setKeyAttrs(&ix, g.KeySchema, d.AttributeDefinitions)
		out = append(out, ix)
	}
	for _, l := range d.LocalSecondaryIndexes {
		pt, nonKey := projectionType(l.Projection)
		out = append(out, shard.IndexSchema{Name: l.IndexName, Local: true, Key: keySchemaOf(l.KeySchema, d.AttributeDefinitions),
			Projection: pt, NonKeyAttributes: nonKey})
	}
	return out
}

func throughputDesc(pt *ProvisionedThroughput) *provisionedThroughputDescription {
	d := &provisionedThroughputDescription{}
	if pt != nil {
		d.ReadCapacityUnits, d.WriteCapacityUnits = pt.ReadCapacityUnits, pt.WriteCapacityUnits
	}
	return d
}

func (h *Handler) createTable(in *CreateTableInput) ([]byte, *Error) {
	now := nowSeconds()
	arn := h.tableArn(in.TableName)
	d := tableDescription{
		AttributeDefinitions:  in.AttributeDefinitions,
		TableName:             in.TableName,
		KeySchema:             in.KeySchema,
		CreationDateTime:      now,
		ProvisionedThroughput: throughputDesc(in.ProvisionedThroughput),
		TableArn:              arn,
		TableID:               newUUID(),
		StreamSpecification:   in.StreamSpecification,
		OnDemandThroughput:    in.OnDemandThroughput,
		RestoreSummary:        in.restore,
	}
	if in.BillingMode == "PAY_PER_REQUEST" {
		d.BillingModeSummary = &billingModeSummary{BillingMode: "PAY_PER_REQUEST", LastUpdateToPayPerRequestDateTime: now}
	}
	if in.DeletionProtectionEnabled != nil {
		d.DeletionProtectionEnabled = *in.DeletionProtectionEnabled
	}
	if in.TableClass != "" {
		d.TableClassSummary = &tableClassSummary{TableClass: in.TableClass}
	}
	var streamID int64
	if in.StreamSpecification != nil && in.StreamSpecification.StreamEnabled {
		if _, exists := h.store.Table(in.TableName); exists {
			return nil, resourceInUse("Table already exists: " + in.TableName)
		}
		id, err := h.enableStream(in.TableName, keySchemaOf(in.KeySchema, in.AttributeDefinitions), in.StreamSpecification.StreamViewType)
		if err != nil {
			return nil, internalError(err.Error())
		}
		streamID = id
		d.LatestStreamLabel = stream.Label(id)
		d.LatestStreamArn = h.streamArn(in.TableName, id)
	}
	if in.SSESpecification != nil && in.SSESpecification.Enabled != nil && *in.SSESpecification.Enabled {
		key := in.SSESpecification.KMSMasterKeyID
		if key == "" {
			key = "arn:aws:kms:" + h.opts.Region + ":" + h.opts.AccountID + ":key/" + newUUID()
		}
		d.SSEDescription = &sseDescription{Status: "ENABLED", SSEType: "KMS", KMSMasterKeyArn: key}
	}
	for _, l := range in.LocalSecondaryIndexes {
		d.LocalSecondaryIndexes = append(d.LocalSecondaryIndexes, indexDescription{
			IndexName: l.IndexName, KeySchema: l.KeySchema, Projection: l.Projection,
			IndexArn: arn + "/index/" + l.IndexName,
		})
	}
	for _, g := range in.GlobalSecondaryIndexes {
		d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes, h.gsiDescription(arn, g, in.BillingMode))
	}
	meta := tableMeta{Desc: d, Tags: in.Tags}
	if in.ResourcePolicy != "" {
		if e := checkPolicyDocument(in.ResourcePolicy); e != nil {
			return nil, e
		}
		meta.Policy = &resourcePolicy{Doc: in.ResourcePolicy, Rev: nextRevision("")}
	}
	b, _ := json.Marshal(&meta)
	t, err := h.store.CreateTable(in.TableName, keySchemaOf(in.KeySchema, in.AttributeDefinitions), indexSchemas(&d), b)
	if err != nil && t == nil && streamID != 0 {
		h.opts.Streams.Disable(in.TableName, streamID)
	}
	if errors.Is(err, shard.ErrTableExists) {
		return nil, resourceInUse("Table already exists: " + in.TableName)
	}
	if err != nil && t == nil {
		return nil, internalError(err.Error())
	}
	if streamID != 0 {
		t.SetStream(streamID, stream.OldImages(in.StreamSpecification.StreamViewType))
	}
	// The reply describes the table as DynamoDB does right after the call
	// (CREATING); the table itself is usable at once and ACTIVE for the
	// next call.
	d.TableStatus = "CREATING"
	for i := range d.GlobalSecondaryIndexes {
		d.GlobalSecondaryIndexes[i].IndexStatus = "CREATING"
	}
	if d.BillingModeSummary != nil {
		d.BillingModeSummary.LastUpdateToPayPerRequestDateTime = 0
	}
	if err != nil {
		return nil, internalError(err.Error())
	}
	return marshalReply("TableDescription", &d), nil
}

func (h *Handler) gsiDescription(tableArn string, g GlobalSecondaryIndex, billing string) indexDescription {
	d := indexDescription{
		IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection,
		IndexStatus: "ACTIVE", ProvisionedThroughput: throughputDesc(g.ProvisionedThroughput),
		OnDemandThroughput: g.OnDemandThroughput,
		IndexArn:           tableArn + "/index/" + g.IndexName,
	}
	return d
}

func marshalReply(field string, v any) []byte {
	b, _ := json.Marshal(v)
	out := make([]byte, 0, len(b)+len(field)+6)
	out = append(out, `{"`...)
	out = append(out, field...)
	out = append(out, `":`...)
	out = append(out, b...)
	return append(out, '}')
}

// describe returns t's current description.
func describe(t *shard.Table, status string) (tableDescription, []Tag) {
	var m tableMeta
	json.Unmarshal(t.Meta(), &m)
	d := m.Desc
	d.TableStatus = status
	if status == "ACTIVE" && d.RestoreSummary != nil && d.RestoreSummary.RestoreInProgress {
		d.TableStatus = "CREATING" // its items are still being restored
	}
	d.ItemCount = t.ItemCount()
	d.TableSizeBytes = t.SizeBytes()
	describeIndexes(t, d.GlobalSecondaryIndexes, true)
	describeIndexes(t, d.LocalSecondaryIndexes, false)
	return d, m.Tags
}

// describeIndexes fills in the indexes' live figures: ItemCount,
// IndexSizeBytes and, for GSIs, IndexStatus (CREATING while backfilling).
func describeIndexes(t *shard.Table, idx []indexDescription, global bool) {
	for i := range idx {
		st, ok := t.IndexStats(idx[i].IndexName)
		if !ok {
			continue
		}
		idx[i].ItemCount, idx[i].IndexSizeBytes = st.ItemCount, st.SizeBytes
		if global {
			idx[i].IndexStatus = "ACTIVE"
			if st.Backfilling {
				idx[i].IndexStatus = "CREATING"
			}
		}
	}
}

func (h *Handler) describeTable(in *TableNameInput) ([]byte, *Error) {
	t, ok := h.store.Table(in.TableName)
	if !ok {
		return nil, tableNotFound(in.TableName)
	}
	d, _ := describe(t, "ACTIVE")
	return marshalReply("Table", &d), nil
}

func (h *Handler) deleteTable(in *TableNameInput) ([]byte, *Error) {
	h.ctl.Lock()
	defer h.ctl.Unlock()
	t, ok := h.store.Table(in.TableName)
	if !ok {
		return nil, tableNotFound(in.TableName)
	}
	d, _ := describe(t, "DELETING")
	// DynamoDB leaves the global secondary indexes out of DeleteTable's
	// reply.
	d.GlobalSecondaryIndexes = nil
	if d.DeletionProtectionEnabled {
		return nil, validationError("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
	}
	if _, err := h.store.DeleteTable(in.TableName); err != nil {
		if errors.Is(err, shard.ErrTableNotFound) {
			return nil, tableNotFound(in.TableName)
		}
		return nil, internalError(err.Error())
	}
	h.opts.PITR.Disable(in.TableName) // its history goes with it
	// The stream stays readable until its records age out, as DynamoDB's.
	if id := t.StreamID(); id != 0 {
		t.SetStream(0, false)
		h.opts.Streams.Disable(in.TableName, id)
	}
	return marshalReply("TableDescription", deleteDescription(&d)), nil
}

func (h *Handler) listTables(in *ListTablesInput) ([]byte, *Error) {
	limit := in.Limit
	if limit <= 0 {
		limit = 100
	}
	names := h.store.TableNames()
	start := 0
	if in.ExclusiveStartTableName != "" {
		for start < len(names) && names[start] <= in.ExclusiveStartTableName {
			start++
		}
	}
	names = names[start:]
	out := []byte(`{`)
	if len(names) > limit {
		names = names[:limit]
		out = append(out, `"LastEvaluatedTableName":`...)
		out = appendJSONString(out, names[len(names)-1])
		out = append(out, ',')
	}
	out = append(out, `"TableNames":[`...)
	for i, n := range names {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendJSONString(out, n)
	}
	return append(out, `]}`...), nil
}

// maxThroughput is the largest capacity DynamoDB lets an index update ask
// for before refusing the action.
const maxThroughput = 1_000_000_000_000

// updateTable changes a table's settings. As in DynamoDB, the reply
// describes the table as it was, with the parts being changed UPDATING;
// the new values show from the next call on (dynacache applies them at
// once).
func (h *Handler) updateTable(in *UpdateTableInput) ([]byte, *Error) {
	h.ctl.Lock()
	defer h.ctl.Unlock()
	t, ok := h.store.Table(in.TableName)
	if !ok {
		return nil, tableNotFound(in.TableName)
	}
	m := loadMeta(t)
	d := &m.Desc
	now := nowSeconds()
	billing := "PROVISIONED"
	if d.BillingModeSummary != nil {
		billing = d.BillingModeSummary.BillingMode
	}
	newBilling := billing
	if in.BillingMode != "" {
		newBilling = in.BillingMode
	}
	if in.ProvisionedThroughput != nil && newBilling == "PAY_PER_REQUEST" {
		return nil, validationError("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
	}
	if len(in.GlobalSecondaryIndexUpdates) > 5 {
		return nil, limitExceeded("Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table")
	}
	// The throughput changes, table first, then indexes in request order.
	type change struct {
		index int // -1: the table
		want  *ProvisionedThroughput
	}
	var changes []change
	if in.ProvisionedThroughput != nil {
		changes = append(changes, change{-1, in.ProvisionedThroughput})
	}
	updated := map[string]bool{}
	for _, u := range in.GlobalSecondaryIndexUpdates {
		if u.Update == nil || u.Update.ProvisionedThroughput == nil {
			continue
		}
		pt := u.Update.ProvisionedThroughput
		if pt.ReadCapacityUnits > maxThroughput || pt.WriteCapacityUnits > maxThroughput {
			return nil, validationError("This operation cannot be performed with given input values. Please contact DynamoDB service team for more info: Action Blocked: IndexUpdate")
		}
		if i := indexOf(d.GlobalSecondaryIndexes, u.Update.IndexName); i >= 0 {
			changes = append(changes, change{i, pt})
			updated[u.Update.IndexName] = true
		}
	}
	if in.BillingMode == "PROVISIONED" && billing != "PROVISIONED" {
		if in.ProvisionedThroughput == nil {
			return nil, validationError("One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED")
		}
		var missing []string
		for _, g := range d.GlobalSecondaryIndexes {
			if !updated[g.IndexName] {
				missing = append(missing, g.IndexName)
			}
		}
		if len(missing) > 0 {
			return nil, validationError("One or more parameter values were invalid: ProvisionedThroughput must be specified for index: " + strings.Join(missing, ","))
		}
	}
	// GSI creations and deletions are checked against the current indexes
	// first, so a failing request changes nothing.
	if e := checkIndexCreates(in, d); e != nil {
		return nil, e
	}
	for _, u := range in.GlobalSecondaryIndexUpdates {
		switch {
		case u.Create != nil:
			if indexOf(d.GlobalSecondaryIndexes, u.Create.IndexName) >= 0 {
				return nil, validationError("One or more parameter values were invalid: Index with name: " + u.Create.IndexName + " already exists")
			}
		case u.Update != nil:
			if indexOf(d.GlobalSecondaryIndexes, u.Update.IndexName) < 0 {
				return nil, resourceNotFound("Requested resource not found: Index: " + u.Update.IndexName + " not found")
			}
		case u.Delete != nil:
			if indexOf(d.GlobalSecondaryIndexes, u.Delete.IndexName) < 0 {
				return nil, resourceNotFound("Requested resource not found: Index: " + u.Delete.IndexName + " not found")
			}
		}
	}
	throughputOf := func(c change) *provisionedThroughputDescription {
		if c.index < 0 {
			if d.ProvisionedThroughput == nil {
				d.ProvisionedThroughput = &provisionedThroughputDescription{}
			}
			return d.ProvisionedThroughput
		}
		g := &d.GlobalSecondaryIndexes[c.index]
		if g.ProvisionedThroughput == nil {
			g.ProvisionedThroughput = &provisionedThroughputDescription{}
		}
		return g.ProvisionedThroughput
	}
	for _, c := range changes {
		cur := throughputOf(c)
		if c.want.ReadCapacityUnits == cur.ReadCapacityUnits && c.want.WriteCapacityUnits == cur.WriteCapacityUnits {
			return nil, validationError("The provisioned throughput for the table will not change. The requested value equals the current value. " +
				"Current ReadCapacityUnits provisioned for the table: " + strconv.FormatInt(cur.ReadCapacityUnits, 10) +
				". Requested ReadCapacityUnits: " + strconv.FormatInt(c.want.ReadCapacityUnits, 10) + ". " +
				"Current WriteCapacityUnits provisioned for the table: " + strconv.FormatInt(cur.WriteCapacityUnits, 10) +
				". Requested WriteCapacityUnits: " + strconv.FormatInt(c.want.WriteCapacityUnits, 10) + ". " +
				"Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.")
		}
	}

	// The reply: the table as it is, with what changes marked UPDATING.
	reply := cloneDescription(d)
	status := "ACTIVE"
	for _, c := range changes {
		cur := throughputOf(c)
		rcur := reply.ProvisionedThroughput
		if c.index < 0 {
			status = "UPDATING"
		} else {
			reply.GlobalSecondaryIndexes[c.index].IndexStatus = "UPDATING"
			rcur = reply.GlobalSecondaryIndexes[c.index].ProvisionedThroughput
		}
		increase := c.want.ReadCapacityUnits > cur.ReadCapacityUnits || c.want.WriteCapacityUnits > cur.WriteCapacityUnits
		decrease := c.want.ReadCapacityUnits < cur.ReadCapacityUnits || c.want.WriteCapacityUnits < cur.WriteCapacityUnits
		if increase {
			cur.LastIncreaseDateTime, rcur.LastIncreaseDateTime = now, now
		}
		if decrease {
			cur.LastDecreaseDateTime, rcur.LastDecreaseDateTime = now, now
			cur.NumberOfDecreasesToday++
		}
		cur.ReadCapacityUnits, cur.WriteCapacityUnits = c.want.ReadCapacityUnits, c.want.WriteCapacityUnits
		if in.BillingMode == "PROVISIONED" && billing != "PROVISIONED" {
			// Leaving on-demand, the reply shows the new capacity at once.
			rcur.ReadCapacityUnits, rcur.WriteCapacityUnits = cur.ReadCapacityUnits, cur.WriteCapacityUnits
		}
	}
	if newBilling != billing {
		status = "UPDATING"
		if newBilling == "PAY_PER_REQUEST" {
			d.BillingModeSummary = &billingModeSummary{BillingMode: "PAY_PER_REQUEST", LastUpdateToPayPerRequestDateTime: now}
			reply.BillingModeSummary = &billingModeSummary{BillingMode: "PAY_PER_REQUEST"}
			for _, desc := range []*tableDescription{d, reply} {
				pt := desc.ProvisionedThroughput
				if pt == nil {
					pt = &provisionedThroughputDescription{}
					desc.ProvisionedThroughput = pt
				}
				pt.ReadCapacityUnits, pt.WriteCapacityUnits = 0, 0
				if desc == reply {
					pt.LastDecreaseDateTime = now
				}
				for i := range desc.GlobalSecondaryIndexes {
					g := &desc.GlobalSecondaryIndexes[i]
					if g.ProvisionedThroughput == nil {
						g.ProvisionedThroughput = &provisionedThroughputDescription{}
					}
					g.ProvisionedThroughput.ReadCapacityUnits, g.ProvisionedThroughput.WriteCapacityUnits = 0, 0
					if desc == reply {
						g.IndexStatus = "UPDATING"
					} else {
						g.ProvisionedThroughput.NumberOfDecreasesToday++
						g.ProvisionedThroughput.LastDecreaseDateTime = now
					}
				}
			}
		} else {
			d.BillingModeSummary = &billingModeSummary{BillingMode: "PROVISIONED"}
			reply.BillingModeSummary = &billingModeSummary{BillingMode: "PROVISIONED"}
		}
	}

	// Settings that show in the reply as they will be.
	both := func(f func(*tableDescription)) { f(d); f(reply) }
	if in.OnDemandThroughput != nil {
		both(func(x *tableDescription) { x.OnDemandThroughput = in.OnDemandThroughput })
	}
	if in.DeletionProtectionEnabled != nil {
		both(func(x *tableDescription) { x.DeletionProtectionEnabled = *in.DeletionProtectionEnabled })
	}
	if in.TableClass != "" {
		both(func(x *tableDescription) { x.TableClassSummary = &tableClassSummary{TableClass: in.TableClass} })
	}
	// The stream change is made once the new description is stored
	// (streamChange, below).
	var streamChange func()
	if s := in.StreamSpecification; s != nil {
		status = "UPDATING"
		enabled := d.StreamSpecification != nil && d.StreamSpecification.StreamEnabled
		if s.StreamEnabled {
			if enabled {
				return nil, validationError("Table already has an enabled stream: TableName: " + in.TableName)
			}
			id, err := h.enableStream(in.TableName, t.Schema(), s.StreamViewType)
			if err != nil {
				return nil, internalError(err.Error())
			}
			label := stream.Label(id)
			both(func(x *tableDescription) {
				x.StreamSpecification = s
				x.LatestStreamLabel, x.LatestStreamArn = label, h.streamArn(in.TableName, id)
			})
			streamChange = func() { t.SetStream(id, stream.OldImages(s.StreamViewType)) }
		} else {
			if !enabled {
				return nil, validationError("Table has no stream to disable: TableName: " + in.TableName)
			}
			old := t.StreamID()
			both(func(x *tableDescription) { x.StreamSpecification = nil })
			streamChange = func() {
				t.SetStream(0, false)
				h.opts.Streams.Disable(in.TableName, old)
			}
		}
	}
	if s := in.SSESpecification; s != nil && s.Enabled != nil {
		status = "UPDATING"
		var sse *sseDescription
		if *s.Enabled {
			key := s.KMSMasterKeyID
			if key == "" {
				key = "arn:aws:kms:" + h.opts.Region + ":" + h.opts.AccountID + ":key/" + newUUID()
			}
			sse = &sseDescription{Status: "ENABLED", SSEType: "KMS", KMSMasterKeyArn: key}
		}
		both(func(x *tableDescription) { x.SSEDescription = sse })
	}
	for _, def := range in.AttributeDefinitions {
		found := false
		for _, cur := range d.AttributeDefinitions {
			if cur.AttributeName == def.AttributeName {
				found = true
			}
		}
		if !found {
			both(func(x *tableDescription) { x.AttributeDefinitions = append(x.AttributeDefinitions, def) })
		}
	}
	for _, u := range in.GlobalSecondaryIndexUpdates {
		switch {
		case u.Create != nil:
			status = "UPDATING"
			g := h.gsiDescription(d.TableArn, *u.Create, newBilling)
			d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes, g)
			g.IndexStatus = "CREATING"
			reply.GlobalSecondaryIndexes = append(reply.GlobalSecondaryIndexes, g)
		case u.Update != nil && u.Update.OnDemandThroughput != nil:
			i := indexOf(d.GlobalSecondaryIndexes, u.Update.IndexName)
			d.GlobalSecondaryIndexes[i].OnDemandThroughput = u.Update.OnDemandThroughput
			reply.GlobalSecondaryIndexes[i].OnDemandThroughput = u.Update.OnDemandThroughput
		case u.Delete != nil:
			status = "UPDATING"
			i := indexOf(d.GlobalSecondaryIndexes, u.Delete.IndexName)
			d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes[:i], d.GlobalSecondaryIndexes[i+1:]...)
			delete(m.Insights, u.Delete.IndexName) // its Contributor Insights go with it
			reply.GlobalSecondaryIndexes[indexOf(reply.GlobalSecondaryIndexes, u.Delete.IndexName)].IndexStatus = "DELETING"
		}
	}
	// DynamoDB lists only the attributes some key schema uses: those only
	// a deleted index used go with it.
	d.AttributeDefinitions = usedAttributes(d)
	b, _ := json.Marshal(&m)
	if err := h.store.UpdateTable(t, indexSchemas(d), b); err != nil {
		return nil, internalError(err.Error())
	}
	if streamChange != nil {
		streamChange()
	}
	reply.TableStatus = status
	reply.ItemCount = t.ItemCount()
	reply.TableSizeBytes = t.SizeBytes()
	return marshalReply("TableDescription", reply), nil
}

// cloneDescription returns a deep copy of d.
func cloneDescription(d *tableDescription) *tableDescription {
	b, _ := json.Marshal(d)
	var c tableDescription
	json.Unmarshal(b, &c)
	return &c
}

func indexOf(idx []indexDescription, name string) int {
	for i, x := range idx {
		if x.IndexName == name {
			return i
		}
	}
	return -1
}

// usedAttributes returns d's attribute definitions that the table's or an
// index's key schema uses, in their order.
func usedAttributes(d *tableDescription) []AttributeDefinition {
	used := map[string]bool{}
	mark := func(ks []KeySchemaElement) {
		for _, k := range ks {
			used[k.AttributeName] = true
		}
	}
	mark(d.KeySchema)
	for _, x := range d.LocalSecondaryIndexes {
		mark(x.KeySchema)
	}
	for _, x := range d.GlobalSecondaryIndexes {
		mark(x.KeySchema)
	}
	out := d.AttributeDefinitions[:0:0]
	for _, a := range d.AttributeDefinitions {
		if used[a.AttributeName] {
			out = append(out, a)
		}
	}
	return out
}
