#!/usr/bin/env bash
# End-to-end: the AWS CLI through a dynacache accelerator (--upstream) in
# front of (a) a standalone dynacache and (b) dynalite from npm (skipped,
# with a message, when npm cannot install it). Every server listens on a
# free loopback port. Bounded in time (well under 2 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

DYNALITE_VERSION=4.0.0

command -v aws >/dev/null 2>&1 || { echo "the AWS CLI is needed (see .ci/e2e-awscli.sh)"; exit 1; }

work=$(mktemp -d)
bin="$work/dynacache"
go build -o "$bin" ./cmd/dynacache
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# wait_line FILE SED-EXPR: the first match of SED-EXPR in FILE, polled up
# to 10 s.
wait_line() {
  local got=""
  for _ in $(seq 1 100); do
    got=$(sed -n "$2" "$1" | head -1)
    [ -n "$got" ] && { echo "$got"; return 0; }
    sleep 0.1
  done
  echo "no line matching $2 in $1:" >&2; cat "$1" >&2; return 1
}

# start_dynacache LOG ARGS...: start the binary; its API address is left
# in $started.
start_dynacache() {
  local log=$1; shift
  : >"$log"
  "$bin" --http 127.0.0.1:0 --resp 127.0.0.1:0 --in-memory "$@" >"$log" 2>&1 &
  pids+=($!)
  started=$(wait_line "$log" 's|.*DynamoDB API listening on http://\([0-9.:]*\).*|\1|p')
}

export AWS_ACCESS_KEY_ID=ci AWS_SECRET_ACCESS_KEY=ci AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
fail() { echo "FAIL: $*"; exit 1; }
expect() { # expect NAME WANT GOT
  if [ "$2" != "$3" ]; then fail "$1: want [$2] got [$3]"; fi
  echo "ok: $1"
}

# session NAME UPSTREAM-URL: an accelerator in front of the upstream, and
# the AWS CLI through it.
session() {
  local name=$1 upstream=$2
  start_dynacache "$work/accel-$name.log" --upstream "$upstream" --upstream-region us-east-1 --upstream-timeout 5s --item-ttl 1m
  local addr=$started
  echo "== $name: accelerator at $addr in front of $upstream"
  ddb() { timeout 30 aws dynamodb --endpoint-url "http://$addr" "$@"; }
  up() { timeout 30 aws dynamodb --endpoint-url "$upstream" "$@"; }

  ddb create-table --table-name Music \
    --attribute-definitions AttributeName=Artist,AttributeType=S AttributeName=SongTitle,AttributeType=S \
    --key-schema AttributeName=Artist,KeyType=HASH AttributeName=SongTitle,KeyType=RANGE \
    --billing-mode PAY_PER_REQUEST >/dev/null
  local status=""
  for _ in $(seq 1 50); do
    status=$(ddb describe-table --table-name Music --query Table.TableStatus --output text)
    [ "$status" = ACTIVE ] && break
    sleep 0.1
  done
  expect "$name: table active (describe-table passes through)" ACTIVE "$status"

  local key='{"Artist":{"S":"No One You Know"},"SongTitle":{"S":"Call Me Today"}}'
  expect "$name: missing item" "" "$(ddb get-item --table-name Music --key "$key" --output text)"
  ddb put-item --table-name Music \
    --item '{"Artist":{"S":"No One You Know"},"SongTitle":{"S":"Call Me Today"},"Plays":{"N":"1.50"},"Tags":{"SS":["pop"]}}'
  expect "$name: read your write (negative entry replaced)" 1.5 \
    "$(ddb get-item --table-name Music --key "$key" --query Item.Plays.N --output text)"
  expect "$name: the write reached the upstream" 1.5 \
    "$(up get-item --table-name Music --key "$key" --query Item.Plays.N --output text)"
  expect "$name: projection from the cache" "None|pop" \
    "$(ddb get-item --table-name Music --key "$key" --projection-expression Tags --query '[Item.Plays.N, Item.Tags.SS[0]]' --output text | tr '\t' '|')"
  expect "$name: update-item UPDATED_NEW" 2.5 \
    "$(ddb update-item --table-name Music --key "$key" --update-expression 'SET Plays = Plays + :one' \
      --expression-attribute-values '{":one":{"N":"1"}}' --return-values UPDATED_NEW --query Attributes.Plays.N --output text)"
  expect "$name: read after update" 2.5 "$(ddb get-item --table-name Music --key "$key" --query Item.Plays.N --output text)"

  local out rc
  set +e
  out=$(ddb put-item --table-name Music --item "$key" --condition-expression 'attribute_not_exists(Artist)' 2>&1)
  rc=$?
  set -e
  [ $rc -ne 0 ] || fail "$name: conditional put should fail"
  echo "$out" | grep -q "ConditionalCheckFailedException" || fail "$name: conditional put: $out"
  echo "ok: $name: conditional check failed (the upstream's error)"

  ddb batch-write-item --request-items '{"Music":[
    {"PutRequest":{"Item":{"Artist":{"S":"A"},"SongTitle":{"S":"1"},"v":{"N":"1"}}}},
    {"PutRequest":{"Item":{"Artist":{"S":"A"},"SongTitle":{"S":"2"},"v":{"N":"2"}}}}]}' >/dev/null
  expect "$name: batch-get-item (hits and misses)" "1 2" \
    "$(ddb batch-get-item --request-items '{"Music":{"Keys":[{"Artist":{"S":"A"},"SongTitle":{"S":"1"}},{"Artist":{"S":"A"},"SongTitle":{"S":"2"}},{"Artist":{"S":"A"},"SongTitle":{"S":"3"}}]}}' \
      --query 'Responses.Music[].v.N' --output text | tr '\t' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"
  expect "$name: query passes through" 2 \
    "$(ddb query --table-name Music --key-condition-expression 'Artist = :a' --expression-attribute-values '{":a":{"S":"A"}}' --query Count --output text)"

  ddb delete-item --table-name Music --key "$key"
  expect "$name: deleted" "" "$(ddb get-item --table-name Music --key "$key" --output text)"
  ddb delete-table --table-name Music >/dev/null
  echo "ok: $name: delete-table"
}

start_dynacache "$work/upstream.log"
upstream=$started
session dynacache "http://$upstream"

# A write straight to the upstream is seen through the accelerator only
# once the cached entry expires (--item-ttl): the table has no stream.
start_dynacache "$work/accel-ttl.log" --upstream "http://$upstream" --upstream-region us-east-1 --item-ttl 1s
addr=$started
aws dynamodb --endpoint-url "http://$addr" create-table --table-name Ttl --billing-mode PAY_PER_REQUEST \
  --attribute-definitions AttributeName=k,AttributeType=S --key-schema AttributeName=k,KeyType=HASH >/dev/null
aws dynamodb --endpoint-url "http://$addr" put-item --table-name Ttl --item '{"k":{"S":"a"},"v":{"S":"old"}}'
aws dynamodb --endpoint-url "http://$upstream" put-item --table-name Ttl --item '{"k":{"S":"a"},"v":{"S":"new"}}'
got=""
for _ in $(seq 1 50); do
  got=$(aws dynamodb --endpoint-url "http://$addr" get-item --table-name Ttl --key '{"k":{"S":"a"}}' --query Item.v.S --output text)
  [ "$got" = new ] && break
  sleep 0.1
done
expect "dynacache: a direct upstream write is seen after --item-ttl" new "$got"

# An unreachable upstream: a clear error, not a hang.
start_dynacache "$work/dead.log"
dead=$started
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
start_dynacache "$work/accel-dead.log" --upstream "http://$dead" --upstream-region us-east-1 --upstream-timeout 2s
addr=$started
set +e
out=$(timeout 30 aws dynamodb --endpoint-url "http://$addr" --cli-read-timeout 10 list-tables 2>&1)
set -e
echo "$out" | grep -q "ServiceUnavailable" || fail "dead upstream: $out"
echo "$out" | grep -q "is unreachable" || fail "dead upstream message: $out"
echo "ok: dead upstream: ServiceUnavailable naming it"

# (c) Coherence through DynamoDB Streams: two accelerators, items cached
# for an hour, converge through the upstream's stream; in front of a
# standalone dynacache, and of moto's server (DynamoDB and its Streams API
# on one endpoint) where moto_server is installed (pip install
# 'moto[server]'; not installed here, to keep this script's time bounded).
# converge NAME UPSTREAM-URL
converge() {
  local name=$1 upstream=$2 m1 m2
  start_dynacache "$work/accel-$name-1.log" --upstream "$upstream" --upstream-region us-east-1 --item-ttl 1h
  m1=$started
  start_dynacache "$work/accel-$name-2.log" --upstream "$upstream" --upstream-region us-east-1 --item-ttl 1h
  m2=$started
  echo "== $name: accelerators at $m1 and $m2 in front of $upstream"
  timeout 30 aws dynamodb --endpoint-url "$upstream" create-table --table-name Coh --billing-mode PAY_PER_REQUEST \
    --attribute-definitions AttributeName=k,AttributeType=S --key-schema AttributeName=k,KeyType=HASH \
    --stream-specification StreamEnabled=true,StreamViewType=NEW_IMAGE >/dev/null
  # poll_get ADDR WANT: read k=a through ADDR until it is WANT (5 s).
  poll_get() {
    local got=""
    for _ in $(seq 1 50); do
      got=$(timeout 30 aws dynamodb --endpoint-url "http://$1" get-item --table-name Coh --key '{"k":{"S":"a"}}' --query Item.v.S --output text)
      [ "$got" = "$2" ] && break
      sleep 0.1
    done
    echo "$got"
  }
  expect "$name: no item yet (cached on both nodes)" "None|None" "$(poll_get "$m1" None)|$(poll_get "$m2" None)"
  timeout 30 aws dynamodb --endpoint-url "http://$m1" put-item --table-name Coh --item '{"k":{"S":"a"},"v":{"S":"one"}}'
  expect "$name: a write through one node is seen by the other through the stream" one "$(poll_get "$m2" one)"
  timeout 30 aws dynamodb --endpoint-url "$upstream" put-item --table-name Coh --item '{"k":{"S":"a"},"v":{"S":"two"}}'
  expect "$name: a write straight to the upstream is seen through the stream" "two|two" "$(poll_get "$m1" two)|$(poll_get "$m2" two)"
}
converge streams-dynacache "http://$upstream"
if command -v moto_server >/dev/null 2>&1; then
  : >"$work/moto.log"
  moto_server -H 127.0.0.1 -p 0 >"$work/moto.log" 2>&1 &
  pids+=($!)
  converge streams-moto "http://$(wait_line "$work/moto.log" 's|.*Running on http://\([0-9.:]*\).*|\1|p')"
else
  echo "SKIP: streams-moto: moto_server is not installed (pip install 'moto[server]')"
fi

# (b) dynalite from npm.
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "SKIP: dynalite: npm or node is not installed"
  exit 0
fi
mkdir -p "$work/dynalite"
if ! (cd "$work/dynalite" && timeout 90 npm install --silent --no-audit --no-fund --omit=optional "dynalite@$DYNALITE_VERSION" >"$work/npm.log" 2>&1); then
  echo "SKIP: dynalite: npm could not install dynalite@$DYNALITE_VERSION:"
  tail -5 "$work/npm.log"
  exit 0
fi
cat >"$work/dynalite/run.js" <<'EOF'
const dynalite = require('dynalite')
const server = dynalite({createTableMs: 0, deleteTableMs: 0, updateTableMs: 0})
server.listen(0, '127.0.0.1', () => console.log('dynalite listening on 127.0.0.1:' + server.address().port))
EOF
: >"$work/dynalite.log"
(cd "$work/dynalite" && exec node run.js >"$work/dynalite.log" 2>&1) &
pids+=($!)
dl=$(wait_line "$work/dynalite.log" 's|dynalite listening on \([0-9.:]*\)|\1|p')
session dynalite "http://$dl"

echo "== accelerator end to end passed"
