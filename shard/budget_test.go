package shard

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestBudget(t *testing.T) {
	var b Budget
	if b.Over() || b.Max() != 0 {
		t.Fatal("a budget of none is over")
	}
	runtime.GC() // the live heap is measured by a collection
	before := debug.SetMemoryLimit(-1)
	b.SetMax(1 << 40)
	if got := debug.SetMemoryLimit(-1); got != 1<<40+LimitHeadroom(1<<40) {
		t.Errorf("runtime limit %d with a budget", got)
	}
	used := b.Used()
	if used <= 0 || b.Over() {
		t.Fatalf("used %d", used)
	}
	// Charges count until the next reading; credits until a collection.
	b.Charge(1 << 41)
	if !b.Over() {
		t.Error("a charge past the budget is not over it")
	}
	b.Evicted(1 << 41)
	if b.Over() {
		t.Error("an eviction's credit is not counted")
	}
	// A collection forgets the credits and the charges made before the
	// previous reading.
	b.Measure()
	runtime.GC()
	b.Measure()
	if b.credit.Load() != 0 || b.pending.Load() != 0 {
		t.Errorf("after a collection: credit %d, pending %d", b.credit.Load(), b.pending.Load())
	}
	b.SetMax(0)
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("runtime limit %d after the budget, want %d", got, before)
	}
	if b.Over() {
		t.Error("over no budget")
	}
}
