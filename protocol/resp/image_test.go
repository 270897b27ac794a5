package resp

import (
	"bytes"
	"net"
	"strings"
	"testing"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// appendStringImage must encode the image stringItem builds as an
// attr.Item, with the same DynamoDB size: a direct write (decideEntry's
// directImage) and a write in EXEC (the attr.Item) store the same item.
func TestStringImageEncoding(t *testing.T) {
	for _, tc := range []struct {
		pk  string
		val attr.Value
		exp []byte
	}{
		{"k", attr.Value{Type: attr.S, Str: "v"}, nil},
		{"counter:000000012345", attr.Value{Type: attr.N, Str: "-9223372036854775808"}, nil},
		{"n", attr.Value{Type: attr.N, Str: "0"}, []byte("1767225600000")},
		{"", attr.Value{Type: attr.S, Str: ""}, nil},
		{"bin", attr.Value{Type: attr.B, Str: "\x00\xff"}, []byte("1")},
		{"big", attr.Value{Type: attr.S, Str: strings.Repeat("x", 300)}, []byte("99")},
	} {
		want := attr.Item{attrKey: {Type: attr.S, Str: tc.pk}, attrVal: tc.val}
		if tc.exp != nil {
			want[attrExp] = attr.Value{Type: attr.N, Str: string(tc.exp)}
		}
		enc, size := appendStringImage([]byte("prefix"), tc.pk, tc.val, tc.exp)
		if !bytes.HasPrefix(enc, []byte("prefix")) {
			t.Fatalf("%q: the encoding does not extend dst", tc.pk)
		}
		enc = enc[len("prefix"):]
		if size != attr.ItemSize(want) {
			t.Errorf("%q: size %d, attr.ItemSize %d", tc.pk, size, attr.ItemSize(want))
		}
		if ref := attr.EncodeItem(want); !attr.EqualEncoded(enc, ref) {
			t.Errorf("%q: encoding %x is not the item's (%x)", tc.pk, enc, ref)
		}
		got, err := attr.DecodeItem(enc)
		if err != nil {
			t.Fatalf("%q: %v", tc.pk, err)
		}
		if len(got) != len(want) {
			t.Errorf("%q: decoded %v, want %v", tc.pk, got, want)
		}
	}
}

// A direct write and the same write inside EXEC (which builds the
// attr.Item) leave the same stored item and size.
func TestDirectWriteStoresItemImage(t *testing.T) {
	store := shard.New(nil)
	s := New(dynamodb.NewHandler(store, dynamodb.Options{}), Options{SweepInterval: -1})
	t.Cleanup(func() { s.Shutdown(t.Context()) })
	c1, c2 := net.Pipe()
	t.Cleanup(func() { c1.Close(); c2.Close() })
	c := newConn(s, c1)
	run := func(args ...string) string {
		c.out = c.out[:0]
		c.exec(argsOf(args...))
		c.settle()
		return string(c.out)
	}
	for _, cmd := range [][]string{
		{"SET", "a", "hello"}, {"SET", "a", "hello", "PX", "100000000"}, {"INCR", "a2"}, {"INCRBY", "a3", "-5"},
		{"APPEND", "a4", "xy"}, {"SETRANGE", "a5", "3", "z"}, {"INCRBYFLOAT", "a6", "1.5"}, {"SETEX", "a7", "1000", "v"},
	} {
		direct := append([]string(nil), cmd...)
		inExec := append([]string(nil), cmd...)
		inExec[1] = "x" + cmd[1]
		run(direct...)
		if got := run("MULTI"); got != "+OK\r\n" {
			t.Fatalf("MULTI: %q", got)
		}
		run(inExec...)
		run("EXEC")
		tb, _ := store.Table(s.opts.Table)
		d, ok1 := tb.Get(c.storeKey([]byte(direct[1])))
		x, ok2 := tb.Get(c.storeKey([]byte(inExec[1])))
		if !ok1 || !ok2 {
			t.Fatalf("%v: stored %v, in EXEC %v", cmd, ok1, ok2)
		}
		di, _ := attr.DecodeItem(d.Encoded())
		xi, _ := attr.DecodeItem(x.Encoded())
		xi[attrKey] = di[attrKey] // the keys differ
		if d.Size() != x.Size()-1 || len(di) != len(xi) || di[attrVal].Type != xi[attrVal].Type || di[attrVal].Str != xi[attrVal].Str || (di[attrExp].Str == "") != (xi[attrExp].Str == "") {
			t.Errorf("%v: direct %v (size %d), in EXEC %v (size %d)", cmd, di, d.Size(), xi, x.Size())
		}
	}
}
