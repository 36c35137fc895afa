#!/usr/bin/env bash
# A property-based run of the API against its own OpenAPI document (schemathesis): every check,
# positive and negative data, the stateful phase, for a bounded time. Fails on any server error
# and on any answer that contradicts the document (status, content type, headers, schema); the
# other checks' findings are reported, and each is either fixed or a deliberate behaviour that
# docs/API.md explains (see the README's "The OpenAPI document").
#
#   scripts/schemathesis.sh [SECONDS] [FITHUB_API_BINARY]
#
# Runs on PostgreSQL at $FITHUB_TEST_DATABASE_URL, in a database of its own that it recreates.
# First checks that the document validates against the OpenAPI 3.1 schema.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-120}"
binary="${2:-target/release/fithub-api}"
server="${FITHUB_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
venv=".ci/tools/venv"
port=18181
base="http://127.0.0.1:$port"
database="fithub_schemathesis"
# The full output stays here for reading; the build directory is never committed.
report="target/schemathesis"
mkdir -p "$report"

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
[ -x "$venv/bin/schemathesis" ] || "$venv/bin/pip" install --quiet "schemathesis==4.32.5"
[ -x "$venv/bin/openapi-spec-validator" ] \
  || "$venv/bin/pip" install --quiet "openapi-spec-validator==0.9.0"

psql -q "$server" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" -c "CREATE DATABASE $database"

FITHUB_DATABASE_URL="${server%/*}/$database" \
FITHUB_BIND="127.0.0.1:$port" \
FITHUB_JWT_SECRET="$(head -c 32 /dev/urandom | base64)" \
FITHUB_AUTO_MIGRATE=true \
FITHUB_AUTH_RATE_LIMIT_PER_ADDRESS=0 \
FITHUB_AUTH_RATE_LIMIT_PER_USERNAME=0 \
FITHUB_LOG_LEVEL=error \
  "$binary" > "$report/api.log" 2>&1 &
api=$!
trap 'kill $api 2> /dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "$base/ready" > /dev/null && break; sleep 0.1; done

# The document first: it must validate against the OpenAPI 3.1 schema.
curl -sf "$base/api/schema/?format=json" -o "$report/openapi.json"
"$venv/bin/openapi-spec-validator" "$report/openapi.json"

password="violet-Harbor-47-kite"
token="$(curl -sf "$base/api/accounts/register/" -H 'content-type: application/json' \
  -d "{\"username\": \"fuzz\", \"password\": \"$password\", \"password_confirm\": \"$password\"}" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["tokens"]["access"])')"

# Deleting the account and changing its password end the credentials the run itself uses; the
# API tests cover both.
status=0
"$venv/bin/schemathesis" run "$base/api/schema/?format=json" \
  --checks all --mode all --phases examples,coverage,fuzzing,stateful \
  --max-time "$seconds" --request-timeout 10 --seed 20261202 \
  --header "Authorization: Bearer $token" \
  --exclude-path /api/accounts/delete/ --exclude-path /api/accounts/change-password/ \
  --no-color > "$report/run.txt" 2>&1 || status=$?
tail -n 60 "$report/run.txt"

# The gate: the ST1xx findings are server errors and answers that contradict the document
# (status, content type, headers, schema); ST2xx (data the API accepts or refuses against the
# schema's opinion) are reported only.
gate=0
if grep -E "^  ❌ ST1[0-9]{2} " "$report/run.txt"; then gate=1; fi
if ! grep -q "^Test cases:" "$report/run.txt"; then echo "schemathesis did not finish"; gate=1; fi
grep -q "error" "$report/api.log" && { echo "== API log"; tail -n 20 "$report/api.log"; } || true
echo "schemathesis exit $status; gate exit $gate"
exit "$gate"
