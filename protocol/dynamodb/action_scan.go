package dynamodb

import (
	"strconv"

	"github.com/dynacache/dynacache/shard"
)

func (h *Handler) scan(in *ScanInput) ([]byte, *Error) {
	r, e := h.resolveTarget(in.TableName, in.IndexName, in.ConsistentRead)
	if e != nil {
		return nil, e
	}
	esk := in.ExclusiveStartKey
	if esk != nil && len(esk) != len(r.startNames) {
		if r.index != nil {
			return nil, validationError("The provided starting key is invalid")
		}
		return nil, validationError("The provided starting key is invalid: The provided key element does not match the schema")
	}
	if r.index != nil && esk != nil {
		for i, a := range r.keyAttrs {
			if _, ok := esk[a.Name]; !ok {
				return nil, validationError("The provided starting key is invalid")
			}
			if e := checkStartPiece(esk, a.Name, a.Type, i < r.hashAttrs); e != nil {
				return nil, e
			}
		}
	}
	sel, e := r.checkSelect(in.Select, in.Proj, in.LegacyProj, in.Filter)
	if e != nil {
		return nil, e
	}
	var seg shard.Segment
	if in.TotalSegments != nil && *in.TotalSegments > 1 {
		seg = shard.Segment{Index: *in.Segment, Total: *in.TotalSegments}
	}
	var start *shard.Start
	if esk != nil {
		tk, e := r.checkTableStartKey(esk)
		if e != nil {
			return nil, e
		}
		if start, e = r.start(tk, esk); e != nil {
			return nil, e
		}
		if seg.Total > 1 && !start.InSegment(r.index != nil, seg) {
			return nil, validationError("The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. " +
				"TotalSegments: " + strconv.Itoa(seg.Total) + " Segment: " + strconv.Itoa(seg.Index))
		}
	}
	if in.Proj != nil {
		if e := checkPathsOnKeys(r.t, in.Proj.Paths()); e != nil {
			return nil, e
		}
	}
	if in.Filter != nil {
		if e := checkPathsOnKeys(r.t, in.Filter.Paths()); e != nil {
			return nil, e
		}
	}
	p := newPage(r, sel, in.Filter, in.Proj, in.Limit)
	p.stop = &in.stop
	index := ""
	if r.index != nil {
		index = r.index.Name
	}
	if err := r.t.Scan(index, seg, start, p.add); err != nil {
		return nil, readErr(err, index)
	}
	if p.err != nil {
		return nil, p.err
	}
	return p.reply(in.ReturnConsumedCapacity, in.ConsistentRead), nil
}
