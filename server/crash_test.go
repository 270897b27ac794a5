package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildBinary builds cmd/dynacache once per test binary.
var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func dynacacheBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "dynacache-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "dynacache")
		out, err := exec.Command("go", "build", "-race", "-o", binPath, "../cmd/dynacache").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

var listenLine = regexp.MustCompile(`DynamoDB API listening on http://([0-9.:]+)`)

// startServer runs the binary and returns its process and base URL.
func startServer(t *testing.T, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(dynacacheBinary(t), args...)
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
		close(lines)
	}()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("server exited before listening")
			}
			t.Log(line)
			if m := listenLine.FindStringSubmatch(line); m != nil {
				go func() {
					for range lines {
					}
				}()
				return cmd, "http://" + m[1]
			}
		case <-deadline:
			cmd.Process.Kill()
			t.Fatal("server did not start in 30s")
		}
	}
}

var httpClient = &http.Client{Timeout: 10 * time.Second}

// call sends one DynamoDB request and returns the status and body.
func call(url, op, body string) (int, []byte, error) {
	req, _ := http.NewRequest("POST", url, bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x")
	res, err := httpClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// keyState is what the test knows of one key: the last acknowledged value
// and a write in flight when the server was killed (which may or may not
// have been applied).
type keyState struct {
	acked    int // -1: never acknowledged
	inFlight int // -1: none
}

// TestCrashRecovery runs the real binary with --fsync always, writes from
// several clients, kills it with SIGKILL at random moments, restarts it and
// checks that every acknowledged write is there with its acknowledged value.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	if runtime.GOOS != "linux" {
		t.Skip("needs SIGKILL semantics of Linux")
	}
	dir := t.TempDir()
	args := []string{"--http", "127.0.0.1:0", "--resp", "127.0.0.1:0", "--dir", dir, "--fsync", "always", "--snapshot-bytes", "65536"}
	const (
		writers = 6
		keys    = 40 // per writer
		cycles  = 5
	)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	state := make([][keys]keyState, writers)
	for w := range state {
		for k := range state[w] {
			state[w][k] = keyState{acked: -1, inFlight: -1}
		}
	}
	totalAcked := 0
	for cycle := 0; cycle < cycles; cycle++ {
		cmd, url := startServer(t, args...)
		if cycle == 0 {
			st, body, err := call(url, "CreateTable", `{"TableName":"crash","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`)
			if err != nil || st != 200 {
				t.Fatalf("create table: %d %s %v", st, body, err)
			}
		} else {
			verify(t, url, state)
		}
		// Write until killed.
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					k := i % keys
					mu.Lock()
					v := state[w][k].acked + 1
					if state[w][k].inFlight >= v {
						v = state[w][k].inFlight + 1
					}
					state[w][k].inFlight = v
					mu.Unlock()
					body := fmt.Sprintf(`{"TableName":"crash","Item":{"pk":{"S":"w%d-k%d"},"v":{"N":"%d"},"pad":{"S":"%0100d"}}}`, w, k, v, v)
					st, _, err := call(url, "PutItem", body)
					if err != nil || st != 200 {
						return // killed: the write stays in flight
					}
					mu.Lock()
					state[w][k].acked = v
					state[w][k].inFlight = -1
					totalAcked++
					mu.Unlock()
				}
			}(w)
		}
		time.Sleep(time.Duration(100+rng.IntN(400)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		close(stop)
		wg.Wait()
	}
	cmd, url := startServer(t, args...)
	verify(t, url, state)
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("graceful shutdown: %v", err)
	}
	if totalAcked == 0 {
		t.Fatal("no write was acknowledged: the test tested nothing")
	}
	t.Logf("%d acknowledged writes over %d kill cycles, all recovered", totalAcked, cycles)
}

func verify(t *testing.T, url string, state [][40]keyState) {
	t.Helper()
	for w := range state {
		for k := range state[w] {
			ks := &state[w][k]
			st, body, err := call(url, "GetItem", fmt.Sprintf(`{"TableName":"crash","Key":{"pk":{"S":"w%d-k%d"}},"ConsistentRead":true}`, w, k))
			if err != nil || st != 200 {
				t.Fatalf("get: %d %s %v", st, body, err)
			}
			var out struct {
				Item map[string]map[string]string
			}
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatal(err)
			}
			got := -1
			if out.Item != nil {
				fmt.Sscan(out.Item["v"]["N"], &got)
			}
			switch {
			case got == ks.acked:
			case ks.inFlight >= 0 && got == ks.inFlight:
				ks.acked = got // the in-flight write did land
			default:
				t.Fatalf("w%d-k%d: recovered value %d, acknowledged %d (in flight %d)", w, k, got, ks.acked, ks.inFlight)
			}
			ks.inFlight = -1
		}
	}
}
