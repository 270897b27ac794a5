package shard

import (
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

func TestBudget(t *testing.T) {
	var b Budget // no store: the account is the registered costs
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
	// A charge counts until the next refresh, which replaces it by the
	// exact account.
	b.Charge(1 << 41)
	if !b.Over() {
		t.Error("a charge past the budget is not over it")
	}
	b.Refresh()
	if b.Over() || b.pending.Load() != 0 {
		t.Errorf("after a refresh: pending %d", b.pending.Load())
	}
	// A registered cost is in the account.
	var cost int64 = 1 << 41
	b.AddCost(func() int64 { return cost })
	if !b.Over() {
		t.Error("a cost past the budget is not over it")
	}
	cost = 0
	b.Refresh()
	if b.Over() {
		t.Error("a cost gone is still counted")
	}
	b.SetMax(0)
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("runtime limit %d after the budget, want %d", got, before)
	}
	if b.Over() {
		t.Error("over no budget")
	}
}

// TestBudgetAccount: the account is the sum of ItemCost over the items
// (up to the rounding of the 1/16, taken of the sum: one byte more per item), and follows every
// write and delete exactly at a refresh.
func TestBudgetAccount(t *testing.T) {
	s := New(nil)
	b := s.Budget()
	tb, err := s.CreateTable("t", KeySchema{HashName: "pk", HashType: attr.S}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	put := func(i, size int) int64 {
		item := attr.Item{"pk": attr.Str("k" + strconv.Itoa(i)), "v": attr.Str(strings.Repeat("v", size))}
		k, err := tb.schema.EncodeKey(item)
		if err != nil {
			t.Fatal(err)
		}
		_, cur, err := tb.Mutate(k, func(Entry) (Write, error) { return Write{Item: item}, nil })
		if err != nil {
			t.Fatal(err)
		}
		return ItemCost(cur.Size())
	}
	check := func(want int64, n int) {
		t.Helper()
		if got := b.Account(); got < want || got > want+int64(n) {
			t.Fatalf("account %d, want %d (more by at most %d)", got, want, n)
		}
	}
	costs := map[int]int64{}
	var want int64
	for i := range 1000 {
		costs[i] = put(i, i%300)
		want += costs[i]
	}
	check(want, 1000)
	for i := range 500 { // overwrites, larger
		want += put(i, 400) - costs[i]
	}
	check(want, 1000)
	for i := 500; i < 1000; i++ {
		k, _ := tb.schema.EncodeKey(attr.Item{"pk": attr.Str("k" + strconv.Itoa(i))})
		if _, _, err := tb.Mutate(k, func(Entry) (Write, error) { return Write{Delete: true}, nil }); err != nil {
			t.Fatal(err)
		}
		want -= costs[i]
	}
	check(want, 500)
}

// TestBudgetFree: Free refreshes the account, evicts until used memory is
// within the budget (each eviction lowering it by what it returns), and
// reports failure when evict finds nothing or the limit is reached.
func TestBudgetFree(t *testing.T) {
	var b Budget
	defer b.SetMax(0)
	var held int64 // a cache evicted 1 MiB at a time
	b.AddCost(func() int64 { return held })
	b.SetMax(1 << 50) // measures: the correction is fixed from here on
	held = 100 << 20
	b.Refresh()
	max := b.Used() - 50<<20 - 1<<19
	b.max.Store(max) // as SetMax, without a new reading of the heap
	if !b.Over() {
		t.Fatal("not over")
	}
	calls := 0
	evict := func() (int64, bool) {
		if held == 0 {
			return 0, false
		}
		calls++
		held -= 1 << 20
		return 1 << 20, true
	}
	if !b.Free(1<<20, 1, evict) || b.Over() {
		t.Fatalf("Free: used %d, max %d", b.Used(), b.Max())
	}
	if calls != 51 {
		t.Errorf("%d evictions for 50.5 MiB over, want 51", calls)
	}
	// Over again by 10 MiB: a limit of 3 evictions is not enough for a
	// command of 4 MiB, and enough for one of 3 MiB (while over, used
	// memory does not grow).
	held += 10 << 20
	if b.Free(3, 4<<20, evict) || calls != 54 {
		t.Errorf("Free admitted 4 MiB past its limit (%d evictions)", calls)
	}
	if !b.Free(3, 3<<20, evict) || calls != 57 {
		t.Errorf("Free refused 3 MiB after freeing 3 (%d evictions)", calls)
	}
	held += 200 << 20
	if b.Free(1<<20, 1, func() (int64, bool) { return 0, false }) {
		t.Error("Free succeeded with nothing to evict")
	}
	if b.Free(0, 0, nil) {
		t.Error("Free with no evictions succeeded over the budget")
	}
}
