package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

// Config is a benchmark run's configuration (see Main for the flags).
type Config struct {
	Targets       []string
	Workload      Workload
	Dist          string
	Records       int64
	ValueSize     int
	Fields        int // DynamoDB: attributes of value-size bytes per item (v, f1, f2, ...)
	Conns         int
	Pipeline      int
	Batch         int
	ScanMax       int
	PartitionSize int64
	Duration      time.Duration
	Ops           int64
	Warmup        time.Duration
	Rounds        int
	Rate          float64
	Load          bool
	LoadOnly      bool
	LoadBatch     int
	LoadTimeout   time.Duration
	Table         string
	Seed          uint64
	Timeout       time.Duration
	Region        string
	Creds         Credentials
	AllowRemote   bool
	JSON          bool
	Report        string
	Progress      string
	FailOnError   bool
	CPUProfile    string
}

// tableName is DynamoDB's rule for table names (and keeps the name safe to
// write into JSON unescaped).
var tableName = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)

// targetList is a repeatable --target flag.
type targetList []string

func (t *targetList) String() string     { return strings.Join(*t, ",") }
func (t *targetList) Set(v string) error { *t = append(*t, v); return nil }

const usage = `Usage: dynacache bench [flags]

Load generator for dynacache's DynamoDB (HTTP) and Redis (RESP) ports, and
for any peer speaking the same protocols (DynamoDB, dynalite, redis-server).

Workloads (--workload): YCSB's core workloads
  a  50% read, 50% update      (zipfian)     d  95% read latest, 5% insert (latest)
  b  95% read, 5% update       (zipfian)     e  95% short scan, 5% insert  (zipfian)
  c  100% read                 (zipfian)     f  50% read, 50% read-modify-write (zipfian)
or one operation (uniform):
  DynamoDB  get put update query batchget batchwrite insert rmw
            tx-write-N tx-get-N (TransactWriteItems of N Puts, TransactGetItems
            of N Gets; N defaults to --batch)
  RESP      get set update incr hset mget scan insert rmw
or --mix get=0.9,put=0.1. A read is GetItem / GET, an update UpdateItem / SET,
a scan a Query on one partition / MGET of consecutive keys.

Targets: http://HOST:PORT or https://... (DynamoDB JSON API, SigV4-signed),
resp://HOST:PORT (Redis protocol). Several --target flags compare them in
alternating rounds (A B A B ...) and print the ratios to the first.
Targets other than loopback need --allow-remote.

Examples:
  dynacache bench --workload a --duration 30s
  dynacache bench --target resp://127.0.0.1:6379 --workload set --pipeline 16
  dynacache bench --workload get --distribution uniform --connections 64 \
      --target http://127.0.0.1:8000 --target http://127.0.0.1:8001 --rounds 3
  dynacache bench --target https://dynamodb.eu-west-1.amazonaws.com --allow-remote \
      --region eu-west-1 --workload c --records 1000 --connections 4 --ops 1000

Flags:
`

// Main runs `dynacache bench` with the arguments after "bench"; it returns
// the process exit code: 0 when the run completed (server errors are
// reported, not fatal, unless --fail-on-error), 1 when it could not run, 2
// for bad flags.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, args, os.Getenv, stdout, stderr)
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, getenv, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "dynacache bench: %v\n", err)
		return 2
	}
	targets, err := buildTargets(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "dynacache bench: %v\n", err)
		return 2
	}
	var live io.Writer
	switch cfg.Progress {
	case "always":
		live = stdout
	case "auto":
		if isTerminal(stdout) {
			live = stdout
		}
	}
	if cfg.JSON && live != nil {
		live = stderr
	}
	if cfg.CPUProfile != "" {
		f, err := os.Create(cfg.CPUProfile)
		if err != nil {
			fmt.Fprintf(stderr, "dynacache bench: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "dynacache bench: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := execute(ctx, cfg, targets, live, stderr)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(stderr, "dynacache bench: interrupted: the figures are partial")
		} else {
			fmt.Fprintf(stderr, "dynacache bench: %v\n", err)
		}
		if rep == nil {
			return 1
		}
	}
	if cfg.JSON {
		if err := writeJSON(stdout, rep); err != nil {
			fmt.Fprintf(stderr, "dynacache bench: %v\n", err)
			return 1
		}
	} else {
		writeText(stdout, rep)
	}
	if cfg.Report != "" {
		if err := writeHTMLFile(cfg.Report, rep); err != nil {
			fmt.Fprintf(stderr, "dynacache bench: %v\n", err)
			return 1
		}
		if !cfg.JSON {
			fmt.Fprintf(stdout, "report written to %s\n", cfg.Report)
		}
	}
	if err != nil {
		return 1
	}
	if cfg.FailOnError && rep.errors() > 0 {
		return 1
	}
	return 0
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (*Config, error) {
	cfg := &Config{}
	fs := flag.NewFlagSet("dynacache bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var targets targetList
	fs.Var(&targets, "target", "target `URL`: http://, https:// (DynamoDB API) or resp:// (repeatable; default http://127.0.0.1:8000)")
	compare := fs.Bool("compare", false, "compare the targets in alternating rounds (implied by several --target)")
	workload := fs.String("workload", "a", "`name`: a-f (YCSB) or one operation (get, put, update, query, batchget, batchwrite, set, incr, hset, mget, insert, scan, rmw)")
	mix := fs.String("mix", "", "operation mix, e.g. get=0.9,put=0.1 (overrides --workload)")
	dist := fs.String("distribution", "", "key distribution: uniform, zipfian or latest (default: the workload's)")
	fs.Int64Var(&cfg.Records, "records", 100_000, "`number` of records (loaded first, then read and updated)")
	fs.IntVar(&cfg.ValueSize, "value-size", 100, "value size in `bytes`")
	fs.IntVar(&cfg.Fields, "fields", 1, "DynamoDB: value attributes per item, each of --value-size bytes (v, f1, f2, ...; YCSB's records have 10)")
	fs.IntVar(&cfg.Conns, "connections", 16, "concurrent connections (one worker each)")
	fs.IntVar(&cfg.Pipeline, "pipeline", 1, "RESP: commands in flight per connection")
	fs.IntVar(&cfg.Batch, "batch", 10, "keys per BatchGetItem/BatchWriteItem/MGET/TransactWriteItems/TransactGetItems")
	fs.IntVar(&cfg.ScanMax, "scan-max", 100, "longest scan (scans are 1..N records, uniform)")
	fs.Int64Var(&cfg.PartitionSize, "partition-size", 100, "DynamoDB: records per partition key (a scan queries one partition)")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "measured time per round and target")
	fs.Int64Var(&cfg.Ops, "ops", 0, "measured operations per round and target (0: run for --duration)")
	fs.DurationVar(&cfg.Warmup, "warmup", 2*time.Second, "warm-up before each measured round (run, not counted)")
	fs.Float64Var(&cfg.Rate, "rate", 0, "target `ops/s` over all connections; latency then counts from when each request was due (0: closed loop, as fast as replies come)")
	fs.IntVar(&cfg.Rounds, "rounds", 0, "rounds per target (default 1, or 3 when comparing)")
	skipLoad := fs.Bool("skip-load", false, "do not load the records first")
	fs.BoolVar(&cfg.LoadOnly, "load-only", false, "load the records, then stop")
	fs.IntVar(&cfg.LoadBatch, "load-batch", 1, "records per load request: 1 uses PutItem/SET, more BatchWriteItem/MSET")
	fs.DurationVar(&cfg.LoadTimeout, "load-timeout", 10*time.Minute, "bound on the load phase")
	fs.StringVar(&cfg.Table, "table", "bench", "DynamoDB table (created on demand, key pk S HASH, sk S RANGE)")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "random seed")
	fs.DurationVar(&cfg.Timeout, "timeout", 10*time.Second, "per-request timeout")
	fs.StringVar(&cfg.Region, "region", "", "AWS region to sign for (default $AWS_REGION, $AWS_DEFAULT_REGION, us-east-1)")
	fs.StringVar(&cfg.Creds.AccessKey, "access-key", "", "AWS access key id (default $AWS_ACCESS_KEY_ID, or \"local\")")
	fs.StringVar(&cfg.Creds.SecretKey, "secret-key", "", "AWS secret access key (default $AWS_SECRET_ACCESS_KEY, or \"local\")")
	fs.StringVar(&cfg.Creds.SessionToken, "session-token", "", "AWS session token (default $AWS_SESSION_TOKEN)")
	fs.BoolVar(&cfg.AllowRemote, "allow-remote", false, "allow targets that are not loopback addresses (e.g. AWS)")
	fs.BoolVar(&cfg.JSON, "json", false, "print the results as JSON")
	fs.StringVar(&cfg.Report, "report", "", "write a self-contained HTML report to `FILE`")
	fs.StringVar(&cfg.Progress, "progress", "auto", "live line each second: auto (when stdout is a terminal), always or never")
	fs.BoolVar(&cfg.FailOnError, "fail-on-error", false, "exit 1 if any operation failed")
	fs.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write the generator's own CPU profile to `FILE` (to check it is not the bottleneck)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	cfg.Targets = targets
	if len(cfg.Targets) == 0 {
		cfg.Targets = []string{"http://127.0.0.1:8000"}
	}
	if *compare && len(cfg.Targets) < 2 {
		return nil, errors.New("--compare needs at least two --target flags")
	}
	if cfg.Rounds == 0 {
		cfg.Rounds = 1
		if len(cfg.Targets) > 1 {
			cfg.Rounds = 3
		}
	}
	w, err := parseWorkload(*workload, *mix)
	if err != nil {
		return nil, err
	}
	cfg.Workload = w
	if w.Batch > 0 {
		cfg.Batch = w.Batch // tx-write-10: the workload's count wins over --batch
	}
	cfg.Dist = w.Dist
	if *dist != "" {
		cfg.Dist = *dist
	}
	if _, err := newChooser(cfg.Dist, 2); err != nil {
		return nil, err
	}
	cfg.Load = !*skipLoad
	if cfg.LoadOnly && *skipLoad {
		return nil, errors.New("--load-only and --skip-load exclude each other")
	}
	if cfg.Ops > 0 && !set["duration"] {
		cfg.Duration = 10 * time.Minute // a bound, not the goal
	}
	switch {
	case cfg.Records < 1 || cfg.Records > 1e10:
		return nil, errors.New("--records must be in 1..10^10")
	case cfg.ValueSize < 1 || cfg.ValueSize > 350_000:
		return nil, errors.New("--value-size must be in 1..350000 (a DynamoDB item is at most 400 KB)")
	case cfg.Fields < 1 || cfg.Fields > 1000:
		return nil, errors.New("--fields must be in 1..1000")
	case int64(cfg.Fields)*int64(cfg.ValueSize) > 350_000:
		return nil, errors.New("--fields x --value-size must be at most 350000 (a DynamoDB item is at most 400 KB)")
	case cfg.Conns < 1 || cfg.Conns > 10_000:
		return nil, errors.New("--connections must be in 1..10000")
	case cfg.Pipeline < 1 || cfg.Pipeline > 10_000:
		return nil, errors.New("--pipeline must be in 1..10000")
	case cfg.Batch < 1 || cfg.Batch > 100:
		return nil, errors.New("--batch must be in 1..100")
	case cfg.LoadBatch < 1 || cfg.LoadBatch > 25:
		return nil, errors.New("--load-batch must be in 1..25 (BatchWriteItem's limit)")
	case cfg.ScanMax < 1 || cfg.ScanMax > 10_000:
		return nil, errors.New("--scan-max must be in 1..10000")
	case cfg.PartitionSize < 1 || cfg.PartitionSize > 999_999:
		return nil, errors.New("--partition-size must be in 1..999999")
	case cfg.Duration <= 0 || cfg.Duration > 24*time.Hour:
		return nil, errors.New("--duration must be in (0, 24h]")
	case cfg.Warmup < 0 || cfg.Warmup > time.Hour:
		return nil, errors.New("--warmup must be in [0, 1h]")
	case cfg.Rounds < 1 || cfg.Rounds > 100:
		return nil, errors.New("--rounds must be in 1..100")
	case !tableName.MatchString(cfg.Table):
		return nil, fmt.Errorf("--table %q: a DynamoDB table name is 3-255 characters of a-z, A-Z, 0-9, '_', '-', '.'", cfg.Table)
	case cfg.Rate < 0 || cfg.Rate > 1e9:
		return nil, errors.New("--rate must be in 0..10^9")
	case cfg.Ops < 0:
		return nil, errors.New("--ops must not be negative")
	case cfg.Timeout <= 0:
		return nil, errors.New("--timeout must be positive")
	case cfg.LoadTimeout <= 0:
		return nil, errors.New("--load-timeout must be positive")
	}
	switch cfg.Progress {
	case "auto", "always", "never":
	default:
		return nil, fmt.Errorf("--progress %q: auto, always or never", cfg.Progress)
	}
	// Credentials and region: flags, then the usual AWS variables, then
	// placeholders that a local server accepts.
	firstOf := func(vals ...string) string {
		for _, v := range vals {
			if v != "" {
				return v
			}
		}
		return ""
	}
	cfg.Region = firstOf(cfg.Region, getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"), "us-east-1")
	cfg.Creds.AccessKey = firstOf(cfg.Creds.AccessKey, getenv("AWS_ACCESS_KEY_ID"), "local")
	cfg.Creds.SecretKey = firstOf(cfg.Creds.SecretKey, getenv("AWS_SECRET_ACCESS_KEY"), "local")
	cfg.Creds.SessionToken = firstOf(cfg.Creds.SessionToken, getenv("AWS_SESSION_TOKEN"))
	return cfg, nil
}

// buildTargets parses the target URLs and refuses non-loopback hosts
// unless --allow-remote.
func buildTargets(cfg *Config) ([]target, error) {
	var out []target
	for _, raw := range cfg.Targets {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("target %q: want http://HOST:PORT, https://HOST[:PORT] or resp://HOST:PORT", raw)
		}
		if !cfg.AllowRemote && !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("target %q is not a loopback address: pass --allow-remote to load a remote server", raw)
		}
		var t target
		switch u.Scheme {
		case "http", "https":
			t, err = newDynamoTarget(raw, u, cfg)
		case "resp", "redis":
			t, err = newRESPTarget(raw, u, cfg)
		default:
			err = fmt.Errorf("target %q: unknown scheme %q (http, https, resp)", raw, u.Scheme)
		}
		if err != nil {
			return nil, err
		}
		for _, op := range cfg.Workload.ops() {
			if opNames[op][t.proto()] == "" {
				return nil, fmt.Errorf("target %q: operation %s has no %s form", raw, opNames[op][1-t.proto()], protoName(t.proto()))
			}
		}
		out = append(out, t)
	}
	return out, nil
}

func protoName(p int) string {
	if p == protoRESP {
		return "RESP"
	}
	return "DynamoDB"
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// targetRun is everything measured on one target.
type targetRun struct {
	t      target
	load   *phaseResult
	rounds []*phaseResult
	keys   *keySpace
}

// execute prepares and loads every target, then runs the rounds: for each
// round, each target in turn (A B A B ...), so slow drifts of a noisy
// machine fall on every target alike.
func execute(ctx context.Context, cfg *Config, targets []target, live, stderr io.Writer) (*Report, error) {
	started := time.Now()
	runs := make([]*targetRun, len(targets))
	for i, t := range targets {
		runs[i] = &targetRun{t: t, keys: newKeySpace(cfg.Records)}
		if err := t.prepare(ctx, time.Minute); err != nil {
			return nil, err
		}
	}
	for _, tr := range runs {
		if !cfg.Load {
			continue
		}
		depth := 1
		if tr.t.proto() == protoRESP {
			depth = 64
		}
		spec := phaseSpec{name: "load", duration: cfg.LoadTimeout, depth: depth, loadFrom: 0, loadTo: cfg.Records}
		res, err := runPhase(ctx, cfg, tr.t, spec, tr.keys, 0, live)
		if err != nil {
			return nil, err
		}
		tr.load = res
		if live != nil {
			fmt.Fprintf(live, "load %s: %d records in %.1fs, %d errors\n", tr.t, res.Records, res.Elapsed.Seconds(), res.errors())
		}
	}
	var err error
	if !cfg.LoadOnly {
	rounds:
		for r := range cfg.Rounds {
			for _, tr := range runs {
				depth := 1
				if tr.t.proto() == protoRESP {
					depth = cfg.Pipeline
				}
				spec := phaseSpec{name: "run", workload: cfg.Workload, dist: cfg.Dist, warmup: cfg.Warmup,
					duration: cfg.Duration, ops: cfg.Ops, depth: depth, rate: cfg.Rate}
				res, e := runPhase(ctx, cfg, tr.t, spec, tr.keys, r+1, live)
				if res != nil {
					tr.rounds = append(tr.rounds, res)
				}
				if e != nil {
					err = e
					break rounds
				}
			}
		}
	}
	return buildReport(cfg, runs, started), err
}
