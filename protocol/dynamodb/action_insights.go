package dynamodb

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
)

// CloudWatch Contributor Insights: UpdateContributorInsights,
// DescribeContributorInsights and ListContributorInsights. The setting is
// per table and per global secondary index, kept in the table's stored
// description (tableMeta.Insights), so it is logged, snapshotted and
// recovered with the table, and goes with it when it is deleted (or with
// the index, when UpdateTable deletes that).
//
// dynacache publishes no CloudWatch rules; it keeps and describes the
// setting as DynamoDB does, with DynamoDB's rule names. DynamoDB answers an
// ENABLE with ENABLING and settles a second or more later (DISABLE:
// DISABLING, about two); here the change is complete when the reply is
// sent, so the reply says ENABLING (DISABLING) and every later read the
// settled state. An ENABLE that changes nothing (already ENABLED in the
// same mode) answers ENABLED, a DISABLE of a disabled (or never
// configured) setting DISABLED, as DynamoDB does.

// insightsSetting is the Contributor Insights setting of a table or of
// one of its GSIs. A table or index without one has never been configured.
type insightsSetting struct {
	// Enabled: ENABLED, else DISABLED.
	Enabled bool `json:"e"`
	// Mode is ACCESSED_AND_THROTTLED_KEYS or THROTTLED_KEYS.
	Mode string `json:"m"`
	// Updated is when the setting last changed (epoch seconds).
	Updated float64 `json:"u"`
	// RulesAt is the suffix of the rule names (epoch milliseconds of the
	// enable that created them; a mode change keeps it, as DynamoDB's).
	RulesAt int64 `json:"r,omitempty"`
}

const (
	insightsAllKeys       = "ACCESSED_AND_THROTTLED_KEYS"
	insightsThrottledKeys = "THROTTLED_KEYS"
)

// ContributorInsightsInput is a validated DescribeContributorInsights or
// UpdateContributorInsights request.
type ContributorInsightsInput struct {
	TableName string
	IndexName string // "": the table itself
	// Action is ENABLE or DISABLE (UpdateContributorInsights only; "":
	// DescribeContributorInsights).
	Action string
	Mode   string // "" when not given
}

// ListContributorInsightsInput is a validated ListContributorInsights
// request.
type ListContributorInsightsInput struct {
	TableName  string // "": every table
	NextToken  string
	MaxResults int
}

var describeContributorInsightsSchema = []*schField{
	fTopTableName(),
	fString("IndexName", nameRegex(), minLen(3), maxLen(255)),
}

var updateContributorInsightsSchema = []*schField{
	fTopTableName(),
	fString("IndexName", nameRegex(), minLen(3), maxLen(255)),
	{name: "ContributorInsightsAction", typ: stString, required: true, checks: []schCheck{enumOf("ENABLE", "DISABLE")}},
	fString("ContributorInsightsMode", enumOf(insightsAllKeys, insightsThrottledKeys)),
}

var listContributorInsightsSchema = []*schField{
	fString("TableName", nameRegex(), minLen(3), maxLen(255)),
	fString("NextToken"),
	fInteger("MaxResults", maxVal(100)),
}

func decodeDescribeContributorInsights(body []byte) (*ContributorInsightsInput, *Error) {
	data, e := decPrepare(body, describeContributorInsightsSchema)
	if e != nil {
		return nil, e
	}
	return &ContributorInsightsInput{TableName: jStr(data, "TableName"), IndexName: jStr(data, "IndexName")}, nil
}

func decodeUpdateContributorInsights(body []byte) (*ContributorInsightsInput, *Error) {
	data, e := decPrepare(body, updateContributorInsightsSchema)
	if e != nil {
		return nil, e
	}
	return &ContributorInsightsInput{TableName: jStr(data, "TableName"), IndexName: jStr(data, "IndexName"),
		Action: jStr(data, "ContributorInsightsAction"), Mode: jStr(data, "ContributorInsightsMode")}, nil
}

func decodeListContributorInsights(body []byte) (*ListContributorInsightsInput, *Error) {
	data, e := decPrepare(body, listContributorInsightsSchema)
	if e != nil {
		return nil, e
	}
	in := &ListContributorInsightsInput{TableName: jStr(data, "TableName"), NextToken: jStr(data, "NextToken")}
	if n, ok := jNum(data, "MaxResults"); ok {
		in.MaxResults = clampInt(n)
	}
	return in, nil
}

func (in *ContributorInsightsInput) serve(h *Handler, _ *stopper) ([]byte, *Error) {
	if in.Action == "" {
		return h.describeContributorInsights(in)
	}
	return h.updateContributorInsights(in)
}

func (in *ListContributorInsightsInput) serve(h *Handler, _ *stopper) ([]byte, *Error) {
	return h.listContributorInsights(in)
}

func indexNotFoundForTable(index, table string) *Error {
	return resourceNotFound("Requested resource not found: Index: " + index + " not found for table: " + table)
}

// insightsTarget returns the key schema of the table or GSI a request
// names (an LSI has no setting of its own: DynamoDB answers it as an
// unknown index).
func insightsTarget(m *tableMeta, table, index string) ([]KeySchemaElement, *Error) {
	if index == "" {
		return m.Desc.KeySchema, nil
	}
	if i := indexOf(m.Desc.GlobalSecondaryIndexes, index); i >= 0 {
		return m.Desc.GlobalSecondaryIndexes[i].KeySchema, nil
	}
	return nil, indexNotFoundForTable(index, table)
}

// insightsRules returns the names of the CloudWatch rules DynamoDB keeps
// for a setting: partition-key (PK) and, with a sort key, sort-key (SK)
// rules, for the most accessed (C) and the most throttled (T) keys, or the
// throttled ones only.
func insightsRules(table, index string, keys []KeySchemaElement, s *insightsSetting) []string {
	name := table
	if index != "" {
		name += "-" + index
	}
	suffix := "-" + name + "-" + strconv.FormatInt(s.RulesAt, 10)
	ranged := false
	for _, k := range keys {
		if k.KeyType == "RANGE" {
			ranged = true
		}
	}
	var kinds []string
	if s.Mode != insightsThrottledKeys {
		kinds = append(kinds, "PKC")
		if ranged {
			kinds = append(kinds, "SKC")
		}
	}
	kinds = append(kinds, "PKT")
	if ranged {
		kinds = append(kinds, "SKT")
	}
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = "DynamoDBContributorInsights-" + k + suffix
	}
	return out
}

type insightsDescription struct {
	TableName                   string   `json:"TableName"`
	IndexName                   string   `json:"IndexName,omitempty"`
	ContributorInsightsRuleList []string `json:"ContributorInsightsRuleList,omitempty"`
	ContributorInsightsStatus   string   `json:"ContributorInsightsStatus"`
	ContributorInsightsMode     string   `json:"ContributorInsightsMode,omitempty"`
	LastUpdateDateTime          float64  `json:"LastUpdateDateTime,omitempty"`
}

func insightsStatus(s *insightsSetting) string {
	if s != nil && s.Enabled {
		return "ENABLED"
	}
	return "DISABLED"
}

func (h *Handler) describeContributorInsights(in *ContributorInsightsInput) ([]byte, *Error) {
	t, ok := h.store.Table(in.TableName)
	if !ok {
		return nil, tableNotFound(in.TableName)
	}
	m := loadMeta(t)
	keys, e := insightsTarget(&m, in.TableName, in.IndexName)
	if e != nil {
		return nil, e
	}
	s := m.Insights[in.IndexName]
	d := insightsDescription{TableName: in.TableName, IndexName: in.IndexName, ContributorInsightsStatus: insightsStatus(s)}
	if s != nil {
		d.ContributorInsightsMode, d.LastUpdateDateTime = s.Mode, s.Updated
		if s.Enabled {
			d.ContributorInsightsRuleList = insightsRules(in.TableName, in.IndexName, keys, s)
		}
	}
	b, _ := json.Marshal(&d)
	return b, nil
}

func (h *Handler) updateContributorInsights(in *ContributorInsightsInput) ([]byte, *Error) {
	h.ctl.Lock()
	defer h.ctl.Unlock()
	t, ok := h.store.Table(in.TableName)
	if !ok {
		return nil, tableNotFound(in.TableName)
	}
	m := loadMeta(t)
	if _, e := insightsTarget(&m, in.TableName, in.IndexName); e != nil {
		return nil, e
	}
	if in.IndexName != "" && in.Action == "ENABLE" {
		if st, ok := t.IndexStats(in.IndexName); ok && st.Backfilling {
			return nil, validationError("Table or Index is not in a valid state to update Key Access Insights: IndexStatus must be ACTIVE to enable ContributorInsights.")
		}
	}
	cur := m.Insights[in.IndexName]
	reply := insightsDescription{TableName: in.TableName, IndexName: in.IndexName}
	var next *insightsSetting
	now := nowSeconds()
	if in.Action == "ENABLE" {
		mode := in.Mode
		if mode == "" {
			mode = insightsAllKeys // an ENABLE without a mode resets it
		}
		if cur != nil && cur.Enabled && cur.Mode == mode {
			reply.ContributorInsightsStatus, reply.ContributorInsightsMode = "ENABLED", mode
			return mustMarshal(&reply), nil
		}
		next = &insightsSetting{Enabled: true, Mode: mode, Updated: now, RulesAt: int64(now * 1000)}
		if cur != nil && cur.Enabled {
			next.RulesAt = cur.RulesAt
		}
		reply.ContributorInsightsStatus, reply.ContributorInsightsMode = "ENABLING", mode
	} else {
		if cur == nil || !cur.Enabled {
			// Nothing to disable; the reply names the mode the setting
			// keeps (none if never configured), not one sent.
			reply.ContributorInsightsStatus = "DISABLED"
			if cur != nil {
				reply.ContributorInsightsMode = cur.Mode
			}
			return mustMarshal(&reply), nil
		}
		next = &insightsSetting{Mode: cur.Mode, Updated: now}
		reply.ContributorInsightsStatus, reply.ContributorInsightsMode = "DISABLING", cur.Mode
	}
	ins := make(map[string]*insightsSetting, len(m.Insights)+1)
	for k, v := range m.Insights {
		ins[k] = v
	}
	ins[in.IndexName] = next
	m.Insights = ins
	if e := h.storeMeta(t, &m); e != nil {
		return nil, e
	}
	return mustMarshal(&reply), nil
}

func mustMarshal(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

type insightsSummary struct {
	TableName                 string `json:"TableName"`
	IndexName                 string `json:"IndexName,omitempty"`
	ContributorInsightsStatus string `json:"ContributorInsightsStatus"`
	ContributorInsightsMode   string `json:"ContributorInsightsMode,omitempty"`
}

// defaultInsightsPage is how many summaries a page holds when the request
// does not say (the most it may ask for).
const defaultInsightsPage = 100

// listContributorInsights lists the settings that are not DISABLED: of one
// table, or of every table by name; a table's own first, then its GSIs in
// the table's order. NextToken names the last summary of the page before.
func (h *Handler) listContributorInsights(in *ListContributorInsightsInput) ([]byte, *Error) {
	names := h.store.TableNames()
	if in.TableName != "" {
		if _, ok := h.store.Table(in.TableName); !ok {
			return nil, tableNotFound(in.TableName)
		}
		names = []string{in.TableName}
	}
	var after *insightsSummary
	if in.NextToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		table, index, ok := strings.Cut(string(raw), "\x00")
		if err != nil || !ok {
			return nil, validationError("Invalid NextToken: " + in.NextToken)
		}
		after = &insightsSummary{TableName: table, IndexName: index}
	}
	limit := in.MaxResults
	if limit <= 0 {
		limit = defaultInsightsPage
	}
	var all []insightsSummary
	for _, name := range names {
		t, ok := h.store.Table(name)
		if !ok {
			continue
		}
		m := loadMeta(t)
		if len(m.Insights) == 0 {
			continue
		}
		order := []string{""}
		for _, g := range m.Desc.GlobalSecondaryIndexes {
			order = append(order, g.IndexName)
		}
		for _, index := range order {
			if s := m.Insights[index]; s != nil && s.Enabled {
				all = append(all, insightsSummary{TableName: name, IndexName: index,
					ContributorInsightsStatus: "ENABLED", ContributorInsightsMode: s.Mode})
			}
		}
	}
	// Resume after the token's summary, or (if it is gone) at the next
	// table.
	if after != nil {
		i := 0
		for i < len(all) && all[i].TableName < after.TableName {
			i++
		}
		j := i
		for j < len(all) && all[j].TableName == after.TableName && all[j].IndexName != after.IndexName {
			j++
		}
		if j < len(all) && all[j].TableName == after.TableName {
			i = j + 1
		} else {
			for i < len(all) && all[i].TableName == after.TableName {
				i++
			}
		}
		all = all[i:]
	}
	out := struct {
		ContributorInsightsSummaries []insightsSummary `json:"ContributorInsightsSummaries"`
		NextToken                    string            `json:"NextToken,omitempty"`
	}{ContributorInsightsSummaries: []insightsSummary{}}
	if len(all) > limit {
		all = all[:limit]
		last := all[limit-1]
		out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(last.TableName + "\x00" + last.IndexName))
	}
	out.ContributorInsightsSummaries = append(out.ContributorInsightsSummaries, all...)
	return mustMarshal(&out), nil
}
