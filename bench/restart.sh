#!/usr/bin/env bash
# bench/restart.sh: restart time of the real binary with N RESP strings
# (default 1M, 100-byte values), from the log alone and from a snapshot.
#
#   bash bench/restart.sh [N]
#
# It builds dynacache, loads N keys over RESP (dynacache bench --load-only,
# --fsync everysec, snapshots off), kills it with SIGKILL, and restarts it
# three times from the log alone; then lets it write a snapshot, kills it
# again and restarts it three times from the snapshot. For each restart it
# prints the recovery time the server logs ("wal: recovered ... in D") and
# the time from exec to the first PONG on its RESP port (polled every
# 50 ms). Then, if redis-server is installed (PEER=0 skips it), the same
# for redis-server with the same N keys: three restarts from its RDB file
# (SAVE, then SIGKILL) and three from its append-only file alone
# (appendfsync everysec, SIGKILL two seconds after the load), each with
# the load time redis-server logs ("DB loaded from ...: S seconds"): the
# peer on the same machine, whose cost of fresh memory both pay. Needs
# redis-cli (apt-get install redis-tools). Loopback only; it stops only
# the servers it started.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-1000000}
work=$(mktemp -d /tmp/dynacache-restart.XXXXXX)
bin=$work/dynacache
pid=
cleanup() { [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"; }
PEER=${PEER:-1}
trap cleanup EXIT
(cd "$root" && go build -o "$bin" ./cmd/dynacache)
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
hp=$(port); rp=$(port)
log=$work/server.log

took=
pong() { # pong T0 WHO: wait for the first PONG on $rp (seconds since T0 in took)
  local t1
  for _ in $(seq 1 1200); do
    if [[ $(redis-cli -p "$rp" ping 2>/dev/null) == PONG ]]; then
      t1=$(date +%s.%N)
      took=$(python3 -c "print(f'{$t1 - $1:.3f}')")
      return 0
    fi
    sleep 0.05
  done
  echo "$2 did not answer within 60 s" >&2
  exit 1
}
start() { # start SNAPSHOT_BYTES: start the server and wait for its first PONG (seconds in took)
  local t0
  t0=$(date +%s.%N)
  "$bin" --dir "$work/d" --http "127.0.0.1:$hp" --resp "127.0.0.1:$rp" --fsync everysec --snapshot-bytes "$1" >>"$log" 2>&1 &
  pid=$!
  pong "$t0" "the server"
}
stop() { kill -9 "$pid"; wait "$pid" 2>/dev/null || true; pid=; }
recovered() { grep -o 'recovered .* in [0-9.]*[mµ]*s' "$log" | tail -1 | sed 's/.* in //'; }

start -1
"$bin" bench --load-only --records "$n" --value-size 100 --target "resp://127.0.0.1:$rp" --connections 16 | tail -1
stop
for r in 1 2 3; do
  start -1; stop
  echo "from the log alone, restart $r: recovery $(recovered), exec to first PONG ${took} s"
done
start 1
redis-cli -p "$rp" set restart:snapshot x >/dev/null # past 1 byte of log: a snapshot is written
for _ in $(seq 1 600); do ls "$work"/d/wal/snap-*.dcs >/dev/null 2>&1 && break; sleep 0.1; done
sleep 1
stop
for r in 1 2 3; do
  start -1; stop
  echo "from a snapshot, restart $r: recovery $(recovered), exec to first PONG ${took} s"
done

[[ $PEER == 1 ]] && command -v redis-server >/dev/null || exit 0
rlog=$work/redis.log
rstart() { # rstart ARGS...: start redis-server on $rp in $work/r and wait for its first PONG (seconds in took)
  local t0
  t0=$(date +%s.%N)
  redis-server --port "$rp" --bind 127.0.0.1 --dir "$work/r" --save '' --logfile "$rlog" "$@" &
  pid=$!
  pong "$t0" redis-server
}
loaded() { grep -o 'DB loaded from [a-z ]*: [0-9.]* seconds' "$rlog" | tail -1 | sed 's/.*: //; s/ seconds//'; }
for mode in rdb aof; do
  rm -rf "$work/r"; mkdir -p "$work/r"
  if [[ $mode == rdb ]]; then args=(--appendonly no); else args=(--appendonly yes --appendfsync everysec --auto-aof-rewrite-percentage 0); fi
  rstart "${args[@]}"
  "$bin" bench --load-only --records "$n" --value-size 100 --target "resp://127.0.0.1:$rp" --connections 16 | tail -1
  if [[ $mode == rdb ]]; then redis-cli -p "$rp" save >/dev/null; else sleep 2; fi
  stop
  for r in 1 2 3; do
    rstart "${args[@]}"; stop
    echo "redis-server $(redis-server --version | grep -o 'v=[0-9.]*' | cut -c3-) from its ${mode^^} file, restart $r: loaded in $(loaded) s, exec to first PONG ${took} s, $(du -sh "$work/r" | cut -f1) on disk"
  done
done
