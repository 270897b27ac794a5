package dynamodb

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/dynacache/dynacache/backup"
	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// On-demand backups: CreateBackup, DescribeBackup, ListBackups,
// DeleteBackup and RestoreTableFromBackup, over package backup's catalog.
//
// A backup is one table at one instant (shard.Table.Freeze: writers pause
// for microseconds), written in the background; it is CREATING until its
// file (and the log up to the instant) is durable, then AVAILABLE. It
// keeps the table's stored description (tableMeta) beside the items.
//
// A restore creates the target table through CreateTable's own path
// (validation, the logged table record), from the backup's description
// with the request's overrides, then loads the items in the background
// through the store's logged multi-item write, restoreBatch items per
// record. Meanwhile the table is CREATING with RestoreSummary.
// RestoreInProgress true, kept in its description, so a restore that a
// crash interrupted is resumed at start (ResumeRestores). As DynamoDB's,
// a restore does not bring back tags, time to live, streams, resource
// policies or point-in-time recovery settings.

// restoreBatch is the most items one logged record of a restore holds;
// restoreBatchBytes bounds their encodings.
const (
	restoreBatch      = 100
	restoreBatchBytes = 1 << 20
)

type backupDetails struct {
	BackupArn              string  `json:"BackupArn"`
	BackupName             string  `json:"BackupName"`
	BackupSizeBytes        int64   `json:"BackupSizeBytes"`
	BackupStatus           string  `json:"BackupStatus"`
	BackupType             string  `json:"BackupType"`
	BackupCreationDateTime float64 `json:"BackupCreationDateTime"`
}

type sourceTableDetails struct {
	TableName             string                `json:"TableName"`
	TableID               string                `json:"TableId"`
	TableArn              string                `json:"TableArn,omitempty"`
	TableSizeBytes        int64                 `json:"TableSizeBytes"`
	KeySchema             []KeySchemaElement    `json:"KeySchema"`
	TableCreationDateTime float64               `json:"TableCreationDateTime"`
	ProvisionedThroughput ProvisionedThroughput `json:"ProvisionedThroughput"`
	OnDemandThroughput    *OnDemandThroughput   `json:"OnDemandThroughput,omitempty"`
	ItemCount             int64                 `json:"ItemCount"`
	BillingMode           string                `json:"BillingMode"`
}

type sourceIndexInfo struct {
	IndexName             string                 `json:"IndexName"`
	KeySchema             []KeySchemaElement     `json:"KeySchema"`
	Projection            Projection             `json:"Projection"`
	ProvisionedThroughput *ProvisionedThroughput `json:"ProvisionedThroughput,omitempty"`
	OnDemandThroughput    *OnDemandThroughput    `json:"OnDemandThroughput,omitempty"`
}

type sourceTableFeatureDetails struct {
	LocalSecondaryIndexes  []sourceIndexInfo      `json:"LocalSecondaryIndexes,omitempty"`
	GlobalSecondaryIndexes []sourceIndexInfo      `json:"GlobalSecondaryIndexes,omitempty"`
	StreamDescription      *StreamSpecification   `json:"StreamDescription,omitempty"`
	TimeToLiveDescription  *timeToLiveDescription `json:"TimeToLiveDescription,omitempty"`
	SSEDescription         *sseDescription        `json:"SSEDescription,omitempty"`
}

type backupDescription struct {
	BackupDetails             backupDetails             `json:"BackupDetails"`
	SourceTableDetails        sourceTableDetails        `json:"SourceTableDetails"`
	SourceTableFeatureDetails sourceTableFeatureDetails `json:"SourceTableFeatureDetails"`
}

type backupSummary struct {
	TableName              string  `json:"TableName"`
	TableID                string  `json:"TableId"`
	TableArn               string  `json:"TableArn"`
	BackupArn              string  `json:"BackupArn"`
	BackupName             string  `json:"BackupName"`
	BackupCreationDateTime float64 `json:"BackupCreationDateTime"`
	BackupStatus           string  `json:"BackupStatus"`
	BackupType             string  `json:"BackupType"`
	BackupSizeBytes        int64   `json:"BackupSizeBytes"`
}

// restoreSummary is a restored table's RestoreSummary.
type restoreSummary struct {
	SourceBackupArn   string  `json:"SourceBackupArn,omitempty"`
	SourceTableArn    string  `json:"SourceTableArn,omitempty"`
	RestoreDateTime   float64 `json:"RestoreDateTime"`
	RestoreInProgress bool    `json:"RestoreInProgress"`
}

func backupNotFound(arn string) *Error {
	return &Error{Status: 400, Type: nsDynamoDB + "BackupNotFoundException", Message: "Backup not found: " + arn}
}

// backupInUse is DynamoDB's BackupInUseException, with the exception's
// documented meaning as its message.
func backupInUse() *Error {
	return &Error{Status: 400, Type: nsDynamoDB + "BackupInUseException",
		Message: "There is another ongoing conflicting backup control plane operation on the table. The backup is either being created, deleted or restored to a table."}
}

func tableAlreadyExists(name string) *Error {
	return &Error{Status: 400, Type: nsDynamoDB + "TableAlreadyExistsException", Message: "Table already exists: " + name}
}

// backupID returns a new backup's id as DynamoDB forms the end of a
// backup ARN: the creation time in milliseconds, 14 digits, and 8 hex
// digits (e.g. 01576616366715-b4e58d3a).
func backupID(ms int64) string {
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%014d-%08x", ms, binary.BigEndian.Uint32(b[:]))
}

func msSeconds(ms int64) float64 { return float64(ms) / 1000 }

// backupMeta returns the table description a backup keeps.
func backupMeta(v *backup.View) tableMeta {
	var m tableMeta
	json.Unmarshal(v.Info, &m)
	return m
}

func detailsOf(v *backup.View, status string) backupDetails {
	return backupDetails{BackupArn: v.ARN, BackupName: v.Name, BackupSizeBytes: v.Bytes, BackupStatus: status,
		BackupType: "USER", BackupCreationDateTime: msSeconds(v.CreatedMs)}
}

func billingModeOf(d *tableDescription) string {
	if d.BillingModeSummary != nil && d.BillingModeSummary.BillingMode != "" {
		return d.BillingModeSummary.BillingMode
	}
	return "PROVISIONED"
}

func describeBackup(v *backup.View, status string) *backupDescription {
	m := backupMeta(v)
	d := &m.Desc
	out := &backupDescription{BackupDetails: detailsOf(v, status)}
	src := sourceTableDetails{TableName: v.Table, TableID: d.TableID, TableArn: d.TableArn, TableSizeBytes: v.Bytes,
		KeySchema: d.KeySchema, TableCreationDateTime: d.CreationDateTime, OnDemandThroughput: d.OnDemandThroughput,
		ItemCount: v.Items, BillingMode: billingModeOf(d)}
	if d.ProvisionedThroughput != nil {
		src.ProvisionedThroughput = ProvisionedThroughput{ReadCapacityUnits: d.ProvisionedThroughput.ReadCapacityUnits,
			WriteCapacityUnits: d.ProvisionedThroughput.WriteCapacityUnits}
	}
	out.SourceTableDetails = src
	f := &out.SourceTableFeatureDetails
	for _, l := range d.LocalSecondaryIndexes {
		f.LocalSecondaryIndexes = append(f.LocalSecondaryIndexes, sourceIndexInfo{IndexName: l.IndexName, KeySchema: l.KeySchema, Projection: l.Projection})
	}
	for _, g := range d.GlobalSecondaryIndexes {
		info := sourceIndexInfo{IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection, OnDemandThroughput: g.OnDemandThroughput}
		if g.ProvisionedThroughput != nil {
			info.ProvisionedThroughput = &ProvisionedThroughput{ReadCapacityUnits: g.ProvisionedThroughput.ReadCapacityUnits,
				WriteCapacityUnits: g.ProvisionedThroughput.WriteCapacityUnits}
		}
		f.GlobalSecondaryIndexes = append(f.GlobalSecondaryIndexes, info)
	}
	if d.StreamSpecification != nil && d.StreamSpecification.StreamEnabled {
		f.StreamDescription = d.StreamSpecification
	}
	if m.TTL != nil && m.TTL.Enabled {
		f.TimeToLiveDescription = &timeToLiveDescription{TimeToLiveStatus: "ENABLED", AttributeName: m.TTL.AttributeName}
	}
	f.SSEDescription = d.SSEDescription
	return out
}

func (h *Handler) createBackup(in *CreateBackupInput) ([]byte, *Error) {
	t, ok := h.store.Table(in.TableName)
	if !ok {
		return nil, backupsTableNotFound(in.TableName)
	}
	if m := loadMeta(t); m.Desc.RestoreSummary != nil && m.Desc.RestoreSummary.RestoreInProgress {
		return nil, &Error{Status: 400, Type: nsDynamoDB + "TableInUseException", Message: "Table is being restored: " + in.TableName}
	}
	f, err := t.Freeze()
	if errors.Is(err, shard.ErrTableNotFound) {
		return nil, backupsTableNotFound(in.TableName)
	}
	if err != nil {
		return nil, internalError(err.Error())
	}
	ms := time.Now().UnixMilli()
	id := backupID(ms)
	hdr := backup.Header{ARN: h.tableArn(in.TableName) + "/backup/" + id, ID: id, Name: in.BackupName, Table: in.TableName,
		CreatedMs: ms, Info: f.Meta()}
	v, err := h.backups.Create(hdr, f)
	if err != nil {
		return nil, internalError(err.Error())
	}
	return marshalReply("BackupDetails", detailsOf(&v, string(v.Status))), nil
}

func (h *Handler) describeBackupOp(in *BackupArnInput) ([]byte, *Error) {
	v, ok := h.backups.Get(in.BackupArn)
	if !ok {
		return nil, backupNotFound(in.BackupArn)
	}
	return marshalReply("BackupDescription", describeBackup(&v, string(v.Status))), nil
}

func (h *Handler) deleteBackup(in *BackupArnInput) ([]byte, *Error) {
	v, err := h.backups.Delete(in.BackupArn)
	switch {
	case errors.Is(err, backup.ErrNotFound):
		return nil, backupNotFound(in.BackupArn)
	case errors.Is(err, backup.ErrInUse):
		return nil, backupInUse()
	case err != nil:
		return nil, internalError(err.Error())
	}
	return marshalReply("BackupDescription", describeBackup(&v, "DELETED")), nil
}

// listBackups lists the backups oldest first. TimeRangeLowerBound is
// inclusive, TimeRangeUpperBound exclusive; every backup dynacache takes
// is of type USER, so BackupType SYSTEM or AWS_BACKUP lists none.
func (h *Handler) listBackups(in *ListBackupsInput) ([]byte, *Error) {
	limit := in.Limit
	if limit == 0 {
		limit = 100
	}
	var start string // the id after which to list
	if in.ExclusiveStartBackupArn != "" {
		if i := strings.LastIndex(in.ExclusiveStartBackupArn, "/backup/"); i >= 0 {
			start = in.ExclusiveStartBackupArn[i+len("/backup/"):]
		}
	}
	out := struct {
		BackupSummaries        []backupSummary `json:"BackupSummaries"`
		LastEvaluatedBackupArn string          `json:"LastEvaluatedBackupArn,omitempty"`
	}{BackupSummaries: []backupSummary{}}
	if in.BackupType == "SYSTEM" || in.BackupType == "AWS_BACKUP" {
		return marshalJSON(&out), nil
	}
	for _, v := range h.backups.List() {
		if start != "" && (v.ID < start || v.ID == start && v.ARN <= in.ExclusiveStartBackupArn) {
			continue
		}
		if in.TableName != "" && v.Table != in.TableName {
			continue
		}
		created := msSeconds(v.CreatedMs)
		if !math.IsNaN(in.TimeRangeLowerBound) && created < in.TimeRangeLowerBound {
			continue
		}
		if !math.IsNaN(in.TimeRangeUpperBound) && created >= in.TimeRangeUpperBound {
			continue
		}
		if len(out.BackupSummaries) == limit {
			out.LastEvaluatedBackupArn = out.BackupSummaries[limit-1].BackupArn
			break
		}
		m := backupMeta(&v)
		out.BackupSummaries = append(out.BackupSummaries, backupSummary{TableName: v.Table, TableID: m.Desc.TableID,
			TableArn: m.Desc.TableArn, BackupArn: v.ARN, BackupName: v.Name, BackupCreationDateTime: created,
			BackupStatus: string(v.Status), BackupType: "USER", BackupSizeBytes: v.Bytes})
	}
	return marshalJSON(&out), nil
}

func marshalJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// restoreRequest returns the CreateTable request that makes target like
// the backed-up table d, with in's overrides.
func restoreRequest(target string, d *tableDescription, in *RestoreTableFromBackupInput) []byte {
	req := map[string]any{"TableName": target, "KeySchema": d.KeySchema}
	billing := billingModeOf(d)
	if in.BillingMode != "" {
		billing = in.BillingMode
	}
	req["BillingMode"] = billing
	provisioned := billing == "PROVISIONED"
	switch {
	case in.Throughput != nil:
		req["ProvisionedThroughput"] = json.RawMessage(in.Throughput)
	case provisioned && d.ProvisionedThroughput != nil && d.ProvisionedThroughput.ReadCapacityUnits > 0:
		req["ProvisionedThroughput"] = ProvisionedThroughput{ReadCapacityUnits: d.ProvisionedThroughput.ReadCapacityUnits,
			WriteCapacityUnits: d.ProvisionedThroughput.WriteCapacityUnits}
	}
	switch {
	case in.OnDemand != nil:
		req["OnDemandThroughput"] = json.RawMessage(in.OnDemand)
	case !provisioned && d.OnDemandThroughput != nil:
		req["OnDemandThroughput"] = d.OnDemandThroughput
	}
	// The key attributes of the table and of the indexes it will have:
	// CreateTable wants exactly those defined.
	used := map[string]bool{}
	for _, k := range d.KeySchema {
		used[k.AttributeName] = true
	}
	type indexKeys struct{ KeySchema []KeySchemaElement }
	note := func(list []indexKeys) {
		for _, ix := range list {
			for _, k := range ix.KeySchema {
				used[k.AttributeName] = true
			}
		}
	}
	// An override that is an empty list drops the indexes (CreateTable
	// refuses an empty list).
	if in.GSIs != nil {
		var list []indexKeys
		json.Unmarshal(in.GSIs, &list)
		if len(list) > 0 {
			req["GlobalSecondaryIndexes"] = json.RawMessage(in.GSIs)
		}
		note(list)
	} else if len(d.GlobalSecondaryIndexes) > 0 {
		gsis := make([]GlobalSecondaryIndex, 0, len(d.GlobalSecondaryIndexes))
		for _, g := range d.GlobalSecondaryIndexes {
			gsi := GlobalSecondaryIndex{IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection}
			if provisioned {
				if pt := g.ProvisionedThroughput; pt != nil && pt.ReadCapacityUnits > 0 {
					gsi.ProvisionedThroughput = &ProvisionedThroughput{ReadCapacityUnits: pt.ReadCapacityUnits, WriteCapacityUnits: pt.WriteCapacityUnits}
				} else if in.Throughput != nil {
					json.Unmarshal(in.Throughput, &gsi.ProvisionedThroughput)
				}
			} else {
				gsi.OnDemandThroughput = g.OnDemandThroughput
			}
			gsis = append(gsis, gsi)
			note([]indexKeys{{g.KeySchema}})
		}
		req["GlobalSecondaryIndexes"] = gsis
	}
	if in.LSIs != nil {
		var list []indexKeys
		json.Unmarshal(in.LSIs, &list)
		if len(list) > 0 {
			req["LocalSecondaryIndexes"] = json.RawMessage(in.LSIs)
		}
		note(list)
	} else if len(d.LocalSecondaryIndexes) > 0 {
		lsis := make([]LocalSecondaryIndex, 0, len(d.LocalSecondaryIndexes))
		for _, l := range d.LocalSecondaryIndexes {
			lsis = append(lsis, LocalSecondaryIndex{IndexName: l.IndexName, KeySchema: l.KeySchema, Projection: l.Projection})
			note([]indexKeys{{l.KeySchema}})
		}
		req["LocalSecondaryIndexes"] = lsis
	}
	defs := make([]AttributeDefinition, 0, len(used))
	for _, a := range d.AttributeDefinitions {
		if used[a.AttributeName] {
			defs = append(defs, a)
		}
	}
	req["AttributeDefinitions"] = defs
	switch {
	case in.SSE != nil:
		req["SSESpecification"] = json.RawMessage(in.SSE)
	case d.SSEDescription != nil && d.SSEDescription.Status == "ENABLED":
		on := true
		req["SSESpecification"] = SSESpecification{Enabled: &on, SSEType: d.SSEDescription.SSEType, KMSMasterKeyID: d.SSEDescription.KMSMasterKeyArn}
	}
	if d.TableClassSummary != nil {
		req["TableClass"] = d.TableClassSummary.TableClass
	}
	b, _ := json.Marshal(req)
	return b
}

func (h *Handler) restoreTableFromBackup(in *RestoreTableFromBackupInput) ([]byte, *Error) {
	r, err := h.backups.Open(in.BackupArn)
	switch {
	case errors.Is(err, backup.ErrNotFound):
		return nil, backupNotFound(in.BackupArn)
	case errors.Is(err, backup.ErrInUse):
		return nil, backupInUse()
	case err != nil:
		return nil, internalError(err.Error())
	}
	started := false
	defer func() {
		if !started {
			r.Close()
		}
	}()
	if _, exists := h.store.Table(in.TargetTableName); exists {
		return nil, tableAlreadyExists(in.TargetTableName)
	}
	hdr := r.Header()
	v := backup.View{Header: hdr}
	m := backupMeta(&v)
	ct, e := decodeCreateTable(restoreRequest(in.TargetTableName, &m.Desc, in))
	if e != nil {
		return nil, e
	}
	// Every frame is checked before the table is made: a damaged backup
	// leaves nothing behind.
	if err := r.Verify(); err != nil {
		return nil, internalError(err.Error())
	}
	ct.restore = &restoreSummary{SourceBackupArn: hdr.ARN, SourceTableArn: m.Desc.TableArn,
		RestoreDateTime: msSeconds(hdr.CreatedMs), RestoreInProgress: true}
	reply, e := h.createTable(ct)
	if e != nil {
		if strings.HasSuffix(e.Type, "#ResourceInUseException") {
			return nil, tableAlreadyExists(in.TargetTableName)
		}
		return nil, e
	}
	t, ok := h.store.Table(in.TargetTableName)
	if !ok {
		return nil, tableNotFound(in.TargetTableName) // deleted at once by another client
	}
	started = true
	h.restores.wg.Add(1)
	go h.loadRestore(t, backupSource{r})
	return reply, nil
}

// ResumeRestores resumes the restores a crash or a shutdown interrupted:
// tables whose description says RestoreInProgress are loaded again from
// their backup (the items are images: loading one twice changes nothing).
// A table whose backup is gone is left as it is, and logged.
func (h *Handler) ResumeRestores() {
	for _, t := range h.store.Tables() {
		m := loadMeta(t)
		rs := m.Desc.RestoreSummary
		if rs == nil || !rs.RestoreInProgress {
			continue
		}
		if rs.SourceBackupArn == "" { // RestoreTableToPointInTime
			if err := h.resumePITRRestore(t, rs); err != nil && h.opts.Logf != nil {
				h.opts.Logf("restore of table %s to a point in time cannot resume: %v", t.Name(), err)
			}
			continue
		}
		r, err := h.backups.Open(rs.SourceBackupArn)
		if err != nil {
			if h.opts.Logf != nil {
				h.opts.Logf("restore of table %s from backup %s cannot resume: %v", t.Name(), rs.SourceBackupArn, err)
			}
			continue
		}
		h.restores.wg.Add(1)
		go h.loadRestore(t, backupSource{r})
	}
}

// restoreSource is what a restore loads: a backup, or a table at a point
// in time (action_backup_pitr.go).
type restoreSource interface {
	Items(fn func(k shard.Key, enc []byte) error) error
	Close()
	Name() string // for the log
}

type backupSource struct{ r *backup.Reader }

func (s backupSource) Items(fn func(k shard.Key, enc []byte) error) error {
	return s.r.Items(func(k shard.Key, enc []byte, _ int) error { return fn(k, enc) })
}
func (s backupSource) Close()       { s.r.Close() }
func (s backupSource) Name() string { return "backup " + s.r.Header().ARN }

// loadRestore writes a backup's (or an image's) items into the restored
// table t, then marks the restore done in t's description.
func (h *Handler) loadRestore(t *shard.Table, r restoreSource) {
	defer h.restores.wg.Done()
	defer r.Close()
	var refs []shard.Ref
	var items []attr.Item
	bytes := 0
	flush := func() error {
		if len(refs) == 0 {
			return nil
		}
		if h.restores.stop.Load() {
			return errRestoreStopped
		}
		_, _, wait, err := h.store.MutateAll(refs, func([]shard.Entry) ([]shard.Write, error) {
			ws := make([]shard.Write, len(items))
			for i, it := range items {
				ws[i] = shard.Write{Item: it}
			}
			return ws, nil
		})
		if err == nil && wait != nil {
			err = wait()
		}
		refs, items, bytes = refs[:0], items[:0], 0
		return err
	}
	err := r.Items(func(k shard.Key, enc []byte) error {
		item, err := attr.DecodeItem(enc)
		if err != nil {
			return err
		}
		refs = append(refs, shard.Ref{Table: t, Key: append(shard.Key(nil), k...)})
		items = append(items, item)
		bytes += len(enc)
		if len(refs) == restoreBatch || bytes >= restoreBatchBytes {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		if !errors.Is(err, errRestoreStopped) && !errors.Is(err, shard.ErrTableNotFound) && h.opts.Logf != nil {
			h.opts.Logf("restore of table %s from %s failed: %v", t.Name(), r.Name(), err)
		}
		return
	}
	h.ctl.Lock()
	defer h.ctl.Unlock()
	if cur, ok := h.store.Table(t.Name()); !ok || cur != t {
		return // deleted meanwhile
	}
	m := loadMeta(t)
	if m.Desc.RestoreSummary != nil {
		m.Desc.RestoreSummary.RestoreInProgress = false
	}
	if e := h.storeMeta(t, &m); e != nil && h.opts.Logf != nil {
		h.opts.Logf("restore of table %s: %s", t.Name(), e.Message)
	}
}

var errRestoreStopped = errors.New("dynamodb: restore stopped by shutdown")

// WaitRestores waits for every restore running to finish.
func (h *Handler) WaitRestores() { h.restores.wg.Wait() }

// CloseBackups stops the restores running (they resume at the next start)
// and waits until every backup being written is durable. It must run
// before the log is closed.
func (h *Handler) CloseBackups() {
	h.restores.stop.Store(true)
	h.restores.wg.Wait()
	h.exports.wg.Wait()
	h.imports.wg.Wait()
	if h.local != nil {
		h.local.CloseBackups()
	}
	h.backups.Close()
}
