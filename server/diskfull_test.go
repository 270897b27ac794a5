package server_test

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// mountSmallDisk mounts a tmpfs of size bytes on a new directory, or skips
// the test where that is not allowed (not root, no tmpfs).
func mountSmallDisk(t *testing.T, size int) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("needs Linux tmpfs")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill up (%v): the disk-full test needs root", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// fill writes to path until the file system is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	for i := 0; i < 1<<20; i++ {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the disk: %v", err)
			}
			return
		}
	}
	t.Fatal("the disk did not fill up")
}

// process is a dynacache binary the test runs, with the lines it printed.
type process struct {
	cmd        *exec.Cmd
	url, resp  string
	mu         sync.Mutex
	out        []string
	outputDone chan struct{}
}

var respLine = regexp.MustCompile(`RESP listening on ([0-9.:]+)`)

func startBoth(t *testing.T, args ...string) *process {
	t.Helper()
	s := &process{cmd: exec.Command(dynacacheBinary(t), args...), outputDone: make(chan struct{})}
	stdout, _ := s.cmd.StdoutPipe()
	s.cmd.Stderr = s.cmd.Stdout
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	go func() {
		signalled := false
		defer close(s.outputDone)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.out = append(s.out, line)
			if m := listenLine.FindStringSubmatch(line); m != nil {
				s.url = "http://" + m[1]
			}
			if m := respLine.FindStringSubmatch(line); m != nil {
				s.resp = m[1]
			}
			if s.url != "" && s.resp != "" && !signalled {
				close(ready)
				signalled = true
			}
			s.mu.Unlock()
		}
	}()
	select {
	case <-ready:
	case <-s.outputDone:
		t.Fatalf("server exited before listening:\n%s", s.output())
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		t.Fatal("server did not start in 30s")
	}
	return s
}

func (s *process) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.out, "\n")
}

func (s *process) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
	<-s.outputDone
}

// respDo sends one command and returns the first line of the reply.
func respDo(t *testing.T, addr string, args ...string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	c.Write([]byte(b.String()))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimRight(line, "\r\n")
}

// TestDiskFull runs the binary on a small file system that fills up: a
// write the log refuses gets an error and is not visible (over HTTP and
// RESP); a restart on the still-full disk, with a torn tail that cannot
// be cut, starts read-only and says so; once there is room again, the
// restart repairs the tail and takes writes, with every acknowledged write
// there.
func TestDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("disk-full test skipped in -short mode")
	}
	disk := mountSmallDisk(t, 8<<20)
	data := filepath.Join(disk, "data")
	filler := filepath.Join(disk, "filler")
	args := []string{"--http", "127.0.0.1:0", "--resp", "127.0.0.1:0", "--dir", data, "--fsync", "always", "--snapshot-bytes", "-1"}

	srv := startBoth(t, args...)
	defer func() { srv.kill() }()
	mustCall := func(url, op, body string) string {
		t.Helper()
		st, b, err := call(url, op, body)
		if err != nil || st != 200 {
			t.Fatalf("%s: %d %s %v", op, st, b, err)
		}
		return string(b)
	}
	mustCall(srv.url, "CreateTable", `{"TableName":"full","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`)
	pad := strings.Repeat("x", 30000)
	put := func(url, key string) (int, string) {
		st, b, err := call(url, "PutItem", fmt.Sprintf(`{"TableName":"full","Item":{"pk":{"S":%q},"pad":{"S":%q}}}`, key, pad))
		if err != nil {
			t.Fatal(err)
		}
		return st, string(b)
	}
	acked := 0
	for ; acked < 5; acked++ {
		if st, b := put(srv.url, fmt.Sprint("k", acked)); st != 200 {
			t.Fatalf("put before the disk filled: %d %s", st, b)
		}
	}
	fill(t, filler)
	refused := ""
	for i := acked; i < acked+300; i++ {
		key := fmt.Sprint("k", i)
		st, b := put(srv.url, key)
		if st == 200 {
			acked++ // the log's page had room left
			continue
		}
		if st != 500 || !strings.Contains(b, "InternalServerError") || !strings.Contains(b, "refusing further writes") {
			t.Fatalf("put on a full disk: %d %s", st, b)
		}
		refused = key
		break
	}
	if refused == "" {
		t.Fatal("no write was refused on a full disk")
	}
	if b := mustCall(srv.url, "GetItem", fmt.Sprintf(`{"TableName":"full","Key":{"pk":{"S":%q}}}`, refused)); strings.Contains(b, `"Item"`) {
		t.Fatalf("the refused write is visible: %.200s", b)
	}
	if b := mustCall(srv.url, "Scan", `{"TableName":"full","Select":"COUNT"}`); !strings.Contains(b, fmt.Sprintf(`"Count":%d,`, acked)) {
		t.Fatalf("Scan after a refused write: %s, want Count %d", b, acked)
	}
	if r := respDo(t, srv.resp, "SET", "rk", "v"); !strings.HasPrefix(r, "-") {
		t.Fatalf("RESP SET on a failed log: %q", r)
	}
	if r := respDo(t, srv.resp, "GET", "rk"); r != "$-1" {
		t.Fatalf("RESP GET of a refused SET: %q", r)
	}
	srv.kill()

	// A torn tail (a record cut short by the crash) that recovery cannot
	// cut, since keeping the cut bytes needs room.
	segs, _ := filepath.Glob(filepath.Join(data, "wal", "0*"))
	last := segs[len(segs)-1]
	os.Truncate(filler, 0)
	f, err := os.OpenFile(last, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{0x80, 0x01, 0xde, 0xad}) // an entry of 128 bytes, 2 present
	f.Close()
	fill(t, filler)

	srv = startBoth(t, args...)
	if out := srv.output(); !strings.Contains(out, "read-only") {
		t.Fatalf("start on a full disk did not say it is read-only:\n%s", out)
	}
	for i := 0; i < acked; i++ {
		if b := mustCall(srv.url, "GetItem", fmt.Sprintf(`{"TableName":"full","Key":{"pk":{"S":"k%d"}},"ProjectionExpression":"pk"}`, i)); !strings.Contains(b, `"Item"`) {
			t.Fatalf("read-only start lost acknowledged k%d", i)
		}
	}
	if st, b := put(srv.url, "after"); st != 500 || !strings.Contains(b, "read-only") {
		t.Fatalf("put on a read-only start: %d %s", st, b)
	}
	srv.kill()

	os.Remove(filler)
	srv = startBoth(t, args...)
	if out := srv.output(); !strings.Contains(out, "repaired a torn tail") {
		t.Fatalf("restart with room did not repair the tail:\n%s", out)
	}
	if st, b := put(srv.url, "after"); st != 200 {
		t.Fatalf("put after the repair: %d %s", st, b)
	}
	if b := mustCall(srv.url, "Scan", `{"TableName":"full","Select":"COUNT"}`); !strings.Contains(b, fmt.Sprintf(`"Count":%d,`, acked+1)) {
		t.Fatalf("Scan after the repair: %s, want Count %d", b, acked+1)
	}
}
