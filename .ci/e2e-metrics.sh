#!/usr/bin/env bash
# End-to-end: dynacache --metrics, scraped after some traffic, checked by
# Prometheus's own promtool (Debian's prometheus package). Bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v promtool >/dev/null 2>&1; then
  echo "installing promtool (Debian's prometheus package)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
promtool --version | head -1

. .ci/lib.sh
setup
start --http 127.0.0.1:0 --resp 127.0.0.1:0 --metrics 127.0.0.1:0 --dir "$work/data"
addr=$(addr_of '.*DynamoDB API listening on http://\([0-9.:]*\).*')
maddr=$(addr_of '.*metrics on http://\([0-9.:]*\)/metrics.*')

export AWS_ACCESS_KEY_ID=ci AWS_SECRET_ACCESS_KEY=ci AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
ddb() { timeout 30 aws dynamodb --endpoint-url "http://$addr" "$@" >/dev/null; }
ddb create-table --table-name Metered --attribute-definitions AttributeName=pk,AttributeType=S \
  --key-schema AttributeName=pk,KeyType=HASH --billing-mode PAY_PER_REQUEST
ddb put-item --table-name Metered --item '{"pk":{"S":"a"}}'
ddb get-item --table-name Metered --key '{"pk":{"S":"a"}}'
ddb get-item --table-name Missing --key '{"pk":{"S":"a"}}' 2>/dev/null || true

metrics="$work/metrics.txt"
curl -fsS "http://$maddr/metrics" >"$metrics"
promtool check metrics <"$metrics"
grep -q 'dynacache_requests_total{operation="PutItem",outcome="ok",port="http"} 1' "$metrics" || { echo "FAIL: PutItem not counted"; grep dynacache_requests_total "$metrics"; exit 1; }
grep -q 'dynacache_table_items{table="Metered"} 1' "$metrics" || { echo "FAIL: table items"; exit 1; }
curl -fsS "http://$maddr/healthz" | grep -q ok
curl -fsS "http://$maddr/readyz" | grep -q ready
echo "ok: /metrics passes promtool check metrics; /healthz and /readyz answer"
