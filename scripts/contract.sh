#!/usr/bin/env bash
# Contract tests: the committed OpenAPI spec against an external validator, then schemathesis
# against a live release server on SQLite, in two runs:
#   - reads: every GET operation, with no configuration file at all (the spec alone must say
#     what is valid), anonymously and with an editor's access token;
#   - writes: every other operation, authenticated as an editor, with contract/schemathesis.toml
#     (only rules no schema can state, each with its reason).
#
#   scripts/contract.sh                 # builds and uses the release binary
#   DATELINE_BIN=path scripts/contract.sh
#   CONTRACT_MAX_EXAMPLES=50 scripts/contract.sh
#
# Needs Python 3 with pip (PyPI reachable, or the tools already installed in $CONTRACT_VENV).
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir="${CARGO_TARGET_DIR:-target}"
bin="${DATELINE_BIN:-$target_dir/release/dateline}"
venv="${CONTRACT_VENV:-${HOME}/.cache/dateline-contract-venv}"
max_examples="${CONTRACT_MAX_EXAMPLES:-25}"
port="${CONTRACT_PORT:-18080}"
work=$(mktemp -d)
server_pid=""

cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${DATELINE_BIN:-}" ]; then
  cargo build --release --quiet
fi

if [ ! -x "$venv/bin/st" ] || [ ! -x "$venv/bin/openapi-spec-validator" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis>=4,<5" "openapi-spec-validator>=0.7"
fi

echo "== openapi-spec-validator openapi/openapi.json"
"$venv/bin/openapi-spec-validator" openapi/openapi.json

export DATABASE_URL="sqlite://$work/contract.db"
export DATELINE_MEDIA_DIR="$work/media"
export DATELINE_BIND="127.0.0.1:$port"
export DATELINE_LOG="${DATELINE_LOG:-warn}"
export DATELINE_JWT_SECRET="contract-test-secret-of-at-least-32-bytes"
# Every request comes from one address here, and schemathesis tries thousands of logins (some
# with the editor's own e-mail, which it learns from the run) and comments: the abuse limits
# would lock the editor out and answer 429 to nearly everything, schemathesis included.
export DATELINE_LOGIN_MAX_FAILURES=100000
export DATELINE_LOGIN_MAX_FAILURES_PER_ADDRESS=100000
export DATELINE_COMMENTS_PER_MINUTE=0
export DATELINE_METRICS_TOKEN="contract-metrics-token-0123456789"
# The read run uses one access token throughout: let it outlive the run.
export DATELINE_ACCESS_TOKEN_TTL_SECS=7200
export DATELINE_CONTRACT_EMAIL="contract-editor@example.com"
export DATELINE_CONTRACT_PASSWORD="contract editor passphrase"
"$bin" migrate >/dev/null
"$bin" seed --articles 200 >/dev/null
"$bin" import tests/fixtures/seed-article.json >/dev/null
DATELINE_PASSWORD="$DATELINE_CONTRACT_PASSWORD" \
  "$bin" user create --email "$DATELINE_CONTRACT_EMAIL" --name "Contract Editor" --role editor >/dev/null

"$bin" serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

common=(--checks all --max-examples "$max_examples" --seed 20261128 --request-timeout 10 --no-color)
status=0

echo "== schemathesis, reads, anonymous (--checks all, no configuration file)"
"$venv/bin/st" run "http://127.0.0.1:$port/openapi.json" --include-method GET \
  "${common[@]}" --report junit --report-dir "$work/report-reads-anonymous" || status=$?

# An editor's access token, from the API itself: editorial reads (drafts, revisions, the
# moderation queue) are reads too.
token=$(curl -fsS "http://127.0.0.1:$port/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d "{\"email\": \"$DATELINE_CONTRACT_EMAIL\", \"password\": \"$DATELINE_CONTRACT_PASSWORD\"}" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
echo "== schemathesis, reads, as an editor (--checks all, no configuration file)"
"$venv/bin/st" run "http://127.0.0.1:$port/openapi.json" --include-method GET \
  --header "Authorization: Bearer $token" \
  "${common[@]}" --report junit --report-dir "$work/report-reads-editor" || status=$?

echo "== schemathesis, writes (--checks all, contract/schemathesis.toml)"
"$venv/bin/st" --config-file contract/schemathesis.toml run "http://127.0.0.1:$port/openapi.json" \
  --exclude-method GET \
  "${common[@]}" --report junit --report-dir "$work/report-writes" || status=$?

if [ "$status" -ne 0 ]; then
  echo "schemathesis found problems; server log tail:"
  tail -n 50 "$work/server.log"
fi
exit "$status"
