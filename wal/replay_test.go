package wal

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// TestReplayMatchesLiveStore: a log of overwrites, deletes, batches over
// two tables, and a table dropped and created again in the middle,
// replayed from the log alone and over a snapshot taken half way, in one
// run and in many (a small replayRunBytes), recovers exactly the state the
// writers left.
func TestReplayMatchesLiveStore(t *testing.T) {
	for _, tc := range []struct {
		name     string
		snapshot bool
		runBytes int
	}{
		{"log/one-run", false, 256 << 20},
		{"log/many-runs", false, 64 << 10},
		{"snapshot/one-run", true, 256 << 20},
		{"snapshot/many-runs", true, 64 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func(n int) { replayRunBytes = n }(replayRunBytes)
			replayRunBytes = tc.runBytes
			dir := t.TempDir()
			l, s := openT(t, dir, Options{Policy: FsyncNo, SnapshotBytes: -1, SegmentBytes: 256 << 10})
			rng := rand.New(rand.NewPCG(1, 2))
			a, _ := s.CreateTable("a", testSchema, nil, nil)
			b, _ := s.CreateTable("b", testSchema, nil, []byte("meta"))
			write := func(round int, n int) {
				for i := 0; i < n; i++ {
					tb := a
					if rng.IntN(3) == 0 {
						tb = b
					}
					key := fmt.Sprintf("k%d", rng.IntN(3000))
					switch r := rng.IntN(10); {
					case r < 6:
						put(t, tb, key, fmt.Sprintf("v%d-%d", round, i))
					case r < 8:
						del(t, tb, key)
					default: // a batch over both tables
						var ops []shard.Op
						seen := map[string]bool{}
						for j := 0; j < 1+rng.IntN(4); j++ {
							bt := []*shard.Table{a, b}[rng.IntN(2)]
							key := fmt.Sprintf("k%d", rng.IntN(3000))
							if seen[bt.Name()+key] {
								continue
							}
							seen[bt.Name()+key] = true
							it := attr.Item{"pk": attr.Str(key), "v": attr.Str(fmt.Sprintf("b%d-%d-%d", round, i, j))}
							k, _ := bt.Schema().EncodeKey(it)
							deleteIt := rng.IntN(4) == 0
							ops = append(ops, shard.Op{Table: bt, Key: k, Decide: func(shard.Entry) (shard.Write, error) {
								if deleteIt {
									return shard.Write{Delete: true}, nil
								}
								return shard.Write{Item: it}, nil
							}})
						}
						if _, _, _, err := s.MutateMany(ops); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			write(0, 12000)
			if tc.snapshot {
				if err := l.Snapshot(); err != nil {
					t.Fatal(err)
				}
			}
			// Drop b and create it again: the records before the drop must
			// not reach the new table.
			if _, err := s.DeleteTable("b"); err != nil {
				t.Fatal(err)
			}
			b, _ = s.CreateTable("b", testSchema, nil, []byte("again"))
			write(1, 12000)
			want := contents(t, s)
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			l, s = openT(t, dir, Options{SnapshotBytes: -1})
			defer l.Close()
			if got := contents(t, s); got != want {
				t.Fatalf("recovered state differs\ngot  %d bytes\nwant %d bytes", len(got), len(want))
			}
		})
	}
}
