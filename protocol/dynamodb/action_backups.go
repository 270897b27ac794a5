package dynamodb

import "math"

// Continuous backups: the point-in-time recovery setting
// (UpdateContinuousBackups, DescribeContinuousBackups), kept in the
// table's stored description; the history it starts, its window and
// RestoreTableToPointInTime are action_backup_pitr.go. Exports require it
// as DynamoDB's do (action_export.go). On-demand backups are
// action_backup_ondemand.go.

// pitrSetting is a table's point-in-time recovery setting.
type pitrSetting struct {
	Enabled bool `json:"e"`
	// RecoveryPeriodInDays is the period asked for (35 when not given).
	RecoveryPeriodInDays int64 `json:"p,omitempty"`
	// EnabledAt is when recovery was last enabled (epoch seconds): the
	// earliest time a restore could go back to.
	EnabledAt float64 `json:"at,omitempty"`
	// Since is the same instant in Unix ms: the id of the table's history
	// (package pitr). 0 in descriptions written before histories.
	Since int64 `json:"ms,omitempty"`
}

// defaultRecoveryPeriodInDays is DynamoDB's period when none is given.
const defaultRecoveryPeriodInDays = 35

type continuousBackupsDescription struct {
	ContinuousBackupsStatus        string                          `json:"ContinuousBackupsStatus"`
	PointInTimeRecoveryDescription *pointInTimeRecoveryDescription `json:"PointInTimeRecoveryDescription"`
}

type pointInTimeRecoveryDescription struct {
	PointInTimeRecoveryStatus  string  `json:"PointInTimeRecoveryStatus"`
	RecoveryPeriodInDays       int64   `json:"RecoveryPeriodInDays,omitempty"`
	EarliestRestorableDateTime float64 `json:"EarliestRestorableDateTime,omitempty"`
	LatestRestorableDateTime   float64 `json:"LatestRestorableDateTime,omitempty"`
}

// describeBackups returns the description of a setting at time now when
// its table keeps no history (see pitrWindow for one that does).
func describeBackups(p *pitrSetting, now float64) *continuousBackupsDescription {
	d := &continuousBackupsDescription{ContinuousBackupsStatus: "ENABLED",
		PointInTimeRecoveryDescription: &pointInTimeRecoveryDescription{PointInTimeRecoveryStatus: "DISABLED"}}
	if p == nil || !p.Enabled {
		return d
	}
	earliest := math.Max(p.EnabledAt, now-float64(p.RecoveryPeriodInDays)*86400)
	d.PointInTimeRecoveryDescription = &pointInTimeRecoveryDescription{
		PointInTimeRecoveryStatus:  "ENABLED",
		RecoveryPeriodInDays:       p.RecoveryPeriodInDays,
		EarliestRestorableDateTime: earliest,
		LatestRestorableDateTime:   math.Max(earliest, now),
	}
	return d
}

// describeTableBackups returns the description of table's setting p, with
// its history's window.
func (h *Handler) describeTableBackups(table string, p *pitrSetting) *continuousBackupsDescription {
	d := describeBackups(p, nowSeconds())
	if p != nil && p.Enabled {
		if e, l, ok := h.pitrWindow(table); ok {
			d.PointInTimeRecoveryDescription.EarliestRestorableDateTime = e
			d.PointInTimeRecoveryDescription.LatestRestorableDateTime = l
		}
	}
	return d
}

func backupsTableNotFound(name string) *Error {
	return tableNotFoundException("Table not found: " + name)
}

func (h *Handler) describeContinuousBackups(in *TableNameInput) ([]byte, *Error) {
	t, ok := h.store.Table(in.TableName)
	if !ok {
		return nil, backupsTableNotFound(in.TableName)
	}
	m := loadMeta(t)
	return marshalReply("ContinuousBackupsDescription", h.describeTableBackups(in.TableName, m.PITR)), nil
}

// updateContinuousBackups turns point-in-time recovery on or off, or
// changes its period. Enabling it again keeps the earliest restorable
// time. Enabling starts the table's history (its first base is taken
// before the reply); disabling drops it.
func (h *Handler) updateContinuousBackups(in *UpdateContinuousBackupsInput) ([]byte, *Error) {
	h.ctl.Lock()
	defer h.ctl.Unlock()
	t, ok := h.store.Table(in.TableName)
	if !ok {
		return nil, backupsTableNotFound(in.TableName)
	}
	m := loadMeta(t)
	now := nowSeconds()
	p := &pitrSetting{}
	if in.Enabled {
		p.Enabled, p.EnabledAt, p.RecoveryPeriodInDays = true, now, in.RecoveryPeriodInDays
		p.Since = int64(math.Round(now * 1000))
		if m.PITR != nil && m.PITR.Enabled {
			p.EnabledAt, p.Since = m.PITR.EnabledAt, pitrID(m.PITR)
			if p.RecoveryPeriodInDays == 0 {
				p.RecoveryPeriodInDays = m.PITR.RecoveryPeriodInDays
			}
		}
		if p.RecoveryPeriodInDays == 0 {
			p.RecoveryPeriodInDays = defaultRecoveryPeriodInDays
		}
		// The history first: a crash before the description is stored
		// leaves a history that the next start drops.
		if err := h.opts.PITR.Enable(t, p.Since, pitrPeriod(p)); err != nil {
			return nil, internalError(err.Error())
		}
	}
	m.PITR = p
	if e := h.storeMeta(t, &m); e != nil {
		return nil, e
	}
	if !in.Enabled {
		h.opts.PITR.Disable(in.TableName)
	}
	return marshalReply("ContinuousBackupsDescription", h.describeTableBackups(in.TableName, p)), nil
}
