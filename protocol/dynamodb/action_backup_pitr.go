package dynamodb

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/dynacache/dynacache/pitr"
	"github.com/dynacache/dynacache/shard"
)

// Point-in-time recovery: RestoreTableToPointInTime, and the histories
// behind UpdateContinuousBackups and DescribeContinuousBackups, over
// package pitr's Keeper.
//
// Enabling recovery on a table starts its history (a base now, then every
// write); disabling it, or deleting the table, drops the history, as
// DynamoDB does. At start the Keeper's histories are matched with the
// tables' descriptions (reconcilePITR).
//
// A restore creates the target table through CreateTable's path, from the
// source table's current description with the request's overrides (as
// RestoreTableFromBackup), then loads in the background the source's items
// as they were at the time asked: every write logged at or before it, none
// after. The time is DynamoDB's RestoreDateTime, in epoch seconds with
// milliseconds; LatestRestorableDateTime is the present (DynamoDB's trails
// it by about five minutes: dynacache's log is exact to the millisecond).

// pitrPeriod returns a setting's recovery period.
func pitrPeriod(p *pitrSetting) time.Duration {
	days := p.RecoveryPeriodInDays
	if days == 0 {
		days = defaultRecoveryPeriodInDays
	}
	return time.Duration(days) * 24 * time.Hour
}

// pitrID returns the id of a setting's history: the time recovery was
// enabled, Unix ms.
func pitrID(p *pitrSetting) int64 {
	if p.Since != 0 {
		return p.Since
	}
	return int64(math.Round(p.EnabledAt * 1000))
}

// reconcilePITR makes the Keeper's histories agree with the tables'
// descriptions at start: a table with recovery enabled keeps its history
// (or starts one, when it was lost); every other history is dropped.
func (h *Handler) reconcilePITR() {
	keep := map[string]int64{}
	for _, t := range h.store.Tables() {
		m := loadMeta(t)
		if m.PITR == nil || !m.PITR.Enabled {
			continue
		}
		id := pitrID(m.PITR)
		keep[t.Name()] = id
		if err := h.opts.PITR.Enable(t, id, pitrPeriod(m.PITR)); err != nil && h.opts.Logf != nil {
			h.opts.Logf("point-in-time recovery of table %s: %v", t.Name(), err)
		}
	}
	h.opts.PITR.Retain(keep)
}

// pitrWindow returns the recovery window of table as DynamoDB describes
// it (epoch seconds), false when it keeps no history.
func (h *Handler) pitrWindow(table string) (earliest, latest float64, ok bool) {
	e, l, err := h.opts.PITR.Window(table)
	if err != nil {
		return 0, 0, false
	}
	return msSeconds(e), msSeconds(l), true
}

func pitrUnavailable(table string) *Error {
	return &Error{Status: 400, Type: nsDynamoDB + "PointInTimeRecoveryUnavailableException",
		Message: "Point in time recovery is not enabled for table '" + table + "'"}
}

// invalidRestoreTime quotes the window, as DynamoDB's message does.
func invalidRestoreTime(at, earliest, latest int64) *Error {
	f := func(ms int64) string { return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z") }
	return &Error{Status: 400, Type: nsDynamoDB + "InvalidRestoreTimeException",
		Message: fmt.Sprintf("RestoreDateTime %s must be within EarliestRestorableDateTime %s and LatestRestorableDateTime %s", f(at), f(earliest), f(latest))}
}

func (h *Handler) restoreTableToPointInTime(in *RestoreTableToPointInTimeInput) ([]byte, *Error) {
	name := in.SourceTableName
	src, ok := h.store.Table(name)
	if !ok {
		return nil, backupsTableNotFound(name)
	}
	m := loadMeta(src)
	if m.PITR == nil || !m.PITR.Enabled {
		return nil, pitrUnavailable(name)
	}
	if _, exists := h.store.Table(in.TargetTableName); exists {
		return nil, tableAlreadyExists(in.TargetTableName)
	}
	earliest, latest, err := h.opts.PITR.Window(name)
	if err != nil {
		return nil, pitrUnavailable(name)
	}
	at := latest
	if !in.UseLatest {
		at = int64(math.Round(in.RestoreDateTime * 1000))
	}
	if at < earliest || at > latest {
		return nil, invalidRestoreTime(at, earliest, latest)
	}
	ct, e := decodeCreateTable(restoreRequest(in.TargetTableName, &m.Desc, &in.RestoreTableFromBackupInput))
	if e != nil {
		return nil, e
	}
	img, err := h.opts.PITR.Image(name, at)
	switch {
	case errors.Is(err, pitr.ErrTime):
		return nil, invalidRestoreTime(at, earliest, latest)
	case errors.Is(err, pitr.ErrNotEnabled):
		return nil, pitrUnavailable(name)
	case err != nil:
		return nil, internalError(err.Error())
	}
	started := false
	defer func() {
		if !started {
			img.Close()
		}
	}()
	ct.restore = &restoreSummary{SourceTableArn: m.Desc.TableArn, RestoreDateTime: msSeconds(at), RestoreInProgress: true}
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
	go h.loadRestore(t, imageSource{img, name})
	return reply, nil
}

// resumePITRRestore resumes the restore into t, interrupted by a crash or
// a stop, of the source table named in rs at its RestoreDateTime.
func (h *Handler) resumePITRRestore(t *shard.Table, rs *restoreSummary) error {
	i := strings.LastIndex(rs.SourceTableArn, ":table/")
	if i < 0 {
		return fmt.Errorf("no source table in %q", rs.SourceTableArn)
	}
	name := rs.SourceTableArn[i+len(":table/"):]
	img, err := h.opts.PITR.Image(name, int64(math.Round(rs.RestoreDateTime*1000)))
	if err != nil {
		return err
	}
	h.restores.wg.Add(1)
	go h.loadRestore(t, imageSource{img, name})
	return nil
}

// imageSource is a point-in-time image as the items of a restore.
type imageSource struct {
	img   *pitr.Image
	table string
}

func (s imageSource) Items(fn func(k shard.Key, enc []byte) error) error { return s.img.Items(fn) }
func (s imageSource) Close()                                             { s.img.Close() }
func (s imageSource) Name() string                                       { return "table " + s.table + " at a point in time" }
