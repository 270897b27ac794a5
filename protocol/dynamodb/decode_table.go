package dynamodb

import (
	"strings"

	"github.com/dynacache/dynacache/shard"
)

// The table operations: CreateTable, DescribeTable, ListTables,
// DeleteTable, UpdateTable, DescribeTimeToLive. Schemas follow dynalite's
// validations/<op>.js; members DynamoDB added later (streams, encryption,
// tags, table class, deletion protection, resource policy, on-demand and
// warm throughput) come after dynalite's.

var tableNameSchema = []*schField{fTopTableName()}

var listTablesSchema = []*schField{
	fInteger("Limit", minVal(1), maxVal(100)),
	fString("ExclusiveStartTableName", nameRegex(), minLen(3), maxLen(255)),
}

func fIndexName() *schField {
	return fString("IndexName", notNull(), nameRegex(), minLen(3), maxLen(255))
}

// fKeySchema is a KeySchema; keyTypeEnum applies the HASH/RANGE enum (the
// table's KeySchema has it, dynalite's index key schemas do not).
func fKeySchema(keyTypeEnum bool) *schField {
	return fKeySchemaMax(keyTypeEnum, 2)
}

// fKeySchemaMax is a KeySchema of at most max elements: a GSI's may have
// up to 4 HASH and 4 RANGE elements (multi-attribute keys).
func fKeySchemaMax(keyTypeEnum bool, max int) *schField {
	keyType := fString("KeyType", notNull())
	if keyTypeEnum {
		keyType = fString("KeyType", notNull(), enumOf("HASH", "RANGE"))
	}
	return fList("KeySchema", fValueStruct("", "KeySchemaElement", []*schField{
		fString("AttributeName", notNull(), minLen(1), maxLen(255)),
		keyType,
	}), notNull(), minLen(1), maxLen(max))
}

func fProjection() *schField {
	return fFieldStruct("Projection", "Projection", []*schField{
		fString("ProjectionType", enumOf("ALL", "INCLUDE", "KEYS_ONLY")),
		fStrings("NonKeyAttributes", minLen(1)),
	}, notNull())
}

func fOnDemandThroughput() *schField {
	return fFieldStruct("OnDemandThroughput", "OnDemandThroughput", []*schField{
		fLong("MaxReadRequestUnits"),
		fLong("MaxWriteRequestUnits"),
	})
}

func fWarmThroughput() *schField {
	return fFieldStruct("WarmThroughput", "WarmThroughput", []*schField{
		fLong("ReadUnitsPerSecond"),
		fLong("WriteUnitsPerSecond"),
	})
}

func fAttributeDefinitions(c ...schCheck) *schField {
	// DynamoDB reports attributeType before attributeName (captured from
	// UpdateTable); dynalite lists them the other way round.
	return fList("AttributeDefinitions", fValueStruct("", "AttributeDefinition", []*schField{
		fString("AttributeType", notNull(), enumOf("B", "N", "S")),
		fString("AttributeName", notNull(), minLen(1), maxLen(255)),
	}), c...)
}

func fStreamSpecification() *schField {
	return fFieldStruct("StreamSpecification", "StreamSpecification", []*schField{
		fBool("StreamEnabled", notNull()),
		fString("StreamViewType", enumOf("NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY")),
	})
}

func fSSESpecification() *schField {
	return fFieldStruct("SSESpecification", "SSESpecification", []*schField{
		fBool("Enabled"),
		fString("SSEType", enumOf("KMS", "AES256")),
		fString("KMSMasterKeyId"),
	})
}

var createTableSchema = []*schField{
	fAttributeDefinitions(notNull()),
	fTopTableName(),
	fString("BillingMode", enumOf("PROVISIONED", "PAY_PER_REQUEST")),
	fProvisionedThroughput("ProvisionedThroughput"),
	fKeySchema(true),
	fList("LocalSecondaryIndexes", fValueStruct("", "LocalSecondaryIndex", []*schField{
		fIndexName(),
		fKeySchema(false),
		fProjection(),
	})),
	fList("GlobalSecondaryIndexes", fValueStruct("", "GlobalSecondaryIndex", []*schField{
		fIndexName(),
		fKeySchemaMax(false, 2*shard.MaxKeyAttrs),
		fProjection(),
		fProvisionedThroughput("ProvisionedThroughput"),
		fOnDemandThroughput(),
		fWarmThroughput(),
	})),
	fStreamSpecification(),
	fSSESpecification(),
	// Tags are checked by checkTags (decode_control.go), as TagResource's.
	fList("Tags", tagSchema),
	fString("TableClass"),
	fBool("DeletionProtectionEnabled"),
	fString("ResourcePolicy"),
	fOnDemandThroughput(),
	fWarmThroughput(),
}

func updateTableSchema() []*schField {
	pt := fProvisionedThroughput("ProvisionedThroughput", notNull())
	// DynamoDB added OnDemandThroughput as an alternative.
	pt.notNullUnless = "OnDemandThroughput"
	return []*schField{
		fTopTableName(),
		fProvisionedThroughput("ProvisionedThroughput"),
		fString("BillingMode", enumOf("PROVISIONED", "PAY_PER_REQUEST")),
		fList("GlobalSecondaryIndexUpdates", fValueStruct("", "GlobalSecondaryIndexUpdate", []*schField{
			fFieldStruct("Update", "UpdateGlobalSecondaryIndexAction", []*schField{
				fIndexName(),
				pt,
				fOnDemandThroughput(),
				fWarmThroughput(),
			}),
			fFieldStruct("Create", "CreateGlobalSecondaryIndexAction", []*schField{
				fProjection(),
				fIndexName(),
				// Optional since on-demand tables: the action layer knows
				// the billing mode.
				fProvisionedThroughput("ProvisionedThroughput"),
				fKeySchemaMax(false, 2*shard.MaxKeyAttrs),
				fOnDemandThroughput(),
				fWarmThroughput(),
			}),
			fFieldStruct("Delete", "DeleteGlobalSecondaryIndexAction", []*schField{
				fIndexName(),
			}),
		})),
		fAttributeDefinitions(),
		fStreamSpecification(),
		fSSESpecification(),
		fString("TableClass"),
		fBool("DeletionProtectionEnabled"),
		fOnDemandThroughput(),
		fWarmThroughput(),
	}
}

var updateTableFields = updateTableSchema()

func decodeTableNameOnly(body []byte) (*TableNameInput, *Error) {
	data, e := decPrepare(body, tableNameSchema)
	if e != nil {
		return nil, e
	}
	return &TableNameInput{TableName: jStr(data, "TableName")}, nil
}

func decodeDescribeTable(body []byte) (*TableNameInput, *Error) { return decodeTableNameOnly(body) }

func decodeDeleteTable(body []byte) (*TableNameInput, *Error) { return decodeTableNameOnly(body) }

func decodeDescribeTimeToLive(body []byte) (*TableNameInput, *Error) {
	return decodeTableNameOnly(body)
}

func decodeListTables(body []byte) (*ListTablesInput, *Error) {
	data, e := decPrepare(body, listTablesSchema)
	if e != nil {
		return nil, e
	}
	in := &ListTablesInput{ExclusiveStartTableName: jStr(data, "ExclusiveStartTableName")}
	if n, ok := jNum(data, "Limit"); ok {
		in.Limit = clampInt(n)
	}
	return in, nil
}

// Conversions of checked table structures.

func convKeySchema(v *jv) []KeySchemaElement {
	if v == nil {
		return nil
	}
	out := make([]KeySchemaElement, len(v.kids))
	for i := range v.kids {
		e := &v.kids[i].val
		out[i] = KeySchemaElement{AttributeName: jStr(e, "AttributeName"), KeyType: jStr(e, "KeyType")}
	}
	return out
}

func convAttributeDefinitions(v *jv) []AttributeDefinition {
	if v == nil {
		return nil
	}
	out := make([]AttributeDefinition, len(v.kids))
	for i := range v.kids {
		e := &v.kids[i].val
		out[i] = AttributeDefinition{AttributeName: jStr(e, "AttributeName"), AttributeType: jStr(e, "AttributeType")}
	}
	return out
}

func convProjection(v *jv) Projection {
	return Projection{ProjectionType: jStr(v, "ProjectionType"), NonKeyAttributes: jStrings(v, "NonKeyAttributes")}
}

func convThroughput(v *jv) *ProvisionedThroughput {
	if v == nil {
		return nil
	}
	r, _ := jNum(v, "ReadCapacityUnits")
	w, _ := jNum(v, "WriteCapacityUnits")
	return &ProvisionedThroughput{ReadCapacityUnits: clampInt64(r), WriteCapacityUnits: clampInt64(w)}
}

func convOnDemand(v *jv) *OnDemandThroughput {
	if v == nil {
		return nil
	}
	out := &OnDemandThroughput{}
	if n, ok := jNum(v, "MaxReadRequestUnits"); ok {
		x := clampInt64(n)
		out.MaxReadRequestUnits = &x
	}
	if n, ok := jNum(v, "MaxWriteRequestUnits"); ok {
		x := clampInt64(n)
		out.MaxWriteRequestUnits = &x
	}
	return out
}

func convStream(v *jv) *StreamSpecification {
	if v == nil {
		return nil
	}
	return &StreamSpecification{StreamEnabled: jBool(v, "StreamEnabled"), StreamViewType: jStr(v, "StreamViewType")}
}

func convSSE(v *jv) *SSESpecification {
	if v == nil {
		return nil
	}
	return &SSESpecification{Enabled: jBoolPtr(v, "Enabled"), SSEType: jStr(v, "SSEType"), KMSMasterKeyID: jStr(v, "KMSMasterKeyId")}
}

func convGSI(v *jv) GlobalSecondaryIndex {
	return GlobalSecondaryIndex{
		IndexName:             jStr(v, "IndexName"),
		KeySchema:             convKeySchema(v.present("KeySchema")),
		Projection:            convProjection(v.present("Projection")),
		ProvisionedThroughput: convThroughput(v.present("ProvisionedThroughput")),
		OnDemandThroughput:    convOnDemand(v.present("OnDemandThroughput")),
	}
}

// structElems returns a checked list's elements, a null element as an
// empty struct.
func structElems(v *jv) []*jv {
	if v == nil {
		return nil
	}
	out := make([]*jv, len(v.kids))
	for i := range v.kids {
		e := &v.kids[i].val
		if e.kind != jvObject {
			e = &jv{kind: jvObject}
		}
		out[i] = e
	}
	return out
}

const maxCapacityUnits = 1e12

// checkThroughputBounds is dynalite's out-of-bounds check of a table's
// ProvisionedThroughput.
func checkThroughputBounds(pt *jv) string {
	if pt == nil {
		return ""
	}
	if r, ok := jNum(pt, "ReadCapacityUnits"); ok && r > maxCapacityUnits {
		return "Given value " + jsFormat(r) + " for ReadCapacityUnits is out of bounds"
	}
	if w, ok := jNum(pt, "WriteCapacityUnits"); ok && w > maxCapacityUnits {
		return "Given value " + jsFormat(w) + " for WriteCapacityUnits is out of bounds"
	}
	return ""
}

// checkOnDemandRange checks OnDemandThroughput's limits (at least 1; -1,
// "no limit", where allowMinusOne). what is "table" or "index : NAME".
func checkOnDemandRange(odt *jv, what string, allowMinusOne bool) string {
	for _, m := range [...]string{"MaxReadRequestUnits", "MaxWriteRequestUnits"} {
		if n, ok := jNum(odt, m); ok && n < 1 && !(allowMinusOne && n == -1) {
			return msgInvalid + "Requested " + m + " for OnDemandThroughput for " + what + " is outside of valid range"
		}
	}
	return ""
}

// onDemandOnProvisioned is DynamoDB's refusal of OnDemandThroughput on a
// PROVISIONED table at CreateTable (forIndex is "" for the table).
func onDemandOnProvisioned(odt *jv, forIndex string) string {
	for _, m := range [...]string{"MaxReadRequestUnits", "MaxWriteRequestUnits"} {
		if odt.present(m) != nil {
			if forIndex != "" {
				return msgInvalid + m + " for OnDemandThroughput for index: " + forIndex + " cannot be specified when table BillingMode is PROVISIONED."
			}
			return msgInvalid + m + " for OnDemandThroughput cannot be specified when table BillingMode is PROVISIONED."
		}
	}
	return ""
}

// checkSSE is DynamoDB's SSESpecification consistency check.
func checkSSE(sse *jv) string {
	if sse == nil {
		return ""
	}
	enabled := sse.present("Enabled")
	disabled := enabled != nil && !jBoolVal(enabled)
	sseType := jStr(sse, "SSEType")
	hasKey := sse.present("KMSMasterKeyId") != nil
	switch {
	case disabled && sse.present("SSEType") != nil:
		return msgInvalid + "SSEType can not be specified if Enabled is false"
	case disabled && hasKey:
		return msgInvalid + "KMSMasterKeyId can not be specified if Enabled is false"
	case hasKey && sseType != "KMS":
		return msgInvalid + "SSEType KMS is required if KMSMasterKeyId is specified"
	case sseType == "AES256":
		return msgInvalid + "SSEType AES256 is not supported"
	}
	return ""
}

func checkTableClass(data *jv) string {
	if tc := data.present("TableClass"); tc != nil && tc.str != "STANDARD" && tc.str != "STANDARD_INFREQUENT_ACCESS" {
		return "Invalid table-class parameter provided. Please try again with a valid table-class value: [STANDARD, STANDARD_INFREQUENT_ACCESS]."
	}
	return ""
}

func decodeCreateTable(body []byte) (*CreateTableInput, *Error) {
	data, e := decPrepare(body, createTableSchema)
	if e != nil {
		return nil, e
	}
	if msg := createTableCustom(data); msg != "" {
		return nil, validationError(msg)
	}
	in := &CreateTableInput{
		TableName:                 jStr(data, "TableName"),
		AttributeDefinitions:      convAttributeDefinitions(data.present("AttributeDefinitions")),
		KeySchema:                 convKeySchema(data.present("KeySchema")),
		BillingMode:               jStr(data, "BillingMode"),
		ProvisionedThroughput:     convThroughput(data.present("ProvisionedThroughput")),
		OnDemandThroughput:        convOnDemand(data.present("OnDemandThroughput")),
		StreamSpecification:       convStream(data.present("StreamSpecification")),
		SSESpecification:          convSSE(data.present("SSESpecification")),
		TableClass:                jStr(data, "TableClass"),
		DeletionProtectionEnabled: jBoolPtr(data, "DeletionProtectionEnabled"),
		ResourcePolicy:            jStr(data, "ResourcePolicy"),
	}
	if lsis := data.present("LocalSecondaryIndexes"); lsis != nil {
		in.LocalSecondaryIndexes = make([]LocalSecondaryIndex, 0, len(lsis.kids))
		for _, l := range structElems(lsis) {
			in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, LocalSecondaryIndex{
				IndexName:  jStr(l, "IndexName"),
				KeySchema:  convKeySchema(l.present("KeySchema")),
				Projection: convProjection(l.present("Projection")),
			})
		}
	}
	if gsis := data.present("GlobalSecondaryIndexes"); gsis != nil {
		in.GlobalSecondaryIndexes = make([]GlobalSecondaryIndex, 0, len(gsis.kids))
		for _, g := range structElems(gsis) {
			in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, convGSI(g))
		}
	}
	if tags := data.present("Tags"); tags != nil {
		if in.Tags, e = checkTags(tags); e != nil {
			return nil, e
		}
	}
	return in, nil
}

func names(elems []*jv, member string) []string {
	out := make([]string, len(elems))
	for i, e := range elems {
		out[i] = jStr(e, member)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// createTableCustom is dynalite's createTable custom validation, with the
// checks of members DynamoDB added later.
func createTableCustom(data *jv) string {
	ppr := jStr(data, "BillingMode") == "PAY_PER_REQUEST"
	pt := data.present("ProvisionedThroughput")
	odt := data.present("OnDemandThroughput")
	if ppr {
		if pt != nil {
			return msgInvalid + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"
		}
		if odt != nil {
			if msg := checkOnDemandRange(odt, "table", false); msg != "" {
				return msg
			}
		}
	} else {
		if pt == nil || pt.present("ReadCapacityUnits") == nil || pt.present("WriteCapacityUnits") == nil {
			return msgInvalid + "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"
		}
		if msg := checkThroughputBounds(pt); msg != "" {
			return msg
		}
		if odt != nil {
			if msg := onDemandOnProvisioned(odt, ""); msg != "" {
				return msg
			}
		}
	}

	defElems := structElems(data.present("AttributeDefinitions"))
	keyElems := structElems(data.present("KeySchema"))
	defns := names(defElems, "AttributeName")
	keys := names(keyElems, "AttributeName")

	if len(keys) > len(defns) {
		return "Invalid KeySchema: Some index key attribute have no definition"
	}
	for _, k := range keys {
		if !contains(defns, k) {
			return msgInvalid + "Some index key attributes are not defined in AttributeDefinitions. Keys: [" +
				strings.Join(keys, ", ") + "], AttributeDefinitions: [" + strings.Join(defns, ", ") + "]"
		}
	}
	if len(keys) > 1 && keys[0] == keys[1] {
		return "Both the Hash Key and the Range Key element in the KeySchema have the same name"
	}
	if jStr(keyElems[0], "KeyType") != "HASH" {
		return "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"
	}
	if len(keyElems) > 1 && jStr(keyElems[1], "KeyType") != "RANGE" {
		return "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"
	}
	lsiV := data.present("LocalSecondaryIndexes")
	gsiV := data.present("GlobalSecondaryIndexes")
	if lsiV == nil && gsiV == nil && len(keys) != len(defns) {
		return msgInvalid + "Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"
	}

	indexNames := map[string]bool{}
	// checkIndexKeys runs the key schema checks shared by both index kinds.
	checkIndexKeys := func(ix *jv, global bool) string {
		ks := structElems(ix.present("KeySchema"))
		indexKeys := names(ks, "AttributeName")
		for _, k := range indexKeys {
			if !contains(defns, k) {
				return msgInvalid + "Some index key attributes are not defined in AttributeDefinitions. Keys: [" +
					strings.Join(indexKeys, ", ") + "], AttributeDefinitions: [" + strings.Join(defns, ", ") + "]"
			}
		}
		if global && multiAttributeKey(ks) {
			return checkMultiAttributeKey(ks)
		}
		if len(ks) > 1 && indexKeys[0] == indexKeys[1] {
			return "Both the Hash Key and the Range Key element in the KeySchema have the same name"
		}
		if len(ks) == 0 || jStr(ks[0], "KeyType") != "HASH" {
			return "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"
		}
		if len(ks) > 1 && jStr(ks[1], "KeyType") != "RANGE" {
			return "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"
		}
		return ""
	}
	checkProjection := func(ix *jv) string {
		return checkProjectionMembers(objOrEmpty(ix.present("Projection")))
	}

	if lsiV != nil {
		lsis := structElems(lsiV)
		tableHash := keys[0]
		if len(lsis) == 0 {
			return msgInvalid + "List of LocalSecondaryIndexes is empty"
		}
		if len(keys) != 2 {
			return msgInvalid + "Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex"
		}
		for _, l := range lsis {
			name := jStr(l, "IndexName")
			if msg := checkIndexKeys(l, false); msg != "" {
				return msg
			}
			ks := structElems(l.present("KeySchema"))
			if len(ks) != 2 {
				return msgInvalid + "Index KeySchema does not have a range key for index: " + name
			}
			if h := jStr(ks[0], "AttributeName"); h != tableHash {
				return msgInvalid + "Index KeySchema does not have the same leading hash key as table KeySchema for index: " +
					name + ". index hash key: " + h + ", table hash key: " + tableHash
			}
			if msg := checkProjection(l); msg != "" {
				return msg
			}
			if indexNames[name] {
				return msgInvalid + "Duplicate index name: " + name
			}
			indexNames[name] = true
		}
		if len(lsis) > 5 {
			return msgInvalid + "Number of LocalSecondaryIndexes exceeds per-table limit of 5"
		}
	}

	if gsiV != nil {
		gsis := structElems(gsiV)
		if len(gsis) == 0 {
			return msgInvalid + "List of GlobalSecondaryIndexes is empty"
		}
		for _, g := range gsis {
			name := jStr(g, "IndexName")
			if msg := checkIndexKeys(g, true); msg != "" {
				return msg
			}
			if msg := checkProjection(g); msg != "" {
				return msg
			}
			gpt := g.present("ProvisionedThroughput")
			godt := g.present("OnDemandThroughput")
			if ppr {
				if gpt != nil {
					return msgInvalid + "ProvisionedThroughput should not be specified for index: " + name + " when BillingMode is PAY_PER_REQUEST"
				}
				if godt != nil {
					if msg := checkOnDemandRange(godt, "index : "+name, false); msg != "" {
						return msg
					}
				}
			} else {
				if gpt == nil {
					return msgInvalid + "ProvisionedThroughput is not specified for index: " + name
				}
				if godt != nil {
					if msg := onDemandOnProvisioned(godt, name); msg != "" {
						return msg
					}
				}
			}
			if indexNames[name] {
				return msgInvalid + "Duplicate index name: " + name
			}
			indexNames[name] = true
		}
		if len(gsis) > 20 {
			return msgInvalid + "GlobalSecondaryIndex count exceeds the per-table limit of 20"
		}
	}
	// Every attribute defined must be a key of the table or an index
	// (DescribeTable lists no others). DynamoDB lists the keys used as a
	// Java HashSet iterates them (javaSetOrder).
	if lsiV != nil || gsiV != nil {
		used := append([]string(nil), keys...)
		for _, ix := range append(structElems(lsiV), structElems(gsiV)...) {
			for _, k := range names(structElems(ix.present("KeySchema")), "AttributeName") {
				if !contains(used, k) {
					used = append(used, k)
				}
			}
		}
		for _, d := range defns {
			if !contains(used, d) {
				return msgInvalid + "Some AttributeDefinitions are not used. AttributeDefinitions: [" +
					strings.Join(defns, ", ") + "], keys used: [" + strings.Join(javaSetOrder(used), ", ") + "]"
			}
		}
	}

	if data.present("VectorIndexes") != nil {
		// Vector search does not exist here: refuse the indexes rather
		// than create a table without them (README, API coverage).
		return msgInvalid + "VectorIndexes are not supported by dynacache"
	}
	if ss := data.present("StreamSpecification"); ss != nil {
		enabled := jBool(ss, "StreamEnabled")
		hasType := ss.present("StreamViewType") != nil
		if enabled && !hasType {
			return msgInvalid + "Table is being created with a stream enabled, UpdateViewType is required"
		}
		if !enabled && hasType {
			return msgInvalid + "Table is being created with a stream disabled, UpdateViewType should not be specified"
		}
	}
	if msg := checkSSE(data.present("SSESpecification")); msg != "" {
		return msg
	}
	return checkTableClass(data)
}

// updateTableMembers are the members that make an UpdateTable request do
// something, in the order DynamoDB lists them when none is given.
var updateTableMembers = []string{
	"ProvisionedThroughput", "BillingMode", "UpdateStreamEnabled", "GlobalSecondaryIndexUpdates",
	"SSESpecification", "ReplicaUpdates", "MultiAccountReplicaReady", "ReplicaTransitRoleArn",
	"MultiRegionConsistency", "DeletionProtectionEnabled", "OnDemandThroughput", "WarmThroughput", "TableClass",
}

func decodeUpdateTable(body []byte) (*UpdateTableInput, *Error) {
	data, e := decPrepare(body, updateTableFields)
	if e != nil {
		return nil, e
	}
	if msg := updateTableCustom(data); msg != "" {
		return nil, validationError(msg)
	}
	if e := updateTableIndexCreates(data); e != nil {
		return nil, e
	}
	in := &UpdateTableInput{
		TableName:                 jStr(data, "TableName"),
		AttributeDefinitions:      convAttributeDefinitions(data.present("AttributeDefinitions")),
		BillingMode:               jStr(data, "BillingMode"),
		ProvisionedThroughput:     convThroughput(data.present("ProvisionedThroughput")),
		OnDemandThroughput:        convOnDemand(data.present("OnDemandThroughput")),
		StreamSpecification:       convStream(data.present("StreamSpecification")),
		SSESpecification:          convSSE(data.present("SSESpecification")),
		TableClass:                jStr(data, "TableClass"),
		DeletionProtectionEnabled: jBoolPtr(data, "DeletionProtectionEnabled"),
	}
	if ups := data.present("GlobalSecondaryIndexUpdates"); ups != nil {
		in.GlobalSecondaryIndexUpdates = make([]GlobalSecondaryIndexUpdate, 0, len(ups.kids))
		for _, u := range structElems(ups) {
			var gu GlobalSecondaryIndexUpdate
			if c := u.present("Create"); c != nil {
				g := convGSI(c)
				gu.Create = &g
			}
			if up := u.present("Update"); up != nil {
				gu.Update = &struct {
					IndexName             string
					ProvisionedThroughput *ProvisionedThroughput
					OnDemandThroughput    *OnDemandThroughput
				}{
					IndexName:             jStr(up, "IndexName"),
					ProvisionedThroughput: convThroughput(up.present("ProvisionedThroughput")),
					OnDemandThroughput:    convOnDemand(up.present("OnDemandThroughput")),
				}
			}
			if d := u.present("Delete"); d != nil {
				gu.Delete = &struct{ IndexName string }{IndexName: jStr(d, "IndexName")}
			}
			in.GlobalSecondaryIndexUpdates = append(in.GlobalSecondaryIndexUpdates, gu)
		}
	}
	return in, nil
}

// soleModifications are the UpdateTable members DynamoDB accepts only
// alone (besides TableName and AttributeDefinitions), in the order it
// checks them, with the name its message gives each.
var soleModifications = []struct{ member, name string }{
	{"SSESpecification", "Server-Side Encryption"},
	{"TableClass", "TableClass"},
	{"DeletionProtectionEnabled", "DeletionProtection"},
}

// soleModification returns DynamoDB's refusal of an UpdateTable that
// combines a setting it changes only on its own with another change.
func soleModification(data *jv) string {
	changes := 0
	for _, m := range [...]string{"ProvisionedThroughput", "BillingMode", "StreamSpecification",
		"GlobalSecondaryIndexUpdates", "SSESpecification", "ReplicaUpdates", "DeletionProtectionEnabled",
		"OnDemandThroughput", "WarmThroughput", "TableClass"} {
		if data.present(m) != nil {
			changes++
		}
	}
	for _, s := range soleModifications {
		if data.present(s.member) != nil && changes > 1 {
			return msgInvalid + s.name + " modification must be the only operation in the request"
		}
	}
	return ""
}

func updateTableCustom(data *jv) string {
	if data.present("VectorIndexUpdates") != nil {
		return msgInvalid + "VectorIndexUpdates are not supported by dynacache"
	}
	gsiUpdates := data.present("GlobalSecondaryIndexUpdates")
	effective := data.present("ProvisionedThroughput") != nil || data.present("BillingMode") != nil ||
		data.present("StreamSpecification") != nil || (gsiUpdates != nil && len(gsiUpdates.kids) > 0) ||
		data.present("SSESpecification") != nil || data.present("ReplicaUpdates") != nil ||
		data.present("DeletionProtectionEnabled") != nil || data.present("OnDemandThroughput") != nil ||
		data.present("WarmThroughput") != nil || data.present("TableClass") != nil ||
		data.present("MultiAccountReplicaReady") != nil || data.present("ReplicaTransitRoleArn") != nil
	if !effective {
		var list []string
		for _, m := range updateTableMembers {
			if m == "MultiRegionConsistency" && data.present(m) != nil {
				continue
			}
			list = append(list, m)
		}
		return "At least one of " + strings.Join(list[:len(list)-1], ", ") + " or " + list[len(list)-1] + " is required"
	}
	if gsiUpdates != nil && len(gsiUpdates.kids) == 0 {
		return msgInvalid + "List of GlobalSecondaryIndexUpdates is empty"
	}
	if msg := soleModification(data); msg != "" {
		return msg
	}
	pt := data.present("ProvisionedThroughput")
	switch jStr(data, "BillingMode") {
	case "PROVISIONED":
		if pt == nil {
			return msgInvalid + "ProvisionedThroughput must be specified when BillingMode is PROVISIONED"
		}
	case "PAY_PER_REQUEST":
		if pt != nil {
			return msgInvalid + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"
		}
	}
	if msg := checkThroughputBounds(pt); msg != "" {
		return msg
	}
	if gsiUpdates != nil {
		seen := map[string]bool{}
		for _, u := range structElems(gsiUpdates) {
			up, cr, del := u.present("Update"), u.present("Create"), u.present("Delete")
			n := 0
			for _, x := range []*jv{up, cr, del} {
				if x != nil {
					n++
				}
			}
			if n == 0 {
				return msgInvalid + "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null"
			}
			if n > 1 {
				return msgInvalid + "Only one global secondary index action is allowed per GlobalSecondaryIndexUpdate object"
			}
			name := jStr(up, "IndexName") + jStr(cr, "IndexName") + jStr(del, "IndexName")
			if seen[name] {
				return msgInvalid + "Only one global secondary index update per index is allowed simultaneously. Index: " + name
			}
			seen[name] = true
			if cr != nil && jStr(data, "BillingMode") == "PAY_PER_REQUEST" && cr.present("ProvisionedThroughput") != nil {
				return msgInvalid + "ProvisionedThroughput should not be specified for index: " + name + " when BillingMode is PAY_PER_REQUEST"
			}
		}
	}
	if ss := data.present("StreamSpecification"); ss != nil {
		enabled := jBool(ss, "StreamEnabled")
		hasType := ss.present("StreamViewType") != nil
		if enabled && !hasType {
			return msgInvalid + "If stream is being enabled then UpdateViewType is required"
		}
		if !enabled && hasType {
			return msgInvalid + "If stream is being disabled, then UpdateViewType must not be specified"
		}
	}
	if msg := checkSSE(data.present("SSESpecification")); msg != "" {
		return msg
	}
	if odt := data.present("OnDemandThroughput"); odt != nil {
		if msg := checkOnDemandRange(odt, "table", true); msg != "" {
			return msg
		}
	}
	return checkTableClass(data)
}
