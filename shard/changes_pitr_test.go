package shard

import (
	"sync"
	"testing"
)

type sinkFunc func(pos uint64, cs []Change)

func (f sinkFunc) Changes(pos uint64, cs []Change) { f(pos, cs) }

// TestSetPITR: a table keeping a point-in-time history yields a change for
// every write that changes an item, with or without a stream, and its
// stream setting and its history setting change independently.
func TestSetPITR(t *testing.T) {
	s := New(nil)
	var mu sync.Mutex
	var got []Change
	s.SetChangeSink(sinkFunc(func(_ uint64, cs []Change) {
		mu.Lock()
		got = append(got, cs...)
		mu.Unlock()
	}))
	tb, _ := s.CreateTable("a", accountSchema, nil, nil)
	put := func(pk string, bal int) {
		t.Helper()
		if _, _, err := tb.Mutate(accountKey(t, pk), func(Entry) (Write, error) { return Write{Item: account(pk, bal)}, nil }); err != nil {
			t.Fatal(err)
		}
	}
	take := func() []Change {
		mu.Lock()
		defer mu.Unlock()
		out := got
		got = nil
		return out
	}
	put("x", 1)
	if cs := take(); len(cs) != 0 {
		t.Fatalf("no capture: %v", cs)
	}
	tb.SetPITR(true)
	put("x", 2)
	put("x", 2) // the same image: no change
	if cs := take(); len(cs) != 1 || cs[0].Stream != TapOnly || cs[0].New == nil || tb.StreamID() != 0 {
		t.Fatalf("history only: %+v, stream %d", cs, tb.StreamID())
	}
	tb.SetStream(7, true)
	put("x", 3)
	if cs := take(); len(cs) != 1 || cs[0].Stream != 7 || cs[0].Old == nil || tb.StreamID() != 7 {
		t.Fatalf("stream and history: %+v", cs)
	}
	tb.SetPITR(false)
	put("x", 4)
	if cs := take(); len(cs) != 1 || cs[0].Stream != 7 {
		t.Fatalf("stream only: %+v", cs)
	}
	tb.SetPITR(true)
	tb.SetStream(0, false)
	if _, _, err := tb.Mutate(accountKey(t, "x"), func(Entry) (Write, error) { return Write{Delete: true}, nil }); err != nil {
		t.Fatal(err)
	}
	if cs := take(); len(cs) != 1 || cs[0].Stream != TapOnly || cs[0].New != nil || tb.StreamID() != 0 {
		t.Fatalf("history after the stream: %+v", cs)
	}
	tb.SetPITR(false)
	put("y", 1)
	if cs := take(); len(cs) != 0 {
		t.Fatalf("off: %v", cs)
	}
}
