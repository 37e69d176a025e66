#!/usr/bin/env bash
# Generated clients: a TypeScript client (openapi-typescript + openapi-fetch) generated from the
# committed spec must type-check with the seed-page example, and a Python client
# (openapi-python-client) must generate without warnings and import.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${CONTRACT_VENV:-${HOME}/.cache/dateline-contract-venv}"

echo "== TypeScript: openapi-typescript + openapi-fetch, tsc --noEmit examples/typescript"
(
  cd examples/typescript
  npm ci --no-audit --no-fund --loglevel=error
  npm run --silent check
)

echo "== TypeScript: the generated client uploads an image, builds the seed page, previews a draft and searches, against a live release server"
bin="${DATELINE_BIN:-${CARGO_TARGET_DIR:-target}/release/dateline}"
[ -x "$bin" ] || cargo build --release --quiet
ts_work=$(mktemp -d)
ts_port="${CLIENTS_PORT:-18091}"
ts_server=""
stop_ts_server() {
  if [ -n "$ts_server" ]; then kill "$ts_server" 2>/dev/null || true; wait "$ts_server" 2>/dev/null || true; fi
  rm -rf "$ts_work"
}
trap stop_ts_server EXIT
(
  export DATABASE_URL="sqlite://$ts_work/clients.db" DATELINE_MEDIA_DIR="$ts_work/media" \
    DATELINE_BIND="127.0.0.1:$ts_port" DATELINE_LOG=warn \
    DATELINE_JWT_SECRET="clients-example-secret-of-at-least-32-bytes"
  "$bin" import tests/fixtures/seed-article.json >/dev/null
  DATELINE_PASSWORD="clients example passphrase" \
    "$bin" user create --email clients@example.com --name "Clients Example" --role editor >/dev/null
  exec "$bin" serve >"$ts_work/server.log" 2>&1
) &
ts_server=$!
python3 - "$ts_port" <<'PY'
import sys, time, urllib.request
for _ in range(300):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/healthz", timeout=1)
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit("the server did not start")
PY
(
  cd examples/typescript
  rm -rf dist
  npx tsc --noEmit false --outDir dist
  node dist/upload-run.js "http://127.0.0.1:$ts_port" clients@example.com "clients example passphrase" \
    pakistan-and-iran-announce-de-escalation-agreement-following-border-airstrikes ../../tests/fixtures/photo.jpg
  # The seed page's blocks (include, exclude, the batch form), and a draft preview link.
  node dist/seed-run.js "http://127.0.0.1:$ts_port" \
    pakistan-and-iran-announce-de-escalation-agreement-following-border-airstrikes
  node dist/preview-run.js "http://127.0.0.1:$ts_port" clients@example.com "clients example passphrase"
  # A search results page: ranked hits with snippets, facets and a filter.
  node dist/search-run.js "http://127.0.0.1:$ts_port" \
    pakistan-and-iran-announce-de-escalation-agreement-following-border-airstrikes
)
stop_ts_server
ts_server=""
trap - EXIT

echo "== Python: openapi-python-client generate + import"
if [ ! -x "$venv/bin/openapi-python-client" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "openapi-python-client>=0.21"
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
log="$out/generate.log"
"$venv/bin/openapi-python-client" generate --path openapi/openapi.json \
  --config contract/python-client.yaml --output-path "$out/dateline-client" >"$log" 2>&1 || { cat "$log"; exit 1; }
if grep -qi "warning" "$log"; then
  cat "$log"
  echo "openapi-python-client reported warnings: the spec has parts it cannot generate"
  exit 1
fi
PYTHONPATH="$out/dateline-client" "$venv/bin/python" - <<'PY'
import dateline_client
from dateline_client import AuthenticatedClient, Client
from dateline_client.api.articles import get_article, list_articles, related_articles
from dateline_client.api.comments import list_comments, submit_comment
from dateline_client.models import ArticleDetail, CommentInput, Problem

client = Client(base_url="http://127.0.0.1:8080")
print("python client imports:", dateline_client.__name__, ArticleDetail.__name__, CommentInput.__name__)
PY
echo "generated clients OK"
