#!/bin/bash
# bench/accel.sh BIN DYNALITE_CLI [OUTDIR]: the accelerator rows of bench/RESULTS.md. Starts an in-memory
# dynacache, an accelerator in front of it, dynalite (node DYNALITE_CLI, e.g. bench/.peers/node_modules/dynalite/cli.js
# after bench/peers.sh) and an accelerator in front of it, all on free 127.0.0.1 ports, and runs dynacache bench
# against each pair (rounds alternate); JSON results in OUTDIR. Stops what it started, by PID.
set -euo pipefail
bin=$1; dyn=$2; out=${3:-/tmp/accel-bench}
mkdir -p $out
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_DEFAULT_REGION=us-east-1
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
start() { # start LOG ARGS...: echoes the HTTP address
  local log=$1; shift
  "$bin" --http 127.0.0.1:0 --resp 127.0.0.1:0 --in-memory "$@" >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    a=$(sed -n 's|.*DynamoDB API listening on http://\([0-9.:]*\).*|\1|p' "$log" | head -1)
    [ -n "$a" ] && { echo "$a"; return; }
    sleep 0.1
  done
  cat "$log" >&2; exit 1
}
up=$(start $out/up.log)
acc=$(start $out/acc.log --upstream http://$up --upstream-region us-east-1)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
node $dyn --port $port >$out/dynalite.log 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:$port/ && break; sleep 0.1; done
accd=$(start $out/accd.log --upstream http://127.0.0.1:$port --upstream-region us-east-1)
common=(--workload get --distribution zipfian --records 100000 --value-size 100 --connections 64 --rounds 3 --duration 10s --warmup 2s --progress never --json)
timeout 600 "$bin" bench --target http://$acc --target http://$up "${common[@]}" > $out/get-dynacache.json
timeout 900 "$bin" bench --target http://$accd --target http://127.0.0.1:$port "${common[@]}" > $out/get-dynalite.json
timeout 600 "$bin" bench --target http://$acc --target http://$up --workload query --records 1000 --scan-max 10 --connections 8 --rounds 3 --duration 10s --warmup 2s --progress never --json > $out/query-dynacache.json
echo done
