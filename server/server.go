// Package server runs dynacache: it opens the store, serves the DynamoDB
// API over HTTP (and, from the RESP issue on, the Redis protocol), and shuts
// down gracefully.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/dynacache/dynacache/accel"
	"github.com/dynacache/dynacache/backup"
	"github.com/dynacache/dynacache/pitr"
	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/protocol/http1"
	"github.com/dynacache/dynacache/protocol/resp"
	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/stream"
	"github.com/dynacache/dynacache/wal"
)

// Config is the server's configuration (see cmd/dynacache for the flags).
type Config struct {
	HTTPAddr string // DynamoDB API listen address
	RESPAddr string // RESP listen address ("": no RESP listener)
	Dir      string // data directory
	InMemory bool   // no persistence
	Fsync    string // always | everysec | no
	Region   string // region named in ARNs
	// IdleRelease returns the heap's spare memory to the system once the
	// process has been quiet for a second (idle.go).
	IdleRelease bool
	// SnapshotBytes is the log size that triggers a snapshot (0: the
	// default; negative: never).
	SnapshotBytes int64
	Log           io.Writer

	// RESPTable is the table Redis keys live in ("": "redis");
	// RequirePass, when set, makes RESP clients AUTH first.
	RESPTable   string
	RequirePass string
	// Credentials, when set, is a file of access keys (LoadCredentials):
	// every DynamoDB request must then be signed with one of them.
	Credentials string
	// ProtectedMode refuses to listen beyond loopback with no credentials
	// (and, for RESP, no password). On by default.
	ProtectedMode bool
	// TLSCert and TLSKey, when set, are PEM files: the DynamoDB port serves
	// HTTPS and the RESP port TLS (tls.go).
	TLSCert, TLSKey string
	Version         string // shown by RESP INFO and HELLO

	// CacheBytes bounds the DynamoDB read cache (0: off).
	CacheBytes int64
	// PprofAddr, when set, serves net/http/pprof on its own listener; it
	// must be a loopback address.
	PprofAddr string
	// MaxConnections bounds the open connections of each port (limit.go);
	// 0: DefaultMaxConnections, negative: no limit.
	MaxConnections int
	// LogFormat is text (the default) or json; LogLevel debug, info (the
	// default), warn or error (logging.go).
	LogFormat, LogLevel string
	// MetricsAddr, when set, serves Prometheus metrics (/metrics) and
	// /healthz, /readyz on its own listener.
	MetricsAddr string
	// RESPLoops is the number of RESP event loops (0: resp's default;
	// negative: a goroutine per connection).
	RESPLoops int
	// ProtoMaxBulkLen is RESP's proto-max-bulk-len, the longest bulk
	// string and the most arguments of a request (0: resp's default, 1 MiB;
	// else at least 1 MiB, as Redis requires).
	ProtoMaxBulkLen int64
	// HTTPServer is the HTTP/1.1 server of the DynamoDB API: "dynacache"
	// (protocol/http1, the default) or "net/http" (the standard library's,
	// a fallback for a client that meets a difference between them).
	HTTPServer string
	// RequestTimeout bounds how long a DynamoDB Query, Scan or
	// BatchGetItem runs before it stops with an InternalServerError (0:
	// no bound). Writes are never stopped.
	RequestTimeout time.Duration

	// Upstream, when set, runs the server as an accelerator in front of
	// this DynamoDB-compatible endpoint (package accel): DynamoDB requests
	// are served from an item cache of CacheBytes and the upstream, not
	// the local store.
	Upstream string
	// UpstreamRegion signs upstream requests ("": the AWS configuration's
	// region, else us-east-1).
	UpstreamRegion string
	// UpstreamTimeout bounds one upstream call (0: accel.DefaultTimeout).
	UpstreamTimeout time.Duration
	// ItemTTL is how long the accelerator keeps an item (0:
	// accel.DefaultItemTTL).
	ItemTTL time.Duration
	// QueryTTL is how long the accelerator keeps a Query or Scan reply
	// (0: accel.DefaultQueryTTL).
	QueryTTL time.Duration
	// Coherence is the accelerator's --coherence: streams (the default)
	// or ttl.
	Coherence string
	// UpstreamStreams is the upstream's DynamoDB Streams endpoint ("":
	// derived from Upstream).
	UpstreamStreams string
	// CORSOrigins are the browser origins whose pages may call the
	// DynamoDB API, comma-separated ("*": any; "": this machine's pages,
	// or any page when Credentials are set).
	CORSOrigins string
	// CoherenceFrom is the RESP address of the accelerator node that reads
	// the streams and relays their records ("": this node reads them
	// itself, and relays them to any follower).
	CoherenceFrom string
	// UpstreamCredentials sign upstream requests (nil: the AWS default
	// credential chain).
	UpstreamCredentials aws.CredentialsProvider
	// TTLInterval is how often the time-to-live expirer deletes expired
	// items of the local tables (0: every second).
	TTLInterval time.Duration
	// StreamShardInterval is how long a stream shard stays open before
	// its child takes over (0: stream.DefaultShardInterval, 4 hours).
	StreamShardInterval time.Duration
	// StreamRetention is how long stream records are kept (0: 24 hours).
	StreamRetention time.Duration
	// MaxMemory is the memory budget in bytes (0: none) and
	// MaxMemoryPolicy Redis's maxmemory-policy ("": noeviction) for the
	// RESP keys (protocol/resp/maxmemory.go, shard.Budget).
	MaxMemory       int64
	MaxMemoryPolicy string
	// ExportDir is the directory S3 buckets are mapped onto for exports
	// and imports: s3://bucket/prefix is ExportDir/bucket/prefix ("":
	// Dir/exports, or none in memory).
	ExportDir string
	// PITRMaxBytes bounds the disk (in memory: the memory) that the
	// point-in-time histories use (0: no bound; see package pitr).
	PITRMaxBytes int64
}

// DefaultCacheBytes is the read cache's default bound: 64 MiB holds the
// JSON of a hot set of about 100,000 items of a few hundred bytes, a small
// share of what an in-memory store of hot data uses anyway, and its
// ristretto counters take about 1 MB.
const DefaultCacheBytes = 64 << 20

// DefaultRequestTimeout is the default RequestTimeout. A page of Query or
// Scan (at most 1 MB) takes milliseconds; 30 s is far beyond any request
// doing useful work, and shorter than the AWS SDKs' socket timeouts (the
// Java SDK's 50 s), so the server stops before the client gives up and
// retries, rather than working on behind its back.
const DefaultRequestTimeout = 30 * time.Second

// DefaultConfig returns the embedded defaults.
func DefaultConfig() Config {
	return Config{
		HTTPAddr: "127.0.0.1:8000",
		RESPAddr: "127.0.0.1:6379",
		Dir:      "./dynacache-data",
		Fsync:    "everysec",
		Region:   "us-east-1",

		CacheBytes:    DefaultCacheBytes,
		HTTPServer:    "dynacache",
		ProtectedMode: true,

		RequestTimeout: DefaultRequestTimeout,
	}
}

// Validate checks a configuration.
func (c Config) Validate() error {
	switch c.Fsync {
	case "always", "everysec", "no":
	default:
		return fmt.Errorf("invalid --fsync %q: must be always, everysec or no", c.Fsync)
	}
	switch c.HTTPServer {
	case "", "dynacache", "net/http":
	default:
		return fmt.Errorf("invalid --http-server %q: must be dynacache or net/http", c.HTTPServer)
	}
	if c.HTTPAddr == "" {
		return errors.New("--http address must not be empty")
	}
	if c.RequestTimeout < 0 {
		return fmt.Errorf("invalid --request-timeout %v: must not be negative", c.RequestTimeout)
	}
	if c.CacheBytes < 0 {
		return fmt.Errorf("invalid --cache-bytes %d: must not be negative", c.CacheBytes)
	}
	if c.ProtoMaxBulkLen != 0 && c.ProtoMaxBulkLen < 1<<20 {
		return fmt.Errorf("invalid --proto-max-bulk-len %d: must be at least 1048576 (1 MiB), as in Redis", c.ProtoMaxBulkLen)
	}
	if c.MaxMemory < 0 {
		return fmt.Errorf("invalid --maxmemory %d: must not be negative", c.MaxMemory)
	}
	if err := resp.ParseMaxMemoryPolicy(c.MaxMemoryPolicy); err != nil {
		return fmt.Errorf("invalid --maxmemory-policy %q: %v", c.MaxMemoryPolicy, err)
	}
	if c.UpstreamTimeout < 0 {
		return fmt.Errorf("invalid --upstream-timeout %s: must not be negative", c.UpstreamTimeout)
	}
	if c.ItemTTL < 0 {
		return fmt.Errorf("invalid --item-ttl %s: must not be negative", c.ItemTTL)
	}
	if c.QueryTTL < 0 {
		return fmt.Errorf("invalid --query-ttl %s: must not be negative", c.QueryTTL)
	}
	if c.TTLInterval < 0 {
		return fmt.Errorf("invalid --ttl-interval %s: must not be negative", c.TTLInterval)
	}
	if c.PprofAddr != "" && !isLoopback(c.PprofAddr) {
		return fmt.Errorf("invalid --pprof %q: must be a loopback address such as 127.0.0.1:6060", c.PprofAddr)
	}
	return c.checkProtected()
}

// isLoopback reports whether addr (host:port) names a loopback host.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Server is a running dynacache.
type Server struct {
	cfg     Config
	store   *shard.Store
	log     *wal.Log // nil in memory
	streams *stream.Hub
	pitr    *pitr.Keeper
	changes *changePublisher // table changes on RESP channels (nil once shut down)
	// publisher is changes, kept for the metrics after shutdown.
	publisher *changePublisher
	handler   *dynamodb.Handler
	expirer   *dynamodb.Expirer // time to live
	resp      *resp.Server
	accel     *accel.Accelerator // nil unless Upstream is set

	mu      sync.Mutex
	servers []interface{ Shutdown(context.Context) error } // *http.Server, *http1.Server
	wg      sync.WaitGroup

	certs  *certs // nil: no TLS
	logger *slog.Logger

	closing      atomic.Bool  // Shutdown has begun (readyz)
	netHTTPConns atomic.Int64 // open connections of the net/http server
}

// Open prepares a server: it opens the store (and, with persistence, its
// data directory).
func Open(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	logger, err := newLogger(cfg.Log, cfg.LogFormat, cfg.LogLevel)
	if err != nil {
		return nil, err
	}
	cfg.CacheBytes = cacheBudget(cfg, logger) // budget.go
	var tlsCerts *certs
	if cfg.TLSCert != "" || cfg.TLSKey != "" {
		if cfg.TLSCert == "" || cfg.TLSKey == "" {
			return nil, errors.New("--tls-cert and --tls-key go together")
		}
		tlsCerts = &certs{certFile: cfg.TLSCert, keyFile: cfg.TLSKey}
		if err := tlsCerts.load(); err != nil {
			return nil, err
		}
	}
	var creds map[string]string
	if cfg.Credentials != "" {
		var err error
		if creds, err = LoadCredentials(cfg.Credentials); err != nil {
			return nil, err
		}
	}
	var (
		store *shard.Store
		log   *wal.Log
	)
	// The streams' hub opens before the log: recovery hands it the changes
	// of the records it replays (stream/hub.go).
	sopts := stream.Options{ShardInterval: cfg.StreamShardInterval, Retention: cfg.StreamRetention, Logf: printf(logger, slog.LevelWarn)}
	if !cfg.InMemory {
		sopts.Dir = filepath.Join(cfg.Dir, "streams")
	}
	hub, err := stream.Open(sopts)
	if err != nil {
		return nil, err
	}
	// The point-in-time histories too (package pitr): the log hands the
	// changes of PITR tables to both.
	popts := pitr.Options{MaxBytes: cfg.PITRMaxBytes, Logf: printf(logger, slog.LevelWarn)}
	if !cfg.InMemory {
		popts.Dir = filepath.Join(cfg.Dir, "pitr")
	}
	keeper, err := pitr.Open(popts)
	if err != nil {
		hub.Close()
		return nil, err
	}
	closeKeeper := func() {
		keeper.Stop()
		keeper.Close()
	}
	if cfg.InMemory {
		store = shard.New(nil)
		keeper.Attach(store, nil)
	} else {
		policy, err := wal.ParsePolicy(cfg.Fsync)
		if err != nil {
			closeKeeper()
			hub.Close()
			return nil, err
		}
		log, store, err = wal.Open(cfg.Dir, wal.Options{Policy: policy, SnapshotBytes: cfg.SnapshotBytes, Logger: logger, Changes: pitr.Tee(hub, keeper)})
		if err != nil {
			closeKeeper()
			hub.Close()
			return nil, err
		}
		keeper.Attach(store, log.Sync)
	}
	// On-demand backups: files in DIR/backups, complete once the log is
	// durable up to their instant (package backup).
	bopts := backup.Options{Logf: printf(logger, slog.LevelError)}
	if log != nil {
		bopts.Dir, bopts.Sync = filepath.Join(cfg.Dir, "backups"), log.Sync
	}
	backups, err := backup.Open(bopts)
	if err != nil {
		if log != nil {
			log.Close()
		}
		closeKeeper()
		hub.Close()
		return nil, err
	}
	hopts := dynamodb.Options{Region: cfg.Region, CacheBytes: cfg.CacheBytes, Credentials: creds, RequestTimeout: cfg.RequestTimeout, Streams: hub,
		Backups: backups, PITR: keeper, Logf: printf(logger, slog.LevelError), ExportDir: cfg.ExportDir}
	if !cfg.InMemory {
		if hopts.ExportDir == "" {
			hopts.ExportDir = filepath.Join(cfg.Dir, "exports")
		}
		hopts.JobJournal = filepath.Join(cfg.Dir, "exports-imports.jsonl")
	}
	for _, o := range strings.Split(cfg.CORSOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			hopts.CORSOrigins = append(hopts.CORSOrigins, o)
		}
	}
	var acc *accel.Accelerator
	// The RESP server the accelerator relays its stream records on is made
	// after it: relay is bound to it below.
	relay := &recordRelay{}
	if cfg.Upstream != "" {
		var err error
		if acc, err = openAccelerator(cfg, logger, relay.publish); err != nil {
			if log != nil {
				log.Close()
			}
			closeKeeper()
			hub.Close()
			return nil, err
		}
		hopts.Backend, hopts.CacheBytes = acc, 0
	}
	h := dynamodb.NewHandler(store, hopts)
	budgetCaches(store, h, acc)
	h.Local().ResumeRestores() // restores a crash or shutdown interrupted
	persistence := ""
	if !cfg.InMemory {
		persistence = "wal fsync " + cfg.Fsync
	}
	// RESP gets the local handler (its own tables, e.g. INFO's); its
	// DYNAMODB command reaches the backend through the handler's API twin,
	// and so, in accelerator mode, do its key commands: the Redis keys are
	// then the upstream's --resp-table (protocol/resp/remote.go).
	maxClients := cfg.MaxConnections
	if maxClients == 0 {
		maxClients = DefaultMaxConnections
	}
	rs := resp.New(h.Local(), resp.Options{Table: cfg.RESPTable, RequirePass: cfg.RequirePass, Credentials: creds, MaxClients: maxClients,
		Version: cfg.Version, Persistence: persistence, EventLoops: cfg.RESPLoops, ProtoMaxBulkLen: cfg.ProtoMaxBulkLen,
		Logf: printf(logger, slog.LevelWarn), AcceleratorInfo: accelInfo(acc), PersistenceInfo: pitrInfo(keeper),
		MaxMemory: cfg.MaxMemory, MaxMemoryPolicy: cfg.MaxMemoryPolicy})
	relay.rs.Store(rs)
	// Every table's changes on the RESP channel dynamodb:<TableName>
	// (changes.go).
	pub := startChangePublisher(rs, h.Local(), store, hub, logger)
	// Time to live: expired items of the local tables are deleted in the
	// background, through the same logged write path as a DeleteItem.
	exp := h.NewExpirer(dynamodb.ExpirerOptions{Interval: cfg.TTLInterval})
	exp.Start()
	return &Server{cfg: cfg, store: store, log: log, streams: hub, pitr: keeper, changes: pub, publisher: pub, handler: h, expirer: exp, resp: rs, certs: tlsCerts, accel: acc, logger: logger}, nil
}

// pitrInfo returns the RESP INFO Persistence section's lines of the
// point-in-time histories.
func pitrInfo(k *pitr.Keeper) func() []string {
	return func() []string {
		st := k.Stats()
		return []string{
			fmt.Sprintf("dynacache_pitr_tables:%d", st.Tables),
			fmt.Sprintf("dynacache_pitr_bytes:%d", st.Bytes),
			fmt.Sprintf("dynacache_pitr_bases:%d", st.Bases),
			fmt.Sprintf("dynacache_pitr_log_entries:%d", st.Entries),
		}
	}
}

// accelInfo returns the RESP INFO Accelerator section's lines of acc (nil
// when there is no accelerator: no section).
func accelInfo(acc *accel.Accelerator) func() []string {
	if acc == nil {
		return nil
	}
	return func() []string { return acc.Stats().Info() }
}

// openAccelerator builds the accelerator of cfg.Upstream: its credentials
// and region from the AWS default configuration unless given.
func openAccelerator(cfg Config, logger *slog.Logger, relay func(table, shard string, record []byte)) (*accel.Accelerator, error) {
	region, creds := cfg.UpstreamRegion, cfg.UpstreamCredentials
	if region == "" || creds == nil {
		var opts []func(*config.LoadOptions) error
		if region != "" {
			opts = append(opts, config.WithRegion(region))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
		if err != nil {
			return nil, fmt.Errorf("--upstream: loading the AWS configuration: %w", err)
		}
		if region == "" {
			region = awsCfg.Region
		}
		if region == "" {
			region = "us-east-1"
			logger.Warn("no --upstream-region and no region in the AWS configuration: signing for " + region)
		}
		if creds == nil {
			creds = awsCfg.Credentials
		}
	}
	dir := ""
	if !cfg.InMemory {
		dir = cfg.Dir // the item cache and the stream positions survive restarts
	}
	acc, err := accel.New(accel.Options{
		Upstream:    cfg.Upstream,
		Region:      region,
		Timeout:     cfg.UpstreamTimeout,
		ItemTTL:     cfg.ItemTTL,
		QueryTTL:    cfg.QueryTTL,
		CacheBytes:  cfg.CacheBytes,
		Credentials: creds,
		Coherence:   cfg.Coherence,
		Streams:     cfg.UpstreamStreams,
		Dir:         dir,
		// Fan-out (accel/fanout.go): follow a reader node, or relay the
		// records read here to the nodes that follow this one.
		CoherenceFrom: cfg.CoherenceFrom,
		PublishRecord: relay,
		Logger:        logger,
	})
	if err != nil {
		return nil, err
	}
	// Warm restart: the saved cache is loaded and the streams replayed
	// before anything is served.
	if err := acc.Start(); err != nil {
		acc.Close()
		return nil, err
	}
	return acc, nil
}

// Accelerator returns the accelerator (nil unless Config.Upstream is set).
func (s *Server) Accelerator() *accel.Accelerator { return s.accel }

// Store returns the server's store.
func (s *Server) Store() *shard.Store { return s.store }

// Handler returns the DynamoDB API handler.
func (s *Server) Handler() *dynamodb.Handler { return s.handler }

// ServeHTTP serves the DynamoDB API on ln until Shutdown. It returns at once.
func (s *Server) ServeHTTP(ln net.Listener) {
	if s.cfg.HTTPServer == "net/http" {
		s.serveNetHTTP(ln)
		return
	}
	hs := &http1.Server{
		Handler:        s.handler,
		MaxHeaderBytes: 64 << 10,
		MaxBodyBytes:   dynamodb.MaxRequestBytes,
		ReadTimeout:    30 * time.Second,
		IdleTimeout:    5 * time.Minute,
		ErrorLog:       printf(s.logger.With("port", "http"), slog.LevelWarn),
		ErrorHeaders:   s.handler.AppendErrorHeaders,
	}
	s.start("http server", hs, func() error { return hs.Serve(ln) }, http1.ErrServerClosed)
}

// serveNetHTTP is ServeHTTP on net/http's server.
func (s *Server) serveNetHTTP(ln net.Listener) {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       5 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ConnState:         connCounter(&s.netHTTPConns),
	}
	s.start("http server", hs, func() error { return hs.Serve(ln) }, http.ErrServerClosed)
}

// ServePprof serves net/http/pprof on ln, on a mux of its own, until
// Shutdown. It returns at once.
func (s *Server) ServePprof(ln net.Listener) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 30 * time.Second}
	s.start("pprof server", hs, func() error { return hs.Serve(ln) }, http.ErrServerClosed)
}

// start runs serve on a goroutine of its own until Shutdown, which shuts
// srv down; an error other than closed is logged under name.
func (s *Server) start(name string, srv interface{ Shutdown(context.Context) error }, serve func() error, closed error) {
	s.mu.Lock()
	s.servers = append(s.servers, srv)
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := serve(); err != nil && !errors.Is(err, closed) {
			s.logger.Error(name+" stopped", "err", err)
		}
	}()
}

// ServeRESP serves the Redis protocol on ln until Shutdown. It returns at
// once.
func (s *Server) ServeRESP(ln net.Listener) { s.resp.Serve(ln) }

// listen opens a further listener of Run; if it fails, what Run has
// started is shut down.
func (s *Server) listen(flag, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(sctx)
		return nil, fmt.Errorf("listen on %s %s: %w", flag, addr, err)
	}
	return ln, nil
}

// Run listens on the configured addresses, prints one line per listener,
// and serves until ctx is done; then it shuts down gracefully.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on --http %s: %w", s.cfg.HTTPAddr, err)
	}
	s.ServeHTTP(s.WrapTLS(limitConns(ln, s.maxConns(), httpRefusal(s.maxConns()), s.refusedConn("http"))))
	scheme, tlsNote := "http", ""
	if s.TLS() {
		scheme, tlsNote = "https", " (TLS)"
	}
	s.logger.Info(fmt.Sprintf("DynamoDB API listening on %s://%s", scheme, ln.Addr()))
	if s.accel != nil {
		s.logger.Info(fmt.Sprintf("accelerating %s (item and query caches %d bytes)", s.accel.Endpoint(), s.cfg.CacheBytes))
	}
	if s.cfg.RESPAddr != "" {
		rln, err := s.listen("--resp", s.cfg.RESPAddr)
		if err != nil {
			return err
		}
		s.ServeRESP(s.WrapTLS(rln))
		s.logger.Info(fmt.Sprintf("RESP listening on %s%s", rln.Addr(), tlsNote))
	}
	if s.cfg.MetricsAddr != "" {
		mln, err := s.listen("--metrics", s.cfg.MetricsAddr)
		if err != nil {
			return err
		}
		s.ServeMetrics(mln)
		s.logger.Info(fmt.Sprintf("metrics on http://%s/metrics", mln.Addr()))
	}
	if s.cfg.PprofAddr != "" {
		pln, err := s.listen("--pprof", s.cfg.PprofAddr)
		if err != nil {
			return err
		}
		s.ServePprof(pln)
		s.logger.Info(fmt.Sprintf("pprof on http://%s/debug/pprof/", pln.Addr()))
	}
	if s.cfg.IdleRelease {
		go releaseWhenIdle(ctx, s.logger) // idle.go
	}
	if s.cfg.InMemory {
		s.logger.Info("in memory: nothing is persisted")
	} else {
		s.logger.Info(fmt.Sprintf("data in %s, fsync %s", s.cfg.Dir, s.cfg.Fsync))
	}
	<-ctx.Done()
	s.logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.Shutdown(sctx)
}

// Shutdown stops accepting requests, waits for those in flight (until ctx
// is done), and closes the store.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closing.Store(true)
	if s.expirer != nil {
		s.expirer.Close() // before the log closes: its deletes are logged
		s.expirer = nil
	}
	s.mu.Lock()
	servers := s.servers
	s.servers = nil
	s.mu.Unlock()
	var first error
	for _, hs := range servers {
		if err := hs.Shutdown(ctx); err != nil && first == nil {
			first = err
		}
	}
	s.wg.Wait()
	if err := s.resp.Shutdown(ctx); err != nil && first == nil {
		first = err
	}
	if first == nil {
		// Only once nothing is serving: ristretto must not be used after
		// Close, and a handler still running past ctx might.
		s.handler.Close()
		if s.accel != nil {
			s.accel.Close()
		}
	}
	// Before the log closes: backups being written wait for it, and
	// restores write through it.
	s.handler.CloseBackups()
	if s.pitr != nil {
		s.pitr.Stop() // no new base: they sync the log
	}
	if s.log != nil {
		if err := s.log.Close(); err != nil && first == nil {
			first = err
		}
		s.log = nil
	}
	if s.changes != nil {
		s.changes.Close()
		s.changes = nil
	}
	// After the log: its last commits may still hand changes over.
	if s.pitr != nil {
		if err := s.pitr.Close(); err != nil && first == nil {
			first = err
		}
		s.pitr = nil
	}
	if s.streams != nil {
		if err := s.streams.Close(); err != nil && first == nil {
			first = err
		}
		s.streams = nil
	}
	return first
}

// Close releases the server's resources without serving (for a server that
// was opened but not run).
func (s *Server) Close() error {
	return s.Shutdown(context.Background())
}

// maxConns is the connection limit of a port (<= 0: none).
func (s *Server) maxConns() int {
	if s.cfg.MaxConnections == 0 {
		return DefaultMaxConnections
	}
	return s.cfg.MaxConnections
}

// refusedConn logs connections refused over the limit, at most once a
// minute per port (never per connection under load).
func (s *Server) refusedConn(port string) func() {
	var last atomic.Int64
	var refused atomic.Int64
	return func() {
		n := refused.Add(1)
		now := time.Now().UnixNano()
		if l := last.Load(); now-l < int64(time.Minute) || !last.CompareAndSwap(l, now) {
			return
		}
		s.logger.Warn("refusing connections over --max-connections", "port", port, "max", s.maxConns(), "refused_so_far", n)
	}
}
