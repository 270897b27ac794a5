package main

import (
	"bytes"
	"strings"
	"testing"
)

func runWith(args []string, env map[string]string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, func(k string) string { return env[k] }, &out, &errb)
	return code, out.String(), errb.String()
}

func TestVersion(t *testing.T) {
	code, out, _ := runWith([]string{"--version"}, nil)
	if code != 0 || !strings.HasPrefix(out, "dynacache ") {
		t.Fatalf("%d %q", code, out)
	}
}

func TestHelp(t *testing.T) {
	code, _, errOut := runWith([]string{"--help"}, nil)
	if code != 0 || !strings.Contains(errOut, "--in-memory") && !strings.Contains(errOut, "-in-memory") {
		t.Fatalf("%d %q", code, errOut)
	}
	for _, f := range []string{"http", "resp", "dir", "in-memory", "fsync", "version"} {
		if !strings.Contains(errOut, "-"+f) {
			t.Errorf("help lacks -%s", f)
		}
	}
}

func TestBadFlags(t *testing.T) {
	if code, _, _ := runWith([]string{"--nope"}, nil); code != 2 {
		t.Fatalf("unknown flag: exit %d", code)
	}
	if code, _, errOut := runWith([]string{"--fsync", "sometimes"}, nil); code != 1 || !strings.Contains(errOut, "invalid --fsync") {
		t.Fatalf("bad fsync: %d %q", code, errOut)
	}
	if code, _, errOut := runWith(nil, map[string]string{"DYNACACHE_FSYNC": "sometimes"}); code != 1 || !strings.Contains(errOut, "invalid --fsync") {
		t.Fatalf("bad fsync from env: %d %q", code, errOut)
	}
	if code, _, errOut := runWith(nil, map[string]string{"DYNACACHE_IN_MEMORY": "maybe"}); code != 2 || !strings.Contains(errOut, "DYNACACHE_IN_MEMORY") {
		t.Fatalf("bad bool from env: %d %q", code, errOut)
	}
	if code, _, errOut := runWith(nil, map[string]string{"DYNACACHE_PROTO_MAX_BULK_LEN": "1000"}); code != 1 || !strings.Contains(errOut, "invalid --proto-max-bulk-len 1000") {
		t.Fatalf("small proto-max-bulk-len from env: %d %q", code, errOut)
	}
	if code, _, errOut := runWith([]string{"--request-timeout", "-1s"}, nil); code != 1 || !strings.Contains(errOut, "invalid --request-timeout") {
		t.Fatalf("negative request timeout: %d %q", code, errOut)
	}
	if code, _, errOut := runWith(nil, map[string]string{"DYNACACHE_REQUEST_TIMEOUT": "soon"}); code != 2 || !strings.Contains(errOut, "DYNACACHE_REQUEST_TIMEOUT") {
		t.Fatalf("bad duration from env: %d %q", code, errOut)
	}
	if code, _, errOut := runWith([]string{"--maxmemory-policy", "lru"}, nil); code != 1 || !strings.Contains(errOut, "invalid --maxmemory-policy \"lru\"") {
		t.Fatalf("unknown policy: %d %q", code, errOut)
	}
	if code, _, errOut := runWith(nil, map[string]string{"DYNACACHE_MAXMEMORY": "lots"}); code != 2 || !strings.Contains(errOut, "DYNACACHE_MAXMEMORY") {
		t.Fatalf("bad maxmemory from env: %d %q", code, errOut)
	}
	if code, _, _ := runWith([]string{"extra"}, nil); code != 2 {
		t.Fatalf("extra argument: exit %d", code)
	}
}

func TestEnvName(t *testing.T) {
	if envName("in-memory") != "DYNACACHE_IN_MEMORY" || envName("http") != "DYNACACHE_HTTP" {
		t.Fatal(envName("in-memory"))
	}
}

func TestListenError(t *testing.T) {
	code, _, errOut := runWith([]string{"--http", "256.0.0.1:1", "--in-memory", "--protected-mode=false"}, nil)
	if code != 1 || !strings.Contains(errOut, "listen on --http") {
		t.Fatalf("%d %q", code, errOut)
	}
}

// TestProtectedMode: listening beyond loopback with nothing that keeps
// strangers out is refused, with a message saying how to allow it.
func TestProtectedMode(t *testing.T) {
	code, _, errOut := runWith([]string{"--http", "0.0.0.0:0", "--resp", "", "--in-memory"}, nil)
	if code != 1 || !strings.Contains(errOut, "without --credentials") || !strings.Contains(errOut, "--protected-mode=false") {
		t.Fatalf("HTTP beyond loopback: %d %q", code, errOut)
	}
	code, _, errOut = runWith([]string{"--http", "127.0.0.1:0", "--resp", ":0", "--in-memory"}, nil)
	if code != 1 || !strings.Contains(errOut, "RESP on :0 without --requirepass") {
		t.Fatalf("RESP beyond loopback: %d %q", code, errOut)
	}
	code, _, errOut = runWith([]string{"--http", "127.0.0.1:0", "--credentials", "/nonexistent/creds", "--in-memory"}, nil)
	if code != 1 || !strings.Contains(errOut, "--credentials") {
		t.Fatalf("missing credentials file: %d %q", code, errOut)
	}
}

func TestUpstreamFlags(t *testing.T) {
	if code, _, errOut := runWith([]string{"--in-memory", "--upstream-region", "us-east-1"}, map[string]string{"DYNACACHE_UPSTREAM": "ftp://example"}); code != 1 || !strings.Contains(errOut, "invalid --upstream") {
		t.Fatalf("bad upstream from env: %d %q", code, errOut)
	}
	if code, _, errOut := runWith([]string{"--in-memory", "--upstream", "http://127.0.0.1:1", "--upstream-timeout", "-1s"}, nil); code != 1 || !strings.Contains(errOut, "invalid --upstream-timeout") {
		t.Fatalf("negative timeout: %d %q", code, errOut)
	}
	if code, _, errOut := runWith([]string{"--item-ttl", "soon"}, nil); code != 2 || !strings.Contains(errOut, "item-ttl") {
		t.Fatalf("bad ttl: %d %q", code, errOut)
	}
}
