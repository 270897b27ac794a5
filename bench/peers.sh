#!/usr/bin/env bash
# bench/peers.sh: run dynacache beside its peers on this machine and write
# bench/RESULTS.md. One command regenerates it:
#
#   bash bench/peers.sh            # the full run (about 15 minutes)
#   QUICK=1 bash bench/peers.sh    # a short smoke run (small data, short rounds)
#
# It installs the peers if they are missing (redis-server and redis-benchmark
# from Debian's packages, dynalite from npm into bench/.peers, git-ignored),
# builds dynacache, starts every server on free 127.0.0.1 ports (persistent
# ones in temporary directories), runs the comparisons, and stops every
# process it started, by PID. Only loopback addresses are used; every step
# is bounded in time, and so is the whole run (PEERS_TIMEOUT seconds).
#
# Comparisons (same run, alternating rounds, ratios):
#   HTTP  GetItem and PutItem, dynacache vs dynalite: `dynacache bench`,
#         100-byte values, 100k keys, uniform, 64 connections
#   RESP  SET/GET/INCR, dynacache vs redis-server: redis-benchmark -c 50,
#         without and with -P 16
#   memory   RSS holding 1M items of 100-byte values, vs redis-server with 1M keys
#   start-up time to listening on an empty directory, and idle RSS
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
  RECORDS=${RECORDS:-10000}; MEM_RECORDS=${MEM_RECORDS:-100000}; ROUNDS=${ROUNDS:-2}
  DURATION=${DURATION:-3s}; WARMUP=${WARMUP:-1s}; RB_N=${RB_N:-50000}; RB_NP=${RB_NP:-200000}; STARTS=${STARTS:-3}
else
  RECORDS=${RECORDS:-100000}; MEM_RECORDS=${MEM_RECORDS:-1000000}; ROUNDS=${ROUNDS:-3}
  DURATION=${DURATION:-10s}; WARMUP=${WARMUP:-2s}; RB_N=${RB_N:-300000}; RB_NP=${RB_NP:-2000000}; STARTS=${STARTS:-5}
fi
PEERS_TIMEOUT=${PEERS_TIMEOUT:-3000}
DYNALITE_VERSION=4.0.0
OUT=${OUT:-$root/bench/RESULTS.md}
deadline=$((SECONDS + PEERS_TIMEOUT))

work=$(mktemp -d /tmp/dynacache-peers.XXXXXX)
reports="$root/bench/.peers/reports"
mkdir -p "$reports"
pids=()

log() { echo "peers: $*" >&2; }
die() { log "FAIL: $*"; exit 1; }
left() { # seconds left before the whole run's deadline (at least 1)
  local s=$((deadline - SECONDS))
  ((s > 0)) || die "the run took longer than PEERS_TIMEOUT=${PEERS_TIMEOUT}s"
  echo "$s"
}
bounded() { # bounded SECONDS CMD...: run CMD within SECONDS and the run's deadline
  local t=$1; shift
  local l; l=$(left)
  ((t < l)) || t=$l
  timeout --kill-after=10 "$t" "$@"
}

stop_pid() { # stop_pid PID: SIGTERM, up to 15 s, then SIGKILL; only our own PIDs
  local p=$1
  kill -0 "$p" 2>/dev/null || return 0
  kill -TERM "$p" 2>/dev/null || true
  for _ in $(seq 1 150); do
    kill -0 "$p" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}
cleanup() {
  for p in "${pids[@]}"; do stop_pid "$p"; done
  rm -rf "$work"
}
trap cleanup EXIT

# ---------------------------------------------------------------- install
export DEBIAN_FRONTEND=noninteractive
need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v redis-benchmark >/dev/null 2>&1 || need_apt+=(redis-tools)
command -v jq >/dev/null 2>&1 || need_apt+=(jq)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
if ((${#need_apt[@]})); then
  log "installing ${need_apt[*]} from apt"
  bounded 300 apt-get update -qq
  bounded 600 apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
dynalite_dir="$root/bench/.peers"
if [ ! -f "$dynalite_dir/node_modules/dynalite/cli.js" ]; then
  log "installing dynalite@$DYNALITE_VERSION from npm into bench/.peers"
  mkdir -p "$dynalite_dir"
  (cd "$dynalite_dir" && bounded 300 npm install --no-audit --no-fund --loglevel=error "dynalite@$DYNALITE_VERSION" >/dev/null)
fi
dynalite_cli="$dynalite_dir/node_modules/dynalite/cli.js"
dynalite_ver=$(node -p "require('$dynalite_dir/node_modules/dynalite/package.json').version")

log "building dynacache"
bin="$work/dynacache"
bounded 300 go build -o "$bin" ./cmd/dynacache

free_port() { # a free loopback port (asks the kernel)
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
wait_line() { # wait_line FILE REGEX SECONDS: print the first line of FILE matching REGEX
  local end=$((SECONDS + $3)) line
  while ((SECONDS < end)); do
    if line=$(grep -m1 -E "$2" "$1" 2>/dev/null); then echo "$line"; return 0; fi
    sleep 0.05
  done
  return 1
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f MiB", k/1024}'; }

# start_dynacache NAME [FLAG...]: start dynacache (fsync everysec, fresh
# directory, and any extra flags) on free ports; sets dc_pid, dc_http,
# dc_resp ("" when there is no RESP port).
start_dynacache() {
  local name=$1 dir="$work/$1.data" logf="$work/$1.log"
  shift
  mkdir -p "$dir"
  "$bin" --http 127.0.0.1:0 --resp 127.0.0.1:0 --fsync everysec --dir "$dir" "$@" >"$logf" 2>&1 &
  dc_pid=$!
  pids+=("$dc_pid")
  wait_line "$logf" 'DynamoDB API listening on' 30 >/dev/null || { cat "$logf"; die "$name did not start"; }
  wait_line "$logf" 'data in |in memory' 10 >/dev/null || true # the last start-up line
  dc_http=$(sed -n 's|.*DynamoDB API listening on http://\([0-9.:]*\).*|\1|p' "$logf" | head -1)
  dc_resp=$(sed -n 's|.*RESP listening on \([0-9.:]*\).*|\1|p' "$logf" | head -1)
}
# start_redis NAME: redis-server with the append-only file (everysec), no
# RDB snapshots, in a fresh directory; sets rd_pid, rd_port.
start_redis() {
  local name=$1 dir="$work/$1.data" logf="$work/$1.log"
  mkdir -p "$dir"
  rd_port=$(free_port)
  redis-server --bind 127.0.0.1 --port "$rd_port" --dir "$dir" --appendonly yes --appendfsync everysec --save '' \
    --daemonize no >"$logf" 2>&1 &
  rd_pid=$!
  pids+=("$rd_pid")
  wait_line "$logf" 'Ready to accept connections' 30 >/dev/null || { cat "$logf"; die "$name did not start"; }
}
# start_dynalite NAME: dynalite in memory; sets dl_pid, dl_port.
start_dynalite() {
  local logf="$work/$1.log"
  dl_port=$(free_port)
  node "$dynalite_cli" --host 127.0.0.1 --port "$dl_port" --createTableMs 0 >"$logf" 2>&1 &
  dl_pid=$!
  pids+=("$dl_pid")
  wait_line "$logf" 'listening' 30 >/dev/null || { cat "$logf"; die "dynalite did not start"; }
}

# startup_ms REGEX CMD...: print "MS RSS_KB": milliseconds from exec to the
# first output line matching REGEX (read as it is written, through a fifo),
# and the RSS one second later; then stop the process.
startup_ms() {
  local re=$1; shift
  local fifo="$work/startup.fifo" t0 t1="" line p rss
  rm -f "$fifo"; mkfifo "$fifo"
  t0=$EPOCHREALTIME
  "$@" >"$fifo" 2>&1 &
  p=$!
  exec 3<"$fifo" # keep the read end open until the process is stopped
  while IFS= read -r -t 20 -u 3 line; do
    if [[ $line =~ $re ]]; then t1=$EPOCHREALTIME; break; fi
  done
  sleep 1
  rss=$(rss_kb "$p" 2>/dev/null || echo 0)
  stop_pid "$p"
  exec 3<&-
  [ -n "$t1" ] || die "no line matching '$re' from $1"
  awk -v a="$t0" -v b="$t1" -v r="$rss" 'BEGIN {printf "%.1f %d\n", (b-a)*1000, r}'
}
median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else printf "%.2f\n", (v[NR/2]+v[NR/2+1])/2}'; }

# ---------------------------------------------------------------- machine
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
mem=$(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
redis_ver=$(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p')
go_ver=$(go env GOVERSION)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain 2>/dev/null | grep -q . && echo " (work tree with uncommitted changes)" || true)

# ---------------------------------------------------------------- start-up and idle RSS
log "start-up time and idle RSS ($STARTS starts each)"
dc_starts=(); rd_starts=(); dc_idle=(); rd_idle=()
resp_present=no
for i in $(seq 1 "$STARTS"); do
  d="$work/empty-$i"; mkdir -p "$d"
  read -r ms kb < <(startup_ms 'DynamoDB API listening on' "$bin" --http 127.0.0.1:0 --resp 127.0.0.1:0 --fsync everysec --dir "$d")
  dc_starts+=("$ms"); dc_idle+=("$kb")
  rd="$work/empty-redis-$i"; mkdir -p "$rd"
  read -r ms kb < <(startup_ms 'Ready to accept connections' redis-server --bind 127.0.0.1 --port "$(free_port)" --dir "$rd" \
    --appendonly yes --appendfsync everysec --save '' --daemonize no)
  rd_starts+=("$ms"); rd_idle+=("$kb")
done
dc_start_med=$(printf '%s\n' "${dc_starts[@]}" | median)
rd_start_med=$(printf '%s\n' "${rd_starts[@]}" | median)
dc_idle_med=$(printf '%s\n' "${dc_idle[@]}" | median)
rd_idle_med=$(printf '%s\n' "${rd_idle[@]}" | median)

# ---------------------------------------------------------------- servers for the comparisons
log "starting dynacache, dynalite and redis-server"
start_dynacache dc; DC_PID=$dc_pid; DC_HTTP=$dc_http; DC_RESP=$dc_resp
[ -n "$DC_RESP" ] && resp_present=yes
start_dynalite dl; DL_PID=$dl_pid; DL_PORT=$dl_port
start_redis rd; RD_PID=$rd_pid; RD_PORT=$rd_port
dl_idle_kb=$(rss_kb "$DL_PID")
log "dynacache http=$DC_HTTP resp=${DC_RESP:-none}, dynalite :$DL_PORT, redis :$RD_PORT"

# ---------------------------------------------------------------- HTTP: dynacache vs dynalite
common=(--records "$RECORDS" --value-size 100 --connections 64 --distribution uniform --rounds "$ROUNDS"
  --duration "$DURATION" --warmup "$WARMUP" --progress never --json)
http_targets=(--target "http://$DC_HTTP" --target "http://127.0.0.1:$DL_PORT")
log "HTTP GetItem: load $RECORDS items into both, then $ROUNDS rounds"
bounded 1500 "$bin" bench "${http_targets[@]}" --workload get --load-batch 25 "${common[@]}" \
  --report "$reports/http-getitem.html" >"$work/http-get.json" 2>"$work/http-get.err" || { cat "$work/http-get.err"; die "HTTP GetItem run"; }
log "HTTP PutItem"
bounded 900 "$bin" bench "${http_targets[@]}" --workload put --skip-load "${common[@]}" \
  --report "$reports/http-putitem.html" >"$work/http-put.json" 2>"$work/http-put.err" || { cat "$work/http-put.err"; die "HTTP PutItem run"; }

http_rows() { # http_rows FILE: one table row per operation
  jq -r '
    def f0: (. * 1 | round | tostring);
    def lat: ((.latency_us.p50 / 1000 * 100 | round) / 100 | tostring) + " / " + ((.latency_us.p99 / 1000 * 100 | round) / 100 | tostring);
    .targets as $t |
    range(0; $t[0].ops | length) as $i |
    "| \($t[0].ops[$i].op) | \($t[0].ops[$i].ops_per_sec | f0) | \($t[1].ops[$i].ops_per_sec | f0) | **\(($t[0].ops[$i].ops_per_sec / $t[1].ops[$i].ops_per_sec * 100 | round) / 100)x** | \($t[0].ops[$i] | lat) | \($t[1].ops[$i] | lat) | \($t[0].ops[$i].errors) / \($t[1].ops[$i].errors) | \($t[0].round_ops_per_sec | map(round | tostring) | join(", ")) / \($t[1].round_ops_per_sec | map(round | tostring) | join(", ")) |"
  ' "$1"
}
http_table=$( { http_rows "$work/http-get.json"; http_rows "$work/http-put.json"; } )

# The floor: a bare net/http server answering every request with {}.
log "HTTP floor: GetItem, dynacache vs a bare net/http server (bench/nullhttp)"
bounded 300 go build -o "$work/nullhttp" ./bench/nullhttp
"$work/nullhttp" --addr 127.0.0.1:0 >"$work/nullhttp.log" 2>&1 &
nl_pid=$!
pids+=("$nl_pid")
wait_line "$work/nullhttp.log" 'listening on' 30 >/dev/null || { cat "$work/nullhttp.log"; die "nullhttp did not start"; }
NL_HTTP=$(sed -n 's|.*listening on http://\([0-9.:]*\).*|\1|p' "$work/nullhttp.log" | head -1)
bounded 900 "$bin" bench --target "http://$DC_HTTP" --target "http://$NL_HTTP" --workload get --skip-load "${common[@]}" \
  >"$work/http-null.json" 2>"$work/http-null.err" || { cat "$work/http-null.err"; die "HTTP floor run"; }
stop_pid "$nl_pid"
null_table=$(http_rows "$work/http-null.json")

# Latency at half of the maximum throughput: the closed-loop maximum of a
# run above, halved, offered as --rate (latency counted from when each
# request was due).
half_common=(--records "$RECORDS" --value-size 100 --distribution uniform --rounds 1 --duration "$DURATION"
  --warmup "$WARMUP" --progress never --json --skip-load)
half_rows=""
half_run() { # half_run LABEL MAXJSON TARGET WORKLOAD CONNS [FLAG...]: one row of the half-load table
  local label=$1 maxjson=$2 target=$3 workload=$4 conns=$5
  shift 5
  local max rate f="$work/half-$RANDOM.json"
  max=$(jq -r '.targets[0].ops[0].ops_per_sec' "$maxjson")
  rate=$(awk -v m="$max" 'BEGIN {printf "%d", m / 2}')
  log "half load: $label at $rate ops/s"
  bounded 300 "$bin" bench --target "$target" --workload "$workload" --connections "$conns" --rate "$rate" "${half_common[@]}" "$@" \
    >"$f" 2>"$f.err" || { cat "$f.err"; die "half-load run $label"; }
  half_rows+=$(jq -r --arg l "$label" --arg m "$max" --arg r "$rate" '
    def ms: ((. / 1000 * 1000 | round) / 1000 | tostring);
    .targets[0].ops[0] as $o |
    "| \($l) | \($m | tonumber | round) | \($r) | \($o.ops_per_sec | round) | \($o.latency_us.p50 | ms) | \($o.latency_us.p99 | ms) | \($o.latency_us.p99_9 | ms) | \($o.errors) |"' "$f")$'\n'
}
half_run "HTTP GetItem (64 connections)" "$work/http-get.json" "http://$DC_HTTP" get 64
half_run "HTTP PutItem (64 connections)" "$work/http-put.json" "http://$DC_HTTP" put 64

# The read cache: hot keys (zipfian) read from dynacache with its default
# cache and from one started with --cache-bytes 0, same data: YCSB's record
# shape (10 fields of 100 bytes), first 10,000 records (the hot set fits the
# default 64 MiB), then 100,000 (it does not: many reads miss).
log "read cache: hot-key GetItem, --cache-bytes default vs 0"
start_dynacache nocache --cache-bytes 0; NC_PID=$dc_pid; NC_HTTP=$dc_http
cache_rows=""
for recs in 10000 $((RECORDS > 10000 ? RECORDS : 20000)); do
  bounded 900 "$bin" bench --target "http://$DC_HTTP" --target "http://$NC_HTTP" --workload get --load-batch 25 \
    --records "$recs" --value-size 100 --fields 10 --connections 64 --distribution zipfian --rounds "$ROUNDS" \
    --duration "$DURATION" --warmup "$WARMUP" --progress never --json \
    >"$work/http-cache-$recs.json" 2>"$work/http-cache-$recs.err" || { cat "$work/http-cache-$recs.err"; die "read cache run ($recs)"; }
  cache_rows+=$(http_rows "$work/http-cache-$recs.json" | sed "s/^| GetItem |/| GetItem, $recs records |/")$'\n'
done
stop_pid "$NC_PID"
# Back to the 100-byte items for what follows.
bounded 300 "$bin" bench --target "http://$DC_HTTP" --load-only --records "$RECORDS" --value-size 100 --load-batch 25 \
  --progress never >/dev/null 2>"$work/reload.err" || { cat "$work/reload.err"; die "reload of 100-byte items"; }
cache_table=$cache_rows


load_row=$(jq -r '.targets | map("\(.target): \(.load.records) items in \((.load.seconds * 10 | round) / 10) s, \(.load.errors) errors") | join("; ")' "$work/http-get.json")

# ---------------------------------------------------------------- RESP: redis-benchmark
rb() { # rb PORT N [-P 16]: redis-benchmark CSV rows "test rps p50"
  local port=$1 n=$2; shift 2
  bounded 300 redis-benchmark -h 127.0.0.1 -p "$port" -c 50 -n "$n" -r 100000 -d 100 -t set,get,incr --csv "$@" 2>/dev/null |
    awk -F, 'NR > 1 {for (i = 1; i <= NF; i++) gsub(/"/, "", $i); print $1, $2, $5, $7}'
}
# rb_rounds MODE A_PORT A_FILE B_PORT B_FILE LABEL: $ROUNDS alternating
# redis-benchmark rounds (MODE none or a pipeline depth) into the two files.
rb_rounds() {
  local mode=$1 ap=$2 af=$3 bp=$4 bf=$5 label=$6 n=$RB_N pflag=()
  if [ "$mode" != none ]; then n=$RB_NP; pflag=(-P "$mode"); fi
  : >"$af"; : >"$bf"
  for r in $(seq 1 "$ROUNDS"); do
    log "redis-benchmark -c 50 ${pflag[*]} round $r: $label"
    rb "$ap" "$n" "${pflag[@]}" >>"$af" || log "redis-benchmark against port $ap failed"
    rb "$bp" "$n" "${pflag[@]}" >>"$bf" || log "redis-benchmark against port $bp failed"
  done
}
resp_table=""
if [ "$resp_present" = yes ]; then
  dc_rport=${DC_RESP##*:}
  for mode in none 16; do
    rb_rounds "$mode" "$dc_rport" "$work/rb-dc-$mode" "$RD_PORT" "$work/rb-rd-$mode" "dynacache, then redis-server"
    for t in SET GET INCR; do
      dcr=$(awk -v t="$t" '$1 == t {print $2}' "$work/rb-dc-$mode" | median)
      rdr=$(awk -v t="$t" '$1 == t {print $2}' "$work/rb-rd-$mode" | median)
      dcp50=$(awk -v t="$t" '$1 == t {print $3}' "$work/rb-dc-$mode" | median)
      rdp50=$(awk -v t="$t" '$1 == t {print $3}' "$work/rb-rd-$mode" | median)
      dcp99=$(awk -v t="$t" '$1 == t {print $4}' "$work/rb-dc-$mode" | median)
      rdp99=$(awk -v t="$t" '$1 == t {print $4}' "$work/rb-rd-$mode" | median)
      dcall=$(awk -v t="$t" '$1 == t {printf "%s%.0f", s, $2; s=", "}' "$work/rb-dc-$mode")
      rdall=$(awk -v t="$t" '$1 == t {printf "%s%.0f", s, $2; s=", "}' "$work/rb-rd-$mode")
      ratio=$(awk -v a="${dcr:-0}" -v b="${rdr:-0}" 'BEGIN {if (b > 0) printf "%.2f", a/b; else print "n/a"}')
      pl=1; [ "$mode" != none ] && pl=$mode
      resp_table+="| $t | $pl | ${dcr:-n/a} | ${rdr:-n/a} | **${ratio}x** | ${dcp50:-n/a} / ${dcp99:-n/a} | ${rdp50:-n/a} / ${rdp99:-n/a} | $dcall / $rdall |"$'\n'
    done
  done
fi

# The same comparison with this package's generator (GET and SET, 50
# connections, pipeline 16): a cross-check of its RESP client against
# redis-benchmark's, on the same servers.
gen_table=""
if [ "$resp_present" = yes ]; then
  resp_targets=(--target "resp://$DC_RESP" --target "resp://127.0.0.1:$RD_PORT")
  resp_common=(--records "$RECORDS" --value-size 100 --connections 50 --pipeline 16 --distribution uniform
    --rounds "$ROUNDS" --duration "$DURATION" --warmup "$WARMUP" --progress never --json)
  log "dynacache bench, RESP GET and SET, pipeline 16"
  bounded 900 "$bin" bench "${resp_targets[@]}" --workload get "${resp_common[@]}" >"$work/resp-get.json" 2>"$work/resp-get.err" ||
    { cat "$work/resp-get.err"; die "RESP GET run"; }
  bounded 900 "$bin" bench "${resp_targets[@]}" --workload set --skip-load "${resp_common[@]}" >"$work/resp-set.json" 2>"$work/resp-set.err" ||
    { cat "$work/resp-set.err"; die "RESP SET run"; }
  gen_table=$( { http_rows "$work/resp-get.json"; http_rows "$work/resp-set.json"; } )

  # Half load on the RESP port: the closed-loop maximum without pipelining
  # (50 connections, dynacache alone), then half of it.
  for w in get set; do
    log "RESP $w closed loop, no pipelining, for the half-load run"
    bounded 300 "$bin" bench --target "resp://$DC_RESP" --workload "$w" --connections 50 "${half_common[@]}" \
      >"$work/resp-max-$w.json" 2>"$work/resp-max-$w.err" || { cat "$work/resp-max-$w.err"; die "RESP $w max run"; }
    half_run "RESP $(echo "$w" | tr a-z A-Z) (50 connections, no pipelining)" "$work/resp-max-$w.json" "resp://$DC_RESP" "$w" 50
  done
fi

# dynacache's own choices, by the numbers: its HTTP server against Go's
# net/http (--http-server net/http), its RESP event loop against a
# goroutine per connection (--resp-loops -1), on a second dynacache.
log "dynacache's choices: --http-server net/http --resp-loops -1 beside the defaults"
start_dynacache alt --http-server net/http --resp-loops -1; ALT_PID=$dc_pid; ALT_HTTP=$dc_http; ALT_RESP=$dc_resp
bounded 900 "$bin" bench --target "http://$DC_HTTP" --target "http://$ALT_HTTP" --workload get --load-batch 25 "${common[@]}" \
  >"$work/choice-http.json" 2>"$work/choice-http.err" || { cat "$work/choice-http.err"; die "HTTP server choice run"; }
choice_http=$(http_rows "$work/choice-http.json")
choice_resp=""
if [ "$resp_present" = yes ]; then
  for mode in none 16; do
    rb_rounds "$mode" "${DC_RESP##*:}" "$work/ch-dc-$mode" "${ALT_RESP##*:}" "$work/ch-alt-$mode" "event loop, then goroutines"
    for t in SET GET INCR; do
      a=$(awk -v t="$t" '$1 == t {print $2}' "$work/ch-dc-$mode" | median)
      b=$(awk -v t="$t" '$1 == t {print $2}' "$work/ch-alt-$mode" | median)
      ratio=$(awk -v a="${a:-0}" -v b="${b:-0}" 'BEGIN {if (b > 0) printf "%.2f", a/b; else print "n/a"}')
      pl=1; [ "$mode" != none ] && pl=$mode
      choice_resp+="| $t | $pl | ${a:-n/a} | ${b:-n/a} | **${ratio}x** |"$'\n'
    done
  done
fi
stop_pid "$ALT_PID"

# Stop the comparison servers before the memory runs.
for p in "$DC_PID" "$DL_PID" "$RD_PID"; do stop_pid "$p"; done

# ---------------------------------------------------------------- memory
log "memory: $MEM_RECORDS items of 100 bytes"
load_only=(--records "$MEM_RECORDS" --value-size 100 --connections 16 --load-only --progress never --json)
settle() { sleep 2; } # let the last writes and the allocator settle before reading RSS
per_item() { awk -v a="$1" -v b="$2" -v n="$MEM_RECORDS" 'BEGIN {printf "%.0f", (a-b)*1024/n}'; } # per_item RSS_KB IDLE_KB

start_dynacache mem-http
idle=$(rss_kb "$dc_pid")
bounded 900 "$bin" bench --target "http://$dc_http" --load-batch 25 "${load_only[@]}" >"$work/mem-http.json" 2>"$work/mem-http.err" ||
  { cat "$work/mem-http.err"; die "memory load over HTTP"; }
atend=$(rss_kb "$dc_pid")
settle
loaded=$(rss_kb "$dc_pid")
mem_http_err=$(jq -r '.targets[0].load.errors' "$work/mem-http.json")
mem_rows="| dynacache, DynamoDB items over HTTP (pk, sk, v: 14+6+100 bytes) | $(mib "$idle") | $(per_item "$atend" "$idle") | $(mib "$loaded") | $(per_item "$loaded" "$idle") | $mem_http_err |"$'\n'
stop_pid "$dc_pid"

if [ "$resp_present" = yes ]; then
  start_dynacache mem-resp
  idle=$(rss_kb "$dc_pid")
  bounded 900 "$bin" bench --target "resp://$dc_resp" "${load_only[@]}" >"$work/mem-resp.json" 2>"$work/mem-resp.err" ||
    { cat "$work/mem-resp.err"; die "memory load over RESP"; }
  atend=$(rss_kb "$dc_pid")
  settle
  loaded=$(rss_kb "$dc_pid")
  errs=$(jq -r '.targets[0].load.errors' "$work/mem-resp.json")
  mem_rows+="| dynacache, Redis strings over RESP (16-byte keys) | $(mib "$idle") | $(per_item "$atend" "$idle") | $(mib "$loaded") | $(per_item "$loaded" "$idle") | $errs |"$'\n'
  stop_pid "$dc_pid"
fi

start_redis mem-redis
idle=$(rss_kb "$rd_pid")
bounded 900 "$bin" bench --target "resp://127.0.0.1:$rd_port" "${load_only[@]}" >"$work/mem-redis.json" 2>"$work/mem-redis.err" ||
  { cat "$work/mem-redis.err"; die "memory load into redis"; }
atend=$(rss_kb "$rd_pid")
settle
loaded=$(rss_kb "$rd_pid")
errs=$(jq -r '.targets[0].load.errors' "$work/mem-redis.json")
dbsize=$(redis-cli -h 127.0.0.1 -p "$rd_port" dbsize)
used=$(redis-cli -h 127.0.0.1 -p "$rd_port" info memory | awk -F: '/^used_memory:/ {printf "%.1f MiB", $2/1048576}')
mem_rows+="| redis-server $redis_ver, strings (16-byte keys; dbsize $dbsize, used_memory $used) | $(mib "$idle") | $(per_item "$atend" "$idle") | $(mib "$loaded") | $(per_item "$loaded" "$idle") | $errs |"$'\n'
stop_pid "$rd_pid"

# ---------------------------------------------------------------- RESULTS.md
log "writing $OUT"
{
  echo "# dynacache beside its peers"
  echo
  echo "Generated by \`bash bench/peers.sh\`$([ "$QUICK" = 1 ] && echo " with QUICK=1 (a smoke run: small data, short rounds)") on $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo "Regenerate with the same command. These machines are noisy and shared: read the ratios, measured in"
  echo "the same run with alternating rounds, not the absolute figures."
  echo
  echo "## Machine"
  echo
  echo "- CPU: $cpu, $(nproc) cores; memory $mem; $(uname -sr)"
  echo "- client and servers share these cores (the load generator is part of the load)"
  echo "- dynacache $commit$dirty, $go_ver; dynalite $dynalite_ver (node $(node --version), in memory); redis-server $redis_ver"
  echo "- dynacache: \`--fsync everysec\`, data in a temporary directory; redis-server: \`--appendonly yes --appendfsync everysec --save ''\`, temporary directory"
  echo "- dynacache RESP port: $([ "$resp_present" = yes ] && echo "present" || echo "**absent** (no \`RESP listening on\` line at start-up): the RESP comparisons were skipped")"
  echo
  echo "## HTTP (DynamoDB API): dynacache vs dynalite"
  echo
  echo "\`dynacache bench --target http://DYNACACHE --target http://DYNALITE --workload get|put --distribution uniform"
  echo "--records $RECORDS --value-size 100 --connections 64 --rounds $ROUNDS --duration $DURATION --warmup $WARMUP\`"
  echo "(GetItem run first loads the items with BatchWriteItem; PutItem overwrites them). Rounds alternate"
  echo "dynacache, dynalite, dynacache, ... Latencies in ms; ratio = dynacache / dynalite ops/s."
  echo
  echo "| operation | dynacache ops/s | dynalite ops/s | ratio | dynacache p50 / p99 | dynalite p50 / p99 | errors | ops/s per round |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|"
  echo "$http_table"
  echo
  echo "Load: $load_row."
  echo
  echo "### The floor: a bare net/http server"
  echo
  echo "The same GetItem run (uniform, 64 connections) against \`bench/nullhttp\`, a bare \`net/http\` server answering every"
  echo "request with the fixed body \`{}\` (so its \"misses\" are all its reads). Ratio = dynacache / nullhttp: at 1x or above,"
  echo "dynacache's whole DynamoDB path costs less than \`net/http\`'s own per-request work."
  echo
  echo "| operation | dynacache ops/s | nullhttp ops/s | ratio | dynacache p50 / p99 | nullhttp p50 / p99 | errors | ops/s per round |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|"
  echo "$null_table"
  echo
  echo "### The read cache: hot keys with and without it"
  echo
  echo "GetItem with zipfian keys (YCSB's hot set) over items of YCSB's shape (\`--fields 10 --value-size 100\`: ten"
  echo "100-byte attributes), against dynacache with its default \`--cache-bytes\` (64 MiB) and against a second dynacache"
  echo "started with \`--cache-bytes 0\`: 10,000 records (the hot set fits the cache), then more (it does not, and many"
  echo "reads miss). Ratio = with / without."
  echo
  echo "| operation | with cache ops/s | without ops/s | ratio | with p50 / p99 | without p50 / p99 | errors | ops/s per round |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|"
  echo "$cache_table"
  echo
  echo "## Latency at half of the maximum throughput"
  echo
  echo "dynacache alone: the closed-loop maximum (from the runs above; for RESP a run without pipelining), then"
  echo "\`--rate\` at half of it for $DURATION (latency from when each request was due, so queueing counts). Latencies in ms."
  echo
  echo "| port and operation | max ops/s | offered ops/s | achieved ops/s | p50 | p99 | p99.9 | errors |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  printf '%s' "$half_rows"
  echo
  echo "## RESP: redis-benchmark, dynacache vs redis-server"
  echo
  if [ "$resp_present" = yes ]; then
    echo "\`redis-benchmark -c 50 -n N -r 100000 -d 100 -t set,get,incr --csv [-P 16]\` (N = $RB_N, with -P 16 N = $RB_NP),"
    echo "$ROUNDS rounds alternating dynacache, redis-server; medians of the rounds. Latencies in ms (redis-benchmark's"
    echo "own); ratio = dynacache / redis-server requests/s."
    echo
    echo "| test | pipeline | dynacache req/s | redis req/s | ratio | dynacache p50 / p99 | redis p50 / p99 | req/s per round (dynacache / redis) |"
    echo "|---|---:|---:|---:|---:|---:|---:|---|"
    printf '%s' "$resp_table"
    echo
    echo "The same servers driven by \`dynacache bench --target resp://DYNACACHE --target resp://REDIS --workload get|set"
    echo "--connections 50 --pipeline 16 --distribution uniform --records $RECORDS --rounds $ROUNDS --duration $DURATION\`"
    echo "(a cross-check of this generator's client against redis-benchmark's; latencies in ms, ratio = dynacache / redis):"
    echo
    echo "| operation | dynacache ops/s | redis ops/s | ratio | dynacache p50 / p99 | redis p50 / p99 | errors | ops/s per round |"
    echo "|---|---:|---:|---:|---:|---:|---:|---|"
    echo "$gen_table"
  else
    echo "Skipped: the dynacache binary built from this tree has no RESP port yet."
  fi
  echo
  echo "## dynacache's own choices"
  echo
  echo "The defaults against a second dynacache started with \`--http-server net/http --resp-loops -1\` (Go's HTTP server; a"
  echo "goroutine per RESP connection instead of the event loop), same run. HTTP: the GetItem run above (ratio = default /"
  echo "net/http); RESP: redis-benchmark as above, $ROUNDS alternating rounds, medians (ratio = event loop / goroutines)."
  echo
  echo "| operation | default ops/s | net/http ops/s | ratio | default p50 / p99 | net/http p50 / p99 | errors | ops/s per round |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|"
  echo "$choice_http"
  echo
  if [ -n "$choice_resp" ]; then
    echo "| test | pipeline | event loop req/s | goroutines req/s | ratio |"
    echo "|---|---:|---:|---:|---:|"
    printf '%s' "$choice_resp"
    echo
  fi
  echo "## Memory: $MEM_RECORDS items of 100-byte values"
  echo
  echo "Each server fresh, loaded with \`dynacache bench --load-only --records $MEM_RECORDS --value-size 100\`, RSS read"
  echo "from /proc as the load ends and 2 s after it (bytes/item = (RSS loaded - RSS idle) / items; RSS includes allocator and"
  echo "garbage-collector slack, which is what a user pays). dynacache returns its spare heap once quiet for a second"
  echo "(\`--idle-release\`, on by default): the first figure is before that, the second after."
  echo
  echo "| server and data | RSS idle | bytes/item as the load ends | RSS loaded, 2 s later | bytes/item | load errors |"
  echo "|---|---:|---:|---:|---:|---:|"
  printf '%s' "$mem_rows"
  echo
  echo "## Start-up and idle memory"
  echo
  echo "Time from exec to the listening line on an empty directory (median of $STARTS starts; every start: $(
    IFS=,; echo "${dc_starts[*]}") ms for dynacache, $(IFS=,; echo "${rd_starts[*]}") ms for redis-server), and RSS one second after start."
  echo
  echo "| server | start to listening | idle RSS |"
  echo "|---|---:|---:|"
  echo "| dynacache (\`--fsync everysec --dir EMPTY\`) | ${dc_start_med} ms | $(mib "$dc_idle_med") |"
  echo "| redis-server $redis_ver (AOF everysec) | ${rd_start_med} ms | $(mib "$rd_idle_med") |"
  echo "| dynalite $dynalite_ver (node, in memory) | | $(mib "$dl_idle_kb") |"
  echo
  echo "HTML reports of the HTTP runs (throughput over time, latency percentiles): bench/.peers/reports/ (not committed)."
} >"$OUT"
log "done in $((SECONDS))s: $OUT"
