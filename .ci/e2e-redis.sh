#!/usr/bin/env bash
# End-to-end: build dynacache, start it on free loopback ports, drive its
# RESP port with the real redis-cli (checked answers) and a short
# redis-benchmark run, restart it on the same data directory and check what
# survived, then compare replies with a real redis-server (the differential
# tests). Every step is bounded in time; the server is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-cli >/dev/null 2>&1 || ! command -v redis-benchmark >/dev/null 2>&1 ||
  ! command -v redis-server >/dev/null 2>&1; then
  echo "installing redis-tools and redis-server"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-tools redis-server >/dev/null
fi
redis-cli --version

work=$(mktemp -d)
bin="$work/dynacache"
go build -o "$bin" ./cmd/dynacache
pid=
stop() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=
  fi
}
cleanup() { stop; rm -rf "$work"; }
trap cleanup EXIT

# start: run the server on free ports with its data in $work/data and read
# the RESP address from its start-up line.
start() {
  log="$work/server.log"
  "$bin" --http 127.0.0.1:0 --resp 127.0.0.1:0 --dir "$work/data" --fsync everysec >"$log" 2>&1 &
  pid=$!
  addr=""
  for _ in $(seq 1 100); do
    addr=$(sed -n 's/.*RESP listening on \([0-9.:]*\).*/\1/p' "$log" | head -1)
    [ -n "$addr" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$addr" ] || { echo "server did not start:"; cat "$log"; exit 1; }
  port=${addr##*:}
  echo "server at $addr (pid $pid)"
}

r() { timeout 10 redis-cli -h 127.0.0.1 -p "$port" "$@"; }
fail() { echo "FAIL: $*"; exit 1; }
expect() { # expect WANT redis-cli args...
  local want=$1; shift
  local got
  got=$(r "$@" 2>&1) || true
  [ "$got" = "$want" ] || fail "$*: want [$want] got [$got]"
  echo "ok: $* -> $(echo "$got" | head -1)"
}

start
expect PONG PING
expect OK SET greeting hello
expect hello GET greeting
expect "" GET missing
expect 1 INCR counter
expect 11 INCRBY counter 10
expect 10.5 INCRBYFLOAT float 10.5
expect 0 SETNX greeting other
expect 1 EXPIRE greeting 1000
expect 1000 TTL greeting
expect 2 HSET user:1 name Ada lang Go
expect Ada HGET user:1 name
expect hash TYPE user:1
expect "WRONGTYPE Operation against a key holding the wrong kind of value" GET user:1
expect "ERR wrong number of arguments for 'get' command" GET
expect "ERR unknown command 'nosuch', with args beginning with: 'a' " nosuch a
expect OK MSET a 1 b 2
expect "$(printf '1\n2\n')" MGET a b
expect 0 MSETNX a 9 c 9
expect 2 DEL a b
expect 4 DBSIZE
expect "$(printf 'user:1')" KEYS 'user:*'
expect "$(printf 'counter\n')" --scan --pattern 'count*'
expect '{"lang":"Go","name":"Ada","pk":"user:1"}' DYNAMODB GET redis '{"pk":"user:1"}'
expect redis DYNAMODB TABLES
expect '{"Item":{"pk":{"S":"counter"},"val":{"N":"11"}}}' DYNAMODB GetItem '{"TableName":"redis","Key":{"pk":{"S":"counter"}}}'
expect "ERR ResourceNotFoundException: Requested resource not found" DYNAMODB GetItem '{"TableName":"nope","Key":{"pk":{"S":"x"}}}'
r INFO keyspace | grep -q '^db0:keys=4,' || fail "INFO keyspace: $(r INFO keyspace)"
echo "ok: INFO keyspace"
r CONFIG GET save >/dev/null

echo "== redis-benchmark -n 2000"
timeout 120 redis-benchmark -h 127.0.0.1 -p "$port" -t set,get,incr,hset,mset -n 2000 -c 10 -P 4 -q |
  tee "$work/bench.txt"
[ "$(grep -c 'requests per second' "$work/bench.txt")" -eq 5 ] || fail "redis-benchmark did not finish every test"
expect OK SET bench:done yes

echo "== restart on the same data"
stop
start
expect hello GET greeting
expect 11 GET counter
expect Ada HGET user:1 name
expect yes GET bench:done
t=$(r TTL greeting)
[ "$t" -gt 900 ] && [ "$t" -le 1000 ] || fail "TTL after restart: $t"
echo "ok: TTL kept across restart ($t)"
stop

echo "== replies compared with redis-server"
go test -count=1 -run 'TestDifferentialRedis' ./protocol/resp/
echo "e2e redis: passed"
