package accel

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynacache/dynacache/protocol/dynamodb"
)

// Fan-out: one reader per stream for N nodes.
//
// DynamoDB serves about two concurrent readers per stream shard, so a fleet
// of more than two accelerator nodes cannot each tail every stream. One
// node (the reader) tails the streams as usual and publishes every record
// it applies on its RESP port, on the channel "dynacache:accel:<table>"
// (Options.PublishRecord; the server wires it to its pub/sub); the others
// (followers, Options.CoherenceFrom = the reader's RESP address) tail no
// stream: they subscribe to the reader and apply the records it relays,
// through the same apply and ordering rule as a tail.
//
// Redis pub/sub delivers at most once: a follower that loses its
// connection may have missed records, so on every (re)connection it drops
// its whole cache (entries are then read again from the upstream) before
// it applies what follows. While disconnected it keeps serving, with its
// cache kept coherent only by TTL until it is back.

// FanoutChannelPrefix starts the channel a reader relays a table's
// records on.
const FanoutChannelPrefix = "dynacache:accel:"

// CoherenceFanout is the Mode of a table a follower keeps coherent with
// the records its reader relays.
const CoherenceFanout = "fanout"

// fanoutRetry bounds the wait before a follower connects again.
const fanoutRetry = 2 * time.Second

// follower is a node's subscription to its reader.
type follower struct {
	co   *coherence
	addr string // as configured (may hold a password)
	name string // the reader's host:port, for logs and INFO

	connected atomic.Bool
	records   atomic.Uint64 // records applied
	reconnect atomic.Uint64 // connections made (each dropped the cache)
	lastLag   atomic.Int64  // nanoseconds, of the last record applied

	mu struct {
		sync.Mutex
		conn net.Conn // the current connection
	}
	stop     chan struct{} // closed by close
	stopOnce sync.Once
	done     chan struct{} // closed when run returns
}

func newFollower(co *coherence, addr string) *follower {
	f := &follower{co: co, addr: addr, stop: make(chan struct{}), done: make(chan struct{})}
	f.name = addr
	if hostport, _, err := f.target(); err == nil {
		f.name = hostport // never the password
	}
	return f
}

// target returns the reader's host:port and the AUTH arguments (none when
// the address carries no password): addr is "host:port" or
// "redis://[user]:password@host:port".
func (f *follower) target() (hostport string, auth []string, err error) {
	if !strings.HasPrefix(f.addr, "redis://") {
		return f.addr, nil, nil
	}
	u, err := url.Parse(f.addr)
	if err != nil {
		return "", nil, err
	}
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			auth = []string{pw}
			if name := u.User.Username(); name != "" {
				auth = []string{name, pw}
			}
		}
	}
	return u.Host, auth, nil
}

// command writes one RESP command.
func command(w io.Writer, args ...string) error {
	b := fmt.Appendf(nil, "*%d\r\n", len(args))
	for _, a := range args {
		b = fmt.Appendf(b, "$%d\r\n%s\r\n", len(a), a)
	}
	_, err := w.Write(b)
	return err
}

// run connects, subscribes and applies until close.
func (f *follower) run() {
	defer close(f.done)
	for {
		err := f.session()
		f.connected.Store(false)
		select {
		case <-f.stop:
			return
		default:
		}
		f.co.logger.Warn(fmt.Sprintf("accelerator: fan-out from %s: %v; coherent by TTL until reconnected", f.name, err))
		select {
		case <-time.After(fanoutRetry):
		case <-f.stop:
			return
		}
	}
}

// session is one connection: subscribe, drop the cache, apply until the
// connection fails.
func (f *follower) session() error {
	hostport, auth, err := f.target()
	if err != nil {
		return err
	}
	conn, err := net.DialTimeout("tcp", hostport, 5*time.Second)
	if err != nil {
		return err
	}
	f.mu.Lock()
	select {
	case <-f.stop:
		f.mu.Unlock()
		conn.Close()
		return errors.New("closed")
	default:
	}
	f.mu.conn = conn
	f.mu.Unlock()
	defer conn.Close()
	rd := bufio.NewReaderSize(conn, 64<<10)
	if auth != nil {
		if err := command(conn, append([]string{"AUTH"}, auth...)...); err != nil {
			return err
		}
		line, err := readLine(rd)
		if err != nil {
			return err
		}
		if line != "+OK" {
			return fmt.Errorf("AUTH: %s", strings.TrimPrefix(line, "-"))
		}
	}
	if err := command(conn, "PSUBSCRIBE", FanoutChannelPrefix+"*"); err != nil {
		return err
	}
	reply, err := readArray(rd)
	if err != nil {
		return err
	}
	if len(reply) != 3 || reply[0] != "psubscribe" {
		return fmt.Errorf("unexpected reply to PSUBSCRIBE: %q", reply)
	}
	// Records may have been missed before this subscription took: what
	// the cache holds goes, and is read again from the upstream.
	f.co.a.cache.invalidateAll()
	f.co.a.stats.invalidations.Add(1)
	f.reconnect.Add(1)
	f.connected.Store(true)
	f.co.logger.Info(fmt.Sprintf("accelerator: following the streams relayed by %s", f.name))
	for {
		msg, err := readArray(rd)
		if err != nil {
			return err
		}
		if len(msg) != 4 || msg[0] != "pmessage" {
			continue
		}
		table, ok := strings.CutPrefix(msg[2], FanoutChannelPrefix)
		if !ok {
			continue
		}
		f.apply(table, msg[3])
	}
}

// apply applies one relayed record: "<shard id>\n<record JSON>".
func (f *follower) apply(table, payload string) {
	ks, known := f.co.a.schemas.lookup(table)
	if !known {
		return // nothing of the table is cached here
	}
	shardID, raw, ok := strings.Cut(payload, "\n")
	doc, okDoc := dynamodb.ParseDoc([]byte(raw))
	if !ok || !okDoc {
		f.co.a.dropTable(table)
		return
	}
	r, ok := parseRecord(doc, shardID)
	if !ok {
		f.co.a.dropTable(table)
		return
	}
	f.co.apply(&tail{table: table, ks: ks}, r)
	f.co.a.queries.touch([]string{table})
	f.records.Add(1)
	f.lastLag.Store(max(time.Now().UnixNano()-r.created, 0))
}

// close ends the subscription and waits for run.
func (f *follower) close() {
	f.stopOnce.Do(func() {
		f.mu.Lock()
		close(f.stop)
		if f.mu.conn != nil {
			f.mu.conn.Close()
		}
		f.mu.Unlock()
	})
	<-f.done
}

// readArray reads one RESP array of bulk strings (or simple strings and
// integers, as text).
func readArray(rd *bufio.Reader) ([]string, error) {
	line, err := readLine(rd)
	if err != nil {
		return nil, err
	}
	if len(line) == 0 || line[0] != '*' {
		if len(line) > 0 && line[0] == '-' {
			return nil, errors.New(line[1:])
		}
		return nil, fmt.Errorf("RESP: want an array, got %q", line)
	}
	n, err := strconv.Atoi(line[1:])
	if err != nil || n < 0 || n > 16 {
		return nil, fmt.Errorf("RESP: bad array length %q", line)
	}
	out := make([]string, n)
	for i := range out {
		l, err := readLine(rd)
		if err != nil {
			return nil, err
		}
		switch {
		case len(l) > 0 && (l[0] == '+' || l[0] == ':'):
			out[i] = l[1:]
		case len(l) > 0 && l[0] == '$':
			size, err := strconv.Atoi(l[1:])
			if err != nil || size < 0 || size > 64<<20 {
				return nil, fmt.Errorf("RESP: bad bulk length %q", l)
			}
			b := make([]byte, size+2)
			if _, err := io.ReadFull(rd, b); err != nil {
				return nil, err
			}
			out[i] = string(b[:size])
		default:
			return nil, fmt.Errorf("RESP: unexpected %q", l)
		}
	}
	return out, nil
}

func readLine(rd *bufio.Reader) (string, error) {
	line, err := rd.ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"), nil
}
