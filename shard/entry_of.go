package shard

// EntryOf returns an Entry for an item encoding made outside the store
// (enc: attr.AppendItem's output, nil for no item) and its DynamoDB size:
// the RESP port in accelerator mode decides its writes on items read
// from the upstream with the same code as on stored ones.
func EntryOf(enc []byte, size int) Entry {
	if enc == nil {
		return Entry{}
	}
	return Entry{enc: enc, size: size}
}
