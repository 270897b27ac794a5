#!/usr/bin/env bash
# End-to-end: build dynacache, start it on a free loopback port, drive it
# with the real AWS CLI, check the answers, stop it. Bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v aws >/dev/null 2>&1; then
  echo "installing the AWS CLI"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq awscli >/dev/null
fi
aws --version

work=$(mktemp -d)
bin="$work/dynacache"
go build -o "$bin" ./cmd/dynacache
"$bin" --version

log="$work/server.log"
"$bin" --http 127.0.0.1:0 --resp 127.0.0.1:0 --in-memory --export-dir "$work/s3" >"$log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

addr=""
for _ in $(seq 1 100); do
  addr=$(sed -n 's|.*DynamoDB API listening on http://\([0-9.:]*\).*|\1|p' "$log" | head -1)
  [ -n "$addr" ] && break
  sleep 0.1
done
[ -n "$addr" ] || { echo "server did not start:"; cat "$log"; exit 1; }
echo "server at $addr"

export AWS_ACCESS_KEY_ID=ci AWS_SECRET_ACCESS_KEY=ci AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
ddb() { timeout 30 aws dynamodb --endpoint-url "http://$addr" "$@"; }
fail() { echo "FAIL: $*"; exit 1; }
expect() { # expect NAME WANT GOT
  if [ "$2" != "$3" ]; then fail "$1: want [$2] got [$3]"; fi
  echo "ok: $1"
}

status=$(ddb create-table --table-name Music \
  --attribute-definitions AttributeName=Artist,AttributeType=S AttributeName=SongTitle,AttributeType=S \
  --key-schema AttributeName=Artist,KeyType=HASH AttributeName=SongTitle,KeyType=RANGE \
  --billing-mode PAY_PER_REQUEST --query TableDescription.TableStatus --output text)
expect "create-table status" CREATING "$status"

expect "describe-table status" ACTIVE "$(ddb describe-table --table-name Music --query Table.TableStatus --output text)"
expect "list-tables" Music "$(ddb list-tables --query 'TableNames[0]' --output text)"

ddb put-item --table-name Music \
  --item '{"Artist":{"S":"No One You Know"},"SongTitle":{"S":"Call Me Today"},"Plays":{"N":"1.50"},"Tags":{"SS":["pop","live"]}}'

got=$(ddb get-item --table-name Music --key '{"Artist":{"S":"No One You Know"},"SongTitle":{"S":"Call Me Today"}}' \
  --query Item.Plays.N --output text)
expect "number normalised" 1.5 "$got"

got=$(ddb update-item --table-name Music --key '{"Artist":{"S":"No One You Know"},"SongTitle":{"S":"Call Me Today"}}' \
  --update-expression 'SET Plays = Plays + :one REMOVE Tags' --expression-attribute-values '{":one":{"N":"1"}}' \
  --return-values UPDATED_NEW --query Attributes.Plays.N --output text)
expect "update-item UPDATED_NEW" 2.5 "$got"

set +e
out=$(ddb put-item --table-name Music --item '{"Artist":{"S":"No One You Know"},"SongTitle":{"S":"Call Me Today"}}' \
  --condition-expression 'attribute_not_exists(Artist)' 2>&1)
rc=$?
set -e
[ $rc -ne 0 ] || fail "conditional put should fail"
echo "$out" | grep -q "ConditionalCheckFailedException" || fail "conditional put: $out"
echo "ok: conditional check failed"

set +e
out=$(ddb get-item --table-name Music --key '{"Artist":{"S":"x"}}' 2>&1)
set -e
echo "$out" | grep -q "ValidationException" || fail "bad key: $out"
echo "$out" | grep -q "The provided key element does not match the schema" || fail "bad key message: $out"
echo "ok: key validation"

set +e
out=$(ddb describe-table --table-name Nope 2>&1)
set -e
echo "$out" | grep -q "ResourceNotFoundException" || fail "missing table: $out"
echo "ok: missing table"

expect "item count" 1 "$(ddb describe-table --table-name Music --query Table.ItemCount --output text)"

song='{"Artist":{"S":"No One You Know"},"SongTitle":{"S":"Call Me Today"}}'
acme='{"Artist":{"S":"Acme Band"},"SongTitle":{"S":"Happy Day"}}'
ddb transact-write-items --client-request-token ci-token-1 --transact-items '[
  {"Update":{"TableName":"Music","Key":'"$song"',"UpdateExpression":"SET Plays = Plays + :one",
    "ConditionExpression":"Plays >= :one","ExpressionAttributeValues":{":one":{"N":"1"}}}},
  {"Put":{"TableName":"Music","Item":'"$acme"',"ConditionExpression":"attribute_not_exists(Artist)"}}]'
got=$(ddb transact-get-items --transact-items '[{"Get":{"TableName":"Music","Key":'"$song"'}},
  {"Get":{"TableName":"Music","Key":'"$acme"',"ProjectionExpression":"SongTitle"}}]' \
  --query 'join(`,`, [Responses[0].Item.Plays.N, Responses[1].Item.SongTitle.S])' --output text)
expect "transact-write-items then transact-get-items" "3.5,Happy Day" "$got"

set +e
out=$(ddb transact-write-items --transact-items '[
  {"Put":{"TableName":"Music","Item":'"$acme"',"ConditionExpression":"attribute_not_exists(Artist)",
    "ReturnValuesOnConditionCheckFailure":"ALL_OLD"}},
  {"Delete":{"TableName":"Music","Key":'"$song"'}}]' 2>&1)
rc=$?
set -e
[ $rc -ne 0 ] || fail "conditional transaction should fail"
echo "$out" | grep -q "TransactionCanceledException" || fail "transaction: $out"
echo "$out" | grep -q "\[ConditionalCheckFailed, None\]" || fail "transaction reasons: $out"
expect "canceled transaction wrote nothing" 3.5 "$(ddb get-item --table-name Music --key "$song" --query Item.Plays.N --output text)"
echo "ok: transaction canceled"
ddb delete-item --table-name Music --key "$acme"

ddb delete-item --table-name Music --key '{"Artist":{"S":"No One You Know"},"SongTitle":{"S":"Call Me Today"}}'
expect "deleted" "None" "$(ddb get-item --table-name Music --key '{"Artist":{"S":"No One You Know"},"SongTitle":{"S":"Call Me Today"}}' --query Item --output text)"

# PartiQL: ExecuteStatement and BatchExecuteStatement on the same table.
ddb execute-statement --statement "INSERT INTO \"Music\" VALUE {'Artist': 'Acme', 'SongTitle': 'PartiQL Rocks', 'Plays': 1, 'Tags': <<'pop'>>}" >/dev/null
got=$(ddb execute-statement --statement "SELECT Plays FROM Music WHERE Artist = ? AND SongTitle = ?" \
  --parameters '[{"S":"Acme"},{"S":"PartiQL Rocks"}]' --query 'Items[0].Plays.N' --output text)
expect "execute-statement SELECT by key" 1 "$got"
got=$(ddb execute-statement --statement "UPDATE Music SET Plays = Plays + 1 SET Tags = set_add(Tags, <<'live'>>) WHERE Artist = 'Acme' AND SongTitle = 'PartiQL Rocks' RETURNING ALL NEW *" \
  --query 'Items[0].Plays.N' --output text)
expect "execute-statement UPDATE RETURNING" 2 "$got"
set +e
out=$(ddb execute-statement --statement "INSERT INTO Music VALUE {'Artist': 'Acme', 'SongTitle': 'PartiQL Rocks'}" 2>&1)
set -e
echo "$out" | grep -q "DuplicateItemException" || fail "duplicate INSERT: $out"
echo "ok: execute-statement duplicate INSERT"
set +e
out=$(ddb execute-statement --statement "SELECT * FROM Music WHERE" 2>&1)
set -e
echo "$out" | grep -q "Statement wasn't well formed, can't be processed: Unexpected term" || fail "syntax error: $out"
echo "ok: execute-statement syntax error"
got=$(ddb batch-execute-statement --statements \
  "[{\"Statement\":\"INSERT INTO Music VALUE {'Artist': 'Acme', 'SongTitle': 'Second'}\"},{\"Statement\":\"INSERT INTO Music VALUE {'Artist': 'Acme', 'SongTitle': 'Second'}\"}]" \
  --query 'Responses[1].Error.Code' --output text)
expect "batch-execute-statement per-statement error" DuplicateItem "$got"
got=$(ddb execute-statement --statement "SELECT SongTitle FROM Music WHERE Artist = 'Acme' ORDER BY SongTitle DESC" \
  --query 'Items[*].SongTitle.S' --output text)
expect "execute-statement Query ORDER BY" "Second	PartiQL Rocks" "$got"
ddb execute-statement --statement "DELETE FROM Music WHERE Artist = 'Acme' AND SongTitle = 'Second'" >/dev/null
expect "execute-statement scan after DELETE" 1 "$(ddb execute-statement --statement 'SELECT * FROM Music' --query 'length(Items)' --output text)"
ddb execute-transaction --client-request-token ci-ptx-1 --transact-statements \
  "[{\"Statement\":\"UPDATE Music SET Plays = Plays + 1 WHERE Artist = 'Acme' AND SongTitle = 'PartiQL Rocks'\"},{\"Statement\":\"INSERT INTO Music VALUE {'Artist': 'Acme', 'SongTitle': 'Third'}\"}]" >/dev/null
got=$(ddb execute-transaction --transact-statements \
  "[{\"Statement\":\"SELECT Plays FROM Music WHERE Artist = 'Acme' AND SongTitle = 'PartiQL Rocks'\"},{\"Statement\":\"SELECT * FROM Music WHERE Artist = ? AND SongTitle = ?\",\"Parameters\":[{\"S\":\"Acme\"},{\"S\":\"Third\"}]}]" \
  --query 'join(`,`, [Responses[0].Item.Plays.N, Responses[1].Item.SongTitle.S])' --output text)
expect "execute-transaction writes then reads" "3,Third" "$got"
set +e
out=$(ddb execute-transaction --transact-statements \
  "[{\"Statement\":\"DELETE FROM Music WHERE Artist = 'Acme' AND SongTitle = 'PartiQL Rocks'\"},{\"Statement\":\"INSERT INTO Music VALUE {'Artist': 'Acme', 'SongTitle': 'Third'}\"}]" 2>&1)
set -e
echo "$out" | grep -q "TransactionCanceledException" || fail "execute-transaction duplicate INSERT: $out"
echo "$out" | grep -q "\[None, DuplicateItem\]" || fail "execute-transaction reasons: $out"
expect "execute-transaction canceled writes nothing" 2 "$(ddb execute-statement --statement 'SELECT * FROM Music' --query 'length(Items)' --output text)"

# Table ARNs, resource-based policies, limits and endpoints.
arn=$(ddb describe-table --table-name Music --query Table.TableArn --output text)
expect "describe-table by ARN" Music "$(ddb describe-table --table-name "$arn" --query Table.TableName --output text)"
policy='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"000000000000"},"Action":"dynamodb:GetItem","Resource":"*"}]}'
rev=$(ddb put-resource-policy --resource-arn "$arn" --policy "$policy" --expected-revision-id NO_POLICY --query RevisionId --output text)
expect "get-resource-policy" "$rev" "$(ddb get-resource-policy --resource-arn "$arn" --query RevisionId --output text)"
set +e
out=$(ddb put-resource-policy --resource-arn "$arn" --policy "$policy" --expected-revision-id 1 2>&1)
set -e
echo "$out" | grep -q "PolicyNotFoundException" || fail "stale revision: $out"
expect "delete-resource-policy" "$rev" "$(ddb delete-resource-policy --resource-arn "$arn" --query RevisionId --output text)"
expect "describe-limits" 40000 "$(ddb describe-limits --query TableMaxReadCapacityUnits --output text)"
expect "describe-endpoints" "$addr" "$(ddb describe-endpoints --query 'Endpoints[0].Address' --output text)"

# Contributor Insights, Kinesis destinations, global tables and replica
# auto scaling (README: DynamoDB API coverage).
expect "update-contributor-insights" ENABLING "$(ddb update-contributor-insights --table-name Music --contributor-insights-action ENABLE --query ContributorInsightsStatus --output text)"
expect "describe-contributor-insights" ENABLED "$(ddb describe-contributor-insights --table-name Music --query ContributorInsightsStatus --output text)"
expect "list-contributor-insights" Music "$(ddb list-contributor-insights --query 'ContributorInsightsSummaries[0].TableName' --output text)"
stream=arn:aws:kinesis:us-east-1:000000000000:stream/changes
expect "enable-kinesis-streaming-destination" ENABLING "$(ddb enable-kinesis-streaming-destination --table-name Music --stream-arn "$stream" --query DestinationStatus --output text)"
expect "describe-kinesis-streaming-destination" ENABLE_FAILED "$(ddb describe-kinesis-streaming-destination --table-name Music --query 'KinesisDataStreamDestinations[0].DestinationStatus' --output text)"
expect "list-global-tables" 0 "$(ddb list-global-tables --query 'length(GlobalTables)' --output text)"
set +e
out=$(ddb describe-global-table --global-table-name Music 2>&1)
set -e
echo "$out" | grep -q "GlobalTableNotFoundException" || fail "describe-global-table: $out"
set +e
out=$(ddb describe-table-replica-auto-scaling --table-name Music 2>&1)
set -e
echo "$out" | grep -q "Global table with name: 'Music' does not exist." || fail "describe-table-replica-auto-scaling: $out"
echo "ok: contributor insights, kinesis destinations, global tables, replica auto scaling"

# On-demand backups: back up, restore into a new table, wait for it, compare, delete.
barn=$(ddb create-backup --table-name Music --backup-name ci-backup --query BackupDetails.BackupArn --output text)
for _ in $(seq 1 100); do
  st=$(ddb describe-backup --backup-arn "$barn" --query BackupDescription.BackupDetails.BackupStatus --output text)
  [ "$st" = AVAILABLE ] && break
  sleep 0.1
done
expect "describe-backup" AVAILABLE "$st"
expect "list-backups" "$barn" "$(ddb list-backups --table-name Music --query 'BackupSummaries[0].BackupArn' --output text)"
expect "restore-table-from-backup" "CREATING,$barn" \
  "$(ddb restore-table-from-backup --target-table-name MusicRestored --backup-arn "$barn" \
    --query 'join(`,`, [TableDescription.TableStatus, TableDescription.RestoreSummary.SourceBackupArn])' --output text)"
ddb wait table-exists --table-name MusicRestored
for _ in $(seq 1 100); do
  st=$(ddb describe-table --table-name MusicRestored --query Table.TableStatus --output text)
  [ "$st" = ACTIVE ] && break
  sleep 0.1
done
expect "restored table" ACTIVE "$st"
expect "restored items" "$(ddb scan --table-name Music --query Count --output text)" \
  "$(ddb scan --table-name MusicRestored --query Count --output text)"
set +e
out=$(ddb restore-table-from-backup --target-table-name MusicRestored --backup-arn "$barn" 2>&1)
set -e
echo "$out" | grep -q "TableAlreadyExistsException" || fail "restore onto an existing table: $out"
echo "ok: restore onto an existing table refused"
expect "delete-backup" DELETED "$(ddb delete-backup --backup-arn "$barn" --query BackupDescription.BackupDetails.BackupStatus --output text)"
set +e
out=$(ddb describe-backup --backup-arn "$barn" 2>&1)
set -e
echo "$out" | grep -q "BackupNotFoundException" || fail "deleted backup: $out"
echo "ok: deleted backup not found"
ddb delete-table --table-name MusicRestored >/dev/null

# Export to "S3" (a directory under --export-dir), then import the export's data files.
ddb update-continuous-backups --table-name Music --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true >/dev/null
earn=$(ddb export-table-to-point-in-time --table-arn "$arn" --s3-bucket ci-bucket --s3-prefix exports \
  --query ExportDescription.ExportArn --output text)
for _ in $(seq 1 100); do
  st=$(ddb describe-export --export-arn "$earn" --query ExportDescription.ExportStatus --output text)
  [ "$st" = COMPLETED ] && break
  sleep 0.1
done
expect "describe-export" COMPLETED "$st"
manifest=$(ddb describe-export --export-arn "$earn" --query ExportDescription.ExportManifest --output text)
[ -f "$work/s3/ci-bucket/$manifest" ] || fail "no manifest at $work/s3/ci-bucket/$manifest"
echo "ok: export manifest written"
iarn=$(ddb import-table --input-format DYNAMODB_JSON --input-compression-type GZIP \
  --s3-bucket-source "S3Bucket=ci-bucket,S3KeyPrefix=${manifest%manifest-summary.json}data/" \
  --table-creation-parameters '{"TableName":"MusicImported","AttributeDefinitions":[{"AttributeName":"Artist","AttributeType":"S"},{"AttributeName":"SongTitle","AttributeType":"S"}],"KeySchema":[{"AttributeName":"Artist","KeyType":"HASH"},{"AttributeName":"SongTitle","KeyType":"RANGE"}],"BillingMode":"PAY_PER_REQUEST"}' \
  --query ImportTableDescription.ImportArn --output text)
for _ in $(seq 1 100); do
  st=$(ddb describe-import --import-arn "$iarn" --query ImportTableDescription.ImportStatus --output text)
  [ "$st" = COMPLETED ] && break
  sleep 0.1
done
expect "describe-import" COMPLETED "$st"
expect "imported items" "$(ddb scan --table-name Music --query Count --output text)" \
  "$(ddb scan --table-name MusicImported --query Count --output text)"
ddb delete-table --table-name MusicImported >/dev/null

# Point-in-time restore: note an instant, change the table, restore to the
# instant (the table as it was) and to the latest restorable time (as it is).
sleep 0.01
t0=$(date +%s.%3N)
n0=$(ddb scan --table-name Music --query Count --output text)
sleep 0.01
ddb put-item --table-name Music --item '{"Artist":{"S":"PITR"},"SongTitle":{"S":"After the instant"}}' >/dev/null
earliest=$(ddb describe-continuous-backups --table-name Music \
  --query ContinuousBackupsDescription.PointInTimeRecoveryDescription.EarliestRestorableDateTime --output text)
[ -n "$earliest" ] && [ "$earliest" != None ] || fail "no EarliestRestorableDateTime"
expect "restore-table-to-point-in-time" "CREATING" \
  "$(ddb restore-table-to-point-in-time --source-table-name Music --target-table-name MusicAtT0 --restore-date-time "$t0" \
    --query TableDescription.TableStatus --output text)"
ddb restore-table-to-point-in-time --source-table-arn "$arn" --target-table-name MusicLatest --use-latest-restorable-time >/dev/null
for t in MusicAtT0 MusicLatest; do
  for _ in $(seq 1 100); do
    st=$(ddb describe-table --table-name "$t" --query Table.TableStatus --output text)
    [ "$st" = ACTIVE ] && break
    sleep 0.1
  done
  expect "restored $t" ACTIVE "$st"
done
expect "items at the instant" "$n0" "$(ddb scan --table-name MusicAtT0 --query Count --output text)"
expect "items at the latest time" "$((n0 + 1))" "$(ddb scan --table-name MusicLatest --query Count --output text)"
set +e
out=$(ddb restore-table-to-point-in-time --source-table-name Music --target-table-name MusicOld --restore-date-time 1000000000 2>&1)
set -e
echo "$out" | grep -q "InvalidRestoreTimeException" || fail "restore before the window: $out"
echo "ok: restore before the window refused"
ddb delete-table --table-name MusicAtT0 >/dev/null
ddb delete-table --table-name MusicLatest >/dev/null

expect "delete-table" DELETING "$(ddb delete-table --table-name Music --query TableDescription.TableStatus --output text)"
expect "no tables" "" "$(ddb list-tables --query 'TableNames' --output text)"

kill -TERM "$pid"
wait "$pid" || fail "server exited non-zero after SIGTERM"
grep -q "shutting down" "$log" || fail "no graceful shutdown line"
echo "ok: graceful shutdown"
echo "e2e: all passed"
