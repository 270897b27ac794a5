package resp

import (
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDifferentialRedis sends the same commands to dynacache and to a real
// redis-server (when one is installed) and requires byte-identical replies:
// types, null kinds and the words of every error. redis-server listens on a
// unix socket in a temporary directory (no TCP port).
func TestDifferentialRedis(t *testing.T) {
	sock := startRedis(t)
	redis := dialRaw(t, "unix", sock)
	ts := startServer(t, Options{SweepInterval: -1})
	dyna := dialRaw(t, "tcp", ts.addr)
	compareCases(t, redis, dyna, differentialCases)
}

// TestDifferentialRedisAuth compares the replies before and after AUTH
// with a password configured.
func TestDifferentialRedisAuth(t *testing.T) {
	sock := startRedis(t, "--requirepass", "sesame")
	ts := startServer(t, Options{SweepInterval: -1, RequirePass: "sesame"})
	compareCases(t, dialRaw(t, "unix", sock), dialRaw(t, "tcp", ts.addr), authCases)
}

// TestDifferentialRedisProtocol compares the replies to malformed requests
// (each on a fresh connection): the error, then the connection closed
// (or not).
func TestDifferentialRedisProtocol(t *testing.T) {
	sock := startRedis(t)
	ts := startServer(t, Options{SweepInterval: -1})
	for _, raw := range protocolCases {
		var replies [2]string
		for i, c := range []*rawConn{dialRaw(t, "unix", sock), dialRaw(t, "tcp", ts.addr)} {
			c.send([]byte(raw))
			c.nc.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
			b, err := io.ReadAll(c.br) // until the server closes
			replies[i] = string(b) + "<closed>"
			if err != nil {
				replies[i] = string(b) + "<open>"
			}
		}
		if replies[0] != replies[1] {
			t.Errorf("%q\n redis:     %q\n dynacache: %q", raw, replies[0], replies[1])
		}
	}
}

// knownDifferences are cases whose replies differ on purpose.
var knownDifferences = map[string]string{
	// Redis adds in 80-bit long double and prints 17 decimals
	// ("5005.60000000000000009"); dynacache adds exactly ("5005.6").
	"INCRBYFLOAT f 5.0e3": "exact decimal arithmetic",
}

func startRedis(t testing.TB, extra ...string) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed (apt-get install redis-server)")
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "redis.sock")
	// proto-max-bulk-len as dynacache's default (1 MiB, also Redis's
	// smallest value).
	args := append([]string{"--port", "0", "--unixsocket", sock, "--save", "", "--appendonly", "no",
		"--databases", "1", "--dir", dir, "--proto-max-bulk-len", "1mb"}, extra...)
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		// The socket file appears when redis-server binds it, a moment
		// before it listens: ready is when a dial succeeds.
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			return sock
		}
		if time.Now().After(deadline) {
			t.Fatal("redis-server did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func compareCases(t *testing.T, redis, dyna *rawConn, cases []string) {
	t.Helper()
	for _, line := range cases {
		args := splitCase(line)
		want := redis.do(args...)
		got := dyna.do(args...)
		if _, ok := knownDifferences[line]; ok {
			continue
		}
		if got != want {
			t.Errorf("%s\n redis:     %q\n dynacache: %q", line, want, got)
		}
	}
}

var authCases = []string{
	"GET k", "SET k v", "PING", "FOO", "GET", "CLIENT ID", "HELLO", "HELLO 2", "HELLO 3", "HELLO 2 AUTH default wrong",
	"HELLO 2 AUTH bob sesame", "AUTH", "AUTH wrong", "AUTH bob sesame", "AUTH a b c", "AUTH sesame", "GET k",
	"AUTH default sesame", "AUTH wrong", "GET k",
}

var protocolCases = []string{
	"*x\r\n", "*-5\r\n*1\r\n$4\r\nPING\r\n$x", "*1\r\n+PING\r\n", "*1\r\n$x\r\n", "*1\r\n$-1\r\n",
	"*1\r\n$536870913\r\n", "*3000000000\r\n", "PING \"unbalanced\r\n", "\"a\"b\r\n",
	"*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\n*1\r\n$4\r\nQUIT\r\n",
	// proto-max-bulk-len: refused from the length line.
	"*1\r\n$1048577\r\n", "PING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n",
	// Cross protocol scripting: closed without a word, even the replies
	// to what came before in the same read.
	browserPost("SET pwned 1\r\n"), "PING\r\nPOST / HTTP/1.1\r\nPING\r\n", "host: x\r\nPING\r\n",
	"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\npOsT\r\n$1\r\n/\r\n*1\r\n$4\r\nPING\r\n", "*1\r\n$5\r\nHOST:\r\n",
}

// splitCase splits a case on " | " when present (arguments with spaces),
// else on spaces.
func splitCase(line string) []string {
	if strings.Contains(line, " | ") {
		return strings.Split(line, " | ")
	}
	return strings.Fields(line)
}

// differentialCases are run in order on both servers.
var differentialCases = []string{
	"FLUSHDB",
	"PING", "PING hello", "PING a b", "ECHO hi", "ECHO", "SELECT 0", "SELECT 1", "SELECT x",
	"AUTH x", "AUTH a b c", "HELLO 4", "HELLO x", "HELLO 3 FOO",
	"CLIENT", "CLIENT FOO", "CLIENT SETNAME", "CLIENT SETNAME a | b", "CLIENT SETNAME abc", "CLIENT GETNAME",
	"CONFIG", "CONFIG GET", "CONFIG GET save", "CONFIG GET appendonly", "CONFIG GET proto-max-bulk-len",
	"GET post", "SET post Host:", "GET post", "ECHO POST",
	"COMMAND FOO", "COMMAND COUNT x",
	"FOO", "FOO a b", "foo | a b | c",
	// strings
	"GET", "GET a b", "GET nokey", "SET", "SET k", "SET k v", "GET k",
	"SET k v NX", "SET k v2 XX", "GET k", "SET k v3 NX XX", "SET k v EX", "SET k v EX x", "SET k v EX 0",
	"SET k v EX -1", "SET k v PX 0", "SET k v EX 10 PX 10", "SET k v KEEPTTL EX 10", "SET k v FOO",
	"SET k v GET", "SET k2 v GET", "SET k v EX 9223372036854775807",
	"SET k v EXAT 1", "GET k", "SET k v PXAT 99999999999999", "TTL k", "SET k v2 KEEPTTL", "TTL k", "SET k v3", "TTL k",
	"SETNX k x", "SETNX k3 x", "SETNX k3", "SETEX k 0 v", "SETEX k x v", "SETEX k -5 v", "PSETEX k 0 v",
	"SETEX s 100 v", "TTL s", "PSETEX s 100000 v", "TTL s",
	"GETSET k new", "GETSET nokey2 v", "GETDEL k", "GETDEL k", "GETDEL nokey",
	"SET g v", "GETEX g", "GETEX g EX 100", "TTL g", "GETEX g PERSIST", "TTL g", "GETEX g FOO", "GETEX g EX 0",
	"GETEX g EX 10 PX 10", "GETEX nokey EX 10", "GETEX g KEEPTTL", "GETEX g NX",
	"MSET a 1 b 2", "MSET a", "MSET a 1 b", "MGET a b nokey", "MGET",
	"MSETNX a 1 c 3", "MSETNX c 3 d 4", "MGET c d", "MSETNX c",
	"APPEND ap hello", "APPEND ap | world", "GET ap", "STRLEN ap", "STRLEN nokey", "APPEND",
	"GETRANGE ap 0 4", "GETRANGE ap -5 -1", "GETRANGE ap 5 2", "GETRANGE ap -1 -5", "GETRANGE ap 0 100",
	"GETRANGE nokey 0 1", "GETRANGE ap x 1", "GETRANGE ap 0",
	"SETRANGE sr 5 abc", "GET sr", "SETRANGE sr 0 X", "GET sr", "SETRANGE sr -1 x", "SETRANGE sr x y",
	"SETRANGE nokey3 0 | ", "EXISTS nokey3", "SETRANGE sr 0 | ", "SETRANGE sr 536870912 x", "SETRANGE nokey4 536870912 | ",
	"INCR i", "INCR i", "INCRBY i 10", "INCRBY i x", "DECR i", "DECRBY i 5", "GET i",
	"SET big 9223372036854775807", "INCR big", "SET small -9223372036854775808", "DECR small",
	"DECRBY i -9223372036854775808", "INCRBY i 9223372036854775808",
	"SET notint abc", "INCR notint", "SET sp | 1 ", "INCR sp", "SET lz 01", "INCR lz", "SET neg0 -0", "INCR neg0",
	"INCRBYFLOAT f 10.5", "INCRBYFLOAT f 0.1", "INCRBYFLOAT f -5", "INCRBYFLOAT f 5.0e3", "INCRBYFLOAT f x",
	"INCRBYFLOAT notint 1", "INCRBYFLOAT f inf", "SET f2 3.0", "INCRBYFLOAT f2 1.5", "INCRBYFLOAT f2 0.00000000000000001",
	"INCRBYFLOAT f3 1e2", "INCRBYFLOAT f3 -100",
	// wrong types
	"HSET h f v", "GET h", "SET h x GET", "APPEND h x", "INCR h", "STRLEN h", "GETRANGE h 0 1", "SETRANGE h 0 x",
	"INCRBYFLOAT h x", "GETSET h v", "GETDEL h", "GETEX h EX 10", "MGET h a",
	// keys
	"DEL", "DEL nokey", "DEL a b nokey", "EXISTS a b c c", "EXISTS", "TYPE c", "TYPE h", "TYPE nokey",
	"UNLINK c", "RENAME nokey x", "RENAME d d", "RENAME d e", "GET e", "EXISTS d", "RENAME", "RENAMENX e f",
	"SET g2 1", "RENAMENX f g2", "RENAMENX nokey x",
	"EXPIRE", "EXPIRE e", "EXPIRE e x", "EXPIRE e 100 FOO", "EXPIRE e 100 NX XX", "EXPIRE e 100 GT LT",
	"EXPIRE nokey 100", "EXPIRE e 100 XX", "EXPIRE e 100 NX", "TTL e", "EXPIRE e 200 NX", "EXPIRE e 50 GT", "EXPIRE e 300 GT",
	"TTL e", "EXPIRE e 400 LT", "EXPIRE e 10 LT", "TTL e", "PERSIST e", "PERSIST e", "TTL e", "EXPIRE e 10 GT",
	"EXPIRE e 10 LT", "TTL e", "PEXPIRE e 100000", "PTTL nokey", "TTL nokey", "PERSIST nokey",
	"EXPIRE e 9223372036854775807", "PEXPIRE e 9223372036854775807",
	"EXPIREAT e 1", "EXISTS e", "SET e2 v", "PEXPIREAT e2 1", "GET e2", "EXPIRE nokey 0", "EXPIRE g2 -1", "EXISTS g2",
	"EXPIRETIME nokey", "SET nt v", "EXPIRETIME nt", "PEXPIRETIME nt", "EXPIREAT nt 99999999999", "EXPIRETIME nt", "PEXPIRETIME nt",
	"KEYS", "SCAN", "SCAN x", "SCAN 0 COUNT 0", "SCAN 0 COUNT x", "SCAN 0 FOO", "SCAN 0 MATCH",
	"SCAN +0 COUNT 1000 MATCH zz*", "SCAN 18446744073709551616", "SCAN --1", "SCAN - ", "SCAN 1x", "SCAN ' 1'",
	// hashes
	"HSET", "HSET h", "HSET h f", "HSET h f v g", "HSET h f v2 g w", "HGET h f", "HGET h nofield", "HGET nokey f",
	"HMGET h f g nofield", "HMGET nokey f", "HLEN h", "HLEN nokey", "HEXISTS h f", "HEXISTS h x", "HSTRLEN h f",
	"HSTRLEN h x", "HSETNX h f x", "HSETNX h n x", "HDEL h", "HDEL h nofield", "HDEL h n g", "HLEN h",
	"HMSET h a 1 b 2", "HMSET h a", "HINCRBY h a 5", "HINCRBY h b x", "HINCRBY h new 3", "HINCRBY h f 1",
	"HINCRBYFLOAT h a 1.5", "HINCRBYFLOAT h f 1", "HINCRBYFLOAT h a x", "HINCRBYFLOAT h a inf",
	"HSET hb x 9223372036854775807", "HINCRBY hb x 1",
	"HSET s1 f v", "SET s1 str", "HGET s1 f", "HSET s1 f v", "HGETALL s1", "HKEYS s1", "HVALS s1", "HLEN s1",
	"HDEL s1 f", "HEXISTS s1 f", "HSTRLEN s1 f", "HINCRBY s1 f 1", "HINCRBYFLOAT s1 f 1", "HMGET s1 f", "HSETNX s1 f v",
	"HGETALL nokey", "HKEYS nokey", "HVALS nokey",
	"HSCAN", "HSCAN s1", "HSCAN s1 0", "HSCAN nokey 0", "HSCAN nokey x", "HSET hs1 only 1", "HSCAN hs1 0",
	"HSCAN hs1 7", "HSCAN hs1 x", "HSCAN hs1 -1", "HSCAN hs1 0 COUNT 0", "HSCAN hs1 0 COUNT x", "HSCAN hs1 0 FOO",
	"HSCAN hs1 0 MATCH", "HSCAN hs1 0 MATCH o*", "HSCAN hs1 0 MATCH x*", "HSCAN hs1 0 COUNT 5 MATCH on*",
	"HSET hs2 a 1 b 2 c 3", "HSCAN hs2 0 MATCH b", "HSCAN hs2 0 MATCH [c-z]",
	"HSET single only 1", "HDEL single only", "EXISTS single",
	"DBSIZE x",
}

// TestDifferentialRedisExpires: after the same writes, INFO keyspace counts
// the same keys and keys with a TTL as redis-server (avg_ttl, an estimate
// in Redis, is left out), for every way of removing a key or its TTL.
func TestDifferentialRedisExpires(t *testing.T) {
	sock := startRedis(t)
	ts := startServer(t, Options{SweepInterval: -1})
	conns := []*rawConn{dialRaw(t, "unix", sock), dialRaw(t, "tcp", ts.addr)}
	far := "100000000"
	var cmds [][]string
	for i := 0; i < 20; i++ {
		k := func(name string) string { return name + ":" + strconv.Itoa(i) }
		cmds = append(cmds,
			[]string{"SET", k("del"), "v", "EX", far}, []string{"DEL", k("del")},
			[]string{"SET", k("unlink"), "v", "EX", far}, []string{"UNLINK", k("unlink")},
			[]string{"SET", k("persist"), "v", "EX", far}, []string{"PERSIST", k("persist")},
			[]string{"SET", k("set"), "v", "EX", far}, []string{"SET", k("set"), "w"},
			[]string{"SET", k("keepttl"), "v", "EX", far}, []string{"SET", k("keepttl"), "w", "KEEPTTL"},
			[]string{"SETEX", k("getset"), far, "v"}, []string{"GETSET", k("getset"), "w"},
			[]string{"SET", k("getdel"), "v", "EX", far}, []string{"GETDEL", k("getdel")},
			[]string{"SET", k("getex"), "v", "EX", far}, []string{"GETEX", k("getex"), "PERSIST"},
			[]string{"SET", k("mset"), "v", "EX", far}, []string{"MSET", k("mset"), "w"},
			[]string{"SET", k("append"), "v", "EX", far}, []string{"APPEND", k("append"), "w"},
			[]string{"SET", k("rensrc"), "v", "EX", far}, []string{"RENAME", k("rensrc"), k("rendst")},
			[]string{"SET", k("dst"), "v", "EX", far}, []string{"SET", k("src"), "v"}, []string{"RENAME", k("src"), k("dst")},
			[]string{"HSET", k("h"), "f", "v"}, []string{"EXPIRE", k("h"), far}, []string{"HDEL", k("h"), "f"},
			[]string{"HSET", k("h2"), "f", "v", "g", "w"}, []string{"EXPIRE", k("h2"), far}, []string{"HDEL", k("h2"), "f"},
			[]string{"SET", k("exp0"), "v", "EX", far}, []string{"EXPIRE", k("exp0"), "0"},
		)
	}
	keyspace := func(c *rawConn) string {
		info := c.do("INFO", "keyspace")
		i := strings.Index(info, "db0:")
		if i < 0 {
			return "(no keys)"
		}
		line := info[i:]
		line = line[:strings.Index(line, ",avg_ttl=")]
		return line
	}
	for _, c := range conns {
		for _, cmd := range cmds {
			c.do(cmd...)
		}
	}
	want, got := keyspace(conns[0]), keyspace(conns[1])
	if got != want {
		t.Fatalf("INFO keyspace: redis %q, dynacache %q", want, got)
	}
	t.Logf("both: %s", got)
	for _, c := range conns {
		c.do("FLUSHDB")
	}
	want, got = keyspace(conns[0]), keyspace(conns[1])
	if got != want {
		t.Fatalf("after FLUSHDB: redis %q, dynacache %q", want, got)
	}
}
