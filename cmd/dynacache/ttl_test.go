package main

import (
	"strings"
	"testing"
)

func TestTTLIntervalFlag(t *testing.T) {
	if code, _, errOut := runWith([]string{"--in-memory", "--ttl-interval", "-1s"}, nil); code != 1 || !strings.Contains(errOut, "invalid --ttl-interval -1s: must not be negative") {
		t.Fatalf("negative interval: %d %q", code, errOut)
	}
	if code, _, errOut := runWith([]string{"--ttl-interval", "often"}, nil); code != 2 || !strings.Contains(errOut, "ttl-interval") {
		t.Fatalf("bad interval: %d %q", code, errOut)
	}
	if code, _, errOut := runWith([]string{"--in-memory"}, map[string]string{"DYNACACHE_TTL_INTERVAL": "-2s"}); code != 1 || !strings.Contains(errOut, "invalid --ttl-interval -2s") {
		t.Fatalf("negative interval from env: %d %q", code, errOut)
	}
}
