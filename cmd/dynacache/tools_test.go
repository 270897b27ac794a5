package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/wal"
)

// TestTools runs check, dump and repair on a data directory written by
// the log, intact and then with a flipped bit in its log.
func TestTools(t *testing.T) {
	dir := t.TempDir()
	l, s, err := wal.Open(dir, wal.Options{SnapshotBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	ks := shard.KeySchema{HashName: "pk", HashType: attr.S}
	tb, _ := s.CreateTable("tools", ks, nil, nil)
	for _, pk := range []string{"a", "b\"quoted\"", "c"} {
		it := attr.Item{"pk": attr.Str(pk), "n": attr.Num("1.5"), "l": attr.Value{Type: attr.L, List: []attr.Value{attr.Str("x")}}}
		k, _ := ks.EncodeKey(it)
		if _, _, err := tb.Mutate(k, func(shard.Entry) (shard.Write, error) { return shard.Write{Item: it}, nil }); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()

	code, out, errOut := runWith([]string{"check", "--dir", dir}, nil)
	if code != 0 || !strings.Contains(out, "ok:") {
		t.Fatalf("check: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runWith([]string{"dump", "--dir", dir}, nil)
	if code != 0 {
		t.Fatalf("dump: %d %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("dump: %d lines, want 3:\n%s", len(lines), out)
	}
	for _, line := range lines {
		var rec struct {
			TableName string
			Item      map[string]map[string]any
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.TableName != "tools" || rec.Item["n"]["N"] != "1.5" || rec.Item["pk"]["S"] == nil {
			t.Fatalf("dump line %q: %v %+v", line, err, rec)
		}
	}
	if code, _, errOut := runWith([]string{"dump", "--dir", dir, "--table", "none"}, nil); code != 1 || !strings.Contains(errOut, "no table none") {
		t.Fatalf("dump of a missing table: %d %q", code, errOut)
	}

	// A flipped bit in the first put (the last record stays intact).
	seg := filepath.Join(dir, "wal", "00000000000000000001")
	data, _ := os.ReadFile(seg)
	data[len(data)/2] ^= 0x04
	os.WriteFile(seg, data, 0o644)
	code, out, _ = runWith([]string{"check", "--dir", dir}, nil)
	if code != 1 || !strings.Contains(out, "problem:") || !strings.Contains(out, "repair") {
		t.Fatalf("check of a damaged log: %d %q", code, out)
	}
	code, out, errOut = runWith([]string{"repair", "--dir", dir}, nil)
	if code != 0 || !strings.Contains(out, "first bad record") || !strings.Contains(out, "kept in") {
		t.Fatalf("repair: %d %q %q", code, out, errOut)
	}
	if code, out, _ := runWith([]string{"check", "--dir", dir}, nil); code != 0 {
		t.Fatalf("check after repair: %d %q", code, out)
	}
	if code, _, errOut := runWith([]string{"check", "--dir", filepath.Join(dir, "nope")}, nil); code != 2 || errOut == "" {
		t.Fatalf("check of a missing directory: %d %q", code, errOut)
	}
}
