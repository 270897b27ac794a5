package wal_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/wal"
)

// gateSink holds the first change handed to it until released.
type gateSink struct {
	entered, release chan struct{}
	delivered        atomic.Bool
	calls            atomic.Int32
}

func (g *gateSink) Changes(uint64, []shard.Change) {
	if g.calls.Add(1) == 1 {
		close(g.entered)
		<-g.release
	}
	g.delivered.Store(true)
}
func (g *gateSink) Sync() error            { return nil }
func (g *gateSink) Recovered(uint64) error { return nil }

// TestSyncWaitsForTheSink: Sync returns only once the changes of every
// record appended before it have reached the change sink, even when the
// records' group was taken by a commit still handing them over (package
// pitr reads a table's history right after a Sync).
func TestSyncWaitsForTheSink(t *testing.T) {
	sink := &gateSink{entered: make(chan struct{}), release: make(chan struct{})}
	log, store, err := wal.Open(t.TempDir(), wal.Options{Policy: wal.FsyncNo, SnapshotBytes: -1, Changes: sink})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	schema := shard.KeySchema{HashName: "pk", HashType: attr.S}
	tb, err := store.CreateTable("t", schema, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tb.SetPITR(true)
	k, _ := schema.EncodeKey(attr.Item{"pk": attr.Str("a")})
	wrote := make(chan error, 1)
	go func() {
		_, _, err := tb.Mutate(k, func(shard.Entry) (shard.Write, error) {
			return shard.Write{Item: attr.Item{"pk": attr.Str("a")}}, nil
		})
		wrote <- err
	}()
	<-sink.entered // the record is written; its change is on its way
	go func() {
		// Gives a Sync that would not wait the time to return early.
		time.Sleep(20 * time.Millisecond)
		close(sink.release)
	}()
	if err := log.Sync(); err != nil {
		t.Fatal(err)
	}
	if !sink.delivered.Load() {
		t.Fatal("Sync returned before the change of a written record reached the sink")
	}
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
}
