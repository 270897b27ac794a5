#!/usr/bin/env bash
# End-to-end: dynacache with --tls-cert/--tls-key, the AWS CLI over HTTPS and
# redis-cli --tls on the same data, and a certificate reload on SIGHUP.
# Bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-cli >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-tools >/dev/null
fi
if ! command -v openssl >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null
fi

. .ci/lib.sh
setup
cert() { # cert CN
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=$1" \
    -addext "subjectAltName=IP:127.0.0.1" -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
}
cert first

start --http 127.0.0.1:0 --resp 127.0.0.1:0 --in-memory --tls-cert "$work/cert.pem" --tls-key "$work/key.pem"
addr=$(addr_of '.*DynamoDB API listening on https://\([0-9.:]*\).*')
raddr=$(addr_of '.*RESP listening on \([0-9.:]*\) (TLS).*')

rc() { timeout 20 redis-cli --tls --cacert "$work/cert.pem" -h 127.0.0.1 -p "${raddr##*:}" "$@"; }
[ "$(rc SET greeting hello)" = OK ] || fail "redis-cli --tls SET"
[ "$(rc GET greeting)" = hello ] || fail "redis-cli --tls GET"
echo "ok: redis-cli --tls"

export AWS_ACCESS_KEY_ID=ci AWS_SECRET_ACCESS_KEY=ci AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
got=$(timeout 30 aws dynamodb --endpoint-url "https://$addr" --ca-bundle "$work/cert.pem" get-item --table-name redis \
  --key '{"pk":{"S":"greeting"}}' --query 'Item.val.S' --output text 2>&1) || fail "aws over https: $got"
[ "$got" = hello ] || fail "aws over https read [$got]"
echo "ok: the AWS CLI over HTTPS reads what redis-cli wrote"

if timeout 10 aws dynamodb --endpoint-url "http://$addr" list-tables >/dev/null 2>&1; then fail "plain HTTP was served"; fi
echo "ok: plain HTTP refused"

subject() { echo | timeout 10 openssl s_client -connect "$1" 2>/dev/null | openssl x509 -noout -subject 2>/dev/null; }
subject "$addr" | grep -q first || fail "certificate before reload: $(subject "$addr")"
cert second
kill -HUP "$pid"
for _ in $(seq 1 50); do grep -q "certificate reloaded" "$log" && break; sleep 0.1; done
grep -q "certificate reloaded" "$log" || { cat "$log"; fail "no reload on SIGHUP"; }
subject "$addr" | grep -q second || fail "certificate after reload: $(subject "$addr")"
subject "$raddr" | grep -q second || fail "RESP certificate after reload: $(subject "$raddr")"
echo "ok: SIGHUP reloads the certificate on both ports"
