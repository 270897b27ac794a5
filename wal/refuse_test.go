package wal

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	twal "github.com/tidwall/wal"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// switchFiles refuses every WriteBatch once its switch is on (a disk that
// has filled up), writing nothing.
type switchFiles struct {
	segmentLog
	full atomic.Bool
}

func (f *switchFiles) WriteBatch(b *twal.Batch) error {
	if f.full.Load() {
		return errors.New("injected: no space left on device")
	}
	return f.segmentLog.WriteBatch(b)
}

var gsiSchema = []shard.IndexSchema{{Name: "byV", Key: shard.KeySchema{HashName: "v", HashType: attr.S}, Projection: shard.ProjectAll}}

func mutate(tb *shard.Table, key string, val *string) error {
	it := attr.Item{"pk": attr.Str(key)}
	k, _ := tb.Schema().EncodeKey(it)
	_, _, err := tb.Mutate(k, func(shard.Entry) (shard.Write, error) {
		if val == nil {
			return shard.Write{Delete: true}, nil
		}
		return shard.Write{Item: attr.Item{"pk": attr.Str(key), "v": attr.Str(*val)}}, nil
	})
	return err
}

func get(t *testing.T, tb *shard.Table, key string) (string, bool) {
	t.Helper()
	k, _ := tb.Schema().EncodeKey(attr.Item{"pk": attr.Str(key)})
	e, ok := tb.Get(k)
	if !ok {
		return "", false
	}
	it, err := e.Item()
	if err != nil {
		t.Fatal(err)
	}
	return it["v"].Str, true
}

// indexed returns the keys the GSI lists under v.
func indexed(t *testing.T, tb *shard.Table, v string) []string {
	t.Helper()
	var out []string
	err := tb.Query("byV", &shard.Range{Partition: shard.AppendKeyValue(nil, attr.Str(v))}, nil, func(h shard.Hit) bool {
		it, err := h.Entry.Item()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, it["pk"].Str)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func ptr(s string) *string { return &s }

// TestRefusedWriteIsNotVisible: a write whose record the log refuses (a
// full disk) gets the error and leaves memory, the indexes and the counts
// as they were; the state equals what a restart recovers.
func TestRefusedWriteIsNotVisible(t *testing.T) {
	for _, pol := range []Policy{FsyncEverySec, FsyncAlways} {
		t.Run(pol.String(), func(t *testing.T) {
			dir := t.TempDir()
			l, s := openT(t, dir, Options{Policy: pol})
			tb, err := s.CreateTable("t", testSchema, gsiSchema, []byte("m"))
			if err != nil {
				t.Fatal(err)
			}
			if err := mutate(tb, "a", ptr("1")); err != nil {
				t.Fatal(err)
			}
			before := contents(t, s)
			files := &switchFiles{segmentLog: l.files}
			l.files = files
			files.full.Store(true)

			if err := mutate(tb, "b", ptr("1")); err == nil {
				t.Fatal("put of a new item: no error from a full disk")
			}
			if v, ok := get(t, tb, "b"); ok {
				t.Fatalf("refused put is visible: b=%s", v)
			}
			if err := mutate(tb, "a", ptr("2")); err == nil {
				t.Fatal("overwrite: no error once the log has failed")
			}
			if v, _ := get(t, tb, "a"); v != "1" {
				t.Fatalf("refused overwrite is visible: a=%s", v)
			}
			if err := mutate(tb, "a", nil); err == nil {
				t.Fatal("delete: no error once the log has failed")
			}
			if v, ok := get(t, tb, "a"); !ok || v != "1" {
				t.Fatalf("refused delete is visible: a=%q %v", v, ok)
			}
			if got := indexed(t, tb, "1"); len(got) != 1 || got[0] != "a" {
				t.Fatalf("index under v=1: %v, want [a]", got)
			}
			if got := indexed(t, tb, "2"); len(got) != 0 {
				t.Fatalf("index under v=2: %v, want none", got)
			}
			if st, _ := tb.IndexStats("byV"); st.ItemCount != 1 {
				t.Fatalf("index count %d, want 1", st.ItemCount)
			}
			if _, err := s.CreateTable("u", testSchema, nil, nil); err == nil {
				t.Fatal("create table: no error once the log has failed")
			}
			if _, ok := s.Table("u"); ok {
				t.Fatal("refused CreateTable is visible")
			}
			if _, err := s.DeleteTable("t"); err == nil {
				t.Fatal("delete table: no error once the log has failed")
			}
			if _, ok := s.Table("t"); !ok {
				t.Fatal("refused DeleteTable is visible")
			}
			if got := contents(t, s); got != before {
				t.Fatalf("memory after refused writes:\n%s\nwant:\n%s", got, before)
			}
			l.Close()
			l2, s2 := openT(t, dir, Options{Policy: pol})
			defer l2.Close()
			if got := contents(t, s2); got != before {
				t.Fatalf("recovered:\n%s\nwant:\n%s", got, before)
			}
		})
	}
}

// TestRefusedGroupUnderConcurrentWriters: writers on keys of their own, in
// shared shards and groups, while the disk fills up. Afterwards every key
// holds the last write its writer saw acknowledged (or nothing), in memory
// and after a restart: no refused write is left behind, none acknowledged
// is lost, whatever the interleaving of groups and reverts.
func TestRefusedGroupUnderConcurrentWriters(t *testing.T) {
	const writers, keys, rounds = 8, 16, 400
	dir := t.TempDir()
	l, s := openT(t, dir, Options{Policy: FsyncEverySec})
	tb, err := s.CreateTable("t", testSchema, gsiSchema, nil)
	if err != nil {
		t.Fatal(err)
	}
	files := &switchFiles{segmentLog: l.files}
	l.files = files

	var ops atomic.Int64
	acked := make([]map[string]string, writers) // key -> last acknowledged value ("" deleted)
	var wg sync.WaitGroup
	for w := range writers {
		acked[w] = map[string]string{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				key := fmt.Sprintf("w%d-k%d", w, r%keys)
				var val *string
				if r%7 != 6 {
					val = ptr(fmt.Sprintf("%d", r))
				}
				if ops.Add(1) == writers*rounds/2 {
					files.full.Store(true)
				}
				if err := mutate(tb, key, val); err != nil {
					continue
				}
				if val == nil {
					acked[w][key] = ""
				} else {
					acked[w][key] = *val
				}
			}
		}()
	}
	wg.Wait()
	if l.Err() == nil {
		t.Fatal("the log did not fail")
	}
	check := func(what string, tb *shard.Table) {
		t.Helper()
		want := 0
		for w := range writers {
			for r := range keys {
				key := fmt.Sprintf("w%d-k%d", w, r)
				v, ok := get(t, tb, key)
				a, wasAcked := acked[w][key]
				switch {
				case !wasAcked || a == "":
					if ok {
						t.Fatalf("%s: %s=%s, but no write of it that leaves an item was acknowledged last", what, key, v)
					}
				case !ok || v != a:
					t.Fatalf("%s: %s=%q (present %v), want the last acknowledged %q", what, key, v, ok, a)
				default:
					want++
					if got := indexed(t, tb, v); !contains(got, key) {
						t.Fatalf("%s: index under %s lacks %s: %v", what, v, key, got)
					}
				}
			}
		}
		if n := tb.ItemCount(); n != int64(want) {
			t.Fatalf("%s: ItemCount %d, want %d", what, n, want)
		}
		if st, _ := tb.IndexStats("byV"); st.ItemCount != int64(want) {
			t.Fatalf("%s: index count %d, want %d", what, st.ItemCount, want)
		}
	}
	check("memory", tb)
	l.Close()
	l2, s2 := openT(t, dir, Options{Policy: FsyncEverySec})
	defer l2.Close()
	tb2, _ := s2.Table("t")
	check("recovered", tb2)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
