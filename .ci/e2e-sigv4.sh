#!/usr/bin/env bash
# End-to-end: dynacache with --credentials, driven by the real AWS CLI with
# the right keys, a wrong secret and an unknown key. Bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."

. .ci/lib.sh
setup
printf '# access keys of the e2e test\nAKIDE2E e2e/Secret+Key\nAKIDTWO second\n' >"$work/creds"

start --http 127.0.0.1:0 --resp "" --in-memory --credentials "$work/creds"
addr=$(addr_of '.*DynamoDB API listening on http://\([0-9.:]*\).*')
ddb() { # ddb KEY SECRET args...
  local k=$1 s=$2; shift 2
  AWS_ACCESS_KEY_ID=$k AWS_SECRET_ACCESS_KEY=$s AWS_DEFAULT_REGION=eu-central-1 AWS_PAGER="" \
    timeout 30 aws dynamodb --endpoint-url "http://$addr" "$@" 2>&1
}

ddb AKIDE2E 'e2e/Secret+Key' create-table --table-name Signed \
  --attribute-definitions AttributeName=pk,AttributeType=S --key-schema AttributeName=pk,KeyType=HASH \
  --billing-mode PAY_PER_REQUEST >/dev/null || fail "create-table with the right keys"
got=$(ddb AKIDTWO second list-tables --query 'TableNames[0]' --output text) || fail "list-tables with the second key: $got"
[ "$got" = Signed ] || fail "list-tables: $got"
echo "ok: signed with configured keys"

if out=$(ddb AKIDE2E wrong list-tables); then fail "a wrong secret was accepted: $out"; fi
echo "$out" | grep -q InvalidSignatureException || fail "wrong secret: $out"
echo "ok: wrong secret -> InvalidSignatureException"

if out=$(ddb AKIDNOBODY x list-tables); then fail "an unknown key was accepted: $out"; fi
echo "$out" | grep -q UnrecognizedClientException || fail "unknown key: $out"
echo "ok: unknown key -> UnrecognizedClientException"
