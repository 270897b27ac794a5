#!/usr/bin/env bash
# resp-vs-redis.sh: redis-benchmark against dynacache's RESP port and
# against redis-server, side by side in one run, and the ratios
# (requests/s of dynacache / redis-server).
#
#   bench/resp-vs-redis.sh                  # the defaults below
#   N=20000 TESTS=set,get bench/resp-vs-redis.sh
#
# Both servers persist with an fsync a second (FSYNC=always: every write):
# redis-server with --appendonly yes --appendfsync everysec --save '',
# dynacache with --fsync everysec, each in a temporary directory. Both listen on loopback
# only; each redis-benchmark run is bounded by TIMEOUT seconds; both servers
# are stopped by PID at exit. Needs redis-server and redis-benchmark
# (apt-get install redis-server redis-tools) and Go.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-200000}             # requests per test
C=${C:-50}                 # clients
P=${P:-16}                 # pipeline depth of the pipelined runs
TESTS=${TESTS:-set,get,incr,hset,mset}
TIMEOUT=${TIMEOUT:-300}    # seconds per redis-benchmark run
R=${R:-}                   # set: -r R (random keys; HSET then grows one hash: see README)
FSYNC=${FSYNC:-everysec}   # redis-server's appendfsync and dynacache's --fsync

for tool in redis-server redis-benchmark go; do
  command -v "$tool" >/dev/null || { echo "resp-vs-redis: $tool not found (apt-get install redis-server redis-tools)" >&2; exit 2; }
done

work=$(mktemp -d)
redis_pid= dyna_pid=
cleanup() {
  for pid in $redis_pid $dyna_pid; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in $redis_pid $dyna_pid; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

echo "== building dynacache"
go build -o "$work/dynacache" ./cmd/dynacache

# dynacache picks its own free ports; its start-up lines say which.
mkdir -p "$work/dyna"
"$work/dynacache" --http 127.0.0.1:0 --resp 127.0.0.1:0 --dir "$work/dyna" --fsync "$FSYNC" >"$work/dyna.log" 2>&1 &
dyna_pid=$!
dyna_addr=
for _ in $(seq 1 100); do
  dyna_addr=$(sed -n 's/.*RESP listening on \([0-9.:]*\).*/\1/p' "$work/dyna.log" | head -1)
  [ -n "$dyna_addr" ] && break
  kill -0 "$dyna_pid" 2>/dev/null || { cat "$work/dyna.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$dyna_addr" ] || { echo "dynacache did not start" >&2; cat "$work/dyna.log" >&2; exit 1; }
dyna_port=${dyna_addr##*:}

# redis-server cannot pick a port and report it: try random loopback ports
# until one is free (bounded).
mkdir -p "$work/redis"
redis_port=
for _ in $(seq 1 10); do
  port=$((20000 + RANDOM % 40000))
  redis-server --bind 127.0.0.1 --port "$port" --dir "$work/redis" --appendonly yes --appendfsync "$FSYNC" \
    --save '' --daemonize no --logfile "$work/redis.log" &
  redis_pid=$!
  for _ in $(seq 1 50); do
    if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then redis_port=$port; break; fi
    kill -0 "$redis_pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$redis_port" ] && break
  kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; redis_pid=
done
[ -n "$redis_port" ] || { echo "redis-server did not start" >&2; exit 1; }

echo "== redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') on 127.0.0.1:$redis_port, dynacache on $dyna_addr"
echo "== redis-benchmark -t $TESTS -c $C -n $N${R:+ -r $R}, with and without -P $P; fsync $FSYNC"

# run PORT EXTRA... prints "test,rps" lines.
run() {
  local port=$1; shift
  timeout "$TIMEOUT" redis-benchmark -h 127.0.0.1 -p "$port" -t "$TESTS" -c "$C" -n "$N" ${R:+-r "$R"} --csv "$@" 2>/dev/null |
    awk -F'","' 'NR > 1 { gsub(/"/, "", $1); gsub(/"/, "", $2); print $1 "," $2 }'
}

printf '%-28s %14s %14s %8s\n' "test" "redis rps" "dynacache rps" "ratio"
for mode in "-P $P" ""; do
  # Alternate the order between modes so neither server always runs warm.
  # shellcheck disable=SC2086
  r=$(run "$redis_port" $mode)
  # shellcheck disable=SC2086
  d=$(run "$dyna_port" $mode)
  label=${mode:-"-P 1"}
  while IFS=, read -r test rps; do
    [ -n "$test" ] || continue
    drps=$(echo "$d" | awk -F, -v t="$test" '$1 == t { print $2 }')
    ratio=$(awk -v a="${drps:-0}" -v b="$rps" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
    printf '%-28s %14s %14s %8s\n' "$test ($label)" "$rps" "${drps:--}" "$ratio"
  done <<<"$r"
done
