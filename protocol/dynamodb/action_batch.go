package dynamodb

import (
	"strconv"
	"strings"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/shard/expr"
)

// BatchGetItem and BatchWriteItem. Every request of a batch is checked
// before any is carried out; the reads and writes themselves are single
// item operations (a batch is not atomic in DynamoDB either).

// maxBatchGetBytes is the reply size past which BatchGetItem leaves the
// remaining keys in UnprocessedKeys.
const maxBatchGetBytes = 16 << 20

func (h *Handler) batchGetItem(in *BatchGetItemInput) ([]byte, *Error) {
	type tableKeys struct {
		t    *shard.Table
		keys []shard.Key
	}
	reqs := make([]tableKeys, len(in.Tables))
	for i, name := range in.Tables {
		t, e := h.table(name)
		if e != nil {
			return nil, e
		}
		ka := in.RequestItems[name]
		reqs[i].t = t
		for _, key := range ka.Keys {
			k, e := validateKey(t.Schema(), key)
			if e != nil {
				return nil, e
			}
			reqs[i].keys = append(reqs[i].keys, k)
		}
		if ka.Proj != nil {
			if e := checkKeyPaths(t.Schema(), ka.Proj.Paths()); e != nil {
				return nil, e
			}
		}
	}
	out := make([]byte, 0, 256)
	out = append(out, `{"Responses":{`...)
	var unprocessed []byte
	units := make([]float64, len(reqs))
	total := 0
	for i, req := range reqs {
		name := in.Tables[i]
		ka := in.RequestItems[name]
		if i > 0 {
			out = append(out, ',')
		}
		out = appendJSONString(out, name)
		out = append(out, ":["...)
		n, left := 0, -1
		for j, k := range req.keys {
			if e := in.stop.check(); e != nil {
				return nil, e
			}
			ent, ok := req.t.Get(k)
			if !ok {
				units[i] += attr.ReadUnits(0, ka.ConsistentRead)
				continue
			}
			var it attr.Item
			size := ent.Size()
			if ka.Proj != nil {
				var err error
				if it, err = ent.Item(); err != nil {
					return nil, internalError("stored item is unreadable: " + err.Error())
				}
				it = ka.Proj.Apply(it)
				size = attr.ItemSize(it)
			}
			if total+size > maxBatchGetBytes {
				left = j
				break
			}
			total += size
			units[i] += attr.ReadUnits(ent.Size(), ka.ConsistentRead)
			if n > 0 {
				out = append(out, ',')
			}
			if ka.Proj != nil {
				out = appendItem(out, it)
			} else {
				var e *Error
				if out, e = h.appendEntryJSON(out, name, k, ent); e != nil {
					return nil, e
				}
			}
			n++
		}
		out = append(out, ']')
		if left >= 0 {
			if len(unprocessed) > 0 {
				unprocessed = append(unprocessed, ',')
			}
			unprocessed = appendUnprocessedKeys(unprocessed, name, ka, ka.Keys[left:])
		}
	}
	out = append(out, `},"UnprocessedKeys":{`...)
	out = append(out, unprocessed...)
	out = append(out, '}')
	if mode := in.ReturnConsumedCapacity; mode == "TOTAL" || mode == "INDEXES" {
		out = append(out, `,"ConsumedCapacity":[`...)
		for i, name := range in.Tables {
			if i > 0 {
				out = append(out, ',')
			}
			out = appendTableCapacity(out, mode, name, units[i])
		}
		out = append(out, ']')
	}
	return append(out, '}'), nil
}

// appendTableCapacity appends {"CapacityUnits":..,"TableName":..} (with
// "Table" in INDEXES mode).
func appendTableCapacity(dst []byte, mode, table string, units float64) []byte {
	dst = append(dst, `{"CapacityUnits":`...)
	dst = appendFloat(dst, units)
	dst = append(dst, `,"TableName":`...)
	dst = appendJSONString(dst, table)
	if mode == "INDEXES" {
		dst = append(dst, `,"Table":{"CapacityUnits":`...)
		dst = appendFloat(dst, units)
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

// appendUnprocessedKeys appends one table's KeysAndAttributes for the keys
// not read; the projection is given back as a ProjectionExpression.
func appendUnprocessedKeys(dst []byte, table string, ka *KeysAndAttributes, keys []attr.Item) []byte {
	dst = appendJSONString(dst, table)
	dst = append(dst, `:{"Keys":[`...)
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendItem(dst, k)
	}
	dst = append(dst, ']')
	if ka.ConsistentRead {
		dst = append(dst, `,"ConsistentRead":true`...)
	}
	if ka.Proj != nil {
		expr, names := projectionExpression(ka.Proj)
		dst = append(dst, `,"ProjectionExpression":`...)
		dst = appendJSONString(dst, expr)
		dst = append(dst, `,"ExpressionAttributeNames":{`...)
		for i, n := range names {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, "#n"+strconv.Itoa(i))
			dst = append(dst, ':')
			dst = appendJSONString(dst, n)
		}
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

// projectionExpression writes a projection back as an expression whose
// names are all placeholders (#n0, #n1, ...).
func projectionExpression(p *expr.Projection) (string, []string) {
	var sb strings.Builder
	var names []string
	ph := func(n string) string {
		for i, x := range names {
			if x == n {
				return "#n" + strconv.Itoa(i)
			}
		}
		names = append(names, n)
		return "#n" + strconv.Itoa(len(names)-1)
	}
	for i, path := range p.Paths() {
		if i > 0 {
			sb.WriteString(", ")
		}
		for j, e := range path {
			switch {
			case e.IsIndex:
				sb.WriteString("[" + strconv.Itoa(e.Index) + "]")
			case j > 0:
				sb.WriteString("." + ph(e.Name))
			default:
				sb.WriteString(ph(e.Name))
			}
		}
	}
	return sb.String(), names
}

func (h *Handler) batchWriteItem(in *BatchWriteItemInput) ([]byte, *Error) {
	type write struct {
		k   shard.Key
		req *WriteRequest
	}
	tables := make([]*shard.Table, len(in.Tables))
	writes := make([][]write, len(in.Tables))
	for i, name := range in.Tables {
		t, e := h.table(name)
		if e != nil {
			return nil, e
		}
		tables[i] = t
		seen := make(map[string]bool, len(in.RequestItems[name]))
		for j := range in.RequestItems[name] {
			req := &in.RequestItems[name][j]
			var k shard.Key
			if req.Item != nil {
				if k, e = validateItem(t.Schema(), req.Item); e != nil {
					if strings.Contains(e.Message, "Missing the key") || strings.Contains(e.Message, "Type mismatch for key") {
						e = validationError("The provided key element does not match the schema")
					}
					return nil, e
				}
				if e := checkIndexKeys(t.Indexes(), req.Item); e != nil {
					return nil, e
				}
			} else if k, e = validateKey(t.Schema(), req.Key); e != nil {
				return nil, e
			}
			if seen[string(k)] {
				return nil, validationError("Provided list of item keys contains duplicates")
			}
			seen[string(k)] = true
			writes[i] = append(writes[i], write{k, req})
		}
	}
	units := make([]float64, len(tables))
	var metrics []byte
	for i, t := range tables {
		lsi := in.ReturnItemCollectionMetrics == "SIZE" && hasLocalIndex(t)
		if lsi {
			if len(metrics) > 0 {
				metrics = append(metrics, ',')
			}
			metrics = appendJSONString(metrics, t.Name())
			metrics = append(metrics, ":["...)
		}
		for j, w := range writes[i] {
			old, cur, err := t.Mutate(w.k, func(old shard.Entry) (shard.Write, error) {
				if w.req.Item != nil {
					return shard.Write{Item: w.req.Item}, nil
				}
				if !old.Exists() {
					return shard.Write{Skip: true}, nil
				}
				return shard.Write{Delete: true}, nil
			})
			if err != nil {
				return nil, toAPIError(err)
			}
			if w.req.Item != nil {
				units[i] += writeUnits(old, cur)
			} else {
				units[i] += attr.WriteUnits(old.Size())
			}
			if lsi {
				key := w.req.Key
				if key == nil {
					key = w.req.Item
				}
				if j > 0 {
					metrics = append(metrics, ',')
				}
				hn := t.Schema().HashName
				metrics = append(metrics, `{"ItemCollectionKey":{`...)
				metrics = appendAttr(metrics, 0, hn, key[hn])
				metrics = append(metrics, `},"SizeEstimateRangeGB":[0.0,1.0]}`...)
			}
		}
		if lsi {
			metrics = append(metrics, ']')
		}
	}
	out := []byte(`{"UnprocessedItems":{}`)
	if mode := in.ReturnConsumedCapacity; mode == "TOTAL" || mode == "INDEXES" {
		out = append(out, `,"ConsumedCapacity":[`...)
		for i, t := range tables {
			if i > 0 {
				out = append(out, ',')
			}
			out = appendTableCapacity(out, mode, t.Name(), units[i])
		}
		out = append(out, ']')
	}
	if metrics != nil {
		out = append(out, `,"ItemCollectionMetrics":{`...)
		out = append(out, metrics...)
		out = append(out, '}')
	}
	return append(out, '}'), nil
}
