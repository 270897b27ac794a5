package shard

import (
	"errors"
	"fmt"
	"math/rand"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestFreezeUnderTransfers freezes a table again and again while
// goroutines move balance between its accounts with MutateMany: every
// frozen copy holds exactly the total, so it is the table at one instant;
// each copy, read again after more transfers, is unchanged.
func TestFreezeUnderTransfers(t *testing.T) {
	s := New(nil)
	tb, _ := s.CreateTable("a", accountSchema, nil, nil)
	const accounts, start = 200, 100
	for i := range accounts {
		pk := fmt.Sprint("acct", i)
		tb.Mutate(accountKey(t, pk), func(Entry) (Write, error) { return Write{Item: account(pk, start)}, nil })
	}
	var stop atomic.Bool
	var moves atomic.Int64
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewSource(int64(w)))
			for i := 0; i < 1_000_000 && !stop.Load(); i++ {
				x, y := r.Intn(accounts), r.Intn(accounts)
				if x == y {
					continue
				}
				px, py := fmt.Sprint("acct", x), fmt.Sprint("acct", y)
				amt := 1 + r.Intn(10)
				_, _, _, err := s.MutateMany([]Op{
					{Table: tb, Key: accountKey(t, px), Decide: func(old Entry) (Write, error) {
						return Write{Item: account(px, balanceOf(t, old)-amt)}, nil
					}},
					{Table: tb, Key: accountKey(t, py), Decide: func(old Entry) (Write, error) {
						return Write{Item: account(py, balanceOf(t, old)+amt)}, nil
					}},
				})
				if err != nil {
					t.Error(err)
					return
				}
				moves.Add(1)
			}
		}()
	}
	sum := func(f *Frozen) (total, n int) {
		f.Items(func(k Key, e Entry) error {
			total += balanceOf(t, e)
			n++
			return nil
		})
		return total, n
	}
	var frozen []*Frozen
	for range 50 {
		before := moves.Load()
		// Let some transfers run between copies.
		for deadline := time.Now().Add(10 * time.Second); moves.Load() < before+10 && time.Now().Before(deadline); {
			time.Sleep(100 * time.Microsecond)
		}
		f, err := tb.Freeze()
		if err != nil {
			t.Fatal(err)
		}
		if total, n := sum(f); total != accounts*start || n != accounts || f.ItemCount() != accounts {
			t.Fatalf("copy holds %d in %d items (count %d), want %d in %d", total, n, f.ItemCount(), accounts*start, accounts)
		}
		frozen = append(frozen, f)
	}
	stop.Store(true)
	wg.Wait()
	if moves.Load() == 0 {
		t.Fatal("no transfer ran")
	}
	for _, f := range frozen {
		if total, n := sum(f); total != accounts*start || n != accounts {
			t.Fatalf("copy changed: %d in %d items", total, n)
		}
	}
	if _, err := s.DeleteTable("a"); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Freeze(); !errors.Is(err, ErrTableNotFound) {
		t.Fatalf("freeze of a dropped table: %v", err)
	}
}
