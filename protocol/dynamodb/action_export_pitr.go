package dynamodb

import (
	"errors"
	"math"
	"strconv"

	"github.com/dynacache/dynacache/pitr"
	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// Exports from a table's point-in-time history (package pitr): a full
// export at an ExportTime in the recovery window, and incremental exports.
//
// An incremental export holds one line per item written at a time in
// [ExportFromTime, ExportToTime) (ExportToTime: now when not given), in
// DynamoDB's incremental layout:
//
//	{"Metadata":{"WriteTimestampMicros":{"N":"<µs>"}},"Keys":{...},"NewImage":{...},"OldImage":{...}}
//
// NewImage is the item as of just before ExportToTime (absent when it was
// deleted); OldImage, with the view type NEW_AND_OLD_IMAGES (the
// default), the item as of just before ExportFromTime (absent when it did
// not exist); WriteTimestampMicros the time of the item's last write in the
// span. An item created and deleted within the span has no line.
// DynamoDB's span of 15 minutes to 24 hours is not required.

// incrementalExportSpec is an IncrementalExportSpecification.
type incrementalExportSpec struct {
	ExportFromTime float64 `json:"ExportFromTime"`
	ExportToTime   float64 `json:"ExportToTime"`
	ExportViewType string  `json:"ExportViewType"`
}

// decodeIncrementalSpec reads IncrementalExportSpecification into in.
func decodeIncrementalSpec(data *jv, in *ExportTableInput) *Error {
	spec := data.present("IncrementalExportSpecification")
	if spec == nil {
		return nil
	}
	if spec.kind != jvObject {
		return typeErr("Unexpected value type in payload")
	}
	inc := &incrementalExportSpec{ExportViewType: jStr(spec, "ExportViewType")}
	var e *Error
	if inc.ExportFromTime, e = jTime(spec, "ExportFromTime"); e != nil {
		return e
	}
	if inc.ExportToTime, e = jTime(spec, "ExportToTime"); e != nil {
		return e
	}
	switch inc.ExportViewType {
	case "":
		inc.ExportViewType = "NEW_AND_OLD_IMAGES"
	case "NEW_AND_OLD_IMAGES", "NEW_IMAGE":
	default:
		return validationError("1 validation error detected: Value '" + inc.ExportViewType +
			"' at 'incrementalExportSpecification.exportViewType' failed to satisfy constraint: Member must satisfy enum value set: [NEW_AND_OLD_IMAGES, NEW_IMAGE]")
	}
	in.Incremental = inc
	return nil
}

func invalidExportTime(msg string) *Error {
	return &Error{Status: 400, Type: nsDynamoDB + "InvalidExportTimeException", Message: msg}
}

// exportSrc is what an export writes.
type exportSrc struct {
	at          int64 // a full export's time, Unix ms
	lines       exportLines
	done        func() // after the lines are written (nil: nothing)
	incremental *incrementalExportSpec
}

// exportSource checks the export's times against t's recovery window and
// returns its lines: the table now (no ExportTime), the table at
// ExportTime, or the changes of an incremental export.
func (h *Handler) exportSource(t *shard.Table, in *ExportTableInput, now int64) (*exportSrc, *Error) {
	name := t.Name()
	if in.ExportType == "INCREMENTAL_EXPORT" {
		return h.incrementalSource(t, in, now)
	}
	if in.Incremental != nil {
		return nil, validationError("IncrementalExportSpecification is only for ExportType INCREMENTAL_EXPORT")
	}
	if math.IsNaN(in.ExportTime) {
		f, err := t.Freeze()
		if errors.Is(err, shard.ErrTableNotFound) {
			return nil, backupsTableNotFound(name)
		}
		if err != nil {
			return nil, internalError(err.Error())
		}
		return &exportSrc{at: now, lines: frozenLines(f)}, nil
	}
	at := int64(math.Round(in.ExportTime * 1000))
	earliest, latest, err := h.opts.PITR.Window(name)
	if err != nil {
		return nil, pitrUnavailable(name)
	}
	if at < earliest || at > latest {
		return nil, invalidExportTime("ExportTime " + isoTime(in.ExportTime) + " must be within EarliestRestorableDateTime " +
			isoTime(msSeconds(earliest)) + " and LatestRestorableDateTime " + isoTime(msSeconds(latest)))
	}
	img, err := h.opts.PITR.Image(name, at)
	switch {
	case errors.Is(err, pitr.ErrTime):
		return nil, invalidExportTime("ExportTime " + isoTime(in.ExportTime) + " is outside the point-in-time recovery window")
	case err != nil:
		return nil, internalError(err.Error())
	}
	return &exportSrc{at: at, lines: imageLines(img), done: img.Close}, nil
}

// imageLines are the lines of a full export of img.
func imageLines(img *pitr.Image) exportLines {
	return func(emit func([]byte, int64) error) error {
		var line []byte
		return img.Items(func(_ shard.Key, enc []byte) error {
			item, err := attr.DecodeItem(enc)
			if err != nil {
				return err
			}
			line = append(appendItem(append(line[:0], `{"Item":`...), item), '}', '\n')
			return emit(line, int64(attr.ItemSize(item)))
		})
	}
}

func (h *Handler) incrementalSource(t *shard.Table, in *ExportTableInput, now int64) (*exportSrc, *Error) {
	name := t.Name()
	inc := in.Incremental
	switch {
	case !math.IsNaN(in.ExportTime):
		return nil, validationError("ExportTime is not allowed for ExportType INCREMENTAL_EXPORT: give IncrementalExportSpecification's ExportFromTime and ExportToTime")
	case inc == nil || math.IsNaN(inc.ExportFromTime):
		return nil, validationError("IncrementalExportSpecification.ExportFromTime is required for ExportType INCREMENTAL_EXPORT")
	}
	spec := *inc
	from := int64(math.Round(spec.ExportFromTime * 1000))
	to := now
	if !math.IsNaN(spec.ExportToTime) {
		to = int64(math.Round(spec.ExportToTime * 1000))
	}
	spec.ExportToTime = msSeconds(to)
	if to <= from {
		return nil, invalidExportTime("ExportFromTime must be before ExportToTime")
	}
	earliest, latest, err := h.opts.PITR.Window(name)
	if err != nil {
		return nil, pitrUnavailable(name)
	}
	// The items as of just before from and just before to.
	if from-1 < earliest || to-1 > latest {
		return nil, invalidExportTime("ExportFromTime " + isoTime(spec.ExportFromTime) + " and ExportToTime " + isoTime(spec.ExportToTime) +
			" must be within EarliestRestorableDateTime " + isoTime(msSeconds(earliest)) + " and LatestRestorableDateTime " + isoTime(msSeconds(latest)))
	}
	schema := t.Schema()
	withOld := spec.ExportViewType == "NEW_AND_OLD_IMAGES"
	lines := func(emit func([]byte, int64) error) error {
		var line []byte
		return h.opts.PITR.Delta(name, from, to, func(c pitr.ItemChange) error {
			var oldItem, newItem attr.Item
			var err error
			if c.Old != nil {
				if oldItem, err = attr.DecodeItem(c.Old); err != nil {
					return err
				}
			}
			if c.New != nil {
				if newItem, err = attr.DecodeItem(c.New); err != nil {
					return err
				}
			}
			any := newItem
			if any == nil {
				any = oldItem
			}
			keys := attr.Item{schema.HashName: any[schema.HashName]}
			if schema.RangeName != "" {
				keys[schema.RangeName] = any[schema.RangeName]
			}
			line = append(line[:0], `{"Metadata":{"WriteTimestampMicros":{"N":"`...)
			line = strconv.AppendInt(line, c.Time*1000, 10)
			line = appendItem(append(line, `"}},"Keys":`...), keys)
			if newItem != nil {
				line = appendItem(append(line, `,"NewImage":`...), newItem)
			}
			if withOld && oldItem != nil {
				line = appendItem(append(line, `,"OldImage":`...), oldItem)
			}
			line = append(line, '}', '\n')
			return emit(line, int64(attr.ItemSize(any)))
		})
	}
	return &exportSrc{at: to, lines: lines, incremental: &spec}, nil
}
