package shard

import (
	"errors"
	"fmt"
	"math/rand"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

var accountSchema = KeySchema{HashName: "pk", HashType: attr.S}

func accountKey(t testing.TB, pk string) Key {
	k, err := accountSchema.EncodeKey(attr.Item{"pk": attr.Str(pk)})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func balanceOf(t testing.TB, e Entry) int {
	it, err := e.Item()
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(it["bal"].Str)
	return n
}

func account(pk string, bal int) attr.Item {
	return attr.Item{"pk": attr.Str(pk), "bal": attr.Num(strconv.Itoa(bal)), "g": attr.Str("all")}
}

var errInsufficient = errors.New("insufficient funds")

// TestMutateManyTransfers: transfers between accounts of two tables (a
// debit conditioned on the balance, a credit, a journal entry), from many
// goroutines in every direction, while readers take GetMany of every
// account and must always see the same total: MutateMany is atomic for
// readers, and its lock order is deadlock-free.
func TestMutateManyTransfers(t *testing.T) {
	s := New(nil)
	gsi := []IndexSchema{{Name: "byG", Key: KeySchema{HashName: "g", HashType: attr.S}, Projection: ProjectAll}}
	a, _ := s.CreateTable("a", accountSchema, gsi, nil)
	b, _ := s.CreateTable("b", accountSchema, nil, nil)
	journal, _ := s.CreateTable("j", accountSchema, nil, nil)
	const accounts, start = 40, 100
	var refs []Ref
	for i := range accounts {
		tb := a
		if i%2 == 1 {
			tb = b
		}
		pk := fmt.Sprint("acct", i)
		k := accountKey(t, pk)
		tb.Mutate(k, func(Entry) (Write, error) { return Write{Item: account(pk, start)}, nil })
		refs = append(refs, Ref{tb, k})
	}
	var stop atomic.Bool
	var committed, canceled atomic.Int64
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(w)))
			for i := 0; i < 3000 && !stop.Load(); i++ {
				from, to := rng.Intn(accounts), rng.Intn(accounts)
				if from == to {
					continue
				}
				amt := 1 + rng.Intn(60)
				jpk := fmt.Sprintf("w%d-%d", w, i)
				ops := []Op{
					{Table: refs[from].Table, Key: refs[from].Key, Decide: func(old Entry) (Write, error) {
						bal := balanceOf(t, old)
						if bal < amt {
							return Write{}, errInsufficient
						}
						return Write{Item: account(fmt.Sprint("acct", from), bal-amt)}, nil
					}},
					{Table: refs[to].Table, Key: refs[to].Key, Decide: func(old Entry) (Write, error) {
						return Write{Item: account(fmt.Sprint("acct", to), balanceOf(t, old)+amt)}, nil
					}},
					{Table: journal, Key: accountKey(t, jpk), Decide: func(Entry) (Write, error) {
						return Write{Item: attr.Item{"pk": attr.Str(jpk), "amt": attr.Num(strconv.Itoa(amt))}}, nil
					}},
				}
				_, _, errs, err := s.MutateMany(ops)
				switch {
				case err == nil:
					committed.Add(1)
				case errors.Is(err, ErrCanceled):
					if !errors.Is(errs[0], errInsufficient) || errs[1] != nil || errs[2] != nil {
						t.Errorf("cancellation reasons %v", errs)
					}
					canceled.Add(1)
				default:
					t.Error(err)
				}
			}
		}()
	}
	var reads atomic.Int64
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 4000 && !stop.Load(); i++ {
				total := 0
				for _, e := range s.GetMany(refs) {
					total += balanceOf(t, e)
				}
				if total != accounts*start {
					t.Errorf("a reader saw a total of %d, want %d", total, accounts*start)
					stop.Store(true)
				}
				reads.Add(1)
			}
		}()
	}
	wg.Wait()
	total := 0
	for _, e := range s.GetMany(refs) {
		total += balanceOf(t, e)
	}
	if total != accounts*start {
		t.Fatalf("final total %d, want %d", total, accounts*start)
	}
	if n := journal.ItemCount(); n != committed.Load() {
		t.Fatalf("journal has %d entries, %d transfers committed", n, committed.Load())
	}
	if st, _ := a.IndexStats("byG"); st.ItemCount != accounts/2 {
		t.Fatalf("index of table a: %d entries, want %d", st.ItemCount, accounts/2)
	}
	if committed.Load() == 0 || canceled.Load() == 0 {
		t.Fatalf("committed %d, canceled %d: the test did not exercise both", committed.Load(), canceled.Load())
	}
	t.Logf("%d committed, %d canceled, %d consistent reads", committed.Load(), canceled.Load(), reads.Load())
}

// TestMutateManyCanceled: one failed decision writes nothing, and every
// op's decision is made and reported.
func TestMutateManyCanceled(t *testing.T) {
	s := New(nil)
	tb, _ := s.CreateTable("t", accountSchema, nil, nil)
	k1, k2, k3 := accountKey(t, "1"), accountKey(t, "2"), accountKey(t, "3")
	tb.Mutate(k1, func(Entry) (Write, error) { return Write{Item: account("1", 5)}, nil })
	calls := 0
	put := func(pk string) func(Entry) (Write, error) {
		return func(Entry) (Write, error) { calls++; return Write{Item: account(pk, 9)}, nil }
	}
	boom := errors.New("condition failed")
	_, _, errs, err := s.MutateMany([]Op{
		{tb, k1, put("1")},
		{tb, k2, func(Entry) (Write, error) { calls++; return Write{}, boom }},
		{tb, k3, put("3")},
	})
	if !errors.Is(err, ErrCanceled) || errs[0] != nil || errs[1] != boom || errs[2] != nil || calls != 3 {
		t.Fatalf("err %v, errs %v, decisions made %d", err, errs, calls)
	}
	if e, _ := tb.Get(k1); balanceOf(t, e) != 5 {
		t.Fatal("a canceled write changed an item")
	}
	if _, ok := tb.Get(k3); ok {
		t.Fatal("a canceled write added an item")
	}
	olds, curs, _, err := s.MutateMany([]Op{
		{tb, k1, func(Entry) (Write, error) { return Write{Delete: true}, nil }},
		{tb, k2, func(Entry) (Write, error) { return Write{Skip: true}, nil }},
		{tb, k3, put("3")},
	})
	if err != nil || !olds[0].Exists() || curs[0].Exists() || curs[1].Exists() || !curs[2].Exists() {
		t.Fatalf("err %v, olds %v, curs %v", err, olds, curs)
	}
	if n := tb.ItemCount(); n != 1 {
		t.Fatalf("ItemCount %d, want 1", n)
	}
	if _, err := s.DeleteTable("t"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.MutateMany([]Op{{tb, k1, put("1")}}); !errors.Is(err, ErrTableNotFound) {
		t.Fatalf("write to a dropped table: %v", err)
	}
}
