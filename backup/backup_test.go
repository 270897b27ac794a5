package backup

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// table returns a table of n items {id: "k<i>", v: i}.
func table(t testing.TB, n int) *shard.Table {
	t.Helper()
	st := shard.New(nil)
	schema := shard.KeySchema{HashName: "id", HashType: attr.S}
	tb, err := st.CreateTable("T", schema, nil, []byte(`{"d":{"TableName":"T"}}`))
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		it := attr.Item{"id": attr.Str("k" + strconv.Itoa(i)), "v": attr.Num(strconv.Itoa(i))}
		k, err := schema.EncodeKey(it)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := tb.Mutate(k, func(shard.Entry) (shard.Write, error) { return shard.Write{Item: it}, nil }); err != nil {
			t.Fatal(err)
		}
	}
	return tb
}

func header(id string) Header {
	return Header{ARN: "arn:aws:dynamodb:us-east-1:000000000000:table/T/backup/" + id, ID: id, Name: "b", Table: "T",
		CreatedMs: 1_700_000_000_000, Info: []byte(`{"d":{"TableName":"T"}}`)}
}

// waitAvailable polls until the backup is AVAILABLE.
func waitAvailable(t *testing.T, c *Catalog, arn string) View {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		v, ok := c.Get(arn)
		if !ok {
			t.Fatalf("backup %s is gone", arn)
		}
		if v.Status == Available {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("backup %s still %s", arn, v.Status)
		}
		time.Sleep(time.Millisecond)
	}
}

func collect(t *testing.T, r *Reader) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := r.Items(func(k shard.Key, enc []byte, size int) error {
		it, err := attr.DecodeItem(enc)
		if err != nil {
			return err
		}
		if size != attr.ItemSize(it) {
			t.Fatalf("size %d, item's %d", size, attr.ItemSize(it))
		}
		got[it["id"].Str] = it["v"].Str
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestCatalogFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	synced := 0
	c, err := Open(Options{Dir: dir, Sync: func() error { synced++; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	tb := table(t, 1000)
	f, err := tb.Freeze()
	if err != nil {
		t.Fatal(err)
	}
	h := header("01700000000000-0000abcd")
	if _, err := c.Create(h, f); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(h, f); !errors.Is(err, ErrExists) {
		t.Fatalf("second create: %v", err)
	}
	v := waitAvailable(t, c, h.ARN)
	if v.Items != 1000 || v.Bytes != tb.SizeBytes() || synced != 1 {
		t.Fatalf("view %+v, synced %d", v, synced)
	}
	c.Close()

	// A leftover temporary file goes; the backup is listed again.
	os.WriteFile(filepath.Join(dir, "01700000000001-00000000.dcb.tmp"), []byte("partial"), 0o644)
	c2, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "01700000000001-00000000.dcb.tmp")); !os.IsNotExist(err) {
		t.Fatal("temporary file kept")
	}
	list := c2.List()
	if len(list) != 1 || list[0].ARN != h.ARN || list[0].Status != Available || list[0].Items != 1000 || string(list[0].Info) != string(h.Info) {
		t.Fatalf("listed %+v", list)
	}
	r, err := c2.Open(h.ARN)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Verify(); err != nil {
		t.Fatal(err)
	}
	got := collect(t, r)
	if len(got) != 1000 || got["k7"] != "7" {
		t.Fatalf("read %d items, k7=%q", len(got), got["k7"])
	}
	if _, err := c2.Delete(h.ARN); !errors.Is(err, ErrInUse) {
		t.Fatalf("delete while read: %v", err)
	}
	r.Close()
	r.Close() // idempotent
	if _, err := c2.Delete(h.ARN); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, h.ID+".dcb")); !os.IsNotExist(err) {
		t.Fatal("file kept after delete")
	}
	if _, err := c2.Delete(h.ARN); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestCatalogInMemory(t *testing.T) {
	c, _ := Open(Options{})
	tb := table(t, 100)
	f, _ := tb.Freeze()
	h := header("01700000000000-00000001")
	c.Create(h, f)
	waitAvailable(t, c, h.ARN)
	// The copy is unchanged by later writes.
	for i := range 100 {
		k, _ := tb.Schema().EncodeKey(attr.Item{"id": attr.Str("k" + strconv.Itoa(i))})
		tb.Mutate(k, func(shard.Entry) (shard.Write, error) { return shard.Write{Delete: true}, nil })
	}
	r, err := c.Open(h.ARN)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := collect(t, r); len(got) != 100 {
		t.Fatalf("read %d items", len(got))
	}
}

func TestCatalogSyncFailureDropsBackup(t *testing.T) {
	var logged []string
	c, _ := Open(Options{Dir: t.TempDir(), Sync: func() error { return errors.New("disk gone") },
		Logf: func(format string, args ...any) { logged = append(logged, format) }})
	f, _ := table(t, 3).Freeze()
	h := header("01700000000000-00000002")
	c.Create(h, f)
	c.Close()
	if _, ok := c.Get(h.ARN); ok || len(logged) != 1 {
		t.Fatalf("failed backup kept (logged %v)", logged)
	}
	if ents, _ := os.ReadDir(c.opts.Dir); len(ents) != 0 {
		t.Fatalf("files left: %v", ents)
	}
}

// TestFileCorruption damages a backup file in several ways: the listing
// at start, or the restore's verification, refuses it.
func TestFileCorruption(t *testing.T) {
	dir := t.TempDir()
	c, _ := Open(Options{Dir: dir})
	f, _ := table(t, 50).Freeze()
	h := header("01700000000000-00000003")
	c.Create(h, f)
	c.Close()
	path := filepath.Join(dir, h.ID+".dcb")
	good, _ := os.ReadFile(path)
	for _, tc := range []struct {
		name    string
		damage  func([]byte) []byte
		atStart bool // refused by Open, not only by Verify
	}{
		{"truncated", func(b []byte) []byte { return b[:len(b)-3] }, true},
		{"bit flip in an item", func(b []byte) []byte { b[len(b)/2] ^= 0x10; return b }, false},
		{"zeroed end", func(b []byte) []byte {
			for i := len(b) - endFrameLen; i < len(b); i++ {
				b[i] = 0
			}
			return b
		}, true},
		{"bad magic", func(b []byte) []byte { b[0] = 'X'; return b }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.WriteFile(path, tc.damage(bytes.Clone(good)), 0o644)
			c, err := Open(Options{Dir: dir})
			if tc.atStart {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("open: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			r, err := c.Open(h.ARN)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if err := r.Verify(); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("verify: %v", err)
			}
		})
	}
}

// FuzzReadFrom feeds arbitrary bytes to the backup file reader: it
// returns an error or items, never panics or loops.
func FuzzReadFrom(f *testing.F) {
	var buf bytes.Buffer
	fr, _ := table(f, 5).Freeze()
	h := header("01700000000000-00000004")
	writeFrames(&buf, &h, fr)
	f.Add(buf.Bytes())
	f.Add([]byte(fileMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		readFrom(bytes.NewReader(data), "fuzz", func(k shard.Key, enc []byte, size int) error {
			n++
			return nil
		})
	})
}
