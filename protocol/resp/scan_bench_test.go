package resp

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard"
)

// BenchmarkScanPeers: SCAN over a Unix socket on dynacache (in-process
// server, default event loop) and on redis-server (when installed)
// holding the same n keys (SET key:i value):
//
//   - call/count=C: one SCAN call resuming an iteration (ns/op), COUNT C;
//
//   - iteration/x=K: K iterations at once, each on a connection of its own,
//     from cursor 0 to the end with COUNT 1000 (op-ms: until the last
//     ends), while a PING prober runs on another connection (ping-max-ms,
//     as in BenchmarkStall).
//
//     go test ./protocol/resp -run '^$' -bench ScanPeers -benchtime 1x -timeout 60m
//     DYNACACHE_BENCH_3M=1 ... (adds 3M keys)
//
// The call benchmarks want more than one call: -benchtime 1x runs the
// iterations once and the calls for at least 1 s each (callTime).
func BenchmarkScanPeers(b *testing.B) {
	sizes := []int{100_000, 1_000_000}
	if os.Getenv("DYNACACHE_BENCH_3M") != "" {
		sizes = append(sizes, 3_000_000)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			socks := map[string]string{"dynacache": startServerUnix(b)}
			if _, err := exec.LookPath("redis-server"); err == nil {
				socks["redis"] = startRedis(b)
			}
			for _, sock := range socks {
				fill(b, "unix", sock, n)
			}
			for _, peer := range []string{"dynacache", "redis"} {
				sock, ok := socks[peer]
				if !ok {
					continue
				}
				pid := 0 // this process
				if peer == "redis" {
					pid = redisPID(b, sock)
				}
				for _, cmd := range [][]string{{"PING"}, {"SCAN", "10"}, {"SCAN", "1000"}} {
					name := "call/PING/" + peer
					if cmd[0] == "SCAN" {
						name = "call/count=" + cmd[1] + "/" + peer
					}
					b.Run(name, func(b *testing.B) {
						c := dialRaw(b, "unix", sock)
						cursor := "0"
						calls := 0
						cpu0 := cpuTime(b, pid)
						start := time.Now()
						for ; calls < b.N || time.Since(start) < callTime(); calls++ {
							if cmd[0] == "PING" {
								c.do("PING")
								continue
							}
							cursor, _ = scanCall(b, c, cursor, cmd[1])
						}
						took := time.Since(start)
						cpu := cpuTime(b, pid) - cpu0
						b.ReportMetric(float64(took.Nanoseconds())/float64(calls), "ns/call")
						b.ReportMetric(float64(cpu.Nanoseconds())/float64(calls), "cpu-ns/call")
					})
				}
				for _, k := range []int{1, 8} {
					b.Run(fmt.Sprintf("iteration/x=%d/%s", k, peer), func(b *testing.B) {
						conns := make([]*rawConn, k)
						for i := range conns {
							conns[i] = dialRaw(b, "unix", sock)
						}
						for b.Loop() {
							got := make([]int, k)
							stallDuring(b, "unix", sock, peer == "dynacache", func() {
								var wg sync.WaitGroup
								for i, c := range conns {
									wg.Add(1)
									go func() {
										defer wg.Done()
										got[i] = scanAll(b, c)
									}()
								}
								wg.Wait()
							})
							for i, m := range got {
								// No writes meanwhile: dynacache returns
								// every key once; Redis at least once.
								if m < n || (peer == "dynacache" && m != n) {
									b.Fatalf("iteration %d returned %d keys of %d", i, m, n)
								}
							}
						}
					})
				}
			}
		})
	}
}

// cpuTime returns the CPU time (user and system) of this process, plus
// that of process pid when not 0: client and server together, whichever
// process the server is.
func cpuTime(tb testing.TB, pid int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	d := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	if pid != 0 {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			tb.Fatal(err)
		}
		// Fields 14 and 15 (utime, stime, in clock ticks of 1/100 s),
		// counted after the command name's closing parenthesis.
		f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		d += time.Duration(ut+st) * 10 * time.Millisecond
	}
	return d
}

// redisPID asks the redis-server at sock for its process id.
func redisPID(tb testing.TB, sock string) int {
	c := dialRaw(tb, "unix", sock)
	info := c.do("INFO", "server")
	_, rest, ok := strings.Cut(info, "process_id:")
	if !ok {
		tb.Fatalf("INFO server: %q", info)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(rest[:strings.IndexByte(rest, '\n')]))
	if err != nil {
		tb.Fatal(err)
	}
	return pid
}

// callTime is how long a call benchmark runs at least: 1 s, so that
// -benchtime 1x still measures many calls.
func callTime() time.Duration { return time.Second }

// scanCall sends SCAN cursor COUNT count on c and returns the next cursor
// and how many keys came back.
func scanCall(tb testing.TB, c *rawConn, cursor, count string) (string, int) {
	c.nc.SetDeadline(time.Now().Add(time.Minute))
	if _, err := c.nc.Write(encodeCommand("SCAN", cursor, "COUNT", count)); err != nil {
		tb.Fatal(err)
	}
	// *2\r\n $len\r\n cursor\r\n *k\r\n then k bulk strings.
	line := func() []byte {
		l, err := c.br.ReadSlice('\n')
		if err != nil {
			tb.Fatal(err)
		}
		return l[:len(l)-2]
	}
	if h := line(); string(h) != "*2" {
		tb.Fatalf("SCAN reply starts with %q", h)
	}
	line()
	next := string(line())
	k, err := strconv.Atoi(string(line()[1:]))
	if err != nil {
		tb.Fatal(err)
	}
	for range k {
		if err := discardReply(c.br); err != nil {
			tb.Fatal(err)
		}
	}
	return next, k
}

// scanAll iterates from cursor 0 to the end with COUNT 1000 and returns
// how many keys came back.
func scanAll(tb testing.TB, c *rawConn) int {
	total := 0
	cursor := "0"
	for calls := 0; ; calls++ {
		if calls > 100_000_000 {
			tb.Fatal("SCAN does not end")
		}
		next, k := scanCall(tb, c, cursor, "1000")
		total += k
		if next == "0" {
			return total
		}
		cursor = next
	}
}

// startServerUnix starts a dynacache RESP server on a Unix socket (as
// redis-server in startRedis) and returns the socket's path.
func startServerUnix(tb testing.TB) string {
	tb.Helper()
	sock := filepath.Join(tb.TempDir(), "dynacache.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		tb.Fatal(err)
	}
	s := New(dynamodb.NewHandler(shard.New(nil), dynamodb.Options{}), Options{SweepInterval: -1})
	s.Serve(ln)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return sock
}
