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
