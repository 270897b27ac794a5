package attr

import (
	"testing"
)

func sampleItem() Item {
	return Item{
		"pk":    Str("user#1"),
		"n":     Num("-12.5"),
		"b":     Bin([]byte{0, 1, 2, 255}),
		"t":     Boolean(true),
		"f":     Boolean(false),
		"null":  Null(),
		"ss":    {Type: SS, Set: []string{"a", "b"}},
		"ns":    {Type: NS, Set: []string{"1", "2.5"}},
		"bs":    {Type: BS, Set: []string{"\x00", "\x01"}},
		"list":  {Type: L, List: []Value{Str("x"), Num("1"), {Type: L}}},
		"map":   {Type: M, Map: map[string]Value{"a": Str(""), "b": {Type: M, Map: map[string]Value{}}}},
		"empty": Str(""),
	}
}

func TestCodecRoundTrip(t *testing.T) {
	it := sampleItem()
	enc := EncodeItem(it)
	if len(enc) != EncodedSize(it) {
		t.Fatalf("EncodedSize = %d, encoding is %d bytes", EncodedSize(it), len(enc))
	}
	got, err := DecodeItem(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !Equal(Value{Type: M, Map: got}, Value{Type: M, Map: it}) {
		t.Fatalf("round trip differs:\n got %#v\nwant %#v", got, it)
	}
}

func TestDecodeCorrupt(t *testing.T) {
	enc := EncodeItem(sampleItem())
	for i := 0; i < len(enc); i++ {
		if _, err := DecodeItem(enc[:i]); err == nil {
			t.Errorf("truncated at %d: no error", i)
		}
	}
	if _, err := DecodeItem(append(enc, 0)); err == nil {
		t.Error("trailing byte: no error")
	}
}

func FuzzDecodeItem(f *testing.F) {
	f.Add(EncodeItem(sampleItem()))
	f.Add([]byte{1, 1, 'a', byte(L), 200, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		it, err := DecodeItem(b)
		if err != nil {
			return
		}
		// Whatever decodes re-encodes to something that decodes equal.
		again, err := DecodeItem(EncodeItem(it))
		if err != nil || !Equal(Value{Type: M, Map: again}, Value{Type: M, Map: it}) {
			t.Fatalf("re-encoding differs: %v", err)
		}
	})
}

func TestItemSize(t *testing.T) {
	tests := []struct {
		it   Item
		want int
	}{
		{Item{"a": Str("abc")}, 4},
		{Item{"ab": Str("é")}, 4}, // UTF-8 bytes
		{Item{"a": Num("0")}, 2},
		{Item{"a": Num("1")}, 3},
		{Item{"a": Num("12")}, 3},
		{Item{"a": Num("123")}, 4},
		{Item{"a": Num("-1")}, 4},
		{Item{"a": Boolean(true), "b": Null()}, 4},
		{Item{"a": {Type: L, List: []Value{Str("x")}}}, 1 + 3 + 1 + 1},
		{Item{"a": {Type: M, Map: map[string]Value{"k": Str("x")}}}, 1 + 3 + 1 + 1 + 1},
		{Item{"a": {Type: SS, Set: []string{"x", "yz"}}}, 4},
	}
	for _, tt := range tests {
		if got := ItemSize(tt.it); got != tt.want {
			t.Errorf("ItemSize(%v) = %d, want %d", tt.it, got, tt.want)
		}
	}
	if ReadUnits(0, false) != 0.5 || ReadUnits(4096, true) != 1 || ReadUnits(4097, true) != 2 {
		t.Error("ReadUnits")
	}
	if WriteUnits(0) != 1 || WriteUnits(1024) != 1 || WriteUnits(1025) != 2 {
		t.Error("WriteUnits")
	}
}

func BenchmarkEncodeDecode(b *testing.B) {
	it := sampleItem()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := DecodeItem(EncodeItem(it)); err != nil {
			b.Fatal(err)
		}
	}
}
