package resp

import (
	"context"
	"errors"
	"fmt"
	"github.com/dynacache/dynacache/metrics"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// Options configure a Server.
type Options struct {
	// Table is the table Redis keys live in. Default "redis".
	Table string
	// RequirePass, when set, makes every connection AUTH first.
	RequirePass string
	// MaxClients, when positive, bounds the connected clients: one more
	// is answered "-ERR max number of clients reached" and closed, as
	// Redis does (maxclients).
	MaxClients int
	// Credentials, when not empty, are access key ids and their secrets
	// (the DynamoDB port's --credentials): every connection must AUTH
	// first, with "AUTH <access-key-id> <secret>" or with RequirePass.
	Credentials map[string]string
	// Version is dynacache's version, shown by INFO and HELLO.
	Version string
	// Persistence describes the durability set-up for INFO (e.g. "wal
	// fsync everysec"); empty: in memory.
	Persistence string
	// PersistenceInfo, when set, gives more lines ("name:value") of INFO's
	// Persistence section (the point-in-time histories' disk use).
	PersistenceInfo func() []string
	// EventLoops is the number of event loops serving connections
	// (loop_linux.go); 0 means DefaultEventLoops, a negative number none:
	// every connection then has a goroutine of its own (also where epoll
	// is not available).
	EventLoops int
	// SweepInterval is the expiry sweeper's period (default 100ms, Redis's
	// hz 10); negative disables the sweeper (tests).
	SweepInterval time.Duration
	// RescanInterval is how often the whole table is scanned for items
	// given an expiry outside RESP (default one minute; negative: only at
	// start).
	RescanInterval time.Duration
	// ProtoMaxBulkLen is proto-max-bulk-len: the longest bulk string and
	// the most arguments a request may have (0: DefaultProtoMaxBulkLen).
	// A longer one gets Redis's protocol error and closes the connection
	// before its bytes are buffered.
	ProtoMaxBulkLen int64
	// Logf reports listener errors and possible attacks; nil discards.
	Logf func(format string, args ...any)
	// PubSubLimit bounds a subscriber's pending output (Redis's
	// client-output-buffer-limit pubsub); zero: DefaultPubSubLimit.
	PubSubLimit OutputLimit
	// MaxMemory is maxmemory: the memory budget in bytes of the store (its
	// shard.Budget), 0: none. MaxMemoryPolicy is maxmemory-policy ("":
	// noeviction); check it with ParseMaxMemoryPolicy first (New takes a
	// bad one for noeviction).
	MaxMemory       int64
	MaxMemoryPolicy string
	// AcceleratorInfo, when set (accelerator mode), gives the lines
	// ("name:value") of INFO's Accelerator section.
	AcceleratorInfo func() []string
}

// DefaultEventLoops is the number of event loops by default: one, as
// Redis has one event loop, leaves the other cores to the DynamoDB API, the
// log and the garbage collector (measured on two cores, bench/RESULTS.md).
const DefaultEventLoops = 1

// Server serves RESP on one store. Create it with New, give it listeners
// with Serve, stop it with Shutdown.
type Server struct {
	store   *shard.Store
	handler *dynamodb.Handler
	opts    Options
	start   time.Time

	locks   keyLocks
	expires expireIndex
	pubsub  pubsubRegistry
	notify  atomic.Int32 // notify-keyspace-events flags (notify.go)
	policy  atomic.Int32 // maxmemory-policy (maxmemory.go)
	evicted atomic.Int64 // keys removed by eviction (maxmemory.go)
	access  accessClocks // LRU and LFU policies' clocks (access.go)
	// victimPool is the eviction candidates left (maxmemory.go), under the
	// store budget's eviction lock.
	victimPool victimPool

	nextID     atomic.Int64
	totalConns atomic.Int64
	totalCmds  atomic.Int64
	rejected   atomic.Int64
	expired    atomic.Int64 // keys removed by expiry
	clients    atomic.Int64
	stats      *metrics.Requests  // commands by name and outcome (stats.go)
	cmdStats   []*metrics.OpStats // stats' entries by command id
	netIn      atomic.Int64
	netOut     atomic.Int64

	securityLogged atomic.Int64 // when the cross protocol warning was last logged (UnixNano)

	closing atomic.Bool // set once by Shutdown; read by every connection per batch
	loops   []*loop     // event loops (none: a goroutine per connection)
	next    atomic.Uint64

	tableMu sync.Mutex // serialises creating the table

	mu struct {
		sync.Mutex
		listeners []net.Listener
		conns     map[*conn]struct{}
		closing   bool
	}
	wg       sync.WaitGroup // connection and listener goroutines
	sweepers sync.WaitGroup
	stop     chan struct{}

	// remote, in accelerator mode (the handler has a backend), is the
	// RESP table on the upstream, which the key commands use instead of
	// a local table (remote.go).
	remote *remoteKeys
}

// New returns a RESP server on the store h serves; the DYNAMODB command runs
// operations through h.
func New(h *dynamodb.Handler, opts Options) *Server {
	if opts.Table == "" {
		opts.Table = "redis"
	}
	if opts.SweepInterval == 0 {
		opts.SweepInterval = 100 * time.Millisecond
	}
	if opts.RescanInterval == 0 {
		opts.RescanInterval = time.Minute
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	s := &Server{store: h.Store(), handler: h, opts: opts, start: time.Now(), stop: make(chan struct{})}
	if api := h.API(); api != h {
		s.remote = &remoteKeys{api: api, table: opts.Table}
	}
	s.stats, s.cmdStats = newCommandStats()
	s.mu.conns = make(map[*conn]struct{})
	s.expires.init()
	s.pubsub.init()
	if opts.PubSubLimit == (OutputLimit{}) {
		opts.PubSubLimit = DefaultPubSubLimit
	}
	if s.remote != nil {
		// Accelerator mode: a command may wait for the upstream (a round
		// trip; a dead one up to --upstream-timeout), which on an event
		// loop would hold up every connection of the loop: each
		// connection gets a goroutine of its own (remote.go).
		opts.EventLoops = -1
	}
	if opts.EventLoops == 0 {
		opts.EventLoops = DefaultEventLoops
	}
	if opts.ProtoMaxBulkLen <= 0 {
		opts.ProtoMaxBulkLen = DefaultProtoMaxBulkLen
	}
	s.opts = opts
	if p, err := parsePolicy(opts.MaxMemoryPolicy); err == nil {
		s.setPolicy(p)
	} else {
		opts.Logf("%v: using noeviction", err)
	}
	if opts.MaxMemory > 0 {
		s.store.Budget().SetMax(opts.MaxMemory)
	}
	s.sweepers.Add(1)
	go func() { // the budget's watcher: used memory into an atomic
		defer s.sweepers.Done()
		s.store.Budget().Watch(s.stop)
	}()
	s.loops = startLoops(s, opts.EventLoops)
	if opts.SweepInterval > 0 {
		s.sweepers.Add(1)
		go s.sweep()
	}
	return s
}

// Serve accepts connections on ln until Shutdown. It returns at once.
func (s *Server) Serve(ln net.Listener) {
	s.mu.Lock()
	if s.mu.closing {
		s.mu.Unlock()
		ln.Close()
		return
	}
	s.mu.listeners = append(s.mu.listeners, ln)
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		var delay time.Duration
		for {
			nc, err := ln.Accept()
			if err != nil {
				if s.isClosing() || errors.Is(err, net.ErrClosed) {
					return
				}
				// Temporary failure (e.g. out of file descriptors):
				// back off as net/http does.
				if delay == 0 {
					delay = 5 * time.Millisecond
				} else if delay *= 2; delay > time.Second {
					delay = time.Second
				}
				s.opts.Logf("resp: accept: %v; retrying in %v", err, delay)
				select {
				case <-time.After(delay):
				case <-s.stop:
					return
				}
				continue
			}
			delay = 0
			if max := s.opts.MaxClients; max > 0 && s.clients.Load() >= int64(max) {
				nc.SetWriteDeadline(time.Now().Add(time.Second))
				nc.Write([]byte("-ERR max number of clients reached\r\n"))
				nc.Close()
				continue
			}
			if len(s.loops) > 0 {
				l := s.loops[s.next.Add(1)%uint64(len(s.loops))]
				if c, ok := l.adopt(nc); ok {
					s.mu.Lock()
					if s.mu.closing {
						s.mu.Unlock()
						c.fd.Close()
						return
					}
					s.mu.conns[c] = struct{}{}
					s.mu.Unlock()
					l.add(c)
					continue
				}
			}
			c := newConn(s, nc)
			s.mu.Lock()
			if s.mu.closing {
				s.mu.Unlock()
				nc.Close()
				return
			}
			s.mu.conns[c] = struct{}{}
			s.wg.Add(1)
			s.mu.Unlock()
			go func() {
				defer s.wg.Done()
				c.serve()
				s.mu.Lock()
				delete(s.mu.conns, c)
				s.mu.Unlock()
			}()
		}
	}()
}

func (s *Server) isClosing() bool { return s.closing.Load() }

// forget removes a closed connection from the server's list.
func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.mu.conns, c)
	s.mu.Unlock()
}

// Shutdown stops accepting connections, lets every connection finish the
// batch of requests it is running and send its replies, closes the
// connections, and stops the sweeper. When ctx ends first, the remaining
// connections are closed at once.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.mu.closing {
		s.mu.closing = true
		s.closing.Store(true)
		close(s.stop)
		for _, ln := range s.mu.listeners {
			ln.Close()
		}
		// Wake connections blocked reading: they finish their batch and
		// see the deadline; event loops finish their turn and close theirs.
		for c := range s.mu.conns {
			c.nc.SetReadDeadline(time.Now())
		}
		for _, l := range s.loops {
			l.wake()
		}
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		s.sweepers.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		for c := range s.mu.conns {
			if c.fd == nil { // a loop closes its own
				c.nc.Close()
			}
		}
		s.mu.Unlock()
		<-done
		return ctx.Err()
	}
}

// Table errors, in Redis's style.
func (s *Server) errBadSchema(ks shard.KeySchema) error {
	return respErr(fmt.Sprintf("ERR table '%s' cannot hold Redis keys: its key schema must be %s (S, HASH) alone, it is %s (%s, HASH)%s",
		s.opts.Table, attrKey, ks.HashName, ks.HashType, rangeDesc(ks)))
}

func rangeDesc(ks shard.KeySchema) string {
	if !ks.HasRange() {
		return ""
	}
	return fmt.Sprintf(" + %s (%s, RANGE)", ks.RangeName, ks.RangeType)
}

func schemaOK(ks shard.KeySchema) bool {
	return ks.HashName == attrKey && ks.HashType == attr.S && !ks.HasRange()
}

// readTable returns the RESP table, or nil when it does not exist (reads
// then see no keys).
func (s *Server) readTable() (*shard.Table, error) {
	t, ok := s.store.Table(s.opts.Table)
	if !ok {
		return nil, nil
	}
	if !schemaOK(t.Schema()) {
		return nil, s.errBadSchema(t.Schema())
	}
	return t, nil
}

// writeTable returns the RESP table, creating it through the DynamoDB API
// when it does not exist so that it is described like any table.
func (s *Server) writeTable() (*shard.Table, error) {
	if t, err := s.readTable(); t != nil || err != nil {
		return t, err
	}
	s.tableMu.Lock()
	defer s.tableMu.Unlock()
	if t, err := s.readTable(); t != nil || err != nil {
		return t, err
	}
	body := `{"TableName":` + string(appendJSONString(nil, s.opts.Table)) +
		`,"AttributeDefinitions":[{"AttributeName":"` + attrKey + `","AttributeType":"S"}]` +
		`,"KeySchema":[{"AttributeName":"` + attrKey + `","KeyType":"HASH"}]` +
		`,"BillingMode":"PAY_PER_REQUEST"}`
	if _, e := s.handler.Do("CreateTable", []byte(body)); e != nil && !isResourceInUse(e) {
		return nil, dynamoError(e)
	}
	if t, err := s.readTable(); t != nil || err != nil {
		return t, err
	}
	return nil, respErr("ERR table '" + s.opts.Table + "' could not be created")
}

func isResourceInUse(e *dynamodb.Error) bool {
	return exceptionName(e.Type) == "ResourceInUseException"
}
