package wal

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// recordingSink keeps every change handed to it, by position, as it was
// handed (a sink may keep a change's bytes: they must stay valid after
// recovery, which releases the log's mapped bytes).
type recordingSink struct {
	mu  sync.Mutex
	got map[uint64][]shard.Change
}

func (r *recordingSink) Changes(pos uint64, cs []shard.Change) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.got == nil {
		r.got = map[uint64][]shard.Change{}
	}
	r.got[pos] = cs
}
func (r *recordingSink) Sync() error            { return nil }
func (r *recordingSink) Recovered(uint64) error { return nil }

// from renders the changes at positions from start on.
func (r *recordingSink) from(start uint64) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ps []uint64
	for p := range r.got {
		if p >= start {
			ps = append(ps, p)
		}
	}
	slices.Sort(ps)
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "%d: ", p)
		for _, c := range r.got[p] {
			fmt.Fprintf(&b, "%s/%d/%q old=%x new=%x existed=%v service=%v;", c.Table, c.Stream, c.Key, c.Old, c.New, c.OldExisted, c.Service)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// bulkKeys is the key space of TestBulkLoadMatchesRecordByRecord.
const bulkKeys = 3000

// state renders what a restart must rebuild beyond contents: each
// table's indexes (definitions, entry counts, readiness, and every entry
// by a Query of each of their partitions) and a point read of every key
// of the key space, present or not (the point index, which Dump does not
// read).
func state(t *testing.T, s *shard.Store) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(contents(t, s))
	for _, tb := range s.Tables() {
		for _, ix := range tb.Indexes() {
			st, _ := tb.IndexStats(ix.Name)
			fmt.Fprintf(&b, "\nindex %s.%s %+v count=%d backfilling=%v", tb.Name(), ix.Name, ix.Key, st.ItemCount, st.Backfilling)
			for v := 0; v < 20; v++ {
				var hits []string
				part := shard.AppendKeyValue(nil, attr.Str(fmt.Sprint("v", v)))
				if err := tb.Query(ix.Name, &shard.Range{Partition: part}, nil, func(h shard.Hit) bool {
					hits = append(hits, fmt.Sprintf("%q", h.Key))
					return true
				}); err != nil {
					t.Fatal(err)
				}
				slices.Sort(hits)
				fmt.Fprintf(&b, "\n  v%d: %s", v, strings.Join(hits, " "))
			}
		}
		for i := 0; i < bulkKeys; i++ {
			k, _ := tb.Schema().EncodeKey(attr.Item{"pk": attr.Str(fmt.Sprint("k", i))})
			if e, ok := tb.Get(k); ok {
				fmt.Fprintf(&b, "\nget %s/k%d=%x/%d", tb.Name(), i, e.Encoded(), e.Size())
			}
		}
	}
	return b.String()
}

// TestBulkLoadMatchesRecordByRecord: a restart's bulk loads (a snapshot's
// items copied into images and loaded shard by shard, the log's runs
// resolved and loaded in the table's order) rebuild exactly the store
// that applying the log's records one by one rebuilds, and that the
// writers left: items, sizes, table metadata (time to live, streams),
// indexes (a global one defined from the start, one added later),
// point reads, and the stream changes recovery hands to the sink.
func TestBulkLoadMatchesRecordByRecord(t *testing.T) {
	for _, runBytes := range []int{256 << 20, 32 << 10} {
		t.Run(fmt.Sprint("runBytes=", runBytes), func(t *testing.T) {
			defer func(n int) { replayRunBytes = n }(replayRunBytes)
			replayRunBytes = runBytes
			dir := t.TempDir()
			live := &recordingSink{}
			l, s := openT(t, dir, Options{Policy: FsyncNo, SnapshotBytes: -1, SegmentBytes: 128 << 10, Changes: live})
			byV := shard.IndexSchema{Name: "byV", Key: shard.KeySchema{HashName: "v", HashType: attr.S}}
			later := shard.IndexSchema{Name: "later", Key: shard.KeySchema{HashName: "v", HashType: attr.S}, Projection: shard.ProjectKeysOnly}
			a, _ := s.CreateTable("a", testSchema, []shard.IndexSchema{byV}, []byte("ttl=exp;stream=new-and-old"))
			a.SetStream(7, true)
			b, _ := s.CreateTable("b", testSchema, nil, []byte("ttl=none"))
			rng := rand.New(rand.NewPCG(5, 6))
			write := func(n int) {
				for i := 0; i < n; i++ {
					tb := []*shard.Table{a, b}[rng.IntN(2)]
					key := fmt.Sprint("k", rng.IntN(bulkKeys))
					switch r := rng.IntN(10); {
					case r < 7:
						put(t, tb, key, fmt.Sprint("v", rng.IntN(20)))
					case r < 9:
						del(t, tb, key)
					default:
						var ops []shard.Op
						for j, bt := range []*shard.Table{a, b} {
							it := attr.Item{"pk": attr.Str(fmt.Sprint("k", rng.IntN(bulkKeys))), "v": attr.Str(fmt.Sprint("v", j+rng.IntN(19)))}
							k, _ := bt.Schema().EncodeKey(it)
							ops = append(ops, shard.Op{Table: bt, Key: k, Decide: func(shard.Entry) (shard.Write, error) {
								return shard.Write{Item: it}, nil
							}})
						}
						if _, _, _, err := s.MutateMany(ops); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			write(6000)
			if err := l.Snapshot(); err != nil {
				t.Fatal(err)
			}
			write(3000)
			if err := s.UpdateTable(b, []shard.IndexSchema{later}, []byte("ttl=exp2")); err != nil {
				t.Fatal(err)
			}
			b.WaitIndexes(nil)
			write(3000)
			want := state(t, s)
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}

			// The reference: the whole log (kept from its first record:
			// there is no older snapshot), record by record.
			segs, err := listSegments(filepath.Join(dir, "wal"))
			if err != nil {
				t.Fatal(err)
			}
			ref := recoveringStore()
			for i, seg := range segs {
				entries, err := scanSegment(seg, i == len(segs)-1, t.Logf)
				if err != nil {
					t.Fatal(err)
				}
				if i == 0 && (len(entries) == 0 || entries[0].seq != 1) {
					t.Fatal("the log does not reach back to its first record")
				}
				for _, e := range entries {
					r, err := decodeRecord(e.data)
					if err != nil {
						t.Fatal(err)
					}
					applyRecord(ref, &r)
				}
			}
			ref.EndRecovery()
			if got := state(t, ref); got != want {
				t.Fatalf("record by record:\n%.600s\nwant:\n%.600s", got, want)
			}

			// From the snapshot and the log after it.
			names, _ := snapshots(dir)
			if len(names) != 1 {
				t.Fatalf("snapshots %v", names)
			}
			start, _ := parseSnapshotName(names[0])
			sink := &recordingSink{}
			l2, s2 := openT(t, dir, Options{SnapshotBytes: -1, Changes: sink})
			if got := state(t, s2); got != want {
				t.Fatalf("from the snapshot:\n%.600s\nwant:\n%.600s", got, want)
			}
			if got, want := sink.from(0), live.from(start); got != want || got == "" {
				t.Fatalf("stream changes recovered from the snapshot's log:\n%.600s\nwant:\n%.600s", got, want)
			}
			if err := l2.Close(); err != nil {
				t.Fatal(err)
			}

			// From the log alone.
			snap := filepath.Join(dir, names[0])
			if err := os.Rename(snap, snap+".aside"); err != nil {
				t.Fatal(err)
			}
			sink = &recordingSink{}
			l3, s3 := openT(t, dir, Options{SnapshotBytes: -1, Changes: sink})
			defer l3.Close()
			if got := state(t, s3); got != want {
				t.Fatalf("from the log alone:\n%.600s\nwant:\n%.600s", got, want)
			}
			if got, want := sink.from(0), live.from(0); got != want {
				t.Fatalf("stream changes recovered from the log:\n%.600s\nwant:\n%.600s", got, want)
			}
		})
	}
}
