package stream_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/stream"
	"github.com/dynacache/dynacache/wal"
)

var schema = shard.KeySchema{HashName: "pk", HashType: attr.S}

// node is a store with its log and its streams, as the server opens them.
type node struct {
	hub   *stream.Hub
	log   *wal.Log
	store *shard.Store
}

func open(t *testing.T, dir string) *node {
	t.Helper()
	hub, err := stream.Open(stream.Options{Dir: filepath.Join(dir, "streams"), ShardInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	log, store, err := wal.Open(dir, wal.Options{Policy: wal.FsyncNo, SnapshotBytes: -1, Changes: hub})
	if err != nil {
		t.Fatal(err)
	}
	store.SetChangeSink(hub)
	return &node{hub: hub, log: log, store: store}
}

func (n *node) close(t *testing.T) {
	t.Helper()
	if err := n.log.Close(); err != nil {
		t.Fatal(err)
	}
	if err := n.hub.Close(); err != nil {
		t.Fatal(err)
	}
}

// got is a record as a test compares it.
type got struct {
	Seq      uint64
	Event    string
	Old, New string
	Service  bool
}

func show(enc []byte) string {
	if enc == nil {
		return ""
	}
	it, err := attr.DecodeItem(enc)
	if err != nil {
		return "bad: " + err.Error()
	}
	return it["pk"].Str + "=" + it["v"].Str
}

// records reads every record of every shard of the table's stream.
func records(t *testing.T, hub *stream.Hub, table string) []got {
	t.Helper()
	var out []got
	for _, s := range hub.Streams() {
		if s.Info().Table != table {
			continue
		}
		for _, sh := range s.Shards() {
			from := sh.Start
			for i := 0; i < 1000; i++ {
				recs, next, _, err := s.Read(sh, from, 100, 1<<20)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range recs {
					out = append(out, got{r.Seq, r.EventName(), show(r.Old), show(r.New), r.Service})
				}
				if next == from {
					break
				}
				from = next
			}
		}
	}
	return out
}

func put(t *testing.T, tb *shard.Table, pk, v string) {
	t.Helper()
	item := attr.Item{"pk": attr.Str(pk), "v": attr.Str(v)}
	k, _ := schema.EncodeKey(item)
	if _, _, err := tb.Mutate(k, func(shard.Entry) (shard.Write, error) { return shard.Write{Item: item}, nil }); err != nil {
		t.Fatal(err)
	}
}

func del(t *testing.T, tb *shard.Table, pk string) {
	t.Helper()
	k, _ := schema.EncodeKey(attr.Item{"pk": attr.Str(pk)})
	if _, _, err := tb.Mutate(k, func(shard.Entry) (shard.Write, error) { return shard.Write{Delete: true}, nil }); err != nil {
		t.Fatal(err)
	}
}

func setup(t *testing.T, n *node) *shard.Table {
	t.Helper()
	tb, err := n.store.CreateTable("tab", schema, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := time.Now().UnixMilli()
	if _, err := n.hub.Create(stream.Info{Table: "tab", ID: id, ViewType: "NEW_AND_OLD_IMAGES", Key: schema}); err != nil {
		t.Fatal(err)
	}
	tb.SetStream(id, true)
	return tb
}

func writeSome(t *testing.T, n *node, tb *shard.Table, round int) {
	t.Helper()
	for i := 0; i < 20; i++ {
		put(t, tb, fmt.Sprint("k", i%7), fmt.Sprint(round, "-", i))
		if i%5 == 4 {
			del(t, tb, fmt.Sprint("k", i%3))
		}
	}
	// A transaction's records, one log record for several changes.
	var ops []shard.Op
	for i := 0; i < 3; i++ {
		item := attr.Item{"pk": attr.Str(fmt.Sprint("tx", i)), "v": attr.Str(fmt.Sprint(round))}
		k, _ := schema.EncodeKey(item)
		ops = append(ops, shard.Op{Table: tb, Key: k, Decide: func(shard.Entry) (shard.Write, error) { return shard.Write{Item: item}, nil }})
	}
	if _, _, _, err := n.store.MutateMany(ops); err != nil {
		t.Fatal(err)
	}
}

// TestStreamsSurviveRestart: the same records, with the same sequence
// numbers, after a clean restart.
func TestStreamsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	n := open(t, dir)
	tb := setup(t, n)
	writeSome(t, n, tb, 1)
	before := records(t, n.hub, "tab")
	if len(before) < 20 {
		t.Fatalf("%d records", len(before))
	}
	n.close(t)

	n = open(t, dir)
	defer n.close(t)
	if after := records(t, n.hub, "tab"); !reflect.DeepEqual(after, before) {
		t.Fatalf("after restart:\n got %v\nwant %v", after, before)
	}
}

// TestStreamsRegeneratedFromLog: records the streams' own logs lost (a
// crash before they reached the disk) come back from the write-ahead log,
// the same, exactly once.
func TestStreamsRegeneratedFromLog(t *testing.T) {
	dir := t.TempDir()
	n := open(t, dir)
	tb := setup(t, n)
	writeSome(t, n, tb, 1)
	mid := len(records(t, n.hub, "tab"))
	writeSome(t, n, tb, 2)
	before := records(t, n.hub, "tab")
	n.close(t)

	// Cut the stream's log back to its first mid records.
	logs, _ := filepath.Glob(filepath.Join(dir, "streams", "tab", "*", "log"))
	if len(logs) != 1 {
		t.Fatalf("stream logs %v", logs)
	}
	r, err := wal.OpenRecords(logs[0], 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.TruncateBack(uint64(mid)); err != nil {
		t.Fatal(err)
	}
	r.Close()

	n = open(t, dir)
	if after := records(t, n.hub, "tab"); !reflect.DeepEqual(after, before) {
		t.Fatalf("regenerated:\n got %v\nwant %v", after, before)
	}
	n.close(t)

	// All of it lost: everything comes back from the log.
	if err := os.RemoveAll(logs[0]); err != nil {
		t.Fatal(err)
	}
	n = open(t, dir)
	defer n.close(t)
	if after := records(t, n.hub, "tab"); !reflect.DeepEqual(after, before) {
		t.Fatalf("regenerated from nothing:\n got %v\nwant %v", after, before)
	}
}

// TestStreamsAcrossSnapshots: a snapshot truncates the write-ahead log only
// once the streams hold its changes durably; a restart then reads the
// older records from the streams' logs and the newer from either.
func TestStreamsAcrossSnapshots(t *testing.T) {
	dir := t.TempDir()
	n := open(t, dir)
	tb := setup(t, n)
	for round := 1; round <= 3; round++ {
		writeSome(t, n, tb, round)
		if err := n.log.Snapshot(); err != nil {
			t.Fatal(err)
		}
	}
	writeSome(t, n, tb, 4)
	before := records(t, n.hub, "tab")
	n.close(t)

	n = open(t, dir)
	defer n.close(t)
	if after := records(t, n.hub, "tab"); !reflect.DeepEqual(after, before) {
		t.Fatalf("after snapshots and restart:\n got %v\nwant %v", after, before)
	}
}

// TestStreamsNoRecordWithoutChange: writes that change nothing make no
// record; a table without a stream makes none.
func TestStreamsNoRecordWithoutChange(t *testing.T) {
	n := open(t, t.TempDir())
	defer n.close(t)
	tb := setup(t, n)
	put(t, tb, "a", "1")
	put(t, tb, "a", "1")
	del(t, tb, "zz")
	plain, err := n.store.CreateTable("plain", schema, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	put(t, plain, "a", "1")
	want := []got{{1, "INSERT", "", "a=1", false}}
	if g := records(t, n.hub, "tab"); !reflect.DeepEqual(g, want) {
		t.Fatalf("got %v want %v", g, want)
	}
}

// TestStreamsTrimmedStayTrimmed: records trimmed by age do not come back
// from the write-ahead log at a restart, even when the trim emptied the
// stream.
func TestStreamsTrimmedStayTrimmed(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	clock := func() time.Time { return now }
	openAt := func() *node {
		hub, err := stream.Open(stream.Options{Dir: filepath.Join(dir, "streams"), ShardInterval: time.Hour, Now: clock})
		if err != nil {
			t.Fatal(err)
		}
		log, store, err := wal.Open(dir, wal.Options{Policy: wal.FsyncNo, SnapshotBytes: -1, Changes: hub})
		if err != nil {
			t.Fatal(err)
		}
		store.SetChangeSink(hub)
		return &node{hub: hub, log: log, store: store}
	}
	n := openAt()
	tb := setup(t, n)
	writeSome(t, n, tb, 1)
	if len(records(t, n.hub, "tab")) == 0 {
		t.Fatal("no records")
	}
	now = now.Add(25 * time.Hour)
	n.hub.Trim()
	if got := records(t, n.hub, "tab"); len(got) != 0 {
		t.Fatalf("after the retention: %v", got)
	}
	n.close(t)
	n = openAt()
	defer n.close(t)
	for _, s := range n.hub.Streams() {
		if st := s.Stats(); st.Held != 0 {
			t.Fatalf("trimmed records came back at restart: %+v", st)
		}
	}
}
