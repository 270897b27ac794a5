package dynamodb

import "math"

// Continuous backups: the point-in-time recovery setting only
// (UpdateContinuousBackups, DescribeContinuousBackups), kept in the
// table's stored description. dynacache keeps no history of a table, so
// it restores to no point in time; it describes the setting as DynamoDB
// does, and exports require it as DynamoDB's do (action_export.go).
// On-demand backups are action_backup_ondemand.go.

// pitrSetting is a table's point-in-time recovery setting.
type pitrSetting struct {
	Enabled bool `json:"e"`
	// RecoveryPeriodInDays is the period asked for (35 when not given).
	RecoveryPeriodInDays int64 `json:"p,omitempty"`
	// EnabledAt is when recovery was last enabled (epoch seconds): the
	// earliest time a restore could go back to.
	EnabledAt float64 `json:"at,omitempty"`
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

// latestRestorableLag is how far behind the present DynamoDB's latest
// restorable time is (about five minutes).
const latestRestorableLag = 300

// describeBackups returns the description of a setting at time now.
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
		LatestRestorableDateTime:   math.Max(earliest, now-latestRestorableLag),
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
	return marshalReply("ContinuousBackupsDescription", describeBackups(m.PITR, nowSeconds())), nil
}

// updateContinuousBackups turns point-in-time recovery on or off, or
// changes its period. Enabling it again keeps the earliest restorable
// time.
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
		if m.PITR != nil && m.PITR.Enabled {
			p.EnabledAt = m.PITR.EnabledAt
			if p.RecoveryPeriodInDays == 0 {
				p.RecoveryPeriodInDays = m.PITR.RecoveryPeriodInDays
			}
		}
		if p.RecoveryPeriodInDays == 0 {
			p.RecoveryPeriodInDays = defaultRecoveryPeriodInDays
		}
	}
	m.PITR = p
	if e := h.storeMeta(t, &m); e != nil {
		return nil, e
	}
	return marshalReply("ContinuousBackupsDescription", describeBackups(p, now)), nil
}
