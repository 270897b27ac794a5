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
	code, _, errOut := runWith([]string{"--http", "256.0.0.1:1", "--in-memory"}, nil)
	if code != 1 || !strings.Contains(errOut, "listen on --http") {
		t.Fatalf("%d %q", code, errOut)
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
