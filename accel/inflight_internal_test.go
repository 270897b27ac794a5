package accel

import (
	"fmt"
	"testing"
	"time"

	"github.com/dynacache/dynacache/shard/attr"
)

// A stream record of a key applied while this node's write of the key is
// in flight (its own record, read before the write's reply was processed:
// the cause of TestDynacacheWarmRestart's failures under load) leaves the
// write's image installed when the record carries that image, and drops
// the key otherwise, or when anything else touched the stripe meanwhile.
func TestWriteInFlightMeetsItsRecord(t *testing.T) {
	c, err := newItemCache(1<<20, time.Hour, false)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	image := attr.Item{"pk": {Type: attr.S, Str: "k"}, "v": {Type: attr.S, Str: "new"}}
	other := attr.Item{"pk": {Type: attr.S, Str: "k"}, "v": {Type: attr.S, Str: "other"}}
	js, ojs := itemJSON(image), itemJSON(other)
	// A key of another stripe-mate, to touch the stripe without the key.
	key := "T\x00k"
	mate := ""
	for i := 0; mate == ""; i++ {
		if k := fmt.Sprintf("T\x00m%d", i); stripeOf(k) == stripeOf(key) {
			mate = k
		}
	}
	for _, tc := range []struct {
		name    string
		during  func()
		wantHit bool
	}{
		{"nothing meanwhile", func() {}, true},
		{"its own record", func() { c.bumpForRecord(key, stripeOf(key), true, true, js) }, true},
		{"two records, the last with its image", func() {
			c.bumpForRecord(key, stripeOf(key), true, true, ojs)
			c.bumpForRecord(key, stripeOf(key), true, true, js)
		}, true},
		{"a record with another image", func() { c.bumpForRecord(key, stripeOf(key), true, true, ojs) }, false},
		{"a record without an image", func() { c.bumpForRecord(key, stripeOf(key), false, false, nil) }, false},
		{"a REMOVE record", func() { c.bumpForRecord(key, stripeOf(key), true, false, nil) }, false},
		{"its record and a stripe-mate's record", func() {
			c.bumpForRecord(key, stripeOf(key), true, true, js)
			c.bumpForRecord(mate, stripeOf(mate), true, true, ojs)
		}, false},
		{"its record and another write", func() {
			c.bumpForRecord(key, stripeOf(key), true, true, js)
			c.endWrite(mate, c.beginWrite(mate), false, nil, nil)
		}, false},
	} {
		tok := c.beginWrite(key)
		tc.during()
		c.endWrite(key, tok, true, image, js)
		c.wait()
		e, hit := c.get(key)
		if hit != tc.wantHit || (hit && string(e.json) != string(js)) {
			t.Errorf("%s: hit %v, want %v", tc.name, hit, tc.wantHit)
		}
		c.gens[stripeOf(key)].Add(1) // next case from scratch
	}
	// Installed but maybe not visible in ristretto yet (its Sets are
	// asynchronous): a record of the key finds the entry all the same.
	tok := c.beginWrite(key)
	c.endWrite(key, tok, true, image, js)
	if e, held := c.getForRecord(key); !held || string(e.json) != string(js) {
		t.Fatalf("the write's entry is not seen by a record right after it: held %v", held)
	}
	if _, held := c.getForRecord(mate); held {
		t.Fatal("a stripe-mate's record takes the write's entry for its own")
	}
	c.endWrite(mate, c.beginWrite(mate), false, nil, nil)
	if _, held := c.getForRecord(key); held {
		t.Fatal("an entry the stripe's next write invalidated is still seen")
	}
	if n := len(c.inflight.m); n != 0 {
		t.Fatalf("%d keys still registered in flight", n)
	}
}
