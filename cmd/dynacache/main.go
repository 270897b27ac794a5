// Command dynacache is a local and edge DynamoDB: the DynamoDB JSON API on
// HTTP and, on the same data, the Redis protocol.
//
//	dynacache [flags]
//
// Every flag can also be set from an environment variable: --http from
// DYNACACHE_HTTP, --in-memory from DYNACACHE_IN_MEMORY, and so on. A flag on
// the command line wins over the environment.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/dynacache/dynacache/accel"
	"github.com/dynacache/dynacache/bench"
	"github.com/dynacache/dynacache/protocol/resp"
	"github.com/dynacache/dynacache/server"
	"github.com/dynacache/dynacache/wal"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// envName returns the environment variable of a flag: http -> DYNACACHE_HTTP.
// defaultGCPercent is the collector's target when neither --gc-percent
// nor GOGC says otherwise.
const defaultGCPercent = 50

func envName(flagName string) string {
	return "DYNACACHE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "bench" {
		return bench.Main(args[1:], stdout, stderr)
	}
	if len(args) > 0 {
		if tool, ok := tools[args[0]]; ok {
			return tool(args[1:], getenv, stdout, stderr)
		}
	}
	cfg := server.DefaultConfig()
	fs := flag.NewFlagSet("dynacache", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.HTTPAddr, "http", cfg.HTTPAddr, "DynamoDB API listen `address`")
	fs.StringVar(&cfg.RESPAddr, "resp", cfg.RESPAddr, "RESP (Redis protocol) listen `address` (empty: none)")
	fs.StringVar(&cfg.RESPTable, "resp-table", "redis", "`table` holding the Redis keys (created on first write)")
	fs.StringVar(&cfg.RequirePass, "requirepass", "", "RESP `password` clients must AUTH with (empty: none)")
	fs.StringVar(&cfg.Credentials, "credentials", "", "`file` of access keys, one \"ACCESS_KEY_ID SECRET_ACCESS_KEY\" per line: DynamoDB requests must be signed (SigV4) with one of them (empty: signatures are not verified)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "PEM certificate `file`: serve HTTPS on the DynamoDB port and TLS on the RESP port (reloaded on SIGHUP)")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "PEM private key `file` of --tls-cert")
	fs.BoolVar(&cfg.ProtectedMode, "protected-mode", cfg.ProtectedMode, "refuse to listen beyond loopback without --credentials (and, for RESP, --requirepass)")
	fs.StringVar(&cfg.Dir, "dir", cfg.Dir, "data `directory`")
	fs.BoolVar(&cfg.InMemory, "in-memory", false, "keep everything in memory (no persistence)")
	fs.StringVar(&cfg.Fsync, "fsync", cfg.Fsync, "log fsync `policy`: always, everysec or no")
	fs.StringVar(&cfg.Region, "region", cfg.Region, "`region` named in table ARNs")
	fs.Int64Var(&cfg.SnapshotBytes, "snapshot-bytes", wal.DefaultSnapshotBytes, "write a snapshot when the log has grown by this many `bytes` (negative: never)")
	fs.Int64Var(&cfg.CacheBytes, "cache-bytes", cfg.CacheBytes, "read cache size in `bytes` for GetItem and BatchGetItem; with --upstream, the item and query caches (0: off)")
	fs.DurationVar(&cfg.RequestTimeout, "request-timeout", cfg.RequestTimeout, "stop a DynamoDB Query, Scan or BatchGetItem running longer than this `duration` with an InternalServerError (0: never)")
	fs.StringVar(&cfg.PprofAddr, "pprof", "", "serve net/http/pprof on this loopback `address` (empty: off)")
	fs.BoolVar(&cfg.IdleRelease, "idle-release", true, "after a second without allocation, collect and return the heap's spare memory to the system (once per 64 MiB allocated)")
	fs.IntVar(&cfg.MaxConnections, "max-connections", 0, "most open client connections per port; one more is refused with a clear error (0: "+strconv.Itoa(server.DefaultMaxConnections)+"; negative: no limit)")
	fs.StringVar(&cfg.LogFormat, "log-format", "text", "log `format`: text or json (log/slog)")
	fs.StringVar(&cfg.LogLevel, "log-level", "info", "log `level`: debug, info, warn or error")
	fs.StringVar(&cfg.MetricsAddr, "metrics", "", "serve Prometheus metrics (/metrics) and /healthz, /readyz on this `address` (empty: off)")
	fs.IntVar(&cfg.RESPLoops, "resp-loops", 0, "RESP event `loops` (0: the default, "+strconv.Itoa(resp.DefaultEventLoops)+"; negative: a goroutine per connection)")
	fs.Int64Var(&cfg.ProtoMaxBulkLen, "proto-max-bulk-len", resp.DefaultProtoMaxBulkLen, "longest RESP bulk string, and most arguments of a request, in `bytes` (at least 1048576)")
	fs.StringVar(&cfg.HTTPServer, "http-server", cfg.HTTPServer, "HTTP/1.1 `server` of the DynamoDB API: dynacache (its own) or net/http (Go's)")
	fs.StringVar(&cfg.Upstream, "upstream", "", "run as an accelerator in front of this DynamoDB-compatible endpoint `URL` (empty: serve the local store)")
	fs.StringVar(&cfg.UpstreamRegion, "upstream-region", "", "`region` upstream requests are signed for (empty: the AWS configuration's, else us-east-1)")
	fs.DurationVar(&cfg.UpstreamTimeout, "upstream-timeout", accel.DefaultTimeout, "longest `wait` for one upstream call before the client gets ServiceUnavailable")
	fs.DurationVar(&cfg.ItemTTL, "item-ttl", accel.DefaultItemTTL, "how long the accelerator keeps a cached item (`duration`)")
	fs.DurationVar(&cfg.QueryTTL, "query-ttl", accel.DefaultQueryTTL, "how long the accelerator keeps a cached Query or Scan reply (`duration`)")
	fs.StringVar(&cfg.Coherence, "coherence", accel.CoherenceStreams, "how the accelerator's caches follow changes made elsewhere: `streams` (tail the DynamoDB Stream of every cached table that has one; TTL for the others) or ttl (entries expire only)")
	fs.StringVar(&cfg.CORSOrigins, "cors-origins", "", "browser `origins` whose pages may call the DynamoDB API, comma-separated, or * for any (empty: pages of this machine, or any page with --credentials)")
	fs.StringVar(&cfg.CoherenceFrom, "coherence-from", "", "the RESP `address` of the accelerator node that reads the upstream's streams: this node reads none and applies the records that node relays (one reader for N nodes; DynamoDB serves about two readers per shard)")
	fs.StringVar(&cfg.UpstreamStreams, "upstream-streams", "", "the upstream's DynamoDB Streams endpoint `URL` (empty: https://streams.dynamodb.<region>.amazonaws.com for AWS, else the --upstream URL)")
	fs.DurationVar(&cfg.TTLInterval, "ttl-interval", time.Second, "how often expired items (time to live) are deleted (`duration`)")
	fs.DurationVar(&cfg.StreamShardInterval, "stream-shard-interval", 4*time.Hour, "how long a DynamoDB Streams shard stays open before its child takes over (`duration`)")
	fs.DurationVar(&cfg.StreamRetention, "stream-retention", 24*time.Hour, "how long DynamoDB Streams records are kept (`duration`)")
	fs.Int64Var(&cfg.PITRMaxBytes, "pitr-max-bytes", 0, "bound on the disk the point-in-time recovery histories use, in `bytes` (0: none); past it the oldest history goes first and the earliest restorable times move forward")
	fs.StringVar(&cfg.ExportDir, "export-dir", "", "`directory` S3 buckets are mapped onto for ExportTableToPointInTime and ImportTable: s3://bucket/prefix is DIR/bucket/prefix (empty: DIR/exports of --dir; none with --in-memory)")
	fs.Func("maxmemory", "memory budget in `bytes` (units as Redis: 100mb, 2gb, ...): over it a RESP write evicts keys by --maxmemory-policy or gets Redis's OOM error, a DynamoDB write an InternalServerError; the Go runtime's memory limit follows it (0: no limit, the default)", func(v string) error {
		n, ok := resp.ParseMemory(v)
		if !ok {
			return errors.New("not a memory value (e.g. 1073741824, 512mb, 2gb)")
		}
		cfg.MaxMemory = n
		return nil
	})
	fs.StringVar(&cfg.MaxMemoryPolicy, "maxmemory-policy", "noeviction", "what a RESP write over --maxmemory does: `policy` noeviction (Redis's OOM error), or evict RESP keys by allkeys-lru, allkeys-lfu, allkeys-random, volatile-lru, volatile-lfu, volatile-random or volatile-ttl; DynamoDB tables are never evicted")
	gcPercent := fs.Int("gc-percent", 0, "garbage collector target `percent`: the heap may grow this much over live data between collections; "+
		"lower saves memory (RSS) at some cost in write throughput (0: GOGC when set, else 50)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: dynacache [flags]\n\n"+
			"A local DynamoDB (JSON API over HTTP) that also speaks RESP.\n"+
			"Each flag may also be set from the environment: --http from DYNACACHE_HTTP, --in-memory from DYNACACHE_IN_MEMORY, ...\n\nFlags:\n")
		fs.PrintDefaults()
	}

	// Environment first, so the command line overrides it.
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		v := getenv(envName(f.Name))
		if v == "" || envErr != nil {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			envErr = fmt.Errorf("invalid %s=%q: %v", envName(f.Name), v, err)
		}
	})
	if envErr != nil {
		fmt.Fprintf(stderr, "dynacache: %v\n", envErr)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "dynacache: unexpected argument %s\n", strconv.Quote(fs.Arg(0)))
		fs.Usage()
		return 2
	}
	if *showVersion {
		fmt.Fprintf(stdout, "dynacache %s\n", version)
		return 0
	}
	switch {
	case *gcPercent > 0:
		debug.SetGCPercent(*gcPercent)
	case getenv("GOGC") == "":
		// Half of Go's default: the items live in arenas the collector
		// hardly traces (shard/arena.go), so collecting twice as often
		// costs little (SET and INCR -P 16 within 1%, HTTP PutItem 1-2%)
		// and RSS is 14% lower (1M RESP strings: about 305 B/item, not
		// 355; bench/RESULTS.md).
		debug.SetGCPercent(defaultGCPercent)
	}
	cfg.Log = stdout
	cfg.Version = version
	srv, err := server.Open(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "dynacache: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if srv.TLS() {
		// SIGHUP reloads the certificate (connections made after it get the
		// new one).
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
		go func() {
			for {
				select {
				case <-hup:
					if err := srv.ReloadTLS(); err != nil {
						srv.Logger().Error("SIGHUP: certificate not reloaded, the previous one stays", "err", err)
					} else {
						srv.Logger().Info("SIGHUP: certificate reloaded from " + cfg.TLSCert)
					}
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	if err := srv.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "dynacache: %v\n", err)
		return 1
	}
	return 0
}
