package shard

import (
	"runtime/debug"
	"testing"
)

func TestBudget(t *testing.T) {
	var b Budget
	if b.Over() || b.Max() != 0 {
		t.Fatal("a budget of none is over")
	}
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
	b.Measure()
	if b.pending.Load() != 0 {
		t.Error("a reading keeps the charges")
	}
	b.SetMax(0)
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("runtime limit %d after the budget, want %d", got, before)
	}
	if b.Over() {
		t.Error("over no budget")
	}
}
