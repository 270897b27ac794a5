package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

var (
	httpLine = regexp.MustCompile(`DynamoDB API listening on http://([0-9.:]+)`)
	respLine = regexp.MustCompile(`RESP listening on ([0-9.:]+)`)
)

// End to end: build the real binary, start it in memory on free loopback
// ports, run `dynacache bench` against it as a user would (a separate
// process), and check it exits 0 and reports the operations it ran.
func TestEndToEndBench(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "dynacache")
	if out, err := exec.CommandContext(ctx, goBin, "build", "-o", bin, "github.com/dynacache/dynacache/cmd/dynacache").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	srv := exec.CommandContext(ctx, bin, "--http", "127.0.0.1:0", "--resp", "127.0.0.1:0", "--in-memory")
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	srv.Stderr = srv.Stdout
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = srv.Process.Signal(syscall.SIGTERM)
		_ = srv.Wait()
	}()

	// Read the start-up lines until the HTTP one (and the RESP one, which
	// comes first when the RESP port is there), within a deadline.
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var httpAddr, respAddr string
	deadline := time.After(30 * time.Second)
	// "in memory: nothing is persisted" is the last start-up line.
	for ready := false; !ready; {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("server exited before listening")
			}
			if m := httpLine.FindStringSubmatch(l); m != nil {
				httpAddr = m[1]
			}
			if m := respLine.FindStringSubmatch(l); m != nil {
				respAddr = m[1]
			}
			ready = strings.Contains(l, "in memory")
		case <-deadline:
			t.Fatal("server did not start within 30s")
		}
	}
	go func() {
		for range lines { // keep the pipe drained
		}
	}()
	if httpAddr == "" {
		t.Fatal("no DynamoDB API listening line")
	}

	bench := func(args ...string) Report {
		t.Helper()
		cmd := exec.CommandContext(ctx, bin, append([]string{"bench"}, args...)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("dynacache bench %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out.String(), errb.String())
		}
		var rep Report
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("bench output: %v\n%s", err, out.String())
		}
		return rep
	}
	rep := bench("--target", "http://"+httpAddr, "--workload", "c", "--records", "100", "--ops", "200",
		"--connections", "2", "--warmup", "0s", "--json")
	tr := rep.Targets[0]
	if tr.Total.Count != 200 || tr.Total.Errors != 0 || tr.Total.Misses != 0 || len(tr.Ops) != 1 || tr.Ops[0].Op != "GetItem" {
		t.Errorf("HTTP workload C: %+v", tr.Total)
	}
	if tr.Load == nil || tr.Load.Records != 100 || tr.Load.Errors != 0 {
		t.Errorf("HTTP load: %+v", tr.Load)
	}
	if tr.Ops[0].Latency.P50 <= 0 || tr.Ops[0].Latency.Max < tr.Ops[0].Latency.P99 {
		t.Errorf("latencies: %+v", tr.Ops[0].Latency)
	}

	// Transactions against the loaded records: no error, every read found.
	for _, wl := range []struct{ name, op string }{{"tx-write-10", "TransactWriteItems"}, {"tx-get-2", "TransactGetItems"}} {
		rep = bench("--target", "http://"+httpAddr, "--workload", wl.name, "--records", "100", "--skip-load", "--ops", "100",
			"--connections", "2", "--warmup", "0s", "--json")
		if tr := rep.Targets[0]; tr.Total.Count != 100 || tr.Total.Errors != 0 || tr.Total.Misses != 0 || len(tr.Ops) != 1 || tr.Ops[0].Op != wl.op {
			t.Errorf("%s: %+v %+v", wl.name, tr.Total, tr.Ops)
		}
	}

	if respAddr == "" {
		t.Log("the server has no RESP port yet: RESP part skipped")
		return
	}
	rep = bench("--target", "resp://"+respAddr, "--workload", "a", "--records", "100", "--ops", "200",
		"--connections", "2", "--pipeline", "4", "--warmup", "0s", "--json")
	if tr := rep.Targets[0]; tr.Total.Count != 200 || tr.Total.Errors != 0 {
		t.Errorf("RESP workload A: %+v", tr.Total)
	}
}
