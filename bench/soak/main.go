// Command soak runs mixed load on both ports of a dynacache binary with
// periodic kill -9, for a given time, and verifies after every restart that
// every acknowledged write is there with its acknowledged value (or with a
// value that was in flight when the server was killed). It prints the
// figures; it is not part of CI (it runs for minutes).
//
//	go build -o /tmp/dynacache ./cmd/dynacache
//	go run ./bench/soak --bin /tmp/dynacache --duration 5m --fsync always
//
// Writers: HTTP PutItem of versioned items, RESP SET of versioned values and
// RESP INCR counters (an INCR acknowledged is at least that value; one in
// flight may have landed). Everything on 127.0.0.1.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("bin", "", "dynacache binary (required)")
	duration := flag.Duration("duration", 2*time.Minute, "how long to run")
	fsync := flag.String("fsync", "always", "--fsync policy of the server (always: every acknowledged write must survive kill -9; everysec too, since it writes to the OS before the reply)")
	minUp := flag.Duration("min-up", 300*time.Millisecond, "shortest time between a start and its kill -9")
	maxUp := flag.Duration("max-up", 3*time.Second, "longest time between a start and its kill -9")
	writers := flag.Int("writers", 4, "writers per kind (HTTP PutItem, RESP SET, RESP INCR)")
	keys := flag.Int("keys", 50, "keys per writer")
	dir := flag.String("dir", "", "data directory (default: a new temporary one)")
	flag.Parse()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "soak: --bin is required")
		os.Exit(2)
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "dynacache-soak")
		if err != nil {
			fatal(err)
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	s := &soak{bin: *bin, dir: *dir, fsync: *fsync, writers: *writers, keys: *keys}
	s.state = make(map[string]*keyState)
	end := time.Now().Add(*duration)
	began := time.Now()
	for cycle := 0; time.Now().Before(end); cycle++ {
		s.start()
		if cycle == 0 {
			s.createTable()
		} else {
			s.verify()
		}
		up := *minUp + time.Duration(rand.Int64N(int64(*maxUp-*minUp)+1))
		s.load(up)
		s.cycles++
	}
	s.start()
	s.verify()
	s.stop()
	fmt.Printf("soak: %v, %d kill -9 cycles, fsync %s: %d acknowledged writes (%d HTTP PutItem, %d RESP SET, %d RESP INCR), %d verifications, 0 lost\n",
		time.Since(began).Round(time.Second), s.cycles, s.fsync, s.acked["put"]+s.acked["set"]+s.acked["incr"],
		s.acked["put"], s.acked["set"], s.acked["incr"], s.verified)
}

// running is the server process, killed when the soak fails.
var running *exec.Cmd

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "soak: FAIL:", err)
	if running != nil && running.Process != nil {
		running.Process.Kill()
	}
	os.Exit(1)
}

// keyState is what is known of one key: the last acknowledged value and
// the value of a write in flight when the server was killed.
type keyState struct {
	acked    int64 // -1: none
	inFlight int64 // -1: none
}

type soak struct {
	bin, dir, fsync string
	writers, keys   int

	cmd           *exec.Cmd
	httpURL, resp string
	mu            sync.Mutex
	state         map[string]*keyState
	acked         map[string]int
	cycles        int
	verified      int
}

var (
	httpLine = regexp.MustCompile(`DynamoDB API listening on http://([0-9.:]+)`)
	respLine = regexp.MustCompile(`RESP listening on ([0-9.:]+)`)
)

func (s *soak) start() {
	s.cmd = exec.Command(s.bin, "--http", "127.0.0.1:0", "--resp", "127.0.0.1:0", "--dir", s.dir, "--fsync", s.fsync, "--snapshot-bytes", "1048576")
	out, _ := s.cmd.StdoutPipe()
	s.cmd.Stderr = os.Stderr
	if err := s.cmd.Start(); err != nil {
		fatal(err)
	}
	running = s.cmd
	s.httpURL, s.resp = "", ""
	sc := bufio.NewScanner(out)
	deadline := time.AfterFunc(60*time.Second, func() { s.cmd.Process.Kill() })
	for sc.Scan() {
		line := sc.Text()
		if m := httpLine.FindStringSubmatch(line); m != nil {
			s.httpURL = "http://" + m[1]
		}
		if m := respLine.FindStringSubmatch(line); m != nil {
			s.resp = m[1]
		}
		if s.httpURL != "" && s.resp != "" {
			break
		}
	}
	deadline.Stop()
	if s.httpURL == "" || s.resp == "" {
		fatal(fmt.Errorf("server did not start"))
	}
	go io.Copy(io.Discard, out)
}

func (s *soak) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.cmd.Wait()
}

var client = &http.Client{Timeout: 10 * time.Second}

func (s *soak) call(op, body string) (int, []byte, error) {
	req, _ := http.NewRequest("POST", s.httpURL, bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=soak/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x")
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

func (s *soak) createTable() {
	st, b, err := s.call("CreateTable", `{"TableName":"soak","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`)
	if err != nil || st != 200 {
		fatal(fmt.Errorf("create table: %d %s %v", st, b, err))
	}
}

func (s *soak) key(kind string, w, k int) *keyState {
	name := fmt.Sprintf("%s-w%d-k%d", kind, w, k)
	st := s.state[name]
	if st == nil {
		st = &keyState{acked: -1, inFlight: -1}
		if kind == "incr" {
			st.acked = 0 // a counter that does not exist is 0
		}
		s.state[name] = st
	}
	return st
}

// load runs every writer until the server is killed after up.
func (s *soak) load(up time.Duration) {
	var wg sync.WaitGroup
	stop := make(chan struct{})
	if s.acked == nil {
		s.acked = map[string]int{}
	}
	for _, kind := range []string{"put", "set", "incr"} {
		for w := 0; w < s.writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var rc net.Conn
				var rd *bufio.Reader
				if kind != "put" {
					c, err := net.DialTimeout("tcp", s.resp, 5*time.Second)
					if err != nil {
						return
					}
					defer c.Close()
					rc, rd = c, bufio.NewReader(c)
				}
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					k := i % s.keys
					s.mu.Lock()
					st := s.key(kind, w, k)
					v := max(st.acked, st.inFlight) + 1
					st.inFlight = v
					s.mu.Unlock()
					name := fmt.Sprintf("%s-w%d-k%d", kind, w, k)
					ok := false
					switch kind {
					case "put":
						code, _, err := s.call("PutItem", fmt.Sprintf(`{"TableName":"soak","Item":{"pk":{"S":%q},"v":{"N":"%d"}}}`, name, v))
						ok = err == nil && code == 200
					case "set":
						rc.SetDeadline(time.Now().Add(10 * time.Second))
						fmt.Fprintf(rc, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%d\r\n", len(name), name, len(strconv.FormatInt(v, 10)), v)
						line, err := rd.ReadString('\n')
						ok = err == nil && line == "+OK\r\n"
					case "incr":
						rc.SetDeadline(time.Now().Add(10 * time.Second))
						fmt.Fprintf(rc, "*2\r\n$4\r\nINCR\r\n$%d\r\n%s\r\n", len(name), name)
						line, err := rd.ReadString('\n')
						if err == nil && strings.HasPrefix(line, ":") {
							got, _ := strconv.ParseInt(strings.TrimSpace(line[1:]), 10, 64)
							if got != v {
								fatal(fmt.Errorf("%s: INCR answered %d, expected %d: an earlier acknowledged INCR was lost", name, got, v))
							}
							ok = true
						}
					}
					if !ok {
						return // killed: the write stays in flight
					}
					s.mu.Lock()
					st.acked, st.inFlight = v, -1
					s.acked[kind]++
					s.mu.Unlock()
				}
			}()
		}
	}
	time.Sleep(up)
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
	close(stop)
	wg.Wait()
}

// verify checks every key against what was acknowledged.
func (s *soak) verify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := net.DialTimeout("tcp", s.resp, 5*time.Second)
	if err != nil {
		fatal(err)
	}
	defer c.Close()
	rd := bufio.NewReader(c)
	for name, st := range s.state {
		var got int64 = -1
		if strings.HasPrefix(name, "put-") {
			code, b, err := s.call("GetItem", fmt.Sprintf(`{"TableName":"soak","Key":{"pk":{"S":%q}},"ConsistentRead":true}`, name))
			if err != nil || code != 200 {
				fatal(fmt.Errorf("get %s: %d %s %v", name, code, b, err))
			}
			var out struct{ Item map[string]map[string]string }
			json.Unmarshal(b, &out)
			if out.Item != nil {
				got, _ = strconv.ParseInt(out.Item["v"]["N"], 10, 64)
			}
		} else {
			c.SetDeadline(time.Now().Add(10 * time.Second))
			fmt.Fprintf(c, "*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n", len(name), name)
			line, err := rd.ReadString('\n')
			if err != nil {
				fatal(err)
			}
			if strings.HasPrefix(line, "$") && line != "$-1\r\n" {
				val, err := rd.ReadString('\n')
				if err != nil {
					fatal(err)
				}
				got, _ = strconv.ParseInt(strings.TrimSpace(val), 10, 64)
			}
		}
		if got < 0 && strings.HasPrefix(name, "incr-") {
			got = 0
		}
		switch {
		case got == st.acked:
		case st.inFlight >= 0 && got == st.inFlight:
			st.acked = got // the write in flight landed
		default:
			fatal(fmt.Errorf("%s: recovered %d, acknowledged %d (in flight %d)", name, got, st.acked, st.inFlight))
		}
		st.inFlight = -1
		s.verified++
	}
}
