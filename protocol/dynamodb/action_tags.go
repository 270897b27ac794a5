package dynamodb

import "github.com/dynacache/dynacache/shard"

// The tag operations. A table's tags live in its stored description
// (tableMeta.Tags), so they are logged, snapshotted and recovered with it.

// tableMetaRef is a table and a copy of its description, to change and
// store back.
type tableMetaRef struct {
	t *shard.Table
	m tableMeta
}

// tagTable returns the table a tag operation names under h.ctl, or
// DynamoDB's not-found error with message msg.
// REQUIRES: h.ctl held.
func (h *Handler) tagTable(name, msg string) (*tableMetaRef, *Error) {
	if name == "" { // a stream ARN: dynacache keeps no stream resources
		return nil, resourceNotFound(msg)
	}
	t, ok := h.store.Table(name)
	if !ok {
		return nil, resourceNotFound(msg)
	}
	return &tableMetaRef{t: t, m: loadMeta(t)}, nil
}

func resourcArnNotFound(arn string) string {
	// sic: DynamoDB's message says "ResourcArn".
	return "Requested resource not found: ResourcArn: " + arn + " not found"
}

// tagResource adds tags, replacing the value of a key already there.
func (h *Handler) tagResource(in *TagResourceInput) ([]byte, *Error) {
	h.ctl.Lock()
	defer h.ctl.Unlock()
	ref, e := h.tagTable(in.TableName, resourcArnNotFound(in.ResourceArn))
	if e != nil {
		return nil, e
	}
	tags := append([]Tag(nil), ref.m.Tags...)
	for _, nt := range in.Tags {
		replaced := false
		for i := range tags {
			if tags[i].Key == nt.Key {
				tags[i].Value, replaced = nt.Value, true
			}
		}
		if !replaced {
			tags = append(tags, nt)
		}
	}
	if len(tags) > maxTags {
		return nil, tagLimitExceeded()
	}
	ref.m.Tags = tags
	if e := h.storeMeta(ref.t, &ref.m); e != nil {
		return nil, e
	}
	return []byte{}, nil
}

// untagResource removes the tags of the given keys; a key the table does
// not have is no error.
func (h *Handler) untagResource(in *UntagResourceInput) ([]byte, *Error) {
	h.ctl.Lock()
	defer h.ctl.Unlock()
	ref, e := h.tagTable(in.TableName, "Requested resource not found")
	if e != nil {
		return nil, e
	}
	drop := make(map[string]bool, len(in.TagKeys))
	for _, k := range in.TagKeys {
		drop[k] = true
	}
	var tags []Tag
	for _, t := range ref.m.Tags {
		if !drop[t.Key] {
			tags = append(tags, t)
		}
	}
	if len(tags) == len(ref.m.Tags) {
		return []byte{}, nil
	}
	ref.m.Tags = tags
	if e := h.storeMeta(ref.t, &ref.m); e != nil {
		return nil, e
	}
	return []byte{}, nil
}

// listTagsOfResource returns every tag of the table in one page: with at
// most 50 tags, DynamoDB never pages them (it returns no NextToken; a
// NextToken given is accepted and answered with the whole list).
func (h *Handler) listTagsOfResource(in *ListTagsOfResourceInput) ([]byte, *Error) {
	h.ctl.Lock()
	ref, e := h.tagTable(in.TableName, resourcArnNotFound(in.ResourceArn))
	h.ctl.Unlock()
	if e != nil {
		return nil, e
	}
	tags := ref.m.Tags
	if tags == nil {
		tags = []Tag{}
	}
	return marshalReply("Tags", tags), nil
}
