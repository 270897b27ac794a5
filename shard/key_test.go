package shard

import (
	"bytes"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

func TestNumberKeyOrder(t *testing.T) {
	nums := []string{"-1e125", "-100", "-10.5", "-10.05", "-10", "-9.99", "-1.23", "-1.2", "-1", "-0.5", "-0.05",
		"0", "0.05", "0.5", "1", "1.2", "1.23", "9.99", "10", "10.05", "10.5", "100", "1e125"}
	var encs [][]byte
	for _, n := range nums {
		c, err := attr.CanonicalNumber(n)
		if err != nil {
			t.Fatal(err)
		}
		encs = append(encs, AppendKeyValue(nil, attr.Num(c)))
	}
	for i := 1; i < len(encs); i++ {
		if bytes.Compare(encs[i-1], encs[i]) >= 0 {
			t.Errorf("encoding of %s !< encoding of %s", nums[i-1], nums[i])
		}
	}
}

func TestNumberKeyOrderRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var vals []string
	for i := 0; i < 2000; i++ {
		digits := make([]byte, 1+r.IntN(6))
		for j := range digits {
			digits[j] = byte('0' + r.IntN(10))
		}
		s := string(digits)
		if p := r.IntN(len(s) + 1); p < len(s) {
			s = s[:p] + "." + s[p:]
			if s[0] == '.' {
				s = "0" + s
			}
		}
		if r.IntN(2) == 0 {
			s = "-" + s
		}
		c, err := attr.CanonicalNumber(s)
		if err != nil {
			t.Fatal(s, err)
		}
		vals = append(vals, c)
	}
	byNum := append([]string(nil), vals...)
	sort.Slice(byNum, func(i, j int) bool { return attr.CompareNumbers(byNum[i], byNum[j]) < 0 })
	byEnc := append([]string(nil), vals...)
	sort.Slice(byEnc, func(i, j int) bool {
		return bytes.Compare(AppendKeyValue(nil, attr.Num(byEnc[i])), AppendKeyValue(nil, attr.Num(byEnc[j]))) < 0
	})
	for i := range byNum {
		if attr.CompareNumbers(byNum[i], byEnc[i]) != 0 {
			t.Fatalf("order differs at %d: %s vs %s", i, byNum[i], byEnc[i])
		}
	}
}

func TestMutate(t *testing.T) {
	s := New(nil)
	tb, err := s.CreateTable("t", KeySchema{HashName: "pk", HashType: attr.S}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateTable("t", KeySchema{}, nil, nil); err != ErrTableExists {
		t.Fatalf("second create: %v", err)
	}
	item := attr.Item{"pk": attr.Str("a"), "v": attr.Num("1")}
	k, err := tb.Schema().EncodeKey(item)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := tb.Mutate(k, func(old Entry) (Write, error) { return Write{Item: item}, nil }); err != nil {
		t.Fatal(err)
	}
	if tb.ItemCount() != 1 || tb.SizeBytes() != int64(attr.ItemSize(item)) {
		t.Fatalf("count %d size %d", tb.ItemCount(), tb.SizeBytes())
	}
	e, ok := tb.Get(k)
	if !ok {
		t.Fatal("item missing")
	}
	got, _ := e.Item()
	if !attr.Equal(attr.Value{Type: attr.M, Map: got}, attr.Value{Type: attr.M, Map: item}) {
		t.Fatalf("got %v", got)
	}
	// A failing decision changes nothing.
	boom := ErrKeyMismatch
	if _, _, err := tb.Mutate(k, func(old Entry) (Write, error) { return Write{Delete: true}, boom }); err != boom {
		t.Fatal(err)
	}
	if _, ok := tb.Get(k); !ok {
		t.Fatal("failed mutation deleted the item")
	}
	if _, _, err := tb.Mutate(k, func(old Entry) (Write, error) { return Write{Delete: true}, nil }); err != nil {
		t.Fatal(err)
	}
	if _, ok := tb.Get(k); ok || tb.ItemCount() != 0 || tb.SizeBytes() != 0 {
		t.Fatal("delete did not apply")
	}
	if names := s.TableNames(); len(names) != 1 || names[0] != "t" {
		t.Fatal(names)
	}
	if _, err := s.DeleteTable("t"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteTable("t"); err != ErrTableNotFound {
		t.Fatal(err)
	}
}
