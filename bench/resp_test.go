package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeRedis is a tiny in-process RESP server: strings, INCR, HSET, MGET,
// MSET, PING; anything else is an unknown command. Commands are read as
// RESP arrays of bulk strings, as clients send them.
type fakeRedis struct {
	ln    net.Listener
	mu    sync.Mutex
	data  map[string]string
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

func startFakeRedis(t *testing.T) *fakeRedis {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeRedis{ln: ln, data: map[string]string{}, conns: map[net.Conn]bool{}}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.conns[c] = true
			f.mu.Unlock()
			f.wg.Add(1)
			go func() { defer f.wg.Done(); f.serve(c) }()
		}
	}()
	t.Cleanup(f.close)
	return f
}

func (f *fakeRedis) addr() string { return f.ln.Addr().String() }

// dropConns closes every open connection (the server stays up).
func (f *fakeRedis) dropConns() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.conns {
		c.Close()
		delete(f.conns, c)
	}
}

func (f *fakeRedis) close() {
	f.ln.Close()
	f.dropConns()
	f.wg.Wait()
}

func readCommand(br *bufio.Reader) ([]string, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(line, "*") {
		return nil, fmt.Errorf("not an array: %q", line)
	}
	n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
	if err != nil {
		return nil, err
	}
	args := make([]string, n)
	for i := range args {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		l, err := strconv.Atoi(strings.TrimSpace(line[1:]))
		if err != nil {
			return nil, err
		}
		buf := make([]byte, l+2)
		if _, err := io.ReadFull(br, buf); err != nil {
			return nil, err
		}
		args[i] = string(buf[:l])
	}
	return args, nil
}

func (f *fakeRedis) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	bw := bufio.NewWriter(c)
	bulk := func(v string, ok bool) {
		if !ok {
			bw.WriteString("$-1\r\n")
			return
		}
		fmt.Fprintf(bw, "$%d\r\n%s\r\n", len(v), v)
	}
	for {
		args, err := readCommand(br)
		if err != nil {
			return
		}
		f.mu.Lock()
		switch strings.ToUpper(args[0]) {
		case "PING":
			bw.WriteString("+PONG\r\n")
		case "GET":
			v, ok := f.data[args[1]]
			bulk(v, ok)
		case "SET":
			f.data[args[1]] = args[2]
			bw.WriteString("+OK\r\n")
		case "MSET":
			for i := 1; i+1 < len(args); i += 2 {
				f.data[args[i]] = args[i+1]
			}
			bw.WriteString("+OK\r\n")
		case "MGET":
			fmt.Fprintf(bw, "*%d\r\n", len(args)-1)
			for _, k := range args[1:] {
				v, ok := f.data[k]
				bulk(v, ok)
			}
		case "INCR":
			n, err := strconv.Atoi(f.data[args[1]])
			if _, ok := f.data[args[1]]; ok && err != nil {
				bw.WriteString("-ERR value is not an integer or out of range\r\n")
				break
			}
			f.data[args[1]] = strconv.Itoa(n + 1)
			fmt.Fprintf(bw, ":%d\r\n", n+1)
		default:
			fmt.Fprintf(bw, "-ERR unknown command '%s'\r\n", args[0])
		}
		f.mu.Unlock()
		if br.Buffered() == 0 { // the end of a pipeline: flush its replies at once
			if bw.Flush() != nil {
				return
			}
		}
	}
}

func newTestRESPClient(addr string) *respClient {
	cfg := &Config{Timeout: 5 * time.Second}
	t := &respTarget{raw: "resp://" + addr, addr: addr, cfg: cfg}
	c, _ := t.newClient(0)
	return c.(*respClient)
}

// One pipeline of mixed commands: replies matched in order, misses and
// server errors told apart, a read-modify-write done in two steps.
func TestRESPClientPipeline(t *testing.T) {
	f := startFakeRedis(t)
	c := newTestRESPClient(f.addr())
	defer c.close()
	v := []byte("value-1")
	reqs := []request{
		{op: opPut, keys: []int64{1}, value: v},
		{op: opRead, keys: []int64{1}},
		{op: opRead, keys: []int64{2}}, // missing
		{op: opIncr, keys: []int64{1}},
		{op: opIncr, keys: []int64{1}},
		{op: opHSet, keys: []int64{1}, value: v}, // unknown to the fake
		{op: opBatchRead, keys: []int64{1, 2, 3}},
		{op: opScan, keys: []int64{0}, n: 3},
		{op: opRMW, keys: []int64{3}, value: []byte("rmw")},
		{op: opBatchWrite, keys: []int64{7, 8}, value: v},
	}
	c.run(reqs)
	for i, r := range reqs {
		wantErr := r.op == opHSet
		if (r.errClass != "") != wantErr {
			t.Errorf("req %d (%s): error %q %q", i, opNames[r.op][1], r.errClass, r.errMsg)
		}
		if r.errClass == "" && (r.start == 0 || r.end < r.start) {
			t.Errorf("req %d: times %d..%d", i, r.start, r.end)
		}
	}
	if reqs[5].errClass != "ERR" || !strings.Contains(reqs[5].errMsg, "unknown command") {
		t.Errorf("HSET error %q %q", reqs[5].errClass, reqs[5].errMsg)
	}
	if reqs[1].miss || !reqs[2].miss || !reqs[8].miss {
		t.Errorf("misses: %v %v %v", reqs[1].miss, reqs[2].miss, reqs[8].miss)
	}
	f.mu.Lock()
	got := []string{f.data["user000000000001"], f.data["ctr000000000001"], f.data["user000000000003"], f.data["user000000000008"]}
	f.mu.Unlock()
	if want := []string{"value-1", "2", "rmw", "value-1"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("server data %q, want %q", got, want)
	}

	// The server drops the connection: the next batch fails as a transport
	// error (not a crash), and the one after reconnects.
	f.dropConns()
	for range 2 {
		reqs = []request{{op: opRead, keys: []int64{1}}}
		c.run(reqs)
		if reqs[0].errClass == "" {
			break
		}
		if reqs[0].errClass != "transport" {
			t.Fatalf("after drop: %q %q", reqs[0].errClass, reqs[0].errMsg)
		}
	}
	if reqs[0].errClass != "" {
		t.Fatalf("no reconnect: %q", reqs[0].errMsg)
	}
}

func TestRESPReplyParsing(t *testing.T) {
	cases := []struct {
		in   string
		want reply
		bad  bool
	}{
		{"+OK\r\n", reply{kind: '+'}, false},
		{":12\r\n", reply{kind: ':'}, false},
		{"$3\r\nabc\r\n", reply{kind: '$'}, false},
		{"$0\r\n\r\n", reply{kind: '$'}, false},
		{"$-1\r\n", reply{kind: '$', isNil: true}, false},
		{"*3\r\n$1\r\na\r\n$-1\r\n$-1\r\n", reply{kind: '*', nils: 2}, false},
		{"*-1\r\n", reply{kind: '*', isNil: true}, false},
		{"*2\r\n-ERR x\r\n:1\r\n", reply{kind: '*', errMsg: "ERR x"}, false},
		{"-WRONGTYPE Operation against a key\r\n", reply{kind: '-', errMsg: "WRONGTYPE Operation against a key"}, false},
		{"$3\r\nabcd\r\n", reply{}, true},
		{"?\r\n", reply{}, true},
		{"\r\n", reply{}, true},
		{"$x\r\n", reply{}, true},
		{"+OK\n", reply{}, true},
	}
	for _, tc := range cases {
		c := &respConn{br: bufio.NewReader(strings.NewReader(tc.in))}
		got, err := c.readReply()
		if (err != nil) != tc.bad {
			t.Errorf("%q: err %v", tc.in, err)
			continue
		}
		if !tc.bad && got != tc.want {
			t.Errorf("%q: got %+v want %+v", tc.in, got, tc.want)
		}
	}
}

func FuzzRESPReply(f *testing.F) {
	for _, s := range []string{"+OK\r\n", "$3\r\nabc\r\n", "*2\r\n$-1\r\n:1\r\n", "-ERR x\r\n", "*1\r\n*1\r\n*1\r\n+x\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		c := &respConn{br: bufio.NewReader(bytes.NewReader(in))}
		for range 10 {
			if _, err := c.readReply(); err != nil {
				return
			}
		}
	})
}

// A whole run against the fake server: every workload that has a RESP
// form completes without errors and reports its operations.
func TestRunRESP(t *testing.T) {
	f := startFakeRedis(t)
	for _, w := range []string{"a", "b", "c", "d", "e", "f", "set", "get", "incr", "mget"} {
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"--target", "resp://" + f.addr(), "--workload", w, "--records", "200",
			"--ops", "400", "--connections", "2", "--pipeline", "8", "--warmup", "0s", "--json", "--fail-on-error"},
			func(string) string { return "" }, &out, &errb)
		if code != 0 {
			t.Fatalf("workload %s: exit %d: %s", w, code, errb.String())
		}
		var rep Report
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("workload %s: %v", w, err)
		}
		tr := rep.Targets[0]
		if tr.Total.Count != 400 || tr.Total.Errors != 0 || tr.Load == nil || tr.Load.Records != 200 {
			t.Errorf("workload %s: total %+v, load %+v", w, tr.Total, tr.Load)
		}
	}
	// Server errors are reported per operation, not fatal.
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"--target", "resp://" + f.addr(), "--workload", "hset", "--skip-load",
		"--ops", "50", "--connections", "1", "--warmup", "0s"}, func(string) string { return "" }, &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "errors: HSET: 50 x ERR: ERR unknown command 'HSET'") {
		t.Errorf("hset: exit %d\n%s%s", code, out.String(), errb.String())
	}
}
