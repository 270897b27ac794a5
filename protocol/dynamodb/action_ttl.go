package dynamodb

// Time to live: the setting only (UpdateTimeToLive, DescribeTimeToLive),
// kept in the table's stored description. dynacache applies a change at
// once, so a table is never seen ENABLING or DISABLING. Expiring items is
// not done here.

// ttlSetting is a table's time-to-live setting.
type ttlSetting struct {
	AttributeName string `json:"a"`
	Enabled       bool   `json:"e"`
}

type timeToLiveDescription struct {
	TimeToLiveStatus string `json:"TimeToLiveStatus"`
	AttributeName    string `json:"AttributeName,omitempty"`
}

func (h *Handler) describeTimeToLive(in *TableNameInput) ([]byte, *Error) {
	t, ok := h.store.Table(in.TableName)
	if !ok {
		return nil, tableNotFound(in.TableName)
	}
	m := loadMeta(t)
	d := timeToLiveDescription{TimeToLiveStatus: "DISABLED"}
	if m.TTL != nil && m.TTL.Enabled {
		d = timeToLiveDescription{TimeToLiveStatus: "ENABLED", AttributeName: m.TTL.AttributeName}
	}
	return marshalReply("TimeToLiveDescription", &d), nil
}

type timeToLiveSpecification struct {
	AttributeName string `json:"AttributeName,omitempty"`
	Enabled       bool   `json:"Enabled"`
}

// updateTimeToLive enables or disables time to live. As in DynamoDB,
// enabling it twice, disabling it twice, or naming another attribute than
// the enabled one is a ValidationException.
func (h *Handler) updateTimeToLive(in *UpdateTimeToLiveInput) ([]byte, *Error) {
	h.ctl.Lock()
	defer h.ctl.Unlock()
	t, ok := h.store.Table(in.TableName)
	if !ok {
		return nil, tableNotFound(in.TableName)
	}
	m := loadMeta(t)
	enabled := m.TTL != nil && m.TTL.Enabled
	switch {
	case enabled && m.TTL.AttributeName != in.AttributeName:
		return nil, validationError("TimeToLive is active on a different AttributeName: current AttributeName is " + m.TTL.AttributeName)
	case enabled && in.Enabled:
		return nil, validationError("TimeToLive is already enabled")
	case !enabled && !in.Enabled:
		return nil, validationError("TimeToLive is already disabled")
	}
	m.TTL = &ttlSetting{AttributeName: in.AttributeName, Enabled: in.Enabled}
	if e := h.storeMeta(t, &m); e != nil {
		return nil, e
	}
	spec := timeToLiveSpecification{Enabled: in.Enabled}
	if in.Enabled {
		spec.AttributeName = in.AttributeName
	}
	return marshalReply("TimeToLiveSpecification", &spec), nil
}
