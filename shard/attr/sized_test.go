package attr

import "testing"

// TestAppendItemSized: one walk gives AppendItem's encoding (decoding to
// the same item) and ItemSize's size, after what dst held.
func TestAppendItemSized(t *testing.T) {
	for _, it := range []Item{{}, {"k": Str("v")}, sampleItem()} {
		got, size := AppendItemSized([]byte("prefix"), it)
		if string(got[:6]) != "prefix" || len(got)-6 != EncodedSize(it) {
			t.Fatalf("%v: %d bytes after the prefix, EncodedSize %d", it, len(got)-6, EncodedSize(it))
		}
		if size != ItemSize(it) {
			t.Fatalf("%v: size %d, ItemSize %d", it, size, ItemSize(it))
		}
		dec, err := DecodeItem(got[6:])
		if err != nil || !Equal(Value{Type: M, Map: dec}, Value{Type: M, Map: it}) {
			t.Fatalf("%v: decodes to %v, %v", it, dec, err)
		}
	}
}
