package accel

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard"
)

// node returns an accelerator with dir in front of up (coherence by TTL:
// the standalone dynacache has no streams).
func node(t *testing.T, up, dir string, logs *bytes.Buffer) *Accelerator {
	t.Helper()
	a, err := New(Options{Upstream: up, Region: "us-east-1", CacheBytes: 8 << 20, ItemTTL: time.Hour, Dir: dir, SaveEvery: -1,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		Logger:      slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	return a
}

func serve(t *testing.T, a *Accelerator, op, body string) string {
	t.Helper()
	reply, e := a.Serve(dynamodb.Target(op), []byte(body))
	if e != nil {
		t.Fatalf("%s: %s", op, e.Message)
	}
	return string(reply)
}

// Without streams, a saved entry comes back with its original expiry; a
// damaged file is refused whole (the node starts cold and says so).
func TestSavedEntryKeepsExpiry(t *testing.T) {
	up := httptest.NewServer(dynamodb.NewHandler(shard.New(nil), dynamodb.Options{}))
	t.Cleanup(up.Close)
	dir := t.TempDir()
	var logs bytes.Buffer
	a := node(t, up.URL, dir, &logs)
	serve(t, a, "CreateTable", `{"TableName":"Tab","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`)
	serve(t, a, "PutItem", `{"TableName":"Tab","Item":{"pk":{"S":"k"},"v":{"S":"1"}}}`)
	a.Wait()
	var want int64
	a.cache.index.Range(func(k, v any) bool { want = v.(*entry).expires; return true })
	if want == 0 {
		t.Fatal("no entry to save")
	}
	a.Close()

	b := node(t, up.URL, dir, &logs)
	var got int64
	n := 0
	b.cache.index.Range(func(k, v any) bool { got = v.(*entry).expires; n++; return true })
	if n != 1 || got != want {
		t.Fatalf("after the restart: %d entries, expiry %d, want 1 entry expiring at %d", n, got, want)
	}
	if reply := serve(t, b, "GetItem", `{"TableName":"Tab","Key":{"pk":{"S":"k"}}}`); reply != `{"Item":{"pk":{"S":"k"},"v":{"S":"1"}}}` {
		t.Fatalf("GetItem: %s", reply)
	}
	if st := b.Stats(); st.Hits != 1 || st.Misses != 0 {
		t.Fatalf("not a hit: %+v", st)
	}
	b.Close()

	path := filepath.Join(dir, cacheFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]byte{data[:len(data)-1], append(append([]byte{}, data[:20]...), append([]byte{data[20] ^ 1}, data[21:]...)...)} {
		if err := os.WriteFile(path, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		logs.Reset()
		c := node(t, up.URL, dir, &logs)
		n := 0
		c.cache.index.Range(func(k, v any) bool { n++; return true })
		if n != 0 || !bytes.Contains(logs.Bytes(), []byte("starting cold")) {
			t.Fatalf("a damaged file was loaded (%d entries); log:\n%s", n, logs.String())
		}
		c.Close()
	}
}

// FuzzReadCacheFile: any file reads back or is refused, never a panic or
// an allocation beyond the limit.
func FuzzReadCacheFile(f *testing.F) {
	f.Add([]byte(cacheMagic + "\x02\x00\x00\x00[]\x00\x00\x00\x00"))
	f.Add([]byte(cacheMagic + "\x00\x00\x00\x00\x05\x00\x00\x00T\x00abc"))
	f.Add([]byte("DCACCEL0"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "f")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		tables, entries, err := readCacheFile(path, 1<<20)
		if err != nil && (tables != nil || entries != nil) {
			t.Fatal("an error with results")
		}
	})
}

// The seed file in testdata reads back (the format has not drifted).
func TestCacheFileSeed(t *testing.T) {
	data, err := os.ReadFile("testdata/fuzz/FuzzReadCacheFile/valid")
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitN(data, []byte("\n"), 3)
	raw, err := strconv.Unquote(string(bytes.TrimSuffix(bytes.TrimPrefix(lines[1], []byte("[]byte(")), []byte(")"))))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte(raw), 0o644); err != nil {
		t.Fatal(err)
	}
	tables, entries, err := readCacheFile(path, 1<<20)
	if err != nil || len(tables) != 1 || len(entries) != 1 || entries[0].at != 1<<60 || entries[0].seq != "100000000000000000001" {
		t.Fatalf("%v %+v %+v", err, tables, entries)
	}
}
