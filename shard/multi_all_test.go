package shard

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

// TestMutateAll: decisions that depend on each other's entries (a
// transfer that reads both balances) are applied all or nothing, an error
// writes nothing, and GetMany readers never see a transfer in part.
func TestMutateAll(t *testing.T) {
	s := New(nil)
	a, _ := s.CreateTable("a", accountSchema, nil, nil)
	const accounts, start = 16, 100
	refs := make([]Ref, accounts)
	for i := range refs {
		pk := fmt.Sprint("acct", i)
		k := accountKey(t, pk)
		a.Mutate(k, func(Entry) (Write, error) { return Write{Item: account(pk, start)}, nil })
		refs[i] = Ref{Table: a, Key: k}
	}
	transfer := func(from, to, amount int) error {
		pair := []Ref{refs[from], refs[to]}
		_, _, wait, err := s.MutateAll(pair, func(olds []Entry) ([]Write, error) {
			fb, tb := balanceOf(t, olds[0]), balanceOf(t, olds[1])
			if fb < amount {
				return nil, errInsufficient
			}
			return []Write{
				{Item: account(fmt.Sprint("acct", from), fb-amount)},
				{Item: account(fmt.Sprint("acct", to), tb+amount)},
			}, nil
		})
		if wait != nil {
			if werr := wait(); werr != nil {
				return werr
			}
		}
		return err
	}
	if err := transfer(0, 1, start+1); !errors.Is(err, errInsufficient) {
		t.Fatalf("overdraft: %v", err)
	}
	if e, _ := a.Get(refs[1].Key); balanceOf(t, e) != start {
		t.Fatal("a refused transfer wrote")
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for j := 0; j < 300; j++ {
				from, to := (w+j)%accounts, (w+5*j+1)%accounts
				if from == to {
					continue
				}
				if err := transfer(from, to, 1+j%7); err != nil && !errors.Is(err, errInsufficient) {
					errs <- err
					return
				}
			}
		}(w)
	}
	done := make(chan struct{})
	var readers sync.WaitGroup
	readers.Add(1)
	go func() {
		defer readers.Done()
		for n := 0; n < 100000; n++ {
			select {
			case <-done:
				return
			default:
			}
			sum := 0
			for _, e := range s.GetMany(refs) {
				sum += balanceOf(t, e)
			}
			if sum != accounts*start {
				errs <- fmt.Errorf("GetMany saw a total of %d", sum)
				return
			}
		}
	}()
	wg.Wait()
	close(done)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	// DetachedEntry reads as the stored entry of the same item would.
	it := account("x", 7)
	e := DetachedEntry(it)
	if got, err := e.Item(); err != nil || !e.Exists() || e.Size() != attr.ItemSize(it) || got["bal"].Str != "7" {
		t.Fatalf("DetachedEntry: %v %v", got, err)
	}

	// A dropped table: nothing is decided.
	s.DeleteTable("a")
	called := false
	if _, _, _, err := s.MutateAll(refs[:1], func([]Entry) ([]Write, error) { called = true; return nil, nil }); !errors.Is(err, ErrTableNotFound) || called {
		t.Fatalf("MutateAll on a dropped table: %v (decide called: %v)", err, called)
	}
}
