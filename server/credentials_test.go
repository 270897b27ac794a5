package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadCredentials(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) string {
		p := filepath.Join(dir, "creds")
		os.WriteFile(p, []byte(s), 0o600)
		return p
	}
	creds, err := LoadCredentials(write("# keys\nAKID1 secret1\n\n  AKID2\tsecret/2+x  \n"))
	if err != nil || len(creds) != 2 || creds["AKID1"] != "secret1" || creds["AKID2"] != "secret/2+x" {
		t.Fatalf("%v %v", creds, err)
	}
	for body, want := range map[string]string{
		"AKID1\n":     ":1: want ACCESS_KEY_ID SECRET_ACCESS_KEY, found 1 fields",
		"A s\nA t\n":  ":2: access key A given twice",
		"# nothing\n": "no ACCESS_KEY_ID SECRET_ACCESS_KEY line",
		"A s extra\n": "found 3 fields",
	} {
		if _, err := LoadCredentials(write(body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", body, err, want)
		}
	}
}
