package pitr

import (
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

var schema = shard.KeySchema{HashName: "pk", HashType: attr.S}

func key(t testing.TB, pk string) shard.Key {
	k, err := schema.EncodeKey(attr.Item{"pk": attr.Str(pk)})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// fakeNow is a settable present for the recovery windows.
type fakeNow struct{ ms atomic.Int64 }

func (f *fakeNow) now() time.Time {
	if ms := f.ms.Load(); ms != 0 {
		return time.UnixMilli(ms)
	}
	return time.Now()
}

// contents returns the table's items, key to encoding.
func contents(t testing.TB, tb *shard.Table) map[string]string {
	f, err := tb.Freeze()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	f.Items(func(k shard.Key, e shard.Entry) error {
		out[string(k)] = string(e.Encoded())
		return nil
	})
	return out
}

func imageContents(t testing.TB, k *Keeper, table string, ms int64) (map[string]string, error) {
	img, err := k.Image(table, ms)
	if err != nil {
		return nil, err
	}
	defer img.Close()
	out := map[string]string{}
	err = img.Items(func(key shard.Key, enc []byte) error {
		if _, dup := out[string(key)]; dup {
			return fmt.Errorf("key %q twice", key)
		}
		out[string(key)] = string(enc)
		return nil
	})
	return out, err
}

// afterNow returns now (ms) once the clock has passed it.
func afterNow() int64 {
	now := time.Now().UnixMilli()
	for i := 0; time.Now().UnixMilli() <= now && i < 1000000; i++ {
	}
	return now
}

type point struct {
	ms    int64
	items map[string]string
}

// writeRandom runs n random puts and deletes over 50 keys from 3 goroutines.
func writeRandom(t testing.TB, tb *shard.Table, seed int64, n int) {
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(seed*10 + int64(w)))
			for i := 0; i < n; i++ {
				pk := "k" + strconv.Itoa(rng.Intn(50))
				del := rng.Intn(4) == 0
				v := strconv.Itoa(rng.Intn(1e6))
				_, _, err := tb.Mutate(key(t, pk), func(shard.Entry) (shard.Write, error) {
					if del {
						return shard.Write{Delete: true}, nil
					}
					return shard.Write{Item: attr.Item{"pk": attr.Str(pk), "v": attr.Num(v)}}, nil
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
}

func open(t *testing.T, dir string, now *fakeNow, o Options) *Keeper {
	t.Helper()
	o.Dir, o.MaintainEvery, o.Now = dir, -1, now.now
	k, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestKeeperImagesBasesTrim: images at recorded instants equal the table
// then, across new bases taken as the log grows; the recovery period trims
// old bases and entries (moving the earliest restorable time) without
// changing any image left in the window; after a reopen the same holds;
// in memory too.
func TestKeeperImagesBasesTrim(t *testing.T) {
	for _, onDisk := range []bool{true, false} {
		t.Run(fmt.Sprintf("disk=%v", onDisk), func(t *testing.T) {
			dir := ""
			if onDisk {
				dir = t.TempDir()
			}
			now := &fakeNow{}
			k := open(t, dir, now, Options{BaseLogBytes: 2000, BaseInterval: time.Hour})
			defer func() { k.Close() }()
			store := shard.New(nil)
			store.SetChangeSink(k)
			k.Attach(store, nil)
			tb, _ := store.CreateTable("T", schema, nil, nil)
			writeRandom(t, tb, 1, 50) // before: in the first base
			if err := k.Enable(tb, 1, 24*time.Hour); err != nil {
				t.Fatal(err)
			}
			var points []point
			for round := 0; round < 6; round++ {
				writeRandom(t, tb, int64(round+2), 40)
				points = append(points, point{afterNow(), contents(t, tb)})
				k.Maintain() // a new base: the log outgrew BaseLogBytes
			}
			if s := k.Stats(); s.Bases < 4 || s.Tables != 1 || s.Bytes <= 0 {
				t.Fatalf("stats %+v", s)
			}
			check := func(from int) {
				t.Helper()
				for i, p := range points[from:] {
					got, err := imageContents(t, k, "T", p.ms)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got, p.items) {
						t.Fatalf("point %d: %d items, want %d", from+i, len(got), len(p.items))
					}
				}
			}
			check(0)
			// A day after point 3: the bases before the newest at or
			// before it go, and the log they alone needed.
			before := k.Stats()
			now.ms.Store(points[3].ms + 24*3600*1000)
			k.Maintain()
			after := k.Stats()
			if after.Bases >= before.Bases || after.Entries >= before.Entries || after.Bytes >= before.Bytes {
				t.Fatalf("trim: before %+v after %+v", before, after)
			}
			earliest, latest, err := k.Window("T")
			if err != nil || earliest != points[3].ms || latest != now.ms.Load() {
				t.Fatalf("window %d..%d %v, want %d..%d", earliest, latest, err, points[3].ms, now.ms.Load())
			}
			if _, err := k.Image("T", points[2].ms); !errors.Is(err, ErrTime) {
				t.Fatalf("before the window: %v", err)
			}
			check(3)
			if !onDisk {
				return
			}
			k.Close()
			k = open(t, dir, now, Options{})
			store.SetChangeSink(k)
			k.Attach(store, nil)
			check(3)
			// More writes after the reopen join the same history.
			writeRandom(t, tb, 99, 30)
			points = append(points, point{afterNow(), contents(t, tb)})
			check(3)
		})
	}
}

// TestKeeperRecovered: entries of positions the log lost (at or after its
// next position) are dropped; the positions are then used again.
func TestKeeperRecovered(t *testing.T) {
	dir := t.TempDir()
	now := &fakeNow{}
	k := open(t, dir, now, Options{})
	defer func() { k.Close() }()
	store := shard.New(nil)
	k.Attach(store, nil)
	tb, _ := store.CreateTable("T", schema, nil, nil)
	if err := k.Enable(tb, 5, time.Hour); err != nil {
		t.Fatal(err)
	}
	put := func(pos uint64, pk, v string) {
		enc := attr.EncodeItem(attr.Item{"pk": attr.Str(pk), "v": attr.Num(v)})
		k.Changes(pos, []shard.Change{{Table: "T", Stream: shard.TapOnly, Key: key(t, pk), New: enc, Time: time.Now().UnixMilli()}})
	}
	put(10, "a", "1")
	put(11, "b", "2")
	put(11, "b", "3") // a position held already: ignored
	put(12, "a", "4")
	put(13, "c", "5")
	k.Close()
	k = open(t, dir, now, Options{})
	k.Attach(store, nil)
	put(12, "a", "9") // recovery hands position 12 again: held
	if err := k.Recovered(12); err != nil {
		t.Fatal(err)
	}
	put(12, "z", "6") // the log's new record 12
	got, err := imageContents(t, k, "T", afterNow())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "1", "b": "2", "z": "6"}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %v", got, want)
	}
	for pk, v := range want {
		it, err := attr.DecodeItem([]byte(got[string(key(t, pk))]))
		if err != nil || !reflect.DeepEqual(it, attr.Item{"pk": attr.Str(pk), "v": attr.Num(v)}) {
			t.Fatalf("%s: %v %v, want v=%s", pk, it, err, v)
		}
	}
	// A history whose table is not kept goes.
	k.Retain(map[string]int64{"T": 6})
	if _, err := k.Image("T", afterNow()); !errors.Is(err, ErrNotEnabled) {
		t.Fatalf("after Retain: %v", err)
	}
}

// TestKeeperMaxBytes: over MaxBytes the oldest bases go first, the newest
// base and the log after it stay, and the bound is reported.
func TestKeeperMaxBytes(t *testing.T) {
	now := &fakeNow{}
	var logged atomic.Value
	k := open(t, t.TempDir(), now, Options{BaseLogBytes: 1000, Logf: func(f string, a ...any) { logged.Store(fmt.Sprintf(f, a...)) }})
	defer k.Close()
	store := shard.New(nil)
	store.SetChangeSink(k)
	k.Attach(store, nil)
	tb, _ := store.CreateTable("T", schema, nil, nil)
	if err := k.Enable(tb, 1, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	var last point
	for round := 0; round < 5; round++ {
		writeRandom(t, tb, int64(round), 40)
		last = point{afterNow(), contents(t, tb)}
		k.Maintain()
	}
	s := k.Stats()
	if s.Bases < 3 {
		t.Fatalf("stats %+v", s)
	}
	k.opts.MaxBytes = s.Bytes / 2
	k.Maintain()
	if s2 := k.Stats(); s2.Bases >= s.Bases || s2.Bytes >= s.Bytes {
		t.Fatalf("bound: before %+v after %+v", s, s2)
	}
	if msg, _ := logged.Load().(string); !strings.Contains(msg, "--pitr-max-bytes") {
		t.Fatalf("logged %q", msg)
	}
	got, err := imageContents(t, k, "T", last.ms)
	if err != nil || !reflect.DeepEqual(got, last.items) {
		t.Fatalf("latest after the bound: %v", err)
	}
}
