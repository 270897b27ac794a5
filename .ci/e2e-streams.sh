#!/usr/bin/env bash
# End-to-end: DynamoDB Streams through the real AWS CLI (`aws dynamodbstreams`)
# against the built binary with a data directory: a table with a stream,
# writes through the DynamoDB API and the RESP port (redis-cli), every shard
# walked from TRIM_HORIZON, the same records after a restart, and a stream
# disabled and enabled again. Every step is bounded in time; the server is
# stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/lib.sh

if ! command -v aws >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq awscli >/dev/null
fi
if ! command -v redis-cli >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-tools >/dev/null
fi
setup

# run INTERVAL: start the server with shards that roll over every INTERVAL.
run() {
  start --http 127.0.0.1:0 --resp 127.0.0.1:0 --dir "$work/data" --resp-table resp_keys --stream-shard-interval "$1"
  addr=$(addr_of '.*DynamoDB API listening on http://\([0-9.:]*\).*')
  raddr=$(addr_of '.*RESP listening on \([0-9.:]*\).*')
}
stop_server() { kill -TERM "$pid"; wait "$pid" || fail "server exited non-zero after SIGTERM"; pid=""; }

export AWS_ACCESS_KEY_ID=ci AWS_SECRET_ACCESS_KEY=ci AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
ddb() { timeout 30 aws dynamodb --endpoint-url "http://$addr" "$@"; }
dds() { timeout 30 aws dynamodbstreams --endpoint-url "http://$addr" "$@"; }
rcli() { timeout 10 redis-cli -h "${raddr%:*}" -p "${raddr##*:}" "$@"; }
expect() { if [ "$2" != "$3" ]; then fail "$1: want [$2] got [$3]"; fi; echo "ok: $1"; }

# records ARN: every record of every shard, one line per record:
# "SEQ EVENT KEY NEWV OLDV".
records() {
  local arn=$1 sh end it n out
  dds describe-stream --stream-arn "$arn" --query 'StreamDescription.Shards[*].[ShardId,SequenceNumberRange.EndingSequenceNumber]' \
    --output text >"$work/shards"
  while read -r sh end; do
    it=$(dds get-shard-iterator --stream-arn "$arn" --shard-id "$sh" --shard-iterator-type TRIM_HORIZON --query ShardIterator --output text)
    for n in $(seq 1 50); do
      out=$(dds get-records --shard-iterator "$it" --output json)
      echo "$out" | python3 -c 'import json,sys
r=json.load(sys.stdin)
for x in r["Records"]:
    d=x["dynamodb"]
    print(d["SequenceNumber"], x["eventName"], d["Keys"]["pk"]["S"],
          d.get("NewImage",{}).get("v",{}).get("S","-"), d.get("OldImage",{}).get("v",{}).get("S","-"))
if not r["Records"] and "'"$end"'" == "None": sys.exit(3)  # an open shard read to its end
if "NextShardIterator" not in r: sys.exit(3)                  # a closed shard read to its end
print("NEXT", r["NextShardIterator"])' >"$work/page" && rc=0 || rc=$?
      grep -v '^NEXT ' "$work/page" || true
      [ "$rc" = 3 ] && break
      [ "$rc" = 0 ] || fail "get-records: $out"
      it=$(sed -n 's/^NEXT //p' "$work/page")
    done
  done <"$work/shards"
}

run 4s
arn=$(ddb create-table --table-name events \
  --attribute-definitions AttributeName=pk,AttributeType=S --key-schema AttributeName=pk,KeyType=HASH \
  --billing-mode PAY_PER_REQUEST --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES \
  --query TableDescription.LatestStreamArn --output text)
echo "stream $arn"
expect "describe-table LatestStreamArn" "$arn" "$(ddb describe-table --table-name events --query Table.LatestStreamArn --output text)"
expect "list-streams" "$arn" "$(dds list-streams --table-name events --query 'Streams[0].StreamArn' --output text)"

ddb put-item --table-name events --item '{"pk":{"S":"a"},"v":{"S":"1"}}'
ddb put-item --table-name events --item '{"pk":{"S":"a"},"v":{"S":"1"}}' # the same item: no record
sleep 4.5 # the open shard closes; its child takes the next writes
ddb update-item --table-name events --key '{"pk":{"S":"a"}}' --update-expression 'SET v = :v' --expression-attribute-values '{":v":{"S":"2"}}'
ddb batch-write-item --request-items '{"events":[{"PutRequest":{"Item":{"pk":{"S":"b"},"v":{"S":"3"}}}}]}'
ddb execute-statement --statement "DELETE FROM events WHERE pk = 'a'"

want="INSERT a 1 -
MODIFY a 2 1
INSERT b 3 -
REMOVE a - 2"
got=$(records "$arn")
echo "$got"
expect "records" "$want" "$(echo "$got" | cut -d' ' -f2-)"
shards=$(dds describe-stream --stream-arn "$arn" --query 'length(StreamDescription.Shards)' --output text)
[ "$shards" -ge 2 ] || fail "want at least 2 shards, got $shards"
echo "ok: $shards shards, each a child of the one before"

# The RESP port's keys live in a table too: give it a stream and SET.
rcli set warmup 0 >/dev/null
rarn=$(ddb update-table --table-name resp_keys --stream-specification StreamEnabled=true,StreamViewType=KEYS_ONLY \
  --query TableDescription.LatestStreamArn --output text)
expect "redis-cli SET" OK "$(rcli set greeting hello)"
expect "RESP write recorded" "1" "$(records "$rarn" | grep -c ' INSERT ')"

# Restarted with hour-long shards (fewer CLI calls to walk them): the
# records are the same, with the same sequence numbers.
stop_server
run 1h
expect "records after a restart" "$got" "$(records "$arn")"

out=$(ddb update-table --table-name events --stream-specification StreamEnabled=true,StreamViewType=KEYS_ONLY 2>&1 || true)
echo "$out" | grep -q "Table already has an enabled stream: TableName: events" || fail "enable twice: $out"
ddb update-table --table-name events --stream-specification StreamEnabled=false >/dev/null
expect "disabled stream's status" DISABLED "$(dds describe-stream --stream-arn "$arn" --query StreamDescription.StreamStatus --output text)"
arn2=$(ddb update-table --table-name events --stream-specification StreamEnabled=true,StreamViewType=KEYS_ONLY \
  --query TableDescription.LatestStreamArn --output text)
[ "$arn2" != "$arn" ] || fail "re-enabled stream has the old ARN"
expect "both streams listed" 2 "$(dds list-streams --table-name events --query 'length(Streams)' --output text)"
expect "old stream still readable" "$got" "$(records "$arn")"
stop_server
echo "e2e streams: all passed"
